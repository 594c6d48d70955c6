package io.tradepulse.core;

import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.serde.SpecificAvroSerde;
import io.tradepulse.registry.serde.StringAvroSerde;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Creates the registry-backed Avro serdes of all topics from one serde configuration
 * ({@code schema.registry.url}, auth, {@code auto.register.schemas}, ...), optionally sharing one registry
 * client so that its schema and id caches are shared by every serde of a process.
 */
public final class AvroSerdes {
    private final Map<String, ?> config;
    private final SchemaRegistryClient client;

    /**
     * @param config serde configuration with Confluent's key names
     * @param client registry client to share, or {@code null} to let each serde build its own from config
     */
    public AvroSerdes(Map<String, ?> config, SchemaRegistryClient client) {
        this.config = Map.copyOf(config);
        this.client = client;
    }

    public <T extends SpecificRecord> Serde<T> key(Class<T> type) {
        return create(true);
    }

    public <T extends SpecificRecord> Serde<T> value(Class<T> type) {
        return create(false);
    }

    /** A plain string as an Avro {@code "string"} in the wire format: what Kafka Connect's Avro converter writes. */
    public Serde<String> stringKey() {
        StringAvroSerde serde = client == null ? new StringAvroSerde() : new StringAvroSerde(client);
        serde.configure(config, true);
        return serde;
    }

    private <T extends SpecificRecord> Serde<T> create(boolean isKey) {
        SpecificAvroSerde<T> serde = client == null ? new SpecificAvroSerde<>() : new SpecificAvroSerde<>(client);
        serde.configure(config, isKey);
        return serde;
    }

    public Map<String, ?> config() {
        return config;
    }
}
