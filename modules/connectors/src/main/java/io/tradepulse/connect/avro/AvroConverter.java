package io.tradepulse.connect.avro;

import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.serde.KafkaAvroDeserializer;
import io.tradepulse.registry.serde.KafkaAvroSerializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericContainer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Connect converter writing Avro in the Confluent wire format (magic 0 + 4-byte schema id + binary)
 * through the tradepulse registry client. Configure it like Confluent's:
 * {@code value.converter=io.tradepulse.connect.avro.AvroConverter},
 * {@code value.converter.schema.registry.url=http://...}; other serde settings (auto.register.schemas,
 * subject name strategies) pass through to {@link KafkaAvroSerializer}.
 *
 * <p>A Connect struct whose schema name is a generated tradepulse class (io.tradepulse.avro.TradeRecord,
 * SeriesKey, DeadLetter...) is written with that class's canonical schema, so the registry subject holds
 * exactly the .avsc from tradepulse-schemas; any other Connect schema is mapped generically.
 */
public class AvroConverter implements Converter {
  private final SchemaRegistryClient injectedClient;
  private KafkaAvroSerializer serializer;
  private KafkaAvroDeserializer deserializer;
  private final ConnectAvroData data = new ConnectAvroData();

  public AvroConverter() {
    this(null);
  }

  /** For tests: a given registry client instead of one built from schema.registry.url. */
  public AvroConverter(SchemaRegistryClient client) {
    this.injectedClient = client;
  }

  /**
   * The Connect schema this converter maps to and from a given Avro schema (records become structs named by
   * the Avro full name, enums strings, timestamp-millis Timestamp). Connectors build their structs with it
   * so the Connect side is derived from the .avsc files instead of being written down a second time.
   */
  public static Schema connectSchema(org.apache.avro.Schema avro) {
    return ConnectAvroData.connectSchemaOf(avro);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Map<String, Object> c = new HashMap<>(configs);
    // toConnectData needs generic records to map field by field, whatever the caller configured.
    c.put("specific.avro.reader", false);
    serializer = injectedClient == null ? new KafkaAvroSerializer() : new KafkaAvroSerializer(injectedClient);
    deserializer = injectedClient == null ? new KafkaAvroDeserializer() : new KafkaAvroDeserializer(injectedClient);
    serializer.configure(c, isKey);
    deserializer.configure(c, isKey);
  }

  @Override
  public byte[] fromConnectData(String topic, Schema schema, Object value) {
    if (value == null) {
      return null;
    }
    try {
      org.apache.avro.Schema avro = data.avroSchema(schema);
      return serializer.serialize(topic, data.toAvro(avro, schema, value));
    } catch (SerializationException e) {
      throw new DataException("Converting " + (schema == null ? "schemaless" : schema.name()) + " data to Avro for topic "
          + topic + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    if (value == null) {
      return SchemaAndValue.NULL;
    }
    try {
      Object avro = deserializer.deserialize(topic, value);
      if (avro == null) {
        return SchemaAndValue.NULL;
      }
      org.apache.avro.Schema avroSchema = avro instanceof GenericContainer gc ? gc.getSchema() : ConnectAvroData.primitiveSchema(avro);
      Schema connect = data.connectSchema(avroSchema);
      return new SchemaAndValue(connect, data.toConnect(connect, avroSchema, avro));
    } catch (SerializationException e) {
      throw new DataException("Reading Avro data from topic " + topic + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (serializer != null) {
      serializer.close();
    }
    if (deserializer != null) {
      deserializer.close();
    }
  }
}
