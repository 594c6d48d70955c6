package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.streams.RecordsPartitioner;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.lang.reflect.RecordComponent;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code tradepulse dlq}'s options and filters, without a cluster ({@link DlqCommandIT} runs it on one). */
class DlqCommandTest {

    private static DlqCommand parse(String... args) {
        DlqCommand cmd = new DlqCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    private static DeadLetter letter(DeadLetterStage stage, String originTopic, String reason, String occurredAt) {
        return DeadLetter.newBuilder().setStage(stage).setReason(reason).setOriginTopic(originTopic)
                .setOriginPartition(originTopic == null ? null : 0).setOriginOffset(originTopic == null ? null : 7L)
                .setRawValue(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1, 2}))
                .setOccurredAt(Instant.parse(occurredAt)).build();
    }

    @Test
    void shouldMatchEveryFilterWhenAllAreGiven() {
        DlqCommand.Filter f = parse("--stage", "VALIDATION", "--stage", "DESERIALIZATION", "--origin-topic", "trade.records",
                "--reason-contains", "krw", "--since", "2026-11-01", "--until", "2026-11-30").filter();

        assertThat(f.matches(letter(DeadLetterStage.VALIDATION, "trade.records", "above the KRW limit", "2026-11-30T23:59:59Z"))).isTrue();
        assertThat(f.matches(letter(DeadLetterStage.DESERIALIZATION, "trade.records", "KRW", "2026-11-01T00:00:00Z"))).isTrue();
        assertThat(f.matches(letter(DeadLetterStage.PROCESSING, "trade.records", "KRW", "2026-11-15T00:00:00Z"))).as("stage").isFalse();
        assertThat(f.matches(letter(DeadLetterStage.VALIDATION, "trade.records.derived", "KRW", "2026-11-15T00:00:00Z"))).as("topic").isFalse();
        assertThat(f.matches(letter(DeadLetterStage.VALIDATION, "trade.records", "JPY", "2026-11-15T00:00:00Z"))).as("reason").isFalse();
        assertThat(f.matches(letter(DeadLetterStage.VALIDATION, "trade.records", "KRW", "2026-10-31T23:59:59Z"))).as("since").isFalse();
        assertThat(f.matches(letter(DeadLetterStage.VALIDATION, "trade.records", "KRW", "2026-12-01T00:00:00Z"))).as("until").isFalse();
    }

    @Test
    void shouldTakeAnInstantAsAnExclusiveUpperBoundWhenUntilIsNoDate() {
        DlqCommand.Filter f = parse("--until", "2026-11-30T08:00:00Z").filter();

        assertThat(f.until()).isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
        assertThat(f.matches(letter(DeadLetterStage.INGEST, null, "r", "2026-11-30T08:00:00Z"))).isFalse();
        assertThat(f.matches(letter(DeadLetterStage.INGEST, null, "r", "2026-11-30T07:59:59.999Z"))).isTrue();
    }

    @Test
    void shouldRefuseATimeThatIsNeitherAnInstantNorADate() {
        assertThatThrownBy(() -> parse("--since", "yesterday").filter())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--since yesterday: expected an instant");
    }

    /** {@code --reason-contains ''} (an unset shell variable) matched every dead letter, and replayed them all. */
    @Test
    void shouldRefuseAnEmptyReasonContainsWhenParsingTheFilters() {
        assertThatThrownBy(() -> parse("--reason-contains", "", "--replay").filter())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--reason-contains must not be empty");
        assertThat(parse("--reason-contains", " ").filter().reasonContains()).as("a blank is text to look for").isEqualTo(" ");
    }

    @Test
    void shouldRefuseSinceNotBeforeUntil() {
        assertThatThrownBy(() -> parse("--since", "2026-11-30", "--until", "2026-11-29").filter())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("is not before --until");
    }

    @Test
    void shouldRefuseReplayOptionsWithoutReplay() {
        assertThatThrownBy(() -> parse("--dry-run").filter()).hasMessageContaining("--dry-run is used with --replay only");
        assertThatThrownBy(() -> parse("--to-topic", "t").filter()).hasMessageContaining("--to-topic is used with --replay only");
        assertThatThrownBy(() -> parse("--limit", "0").filter()).hasMessageContaining("--limit must be 1 or more");
    }

    @Test
    void shouldRefuseAnUnknownStageNamingTheAllowedOnes() {
        assertThatThrownBy(() -> parse("--stage", "VALIDATON"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("VALIDATION");
    }

    @Test
    void shouldSayWhyWhenADeadLetterCannotBeReplayed() {
        DeadLetter row = DeadLetter.newBuilder(letter(DeadLetterStage.INGEST, null, "bad row", "2026-11-30T00:00:00Z")).build();
        DeadLetter item = DeadLetter.newBuilder(row).setStage(DeadLetterStage.PROCESSING).setRawValue(null).build();
        DeadLetter oldValidation = DeadLetter.newBuilder(letter(DeadLetterStage.VALIDATION, "trade.records", "r", "2026-11-01T00:00:00Z"))
                .setRawValue(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 5, 6})).build();
        DeadLetter validation = letter(DeadLetterStage.VALIDATION, "trade.records", "r", "2026-11-30T00:00:00Z");

        assertThat(DlqCommand.notReplayable(new DlqCommand.Entry(0, 1, "file:x.csv:3", row))).contains("not a Kafka record");
        assertThat(DlqCommand.notReplayable(new DlqCommand.Entry(0, 2, "rollup-cell:x", item))).contains("punctuation item");
        assertThat(DlqCommand.notReplayable(new DlqCommand.Entry(0, 3, "k", oldValidation))).contains("single-object");
        assertThat(DlqCommand.notReplayable(new DlqCommand.Entry(0, 4, "trade.records/0/7", validation))).isNull();
    }

    @Test
    void shouldHoldOnlyTheLineAndTheFactsOfAMatchWhenListingOrReplayingNotItsRawBytes() {
        DeadLetter dl = DeadLetter.newBuilder(letter(DeadLetterStage.VALIDATION, "trade.records", "r", "2026-11-30T08:00:00Z"))
                .setRawKey(ByteBuffer.allocate(1024)).setRawValue(ByteBuffer.allocate(1 << 20)).build();
        DlqCommand.Entry entry = new DlqCommand.Entry(1, 9, "trade.records/0/7", dl);

        DlqCommand.Kept listed = DlqCommand.Kept.of(entry, null);
        DlqCommand.Kept replayed = DlqCommand.Kept.of(entry, DlqCommand.Facts.of("trade.dlq", entry, null, new HashMap<>()));

        // Held for every match until the end of the read (a replay: until it is sent): not the MB of raw value.
        assertThat(listed.facts()).isNull();
        assertThat(listed.line()).isEqualTo(DlqCommand.line(entry));
        assertThat(listed.occurredAt()).isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
        long rawHash = (long) ByteBuffer.allocate(1024).hashCode() << 32
                | (ByteBuffer.allocate(1 << 20).hashCode() & 0xFFFFFFFFL);
        assertThat(replayed.facts()).isEqualTo(new DlqCommand.Facts(null, "trade.records", 0, 7, 1024, 1 << 20, rawHash,
                null, null));
        assertThat(replayed.isReadAgainAs(dl)).isTrue();
        for (Class<?> held : List.of(DlqCommand.Kept.class, DlqCommand.Facts.class)) {
            assertThat(Arrays.stream(held.getRecordComponents()).map(RecordComponent::getType))
                    .as("what %s can hold", held.getSimpleName())
                    .allMatch(t -> t.isPrimitive() || t == String.class || t == Integer.class || t == Instant.class
                            || t == SeriesKey.class || t == DlqCommand.Facts.class);
        }
    }

    @Test
    void shouldKeepTheOriginAndWhyOfAMatchThatCannotBeReplayedAndShareItsOriginTopic() {
        DeadLetter row = DeadLetter.newBuilder(letter(DeadLetterStage.INGEST, null, "bad row", "2026-11-30T00:00:00Z")).build();
        Map<String, String> topicNames = new HashMap<>();
        DeadLetter a = letter(DeadLetterStage.VALIDATION, new String("trade.records"), "r", "2026-11-30T00:00:00Z");
        DeadLetter b = letter(DeadLetterStage.VALIDATION, new String("trade.records"), "r", "2026-11-30T00:00:01Z");

        DlqCommand.Facts skipped = DlqCommand.Facts.of("trade.dlq", new DlqCommand.Entry(0, 1, "file:x.csv:3", row), null, topicNames);
        DlqCommand.Facts first = DlqCommand.Facts.of("trade.dlq", new DlqCommand.Entry(0, 2, "k", a), null, topicNames);
        DlqCommand.Facts second = DlqCommand.Facts.of("trade.dlq", new DlqCommand.Entry(0, 3, "k", b), null, topicNames);

        assertThat(skipped.skip()).startsWith("file:x.csv:3: not a Kafka record");
        assertThat(first.skip()).isNull();
        assertThat(second.originTopic()).as("one instance per topic name").isSameAs(first.originTopic());
    }

    @Test
    void shouldTellADeadLetterReadAgainFromAnotherAtTheSameOffset() {
        DeadLetter dl = letter(DeadLetterStage.VALIDATION, "trade.records", "r", "2026-11-30T08:00:00Z");
        DlqCommand.Kept kept = DlqCommand.Kept.of(new DlqCommand.Entry(0, 4, "k", dl),
                DlqCommand.Facts.of("trade.dlq", new DlqCommand.Entry(0, 4, "k", dl), null, new HashMap<>()));

        assertThat(kept.isReadAgainAs(dl)).isTrue();
        assertThat(kept.isReadAgainAs(DeadLetter.newBuilder(dl).setOccurredAt(Instant.parse("2026-11-30T08:00:01Z")).build())).isFalse();
        assertThat(kept.isReadAgainAs(DeadLetter.newBuilder(dl).setOriginPartition(1).build())).isFalse();
        assertThat(kept.isReadAgainAs(DeadLetter.newBuilder(dl).setRawValue(ByteBuffer.allocate(3)).build())).isFalse();
        assertThat(kept.isReadAgainAs(null)).as("a tombstone").isFalse();
    }

    /**
     * One input record can have several dead letters (a tariff event's, written by every instance's global thread and
     * again at each start; a record processed again under at_least_once): each copy was replayed, the record sent as
     * often. The first is replayed, the copies skipped naming it; a record at the same origin offset with other bytes
     * (its topic created again since) is another record, and one without a known origin offset is never a copy.
     */
    @Test
    void shouldReplayARecordOnceWhenItWasDeadLetteredMoreThanOnce() {
        DeadLetter event = letter(DeadLetterStage.DESERIALIZATION, "tariff.events", "bad", "2026-11-30T08:00:00Z");
        DeadLetter other = DeadLetter.newBuilder(event).setRawValue(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1, 3}))
                .build();
        DeadLetter noOffset = DeadLetter.newBuilder(event).setOriginOffset(null).build();
        List<DlqCommand.Kept> selected = new ArrayList<>();
        long offset = 0;
        for (DeadLetter dl : List.of(event, event, other, noOffset, noOffset, event)) {
            DlqCommand.Entry e = new DlqCommand.Entry(0, offset++, "k", dl);
            selected.add(DlqCommand.Kept.of(e, DlqCommand.Facts.of("trade.dlq", e, null, new HashMap<>())));
        }

        List<DlqCommand.Kept> kept = DlqCommand.skipRepeats("trade.dlq", selected);

        assertThat(kept).extracting(k -> k.facts().skip()).containsExactly(null,
                "tariff.events/0/7: the same record as trade.dlq/0/0 (dead-lettered more than once), replayed once, as "
                        + "that one", null, null, null,
                "tariff.events/0/7: the same record as trade.dlq/0/0 (dead-lettered more than once), replayed once, as "
                        + "that one");
        assertThat(kept).extracting(DlqCommand.Kept::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    }

    /**
     * A replay refused for hundreds of thousands of dead letters (a --to-topic typo after a wrong value limit) joined a
     * line per dead letter by repeated concatenation: quadratic, so the refusal meant to come at once took hours, and
     * then printed every line of the same cause. It names the first ones at once and counts the others.
     */
    @Test
    void shouldRefuseAtOnceNamingTheFirstDeadLettersWhenHundredsOfThousandsCannotBeSent() {
        List<String> problems = IntStream.range(0, 300_000)
                .mapToObj(i -> "trade.dlq/0/" + i + " -> trade.recrods: topic trade.recrods does not exist").toList();

        ReplayRefusedException refused = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> new ReplayRefusedException(300_000, problems));

        List<String> lines = refused.getMessage().lines().toList();
        assertThat(lines).hasSize(1 + ReplayRefusedException.LISTED + 1);
        assertThat(lines.get(0)).isEqualTo("300000 of 300000 dead letters to replay cannot be sent where they belong; "
                + "nothing was sent:");
        assertThat(lines.get(1)).isEqualTo("  trade.dlq/0/0 -> trade.recrods: topic trade.recrods does not exist");
        assertThat(lines.get(ReplayRefusedException.LISTED)).startsWith("  trade.dlq/0/99 -> ");
        assertThat(lines.get(lines.size() - 1)).startsWith("  ... and 299900 more, not listed");
        assertThat(new ReplayRefusedException(3, problems.subList(0, 2)).getMessage().lines())
                .as("a few are all listed").hasSize(3);
    }

    /**
     * The second read follows each partition of trade.dlq forward once, so the sends go in trade.dlq's order: by offset
     * within a partition (even where a clock went back), and the earliest next one first across partitions.
     */
    @Test
    void shouldSendInOffsetOrderWithinAPartitionOfTheDeadLetterTopicAndEarliestFirstAcrossThem() {
        DlqCommand.Send p0o1 = send(0, 1, "2026-11-30T10:00:00Z");
        DlqCommand.Send p0o2 = send(0, 2, "2026-11-30T09:00:00Z"); // the clock went back
        DlqCommand.Send p0o3 = send(0, 3, "2026-11-30T11:00:00Z");
        DlqCommand.Send p1o5 = send(1, 5, "2026-11-30T09:30:00Z");
        DlqCommand.Send p1o6 = send(1, 6, "2026-11-30T10:30:00Z");
        List<DlqCommand.Send> listingOrder = new ArrayList<>(List.of(p0o2, p1o5, p0o1, p1o6, p0o3));

        assertThat(DlqCommand.sendOrder(listingOrder)).containsExactly(p1o5, p0o1, p0o2, p1o6, p0o3);
        assertThat(DlqCommand.sendOrder(List.of(p0o3, p0o1))).containsExactly(p0o1, p0o3);
        assertThat(DlqCommand.sendOrder(List.of())).isEmpty();
    }

    private static DlqCommand.Send send(int partition, long offset, String occurredAt) {
        DlqCommand.Kept k = new DlqCommand.Kept(Instant.parse(occurredAt), partition, offset, "line",
                new DlqCommand.Facts(null, "trade.records", 0, offset, 10, 20, 0, null, null));
        return new DlqCommand.Send(k, "trade.records", 0);
    }

    /**
     * A dry run of --to-topic trade.records chose each series' partition by serializing its key for trade.records, and
     * with auto.register.schemas=true (the default) that registered trade.records-key when the registry did not have
     * it: a dry run changed the registry. It now only looks the schema up: not there, the partition is unknown (the id
     * the replay's registration gets chooses it), and nothing is registered; there, it is the replay's partition.
     */
    @Test
    void shouldRegisterNothingWhenADryRunChoosesTheSeriesPartitionOfAKeySchemaNotRegisteredYet() {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        ProcessorConfig config = new ProcessorConfig(Map.of(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                ProcessorConfig.REGISTRY_CLIENT_INSTANCE, registry));
        TopicCatalog topics = config.topicCatalog();
        String records = topics.records().name();
        SeriesKey key = new SeriesKey("CHN", "USA", Flow.EXPORT, "8517");

        Integer dryRun = DlqCommand.seriesPartition(DlqCommand.seriesPartitioner(config, topics, true), key, 6, records);

        assertThat(dryRun).as("not known before the replay registers the key schema").isNull();
        assertThat(registry.getAllSubjects()).as("a dry run registers nothing").isEmpty();

        Integer replayed = DlqCommand.seriesPartition(DlqCommand.seriesPartitioner(config, topics, false), key, 6, records);
        Integer dryRunOnceRegistered = DlqCommand.seriesPartition(DlqCommand.seriesPartitioner(config, topics, true), key, 6,
                records);

        assertThat(registry.getAllSubjects()).as("the replay registers it").containsExactly(records + "-key");
        assertThat(replayed).isEqualTo(new RecordsPartitioner(topics.records()).partition(key, 6));
        assertThat(dryRunOnceRegistered).as("the replay's partition").isEqualTo(replayed);
    }

    @Test
    void shouldTakeFifteenMinutesForTheReplaysTransactionUnlessTheConfigurationSaysOtherwise() {
        assertThat(new DlqCommand.ReplaySettings(Map.of()).transactionTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(new DlqCommand.ReplaySettings(Map.of("transaction.timeout.ms", "60000", "linger.ms", "5"))
                .transactionTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> new DlqCommand.ReplaySettings(Map.of("transaction.timeout.ms", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("transaction.timeout.ms").hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new DlqCommand.ReplaySettings(Map.of("transaction.timeout.ms", "15min")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("transaction.timeout.ms");
    }

    /**
     * Both reads of trade.dlq: with the brokers' auto.create.topics.enable (Kafka's default), a read of a trade.dlq that
     * does not exist (a --topic-prefix typo) created it with the broker's defaults, in a listing or a dry run too.
     */
    @Test
    void shouldNeverLetAReadCreateTheDeadLetterTopicWhenItDoesNotExist() {
        assertThat(DlqCommand.readerSettings(Map.of("bootstrap.servers", "b:9092")))
                .containsEntry(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false)
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, DlqCommand.POLL_RECORDS);
        assertThat(DlqCommand.readerSettings(Map.of("bootstrap.servers", "b:9092", "allow.auto.create.topics", "true")))
                .as("not even when --config says so").containsEntry(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    }

    /**
     * --config is run's file, and run's producers and consumers take its producer.- and consumer.-prefixed keys over the
     * plain ones (Kafka Streams): the replay's producer, its transaction timeout and both reads took the plain keys
     * only, so a producer-only JAAS entry (the principal allowed the transactional id) was not used.
     */
    @Test
    void shouldGiveTheReplaysClientsThePrefixedKeysOfTheConfigWhenTheFileHasThem() {
        Map<String, Object> settings = Map.of("bootstrap.servers", "b:9092", "sasl.jaas.config", "plain",
                "producer.sasl.jaas.config", "producer-only", "consumer.sasl.jaas.config", "consumer-only",
                "transaction.timeout.ms", "60000", "producer.transaction.timeout.ms", "120000",
                "consumer.max.poll.records", "7", "producer.max.poll.records", "9");

        Duration timeout = new DlqCommand.ReplaySettings(settings).transactionTimeout();
        assertThat(timeout).isEqualTo(Duration.ofMinutes(2));
        assertThat(DlqCommand.producerSettings(settings, "trade.dlq", timeout))
                .containsEntry("bootstrap.servers", "b:9092").containsEntry("sasl.jaas.config", "producer-only")
                .containsEntry("transaction.timeout.ms", 120_000)
                .doesNotContainKeys("producer.sasl.jaas.config", "max.poll.records");
        assertThat(DlqCommand.readerSettings(settings))
                .containsEntry("bootstrap.servers", "b:9092").containsEntry("sasl.jaas.config", "consumer-only")
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "7")
                .doesNotContainKeys("consumer.sasl.jaas.config", "transaction.timeout.ms");
        assertThat(DlqCommand.readerSettings(Map.of("bootstrap.servers", "b:9092", "sasl.jaas.config", "plain")))
                .as("the plain keys without a prefixed one").containsEntry("sasl.jaas.config", "plain");
    }

    /**
     * A replay to trade.changes (or trade.signals) put a raw TradeRecord on the compacted output topic: the REST view
     * stalled on it for good and BI consumers could not decode it. Refused before anything is read, dry run too.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--to-topic trade.changes                             | --to-topic trade.changes is the processor's TradeChange output topic",
        "--to-topic trade.signals --dry-run                   | --to-topic trade.signals is the processor's TradeSignal output topic",
        "--topic-prefix p. --to-topic p.trade.changes         | --to-topic p.trade.changes is the processor's TradeChange output topic",
    })
    void shouldRefuseAReplayToAnOutputTopicBeforeConnectingWhenToTopicNamesOne(String options, String problem,
            @TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"),
                "bootstrap.servers=127.0.0.1:1\nschema.registry.url=http://127.0.0.1:1\n");
        List<String> args = new ArrayList<>(List.of("dlq", "--config", config.toString(), "--replay"));
        args.addAll(Arrays.asList(options.split(" ")));

        CliRun run = CliRun.execute(args.toArray(String[]::new));

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).startsWith(problem).contains("trade.records or ", "trade.records.derived");
    }

    /**
     * The processor's changelog and repartition topics are not in the catalog, so a replay there was let through: the
     * raw input records were restored into a store or read as repartitioned values. Kafka's own internal topics were
     * let through too, and the brokers refused the send only after trade.dlq had been read. Refused before anything
     * is read, dry run too, with the application.id of --config, or the processor's default.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "                     | --to-topic tradepulse-processor-series-history-changelog      | application.id tradepulse-processor",
        "                     | --to-topic tradepulse-processor-anything-repartition --dry-run | application.id tradepulse-processor",
        "application.id=desk2 | --to-topic desk2-rollup-by-parent-repartition --dry-run       | application.id desk2",
        "application.id=desk2 | --to-topic desk2-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog | application.id desk2",
        "                     | --to-topic __consumer_offsets                                 | one of Kafka's internal topics",
        "                     | --to-topic __transaction_state --dry-run                      | one of Kafka's internal topics",
    })
    void shouldRefuseAReplayToAnInternalTopicBeforeConnectingWhenToTopicNamesOne(String extraConfig, String options,
            String problem, @TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"), "bootstrap.servers=127.0.0.1:1\n"
                + "schema.registry.url=http://127.0.0.1:1\n" + (extraConfig == null ? "" : extraConfig + "\n"));
        List<String> args = new ArrayList<>(List.of("dlq", "--config", config.toString(), "--replay"));
        args.addAll(Arrays.asList(options.split(" ")));

        CliRun run = CliRun.execute(args.toArray(String[]::new));

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).startsWith(options.split(" ")[0] + " " + options.split(" ")[1] + " is ")
                .contains(problem, "trade.records or ");
    }

    @Test
    void shouldKeepAReplayToAUserTopicWhenItOnlyLooksLikeAnInternalTopic() {
        assertThat(DlqCommand.internalTopic("tradepulse-processor", "my.own.topic")).isNull();
        assertThat(DlqCommand.internalTopic("tradepulse-processor", "desk2-series-store-changelog"))
                .as("another application's: not the one the configuration resolves").isNull();
        assertThat(DlqCommand.internalTopic("tradepulse-processor", "tradepulse-processor-changelog"))
                .as("no store name: not Kafka Streams' naming").isNull();
        assertThat(DlqCommand.internalTopic("tradepulse-processor", "tradepulse-processor-audit"))
                .as("neither a changelog nor a repartition topic").isNull();
        assertThat(DlqCommand.internalTopic("tradepulse-processor", "__my_topic"))
                .as("an ordinary topic to Kafka").isNull();
        assertThat(DlqCommand.internalTopic("tradepulse-processor", null)).isNull();
    }

    @Test
    void shouldKeepAReplayToTheOtherRecordsTopicOrAUserTopicAndRefuseItAcrossValueTypesWhenToTopicIsInTheCatalog() {
        TopicCatalog topics = new ProcessorConfig(Map.of("bootstrap.servers", "b:9092",
                "schema.registry.url", "http://r:8081", "tradepulse.topic.prefix", "p.")).topicCatalog();

        assertThat(DlqCommand.sameValueType(topics, "p.trade.records.derived", "p.trade.records")).isTrue();
        assertThat(DlqCommand.sameValueType(topics, "p.tariff.events", "p.tariff.events")).isTrue();
        assertThat(DlqCommand.sameValueType(topics, "p.trade.records", "my.own.topic")).as("outside the catalog").isTrue();
        assertThat(DlqCommand.sameValueType(topics, "p.trade.records", "p.tariff.events")).isFalse();
        assertThat(DlqCommand.sameValueType(topics, "p.tariff.events", "p.trade.records.derived")).isFalse();
        assertThat(DlqCommand.outputTopic(topics, "trade.changes")).as("not this catalog's (no prefix)").isNull();
        assertThat(DlqCommand.outputTopic(topics, "p.trade.records")).isNull();
    }

    /** The replay's producer takes transaction.timeout.ms, producer.transaction.timeout.ms over it: each is checked. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "transaction.timeout.ms=-5                                  | Invalid value -5 for configuration transaction.timeout.ms",
        "transaction.timeout.ms=60000\\nproducer.transaction.timeout.ms=0 | Invalid value 0 for configuration producer.transaction.timeout.ms",
    })
    void shouldRefuseAnInvalidTransactionTimeoutOfAReplayNamingItsKeyBeforeConnecting(String timeouts, String problem,
            @TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"), "bootstrap.servers=127.0.0.1:1\n"
                + "schema.registry.url=http://127.0.0.1:1\n" + timeouts.replace("\\n", "\n") + "\n");

        CliRun run = CliRun.execute("dlq", "--config", config.toString(), "--replay");

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).startsWith("Invalid configuration: " + problem);
    }

    /**
     * With producer.transaction.timeout.ms in --config (the key the replay's producer takes), a replay that ran out of
     * time advised setting transaction.timeout.ms, which changes nothing.
     */
    @Test
    void shouldNameTheProducerPrefixedKeyInTheTimeoutAdviceWhenTheConfigHasIt() throws Exception {
        Map<String, Object> settings = Map.of("bootstrap.servers", "127.0.0.1:1", "transaction.timeout.ms", "60000",
                "producer.transaction.timeout.ms", "1");
        DlqCommand.ReplaySettings replay = new DlqCommand.ReplaySettings(settings);
        assertThat(new DlqCommand.ReplaySettings(Map.of("transaction.timeout.ms", "1")).transactionTimeoutKey())
                .isEqualTo("transaction.timeout.ms");
        TopicCatalog topics = new ProcessorConfig(Map.of(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                ProcessorConfig.REGISTRY_CLIENT_INSTANCE, new InMemorySchemaRegistryClient())).topicCatalog();

        try (DlqCommand.SecondRead read = new DlqCommand.SecondRead(DlqCommand.readerSettings(settings),
                topics.deadLetters(), List.of(), replay.transactionTimeout(), replay.transactionTimeoutKey())) {
            read.startClock();
            Thread.sleep(5);
            assertThatThrownBy(read::checkClock).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("not done within producer.transaction.timeout.ms=1 ms")
                    .hasMessageContaining("set a longer producer.transaction.timeout.ms in --config");
        }
    }

    @Test
    void shouldPrintTheOriginAndAShortenedReasonOnOneLine() {
        DeadLetter dl = DeadLetter.newBuilder(letter(DeadLetterStage.VALIDATION, "trade.records", "x".repeat(300) + "\nmore",
                "2026-11-30T08:00:00Z")).setSource("census").build();

        String line = DlqCommand.line(new DlqCommand.Entry(1, 9, "trade.records/0/7", dl));

        assertThat(line).startsWith("2026-11-30T08:00:00Z  VALIDATION       trade.records/0/7  source=census  xxx")
                .endsWith("...").doesNotContain("\n");
        assertThat(line.length()).isLessThan(200);
    }

    @Test
    void shouldTakeBadBytesAndAnUnknownSchemaIdForAnUndecodableRecord() {
        SerializationException magic = new SerializationException("Unknown magic byte 0x68 in data from topic 'trade.dlq'");
        SerializationException gone = new SerializationException("Error retrieving Avro schema for id 99",
                new SchemaRegistryException("Schema 99 not found", SchemaRegistryException.SCHEMA_NOT_FOUND, 404));

        assertThat(DlqCommand.whyUndecodable("trade.dlq/0/1", magic)).isEqualTo("Unknown magic byte 0x68 in data from topic 'trade.dlq'");
        assertThat(DlqCommand.whyUndecodable("trade.dlq/0/2", gone)).startsWith("Error retrieving Avro schema for id 99");
    }

    @Test
    void shouldFailTheRunWhenTheRegistryIsDownOrRefusesInsteadOfCallingTheRecordUndecodable() {
        SerializationException down = new SerializationException("Schema registry unavailable while fetching Avro schema id 5",
                new SchemaRegistryUnavailableException("Connection refused", SchemaRegistryException.NOT_FROM_REGISTRY,
                        SchemaRegistryException.NOT_FROM_REGISTRY, "GET /schemas/ids/5", new ConnectException("refused")));
        SerializationException unauthorized = new SerializationException("Error retrieving Avro schema for id 5",
                new SchemaRegistryException("Unauthorized", 401, 401));

        assertThatThrownBy(() -> DlqCommand.whyUndecodable("trade.dlq/0/3", down)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot decode trade.dlq/0/3: the schema registry is unavailable").hasCause(down);
        assertThatThrownBy(() -> DlqCommand.whyUndecodable("trade.dlq/0/4", unauthorized))
                .hasMessageStartingWith("cannot decode trade.dlq/0/4: the schema registry failed");
    }

    @Test
    void shouldListUndecodableRecordsOnlyWhenNoFilterLooksIntoTheDeadLetters() {
        assertThat(parse("--limit", "3").filter().narrowsByContent()).isFalse();
        assertThat(parse("--replay", "--to-topic", "t").filter().narrowsByContent()).isFalse();
        for (String[] filter : new String[][] {{"--stage", "INGEST"}, {"--origin-topic", "t"}, {"--reason-contains", "x"},
            {"--since", "2026-11-01"}, {"--until", "2026-11-01"}}) {
            assertThat(parse(filter).filter().narrowsByContent()).as(filter[0]).isTrue();
        }
    }

    @Test
    void shouldBeRegisteredAsASubcommandOfTradepulse() {
        CommandLine main = Main.commandLine();

        assertThat(main.getSubcommands()).containsKey("dlq");
        assertThat(main.getSubcommands().get("dlq").getUsageMessage()).contains("--stage", "--origin-topic",
                "--reason-contains", "--since", "--until", "--limit", "--replay", "--to-topic", "--dry-run", "--config",
                "--bootstrap-servers", "--schema-registry-url", "--topic-prefix", "tradepulse.replayed-from", "transaction.timeout.ms",
                "Exit codes:");
    }

    /**
     * The registry's "not found" (40401 subject, 40402 version, 40403 schema) is a key schema not registered; a plain
     * 404 (a schema.registry.url with the wrong path) is not, and "register the key schema" was the wrong advice.
     */
    @Test
    void shouldTakeOnlyTheRegistrysNotFoundCodesAsAKeySchemaNotRegistered() {
        for (int code : new int[] {SchemaRegistryException.SUBJECT_NOT_FOUND, SchemaRegistryException.VERSION_NOT_FOUND,
                SchemaRegistryException.SCHEMA_NOT_FOUND}) {
            assertThat(DlqCommand.keySchemaNotRegistered(new SerializationException("x",
                    new SchemaRegistryException("not found", code, 404)))).as("error code " + code).isTrue();
        }
        assertThat(DlqCommand.keySchemaNotRegistered(new SerializationException("x",
                new SchemaRegistryException("HTTP 404 Not Found", 404, 404)))).as("a plain 404").isFalse();
    }
}
