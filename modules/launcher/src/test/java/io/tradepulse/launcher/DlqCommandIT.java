package io.tradepulse.launcher;

import static io.tradepulse.launcher.PlatformClients.catalog;
import static io.tradepulse.launcher.PlatformClients.client;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.ingest.ParseResult;
import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.ChildJvm;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tradepulse dlq} on the embedded broker and registry, run through {@link Main#commandLine()}: three dead
 * letters as the processor, a connector and a punctuation write them (a VALIDATION one carrying the raw bytes of a
 * real TradeRecord in the wire format, a source row {@code file:x.csv:3}, a roll-up cell), listed and filtered; the
 * replay puts exactly the VALIDATION one's bytes back on its origin topic with the replayed-from header and skips
 * the two others, saying why; a dry run sends nothing. Then what an operator meets on a real cluster: records on
 * trade.dlq that are no dead letter, targets that no longer exist, a replay to trade.records by series, a refused send.
 */
@WithEmbeddedPlatform
class DlqCommandIT {
    /** The runs' config and output files: removed after the class, they were left in the system temp dir. */
    @TempDir
    static Path scratch;

    record Run(int code, String out, String err) {
    }

    record Raw(int partition, byte[] key, byte[] value, Map<String, String> headers) {
    }

    private static String newPrefix() {
        return "dlq-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }

    /** The catalog under {@code prefix}, its topics created. */
    private static TopicCatalog createdTopics(EmbeddedPlatform platform, String prefix) throws Exception {
        TopicCatalog topics = catalog(platform, prefix);
        Pipeline.createTopics(client(platform), topics);
        return topics;
    }

    /** A real figure of the bundled data (China's exports to the US). */
    private static TradeRecord chinaExportsToUs() {
        return ((ParseResult.Parsed<TradeRecord>) BundledData.chinaExportsToUs().get(1)).value();
    }

    /** The record's key as a producer of {@code topic} wrote it (Confluent wire format, this registry's schema id). */
    private static byte[] rawKey(Topic<SeriesKey, TradeRecord> topic, TradeRecord record) {
        return topic.keySerde().serializer().serialize(topic.name(), FileIngest.seriesKey(record));
    }

    /** The record's value as a producer of {@code topic} wrote it. */
    private static byte[] rawValue(Topic<SeriesKey, TradeRecord> topic, TradeRecord record) {
        return topic.valueSerde().serializer().serialize(topic.name(), record);
    }

    @Test
    void shouldListFilterAndReplayOnlyTheProcessorsDeadLettersByteForByte(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        TradeRecord record = chinaExportsToUs();
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        // The bytes as a producer of trade.records wrote them (Confluent wire format, schema ids of this registry).
        byte[] rawKey = rawKey(origin, record);
        byte[] rawValue = rawValue(origin, record);
        DeadLetter validation = DeadLetter.newBuilder().setStage(DeadLetterStage.VALIDATION)
                .setReason("value 9.9E12 above tradepulse.validation.max.monthly.value for KRW").setSource("census")
                .setOriginTopic(origin.name()).setOriginPartition(4).setOriginOffset(17L)
                .setRawKey(ByteBuffer.wrap(rawKey)).setRawValue(ByteBuffer.wrap(rawValue))
                .setOccurredAt(Instant.parse("2026-11-29T10:00:00Z")).build();
        DeadLetter row = DeadLetter.newBuilder().setStage(DeadLetterStage.INGEST).setReason("non-numeric value 'n/a'")
                .setSource("x.csv").setPosition("line 3").setRawValue(ByteBuffer.wrap("2025-01,n/a".getBytes(StandardCharsets.UTF_8)))
                .setOccurredAt(Instant.parse("2026-11-30T09:00:00Z")).build();
        DeadLetter cell = DeadLetter.newBuilder().setStage(DeadLetterStage.PROCESSING)
                .setReason("roll-up cell skipped: java.lang.ArithmeticException: overflow").setSource("rollups")
                .setPosition("rollup-cell:CHN|USA|X|85").setRawKey(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setOccurredAt(Instant.parse("2026-11-30T10:00:00Z")).build();
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            producer.send(topics.deadLetters(), origin.name() + "/4/17", validation);
            producer.send(topics.deadLetters(), "file:x.csv:3", row);
            producer.send(topics.deadLetters(), "rollup-cell:CHN|USA|X|85", cell);
            producer.flush();
        }
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        Run all = run(connection);
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out().lines().toList()).containsExactly(
                "2026-11-29T10:00:00Z  VALIDATION       " + origin.name() + "/4/17  source=census  "
                        + "value 9.9E12 above tradepulse.validation.max.monthly.value for KRW",
                "2026-11-30T09:00:00Z  INGEST           file:x.csv:3  source=x.csv  non-numeric value 'n/a'",
                "2026-11-30T10:00:00Z  PROCESSING       rollup-cell:CHN|USA|X|85  source=rollups  "
                        + "roll-up cell skipped: java.lang.ArithmeticException: overflow",
                "3 of 3 dead letters on " + topics.deadLetters().name()
                        + " matched (INGEST 1, VALIDATION 1, PROCESSING 1).");

        Run filtered = run(connection, "--stage", "INGEST", "--stage", "PROCESSING", "--since", "2026-11-30", "--limit", "1");
        assertThat(filtered.out()).contains("file:x.csv:3").doesNotContain("rollup-cell:CHN", origin.name() + "/4/17")
                .contains("2 of 3 dead letters", "(INGEST 1, PROCESSING 1); listed the 1 earliest.");
        assertThat(run(connection, "--origin-topic", origin.name(), "--reason-contains", "krw").out())
                .contains(origin.name() + "/4/17").doesNotContain("file:x.csv:3", "rollup-cell");

        Run dry = run(connection, "--replay", "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("would send " + topics.deadLetters().name() + "/", " -> " + origin.name() + "/4 ",
                "Dry run: 1 dead letter would be replayed, 2 skipped; nothing was sent.");
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_UNCOMMITTED)).as("a dry run sends nothing").isEmpty();

        Run replayed = run(connection, "--replay");
        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("file:x.csv:3: not a Kafka record", "rollup-cell:CHN|USA|X|85: a punctuation item",
                "Done: 1 dead letter replayed in one transaction, 2 skipped.");
        List<Raw> onOrigin = awaitCommitted(platform, origin.name(), 1);
        Raw sent = onOrigin.get(0);
        assertThat(sent.key()).isEqualTo(rawKey);
        assertThat(sent.value()).isEqualTo(rawValue);
        assertThat(sent.partition()).as("the origin partition").isEqualTo(4);
        assertThat(sent.headers().get(DlqCommand.REPLAYED_FROM_HEADER)).matches(java.util.regex.Pattern.quote(
                topics.deadLetters().name()) + "/\\d+/\\d+");
        assertThat(origin.valueSerde().deserializer().deserialize(origin.name(), sent.value())).isEqualTo(record);
        assertThat(readRaw(platform, topics.derivedRecords().name(), IsolationLevel.READ_UNCOMMITTED)).isEmpty();
    }

    @Test
    void shouldPublishNothingWhenOneRecordOfTheReplayIsRefused(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        TradeRecord record = chinaExportsToUs();
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        byte[] rawKey = rawKey(origin, record);
        byte[] rawValue = rawValue(origin, record);
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            // The first is fine; the second is larger than the replay's producer may send (max.request.size below).
            for (int partition : new int[] {2, 3}) {
                producer.send(topics.deadLetters(), origin.name() + "/" + partition + "/5", refused("refused", origin.name(), partition, 5L, rawKey,
                        partition == 2 ? rawValue : new byte[20_000], AT.plusSeconds(partition)));
            }
            producer.flush();
        }

        Path config = Files.writeString(Files.createTempFile(scratch, "dlq-replay", ".properties"), "max.request.size=10000\n");
        Run replay = run(new String[] {"--config", config.toString(), "--bootstrap-servers", platform.bootstrapServers(),
            "--schema-registry-url", platform.registryUrl(), "--topic-prefix", prefix}, "--replay");

        assertThat(replay.code()).as(replay.out()).isEqualTo(1);
        assertThat(replay.err()).contains("the replay was aborted, nothing was published", "RecordTooLargeException");
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_COMMITTED))
                .as("the record before the refused one is not committed either").isEmpty();
    }

    /**
     * A replay whose origin partition is gone (its topic recreated with fewer partitions) or whose topic does not
     * exist used to wait max.block.ms (60 s) at the send and then fail with exit 1, naming neither. The targets are
     * now described first: the whole replay is refused at once (exit 2), naming each dead letter and the partition
     * count, nothing sent; the dry run, what an operator runs first, says the same.
     */
    @Test
    void shouldRefuseTheWholeReplayAtOnceWhenAPartitionOrTopicItTargetsDoesNotExist(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        TradeRecord record = chinaExportsToUs();
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        byte[] rawKey = rawKey(origin, record);
        byte[] rawValue = rawValue(origin, record);
        String gone = prefix + "trade.records.old";
        String dlq = topics.deadLetters().name();
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            int i = 0;
            for (String target : List.of(origin.name() + "/2", origin.name() + "/99", gone + "/1")) {
                String[] tp = target.split("/");
                producer.send(topics.deadLetters(), target + "/5", refused("refused", tp[0], Integer.parseInt(tp[1]), 5L, rawKey, rawValue,
                        AT.plusSeconds(i++)));
            }
            producer.flush();
        }
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        for (String[] args : new String[][] {{"--replay", "--dry-run"}, {"--replay"}}) {
            long start = System.nanoTime();
            Run refused = run(connection, args);

            assertThat(refused.code()).as(refused.err()).isEqualTo(2);
            assertThat(refused.err().lines().toList()).startsWith(
                    "Refused: 2 of 3 dead letters to replay cannot be sent where they belong; nothing was sent:",
                    "  " + dlq + "/0/1 -> " + origin.name() + "/99: topic " + origin.name() + " has 6 partitions (0..5) now, "
                            + "fewer than when the record was read (recreated?); --to-topic " + origin.name()
                            + " sends it to the partition of its key instead",
                    "  " + dlq + "/0/2 -> " + gone + ": topic " + gone + " does not exist");
            assertThat(refused.err()).as("no stack trace for a refusal").doesNotContain("\tat ");
            assertThat(refused.out()).doesNotContain("would send", "sent ");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused at once, not after max.block.ms")
                    .isLessThan(Duration.ofSeconds(30));
        }
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_UNCOMMITTED)).as("nothing sent").isEmpty();
    }

    /**
     * --to-topic trade.records (or trade.records.derived) sends a record to its series' partition as the processor
     * chooses it for trade.records.derived: by the key as serialized for trade.records. A raw key can carry another
     * schema id than trade.records-key's (a registry that numbers schemas per subject, a producer that registered its
     * own copy of the schema), and the producer's default partitioner, hashing it as it is, put the series in
     * another partition than its other figures.
     */
    /**
     * tariff.events is compacted by event id and read as a table: its last record of an id is the event. A dead letter
     * of an event's first version, replayed after the event was corrected, appended the stale bytes after the
     * correction, and the calendar silently went back to the wrong version. Such a dead letter is skipped, saying why;
     * one of an event that is still at its latest version is replayed.
     */
    @Test
    void shouldSkipADeadLetterOfATariffEventWhenALaterVersionOfTheEventWasPublishedSince(EmbeddedPlatform platform)
            throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        Topic<String, TariffEvent> calendar = topics.tariffEvents();
        String dlq = topics.deadLetters().name();
        TariffEvent first = ((ParseResult.Parsed<TariffEvent>) BundledData.tariffEvents().get(0)).value();
        TariffEvent corrected = TariffEvent.newBuilder(first).setRateAfterPct(20.0).setNote("corrected").build();
        TariffEvent other = ((ParseResult.Parsed<TariffEvent>) BundledData.tariffEvents().get(1)).value();
        TariffEvent withdrawn = ((ParseResult.Parsed<TariffEvent>) BundledData.tariffEvents().get(2)).value();
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            // tariff.events/0/0: the first version, dead-lettered; /0/1: its correction; /0/2: another event, dead-lettered;
            // /0/3: a third, dead-lettered, and /0/4 its deletion (tariffs --delete).
            for (TariffEvent e : List.of(first, corrected, other, withdrawn)) {
                producer.send(calendar, e.getId(), e);
                producer.flush();
            }
            producer.send(calendar, withdrawn.getId(), null);
            producer.flush();
            Map<Long, TariffEvent> deadLettered = Map.of(0L, first, 2L, other, 3L, withdrawn);
            for (long offset : new long[] {0, 2, 3}) {
                TariffEvent e = deadLettered.get(offset);
                DeadLetter dl = DeadLetter.newBuilder(refused("x", calendar.name(), 0, offset,
                                calendar.keySerde().serializer().serialize(calendar.name(), e.getId()),
                                calendar.valueSerde().serializer().serialize(calendar.name(), e), AT.plusSeconds(offset)))
                        .setStage(DeadLetterStage.DESERIALIZATION).build();
                sendTo(producer, topics.deadLetters(), 0, dl);
            }
            producer.flush();
        }
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        Run dryRun = run(connection, "--replay", "--dry-run");
        Run replayed = run(connection, "--replay");

        assertThat(dryRun.code()).as(dryRun.err()).isZero();
        assertThat(dryRun.out()).contains("skip " + dlq + "/0/0 " + calendar.name() + "/0/0: a later version of the event is on "
                + calendar.name() + " (offset 1)").contains("would send " + dlq + "/0/1 -> " + calendar.name() + "/0 ")
                .contains("skip " + dlq + "/0/2 " + calendar.name() + "/0/3: the event was deleted since (tombstone at offset 4)");
        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("Done: 1 dead letter replayed in one transaction, 2 skipped.");
        awaitCommitted(platform, calendar.name(), 6); // the five, and the other event's replay
        Map<String, TariffEvent> events = Pipeline.readTable(client(platform), calendar, Duration.ofSeconds(30));
        assertThat(events.get(first.getId())).as("the corrected version stays the event").isEqualTo(corrected);
        assertThat(events.get(other.getId())).isEqualTo(other);
        assertThat(events).as("the deleted event stays deleted").doesNotContainKey(withdrawn.getId());
    }

    /**
     * A tariff event's dead letter is written by every instance's global thread, outside any transaction, and again at
     * each start that reads the record; at_least_once processing writes a record's again after a crash. Each copy was
     * replayed: the event appended to tariff.events three times, the figure sent twice. Each record is sent once.
     */
    @Test
    void shouldReplayARecordOnceWhenItWasDeadLetteredMoreThanOnce(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        Topic<String, TariffEvent> calendar = topics.tariffEvents();
        Topic<SeriesKey, TradeRecord> records = topics.records();
        String dlq = topics.deadLetters().name();
        TariffEvent event = ((ParseResult.Parsed<TariffEvent>) BundledData.tariffEvents().get(0)).value();
        byte[] eventKey = calendar.keySerde().serializer().serialize(calendar.name(), event.getId());
        byte[] eventValue = calendar.valueSerde().serializer().serialize(calendar.name(), event);
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            producer.send(calendar, event.getId(), event); // tariff.events/0/0, still the event's latest version
            producer.flush();
            // trade.dlq/0/0..2: three instances' dead letters of tariff.events/0/0; /0/3, /0/4: trade.records/1/5's.
            for (int copy = 0; copy < 3; copy++) {
                sendTo(producer, topics.deadLetters(), 0, DeadLetter.newBuilder(refused("x", calendar.name(), 0, 0,
                        eventKey, eventValue, AT)).setStage(DeadLetterStage.DESERIALIZATION).build());
            }
            TradeRecord figure = chinaExportsToUs();
            for (int copy = 0; copy < 2; copy++) {
                sendTo(producer, topics.deadLetters(), 0, refused("refused", records.name(), 1, 5,
                        rawKey(records, figure), rawValue(records, figure), AT.plusSeconds(60)));
            }
            producer.flush();
        }
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        Run replayed = run(connection, "--replay");

        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("skip " + dlq + "/0/1 " + calendar.name() + "/0/0: the same record as "
                        + dlq + "/0/0 (dead-lettered more than once), replayed once, as that one",
                "skip " + dlq + "/0/4 " + records.name() + "/1/5: the same record as " + dlq + "/0/3",
                "Done: 2 dead letters replayed in one transaction, 3 skipped.");
        assertThat(awaitCommitted(platform, calendar.name(), 2)).as("the event and its one replay").hasSize(2);
        assertThat(awaitCommitted(platform, records.name(), 1)).as("the figure once").hasSize(1);
    }

    /**
     * A trade.dlq that does not exist (here a --topic-prefix no topic has): the run read no partition and said "0 of 0
     * dead letters ... matched", exit 0, as if there were none, and a broker with auto.create.topics.enable created the
     * topic as the read asked for it. It is refused, exit 2, and nothing is created.
     */
    @Test
    void shouldRefuseTheRunWhenTheDeadLetterTopicDoesNotExist(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix(); // no topic created under it
        String dlq = catalog(platform, prefix).deadLetters().name();
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        for (String[] args : List.of(new String[0], new String[] {"--replay", "--dry-run"}, new String[] {"--replay"})) {
            Run run = run(connection, args);

            assertThat(run.code()).as(String.join(" ", args) + ": " + run.out() + run.err()).isEqualTo(2);
            assertThat(run.err()).startsWith("Refused: topic " + dlq + " does not exist").doesNotContain("\tat ");
            assertThat(run.out()).as("nothing listed").doesNotContain("matched");
        }
        try (Admin admin = Admin.create(client(platform))) {
            assertThat(admin.listTopics().names().get()).doesNotContain(dlq);
        }
    }

    @Test
    void shouldReplayToTradeRecordsInTheSeriesPartitionWhenTheRawKeyCarriesAnotherSchemaId(EmbeddedPlatform platform)
            throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        Topic<SeriesKey, TradeRecord> records = topics.records();
        Topic<SeriesKey, TradeRecord> derived = topics.derivedRecords();
        int otherId;
        try (CachedSchemaRegistryClient registry = new CachedSchemaRegistryClient(Map.of(
                ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl()))) {
            // The same record schema registered with another text (its doc): another id, the same binary body.
            otherId = registry.register(derived.name() + "-key", new Schema.Parser().parse(SeriesKey.getClassSchema()
                    .toString().replace("Key of trade.records:", "Key of " + derived.name() + ":")));
        }
        TradeRecord bundled = ((ParseResult.Parsed<TradeRecord>) BundledData.chinaExportsToUs().get(1)).value();
        // A series whose partition by its trade.records key differs from the one its raw key hashes to.
        TradeRecord record = null;
        byte[] rawKey = null;
        int expected = -1;
        for (String partner : List.of("USA", "DEU", "JPN", "KOR", "VNM", "MEX", "FRA", "GBR", "ITA", "NLD")) {
            TradeRecord r = TradeRecord.newBuilder(bundled).setPartner(partner).build();
            byte[] forRecords = records.keySerde().serializer().serialize(records.name(), FileIngest.seriesKey(r));
            byte[] raw = forRecords.clone();
            ByteBuffer.wrap(raw).putInt(1, otherId);
            assertThat(raw).as("another schema id").isNotEqualTo(forRecords);
            int bySeries = Utils.toPositive(Utils.murmur2(forRecords)) % TopicCatalog.DEFAULT_PARTITIONS;
            if (bySeries != Utils.toPositive(Utils.murmur2(raw)) % TopicCatalog.DEFAULT_PARTITIONS) {
                record = r;
                rawKey = raw;
                expected = bySeries;
                break;
            }
        }
        assertThat(record).as("a series the default partitioner would misplace").isNotNull();
        byte[] rawValue = rawValue(derived, record);
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            producer.send(topics.deadLetters(), derived.name() + "/1/3", refused("refused", derived.name(), 1, 3L, rawKey, rawValue, AT));
            producer.flush();
        }
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        Run dry = run(connection, "--replay", "--to-topic", derived.name(), "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains(" -> " + derived.name() + "/" + expected + " (");
        Run replayed = run(connection, "--replay", "--to-topic", records.name());
        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains(" -> " + records.name() + "/" + expected + " (");

        Raw sent = awaitCommitted(platform, records.name(), 1).get(0);
        assertThat(sent.partition()).as("the series' partition, as the processor chooses it").isEqualTo(expected);
        assertThat(sent.key()).as("the raw key, unchanged").isEqualTo(rawKey);
        assertThat(sent.value()).isEqualTo(rawValue);
    }

    /**
     * --to-topic trade.records takes the id of trade.records' key schema from the registry to hash the key. With
     * auto.register.schemas=false and no such schema registered the run failed (exit 1, the serializer's registry error
     * with a stack trace) after listing; it is now refused like a missing target: exit 2, naming the subject and the
     * setting, nothing sent, nothing registered.
     */
    @Test
    void shouldRefuseAReplayToTradeRecordsWhenItsKeySchemaIsNotRegisteredAndAutoRegisterIsOff(EmbeddedPlatform platform)
            throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        Topic<SeriesKey, TradeRecord> records = topics.records();
        deadLetterOfDerivedRecord(platform, topics);
        Path config = Files.writeString(Files.createTempFile(scratch, "dlq-no-register", ".properties"),
                "auto.register.schemas=false\n");
        String[] connection = {"--config", config.toString(), "--bootstrap-servers", platform.bootstrapServers(),
            "--schema-registry-url", platform.registryUrl(), "--topic-prefix", prefix};

        for (List<String> dryRun : List.of(List.of("--dry-run"), List.<String>of())) {
            List<String> args = new ArrayList<>(List.of("--replay", "--to-topic", records.name()));
            args.addAll(dryRun);
            Run refused = run(connection, args.toArray(String[]::new));
            assertThat(refused.code()).as(refused.err()).isEqualTo(2);
            assertThat(refused.err()).startsWith("Refused: --to-topic sends each record to its series' partition")
                    .contains("subject '" + records.name() + "-key'", "auto.register.schemas=false", "nothing was sent")
                    .doesNotContain("\tat ");
        }
        assertThat(readRaw(platform, records.name(), IsolationLevel.READ_UNCOMMITTED)).as("nothing sent").isEmpty();
        assertThat(subjects(platform)).as("nothing registered").doesNotContain(records.name() + "-key");
    }

    /**
     * A dry run of --to-topic trade.records with auto.register.schemas=true (the default) registered trade.records-key
     * when the registry did not have it (the partition is hashed from the key as serialized for trade.records): a dry
     * run changed the registry. It now registers nothing and says the partition is chosen once the replay registers it.
     */
    @Test
    void shouldRegisterNothingWhenADryRunToTradeRecordsMeetsAKeySchemaNotRegisteredYet(EmbeddedPlatform platform)
            throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        Topic<SeriesKey, TradeRecord> records = topics.records();
        deadLetterOfDerivedRecord(platform, topics);
        List<String> before = subjects(platform);
        assertThat(before).doesNotContain(records.name() + "-key");
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        Run dry = run(connection, "--replay", "--to-topic", records.name(), "--dry-run");

        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("would send " + topics.deadLetters().name() + "/", " -> " + records.name() + "/? (",
                "a dry run registers nothing", "Dry run: 1 dead letter would be replayed, 0 skipped; nothing was sent.");
        assertThat(subjects(platform)).as("nothing registered").containsExactlyInAnyOrderElementsOf(before);
        assertThat(readRaw(platform, records.name(), IsolationLevel.READ_UNCOMMITTED)).as("nothing sent").isEmpty();
    }

    /**
     * A dead letter of a trade.records.derived record, written as the processor writes that topic: with its own
     * subjects, so trade.records-key is never registered by it.
     */
    private static void deadLetterOfDerivedRecord(EmbeddedPlatform platform, TopicCatalog topics) {
        Topic<SeriesKey, TradeRecord> derived = topics.derivedRecords();
        TradeRecord record = chinaExportsToUs();
        byte[] rawKey = rawKey(derived, record);
        byte[] rawValue = rawValue(derived, record);
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            producer.send(topics.deadLetters(), derived.name() + "/1/3", refused("refused", derived.name(), 1, 3L, rawKey, rawValue, AT));
            producer.flush();
        }
    }

    private static List<String> subjects(EmbeddedPlatform platform) {
        try (CachedSchemaRegistryClient registry = new CachedSchemaRegistryClient(Map.of(
                ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl()))) {
            return registry.getAllSubjects();
        }
    }

    /**
     * Bytes on trade.dlq that are no dead letter (a foreign producer's record, a schema id the registry no longer
     * has, another Avro record) failed the whole run (exit 1). They are now counted and listed as undecodable when no
     * filter looks into the dead letters, never replayed, and the run goes on; a dead letter with a plain UTF-8 key
     * (earlier releases) is listed with it. A registry that is down is no undecodable record: the run fails.
     */
    @Test
    void shouldListUndecodableRecordsAndGoOnButFailWhenTheRegistryIsDown(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        TradeRecord record = chinaExportsToUs();
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        byte[] rawKey = rawKey(origin, record);
        byte[] rawValue = rawValue(origin, record);
        String dlq = topics.deadLetters().name();
        Topic<String, DeadLetter> letters = topics.deadLetters();
        byte[] oldKeyRow = letters.valueSerde().serializer().serialize(dlq, DeadLetter.newBuilder()
                .setStage(DeadLetterStage.INGEST).setReason("non-numeric value 'n/a'").setSource("old.csv")
                .setOccurredAt(Instant.parse("2026-11-01T09:00:00Z")).build());
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            producer.send(new ProducerRecord<>(dlq, null, "hello, not avro".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(dlq, null, new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 4}));
            producer.send(new ProducerRecord<>(dlq, null, rawValue)); // a TradeRecord, not a DeadLetter
            producer.send(new ProducerRecord<>(dlq, "file:old.csv:2".getBytes(StandardCharsets.UTF_8), oldKeyRow));
            producer.send(letters, origin.name() + "/4/17", refused("above the KRW limit", origin.name(), 4, 17L, rawKey, rawValue, AT));
            producer.flush();
        }
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        Run all = run(connection);
        assertThat(all.code()).as(all.err()).isZero();
        List<String> lines = all.out().lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).startsWith("2026-11-01T09:00:00Z  INGEST           file:old.csv:2  source=old.csv");
        assertThat(lines.get(1)).startsWith("2026-11-29T10:00:00Z  VALIDATION       " + origin.name() + "/4/17");
        assertThat(lines.get(2)).startsWith("undecodable " + dlq + "/0/0: ").contains("Unknown magic byte 0x68");
        assertThat(lines.get(3)).startsWith("undecodable " + dlq + "/0/1: ").contains("schema", "2139062143");
        assertThat(lines.get(4)).isEqualTo("undecodable " + dlq + "/0/2: not a DeadLetter but an Avro io.tradepulse.avro.TradeRecord");
        assertThat(lines.get(5)).isEqualTo("2 of 5 dead letters on " + dlq + " matched (INGEST 1, VALIDATION 1); "
                + "3 could not be decoded (listed as undecodable), never replayed.");

        Run filtered = run(connection, "--stage", "VALIDATION");
        assertThat(filtered.out()).doesNotContain("undecodable ").contains("1 of 5 dead letters on " + dlq
                + " matched (VALIDATION 1); 3 could not be decoded (not listed: the filters match what a dead letter says), "
                + "never replayed.");
        assertThat(run(connection, "--limit", "1").out()).contains("file:old.csv:2", "undecodable " + dlq + "/0/0: ")
                .doesNotContain(origin.name() + "/4/17", dlq + "/0/1: ", dlq + "/0/2: ").contains("; listed the 1 earliest; "
                        + "3 could not be decoded (the first 1 listed as undecodable), never replayed.");

        Run replayed = run(connection, "--replay");
        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("Done: 1 dead letter replayed in one transaction, 1 skipped, 3 undecodable.");
        assertThat(awaitCommitted(platform, origin.name(), 1).get(0).value()).isEqualTo(rawValue);

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Path config = Files.writeString(Files.createTempFile(scratch, "dlq-down", ".properties"), "max.retries=0\n");
        Run down = run(new String[] {"--config", config.toString(), "--bootstrap-servers", platform.bootstrapServers(),
            "--schema-registry-url", "http://127.0.0.1:" + closedPort, "--topic-prefix", prefix}, "--replay");
        assertThat(down.code()).as(down.out()).isEqualTo(1);
        assertThat(down.err().lines().findFirst().orElseThrow())
                .startsWith("tradepulse dlq failed: cannot decode " + dlq + "/0/1: the schema registry is unavailable");
        assertThat(down.out()).as("nothing listed as undecodable, nothing replayed").isEmpty();
    }

    /**
     * A replay held every matching dead letter whole, raw key and value included, until trade.dlq was read to its end
     * and sent them all: the hundreds of thousands of dead letters a wrong value limit writes ran the script's -Xmx1g
     * out of memory. It now keeps a few facts per match and reads the bytes again as it sends them. Here the raw values
     * together (160 of 900 KB, random so no compression hides them) are more than 1.4 times the heap of the child
     * JVM the command runs in, and the replay still sends every one.
     */
    @Test
    void shouldReplayDeadLettersWhoseRawValuesTogetherExceedTheHeap(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        byte[] rawKey = rawKey(origin, chinaExportsToUs());
        byte[] rawValue = new byte[900_000];
        new java.util.Random(42).nextBytes(rawValue);
        int count = 160;
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            for (int i = 0; i < count; i++) {
                producer.send(topics.deadLetters(), origin.name() + "/" + (i % 6) + "/" + i, refused("above the KRW limit", origin.name(), i % 6, i, rawKey,
                        rawValue, AT.plusSeconds(i)));
            }
            producer.flush();
        }
        Path output = Files.createTempFile(scratch, "dlq-replay-heap", ".log");

        Process process = new ProcessBuilder(ChildJvm.command("96m", Main.class,
                "dlq", "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                "--topic-prefix", prefix, "--replay"))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean ended = process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly().waitFor();
        }
        String text = Files.readString(output);
        assertThat(ended).as(text).isTrue();
        assertThat(process.exitValue()).as(text).isZero();
        assertThat(text).contains("Done: " + count + " dead letters replayed in one transaction, 0 skipped.");
        assertThat((long) count * rawValue.length).as("the raw values together, against the heap").isGreaterThan((96L << 20) * 14 / 10);

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long committed = countValues(platform, origin.name(), rawValue.length);
        while (committed < count && System.nanoTime() < deadline) {
            Thread.sleep(200);
            committed = countValues(platform, origin.name(), rawValue.length);
        }
        assertThat(committed).as("committed records of " + origin.name() + " with the raw value's length").isEqualTo(count);
    }

    /**
     * The replay sends as it reads trade.dlq the second time, in trade.dlq's order: by offset within its partitions
     * and the earliest first across them, so the dead letters of a series (here all to trade.records/2) reach their
     * partition in the order they occurred, as when the replay sent them from memory in the listing's order.
     */
    @Test
    void shouldSendEveryTargetPartitionItsRecordsInTheOrderTheyWereDeadLettered(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopicsWithTwoDeadLetterPartitions(platform, prefix);
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        String dlq = topics.deadLetters().name();
        byte[] rawKey = rawKey(origin, chinaExportsToUs());
        byte[] rawValue = rawValue(origin, chinaExportsToUs());
        // Occurred at minute 1 to 5, alternating between the partitions of trade.dlq: 0/0, 1/0, 0/1, 1/1, 0/2.
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            for (int minute = 1; minute <= 5; minute++) {
                sendTo(producer, topics.deadLetters(), (minute + 1) % 2, refused("refused", origin.name(), 2, minute, rawKey, rawValue,
                        AT.plusSeconds(60L * minute)));
                producer.flush();
            }
        }
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        Run replayed = run(connection, "--replay");

        assertThat(replayed.code()).as(replayed.err()).isZero();
        List<String> order = List.of(dlq + "/0/0", dlq + "/1/0", dlq + "/0/1", dlq + "/1/1", dlq + "/0/2");
        assertThat(replayed.out().lines().filter(l -> l.startsWith("sent ")).map(l -> l.split(" ")[1]).toList())
                .containsExactlyElementsOf(order);
        assertThat(awaitCommitted(platform, origin.name(), 5).stream().map(r -> r.headers().get(DlqCommand.REPLAYED_FROM_HEADER)))
                .as("arrived on " + origin.name() + "/2 in the order they occurred").containsExactlyElementsOf(order);
    }

    /**
     * trade.dlq is read twice: once to list and check, once to send. Its retention may delete a dead letter between
     * the two; the replay then fails naming it, and what it had sent of the others is aborted with the transaction:
     * nothing is published. (Here dlq/1/0 is deleted once dlq/0/0 and dlq/0/1, which occurred before it, are listed.)
     */
    @Test
    void shouldPublishNothingWhenRetentionDeletesADeadLetterBetweenTheTwoReads(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopicsWithTwoDeadLetterPartitions(platform, prefix);
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        String dlq = topics.deadLetters().name();
        byte[] rawKey = rawKey(origin, chinaExportsToUs());
        byte[] rawValue = rawValue(origin, chinaExportsToUs());
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            long originOffset = 5; // three records' dead letters: one record's copies would be replayed once
            for (int partition : new int[] {0, 0, 1}) {
                sendTo(producer, topics.deadLetters(), partition, refused("refused", origin.name(), 3, originOffset++, rawKey,
                        rawValue, Instant.now()));
                producer.flush();
            }
        }
        DlqCommand command = new DlqCommand();
        command.beforeSecondRead = () -> {
            try (Admin admin = Admin.create(client(platform))) {
                admin.deleteRecords(Map.of(new TopicPartition(dlq, 1), RecordsToDelete.beforeOffset(1))).all().get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };

        Run replay = run(command, new String[] {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix}, "--replay");

        assertThat(replay.code()).as(replay.out()).isEqualTo(1);
        assertThat(replay.err().lines().findFirst().orElseThrow()).startsWith("tradepulse dlq failed: the replay was "
                + "aborted, nothing was published: " + dlq + " changed between the two reads of the replay: " + dlq
                + "/1/0 was selected by the first, and it is no longer there: its retention deleted it (partition 1 now "
                + "starts at offset 1)");
        assertThat(replay.out()).contains("3 of 3 dead letters on " + dlq + " matched").doesNotContain("sent ", "Done");
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_COMMITTED)).as("nothing published").isEmpty();
    }

    /**
     * The replay is one transaction, open from its first send to its commit. Its timeout is set for a long replay
     * (15 min, the brokers' default maximum; the producer's 60 s was for transactions of a moment); one that does not
     * finish within it fails, aborted, nothing published (here 1 ms, with --config), and a timeout above what the
     * brokers allow is refused before anything is sent (exit 2) naming the key, rather than failing with Kafka's
     * "InvalidTxnTimeoutException".
     */
    @Test
    void shouldPublishNothingWhenTheReplayOutlastsItsTransactionTimeoutAndRefuseOneTheBrokersDoNotAllow(
            EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        byte[] rawKey = rawKey(origin, chinaExportsToUs());
        byte[] rawValue = rawValue(origin, chinaExportsToUs());
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            for (int i = 0; i < 3; i++) {
                producer.send(topics.deadLetters(), origin.name() + "/1/" + i, refused("refused", origin.name(), 1, i, rawKey, rawValue, Instant.now()));
            }
            producer.flush();
        }

        Run late = run(connection(platform, prefix, "transaction.timeout.ms=1"), "--replay");
        assertThat(late.code()).as(late.out()).isEqualTo(1);
        assertThat(late.err().lines().findFirst().orElseThrow()).startsWith("tradepulse dlq failed: the replay was "
                + "aborted, nothing was published: not done within transaction.timeout.ms=1 ms (PT0.001S) after ")
                .contains("narrow the replay (--stage, ", "set a longer transaction.timeout.ms in --config");
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_COMMITTED)).as("nothing published").isEmpty();

        int aborted = readRaw(platform, origin.name(), IsolationLevel.READ_UNCOMMITTED).size();
        Run refused = run(connection(platform, prefix, "transaction.timeout.ms=3600000"), "--replay");
        assertThat(refused.code()).as(refused.err()).isEqualTo(2);
        assertThat(refused.err().lines().findFirst().orElseThrow()).startsWith("Refused: the replay's transaction may "
                + "last up to transaction.timeout.ms=3600000 ms, more than the brokers allow (their "
                + "transaction.max.timeout.ms); nothing was sent.");
        assertThat(refused.err()).doesNotContain("\tat ");
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_UNCOMMITTED)).as("nothing sent").hasSize(aborted);

        Run replayed = run(connection(platform, prefix, ""), "--replay");
        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("Done: 3 dead letters replayed in one transaction, 0 skipped.");
    }

    /**
     * Ctrl-C (SIGTERM) in the middle of a replay aborts its transaction at once. Without that, the JVM ended with the
     * transaction open and read_committed readers of the target partitions (the processor) waited at its first record
     * until transaction.timeout.ms (15 min for a replay) aborted it. The replay is slowed by a broker quota on its
     * client id, so it is surely mid-transaction when it is stopped. The command says so on its way out.
     */
    @Test
    void shouldAbortTheReplaysTransactionAtOnceWhenStoppedWithCtrlC(EmbeddedPlatform platform) throws Exception {
        String prefix = newPrefix();
        TopicCatalog topics = createdTopics(platform, prefix);
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        byte[] rawKey = rawKey(origin, chinaExportsToUs());
        byte[] rawValue = new byte[500_000];
        new java.util.Random(7).nextBytes(rawValue);
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            for (int i = 0; i < 40; i++) {
                producer.send(topics.deadLetters(), origin.name() + "/0/" + i, refused("above the KRW limit", origin.name(), 0, i, rawKey,
                        rawValue, AT.plusSeconds(i)));
            }
            producer.flush();
        }
        String clientId = "dlq-replay-slow-" + prefix;
        String transactionalId = "tradepulse-dlq-replay-" + topics.deadLetters().name();
        try (Admin admin = Admin.create(client(platform))) {
            // 20 MB at 1 MB/s: about 20 s, far more than it takes to see the transaction open and stop the replay.
            admin.alterClientQuotas(List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration(
                    new org.apache.kafka.common.quota.ClientQuotaEntity(Map.of(
                            org.apache.kafka.common.quota.ClientQuotaEntity.CLIENT_ID, clientId)),
                    List.of(new org.apache.kafka.common.quota.ClientQuotaAlteration.Op("producer_byte_rate", 1_000_000.0)))))
                    .all().get();
            String[] connection = connection(platform, prefix, "client.id=" + clientId);
            List<String> command = ChildJvm.command("256m", Main.class, "dlq");
            command.addAll(List.of(connection));
            command.add("--replay");
            Path output = Files.createTempFile(scratch, "dlq-replay-ctrl-c", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            try {
                await(() -> state(admin, transactionalId) == org.apache.kafka.clients.admin.TransactionState.ONGOING, Duration.ofSeconds(60),
                        () -> "the replay's transaction open; output: " + Files.readString(output));
                process.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM runs its shutdown hooks
                assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("the replay ends").isTrue();
                // It ended with the listing: nothing said whether the replay had been published, or was to run again.
                assertThat(Files.readString(output)).as("what the operator is told").contains("Stopped (Ctrl-C or "
                        + "SIGTERM): the replay's transaction was aborted, nothing was published; run it again to replay.");
                await(() -> state(admin, transactionalId) != org.apache.kafka.clients.admin.TransactionState.ONGOING, Duration.ofSeconds(20),
                        () -> "the transaction no longer open (the timeout is 15 min); output: " + Files.readString(output));
            } finally {
                process.destroyForcibly();
            }
        }
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_COMMITTED)).as("nothing published").isEmpty();
    }

    /** The state of a transactional id's transaction as its coordinator describes it; UNKNOWN before its first one. */
    private static org.apache.kafka.clients.admin.TransactionState state(Admin admin, String transactionalId) {
        try {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get().state();
        } catch (Exception notYet) {
            return org.apache.kafka.clients.admin.TransactionState.UNKNOWN;
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private interface Why {
        String text() throws Exception;
    }

    private static void await(Check check, Duration within, Why why) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + why.text());
            }
            Thread.sleep(50);
        }
    }

    private static final Instant AT = Instant.parse("2026-11-29T10:00:00Z");

    /** The processor's VALIDATION dead letter of the record read at {@code topic}/{@code partition}/{@code offset}. */
    private static DeadLetter refused(String reason, String topic, int partition, long offset, byte[] rawKey,
                                      byte[] rawValue, Instant occurredAt) {
        return DeadLetter.newBuilder().setStage(DeadLetterStage.VALIDATION).setReason(reason).setOriginTopic(topic)
                .setOriginPartition(partition).setOriginOffset(offset).setRawKey(ByteBuffer.wrap(rawKey))
                .setRawValue(ByteBuffer.wrap(rawValue)).setOccurredAt(occurredAt).build();
    }

    /** The connection options, with a --config file holding {@code properties}. */
    private static String[] connection(EmbeddedPlatform platform, String prefix, String properties) throws Exception {
        Path config = Files.writeString(Files.createTempFile(scratch, "dlq-replay", ".properties"), properties + "\n");
        return new String[] {"--config", config.toString(), "--bootstrap-servers", platform.bootstrapServers(),
            "--schema-registry-url", platform.registryUrl(), "--topic-prefix", prefix};
    }

    /** The catalog under {@code prefix}, its topics created, trade.dlq with two partitions (it has one by default). */
    private static TopicCatalog createdTopicsWithTwoDeadLetterPartitions(EmbeddedPlatform platform, String prefix) throws Exception {
        TopicCatalog topics = catalog(platform, prefix);
        try (Admin admin = Admin.create(client(platform))) {
            admin.createTopics(List.of(new NewTopic(topics.deadLetters().name(), 2, (short) 1))).all().get();
        }
        Pipeline.createTopics(client(platform), topics);
        return topics;
    }

    /** A dead letter to partition {@code partition} of trade.dlq, keyed by its origin as the processor keys it. */
    private static void sendTo(CatalogProducer producer, Topic<String, DeadLetter> dlq, int partition, DeadLetter dl) {
        String key = dl.getOriginTopic() + "/" + dl.getOriginPartition() + "/" + dl.getOriginOffset();
        producer.send(new ProducerRecord<>(dlq.name(), partition, dlq.keySerde().serializer().serialize(dlq.name(), key),
                dlq.valueSerde().serializer().serialize(dlq.name(), dl)));
    }

    /** How many committed records of {@code topic} have a value of {@code length} bytes, holding none of them. */
    private static long countValues(EmbeddedPlatform platform, String topic, int length) {
        Map<String, Object> props = new HashMap<>(client(platform));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        long[] n = {0};
        Pipeline.readToEnd(props, topic, Duration.ofSeconds(30), r -> n[0] += r.value().length == length ? 1 : 0);
        return n[0];
    }

    private static Run run(String[] connection, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> argv = new ArrayList<>(List.of("dlq"));
        argv.addAll(List.of(connection));
        argv.addAll(List.of(args));
        int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(argv.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** {@link #run} with {@code command}: its seams set by the test. */
    private static Run run(DlqCommand command, String[] connection, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> argv = new ArrayList<>(List.of(connection));
        argv.addAll(List.of(args));
        int code = new CommandLine(command).setExecutionExceptionHandler(Main::failed).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(argv.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * The committed records of {@code topic} once there are {@code n}: a commit returns before its markers reach
     * every partition, so a read at once can stop at a last stable offset still before them.
     */
    private static List<Raw> awaitCommitted(EmbeddedPlatform platform, String topic, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<Raw> records = readRaw(platform, topic, IsolationLevel.READ_COMMITTED);
        while (records.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(200);
            records = readRaw(platform, topic, IsolationLevel.READ_COMMITTED);
        }
        assertThat(records).as("committed records of " + topic).hasSize(n);
        assertThat(readRaw(platform, topic, IsolationLevel.READ_UNCOMMITTED)).as("and nothing else written").hasSize(n);
        return records;
    }

    /** Every record of {@code topic} a reader with {@code isolation} sees, as bytes. */
    private static List<Raw> readRaw(EmbeddedPlatform platform, String topic, IsolationLevel isolation) {
        Map<String, Object> props = new HashMap<>(client(platform));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<Raw> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).as("reached the end of " + topic).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, String> headers = new HashMap<>();
                    for (Header h : r.headers()) {
                        headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                    }
                    records.add(new Raw(r.partition(), r.key(), r.value(), headers));
                }
            }
        }
        return records;
    }


}
