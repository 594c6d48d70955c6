package io.tradepulse.core;

import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.serde.SpecificAvroSerde;
import io.tradepulse.registry.serde.StringAvroSerde;
import java.util.Map;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

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
        return create(type, true);
    }

    public <T extends SpecificRecord> Serde<T> value(Class<T> type) {
        return create(type, false);
    }

    /** A plain string as an Avro {@code "string"} in the wire format: what Kafka Connect's Avro converter writes. */
    public Serde<String> stringKey() {
        StringAvroSerde serde = new StringAvroSerde(client);
        serde.configure(config, true);
        return serde;
    }

    private <T extends SpecificRecord> Serde<T> create(Class<T> type, boolean isKey) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(client);
        serde.configure(config, isKey);
        return new Typed<>(serde, type, isKey);
    }

    /**
     * The serde of one generated class. The wire-format deserializer returns whatever class the writer schema names
     * (another record, or a String for an Avro {@code "string"}): a record of the wrong type on trade.records reached
     * the processor's first processor, where Kafka Streams turns the ClassCastException into a StreamsException that
     * no handler sees, and the stream thread died on it at every start. Refused here as a SerializationException, it
     * is a dead letter (stage DESERIALIZATION) like any other undecodable record.
     */
    private static final class Typed<T> implements Serde<T> {
        private final Serde<T> serde;
        private final Class<T> type;
        private final boolean isKey;
        // One deserializer, built once: callers ask for it per record (the results view does).
        private final Deserializer<T> deserializer;

        Typed(Serde<T> serde, Class<T> type, boolean isKey) {
            this.serde = serde;
            this.type = type;
            this.isKey = isKey;
            Deserializer<T> inner = serde.deserializer();
            this.deserializer = new Deserializer<>() {
                @Override
                public void configure(Map<String, ?> configs, boolean key) {
                    inner.configure(configs, key);
                }

                @Override
                public T deserialize(String topic, byte[] data) {
                    return checked(inner.deserialize(topic, data));
                }

                @Override
                public T deserialize(String topic, Headers headers, byte[] data) {
                    return checked(inner.deserialize(topic, headers, data));
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
        }

        @Override
        public void configure(Map<String, ?> configs, boolean key) {
            serde.configure(configs, key);
        }

        @Override
        public void close() {
            serde.close();
        }

        @Override
        public Serializer<T> serializer() {
            return serde.serializer();
        }

        @Override
        public Deserializer<T> deserializer() {
            return deserializer;
        }

        /** The wording the dlq command and the replay's partitioner already gave such records. */
        private T checked(Object value) {
            if (value == null || type.isInstance(value)) {
                return type.cast(value);
            }
            String actual = value instanceof GenericContainer avro ? "an Avro " + avro.getSchema().getFullName()
                    : "a " + value.getClass().getSimpleName();
            throw new SerializationException(isKey
                    ? "not a " + words(type.getSimpleName()) + ": a " + value.getClass().getSimpleName()
                            + (value instanceof GenericContainer ? " (" + actual + ")" : "")
                    : "not a " + type.getSimpleName() + " but " + actual);
        }

        /** SeriesKey -> "series key". */
        private static String words(String className) {
            return className.replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Map<String, ?> config() {
        return config;
    }

    /** The registry client every serde of this factory uses. */
    public SchemaRegistryClient client() {
        return client;
    }
}
