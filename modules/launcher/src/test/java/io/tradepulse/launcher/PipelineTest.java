package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;

/** What {@link Pipeline}'s waits do without a broker. */
class PipelineTest {

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
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));

        started = System.nanoTime();
        assertThatThrownBy(() -> Pipeline.awaitStable(client, List.of("trade.changes"), Duration.ofSeconds(2)))
                .isInstanceOf(TimeoutException.class)
                .hasMessage("the end offsets of trade.changes were not read within PT2S: the cluster did not answer");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
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
