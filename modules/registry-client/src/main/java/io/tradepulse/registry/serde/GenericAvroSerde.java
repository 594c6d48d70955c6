package io.tradepulse.registry.serde;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import io.tradepulse.registry.SchemaRegistryClient;

/**
 * Serde for {@link GenericRecord} in the Confluent wire format, for Kafka Streams. Always reads generic
 * records ({@code specific.avro.reader} is forced to false).
 */
public class GenericAvroSerde extends WireFormatSerde<GenericRecord> {

    /** Creates its registry client from {@code schema.registry.url} on {@link #configure}. */
    public GenericAvroSerde() {
        super(false);
    }

    /** Uses {@code client} (not closed by {@link #close()}); {@code schema.registry.url} is then optional. */
    public GenericAvroSerde(SchemaRegistryClient client) {
        super(client, false);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Serializer<GenericRecord> serializer() {
        return (Serializer<GenericRecord>) (Serializer<?>) serializer;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Deserializer<GenericRecord> deserializer() {
        return (Deserializer<GenericRecord>) (Deserializer<?>) deserializer;
    }
}
