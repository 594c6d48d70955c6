package io.tradepulse.registry.serde;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import io.tradepulse.registry.SchemaRegistryClient;

/**
 * Serde for {@link GenericRecord} in the Confluent wire format, for Kafka Streams. Always reads generic
 * records ({@code specific.avro.reader} is forced to false).
 */
public class GenericAvroSerde implements Serde<GenericRecord> {

    private final KafkaAvroSerializer serializer;
    private final KafkaAvroDeserializer deserializer;

    /** Creates its registry client from {@code schema.registry.url} on {@link #configure}. */
    public GenericAvroSerde() {
        this.serializer = new KafkaAvroSerializer();
        this.deserializer = new KafkaAvroDeserializer();
    }

    /** Uses {@code client} (not closed by {@link #close()}); {@code schema.registry.url} is then optional. */
    public GenericAvroSerde(SchemaRegistryClient client) {
        this.serializer = new KafkaAvroSerializer(client);
        this.deserializer = new KafkaAvroDeserializer(client);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> generic = new HashMap<>(configs);
        generic.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, false);
        serializer.configure(generic, isKey);
        deserializer.configure(generic, isKey);
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

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
