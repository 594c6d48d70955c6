package io.tradepulse.launcher;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Bytes;

/** Reads a changelog partition as a restore would: the state it gives back. */
final class Changelogs {
    private Changelogs() {
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
