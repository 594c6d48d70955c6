package io.tradepulse.launcher;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import io.tradepulse.streams.ProcessorConfig;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericContainer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tradepulse dlq}: lists the dead letters on {@code trade.dlq} and re-produces the replayable ones to the
 * topic they came from. The processor's dead letters of an input record (DESERIALIZATION, VALIDATION, PROCESSING)
 * carry that record's key and value exactly as they were read and its origin topic/partition/offset, so once the
 * cause is fixed (a registry schema, a validation limit) producing those bytes back is the whole replay. A
 * connector's dead letter (a source row, origin {@code file:<name>:<line>}) is no Kafka record and a punctuation
 * item's carries no value: those are listed and skipped, saying why. A record on the topic that is no dead letter
 * this release can read (a foreign producer's bytes, a schema id the registry no longer has) is counted and listed as
 * undecodable, and the run goes on; a registry that is down still fails the run.
 *
 * <p>The topic is read read_committed from the beginning up to the end offsets taken at start, so a run always
 * ends, also while the processor keeps dead-lettering. A replay checks every target topic and partition on the
 * cluster first (a refusal sends nothing) and is one transaction: a failed run publishes nothing.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE},
        description = {"List the dead letters on trade.dlq and replay the processor's to the topic they came from.",
                "One line per matching dead letter: occurredAt, stage, origin (topic/partition/offset, or the "
                        + "connector's file:<name>:<line>, or a punctuation item), source and reason; then the "
                        + "counts by stage. trade.dlq is read (read_committed) up to its end at start, so the "
                        + "command ends. A record there that cannot be decoded as a dead letter (not the wire format, "
                        + "a schema id the registry no longer has, another record) is counted and, unless a filter "
                        + "other than --limit is given, listed as 'undecodable <dlq topic>/<partition>/<offset>: <why>'; "
                        + "it is never replayed. A registry that does not answer fails the run (exit 1).",
                "--replay re-produces each matching dead letter with a Kafka origin and a raw value: its raw key "
                        + "and value bytes, unchanged, to its origin topic and partition (or --to-topic), with the "
                        + "header tradepulse.replayed-from=<dlq topic>/<partition>/<offset>. All of them are one "
                        + "Kafka transaction (transactional.id in --config, default tradepulse-dlq-replay-<dlq "
                        + "topic>): a failed run publishes nothing. Connector rows and punctuation items cannot be "
                        + "re-produced: they are listed as skipped, with why. Before anything is sent (and in a dry "
                        + "run) the target topics are described: a topic that does not exist or an origin partition it "
                        + "no longer has refuses the whole replay (exit 2), naming each dead letter. The processor "
                        + "handles a replayed record like a new one; replaying one twice is harmless."},
        footer = {"", "The --config file takes Kafka client keys (bootstrap.servers, security.protocol,",
                "sasl.*, ssl.*), serde keys (schema.registry.url, basic.auth.*, bearer.auth.*)",
                "and tradepulse.topic.* keys; the properties file of 'tradepulse run' works as",
                "is. --bootstrap-servers, --schema-registry-url and --topic-prefix override it.", "",
                "Examples:",
                "  tradepulse dlq --config app.properties",
                "  tradepulse dlq --config app.properties --stage VALIDATION --since 2026-11-01",
                "  tradepulse dlq --config app.properties --stage VALIDATION --reason-contains KRW --replay --dry-run",
                "  tradepulse dlq --config app.properties --stage VALIDATION --reason-contains KRW --replay"})
final class DlqCommand implements Callable<Integer> {

