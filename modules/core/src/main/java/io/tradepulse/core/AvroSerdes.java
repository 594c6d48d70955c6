package io.tradepulse.core;

import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.serde.SpecificAvroSerde;
import io.tradepulse.registry.serde.StringAvroSerde;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Creates the registry-backed Avro serdes of all topics from one serde configuration
 * ({@code schema.registry.url}, auth, {@code auto.register.schemas}, ...). Every serde it creates uses one registry
 * client: the one given, or one built from the configuration. Why not a client per serde (what a serde configured on
 * its own builds): each client is an HTTP client with its own thread, connections and schema caches, and a topic
 * catalog holds 11 serdes, each a serializer and a deserializer.
 */
public final class AvroSerdes {
    private final Map<String, ?> config;
    private final SchemaRegistryClient client;

    /**
     * @param config serde configuration with Confluent's key names
     * @param client registry client to share, or {@code null} to build one from {@code config} (never closed: it
     *               lives as long as the serdes, and its HTTP client's thread ends when it is collected)
     */
    public AvroSerdes(Map<String, ?> config, SchemaRegistryClient client) {
        this.config = Map.copyOf(config);
        this.client = client != null ? client : new CachedSchemaRegistryClient(config);
    }

    public <T extends SpecificRecord> Serde<T> key(Class<T> type) {
        return create(true);
    }

    public <T extends SpecificRecord> Serde<T> value(Class<T> type) {
        return create(false);
    }

    /** A plain string as an Avro {@code "string"} in the wire format: what Kafka Connect's Avro converter writes. */
    public Serde<String> stringKey() {
        StringAvroSerde serde = new StringAvroSerde(client);
        serde.configure(config, true);
        return serde;
    }

    private <T extends SpecificRecord> Serde<T> create(boolean isKey) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(client);
        serde.configure(config, isKey);
        return serde;
    }

    public Map<String, ?> config() {
        return config;
    }

    /** The registry client every serde of this factory uses. */
    public SchemaRegistryClient client() {
        return client;
    }
}
