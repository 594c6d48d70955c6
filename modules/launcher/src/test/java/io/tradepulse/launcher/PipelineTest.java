package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What {@link Pipeline}'s waits do without a broker. */
class PipelineTest {

    /**
     * The read of a whole topic (dlq's read of trade.dlq) had one deadline from its start: a large topic, read slower
     * than that while moving all along, failed with "did not reach the end". The timeout bounds a stall now. Here each
     * poll returns one record and the (fake) clock moves 1 s per poll: 10 s in all against a 2 s timeout.
     */
    @Test
    void shouldReadToTheEndWhenTheReadTakesLongerThanTheTimeoutButKeepsMoving() {
        AtomicLong clock = new AtomicLong();
        MockConsumer<byte[], byte[]> consumer = topicOf(10);
        for (int i = 0; i < 10; i++) {
            int offset = i;
            consumer.schedulePollTask(() -> {
                clock.addAndGet(Duration.ofSeconds(1).toNanos());
                consumer.addRecord(new ConsumerRecord<>("trade.dlq", 0, offset, null, new byte[] {(byte) offset}));
            });
        }
        List<Long> read = new ArrayList<>();

        Pipeline.readToEnd(consumer, "trade.dlq", Duration.ofSeconds(2), clock::get, r -> read.add(r.offset()));

        assertThat(read).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    }

    /** A read that stops moving still ends, at the timeout after its last progress, saying where it stood. */
    @Test
    void shouldGiveUpWhenTheReadMakesNoProgressForTheTimeout() {
        AtomicLong clock = new AtomicLong();
        MockConsumer<byte[], byte[]> consumer = topicOf(10);
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>("trade.dlq", 0, 0, null, new byte[0])));
        for (int i = 0; i < 5; i++) {
            consumer.schedulePollTask(() -> clock.addAndGet(Duration.ofSeconds(1).toNanos()));
        }

        assertThatThrownBy(() -> Pipeline.readToEnd(consumer, "trade.dlq", Duration.ofSeconds(2), clock::get, r -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("stopped making progress reading trade.dlq: no record for PT2S at {trade.dlq-0=1}, the end "
                        + "being {trade.dlq-0=10}");
    }

    /** One partition holding offsets 0 to {@code end} - 1, nothing polled yet. */
    private static MockConsumer<byte[], byte[]> topicOf(long end) {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        TopicPartition tp = new TopicPartition("trade.dlq", 0);
        consumer.updatePartitions("trade.dlq", List.of(new PartitionInfo("trade.dlq", 0, Node.noNode(), new Node[0],
                new Node[0])));
        Map<TopicPartition, Long> offsets = new HashMap<>();
        offsets.put(tp, 0L);
        consumer.updateBeginningOffsets(offsets);
        consumer.updateEndOffsets(Map.of(tp, end));
        return consumer;
    }

    /**
     * The waits asked the cluster with a plain get(), which waited the admin client's default.api.timeout.ms (60 s)
     * for a broker that does not answer, whatever the timeout given (the demo's --timeout): "cannot read offsets" after
     * a minute. They now end at the timeout, saying what they waited for.
     */
    @Test
    void shouldGiveUpAtTheTimeoutWhenTheClusterDoesNotAnswer() throws Exception {
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closedPort());

        long started = System.nanoTime();
        assertThatThrownBy(() -> Pipeline.awaitCaughtUp(client, "tradepulse-processor", "trade.records",
                Duration.ofSeconds(2), "trade.changes"))
                .isInstanceOf(TimeoutException.class)
                .hasMessage("the end offsets of trade.records were not read within PT2S: the cluster did not answer");
        // The timeout (2 s), the admin client's start and close, and room for a loaded machine: far from the minute.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));

        started = System.nanoTime();
        assertThatThrownBy(() -> Pipeline.awaitStable(client, List.of("trade.changes"), Duration.ofSeconds(2)))
                .isInstanceOf(TimeoutException.class)
                .hasMessage("the end offsets of trade.changes were not read within PT2S: the cluster did not answer");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }

    /**
     * demo's --timeout takes any positive duration, as bench's does; one beyond ~292 years (P200000D, meant as "never")
     * has no nanosecond count, and the wait threw ArithmeticException "long overflow" at once, after the broker, the
     * registry and the ingest had run: "tradepulse demo failed: long overflow", exit 1 and a stack trace. The waits now
     * wait (here on a cluster that does not answer, until interrupted).
     */
    @Test
    void shouldWaitOnWhenTheTimeoutIsTooLongToCountInNanoseconds() throws Exception {
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closedPort());
        Duration never = Duration.ofDays(200_000);

        assertStillWaitingAfterASecond(() -> {
            Pipeline.awaitCaughtUp(client, "tradepulse-processor", "trade.records", never, "trade.changes");
            return null;
        });
        assertStillWaitingAfterASecond(() -> {
            Pipeline.awaitStable(client, List.of("trade.changes"), never);
            return null;
        });
        assertStillWaitingAfterASecond(() -> {
            Pipeline.awaitCaughtUp(client, "tradepulse-processor", "trade.records", Duration.ofSeconds(Long.MAX_VALUE));
            return null;
        });
    }

    /** Runs {@code wait} on a thread of its own, checks it has not ended after a second, then interrupts it. */
    private static void assertStillWaitingAfterASecond(Callable<Void> wait) throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<Void> waiting = thread.submit(wait);
            try {
                waiting.get(1, TimeUnit.SECONDS);
                throw new AssertionError("the wait ended within a second");
            } catch (TimeoutException stillWaiting) {
                // as it should
            } catch (ExecutionException e) {
                throw new AssertionError("the wait failed within a second: " + e.getCause(), e.getCause());
            }
        } finally {
            thread.shutdownNow(); // interrupts the wait
            assertThat(thread.awaitTermination(10, TimeUnit.SECONDS)).as("the wait ends once interrupted").isTrue();
        }
    }

    /** A port nothing listens on: a broker that was there and is gone. */
    static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
