package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.streams.StateStoreType;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code tradepulse.state.store.type=in_memory} on the real broker: the stores live only in the heap, so a
 * restarted processor must rebuild every series history from the changelog before it processes new input.
 */
@WithEmbeddedPlatform
class InMemoryStateRestartIT {

    @Test
    void shouldRecomputeYoyFromHistoryRestoredFromTheChangelogAfterARestart(EmbeddedPlatform platform) throws Exception {
        IsolatedProcessor it = IsolatedProcessor.create("inmem", platform.bootstrapServers(), platform.registryUrl());
        Map<String, Object> client = it.client();
        Map<String, Object> cfg = it.config();
        cfg.put(ProcessorConfig.STATE_STORE_TYPE_CONFIG, StateStoreType.IN_MEMORY.configValue());
        ProcessorConfig config = new ProcessorConfig(cfg);
        assertThat(config.stateStoreType()).isEqualTo(StateStoreType.IN_MEMORY);
        TopicCatalog topics = config.topicCatalog();
        Pipeline.createTopics(client, topics);
        Pipeline.ingestBundledData(client, topics);

        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            Pipeline.awaitCaughtUp(client, it.applicationId(), topics.records().name(), Duration.ofSeconds(90),
                    topics.changes().name());
        }
        ChangeKey may2025 = new ChangeKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5);
        TradeChange before = Pipeline.readChanges(client, topics, Duration.ofSeconds(30)).get(may2025);
        assertThat(before.getPriorYearValue()).isEqualTo(44_000_000_000L);
        assertThat(before.getYoyPct()).isCloseTo(-34.545, within(0.001));

        // A revision of May 2024 while the processor is down. Only the restored history knows May 2025, so only
        // a restored store re-emits May 2025 against the revised base.
        TradeRecord revised = BundledPipeline.revisedMay2024(40_000_000_000L);
        try (CatalogProducer producer = new CatalogProducer(client)) {
            producer.send(topics.records(), FileIngest.seriesKey(revised), revised).get();
        }

        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            Pipeline.awaitCaughtUp(client, it.applicationId(), topics.records().name(), Duration.ofSeconds(90),
                    topics.changes().name());
        }
        TradeChange after = Pipeline.readChanges(client, topics, Duration.ofSeconds(30)).get(may2025);
        assertThat(after.getValue()).isEqualTo(28_800_000_000L);
        assertThat(after.getPriorYearValue()).isEqualTo(40_000_000_000L);
        assertThat(after.getYoyPct()).isCloseTo(-28.0, within(0.001));
    }
}
