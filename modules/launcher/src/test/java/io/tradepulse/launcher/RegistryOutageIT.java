package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry outage while the processor starts with cold caches: it cannot read its input (every registry
 * call answers 503 through all retries), must neither skip nor dead-letter anything, and must catch up with
 * every record once the registry is back.
 */
@WithEmbeddedPlatform
class RegistryOutageIT {

    @Test
    void shouldSkipNothingDuringARegistryOutageAndCatchUpWhenItEnds(EmbeddedPlatform platform, @TempDir Path stateDir)
            throws Exception {
        String prefix = "outage-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String appId = prefix + "processor";
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        try (AuthProxy registry = AuthProxy.open(platform.registryUrl())) {
            Map<String, Object> cfg = new HashMap<>(client);
            cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
            cfg.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
            cfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, appId);
            cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
            // Short retries so the outage is felt within seconds (defaults: 3 retries, 1-2 s backoff).
            cfg.put("max.retries", "2");
            cfg.put("retries.wait.ms", "200");
            cfg.put("retries.max.wait.ms", "400");
            // A replaced stream thread rejoins after the failed member's session expires: keep that short here.
            cfg.put("consumer.session.timeout.ms", "6000");
            ProcessorConfig config = new ProcessorConfig(cfg);
            TopicCatalog ingestTopics = config.topicCatalog();
            Pipeline.createTopics(client, ingestTopics);
            Pipeline.ingestBundledData(client, ingestTopics); // schemas registered while the registry is up

            registry.setDown(true);
            try (ProcessorApp app = new ProcessorApp(config)) {
                app.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                // One failed attempt = the input's writer schema (1 try + 2 retries), then the dead letter's schema
                // (1 + 2): the handler answers FAIL, the thread dies without committing and is replaced.
                while (registry.unavailableResponses() < 6 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(registry.unavailableResponses()).as("the processor tried the registry").isGreaterThanOrEqualTo(6);
                Thread.sleep(2_000);
                assertThat(committedOffsets(client, appId)).as("no input offset committed during the outage").isZero();
                assertThat(Pipeline.readTable(client, ingestTopics.deadLetters(), Duration.ofSeconds(10)))
                        .as("nothing dead-lettered because of the outage").isEmpty();

                registry.setDown(false);
                Pipeline.awaitCaughtUp(client, appId, ingestTopics.records().name(), Duration.ofSeconds(120));
            }
            Map<ChangeKey, TradeChange> changes = Pipeline.readChanges(client, ingestTopics, Duration.ofSeconds(30));
            assertThat(changes).hasSize(16);
            Map<String, DeadLetter> dead = Pipeline.readTable(client, ingestTopics.deadLetters(), Duration.ofSeconds(10));
            assertThat(dead).isEmpty();
        }
    }

    private static long committedOffsets(Map<String, Object> client, String groupId) throws Exception {
        try (Admin admin = Admin.create(client)) {
            return admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get().values().stream()
                    .mapToLong(o -> o == null ? 0 : o.offset()).sum();
        }
    }
}
