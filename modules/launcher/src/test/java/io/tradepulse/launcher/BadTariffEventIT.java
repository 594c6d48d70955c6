package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * A record on tariff.events that is not a TariffEvent. Streams reads that topic on its global thread, which can
 * neither send a dead letter handed back to it nor be replaced: before, the instance went to ERROR at the record and,
 * restarted, never got past its tasks' start (the global store, restored from the topic's bytes, held it). Now the
 * record is skipped, dead-lettered with its origin, and the instance runs on, also after a restart.
 */
@WithEmbeddedPlatform
class BadTariffEventIT {

    @Test
    void shouldDeadLetterABadTariffEventAndKeepRunningAlsoAfterARestart(EmbeddedPlatform platform) throws Exception {
        IsolatedProcessor it = IsolatedProcessor.create("badtariff", platform.bootstrapServers(), platform.registryUrl());
        Map<String, Object> client = it.client();
        ProcessorConfig config = new ProcessorConfig(it.config());
        TopicCatalog topics = config.topicCatalog();
        Pipeline.createTopics(client, topics);
        Pipeline.ingestBundledData(client, topics);

        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            Pipeline.awaitCaughtUp(client, it.applicationId(), topics.records().name(), Duration.ofSeconds(90));
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.<String, Object>of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>(topics.tariffEvents().name(), "bad-event".getBytes(StandardCharsets.UTF_8),
                        "not avro".getBytes(StandardCharsets.UTF_8))).get();
            }
            Map<String, DeadLetter> dead = awaitDeadLetter(client, topics);
            DeadLetter letter = dead.values().iterator().next();
            assertThat(letter.getStage()).isEqualTo(DeadLetterStage.DESERIALIZATION);
            assertThat(letter.getOriginTopic()).isEqualTo(topics.tariffEvents().name());
            assertThat(StandardCharsets.UTF_8.decode(letter.getRawValue()).toString()).isEqualTo("not avro");
            assertThat(app.state()).as("the instance runs on").isEqualTo(KafkaStreams.State.RUNNING);
            // The producer that wrote it is closed, not kept (with its network thread) for the life of the JVM.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (globalDeadLetterThreads() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(globalDeadLetterThreads()).as("live threads of the global dead-letter producer").isZero();
        }

        // Restarted over the same topics, with a revision to process: the calendar is read from a global store
        // restored from tariff.events' bytes, the bad record included.
        send(client, topics, BundledPipeline.revisedMay2024(40_000_000_000L));
        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            // Before, the tasks never started (every start failed reading the calendar): no catching up.
            Pipeline.awaitCaughtUp(client, it.applicationId(), topics.records().name(), Duration.ofSeconds(90));
        }
        TradeChange may2025 = Pipeline.readChanges(client, topics, Duration.ofSeconds(30))
                .get(new ChangeKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5));
        assertThat(may2025.getPriorYearValue()).isEqualTo(40_000_000_000L);
        assertThat(may2025.getYoyPct()).isCloseTo(-28.0, within(0.001));
    }

    private static long globalDeadLetterThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().contains("tradepulse-global-dlq")).count();
    }

    private static Map<String, DeadLetter> awaitDeadLetter(Map<String, Object> client, TopicCatalog topics)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, DeadLetter> dead = Map.of();
        while (dead.isEmpty() && System.nanoTime() < deadline) {
            dead = Pipeline.readTable(client, topics.deadLetters(), Duration.ofSeconds(5));
        }
        assertThat(dead).as("dead letters").hasSize(1);
        return dead;
    }

    private static void send(Map<String, Object> client, TopicCatalog topics, TradeRecord record) throws Exception {
        try (CatalogProducer producer = new CatalogProducer(client)) {
            producer.send(topics.records(), FileIngest.seriesKey(record), record).get();
        }
    }
}
