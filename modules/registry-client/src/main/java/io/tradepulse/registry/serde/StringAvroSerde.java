package io.tradepulse.registry.serde;

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
