package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tradepulse.embedded.Resources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a Streams phase that fails reports. */
class PhaseFailureReportTest {
    /** Nothing listens there: every Kafka request of the phase times out. */
    private static final String NO_BROKER = "localhost:1";

    @TempDir
    Path stateDir;

    /**
     * A phase that fails (here: the broker does not answer) and whose app then fails to close as well, as Kafka
     * Streams' cleanUp() does ("Cannot clean up while running.") when the app did not stop within the close's 60 s,
     * i.e. when its threads are stuck, the very case that makes a phase time out. The close's exception replaced the
     * phase's own, so the run reported a clean-up problem and not why the phase failed.
     */
    @Test
    void shouldReportThePhasesOwnFailureWhenClosingItsAppFailsToo() throws Exception {
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 1_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 500);
        BackfillBenchmark bench = new BackfillBenchmark(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        AtomicBoolean closeFailed = new AtomicBoolean();
        BackfillBenchmark.AppFactory app = () -> new BackfillBenchmark.App(passThrough(), () -> {
            if (closeFailed.compareAndSet(false, true)) {
                throw new IllegalStateException("Cannot clean up while running.");
            }
        });

        Throwable thrown;
        try (Resources resources = new Resources()) {
            thrown = catchThrowable(() -> bench.appPhase(resources, "pass-through", "phase-failure-test", 1, client,
                    "trade.records", Duration.ofSeconds(5), app, streams -> false));
        }

        assertThat(closeFailed).as("the app was closed").isTrue();
        assertThat(thrown).as("the phase's own failure").hasRootCauseInstanceOf(TimeoutException.class)
                .isNotInstanceOf(IllegalStateException.class);
        assertThat(thrown.getSuppressed()).as("the close's failure, kept beside it")
                .anySatisfy(s -> assertThat(s).hasMessage("Cannot clean up while running."));
    }

    private KafkaStreams passThrough() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("trade.records", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to("bench.passthrough", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "phase-failure-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 1_000);
        props.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 500);
        return new KafkaStreams(b.build(), props);
    }
}
