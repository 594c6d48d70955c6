package io.tradepulse.registry.serde;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import io.tradepulse.registry.SchemaRegistryClient;

/**
 * Serde for a plain string in the Confluent wire format (Avro schema {@code "string"}): what Kafka Connect's
 * Avro converter writes for a STRING key. Use it for a topic that Connect workers and plain producers both write
 * to, so that a consumer sees one key encoding, whoever wrote the record.
 */
public final class StringAvroSerde extends WireFormatSerde<String> implements Serializer<String>, Deserializer<String> {

    /** Creates its registry client from {@code schema.registry.url} on {@link #configure}. */
    public StringAvroSerde() {
        super(false);
    }

    /** Uses {@code client} (not closed by {@link #close()}); {@code schema.registry.url} is then optional. */
    public StringAvroSerde(SchemaRegistryClient client) {
        super(client, false);
    }

    /**
     * Also refuses, here and not at the first record, a subject name strategy under which a string has no subject
     * (RecordNameStrategy and TopicRecordNameStrategy name subjects after a record, and refuse anything else as
     * Confluent's do): a processor configured so would start, then fail writing its first dead letter.
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        super.configure(configs, isKey);
        try {
            checkSubjectNameStrategy(new AvroSerdeConfig(configs), isKey);
        } catch (ConfigException e) {
            close(); // the registry clients super.configure built (none is owned when one was injected)
            throw e;
        }
    }

    /**
     * Refuses a subject name strategy of {@code config} under which a string key ({@code isKey}) or value has no
     * subject; also for a configuration checked before any serde is built.
     *
     * @throws ConfigException naming the strategy key and what to use instead
     */
    public static void checkSubjectNameStrategy(AvroSerdeConfig config, boolean isKey) {
        try {
            config.subjectNameStrategy(isKey).subjectName("any-topic", isKey, Schema.create(Schema.Type.STRING));
        } catch (SerializationException e) {
            String key = isKey ? AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG : AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG;
            throw new ConfigException(key, config.getString(key), "string " + (isKey ? "keys" : "values")
                    + " (the keys of tariff.events and trade.dlq) have no subject under it: " + e.getMessage()
                    + "; use TopicNameStrategy (the default) for " + key);
        }
    }

    @Override
    public byte[] serialize(String topic, String data) {
        return serializer.serialize(topic, data);
    }

    @Override
    public String deserialize(String topic, byte[] data) {
        Object value = deserializer.deserialize(topic, data);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new SerializationException("Expected an Avro string in topic '" + topic + "' but the writer schema is "
                + "of " + value.getClass().getName());
    }

    @Override
    public Serializer<String> serializer() {
        return this;
    }

    @Override
    public Deserializer<String> deserializer() {
        return this;
    }
}
