package io.tradepulse.core;

import java.util.HashMap;
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

    /**
     * Delete policy with the given retention; -1 keeps data forever, by size too ({@code retention.bytes=-1}): a topic
     * without its own retention.bytes takes the broker's {@code log.retention.bytes}, which managed clusters often set,
     * and would lose its oldest data to it despite {@code retention.ms=-1}. A time-bounded topic leaves size to the broker.
     */
    public static TopicSettings retained(int partitions, short replicationFactor, long retentionMs) {
        if (retentionMs == -1) {
            return new TopicSettings(partitions, replicationFactor, Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.RETENTION_MS_CONFIG, "-1",
                    TopicConfig.RETENTION_BYTES_CONFIG, "-1"));
        }
        return new TopicSettings(partitions, replicationFactor, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs)));
    }

    public TopicSettings withPartitions(int count) {
        return new TopicSettings(count, replicationFactor, configs);
    }

    /**
     * With three replicas or more, {@code min.insync.replicas} is 2 unless the settings say otherwise: an acks=all
     * write (every tradepulse producer, and Streams' under exactly_once_v2) is then on two brokers before it is
     * acknowledged, so losing one broker loses nothing. The broker default is 1, i.e. the leader alone; Streams'
     * {@code topic.min.insync.replicas} (deploy/processor) reaches only its internal topics, not these.
     * With fewer replicas, or the broker's default replication (-1), the broker's own setting applies.
     */
    public NewTopic toNewTopic(String name) {
        Map<String, String> all = new HashMap<>(configs);
        if (replicationFactor >= 3) {
            all.putIfAbsent(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2");
        }
        return new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.of(replicationFactor))
                .configs(all);
    }

    public String cleanupPolicy() {
        return configs.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
    }
}
