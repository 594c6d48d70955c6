package io.tradepulse.core;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with its key and value serdes and its creation settings. Topology and client code obtain topics
 * from a {@link TopicCatalog} only, so a topic name and the serdes used with it can never drift apart.
 *
 * @param name       topic name
 * @param keySerde   serde of the record key
 * @param valueSerde serde of the record value
 * @param settings   partitions, replication and topic-level configs used when the topic is created
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, TopicSettings settings) {
    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        Objects.requireNonNull(settings, "settings");
    }
}
