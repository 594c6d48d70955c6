package io.tradepulse.launcher;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.Resources;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import io.tradepulse.registry.serde.AvroSerdeConfig;
import io.tradepulse.streams.ProcessorConfig;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericContainer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.InvalidTxnTimeoutException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tradepulse dlq}: lists the dead letters on {@code trade.dlq} and re-produces the replayable ones to the
 * topic they came from. The processor's dead letters of an input record (DESERIALIZATION, VALIDATION, PROCESSING)
 * carry that record's key and value exactly as they were read and its origin topic/partition/offset, so once the
 * cause is fixed (a registry schema, a validation limit) producing those bytes back is the whole replay. A
 * connector's dead letter (a source row, origin {@code <file or URL>#<position>}, or the bundled ingest's
 * {@code file:<name>:<line>}) is no Kafka record and a punctuation
 * item's carries no value: those are listed and skipped, saying why. A record on the topic that is no dead letter
 * this release can read (a foreign producer's bytes, a schema id the registry no longer has) is counted and listed as
 * undecodable, and the run goes on; a registry that is down still fails the run.
 *
 * <p>The topic is read read_committed from the beginning up to the end offsets taken at start, so a run always
 * ends, also while the processor keeps dead-lettering. A replay checks every target topic and partition on the
 * cluster first (a refusal sends nothing) and is one transaction: a failed run publishes nothing. It reads the topic
 * twice, so that no dead letter is held whole: the first read lists and keeps a few facts per match, the second
 * (inside the transaction) reads the selected ones again and sends each as it is read.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE,
                Main.EXIT_SIGNAL},
        description = {"List the dead letters on trade.dlq and replay the processor's to the topic they came from.",
                "One line per matching dead letter: occurredAt, stage, origin (topic/partition/offset, or a "
                        + "connector's <file or URL>#<position> (the bundled ingest's file:<name>:<line>), or a "
                        + "punctuation item), source and reason; then the "
                        + "counts by stage. trade.dlq is read (read_committed) up to its end at start, so the "
                        + "command ends. A record there that cannot be decoded as a dead letter (not the wire format, "
                        + "a schema id the registry no longer has, another record) is counted and, unless a filter "
                        + "other than --limit is given, listed as 'undecodable <dlq topic>/<partition>/<offset>: <why>'; "
                        + "it is never replayed. A registry that does not answer fails the run (exit 1); a dead-letter "
                        + "topic that does not exist (a --topic-prefix typo, another cluster) refuses it (exit 2), and "
                        + "is never created by reading it.",
                "--replay re-produces each matching dead letter with a Kafka origin and a raw value: its raw key "
                        + "and value bytes, unchanged, to its origin topic and partition (or --to-topic), with the "
                        + "header tradepulse.replayed-from=<dlq topic>/<partition>/<offset>. All of them are one "
                        + "Kafka transaction (transactional.id in --config, default tradepulse-dlq-replay-<dlq "
                        + "topic>): a failed run publishes nothing. trade.dlq is read a second time to send them, each "
                        + "as it is read, in trade.dlq's order (no dead letter is held whole, whatever their number); "
                        + "the transaction may last transaction.timeout.ms (default 15 min, in --config; at most the "
                        + "brokers' transaction.max.timeout.ms): a replay that takes longer fails, nothing published "
                        + "(narrow it with the filters or --limit), and so does one whose dead letters are no longer "
                        + "there when read again (retention). Connector rows and punctuation items cannot be "
                        + "re-produced: they are listed as skipped, with why; so is a tariff.events record that is no "
                        + "longer its event's latest version (corrected or deleted since: replayed, the stale version "
                        + "would be the calendar's event again), and so is each later dead letter of a record "
                        + "dead-lettered more than once (same origin and bytes: a tariff event's is written by every "
                        + "instance, at each start): the record is sent once. Before anything is sent (and in a dry "
                        + "run) the target topics are described: a topic that does not exist or an origin partition it "
                        + "no longer has refuses the whole replay (exit 2), naming each dead letter. The processor "
                        + "handles a replayed record like a new one; replaying one twice is harmless."},
        footer = {"", "The --config file takes Kafka client keys (bootstrap.servers, security.protocol,",
                "sasl.*, ssl.*, transaction.timeout.ms ...), serde keys (schema.registry.url,",
                "basic.auth.*, bearer.auth.*) and tradepulse.topic.* keys; the properties file of",
                "'tradepulse run' works as is (its transaction.timeout.ms, or its",
                "producer.transaction.timeout.ms over it, applies to the replay too; producer.,",
                "consumer. and admin. keys go to those clients over the plain ones).",
                "--bootstrap-servers, --schema-registry-url and --topic-prefix",
                "override it.", "",
                "Examples:",
                "  tradepulse dlq --config app.properties",
                "  tradepulse dlq --config app.properties --stage VALIDATION --since 2026-11-01",
                "  tradepulse dlq --config app.properties --stage VALIDATION \\",
                "      --reason-contains KRW --replay --dry-run",
                "  tradepulse dlq --config app.properties --stage VALIDATION \\",
                "      --reason-contains KRW --replay"})
final class DlqCommand implements Callable<Integer> {

