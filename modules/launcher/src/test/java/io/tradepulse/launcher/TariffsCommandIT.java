package io.tradepulse.launcher;

import static io.tradepulse.launcher.PlatformClients.catalog;
import static io.tradepulse.launcher.PlatformClients.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.TariffEvent;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.core.TopicAdmin;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.ParseResult;
import io.tradepulse.ingest.TariffEventsCsv;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tradepulse tariffs} against the embedded broker and registry: the CSV lands on the compacted
 * {@code tariff.events} as upserts keyed by id, {@code --delete} writes tombstones, and invalid input writes
 * nothing; a run is one transaction, and an aborted one stays invisible to read_committed readers. Everything is
 * read back with read_committed and decoded through the catalog's serdes, as the
 * processor's GlobalKTable reads it.
 */
@WithEmbeddedPlatform
class TariffsCommandIT {

    @TempDir
    Path dir;

    @Test
    void shouldPublishEveryRowOfTheCalendarThenWriteATombstoneForADeletedId(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("publish");
        Path config = dir.resolve("client.properties");
        Files.writeString(config, "bootstrap.servers=" + platform.bootstrapServers() + "\n"
                + "schema.registry.url=" + platform.registryUrl() + "\n"
                + "tradepulse.topic.prefix=" + prefix + "\n");
        Path csv = TariffsCommandTest.bundledCsv(dir);
        List<TariffEvent> expected = BundledData.tariffEvents().stream()
                .map(r -> ((ParseResult.Parsed<TariffEvent>) r).value()).toList();

        TariffsCommandTest.Result published = TariffsCommandTest.run("--file", csv.toString(), "--config", config.toString());

        assertThat(published.exitCode()).as(published.err()).isZero();
        assertThat(published.out()).contains("Done: 12 events published, 0 tombstones written to " + prefix + "tariff.events.");
        TopicCatalog topics = catalog(platform, prefix);
        assertThat(readAll(platform, topics.tariffEvents())).extracting(SimpleEntry::getKey)
                .containsExactlyElementsOf(expected.stream().map(TariffEvent::getId).toList());
        assertCompacted(platform, topics.tariffEvents().name());

        String withdrawn = "us-cn-2025-08-truce-expiry";
        TariffsCommandTest.Result deleted = TariffsCommandTest.run("--delete", withdrawn,
                "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                "--topic-prefix", prefix);

        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out()).contains("Done: 0 events published, 1 tombstone written to " + prefix + "tariff.events.");
        assertThat(deleted.err()).as("the id exists: no typo warning").doesNotContain("Warning");
        List<SimpleEntry<String, TariffEvent>> records = readAll(platform, topics.tariffEvents());
        assertThat(records).hasSize(13);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(records.get(i).getKey()).isEqualTo(expected.get(i).getId());
            assertThat(records.get(i).getValue()).isEqualTo(expected.get(i));
        }
        assertThat(records.get(12).getKey()).isEqualTo(withdrawn);
        assertThat(records.get(12).getValue()).as("tombstone").isNull();

