package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The raw consumer phase: reads the loaded topic from its beginning, bounded by the phase timeout. */
class RawReadTest {
    private static final String TOPIC = "trade.records";

    /** A topic of two partitions holding {@code records} records, one at each offset from 0. */
    private static MockConsumer<byte[], byte[]> topicWith(int records) {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, null, null),
                new PartitionInfo(TOPIC, 1, node, null, null)));
        TopicPartition p0 = new TopicPartition(TOPIC, 0);
        TopicPartition p1 = new TopicPartition(TOPIC, 1);
        consumer.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
        // the records go in once the reader has assigned itself the partitions (MockConsumer drops them before)
        consumer.schedulePollTask(() -> {
            for (int i = 0; i < records; i++) {
                int partition = i % 2;
                consumer.addRecord(new ConsumerRecord<>(TOPIC, partition, i / 2, new byte[1], new byte[1]));
            }
        });
        return consumer;
    }

    @Test
    void shouldReadEveryLoadedRecordWhenTheTopicHoldsThemAll() {
        try (MockConsumer<byte[], byte[]> consumer = topicWith(7)) {
            assertThat(BackfillBenchmark.readFromBeginning(consumer, TOPIC, 7, Duration.ofSeconds(5))).isEqualTo(7);
        }
    }

    /**
     * A topic holding fewer records than were loaded (or a broker that stopped answering): the raw read polled for
     * ever, where every Streams phase fails after --timeout.
     */
    @Test
    void shouldFailWithTheCountsWhenFewerRecordsThanLoadedArriveWithinTheTimeout() {
        try (MockConsumer<byte[], byte[]> consumer = topicWith(3)) {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                    assertThatThrownBy(() -> BackfillBenchmark.readFromBeginning(consumer, TOPIC, 5, Duration.ofMillis(300)))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("read 3 of the 5 records")
                            .hasMessageContaining(TOPIC)
                            .hasMessageContaining("PT0.3S"));
        }
    }
}