    /** The header a replayed record carries: where on trade.dlq it was replayed from. */
    static final String REPLAYED_FROM_HEADER = "tradepulse.replayed-from";
    /** How long reading trade.dlq to its end may take before the run fails (and a second read may stall). */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);
    /** The records a poll of trade.dlq hands over at most, unless --config sets max.poll.records: see {@link #readerSettings}. */
    static final int POLL_RECORDS = 50;
    private static final int REASON_LENGTH = 100;

    @CommandLine.Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--stage", paramLabel = "STAGE",
            description = "Only dead letters of this stage (repeatable): ${COMPLETION-CANDIDATES}.")
    List<DeadLetterStage> stages = new ArrayList<>();

    @Option(names = "--origin-topic", paramLabel = "TOPIC",
            description = "Only dead letters of records read from this topic (its full name, with the prefix).")
    String originTopic;

    @Option(names = "--reason-contains", paramLabel = "TEXT", description = "Only dead letters whose reason contains this text (case-insensitive).")
    String reasonContains;

    @Option(names = "--since", paramLabel = "INSTANT|DATE",
            description = "Only dead letters that occurred at or after this instant (2026-11-30T08:00:00Z) or the start of this "
                    + "date (UTC). A connector's dead letters carry the publication time of the payload they came from "
                    + "as occurredAt, not the time they were written.")
    String since;

    @Option(names = "--until", paramLabel = "INSTANT|DATE",
            description = "Only dead letters that occurred before this instant, or on or before this date (UTC).")
    String until;

    @Option(names = "--limit", paramLabel = "N", description = "At most the N earliest matching dead letters (listed and replayed).")
    Integer limit;

    @Option(names = "--replay", description = "Re-produce the matching replayable dead letters to their origin topic, in one transaction.")
    boolean replay;

    @Option(names = "--to-topic", paramLabel = "TOPIC",
            description = "With --replay: produce to this topic instead of the origin, to the partition of the key: for "
                    + "trade.records and trade.records.derived the series' partition as the processor chooses it, "
                    + "for any other topic the producer's partitioner on the raw key; refused when the replayable "
                    + "matches come from more than one topic, for the processor's output topics (trade.changes, "
                    + "trade.signals), the processor's internal topics (<application.id>-...-changelog, "
                    + "-repartition), Kafka's (__consumer_offsets, __transaction_state ...) and between trade records "
                    + "and tariff.events.")
    String toTopic;

    @Option(names = "--dry-run", description = "With --replay: print what would be sent, and send nothing.")
    boolean dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs between the replay's two reads of trade.dlq (after the targets are checked, before the second read and its
     * transaction start). Nothing by default; a seam for tests that change trade.dlq between the reads, as its
     * retention can.
     */
    Runnable beforeSecondRead = () -> { };

    /** One dead letter as read: where on trade.dlq, its key (the origin it names) and its value. */
    record Entry(int partition, long offset, String key, DeadLetter letter) {
        /** The origin as a reader finds it: topic/partition/offset for a Kafka record, else the key. */
        String origin() {
            return letter.getOriginTopic() != null
                    ? letter.getOriginTopic() + "/" + letter.getOriginPartition() + "/" + letter.getOriginOffset()
                    : String.valueOf(key);
        }
    }

    /** The filters of the command line, checked. {@code until} is exclusive; null bounds are open. */
    record Filter(Set<DeadLetterStage> stages, String originTopic, String reasonContains, Instant since, Instant until) {
        boolean matches(DeadLetter dl) {
            Instant at = dl.getOccurredAt();
            return (stages.isEmpty() || stages.contains(dl.getStage()))
                    && (originTopic == null || originTopic.equals(dl.getOriginTopic()))
                    && (reasonContains == null || String.valueOf(dl.getReason()).toLowerCase(Locale.ROOT)
                            .contains(reasonContains.toLowerCase(Locale.ROOT)))
                    && (since == null || !at.isBefore(since))
                    && (until == null || at.isBefore(until));
        }

        /**
         * Whether a filter looks into the dead letters (every one but --limit does): a record that cannot be decoded
         * says nothing to match, so it is listed only without such a filter (it is counted either way).
         */
        boolean narrowsByContent() {
            return !stages.isEmpty() || originTopic != null || reasonContains != null || since != null || until != null;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Filter filter = filter();
        Map<String, Object> settings = connection.settings(spec.commandLine());
        ConnectionOptions.requireConnection(spec.commandLine(), settings, "");
        // The same configuration path as `run`: unknown keys and invalid values fail here, naming the key (exit 2).
        ProcessorConfig config = new ProcessorConfig(settings);
        TopicCatalog topics = config.topicCatalog();
        Topic<String, DeadLetter> dlq = topics.deadLetters();
        if (dlq.name().equals(toTopic)) {
            // The raw records would go back onto the topic read, as records that are no dead letter: listed as
            // undecodable by every later run, and read by nothing that could use them.
            throw new CommandLine.ParameterException(spec.commandLine(), "--to-topic " + toTopic + " is the dead-letter "
                    + "topic this run reads: give the topic the records belong to, or leave --to-topic out to send each "
                    + "back to its origin topic");
        }
        String output = outputTopic(topics, toTopic);
        if (output != null) {
            // The processor's outputs are fed by nothing a dead letter comes from: raw input records sent there are
            // not what their readers decode (the REST view stalled for good on one, BI consumers could not read it).
            throw new CommandLine.ParameterException(spec.commandLine(), "--to-topic " + toTopic + " is the processor's "
                    + output + " output topic, which no dead letter's records belong on: a replay sends the raw input "
                    + "records the processor dead-lettered, to " + replayTargets(topics)
                    + " (the topic they came from), or to a topic of your own outside the catalog");
        }

        String internal = internalTopic(config.getString(ProcessorConfig.APPLICATION_ID_CONFIG), toTopic);
        if (internal != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--to-topic " + toTopic + " is " + internal
                    + "; a replay sends the raw input records the processor dead-lettered, to " + replayTargets(topics)
                    + " (the topic they came from), or to a topic of your own outside the catalog");
        }

        // A replay's transaction.timeout.ms (plain or producer.) below 1 was refused above by ProcessorConfig, before
        // anything is read (exit 2), naming the key as the file gives it (ReplaySettings sees it without its prefix).
        ReplaySettings replaySettings = replay ? new ReplaySettings(settings) : null;
        Duration transactionTimeout = replay ? replaySettings.transactionTimeout() : null;
        SeriesPartitioner series = replay && bySeries(topics) ? seriesPartitioner(config, topics, dryRun) : null;

        requireDeadLetterTopic(settings, dlq.name());
        String calendar = topics.tariffEvents().name();
        Map<String, CalendarOrigin> calendarOrigins = new HashMap<>();
        Read read = read(readerSettings(settings), dlq, filter, series, calendar, calendarOrigins);
        for (Kept k : read.shown()) {
            out.println(k.line());
        }
        for (Undecodable u : read.undecodableShown()) {
            out.println(u.line(dlq.name()));
        }
        out.println(summary(read, dlq.name(), filter));
        if (!replay) {
            return 0;
        }
        List<Kept> selected = skipRepeats(dlq.name(),
                skipSuperseded(settings, calendar, read.shown(), calendarOrigins));
        List<Kept> replayable = new ArrayList<>();
        for (Kept k : selected) {
            Facts f = k.facts(); // kept with --replay
            if (f.skip() == null) {
                replayable.add(k);
            } else {
                out.println("skip " + dlq.name() + "/" + k.partition() + "/" + k.offset() + " " + f.skip());
            }
        }
        int skipped = selected.size() - replayable.size();
        if (toTopic != null) {
            Set<String> origins = replayable.stream().map(k -> k.facts().originTopic())
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            if (origins.size() > 1) {
                // Records of trade.records and trade.records.derived sent to one topic: almost surely a mistake.
                throw new CommandLine.ParameterException(spec.commandLine(), "--to-topic " + toTopic
                        + ": the replayable dead letters come from " + String.join(", ", origins)
                        + "; narrow them to one with --origin-topic");
            }
            String origin = origins.isEmpty() ? null : origins.iterator().next();
            if (!sameValueType(topics, origin, toTopic)) {
                // tariff.events holds tariff events, trade.records and trade.records.derived trade records: either sent
                // to the other is a record its readers cannot decode.
                throw new CommandLine.ParameterException(spec.commandLine(), "--to-topic " + toTopic
                        + ": the replayable dead letters come from " + origin + ", whose records do not belong on "
                        + toTopic + "; a replay may target " + replayTargets(topics)
                        + " (the topic the records came from, or the other trade records topic), or a topic of your own "
                        + "outside the catalog");
            }
        }
        // Checked against the cluster before anything is sent, and in a dry run too: it is what an operator runs first.
        List<Send> sends = sendOrder(plan(settings, topics, dlq.name(), replayable, series));
        String notReplayed = skipped + " skipped" + (read.undecodable() == 0 ? "" : ", " + read.undecodable() + " undecodable");
        if (dryRun) {
            sends.forEach(s -> out.println("would send " + describeSend(dlq.name(), s)));
            if (sends.stream().anyMatch(Send::partitionOnceRegistered)) {
                out.println("(?: the series' partition is hashed from the key as serialized for " + topics.records().name()
                        + ", whose key schema the registry does not have yet: the replay registers it ("
                        + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG + "=true) and the id it gets chooses the partition; "
                        + "a dry run registers nothing)");
            }
            out.printf(Locale.ROOT, "Dry run: %s would be replayed, %s; nothing was sent.%n",
                    TariffsCommand.count(sends.size(), "dead letter"), notReplayed);
            return 0;
        }
        if (sends.isEmpty()) {
            out.printf(Locale.ROOT, "Nothing to replay (%s); nothing was sent.%n", notReplayed);
            return 0;
        }
        beforeSecondRead.run();
        send(settings, dlq, sends, transactionTimeout, replaySettings.transactionTimeoutKey(),
                spec.commandLine().getErr());
        sends.forEach(s -> out.println("sent " + describeSend(dlq.name(), s)));
        out.printf(Locale.ROOT, "Done: %s replayed in one transaction, %s.%n",
                TariffsCommand.count(sends.size(), "dead letter"), notReplayed);
        return 0;
    }

    /** The filters of the command line; a bad value is refused (exit 2) before anything is connected to. */
    Filter filter() {
        if (!replay && (dryRun || toTopic != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), (dryRun ? "--dry-run" : "--to-topic")
                    + " is used with --replay only");
        }
        if (toTopic != null) {
            // Before anything is read: the broker alone refused the name, once trade.dlq had been read.
            OptionRanges.topicName(spec.commandLine(), "--to-topic " + toTopic, toTopic);
        }
        if (limit != null && limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 1 or more, found " + limit);
        }
        if (reasonContains != null && reasonContains.isEmpty()) {
            // Every reason contains "": an unset shell variable (--reason-contains "$X") listed, and with --replay
            // replayed, every dead letter instead of those meant.
            throw new CommandLine.ParameterException(spec.commandLine(), "--reason-contains must not be empty (every "
                    + "reason contains it; leave the option out to match every reason)");
        }
        Instant from = since == null ? null : bound("--since", since, false);
        Instant to = until == null ? null : bound("--until", until, true);
        if (from != null && to != null && !from.isBefore(to)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--since " + since + " is not before --until " + until);
        }
        return new Filter(Set.copyOf(stages), originTopic, reasonContains, from, to);
    }

    /**
     * An instant as is, or a date: its start for --since, the start of the next day for --until (exclusive), so
     * {@code --since 2026-11-01 --until 2026-11-30} takes both days whole.
     */
    private Instant bound(String option, String value, boolean endOfDay) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException notAnInstant) {
            try {
                LocalDate date = LocalDate.parse(value);
                return (endOfDay ? date.plusDays(1) : date).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notADate) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + " " + value
                        + ": expected an instant (2026-11-30T08:00:00Z) or a date (2026-11-30)");
            }
        }
    }

    /**
     * A record on trade.dlq whose value is no dead letter this release can read: not the Confluent wire format (a
     * foreign producer's record), a schema id the registry no longer has, another record than a DeadLetter. It has
     * no stage, time or origin to filter on, so it is listed only when no filter looks into the dead letters, and
     * it is never replayed; it no longer fails the run.
     */
    record Undecodable(int partition, long offset, String why) {
        String line(String dlq) {
            return "undecodable " + dlq + "/" + partition + "/" + offset + ": " + why;
        }
    }

    /**
     * What was read: the matches to show (the earliest {@code --limit}), counts of every match, and the records that
     * could not be decoded (their count, and those to list: the first {@code --limit} by partition and offset).
     */
    record Read(long total, List<Kept> shown, Map<DeadLetterStage, Integer> matchedByStage, int undecodable,
                List<Undecodable> undecodableShown) {
        int matched() {
            return matchedByStage.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * A matching dead letter as held until the end of the read (the matches are listed earliest first, so all of them
     * are held, or the {@code --limit} earliest): where it sorts and its line, and for a replay the few facts it needs
     * to check and place the record. No match holds its DeadLetter: its raw key and value (the input record as read,
     * up to about 1 MB) were held for every match, so a listing of millions of dead letters, or a replay of the
     * hundreds of thousands a wrong value limit dead-letters, ran out of memory. A replay reads them again (pass 2).
     *
     * @param facts what a replay needs of it, or null when only listing
     */
    record Kept(Instant occurredAt, int partition, long offset, String line, Facts facts) {
        static final Comparator<Kept> ORDER = Comparator.comparing(Kept::occurredAt)
                .thenComparingInt(Kept::partition).thenComparingLong(Kept::offset);

        static Kept of(Entry e, Facts facts) {
            return new Kept(e.letter().getOccurredAt(), e.partition(), e.offset(), DlqCommand.line(e), facts);
        }

        /**
         * Whether {@code dl}, read again at this one's partition and offset, is the dead letter this was read from:
         * trade.dlq is append-only, but a topic deleted and created again between the two reads holds others there.
         */
        boolean isReadAgainAs(DeadLetter dl) {
            return dl != null && occurredAt.equals(dl.getOccurredAt()) && facts.match(dl);
        }
    }

    /**
     * What a replay keeps of a match between its two reads of trade.dlq: enough to say why it is skipped, to check
     * and choose its target, to print what is sent, and to recognise it when it is read again; not its bytes.
     *
     * @param skip        its origin and why it cannot be re-produced ({@link #notReplayable}), or null when it can
     * @param originTopic the topic it was read from (one instance per name: hundreds of thousands share a few)
     * @param originOffset the offset it was read from, -1 when not known
     * @param keyBytes    the length of its raw key, -1 when it has none
     * @param valueBytes  the length of its raw value, -1 when it has none
     * @param rawHash     a hash of its raw key and value: the same record dead-lettered twice ({@link #skipRepeats})
     * @param series      with --to-topic trade.records or trade.records.derived: the series its raw key names, or null
     * @param notASeries  why its raw key names no series (with --to-topic trade.records ...), else null
     */
    record Facts(String skip, String originTopic, Integer originPartition, long originOffset, int keyBytes,
                 int valueBytes, long rawHash, SeriesKey series, String notASeries) {

        /**
         * The facts of {@code e}; {@code series}: the partitioner by series when --to-topic names trade.records or
         * trade.records.derived (its raw key is decoded now, while its bytes are at hand), else null.
         */
        static Facts of(String dlq, Entry e, SeriesPartitioner series, Map<String, String> topicNames) {
            DeadLetter dl = e.letter();
            String why = notReplayable(e);
            String topic = dl.getOriginTopic() == null ? null : topicNames.computeIfAbsent(dl.getOriginTopic(), t -> t);
            SeriesKey key = null;
            String notASeries = null;
            if (why == null && series != null) {
                try {
                    key = series.key(topic, bytes(dl.getRawKey()));
                } catch (SerializationException noSeriesKey) {
                    notASeries = whyUndecodable(dlq + "/" + e.partition() + "/" + e.offset() + " (its raw key)", noSeriesKey);
                }
            }
            return new Facts(why == null ? null : e.origin() + ": " + why, topic, dl.getOriginPartition(),
                    dl.getOriginOffset() == null ? -1 : dl.getOriginOffset(), length(dl.getRawKey()),
                    length(dl.getRawValue()), (long) Objects.hashCode(dl.getRawKey()) << 32
                            | (Objects.hashCode(dl.getRawValue()) & 0xFFFFFFFFL), key, notASeries);
        }

        /** These facts, for a dead letter that is not to be replayed after all: {@code skip} says where and why. */
        Facts skipping(String skip) {
            return new Facts(skip, originTopic, originPartition, originOffset, keyBytes, valueBytes, rawHash, series,
                    notASeries);
        }

        /** Whether {@code dl} (read again) says what the dead letter these facts were taken from said. */
        boolean match(DeadLetter dl) {
            return Objects.equals(originTopic, dl.getOriginTopic()) && Objects.equals(originPartition, dl.getOriginPartition())
                    && keyBytes == length(dl.getRawKey()) && valueBytes == length(dl.getRawValue());
        }

        private static int length(ByteBuffer b) {
            return b == null ? -1 : b.remaining();
        }
    }

    /**
     * The consumer settings of both reads of trade.dlq. At most {@value #POLL_RECORDS} records a poll (unless --config
     * says otherwise): a poll hands over whole records, and a compressed batch of dead letters of ~1 MB each would
     * otherwise come as up to 500 of them at once (max.poll.records' default), far more than the replay holds.
     */
    static Map<String, Object> readerSettings(Map<String, Object> settings) {
        // The consumer.-prefixed keys of --config on top, as run's consumers take them (ClientSettings.consumer).
        Map<String, Object> client = ClientSettings.consumer(settings);
        client.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, POLL_RECORDS);
        // Reading must never create trade.dlq: with the brokers' auto.create.topics.enable (Kafka's default) the
        // consumer's metadata request for a topic that does not exist (a --topic-prefix typo) created it, with the
        // broker's defaults, in a listing or a dry run alike.
        client.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return client;
    }

    /**
     * Refuses the run (exit 2, nothing read) when trade.dlq does not exist: a --topic-prefix or tradepulse.topic.* that
     * names another topic, or another cluster. The read then found no partition and the run said "0 of 0 dead letters
     * on ... matched", exit 0, as if there were none.
     *
     * @throws ReplayRefusedException naming the topic
     */
    private static void requireDeadLetterTopic(Map<String, Object> settings, String dlq)
            throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(RunCommand.adminSettings(settings))) {
            admin.describeTopics(List.of(dlq)).topicNameValues().get(dlq).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new ReplayRefusedException("topic " + dlq + " does not exist, so there are no dead letters to list "
                        + "there; nothing was read or sent. Check --topic-prefix (or tradepulse.topic.* in --config) and the "
                        + "cluster (--bootstrap-servers): the processor's topics are created by 'tradepulse run'.");
            }
            throw e; // not allowed to Describe it (the read would fail the same way), or the cluster unreachable: exit 1
        }
    }

    /**
     * @param calendar        the tariff.events topic
     * @param calendarOrigins filled, with --replay, with where each replayable dead letter of a tariff.events record
     *                        was read and its key, by its own partition/offset on trade.dlq ({@link #skipSuperseded})
     */
    private Read read(Map<String, Object> client, Topic<String, DeadLetter> dlq, Filter filter, SeriesPartitioner series,
                      String calendar, Map<String, CalendarOrigin> calendarOrigins) {
        // Earliest first across partitions; the queue keeps the --limit earliest so a long trade.dlq is not held.
        Comparator<Kept> order = Kept.ORDER;
        PriorityQueue<Kept> kept = new PriorityQueue<>(order.reversed());
        Comparator<Undecodable> position = Comparator.comparingInt(Undecodable::partition).thenComparingLong(Undecodable::offset);
        PriorityQueue<Undecodable> undecodable = new PriorityQueue<>(position.reversed());
        Map<DeadLetterStage, Integer> byStage = new EnumMap<>(DeadLetterStage.class);
        Map<String, String> topicNames = new HashMap<>();
        long[] total = {0};
        int[] undecodableCount = {0};
        Deserializer<?> values = dlq.valueSerde().deserializer();
        // read_committed, up to the last stable offsets at start: what is dead-lettered meanwhile is for the next run.
        Pipeline.readToEnd(client, dlq.name(), READ_TIMEOUT, r -> {
            total[0]++;
            String where = dlq.name() + "/" + r.partition() + "/" + r.offset();
            DeadLetter dl;
            try {
                dl = decode(values, r);
                if (dl == null) {
                    return; // a tombstone: nothing to list
                }
            } catch (SerializationException e) {
                String why = whyUndecodable(where, e); // rethrows a registry failure: that is no bad record
                undecodableCount[0]++;
                if (!filter.narrowsByContent()) {
                    undecodable.add(new Undecodable(r.partition(), r.offset(), why));
                    if (limit != null && undecodable.size() > limit) {
                        undecodable.poll();
                    }
                }
                return;
            }
            if (!filter.matches(dl)) {
                return;
            }
            byStage.merge(dl.getStage(), 1, Integer::sum);
            Entry e = new Entry(r.partition(), r.offset(), key(dlq, r, where), dl);
            Facts facts = replay ? Facts.of(dlq.name(), e, series, topicNames) : null;
            if (facts != null && facts.skip() == null && calendar.equals(facts.originTopic())
                    && (toTopic == null || toTopic.equals(calendar)) && dl.getRawKey() != null
                    && dl.getOriginPartition() != null && dl.getOriginOffset() != null) {
                // An event id's key, a few bytes, for the few dead letters of the calendar.
                calendarOrigins.put(r.partition() + "/" + r.offset(), new CalendarOrigin(calendar, dl.getOriginPartition(),
                        dl.getOriginOffset(), ByteBuffer.wrap(bytes(dl.getRawKey()))));
            }
            kept.add(Kept.of(e, facts));
            if (limit != null && kept.size() > limit) {
                kept.poll();
            }
        });
        List<Kept> shown = new ArrayList<>(kept);
        shown.sort(order);
        List<Undecodable> undecodableShown = new ArrayList<>(undecodable);
        undecodableShown.sort(position);
        return new Read(total[0], List.copyOf(shown), byStage, undecodableCount[0], List.copyOf(undecodableShown));
    }

    /** Where a dead letter of a tariff.events record was read, and the record's key (the event id, as written). */
    record CalendarOrigin(String topic, int partition, long offset, ByteBuffer key) {
        String where() {
            return topic + "/" + partition + "/" + offset;
        }
    }

    /**
     * The selected dead letters, those of a tariff.events record that is no longer its event's latest version marked as
     * skipped. tariff.events is compacted by event id and read as a table: the last record of an id is the event. The
     * replay appended the old bytes after a version published since (a corrected event) or after the event's deletion
     * (a tombstone), so the stale version became the calendar's again, or the deleted event came back, silently. Read
     * only when such a dead letter is to be replayed: tariff.events is small (the calendar), and the others need no
     * Read on it.
     */
    private List<Kept> skipSuperseded(Map<String, Object> settings, String calendar, List<Kept> shown,
                                      Map<String, CalendarOrigin> calendarOrigins) {
        // Not for the calendar's dead letters that --limit left out: the others need no Read on tariff.events.
        if (shown.stream().noneMatch(k -> calendarOrigins.containsKey(k.partition() + "/" + k.offset()))) {
            return shown;
        }
        // Per partition and key: the offset of the key's last record, negated when that record is a tombstone.
        Map<Integer, Map<ByteBuffer, Long>> latest = new HashMap<>();
        Pipeline.readToEnd(readerSettings(settings), calendar, READ_TIMEOUT, r -> {
            if (r.key() != null) {
                latest.computeIfAbsent(r.partition(), p -> new HashMap<>())
                        .put(ByteBuffer.wrap(r.key()), r.value() == null ? -1 - r.offset() : r.offset());
            }
        });
        List<Kept> out = new ArrayList<>(shown.size());
        for (Kept k : shown) {
            CalendarOrigin origin = calendarOrigins.get(k.partition() + "/" + k.offset());
            Long last = origin == null ? null : latest.getOrDefault(origin.partition(), Map.of()).get(origin.key());
            if (origin == null || Objects.equals(last, origin.offset())) {
                out.add(k);
                continue;
            }
            // No record of the id at all: compaction removed this one, which it does only once a later record of the
            // id is there, and that later one was a deletion whose tombstone is gone too.
            String why = (last == null ? "the event was deleted since (no record of its id is left on " + calendar + ")"
                    : last < 0 ? "the event was deleted since (tombstone at offset " + (-1 - last) + ")"
                    : last > origin.offset() ? "a later version of the event is on " + calendar + " (offset " + last + ")"
                    : "the record at that offset is no longer its event's latest version")
                    + ": replaying it would make this stale version the calendar's event again; publish the event with "
                    + "'tradepulse tariffs' instead";
            out.add(new Kept(k.occurredAt(), k.partition(), k.offset(), k.line(), k.facts().skipping(origin.where() + ": " + why)));
        }
        return out;
    }

    /** An input record as a dead letter names it: where it was read, and its raw bytes' sizes and hash. */
    private record SameRecord(String topic, int partition, long offset, int keyBytes, int valueBytes, long rawHash) {
    }

    /**
     * The selected dead letters, each replayable one of an input record that an earlier selected one already names
     * (same origin topic, partition and offset, and the same raw bytes) marked as skipped: the record is sent once.
     * One record can have several dead letters: tariff.events' are written outside any transaction by every instance's
     * global thread, again at each start that reads the record, and at_least_once processing writes one again when a
     * task processes the record again after a crash. Each copy was sent: the calendar event or figure appended as
     * often, and where the later record wins (trade.records.derived) an older sum sent again after a newer one became
     * the figure. The earliest listed copy is kept (the copies say the same); the bytes are compared too, as a topic
     * deleted and created again reuses its offsets for other records.
     */
    static List<Kept> skipRepeats(String dlq, List<Kept> selected) {
        Map<SameRecord, Kept> first = new HashMap<>();
        List<Kept> out = new ArrayList<>(selected.size());
        for (Kept k : selected) {
            Facts f = k.facts();
            if (f.skip() != null || f.originPartition() == null || f.originOffset() < 0) {
                out.add(k);
                continue;
            }
            Kept earlier = first.putIfAbsent(new SameRecord(f.originTopic(), f.originPartition(), f.originOffset(),
                    f.keyBytes(), f.valueBytes(), f.rawHash()), k);
            if (earlier == null) {
                out.add(k);
                continue;
            }
            String origin = f.originTopic() + "/" + f.originPartition() + "/" + f.originOffset();
            out.add(new Kept(k.occurredAt(), k.partition(), k.offset(), k.line(), f.skipping(origin
                    + ": the same record as " + dlq + "/" + earlier.partition() + "/" + earlier.offset()
                    + " (dead-lettered more than once), replayed once, as that one")));
        }
        return out;
    }

    /**
     * The dead letter in a record of trade.dlq, or null for a tombstone.
     *
     * @throws SerializationException when it is no dead letter this release can read, or the registry failed
     */
    private static DeadLetter decode(Deserializer<?> values, ConsumerRecord<byte[], byte[]> r) {
        // Typed by what it returns, not by the topic's type: another producer's Avro record comes back as its own class.
        Object value = values.deserialize(r.topic(), r.value());
        if (value == null || value instanceof DeadLetter) {
            return (DeadLetter) value;
        }
        throw new SerializationException("not a DeadLetter but " + (value instanceof GenericContainer avro
                ? "an Avro " + avro.getSchema().getFullName() : "a " + value.getClass().getSimpleName()));
    }

    /**
     * The key of a dead letter: what its origin is named by when it has no origin topic. Releases before the keys were
     * Avro strings wrote plain UTF-8 (docs/operations.md, Upgrading): such a key is shown as that text rather than
     * failing the run; a registry failure still fails it.
     */
    private static String key(Topic<String, DeadLetter> dlq, ConsumerRecord<byte[], byte[]> r, String where) {
        try {
            return dlq.keySerde().deserializer().deserialize(r.topic(), r.key());
        } catch (SerializationException e) {
            whyUndecodable(where + " (its key)", e);
            return new String(r.key(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Why bytes read from trade.dlq cannot be decoded, from the serde's failure, as one line; or, when the failure is
     * the registry's, an exception saying so. The deserializer throws a SerializationException for both (see
     * {@code KafkaAvroDeserializer}): for bad bytes without a cause from the registry (a wrong magic byte, too
     * short, Avro that does not decode), for an unknown schema id with the registry's {@link SchemaRegistryException}
     * (error code 40403), and for a registry that is down or refuses the client with a
     * {@link SchemaRegistryUnavailableException} or another error code. Taking those for undecodable records would
     * list every dead letter as undecodable and replay nothing, with exit code 0.
     *
     * @throws IllegalStateException when the registry failed, naming the record (exit 1: retry once it answers)
     */
    static String whyUndecodable(String where, SerializationException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException registry) {
                if (registry instanceof SchemaRegistryUnavailableException
                        || registry.errorCode() != SchemaRegistryException.SCHEMA_NOT_FOUND) {
                    throw new IllegalStateException("cannot decode " + where + ": the schema registry "
                            + (registry instanceof SchemaRegistryUnavailableException ? "is unavailable" : "failed")
                            + " (not a problem of the record); run again once it answers", e);
                }
                break;
            }
        }
        String why = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
        return why.length() <= 2 * REASON_LENGTH ? why : why.substring(0, 2 * REASON_LENGTH - 3) + "...";
    }

    static String line(Entry e) {
        DeadLetter dl = e.letter();
        String reason = String.valueOf(dl.getReason()).replaceAll("\\s+", " ");
        return String.format(Locale.ROOT, "%s  %-15s  %s  source=%s  %s", dl.getOccurredAt(), dl.getStage(), e.origin(),
                dl.getSource() == null ? "-" : dl.getSource(),
                reason.length() <= REASON_LENGTH ? reason : reason.substring(0, REASON_LENGTH - 3) + "...");
    }

    private static String summary(Read read, String dlq, Filter filter) {
        String counts = read.matchedByStage().isEmpty() ? "none"
                : read.matchedByStage().entrySet().stream().map(s -> s.getKey() + " " + s.getValue())
                        .collect(Collectors.joining(", "));
        String undecodable = "";
        if (read.undecodable() > 0) {
            int listed = read.undecodableShown().size();
            undecodable = "; " + read.undecodable() + " could not be decoded ("
                    + (filter.narrowsByContent() ? "not listed: the filters match what a dead letter says"
                            : listed < read.undecodable() ? "the first " + listed + " listed as undecodable"
                            : "listed as undecodable") + "), never replayed";
        }
        return String.format(Locale.ROOT, "%d of %d dead letters on %s matched (%s)%s%s.", read.matched(), read.total(),
                dlq, counts, read.shown().size() < read.matched() ? "; listed the " + read.shown().size() + " earliest" : "",
                undecodable);
    }

    /** Why a dead letter cannot be re-produced, or null when it can. */
    static String notReplayable(Entry e) {
        DeadLetter dl = e.letter();
        if (dl.getOriginTopic() == null) {
            return dl.getRawValue() == null
                    ? "a punctuation item, no input record (no origin topic, no raw value): see the reason"
                    : "not a Kafka record (a source row, no origin topic): fix the source and ingest it again";
        }
        if (dl.getRawValue() == null) {
            return "no raw value to re-produce";
        }
        ByteBuffer v = dl.getRawValue().duplicate();
        if (dl.getStage() == DeadLetterStage.VALIDATION && dl.getRawKey() == null && v.remaining() >= 2
                && v.get(v.position()) == (byte) 0xC3 && v.get(v.position() + 1) == (byte) 0x01) {
            // Written before 2026-11-30: the decoded record as Avro single-object, not the topic's wire format.
            return "raw value in the pre-2026-11-30 single-object form and no raw key: re-publish the record (docs/operations.md, Upgrading)";
        }
        return null;
    }

    private String target(Kept k) {
        return toTopic != null ? toTopic : k.facts().originTopic();
    }

    /**
     * The kind of output ("TradeChange", "TradeSignal") when {@code topic} is one of the processor's output topics of
     * {@code topics}, else null. The processor reads neither, so no dead letter comes from them.
     */
    static String outputTopic(TopicCatalog topics, String topic) {
        if (topics.changes().name().equals(topic)) {
            return TradeChange.class.getSimpleName();
        }
        return topics.signals().name().equals(topic) ? TradeSignal.class.getSimpleName() : null;
    }

    /**
     * What {@code topic} is when it is an internal topic, else null: one of Kafka Streams' of the processor
     * ({@code <application.id>-<name>-changelog} or {@code -repartition}, Streams' naming, so every store's and
     * repartition's, not only today's), whose records the processor writes and reads back as its state (a raw input
     * record there is restored into a store, or read as a repartitioned value it cannot decode); or one of Kafka's
     * own ({@code __consumer_offsets}, {@code __transaction_state}, ...), which the brokers refuse to take from a
     * client, so the replay failed at its send, after trade.dlq had been read. Other {@code __} names are ordinary
     * topics to Kafka (Topic.validate takes them), so they stay the user's to name.
     */
    static String internalTopic(String applicationId, String topic) {
        if (topic == null) {
            return null;
        }
        if (org.apache.kafka.common.internals.Topic.isInternal(topic)
                || org.apache.kafka.common.internals.Topic.CLUSTER_METADATA_TOPIC_NAME.equals(topic)) {
            return "one of Kafka's internal topics, which the brokers take no client's records on";
        }
        String prefix = applicationId + "-";
        String name = topic.startsWith(prefix) ? topic.substring(prefix.length()) : "";
        if (name.matches(".+-(changelog|repartition)")) {
            return "an internal topic of the processor (application.id " + applicationId + ": Kafka Streams names "
                    + "its changelog and repartition topics <application.id>-<name>-changelog / -repartition), which "
                    + "holds what the processor wrote itself: raw input records there corrupt its state";
        }
        return null;
    }

    /** The catalog topics a replay may send to: those the processor reads, which its dead letters come from. */
    static String replayTargets(TopicCatalog topics) {
        return topics.records().name() + " or " + topics.derivedRecords().name() + " (trade records) or "
                + topics.tariffEvents().name() + " (tariff events)";
    }

    /**
     * Whether records of {@code origin} may be sent to {@code target}: false only when both are catalog topics the
     * processor reads and their values differ (trade records vs tariff events). A topic outside the catalog is the
     * user's to name (as documented), either way.
     */
    static boolean sameValueType(TopicCatalog topics, String origin, String target) {
        String a = inputKind(topics, origin);
        String b = inputKind(topics, target);
        return a == null || b == null || a.equals(b);
    }

    private static String inputKind(TopicCatalog topics, String topic) {
        if (topics.records().name().equals(topic) || topics.derivedRecords().name().equals(topic)) {
            return TradeRecord.class.getSimpleName();
        }
        return topics.tariffEvents().name().equals(topic) ? TariffEvent.class.getSimpleName() : null;
    }

    /** Whether --to-topic names trade.records or trade.records.derived: then each record goes to its series' partition. */
    private boolean bySeries(TopicCatalog topics) {
        return toTopic != null && (toTopic.equals(topics.records().name()) || toTopic.equals(topics.derivedRecords().name()));
    }

    /** The replay's transactional id unless --config sets one: one per dead-letter topic, so two replays fence. */
    static String defaultTransactionalId(String dlq) {
        return "tradepulse-dlq-replay-" + dlq;
    }

    /**
     * Where one replayable dead letter is sent: its topic, and its partition (null: the producer's, by the raw key).
     *
     * @param partitionOnceRegistered in a dry run only: the series' partition is not known, because it depends on the
     *                                id trade.records' key schema gets when the replay registers it (partition null)
     */
    record Send(Kept kept, String topic, Integer partition, boolean partitionOnceRegistered) {
        Send(Kept kept, String topic, Integer partition) {
            this(kept, topic, partition, false);
        }
    }

    /**
     * The partitioner by series of a replay with --to-topic trade.records or trade.records.derived. It serializes each
     * series key for trade.records, which with {@code auto.register.schemas=true} (the default) registers
     * trade.records' key schema when the registry does not have it yet. The replay may (it is about to write that
     * topic); a dry run must not change the registry, so its partitioner only looks the schema up (the id a
     * registration of a schema the subject has returns, so the same partition), and a schema not there yet leaves the
     * partition unknown ({@link Send#partitionOnceRegistered}). With {@code auto.register.schemas=false} both only
     * look it up already, and are refused alike when it is not there ({@link #seriesPartition}).
     */
    static SeriesPartitioner seriesPartitioner(ProcessorConfig config, TopicCatalog topics, boolean dryRun) {
        if (!dryRun || !registersKeySchema(config)) {
            return new SeriesPartitioner(topics.records());
        }
        Map<Object, Object> lookupOnly = new HashMap<>(config.originals());
        lookupOnly.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "false");
        // With auto.register.schemas=true the serializer ignores use.latest.version, and the replay registers: so does
        // the lookup, which takes the id of this very schema, not the subject's latest.
        lookupOnly.put(AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, "false");
        return new SeriesPartitioner(new ProcessorConfig(lookupOnly).topicCatalog().records(), true);
    }

    /** Whether the serdes of {@code config} register the schemas they write ({@code auto.register.schemas}). */
    static boolean registersKeySchema(ProcessorConfig config) {
        return new AvroSerdeConfig(config.serdeConfig()).autoRegisterSchemas();
    }

    private static String describeSend(String dlq, Send s) {
        Kept k = s.kept();
        return String.format(Locale.ROOT, "%s/%d/%d -> %s%s (%s key, %d bytes value)", dlq, k.partition(), k.offset(),
                s.topic(), s.partitionOnceRegistered() ? "/?" : s.partition() == null ? "" : "/" + s.partition(),
                k.facts().keyBytes() < 0 ? "no" : k.facts().keyBytes() + " bytes", k.facts().valueBytes());
    }

    /**
     * The order the sends go in: trade.dlq's, so that a series' records (dead-lettered by one task, in the order it
     * read them) reach their target partition in that order. Within a partition of trade.dlq by offset; across
     * partitions the earliest next one first ({@link Kept#ORDER}), which is the listing's order whenever each
     * partition's dead letters occurred in offset order (always for the one partition trade.dlq has by default).
     * The second read of trade.dlq follows each partition forward once, so it can send in no other order without
     * holding records back; a clock that went back between two dead letters leaves them in trade.dlq's order.
     */
    static List<Send> sendOrder(List<Send> sends) {
        Map<Integer, List<Send>> byPartition = new TreeMap<>();
        for (Send s : sends) {
            byPartition.computeIfAbsent(s.kept().partition(), p -> new ArrayList<>()).add(s);
        }
        byPartition.values().forEach(l -> l.sort(Comparator.comparingLong(s -> s.kept().offset())));
        // A merge of the partitions by the head of each (next[i]: partition i's next send; only the polled one moves).
        List<List<Send>> partitions = new ArrayList<>(byPartition.values());
        int[] next = new int[partitions.size()];
        PriorityQueue<Integer> heads = new PriorityQueue<>(
                Comparator.comparing((Integer i) -> partitions.get(i).get(next[i]).kept(), Kept.ORDER));
        for (int i = 0; i < partitions.size(); i++) {
            heads.add(i);
        }
        List<Send> ordered = new ArrayList<>(sends.size());
        while (!heads.isEmpty()) {
            int i = heads.poll();
            ordered.add(partitions.get(i).get(next[i]++));
            if (next[i] < partitions.get(i).size()) {
                heads.add(i);
            }
        }
        return ordered;
    }

    /**
     * Every replayable dead letter's topic and partition, checked on the cluster before anything is sent. To the
     * origin topic: the origin partition, so a series stays in its partition (trade.records.derived's partition is
     * chosen by the processor, not by hashing the key). With --to-topic naming trade.records or trade.records.derived:
     * the series' partition as the processor chooses it ({@link SeriesPartitioner}); the raw key may carry
     * trade.records.derived's schema id, and hashing it as it is would split the series across tasks. With another
     * --to-topic, or without a known origin partition: the producer's partitioner, by the raw key.
     *
     * <p>A target topic that does not exist or a partition it no longer has (recreated with fewer) made the send
     * wait max.block.ms (60 s) for it and fail; the whole replay is now refused at once, naming each dead letter.
     *
     * @throws ReplayRefusedException naming every dead letter that cannot be sent where it belongs (exit 2)
     */
    private List<Send> plan(Map<String, Object> settings, TopicCatalog topics, String dlq, List<Kept> replayable,
                            SeriesPartitioner series) throws InterruptedException, ExecutionException {
        if (replayable.isEmpty()) {
            return List.of();
        }
        Set<String> names = replayable.stream().map(this::target).collect(Collectors.toCollection(LinkedHashSet::new));
        Map<String, Integer> partitions = new HashMap<>();
        Map<String, String> unusable = new HashMap<>();
        try (Admin admin = Admin.create(RunCommand.adminSettings(settings))) {
            Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(names).topicNameValues();
            for (String name : names) {
                try {
                    partitions.put(name, described.get(name).get().partitions().size());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        unusable.put(name, "topic " + name + " does not exist");
                    } else if (e.getCause() instanceof TopicAuthorizationException) {
                        // The broker answers so whether the topic exists or not: the fix is the ACL.
                        unusable.put(name, "the principal may not Describe topic " + name
                                + " (TopicAuthorizationException): grant it the ACLs docs/operations.md (\"Security\") lists for dlq --replay");
                    } else {
                        throw e;
                    }
                }
            }
        }
        List<Send> sends = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Kept k : replayable) {
            Facts f = k.facts();
            String topic = target(k);
            String where = dlq + "/" + k.partition() + "/" + k.offset() + " -> " + topic;
            Integer count = partitions.get(topic);
            if (count == null) {
                problems.add(where + ": " + unusable.get(topic));
            } else if (series != null) {
                if (f.series() == null) {
                    problems.add(where + ": its raw key names no series, so its partition cannot be chosen as the "
                            + "processor would (" + f.notASeries() + ")");
                    continue;
                }
                Integer partition = seriesPartition(series, f.series(), count, topics.records().name());
                sends.add(new Send(k, topic, partition, partition == null));
            } else {
                Integer origin = f.originPartition();
                Integer partition = toTopic == null && origin != null && origin >= 0 ? origin : null;
                if (partition != null && partition >= count) {
                    problems.add(where + "/" + partition + ": topic " + topic + " has " + count + " partition"
                            + (count == 1 ? "" : "s") + " (0.." + (count - 1) + ") now, fewer than when the record was read"
                            + " (recreated?); --to-topic " + topic + " sends it to the partition of its key instead");
                } else {
                    sends.add(new Send(k, topic, partition));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ReplayRefusedException(replayable.size(), problems);
        }
        return sends;
    }

    /**
     * The series' partition on a topic of {@code count} partitions: its key serialized for trade.records, which takes
     * the id of trade.records' key schema from the registry. With {@code auto.register.schemas=false} and that schema
     * not registered (a registry no producer of trade.records has written to yet with it) the serializer can only fail:
     * the id the key will get is not known before it is registered, so neither is the partition. That was a registry
     * error (exit 1, a stack trace) after the dead letters were listed; it is refused like a missing target (exit 2,
     * nothing sent), naming the subject and the setting. With the schema registered the serializer looks its id up
     * (or takes the latest with {@code use.latest.version=true}), as the processor's partitioner does, and registers
     * nothing. A registry that does not answer still fails the run (exit 1).
     *
     * <p>A dry run of a replay that registers the schema ({@link #seriesPartitioner}) only looks it up: not there yet,
     * the partition is not known (null), and the dry run says so instead of registering it or refusing.
     *
     * @return the partition, or null in such a dry run when the registry has no such key schema yet
     * @throws ReplayRefusedException when the registry has no such key schema (and the replay would not register it)
     */
    static Integer seriesPartition(SeriesPartitioner series, SeriesKey key, int count, String recordsTopic) {
        try {
            return series.partition(key, count);
        } catch (SerializationException e) {
            if (keySchemaNotRegistered(e) && series.standsInForRegistration()) {
                return null;
            }
            if (keySchemaNotRegistered(e)) {
                throw new ReplayRefusedException("--to-topic sends each record to its series' partition, hashed from "
                        + "the key as serialized for " + recordsTopic + " (as the processor chooses it), and the registry "
                        + "has no such key schema to take its id from: " + Main.messages(e) + ". With "
                        + "auto.register.schemas=false the replay does not register it; nothing was sent. Register the key "
                        + "schema of " + recordsTopic + " (any producer of it with auto.register.schemas=true does, e.g. an "
                        + "ingest), or run the replay with auto.register.schemas=true.");
            }
            throw e;
        }
    }

    /**
     * Whether the serializer failed because the registry answered "not found" (subject, version or schema: its error
     * 404xx codes). A plain 404 is no registry's answer but a schema.registry.url with the wrong path.
     */
    static boolean keySchemaNotRegistered(SerializationException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException registry) {
                return !(registry instanceof SchemaRegistryUnavailableException) && registry.isRegistryNotFound();
            }
        }
        return false;
    }

    /**
     * One transaction for the whole replay ({@link CatalogProducer#sendAtomically}: idempotent, acks=all, aborted on
     * any refusal), so a failed run publishes nothing. Inside it, trade.dlq is read a second time ({@link SecondRead})
     * and each dead letter's raw key and value are sent as they are read, so no more of them is held than the
     * producer's buffer ({@code buffer.memory}) and one poll. The transaction is open from the first send to the
     * commit, i.e. for the whole second read: it has {@link ReplaySettings#transactionTimeout()} to finish, and a
     * replay that takes longer fails (aborted, nothing published) before the broker would abort it.
     *
     * @param err where a stop (Ctrl-C, SIGTERM) mid-replay says what became of the transaction
     * @throws ReplayRefusedException when the brokers do not allow a transaction that long (exit 2)
     */
    private static void send(Map<String, Object> settings, Topic<String, DeadLetter> dlq, List<Send> sends,
                             Duration transactionTimeout, String transactionTimeoutKey, PrintWriter err) {
        Map<String, Object> props = producerSettings(settings, dlq.name(), transactionTimeout);
        try (CatalogProducer producer = new CatalogProducer(props);
             SecondRead again = new SecondRead(readerSettings(settings), dlq, sends, transactionTimeout,
                     transactionTimeoutKey)) {
            // Ctrl-C (or SIGTERM) mid-replay: the JVM would end with the transaction open, and read_committed readers of
            // the target partitions (the processor) would wait at its first record until transaction.timeout.ms (15 min)
            // aborts it. Closing the producer aborts it at once ("Aborting incomplete transaction due to shutdown").
            // Said on the way out: the run ended with the listing and nothing else, so whether the replay had been
            // published (and whether to run it again) was anyone's guess. Once every record is sent the commit may be
            // under way, and then its outcome is not known.
            AtomicReference<String> onStop = new AtomicReference<>("Stopped (Ctrl-C or SIGTERM): the replay's "
                    + "transaction was aborted, nothing was published; run it again to replay.");
            Thread abortOnExit = new Thread(() -> {
                producer.close();
                err.println(onStop.get());
                err.flush();
            }, "tradepulse-dlq-replay-abort");
            Runtime.getRuntime().addShutdownHook(abortOnExit);
            try {
                producer.sendAtomically(() -> {
                    again.startClock();
                    for (Send s : sends) {
                        producer.send(replayed(dlq.name(), s, again.next(s)));
                    }
                    producer.flush();
                    again.checkClock(); // a commit after the broker aborted it would fail, saying less
                    onStop.set("Stopped (Ctrl-C or SIGTERM) while the replay's transaction was committing: its "
                            + "records are on their targets all or none, which is not known. Read the targets "
                            + "(read_committed) before running it again, which would send them once more.");
                });
                onStop.set("Stopped (Ctrl-C or SIGTERM) once the replay's transaction was committed: published.");
            } finally {
                Resources.removeShutdownHook(abortOnExit);
            }
        } catch (CatalogProducer.CommitOutcomeUnknownException e) {
            // Not "aborted": the commit may have gone through, and running the replay again would then send every
            // record a second time.
            throw new IllegalStateException("the replay's commit did not complete, so whether it was published is not "
                    + "known: its records are on their targets all or none. Read the targets (read_committed) before "
                    + "running it again, which would send them once more: " + Main.messages(e), e);
        } catch (RuntimeException e) {
            if (isInvalidTransactionTimeout(e)) {
                throw new ReplayRefusedException("the replay's transaction may last up to " + transactionTimeoutKey
                        + "=" + transactionTimeout.toMillis() + " ms, more than the brokers allow (their transaction.max.timeout.ms); "
                        + "nothing was sent. Set " + transactionTimeoutKey + " in --config to at most that ("
                        + Main.messages(e) + ")");
            }
            // Kafka's message names no id ("Transactional Id authorization failed."), and the id is ours by default:
            // name it, and the ACL that is missing.
            String acl = !causedBy(e, TransactionalIdAuthorizationException.class) ? ""
                    : "the principal may not use the transactional id '" + props.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG)
                            + "' (grant Write and Describe on it, docs/operations.md \"Security\"): ";
            throw new IllegalStateException("the replay was aborted, nothing was published: " + acl + Main.messages(e), e);
        }
    }

    /**
     * The settings of the replay's producer: the producer keys of --config, its producer.-prefixed ones on top (as
     * run's producers take them), a transactional id of its own unless one is given, and the transaction's timeout.
     */
    static Map<String, Object> producerSettings(Map<String, Object> settings, String dlq, Duration transactionTimeout) {
        Map<String, Object> props = new HashMap<>(ClientSettings.producer(settings));
        props.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, defaultTransactionalId(dlq));
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) transactionTimeout.toMillis());
        return props;
    }

        /** The dead letter's raw key and value, to its target, marked with where on the dead-letter topic it came from. */
    private static ProducerRecord<byte[], byte[]> replayed(String dlq, Send s, DeadLetter dl) {
        Kept k = s.kept();
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(s.topic(), s.partition(), null,
                bytes(dl.getRawKey()), bytes(dl.getRawValue()));
        r.headers().add(REPLAYED_FROM_HEADER, (dlq + "/" + k.partition() + "/" + k.offset()).getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /**
     * The second read of trade.dlq in a replay: the dead letters of the sends, read again and handed over one at a time
     * in the order of the sends. Each partition is read forward once, from its first send's offset to its last one's
     * (both below the end offsets of the first read), under read_committed as the first read. What it holds is one
     * poll of one partition ({@code max.poll.records}, {@value #POLL_RECORDS} by default) and the consumer's fetch
     * buffer, whatever the number of sends.
     *
     * <p>It checks that it reads what the first read selected: every send's offset is there, and holds a dead letter
     * saying what the first read's did. trade.dlq is append-only, but its retention may delete the head between the two
     * reads (or the topic may be deleted and created again): then it fails, naming the dead letter, and the
     * transaction is aborted.
     */
    static final class SecondRead implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Deserializer<?> values;
        private final String dlq;
        private final int total;
        private final Duration transactionTimeout;
        /** The key of --config the timeout came from (or would), for the advice when it runs out. */
        private final String transactionTimeoutKey;
        private final Map<Integer, ArrayDeque<ConsumerRecord<byte[], byte[]>>> polled = new HashMap<>();
        private long deadline;
        private int handedOver;

        SecondRead(Map<String, Object> client, Topic<String, DeadLetter> dlq, List<Send> sends, Duration transactionTimeout,
                   String transactionTimeoutKey) {
            Map<String, Object> props = new HashMap<>(client);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            // An offset the retention deleted fails the poll instead of silently starting at the new head.
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
            this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            this.values = dlq.valueSerde().deserializer();
            this.dlq = dlq.name();
            this.total = sends.size();
            this.transactionTimeout = transactionTimeout;
            this.transactionTimeoutKey = transactionTimeoutKey;
            Map<TopicPartition, Long> first = new HashMap<>();
            for (Send s : sends) {
                first.merge(new TopicPartition(this.dlq, s.kept().partition()), s.kept().offset(), Math::min);
            }
            consumer.assign(first.keySet());
            first.forEach(consumer::seek);
            // Fetched only while a send waits for it: the others' records would pile up unread.
            consumer.pause(first.keySet());
        }

        /** Starts the transaction's clock: from now, {@link #next} and {@link #checkClock} fail once it has run out. */
        void startClock() {
            deadline = System.nanoTime() + transactionTimeout.toNanos();
        }

        /** @throws IllegalStateException once the transaction has lasted {@code transaction.timeout.ms} */
        void checkClock() {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("not done within " + transactionTimeoutKey + "="
                        + transactionTimeout.toMillis() + " ms (" + transactionTimeout + ") after " + handedOver + " of "
                        + total + " dead letters: narrow the replay (--stage, --origin-topic, --reason-contains, --since, "
                        + "--until, --limit) or set a longer " + transactionTimeoutKey + " in --config "
                        + "(at most the brokers' transaction.max.timeout.ms)");
            }
        }

        /**
         * The dead letter of {@code s}, read again.
         *
         * @throws IllegalStateException when it is no longer there or another is, when trade.dlq cannot be read, or
         *     when the transaction ran out of time
         */
        DeadLetter next(Send s) {
            Kept k = s.kept();
            String where = dlq + "/" + k.partition() + "/" + k.offset();
            TopicPartition tp = new TopicPartition(dlq, k.partition());
            ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = polled.computeIfAbsent(k.partition(), p -> new ArrayDeque<>());
            long stalled = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (true) {
                while (!queue.isEmpty() && queue.peek().offset() < k.offset()) {
                    queue.poll(); // not selected: a dead letter that did not match, or not replayable
                }
                if (!queue.isEmpty()) {
                    break;
                }
                checkClock();
                if (System.nanoTime() - stalled > 0) {
                    throw new IllegalStateException("did not read " + where + " again within " + READ_TIMEOUT);
                }
                consumer.resume(List.of(tp));
                try {
                    queue.addAll(consumer.poll(Duration.ofMillis(200)).records(tp));
                } catch (OffsetOutOfRangeException e) {
                    long head = consumer.beginningOffsets(List.of(tp)).get(tp);
                    throw changed(where, "it is no longer there: its retention deleted it (partition " + k.partition()
                            + " now starts at offset " + head + ")");
                } finally {
                    consumer.pause(List.of(tp));
                }
            }
            ConsumerRecord<byte[], byte[]> r = queue.poll();
            if (r.offset() != k.offset()) {
                throw changed(where, "it is no longer there (the next record is at offset " + r.offset() + ")");
            }
            DeadLetter dl;
            try {
                dl = decode(values, r);
            } catch (SerializationException e) {
                throw changed(where, "it can no longer be decoded: " + whyUndecodable(where, e)); // a registry failure: rethrown
            }
            if (!k.isReadAgainAs(dl)) {
                throw changed(where, "another dead letter is there now (the topic was deleted and created again?)");
            }
            handedOver++;
            return dl;
        }

        private IllegalStateException changed(String where, String what) {
            return new IllegalStateException(dlq + " changed between the two reads of the replay: " + where + " was "
                    + "selected by the first, and " + what + "; run the replay again (it lists what is there now)");
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /**
     * The settings of the replay's producer that tradepulse chooses itself, and that --config may override.
     *
     * <p>{@code transaction.timeout.ms}: the replay is one transaction, open from its first send to its commit, and
     * the transaction coordinator aborts one that has lasted longer (the producer's default, 60 s, is for
     * transactions of a moment, and a replay of hundreds of thousands of dead letters reads and sends them all within
     * it). The default is the longest a broker allows by default ({@code transaction.max.timeout.ms}, 15 min); a
     * larger value is refused by the brokers unless theirs is raised. While the transaction is open, read_committed
     * readers of the target partitions (the processor) wait at its first record, and a replay killed (kill -9) leaves
     * it open that long unless a replay with the same transactional.id starts meanwhile (which aborts it at once).
     */
    static final class ReplaySettings extends AbstractConfig {
        static final String TRANSACTION_TIMEOUT_MS_CONFIG = ProducerConfig.TRANSACTION_TIMEOUT_CONFIG;
        static final String TRANSACTION_TIMEOUT_MS_DOC = "How long the replay's transaction (the second read of "
                + "trade.dlq and every send) may last before it fails, aborted, nothing published; at most the brokers' "
                + "transaction.max.timeout.ms (15 min by default).";
        static final int TRANSACTION_TIMEOUT_MS_DEFAULT = (int) Duration.ofMinutes(15).toMillis();

        private static final ConfigDef CONFIG = new ConfigDef().define(TRANSACTION_TIMEOUT_MS_CONFIG, ConfigDef.Type.INT,
                TRANSACTION_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1), ConfigDef.Importance.MEDIUM, TRANSACTION_TIMEOUT_MS_DOC);

        /** @throws org.apache.kafka.common.config.ConfigException naming the key and the allowed values (exit 2) */
        ReplaySettings(Map<String, Object> settings) {
            // The producer's value: producer.transaction.timeout.ms over transaction.timeout.ms, as for its other keys.
            super(CONFIG, ClientSettings.only(settings, CONFIG.names(), StreamsConfig.PRODUCER_PREFIX), false);
            transactionTimeoutKey = settings.containsKey(PREFIXED_TRANSACTION_TIMEOUT_MS_CONFIG)
                    ? PREFIXED_TRANSACTION_TIMEOUT_MS_CONFIG : TRANSACTION_TIMEOUT_MS_CONFIG;
        }

        private static final String PREFIXED_TRANSACTION_TIMEOUT_MS_CONFIG = StreamsConfig.PRODUCER_PREFIX
                + TRANSACTION_TIMEOUT_MS_CONFIG;
        private final String transactionTimeoutKey;

        /**
         * The key to change for another timeout: with producer.transaction.timeout.ms in --config, advice to set
         * transaction.timeout.ms changed nothing, the prefixed key being the one the producer takes.
         */
        String transactionTimeoutKey() {
            return transactionTimeoutKey;
        }

        Duration transactionTimeout() {
            return Duration.ofMillis(getInt(TRANSACTION_TIMEOUT_MS_CONFIG));
        }
    }

    /**
     * Whether the brokers refused the transaction timeout (above their transaction.max.timeout.ms). The producer of
     * Kafka 4.x reports it as a plain KafkaException ("Unexpected error in InitProducerIdResponse; " and the error's
     * message), not as the InvalidTxnTimeoutException the error stands for: recognised by either.
     */
    static boolean isInvalidTransactionTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidTxnTimeoutException
                    || String.valueOf(t.getMessage()).contains(Errors.INVALID_TRANSACTION_TIMEOUT.message())) {
                return true;
            }
        }
        return false;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        ByteBuffer d = b.duplicate();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return a;
    }
}
