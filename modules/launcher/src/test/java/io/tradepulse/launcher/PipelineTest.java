package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /** A port nothing listens on: a broker that was there and is gone. */
    static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
