package io.tradepulse.registry.serde;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.serialization.Serde;

import io.tradepulse.registry.SchemaRegistryClient;

/**
 * What the wire-format serdes share: a {@link KafkaAvroSerializer} and {@link KafkaAvroDeserializer} pair,
 * configured together, with the reader kind ({@code specific.avro.reader}) fixed by the subclass whatever the
 * configuration says.
 */
abstract class WireFormatSerde<T> implements Serde<T> {

    final KafkaAvroSerializer serializer;
    final KafkaAvroDeserializer deserializer;
    private final boolean specificReader;

    /** Creates the registry client from {@code schema.registry.url} on {@link #configure}. */
    WireFormatSerde(boolean specificReader) {
        this.serializer = new KafkaAvroSerializer();
        this.deserializer = new KafkaAvroDeserializer();
        this.specificReader = specificReader;
    }

    /**
     * Uses {@code client} (not closed by {@link #close()}). Works unconfigured as a value serde: Kafka Streams
     * does not configure serdes passed to {@code Consumed.with}/{@code Produced.with}.
     */
    WireFormatSerde(SchemaRegistryClient client, boolean specificReader) {
        this.serializer = new KafkaAvroSerializer(client);
        this.deserializer = new KafkaAvroDeserializer(client, specificReader);
        this.specificReader = specificReader;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> fixed = new HashMap<>(configs);
        fixed.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, specificReader);
        serializer.configure(fixed, isKey);
        deserializer.configure(fixed, isKey);
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
