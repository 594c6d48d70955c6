package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.embedded.Resources;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.streams.ProcessorConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry clients a run makes are closed with it, however a phase ends. */
class PhaseResourcesTest {
    /** Nothing listens there: every Kafka request of a phase times out. */
    private static final String NO_BROKER = "localhost:1";

    @TempDir
    Path stateDir;

    /** Registry clients made by {@link #newClient} and closes of them. */
    private final AtomicInteger made = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();

    /** A registry client that only counts its closes; the apps here never reach the registry. */
    private SchemaRegistryClient newClient(final Map<String, Object> config) {
        made.incrementAndGet();
        return (SchemaRegistryClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "close" -> {
                        closed.incrementAndGet();
                        yield null;
                    }
                    case "toString" -> "counting registry client";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private ProcessorConfig config(final String applicationId) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER);
        cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://localhost:1");
        cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
        cfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, applicationId);
        // So that the processors' start (their global table's read) gives up in seconds, not minutes.
        cfg.put(StreamsConfig.TASK_TIMEOUT_MS_CONFIG, 1_000);
        cfg.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 1_000);
        cfg.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 500);
        return new ProcessorConfig(cfg);
    }

    @Test
    void shouldCloseTheProcessorsRegistryClientWhenTheirPhaseTimesOut() throws Exception {
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, NO_BROKER,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_000);
        BackfillBenchmark bench = new BackfillBenchmark(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        ProcessorConfig procConfig = config(BackfillBenchmark.PROCESSOR_ID);

        try (Resources resources = new Resources()) {
            assertThatThrownBy(() -> bench.appPhase(resources, "tradepulse processors", BackfillBenchmark.PROCESSOR_ID,
                    1, client, "trade.records", Duration.ofSeconds(5),
                    () -> BackfillBenchmark.processorsApp(procConfig, this::newClient), streams -> false))
                    .hasStackTraceContaining("Timeout");

            assertThat(made).hasValue(1);
            assertThat(closed).as("closed when the phase failed, not only with the run").hasValue(1);
        }
    }

    @Test
    void shouldCloseTheRunsSharedRegistryClientWhenTheRunsResourcesClose() {
        ProcessorConfig base;
        try (Resources resources = new Resources()) {
            base = BackfillBenchmark.sharedRegistryClient(resources, config(BackfillBenchmark.PASS_THROUGH_ID),
                    this::newClient);

            assertThat(base.registryClient()).as("the serdes' client").isNotNull();
            // Kafka Streams hands this configuration to the dead-letter handlers, which then use the same client.
            assertThat(base.streamsConfig()).containsEntry(ProcessorConfig.REGISTRY_CLIENT_INSTANCE,
                    base.registryClient());
            base.topicCatalog();
            assertThat(closed).hasValue(0);
        }
        assertThat(made).hasValue(1);
        assertThat(closed).hasValue(1);
    }
}
