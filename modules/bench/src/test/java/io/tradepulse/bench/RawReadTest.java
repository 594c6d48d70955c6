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

/** The benchmark's own consumers (the raw consumer phase, the derived figures count), bounded by the phase timeout. */
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

    /** The derived topic's count after the phases: read to the end it had, bounded by the same timeout. */
    @Test
    void shouldReadTheDerivedTopicToItsEndWhenEveryRecordArrives() {
        try (MockConsumer<byte[], byte[]> consumer = topicWith(5)) {
            consumer.updateEndOffsets(Map.of(new TopicPartition(TOPIC, 0), 3L, new TopicPartition(TOPIC, 1), 2L));
            long read = 0;
            for (ConsumerRecord<byte[], byte[]> r : BackfillBenchmark.readToEnd(consumer, TOPIC, Duration.ofSeconds(5))) {
                read++;
            }
            assertThat(read).isEqualTo(5);
        }
    }

    /**
     * Counting the derived figures after the last phase: a topic whose end is never reached (a broker that stopped
     * answering) kept a finished benchmark polling for ever, its results never printed.
     */
    @Test
    void shouldFailWithThePositionsWhenTheDerivedTopicsEndIsNotReachedWithinTheTimeout() {
        try (MockConsumer<byte[], byte[]> consumer = topicWith(3)) {
            consumer.updateEndOffsets(Map.of(new TopicPartition(TOPIC, 0), 3L, new TopicPartition(TOPIC, 1), 2L));
            assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                    assertThatThrownBy(() -> BackfillBenchmark.readToEnd(consumer, TOPIC, Duration.ofMillis(300))
                            .forEach(r -> { }))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("did not read " + TOPIC + " to its end within PT0.3S"));
        }
    }

    /**
     * --timeout accepts any positive duration; one beyond ~292 years (P200000D, "never") has no nanosecond count, and
     * the read threw ArithmeticException "long overflow" once the whole data set had been loaded.
     */
    @Test
    void shouldReadEveryLoadedRecordWhenTheTimeoutIsTooLongToCountInNanoseconds() {
        Duration never = Duration.ofDays(200_000);
        try (MockConsumer<byte[], byte[]> consumer = topicWith(4)) {
            assertThat(BackfillBenchmark.readFromBeginning(consumer, TOPIC, 4, never)).isEqualTo(4);
        }
        try (MockConsumer<byte[], byte[]> consumer = topicWith(4)) {
            consumer.updateEndOffsets(Map.of(new TopicPartition(TOPIC, 0), 2L, new TopicPartition(TOPIC, 1), 2L));
            assertThat(BackfillBenchmark.readToEnd(consumer, TOPIC, never)).hasSize(4);
        }
        long started = System.nanoTime();
        assertThat(BackfillBenchmark.expired(started, never)).isFalse();
        assertThat(BackfillBenchmark.expired(started, Duration.ofSeconds(Long.MAX_VALUE))).isFalse();
        assertThat(BackfillBenchmark.expired(started - 2_000_000_000L, Duration.ofSeconds(1))).isTrue();
    }
}
