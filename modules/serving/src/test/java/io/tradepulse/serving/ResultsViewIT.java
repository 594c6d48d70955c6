package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.AvroSerdes;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.serving.Results.Page;
import io.tradepulse.serving.Results.SeriesFilter;
import io.tradepulse.serving.Results.SeriesSummary;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The results view on the real broker and registry: it serves what a read_committed consumer of the compacted
 * output topics sees (aborted transactions left out, tombstones applied), from its directory on disk.
 */
@WithEmbeddedPlatform
class ResultsViewIT {
    @TempDir
    Path tmp;

    @Test
    void shouldServeCommittedResultsOnlyAndFollowTombstones(EmbeddedPlatform platform) throws Exception {
        String prefix = "it.view." + UUID.randomUUID().toString().substring(0, 8) + ".";
        Map<String, Object> serdeConfig = Map.of("schema.registry.url", platform.registryUrl());
        TopicCatalog topics = new TopicCatalog(prefix, 2, (short) 1, new AvroSerdes(serdeConfig, null));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.changes().name(), 2, (short) 1),
                    new NewTopic(topics.signals().name(), 2, (short) 1))).all().get();
        }
        TradeChange may2024 = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2024, 5, 44_000_000_000L);
        TradeChange may2025 = TradeChange.newBuilder(ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 28_800_000_000L))
                .setPriorYearValue(44_000_000_000L).setYoyPct(-34.5).build();
        TradeChange hs85 = ResultsStoreTest.change("CHN", "USA", "85", 2025, 5, 7_000_000_000L);
        TradeSignal yoyMove = TradeSignal.newBuilder().setType("YOY_MOVE").setStatus(SignalStatus.ACTIVE)
                .setReporter("CHN").setPartner("USA").setFlow(Flow.EXPORT).setCommodity("TOTAL").setYear(2025)
                .setMonth(5).setSummary("-34.5 % YoY").setMethod("|YoY| >= 30").build();

        try (KafkaProducer<byte[], byte[]> producer = producer(platform, prefix)) {
            producer.initTransactions();
            producer.beginTransaction();
            send(producer, topics.changes(), ResultsStoreTest.key(may2024), may2024);
            send(producer, topics.changes(), ResultsStoreTest.key(may2025), may2025);
            send(producer, topics.changes(), ResultsStoreTest.key(hs85), hs85);
            send(producer, topics.signals(), new SignalKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5, "YOY_MOVE"), yoyMove);
            producer.commitTransaction();
            producer.beginTransaction(); // never committed: a read_committed reader must not see it
            send(producer, topics.changes(), ResultsStoreTest.key(may2025),
                    TradeChange.newBuilder(may2025).setValue(1L).build());
            producer.flush();
            producer.abortTransaction();

            Path dir = tmp.resolve("view");
            try (ResultsView view = new ResultsView(Map.of("bootstrap.servers", platform.bootstrapServers()), topics, dir)
                    .start()) {
                await(view::caughtUp);
                assertThat(view.failure()).isEmpty();
                assertThat(view.series(SeriesFilter.ALL, 10).rows()).containsExactly(
                        new SeriesSummary("CHN", "USA", "EXPORT", "85", 1, 2025, 5),
                        new SeriesSummary("CHN", "USA", "EXPORT", "TOTAL", 2, 2025, 5));
                assertThat(view.changes(new SeriesFilter("CHN", "USA", "EXPORT", "TOTAL"), Integer.MIN_VALUE,
                        Integer.MAX_VALUE, 10).rows()).containsExactly(may2024, may2025);
                assertThat(view.signals(SeriesFilter.ALL, s -> true, 10).rows()).containsExactly(yoyMove);
                // keyset paging through the view: the second page continues after the first, the last has no cursor
                Page<TradeChange> first = view.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, 2);
                assertThat(first.rows()).containsExactly(hs85, may2024);
                Page<TradeChange> last = view.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, first.next(), 2);
                assertThat(last.rows()).containsExactly(may2025);
                assertThat(last.next()).isNull();
                assertThat(dir).isDirectory();

                producer.beginTransaction();
                send(producer, topics.changes(), ResultsStoreTest.key(hs85), null);
                producer.commitTransaction();
                await(() -> view.series(SeriesFilter.ALL, 10).rows().size() == 1);
                assertThat(view.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, 10).rows())
                        .containsExactly(may2024, may2025);
            }
            assertThat(Files.exists(dir)).as("the view's files are removed on close").isFalse();
        }
    }

    @Test
    void shouldReadPartitionsAddedToTheTopicsAfterItStarted(EmbeddedPlatform platform) throws Exception {
        String prefix = "it.view-grow." + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalog topics = new TopicCatalog(prefix, 1, (short) 1,
                new AvroSerdes(Map.of("schema.registry.url", platform.registryUrl()), null));
        TradeChange april = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 4, 30_000_000_000L);
        TradeChange may = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 28_800_000_000L);
        TradeSignal yoyMove = TradeSignal.newBuilder().setType("YOY_MOVE").setStatus(SignalStatus.ACTIVE)
                .setReporter("CHN").setPartner("USA").setFlow(Flow.EXPORT).setCommodity("TOTAL").setYear(2025)
                .setMonth(5).setSummary("-34.5 % YoY").setMethod("|YoY| >= 30").build();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()));
             KafkaProducer<byte[], byte[]> producer = producer(platform, prefix)) {
            admin.createTopics(List.of(new NewTopic(topics.changes().name(), 1, (short) 1),
                    new NewTopic(topics.signals().name(), 1, (short) 1))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            send(producer, topics.changes(), 0, ResultsStoreTest.key(april), april);
            producer.commitTransaction();

            // Metadata at most 1 s old, so that the test does not wait for the view's default (30 s).
            Map<String, Object> client = Map.of("bootstrap.servers", platform.bootstrapServers(), "metadata.max.age.ms", 1000);
            try (ResultsView view = new ResultsView(client, topics, tmp.resolve("view")).start()) {
                await(view::caughtUp);
                assertThat(changes(view)).containsExactly(april);

                admin.createPartitions(Map.of(topics.changes().name(), NewPartitions.increaseTo(3),
                        topics.signals().name(), NewPartitions.increaseTo(2))).all().get();
                producer.beginTransaction();
                send(producer, topics.changes(), 2, ResultsStoreTest.key(may), may);
                send(producer, topics.signals(), 1, new SignalKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5, "YOY_MOVE"),
                        yoyMove);
                producer.commitTransaction();

                await(() -> changes(view).size() == 2 && !view.signals(SeriesFilter.ALL, s -> true, 10).rows().isEmpty());
                assertThat(changes(view)).containsExactly(april, may);
                assertThat(view.signals(SeriesFilter.ALL, s -> true, 10).rows()).containsExactly(yoyMove);
                assertThat(view.failure()).isEmpty();
                assertThat(view.caughtUp()).isTrue();
            }
        }
    }

    private static List<TradeChange> changes(ResultsView view) {
        return view.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, 10).rows();
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedPlatform platform, String prefix) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "writer"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static <K, V> void send(KafkaProducer<byte[], byte[]> producer, Topic<K, V> topic, K key, V value) {
        producer.send(new ProducerRecord<>(topic.name(), topic.keySerde().serializer().serialize(topic.name(), key),
                value == null ? null : topic.valueSerde().serializer().serialize(topic.name(), value)));
    }

    /** To one partition: the new ones get no record of these keys from the default partitioner. */
    private static <K, V> void send(KafkaProducer<byte[], byte[]> producer, Topic<K, V> topic, int partition, K key, V value) {
        producer.send(new ProducerRecord<>(topic.name(), partition, topic.keySerde().serializer().serialize(topic.name(), key),
                topic.valueSerde().serializer().serialize(topic.name(), value)));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
