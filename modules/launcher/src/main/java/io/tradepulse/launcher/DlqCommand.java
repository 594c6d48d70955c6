package io.tradepulse.launcher;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.CatalogProducer;
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
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tradepulse dlq}: lists the dead letters on {@code trade.dlq} and re-produces the replayable ones to the
 * topic they came from. The processor's dead letters of an input record (DESERIALIZATION, VALIDATION, PROCESSING)
 * carry that record's key and value exactly as they were read and its origin topic/partition/offset, so once the
 * cause is fixed (a registry schema, a validation limit) producing those bytes back is the whole replay. A
 * connector's dead letter (a source row, origin {@code file:<name>:<line>}) is no Kafka record and a punctuation
 * item's carries no value: those are listed and skipped, saying why.
 *
 * <p>The topic is read read_committed from the beginning up to the end offsets taken at start, so a run always
 * ends, also while the processor keeps dead-lettering. A replay is one transaction: a failed run publishes nothing.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE},
        description = {"List the dead letters on trade.dlq and replay the processor's to the topic they came from.",
                "One line per matching dead letter: occurredAt, stage, origin (topic/partition/offset, or the "
                        + "connector's file:<name>:<line>, or a punctuation item), source and reason; then the "
                        + "counts by stage. trade.dlq is read (read_committed) up to its end at start, so the "
                        + "command ends.",
                "--replay re-produces each matching dead letter with a Kafka origin and a raw value: its raw key "
                        + "and value bytes, unchanged, to its origin topic and partition (or --to-topic), with the "
                        + "header tradepulse.replayed-from=<dlq topic>/<partition>/<offset>. All of them are one "
                        + "Kafka transaction (transactional.id in --config, default tradepulse-dlq-replay-<dlq "
                        + "topic>): a failed run publishes nothing. Connector rows and punctuation items cannot be "
                        + "re-produced: they are listed as skipped, with why. The processor handles a replayed "
                        + "record like a new one; replaying one twice is harmless."},
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
            description = "With --replay: produce to this topic instead of the origin (partitioned by the raw key); "
                    + "refused when the replayable matches come from more than one topic.")
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
        for (Entry e : read.shown()) {
            out.println(line(e));
        }
        out.println(summary(read, dlq.name()));
        if (!replay) {
            return 0;
        }
        List<Entry> replayable = new ArrayList<>();
        for (Entry e : read.shown()) {
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
        if (dryRun) {
            replayable.forEach(e -> out.println("would send " + describeSend(dlq.name(), e)));
            out.printf(Locale.ROOT, "Dry run: %s would be replayed, %d skipped; nothing was sent.%n",
                    TariffsCommand.count(replayable.size(), "dead letter"), skipped);
            return 0;
        }
        if (replayable.isEmpty()) {
            out.printf(Locale.ROOT, "Nothing to replay (%d skipped); nothing was sent.%n", skipped);
            return 0;
        }
        send(settings, dlq.name(), replayable);
        replayable.forEach(e -> out.println("sent " + describeSend(dlq.name(), e)));
        out.printf(Locale.ROOT, "Done: %s replayed in one transaction, %d skipped.%n",
                TariffsCommand.count(replayable.size(), "dead letter"), skipped);
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

    /** What was read: the matches to show (the earliest {@code --limit}), and counts of every match. */
    record Read(long total, List<Entry> shown, Map<DeadLetterStage, Integer> matchedByStage) {
        int matched() {
            return matchedByStage.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private Read read(Map<String, Object> client, Topic<String, DeadLetter> dlq, Filter filter) {
        // Earliest first across partitions; the queue keeps the --limit earliest so a long trade.dlq is not held.
        Comparator<Entry> order = Comparator.comparing((Entry e) -> e.letter().getOccurredAt())
                .thenComparingInt(Entry::partition).thenComparingLong(Entry::offset);
        PriorityQueue<Entry> kept = new PriorityQueue<>(order.reversed());
        Map<DeadLetterStage, Integer> byStage = new EnumMap<>(DeadLetterStage.class);
        long[] total = {0};
        // read_committed, up to the last stable offsets at start: what is dead-lettered meanwhile is for the next run.
        Pipeline.readToEnd(client, dlq.name(), READ_TIMEOUT, r -> {
            total[0]++;
            DeadLetter dl = dlq.valueSerde().deserializer().deserialize(r.topic(), r.value());
            if (dl == null || !filter.matches(dl)) {
                return;
            }
            byStage.merge(dl.getStage(), 1, Integer::sum);
            kept.add(new Entry(r.partition(), r.offset(), dlq.keySerde().deserializer().deserialize(r.topic(), r.key()), dl));
            if (limit != null && kept.size() > limit) {
                kept.poll();
            }
        });
        List<Entry> shown = new ArrayList<>(kept);
        shown.sort(order);
        return new Read(total[0], List.copyOf(shown), byStage);
    }

    static String line(Entry e) {
        DeadLetter dl = e.letter();
        String reason = String.valueOf(dl.getReason()).replaceAll("\\s+", " ");
        return String.format(Locale.ROOT, "%s  %-15s  %s  source=%s  %s", dl.getOccurredAt(), dl.getStage(), e.origin(),
                dl.getSource() == null ? "-" : dl.getSource(),
                reason.length() <= REASON_LENGTH ? reason : reason.substring(0, REASON_LENGTH - 3) + "...");
    }

    private String summary(Read read, String dlq) {
        String counts = read.matchedByStage().isEmpty() ? "none"
                : read.matchedByStage().entrySet().stream().map(s -> s.getKey() + " " + s.getValue())
                        .collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, "%d of %d dead letters on %s matched (%s)%s.", read.matched(), read.total(),
                dlq, counts, read.shown().size() < read.matched() ? "; listed the " + read.shown().size() + " earliest" : "");
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

    private String describeSend(String dlq, Entry e) {
        Integer partition = partition(e);
        return String.format(Locale.ROOT, "%s/%d/%d -> %s%s (%s key, %d bytes value)", dlq, e.partition(), e.offset(),
                target(e), partition == null ? "" : "/" + partition,
                e.letter().getRawKey() == null ? "no" : e.letter().getRawKey().remaining() + " bytes",
                e.letter().getRawValue().remaining());
    }

    /**
     * The origin partition when replaying to the origin topic: a series' records must stay in its partition
     * (trade.records.derived's partition is chosen by the processor, not by hashing the key). With --to-topic, or
     * without a known partition, the producer's partitioner picks it from the raw key, as for any producer of it.
     */
    private Integer partition(Entry e) {
        Integer p = e.letter().getOriginPartition();
        return toTopic == null && p != null && p >= 0 ? p : null;
    }

    /**
     * One transaction for the whole replay ({@link CatalogProducer#sendAtomically}: idempotent, acks=all, aborted on
     * any refusal), so a failed run publishes nothing.
     */
    private void send(Map<String, Object> settings, String dlq, List<Entry> replayable) {
        Map<String, Object> props = new HashMap<>(ClientSettings.only(settings, ProducerConfig.configNames()));
        props.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tradepulse-dlq-replay-" + dlq);
        try (CatalogProducer producer = new CatalogProducer(props)) {
            producer.sendAtomically(() -> replayable.forEach(e -> producer.send(replayed(dlq, e))));
        } catch (RuntimeException e) {
            throw new IllegalStateException("the replay was aborted, nothing was published: " + Main.messages(e), e);
        }
    }

    /** The dead letter's raw key and value, to its target, marked with where on the dead-letter topic it came from. */
    private ProducerRecord<byte[], byte[]> replayed(String dlq, Entry e) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(target(e), partition(e), null,
                bytes(e.letter().getRawKey()), bytes(e.letter().getRawValue()));
        r.headers().add(REPLAYED_FROM_HEADER, (dlq + "/" + e.partition() + "/" + e.offset()).getBytes(StandardCharsets.UTF_8));
        return r;
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
