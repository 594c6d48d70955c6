package io.tradepulse.registry.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import io.tradepulse.registry.SchemaRegistryClient;

/**
 * Serde for generated Avro classes in the Confluent wire format, for Kafka Streams. Always reads
 * specific records ({@code specific.avro.reader} is forced to true). Subclass to fix the type for
 * configuration by class name, e.g. {@code class TradeRecordSerde extends SpecificAvroSerde<TradeRecord>}.
 */
public class SpecificAvroSerde<T extends SpecificRecord> extends WireFormatSerde<T> {

    /** Creates its registry client from {@code schema.registry.url} on {@link #configure}. */
    public SpecificAvroSerde() {
        super(true);
    }

    /**
     * Uses {@code client} (not closed by {@link #close()}); {@code schema.registry.url} is then optional.
     * Works unconfigured as a value serde (Streams does not configure serdes passed to
     * {@code Consumed.with}/{@code Produced.with}); call {@code configure(configs, true)} for keys.
     */
    public SpecificAvroSerde(SchemaRegistryClient client) {
        super(client, true);
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
}
