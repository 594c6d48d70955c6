package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.IngestReport;
import io.tradepulse.ingest.ParseResult;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bundled-data pipeline as the demo runs it (create topics, ingest, ProcessorApp under exactly_once_v2
 * until caught up, read trade.changes with read_committed), with every setting going through the normal
 * configuration path: {@code client} holds the Kafka client keys (bootstrap, security.protocol, sasl.*,
 * ssl.*), {@code registry} the serde keys (schema.registry.url, basic.auth.*, bearer.auth.*). The same maps
 * feed the admin client, the ingest producer, the ProcessorConfig and the reader.
 */
final class BundledPipeline {
    private BundledPipeline() {
    }

    static Map<ChangeKey, TradeChange> run(Map<String, ?> client, Map<String, ?> registry, String name) throws Exception {
        String prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Path stateDir = Files.createTempDirectory("tp-" + name);
        try {
            Map<String, Object> clientConfig = new HashMap<>(client);
            Map<String, Object> cfg = new HashMap<>(client);
            cfg.putAll(registry);
            cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
            cfg.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
            cfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, prefix + "processor");
            cfg.put(ProcessorConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
            ProcessorConfig config = new ProcessorConfig(cfg);
            TopicCatalog topics = config.topicCatalog();

            assertThat(Pipeline.createTopics(clientConfig, topics)).hasSize(topics.all().size());
            List<IngestReport> reports = Pipeline.ingestBundledData(clientConfig, topics);
            assertThat(reports).extracting(IngestReport::published).containsExactly(16, 12);
            try (ProcessorApp app = new ProcessorApp(config)) {
                app.start();
                Pipeline.awaitCaughtUp(clientConfig, prefix + "processor", topics.records().name(), Duration.ofSeconds(90),
                        topics.changes().name(), topics.signals().name());
            }
            return Pipeline.readChanges(clientConfig, topics, Duration.ofSeconds(30));
        } finally {
            deleteRecursively(stateDir);
        }
    }

    /**
     * The base of the headline, May 2024 (44.0 bn), revised to {@code value} in a later vintage: a revision only a
     * history that knows May 2025 turns into a new YoY for May 2025.
     */
    static TradeRecord revisedMay2024(long value) {
        TradeRecord may2024 = BundledData.chinaExportsToUs().stream()
                .map(r -> ((ParseResult.Parsed<TradeRecord>) r).value())
                .filter(r -> r.getYear() == 2024 && r.getMonth() == 5 && r.getMonths() == 1)
                .findFirst().orElseThrow();
        return TradeRecord.newBuilder(may2024).setValue(value).setRevision(may2024.getRevision() + 1)
                .setVintage(may2024.getVintage() + "-revised").setPublishedAt(Instant.parse("2025-12-01T00:00:00Z"))
                .build();
    }

    /** The headline of the bundled data: China's exports to the US, May 2025, -34.5 % YoY. */
    static void assertHeadline(Map<ChangeKey, TradeChange> table) {
        assertThat(table).hasSize(16);
        TradeChange may = table.get(new ChangeKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5));
        assertThat(may.getValue()).isEqualTo(28_800_000_000L);
        assertThat(may.getPriorYearValue()).isEqualTo(44_000_000_000L);
        assertThat(may.getYoyPct()).isCloseTo(-34.545, within(0.001));
    }

    static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // best effort: a temp dir
        }
    }
}