    /** The header a replayed record carries: where on trade.dlq it was replayed from. */
    static final String REPLAYED_FROM_HEADER = "tradepulse.replayed-from";
    /** How long reading trade.dlq to its end may take before the run fails. */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);
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
            description = "Only dead letters that occurred at or after this instant (2026-11-30T08:00:00Z) or the start of this date (UTC).")
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
                    + "matches come from more than one topic.")
    String toTopic;

    @Option(names = "--dry-run", description = "With --replay: print what would be sent, and send nothing.")
    boolean dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

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
        TopicCatalog topics = new ProcessorConfig(settings).topicCatalog();
        Topic<String, DeadLetter> dlq = topics.deadLetters();

        Read read = read(ClientSettings.only(settings, ConsumerConfig.configNames()), dlq, filter);
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
        List<Entry> replayable = new ArrayList<>();
        for (Kept k : read.shown()) {
            Entry e = k.entry(); // kept whole with --replay
            String why = notReplayable(e);
            if (why == null) {
                replayable.add(e);
            } else {
                out.println("skip " + dlq.name() + "/" + e.partition() + "/" + e.offset() + " " + e.origin() + ": " + why);
            }
        }
        int skipped = read.shown().size() - replayable.size();
        if (toTopic != null) {
            Set<String> origins = replayable.stream().map(e -> e.letter().getOriginTopic())
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            if (origins.size() > 1) {
                // Records of trade.records and trade.records.derived sent to one topic: almost surely a mistake.
                throw new CommandLine.ParameterException(spec.commandLine(), "--to-topic " + toTopic
                        + ": the replayable dead letters come from " + String.join(", ", origins)
                        + "; narrow them to one with --origin-topic");
            }
        }
        // Checked against the cluster before anything is sent, and in a dry run too: it is what an operator runs first.
        List<Send> sends = plan(settings, topics, dlq.name(), replayable);
        String notReplayed = skipped + " skipped" + (read.undecodable() == 0 ? "" : ", " + read.undecodable() + " undecodable");
        if (dryRun) {
            sends.forEach(s -> out.println("would send " + describeSend(dlq.name(), s)));
            out.printf(Locale.ROOT, "Dry run: %s would be replayed, %s; nothing was sent.%n",
                    TariffsCommand.count(sends.size(), "dead letter"), notReplayed);
            return 0;
        }
        if (sends.isEmpty()) {
            out.printf(Locale.ROOT, "Nothing to replay (%s); nothing was sent.%n", notReplayed);
            return 0;
        }
        send(settings, dlq.name(), sends);
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
        if (limit != null && limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 1 or more, found " + limit);
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
     * are held, or the {@code --limit} earliest): where it sorts and its line, and for a replay the whole entry. A
     * listing holds no DeadLetter: its raw key and value (the input record as read, up to MBs) were held for every
     * match, so listing a trade.dlq of millions of dead letters without --limit ran out of memory.
     *
     * @param entry the dead letter with its raw bytes, or null when only listing
     */
    record Kept(Instant occurredAt, int partition, long offset, String line, Entry entry) {
        static final Comparator<Kept> ORDER = Comparator.comparing(Kept::occurredAt)
                .thenComparingInt(Kept::partition).thenComparingLong(Kept::offset);

        static Kept of(Entry e, boolean forReplay) {
            return new Kept(e.letter().getOccurredAt(), e.partition(), e.offset(), DlqCommand.line(e), forReplay ? e : null);
        }
    }

    private Read read(Map<String, Object> client, Topic<String, DeadLetter> dlq, Filter filter) {
        // Earliest first across partitions; the queue keeps the --limit earliest so a long trade.dlq is not held.
        Comparator<Kept> order = Kept.ORDER;
        PriorityQueue<Kept> kept = new PriorityQueue<>(order.reversed());
        Comparator<Undecodable> position = Comparator.comparingInt(Undecodable::partition).thenComparingLong(Undecodable::offset);
        PriorityQueue<Undecodable> undecodable = new PriorityQueue<>(position.reversed());
        Map<DeadLetterStage, Integer> byStage = new EnumMap<>(DeadLetterStage.class);
        long[] total = {0};
        int[] undecodableCount = {0};
        // Typed by what it returns, not by the topic's type: another producer's Avro record comes back as its own class.
        Deserializer<?> values = dlq.valueSerde().deserializer();
        // read_committed, up to the last stable offsets at start: what is dead-lettered meanwhile is for the next run.
        Pipeline.readToEnd(client, dlq.name(), READ_TIMEOUT, r -> {
            total[0]++;
            String where = dlq.name() + "/" + r.partition() + "/" + r.offset();
            DeadLetter dl;
            try {
                Object value = values.deserialize(r.topic(), r.value());
                if (value == null) {
                    return; // a tombstone: nothing to list
                }
                if (!(value instanceof DeadLetter letter)) {
                    throw new SerializationException("not a DeadLetter but " + (value instanceof GenericContainer avro
                            ? "an Avro " + avro.getSchema().getFullName() : "a " + value.getClass().getSimpleName()));
                }
                dl = letter;
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
            kept.add(Kept.of(new Entry(r.partition(), r.offset(), key(dlq, r, where), dl), replay));
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

    private String target(Entry e) {
        return toTopic != null ? toTopic : e.letter().getOriginTopic();
    }

    /** The replay's transactional id unless --config sets one: one per dead-letter topic, so two replays fence. */
    static String defaultTransactionalId(String dlq) {
        return "tradepulse-dlq-replay-" + dlq;
    }

    /** Where one replayable dead letter is sent: its topic, and its partition (null: the producer's, by the raw key). */
    record Send(Entry entry, String topic, Integer partition) {
    }

    private static String describeSend(String dlq, Send s) {
        Entry e = s.entry();
        return String.format(Locale.ROOT, "%s/%d/%d -> %s%s (%s key, %d bytes value)", dlq, e.partition(), e.offset(),
                s.topic(), s.partition() == null ? "" : "/" + s.partition(),
                e.letter().getRawKey() == null ? "no" : e.letter().getRawKey().remaining() + " bytes",
                e.letter().getRawValue().remaining());
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
    private List<Send> plan(Map<String, Object> settings, TopicCatalog topics, String dlq, List<Entry> replayable)
            throws InterruptedException, ExecutionException {
        if (replayable.isEmpty()) {
            return List.of();
        }
        Set<String> names = replayable.stream().map(this::target).collect(Collectors.toCollection(LinkedHashSet::new));
        Map<String, Integer> partitions = new HashMap<>();
        Map<String, String> unusable = new HashMap<>();
        try (Admin admin = Admin.create(ClientSettings.only(settings, AdminClientConfig.configNames()))) {
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
        boolean bySeries = toTopic != null
                && (toTopic.equals(topics.records().name()) || toTopic.equals(topics.derivedRecords().name()));
        SeriesPartitioner series = new SeriesPartitioner(topics.records());
        List<Send> sends = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Entry e : replayable) {
            String topic = target(e);
            String where = dlq + "/" + e.partition() + "/" + e.offset() + " -> " + topic;
            Integer count = partitions.get(topic);
            if (count == null) {
                problems.add(where + ": " + unusable.get(topic));
            } else if (bySeries) {
                SeriesKey key;
                try {
                    key = series.key(e.letter().getOriginTopic(), bytes(e.letter().getRawKey()));
                } catch (SerializationException notASeries) {
                    problems.add(where + ": its raw key names no series, so its partition cannot be chosen as the "
                            + "processor would (" + whyUndecodable(dlq + "/" + e.partition() + "/" + e.offset() + " (its raw key)",
                            notASeries) + ")");
                    continue;
                }
                sends.add(new Send(e, topic, seriesPartition(series, key, count, topics.records().name())));
            } else {
                Integer origin = e.letter().getOriginPartition();
                Integer partition = toTopic == null && origin != null && origin >= 0 ? origin : null;
                if (partition != null && partition >= count) {
                    problems.add(where + "/" + partition + ": topic " + topic + " has " + count + " partition"
                            + (count == 1 ? "" : "s") + " (0.." + (count - 1) + ") now, fewer than when the record was read"
                            + " (recreated?); --to-topic " + topic + " sends it to the partition of its key instead");
                } else {
                    sends.add(new Send(e, topic, partition));
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
     * @throws ReplayRefusedException when the registry has no such key schema
     */
    static int seriesPartition(SeriesPartitioner series, SeriesKey key, int count, String recordsTopic) {
        try {
            return series.partition(key, count);
        } catch (SerializationException e) {
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

    /** Whether the serializer failed because the registry answered "not found" (subject, version or schema). */
    static boolean keySchemaNotRegistered(SerializationException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException registry) {
                return !(registry instanceof SchemaRegistryUnavailableException) && registry.httpStatus() == 404;
            }
        }
        return false;
    }

    /**
     * One transaction for the whole replay ({@link CatalogProducer#sendAtomically}: idempotent, acks=all, aborted on
     * any refusal), so a failed run publishes nothing.
     */
    private static void send(Map<String, Object> settings, String dlq, List<Send> sends) {
        Map<String, Object> props = new HashMap<>(ClientSettings.only(settings, ProducerConfig.configNames()));
        props.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, defaultTransactionalId(dlq));
        try (CatalogProducer producer = new CatalogProducer(props)) {
            producer.sendAtomically(() -> sends.forEach(s -> producer.send(replayed(dlq, s))));
        } catch (RuntimeException e) {
            // Kafka's message names no id ("Transactional Id authorization failed."), and the id is ours by default:
            // name it, and the ACL that is missing.
            String acl = !causedBy(e, TransactionalIdAuthorizationException.class) ? ""
                    : "the principal may not use the transactional id '" + props.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG)
                            + "' (grant Write and Describe on it, docs/operations.md \"Security\"): ";
            throw new IllegalStateException("the replay was aborted, nothing was published: " + acl + Main.messages(e), e);
        }
    }

    /** The dead letter's raw key and value, to its target, marked with where on the dead-letter topic it came from. */
    private static ProducerRecord<byte[], byte[]> replayed(String dlq, Send s) {
        Entry e = s.entry();
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(s.topic(), s.partition(), null,
                bytes(e.letter().getRawKey()), bytes(e.letter().getRawValue()));
        r.headers().add(REPLAYED_FROM_HEADER, (dlq + "/" + e.partition() + "/" + e.offset()).getBytes(StandardCharsets.UTF_8));
        return r;
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