        Map<String, TariffEvent> table = Pipeline.readTable(client(platform), topics.tariffEvents(), Duration.ofSeconds(30));
        assertThat(table).hasSize(11).doesNotContainKey(withdrawn).containsKey("us-cn-2025-05-geneva");
    }

    @Test
    void shouldReplaceAnEventWhenAChangedRowIsPublishedAgain(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("upsert");
        Path first = twoEvents("first.csv");
        Path corrected = dir.resolve("corrected.csv");
        Files.write(corrected, List.of(TariffEventsCsv.HEADER,
                "us-cn-a,USA,CHN,ALL,2025-02-01,2025-02-04,0,20,INCREASE,corrected rate,AP"), StandardCharsets.UTF_8);

        assertThat(runAgainst(platform, prefix, "--file", first.toString()).exitCode()).isZero();
        TariffsCommandTest.Result second = runAgainst(platform, prefix, "--file", corrected.toString());

        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("Topics: all exist", "Done: 1 event published, 0 tombstones");
        TopicCatalog topics = catalog(platform, prefix);
        assertThat(readAll(platform, topics.tariffEvents())).extracting(SimpleEntry::getKey)
                .containsExactly("us-cn-a", "cn-us-b", "us-cn-a");
        Map<String, TariffEvent> table = Pipeline.readTable(client(platform), topics.tariffEvents(), Duration.ofSeconds(30));
        assertThat(table).containsOnlyKeys("us-cn-a", "cn-us-b");
        assertThat(table.get("us-cn-a").getRateAfterPct()).isEqualTo(20.0);
        assertThat(table.get("us-cn-a").getNote()).isEqualTo("corrected rate");
        assertThat(table.get("cn-us-b").getHsScope()).containsExactly("27");
    }

    @Test
    void shouldWarnAboutAnUnknownIdAndStillWriteItsTombstone(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("unknown");

        TariffsCommandTest.Result r = runAgainst(platform, prefix, "--delete", "us-cn-no-such-event");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("Warning: no event 'us-cn-no-such-event' on " + prefix + "tariff.events (a typo?)");
        assertThat(readAll(platform, catalog(platform, prefix).tariffEvents()))
                .containsExactly(new SimpleEntry<>("us-cn-no-such-event", null));
    }

    @Test
    void shouldSendNothingAndCreateNothingWhenARowIsInvalid(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("invalid");
        Path csv = dir.resolve("bad.csv");
        Files.write(csv, List.of(TariffEventsCsv.HEADER,
                "us-cn-a,USA,CHN,ALL,2025-02-01,2025-02-04,0,10,INCREASE,first,AP",
                "us-cn-b,USA,CHN,ALL,2025-02-01,2025-02-30,0,10,INCREASE,no such day,AP"), StandardCharsets.UTF_8);

        TariffsCommandTest.Result r = runAgainst(platform, prefix, "--file", csv.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Refused: 1 problem in " + csv + "; nothing was sent.", "line 3: date is not yyyy-MM-dd");
        assertThat(topicNames(platform)).noneMatch(t -> t.startsWith(prefix));
    }

    /**
     * A missing topic with --no-create-topics is the user's to fix, like an invalid file: exit 2 (it was 1, as for a
     * cluster that was down), saying how to create it, and never letting the producer auto-create it uncompacted.
     */
    @Test
    void shouldRefuseWithExit2AndSendNothingWhenTheTopicIsMissingWithNoCreateTopics(EmbeddedPlatform platform)
            throws Exception {
        String prefix = prefix("nocreate");

        TariffsCommandTest.Result r = runAgainst(platform, prefix, "--file", TariffsCommandTest.bundledCsv(dir).toString(),
                "--no-create-topics");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).isEqualTo("Refused: topic " + prefix + "tariff.events "
                + "does not exist, and with --no-create-topics tradepulse does not "
                + "create it; nothing was sent. Run without --no-create-topics to have it created, or create it first:");
        assertThat(r.err()).contains("  kafka-topics.sh --bootstrap-server <brokers> --create --topic " + prefix
                + "tariff.events --partitions 1 --config cleanup.policy=compact").doesNotContain("\tat ");
        assertThat(r.out()).doesNotContain("Done");
        assertThat(topicNames(platform)).noneMatch(t -> t.startsWith(prefix));
    }

    /**
     * trade.records.derived not co-partitioned with trade.records refuses the topic step as it refuses ingest's, run's
     * and demo's: exit 2, "Refused: ...", nothing sent. It exited 1 ("Failed: ..."), which tells a script that running
     * the same command again may help; it cannot until the topic is recreated.
     */
    @Test
    void shouldRefuseWithExit2AndSendNothingWhenTheDerivedRecordsAreNotCopartitioned(EmbeddedPlatform platform)
            throws Exception {
        String prefix = prefix("copart");
        try (Admin admin = Admin.create(client(platform))) {
            admin.createTopics(List.of(new NewTopic(prefix + TopicCatalog.RECORDS, 6, (short) 1),
                    new NewTopic(prefix + TopicCatalog.DERIVED_RECORDS, 3, (short) 1))).all().get();
        }

        TariffsCommandTest.Result r = runAgainst(platform, prefix, "--file", TariffsCommandTest.bundledCsv(dir).toString());

        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("Refused: Topic " + prefix
                + "trade.records.derived has 3 partitions but " + prefix + "trade.records has 6").endsWith("Nothing was sent.");
        assertThat(r.out()).doesNotContain("Done");
        assertThat(topicNames(platform)).doesNotContain(prefix + TopicCatalog.TARIFF_EVENTS);
    }

    @Test
    void shouldWriteARunAsOneCommittedTransaction(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("txn");
        Path csv = twoEvents("two.csv");

        TariffsCommandTest.Result r = runAgainst(platform, prefix, "--file", csv.toString(), "--delete", "us-cn-old");

        assertThat(r.exitCode()).as(r.err()).isZero();
        Topic<String, TariffEvent> topic = catalog(platform, prefix).tariffEvents();
        assertThat(readAll(platform, topic, IsolationLevel.READ_COMMITTED)).extracting(SimpleEntry::getKey)
                .containsExactly("us-cn-a", "cn-us-b", "us-cn-old");
        // Three records and the transaction's commit marker, which takes an offset of its own.
        try (Admin admin = Admin.create(client(platform))) {
            TopicPartition tp = new TopicPartition(topic.name(), 0);
            long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
            assertThat(end).isEqualTo(4);
        }
    }

    @Test
    void shouldHideEveryRecordOfAnAbortedWriteFromReadCommittedReaders(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("abort");
        TopicCatalog topics = catalog(platform, prefix);
        try (Admin admin = Admin.create(client(platform))) {
            TopicAdmin.ensureTopics(admin, topics);
        }
        Topic<String, TariffEvent> topic = topics.tariffEvents();
        List<TariffEvent> events = BundledData.tariffEvents().stream()
                .map(row -> ((ParseResult.Parsed<TariffEvent>) row).value()).limit(2).toList();
        Map<String, Object> producerConfig = new HashMap<>(client(platform));
        producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TariffsCommand.defaultTransactionalId(topic.name()));

        try (CatalogProducer producer = new CatalogProducer(producerConfig)) {
            assertThatThrownBy(() -> producer.sendAtomically(() -> {
                events.forEach(e -> producer.send(topic, e.getId(), e));
                producer.flush(); // on the broker, not only in the producer's buffer, which an abort discards
                throw new IllegalStateException("failed half way");
            })).hasMessage("failed half way");
        }

        assertThat(readAll(platform, topic, IsolationLevel.READ_UNCOMMITTED)).as("the sends reached the log")
                .hasSize(2);
        assertThat(readAll(platform, topic, IsolationLevel.READ_COMMITTED)).isEmpty();
        assertThat(Pipeline.readTable(client(platform), topic, Duration.ofSeconds(30))).isEmpty();
    }

    /** A calendar of two events: us-cn-a (rate 10 %) and cn-us-b. */
    private Path twoEvents(String name) throws IOException {
        Path csv = dir.resolve(name);
        Files.write(csv, List.of(TariffEventsCsv.HEADER,
                "us-cn-a,USA,CHN,ALL,2025-02-01,2025-02-04,0,10,INCREASE,first,AP",
                "cn-us-b,CHN,USA,HS27 coal,2025-02-04,2025-02-10,0,15,INCREASE,,Reuters"), StandardCharsets.UTF_8);
        return csv;
    }

    private static TariffsCommandTest.Result runAgainst(EmbeddedPlatform platform, String prefix, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                "--topic-prefix", prefix));
        return TariffsCommandTest.run(all.toArray(String[]::new));
    }

    private static String prefix(String name) {
        return "tariffs-" + name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }



    /** Every record of the topic in offset order, read_committed, tombstones as null values. */
    private static List<SimpleEntry<String, TariffEvent>> readAll(EmbeddedPlatform platform, Topic<String, TariffEvent> topic) {
        return readAll(platform, topic, IsolationLevel.READ_COMMITTED);
    }

    private static void awaitStable(EmbeddedPlatform platform, String topic) {
        try {
            Pipeline.awaitStable(client(platform), List.of(topic), Duration.ofSeconds(30));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<SimpleEntry<String, TariffEvent>> readAll(EmbeddedPlatform platform, Topic<String, TariffEvent> topic,
            IsolationLevel isolation) {
        Map<String, Object> props = new HashMap<>(client(platform));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<SimpleEntry<String, TariffEvent>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            assertThat(parts).as("tariff.events has one partition").hasSize(1);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            if (isolation == IsolationLevel.READ_COMMITTED) {
                // A run's commit returns before the broker has written its marker on the partition; until then a
                // read_committed end is the offset before the run's records (they were missing once in a full verify).
                awaitStable(platform, topic.name());
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).as("reached the end of " + topic.name()).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records.add(new SimpleEntry<>(topic.keySerde().deserializer().deserialize(r.topic(), r.key()),
                            topic.valueSerde().deserializer().deserialize(r.topic(), r.value())));
                }
            }
        }
        return records;
    }

    private static void assertCompacted(EmbeddedPlatform platform, String topic) throws Exception {
        try (Admin admin = Admin.create(client(platform))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            String policy = admin.describeConfigs(List.of(resource)).all().get().get(resource).get("cleanup.policy").value();
            assertThat(policy).isEqualTo("compact");
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertThat(d.partitions()).hasSize(1);
        }
    }

    private static java.util.Set<String> topicNames(EmbeddedPlatform platform) throws Exception {
        try (Admin admin = Admin.create(client(platform))) {
            return admin.listTopics().names().get();
        }
    }
}
