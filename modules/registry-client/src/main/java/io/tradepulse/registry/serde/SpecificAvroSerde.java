package io.tradepulse.registry.serde;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import io.tradepulse.registry.SchemaRegistryClient;

/**
 * Serde for generated Avro classes in the Confluent wire format, for Kafka Streams. Always reads
 * specific records ({@code specific.avro.reader} is forced to true). Subclass to fix the type for
 * configuration by class name, e.g. {@code class TradeRecordSerde extends SpecificAvroSerde<TradeRecord>}.
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final KafkaAvroSerializer serializer;
    private final KafkaAvroDeserializer deserializer;

    /** Creates its registry client from {@code schema.registry.url} on {@link #configure}. */
    public SpecificAvroSerde() {
        this.serializer = new KafkaAvroSerializer();
        this.deserializer = new KafkaAvroDeserializer();
    }

    /**
     * Uses {@code client} (not closed by {@link #close()}); {@code schema.registry.url} is then optional.
     * Works unconfigured as a value serde (Streams does not configure serdes passed to
     * {@code Consumed.with}/{@code Produced.with}); call {@code configure(configs, true)} for keys.
     */
    public SpecificAvroSerde(SchemaRegistryClient client) {
        this.serializer = new KafkaAvroSerializer(client);
        this.deserializer = new KafkaAvroDeserializer(client, true);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> specific = new HashMap<>(configs);
        specific.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
        serializer.configure(specific, isKey);
        deserializer.configure(specific, isKey);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Serializer<T> serializer() {
        return (Serializer<T>) (Serializer<?>) serializer;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Deserializer<T> deserializer() {
        return (Deserializer<T>) (Deserializer<?>) deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
