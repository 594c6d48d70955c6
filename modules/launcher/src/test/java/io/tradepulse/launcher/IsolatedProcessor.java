package io.tradepulse.launcher;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The processor configuration of one integration test on a shared broker and registry: its own topic prefix,
 * application id and state directory, so tests never see each other's topics, groups or stores.
 *
 * @param prefix the topic prefix (also the start of the application id)
 * @param client the client settings (bootstrap servers only) for admin, producers and consumers of the test
 * @param config the processor configuration; tests add their own keys before building a ProcessorConfig
 */
record IsolatedProcessor(String prefix, Map<String, Object> client, Map<String, Object> config) {
    /**
     * The state directories created, removed when the test JVM exits: the tests' processors close before their
     * assertions, some in helpers that keep no handle on the directory, and each left its RocksDB stores (1.6 MB)
     * in the system temp dir after every run.
     */
    private static final Set<Path> STATE_DIRS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STATE_DIRS.forEach(BundledPipeline::deleteRecursively),
                "isolated-processor-state-cleanup"));
    }

    static IsolatedProcessor create(String name, String bootstrapServers, String registryUrl) throws IOException {
        String prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        Map<String, Object> cfg = new HashMap<>(client);
        cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        Path stateDir = Files.createTempDirectory("tp-" + name);
        STATE_DIRS.add(stateDir);
        cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
        cfg.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
        cfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, prefix + "processor");
        return new IsolatedProcessor(prefix, client, cfg);
    }

    String applicationId() {
        return (String) config.get(ProcessorConfig.APPLICATION_ID_CONFIG);
    }

    /**
     * Runs the processor until the trade.changes table (read_committed, latest per key) satisfies {@code done} or
     * {@code timeout} passes, then closes it.
     *
     * @return the last table read (the caller asserts on it: a timeout shows as the assertion that failed)
     */
    Map<ChangeKey, TradeChange> runProcessorUntil(ProcessorConfig processor, Predicate<Map<ChangeKey, TradeChange>> done,
                                                  Duration timeout) throws InterruptedException {
        Map<ChangeKey, TradeChange> table;
        try (ProcessorApp app = new ProcessorApp(processor)) {
            app.start();
            long deadline = System.nanoTime() + timeout.toNanos();
            do {
                Thread.sleep(500);
                table = Pipeline.readChanges(client, processor.topicCatalog(), Duration.ofSeconds(30));
            } while (!done.test(table) && System.nanoTime() < deadline);
        }
        return table;
    }
}
