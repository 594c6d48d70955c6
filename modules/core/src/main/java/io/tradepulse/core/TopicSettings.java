package io.tradepulse.core;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How a topic is created: partition count, replication factor and topic-level configs.
 *
 * @param partitions        number of partitions (the scale-out unit of the Kafka Streams instances)
 * @param replicationFactor replication factor; -1 means the broker default
 * @param configs           topic-level configs ({@link TopicConfig} keys)
 */
public record TopicSettings(int partitions, short replicationFactor, Map<String, String> configs) {

    public TopicSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
        }
        configs = Map.copyOf(configs);
    }

    /** Compacted: only the latest value per key is kept (upsert topics read as tables). */
    public static TopicSettings compacted(int partitions, short replicationFactor) {
        return new TopicSettings(partitions, replicationFactor,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    /** Delete policy with the given retention; -1 keeps data forever. */
    public static TopicSettings retained(int partitions, short replicationFactor, long retentionMs) {
        return new TopicSettings(partitions, replicationFactor, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs)));
    }

    public TopicSettings withPartitions(int count) {
        return new TopicSettings(count, replicationFactor, configs);
    }

    public NewTopic toNewTopic(String name) {
        return new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.of(replicationFactor))
                .configs(configs);
    }

    public String cleanupPolicy() {
        return configs.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
    }
}
