package io.tradepulse.launcher;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;

/**
 * Changelog topics as an earlier release left them (created and written before the processor starts), and read back
 * as a restore would read them.
 */
final class Changelogs {
    private Changelogs() {
    }

    /**
     * Creates a compacted changelog topic with as many partitions as {@code inputTopic} (as Kafka Streams creates its
     * changelogs), and returns that number.
     */
    static int create(Map<String, Object> client, String changelog, String inputTopic) throws Exception {
        try (Admin admin = Admin.create(client)) {
            int partitions = admin.describeTopics(List.of(inputTopic)).allTopicNames().get()
                    .get(inputTopic).partitions().size();
            admin.createTopics(List.of(new NewTopic(changelog, partitions, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
            return partitions;
        }
    }

    /** Writes one state entry into a partition of a changelog, as the task owning that partition would have. */
    static void write(Map<String, Object> client, String changelog, int partition, byte[] key, byte[] value)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(changelog, partition, key, value)).get();
        }
    }

    /**
     * The last committed value per key of the partition, from its beginning to its current end (read_committed, so
     * aborted transactions are skipped). A key whose last record is a tombstone maps to null.
     */
    static Map<Bytes, byte[]> lastValues(Map<String, Object> client, TopicPartition tp) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<Bytes, byte[]> last = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    last.put(Bytes.wrap(r.key()), r.value());
                }
            }
        }
        return last;
    }
}
