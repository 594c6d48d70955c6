package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.streams.TradeTopology;
import io.tradepulse.testsupport.ChildJvm;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under crashes, the way Kafka's own system tests check it: the processor runs as a child JVM
 * ({@code tradepulse run}) over a seeded backfill, is SIGKILLed at seeded random points of its progress and
 * restarted each time, and the broker is restarted once mid-run. What the crashed run committed to
 * {@code trade.changes}, {@code trade.signals} and {@code trade.dlq} (read with read_committed) must be
 * exactly what an uninterrupted run committed: the same final table, and, per key, the same sequence of
 * committed records (a replayed batch whose first transaction had committed would show up as a duplicate
 * there; a lost one as a gap).
 *
 * <p>Roll-ups are on (the processor's default) and the backfill has HS2/HS4/HS6 series, so parent levels are
 * derived and their pending cells, contributions and emissions go through the crashes too. A derived figure is
 * emitted when its cell has been quiet for a wall-clock interval, so how often a roll-up series is re-emitted on the
 * way depends on timing, crashes or not (two uninterrupted runs differ there too). For the series a derived figure
 * touched, the test therefore compares the final trade.changes table and the signals active at the end; for every
 * other series, the final tables and the per-key sequences.
 * "Caught up" includes the roll-up loop: the derived-records and repartition topics consumed, and no new derived
 * figure for longer than a pending cell can wait.
 *
 * <p>The broker is this test's own (not the shared platform one) because it restarts it; the registry is
 * the shared one. The seed can be changed with {@code -Dtradepulse.crash.seed=...} to explore other kill
 * points; the seed in use is printed.
 */
@WithEmbeddedPlatform
class CrashRecoveryIT {

    private static final long SEED = Long.getLong("tradepulse.crash.seed", 20_250_609L);
    private static final int SERIES = Integer.getInteger("tradepulse.crash.series", 450);
    private static final int KILLS = 5;
    /** Backfill records per input transaction. */
    private static final int CHUNK = 2_000;
    /** SIGKILL is signal 9; a JVM killed by it reports exit status 128 + 9 (no shutdown hook ran). */
    private static final int SIGKILL_EXIT = 137;
    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(90);
    /**
     * No committed progress for this long while input remains means the processor is stuck. Longer than the
     * processor's own warning for a restoration that stopped moving (60 s, RestoreProgress), so that a stall in
     * restoration has its WARN in the child's log lines the failure shows.
     */
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);
    /** Lines of a child's log a failure shows. */
    private static final int TAIL_LINES = 120;
    /**
     * The children's logging: the test-support configuration's levels, plus Kafka Streams' task lifecycle and
     * restoration (assignment, state transitions, restored or corrupted tasks, restoration progress) at INFO. A
     * stall was seen once in CI with only WARN lines to go on; these events say which tasks were restoring, waiting
     * or running when it happened. About a hundred lines per child.
     */
    private static final String CHILD_LOG_CONFIG = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Configuration status="WARN">
              <Appenders>
                <Console name="console" target="SYSTEM_OUT">
                  <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n"/>
                </Console>
              </Appenders>
              <Loggers>
                <Logger name="org.apache.kafka" level="WARN"/>
                <Logger name="org.apache.kafka.streams.processor.internals" level="INFO"/>
                <Logger name="org.apache.kafka.clients.NetworkClient" level="ERROR"/>
                <Logger name="io.tradepulse" level="INFO"/>
                <Root level="WARN"><AppenderRef ref="console"/></Root>
              </Loggers>
            </Configuration>
            """;
    /**
     * Short roll-up emission interval: a pending cell is emitted within 10 intervals (2 s), so the test can tell
     * when nothing is pending any more without waiting for the 5 s default's 50 s cap.
     */
    private static final long ROLLUP_EMIT_INTERVAL_MS = 200;
    /** Roll-up loop idle (all consumed, no new records) for this long means no cell is pending: 10 intervals + margin. */
    private static final Duration ROLLUP_QUIET = Duration.ofMillis(10 * ROLLUP_EMIT_INTERVAL_MS + 2_000);

    @Test
    void shouldEndWithTheSameCommittedTablesAfterFiveSigkillsAndABrokerRestart(EmbeddedPlatform platform,
            // Kept when the test fails: the children's whole logs (the failure shows their last lines) and state dirs.
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path work)
            throws Exception {
        long t0 = System.nanoTime();
        Random random = new Random(SEED);
        List<TradeRecord> backfill = Backfill.generate(random, SERIES);
        System.out.printf("CrashRecoveryIT: seed %d, %d series, %d input records%n", SEED, SERIES, backfill.size());

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Run reference = new Run("ref", kafka, platform.registryUrl(), work);
            reference.prepare(backfill);
            try (Child child = reference.startChild()) {
                reference.awaitCaughtUp(child);
                child.stopGracefully();
            }
            Outputs expected = reference.readOutputs();
            long referenceMs = reference.processingMillis;

            Run crashed = new Run("crash", kafka, platform.registryUrl(), work);
            crashed.prepare(backfill);
            double[] killAt = killPoints(random);
            double brokerRestartAt = (killAt[1] + killAt[2]) / 2;
            List<String> kills = new ArrayList<>();
            String brokerRestart = "not done";
            for (int i = 0; i <= KILLS; i++) {
                try (Child child = crashed.startChild()) {
                    if (i == 2) {
                        long committed = crashed.awaitProgress(child, brokerRestartAt);
                        long b0 = System.nanoTime();
                        kafka.restart();
                        brokerRestart = String.format("at committed input offset %d/%d, down %d ms", committed,
                                crashed.inputEnd, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - b0));
                    }
                    if (i < KILLS) {
                        long committed = crashed.awaitProgress(child, killAt[i]);
                        int exit = child.kill();
                        assertThat(exit).as("exit status of SIGKILLed child %d (log %s)", i, child.log).isEqualTo(SIGKILL_EXIT);
                        assertThat(committed).as("kill %d landed mid-run", i).isLessThan(crashed.inputEnd);
                        kills.add(committed + "/" + crashed.inputEnd);
                    } else {
                        crashed.awaitCaughtUp(child);
                        child.stopGracefully();
                    }
                }
            }
            Outputs actual = crashed.readOutputs();
            try (Admin admin = Admin.create(crashed.client)) {
                // Printed on success too, so the stall diagnostic's broker queries run (and are seen to work) every time.
                System.out.printf("CrashRecoveryIT: after the crashed run, %s%n", crashed.transactions(admin));
            }

            System.out.printf("CrashRecoveryIT: %d input records (input end offsets incl. transaction markers: %d); reference "
                    + "run %d ms; crashed run: %d SIGKILLs at committed input offsets %s, broker restart %s%n",
                    crashed.inputCount, crashed.inputEnd, referenceMs, KILLS, kills, brokerRestart);
            System.out.printf("CrashRecoveryIT: trade.changes %s%n", actual.changes.summary(expected.changes));
            System.out.printf("CrashRecoveryIT: trade.signals %s%n", actual.signals.summary(expected.signals));
            System.out.printf("CrashRecoveryIT: trade.dlq %s%n", actual.deadLetters.summary(expected.deadLetters));
            System.out.printf("CrashRecoveryIT: records of aborted transactions on the outputs (visible only to read_uncommitted): %d%n",
                    actual.abortedRecords());
            System.out.printf("CrashRecoveryIT: total %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

            // Series a derived figure reached in either run: their sequences depend on when roll-up cells went quiet.
            Set<SeriesKey> rollupSeries = new LinkedHashSet<>(expected.rollupSeries());
            rollupSeries.addAll(actual.rollupSeries());
            Predicate<ChangeKey> plainChange = k -> !rollupSeries.contains(series(k));
            Predicate<SignalKey> plainSignal = k -> !rollupSeries.contains(series(k));
            System.out.printf("CrashRecoveryIT: %d series carry derived roll-up figures (final tables compared); the "
                    + "sequences of the other %d change keys are compared too; signal keys of roll-up series: %d "
                    + "(%d active) in the crashed run, %d (%d active) in the reference%n", rollupSeries.size(),
                    expected.changes.countsPerKey().keySet().stream().filter(plainChange).count(),
                    actual.signals.where(plainSignal.negate()).table().size(),
                    active(actual.signals.where(plainSignal.negate()).table()).size(),
                    expected.signals.where(plainSignal.negate()).table().size(),
                    active(expected.signals.where(plainSignal.negate()).table()).size());

            assertThat(kills).hasSize(KILLS);
            assertThat(expected.changes.table()).as("reference run produced output").isNotEmpty();
            assertThat(rollupSeries).as("the backfill exercised roll-ups").isNotEmpty();
            // 0 lost, 0 changed: the latest value per key is identical, roll-up series included.
            assertThat(differences(actual.changes.table(), expected.changes.table())).as("trade.changes table").isEmpty();
            assertThat(differences(actual.signals.where(plainSignal).table(), expected.signals.where(plainSignal).table()))
                    .as("trade.signals table").isEmpty();
            // A derived figure can first be emitted on the children seen so far, so a roll-up series can raise a
            // signal on a partial sum and retract it once the rest arrives. Which transient signals that produced
            // depends on timing, and a retraction carries the values of the signal it retracts; what must agree is
            // the signals that hold on the final data.
            assertThat(differences(active(actual.signals.where(plainSignal.negate()).table()),
                    active(expected.signals.where(plainSignal.negate()).table())))
                    .as("active trade.signals of roll-up series").isEmpty();
            // 0 duplicated: per key, the committed records are the same sequence as without crashes. A batch
            // re-processed after a kill and committed twice would make a key's sequence longer.
            assertThat(differences(actual.changes.where(plainChange).countsPerKey(), expected.changes.where(plainChange).countsPerKey()))
                    .as("committed trade.changes records per key").isEmpty();
            assertThat(differences(actual.changes.where(plainChange).sequences(), expected.changes.where(plainChange).sequences()))
                    .as("trade.changes sequences per key").isEmpty();
            assertThat(differences(actual.signals.where(plainSignal).sequences(), expected.signals.where(plainSignal).sequences()))
                    .as("trade.signals sequences per key").isEmpty();
            // Dead letters are committed with the input offset too: one per refused input record, never two.
            assertThat(actual.deadLetters.countsPerKey().values()).allMatch(n -> n == 1);
            assertThat(actual.deadLetters.committed()).isEqualTo(expected.deadLetters.committed()).isEqualTo(Backfill.INVALID);
        }
    }

    private static Map<SignalKey, TradeSignal> active(Map<SignalKey, TradeSignal> table) {
        return table.entrySet().stream().filter(e -> e.getValue().getStatus() == SignalStatus.ACTIVE)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static SeriesKey series(ChangeKey k) {
        return new SeriesKey(k.getReporter(), k.getPartner(), k.getFlow(), k.getCommodity());
    }

    private static SeriesKey series(SignalKey k) {
        return new SeriesKey(k.getReporter(), k.getPartner(), k.getFlow(), k.getCommodity());
    }

    /** The keys whose values differ (missing on either side included), at most 10, readable in a failure message. */
    private static List<String> differences(Map<?, ?> actual, Map<?, ?> expected) {
        Set<Object> keys = new LinkedHashSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        List<String> diffs = new ArrayList<>();
        for (Object key : keys) {
            if (!java.util.Objects.equals(actual.get(key), expected.get(key))) {
                diffs.add(key + ": crashed run " + actual.get(key) + " vs uninterrupted " + expected.get(key));
            }
        }
        return diffs.size() <= 10 ? diffs : List.of(diffs.size() + " keys differ; first: " + diffs.subList(0, 10));
    }

    /** Increasing fractions of the input at which to kill: one per sixth of the run, jittered by the seed. */
    private static double[] killPoints(Random random) {
        double[] points = new double[KILLS];
        for (int i = 0; i < KILLS; i++) {
            points[i] = (i + 0.25 + 0.5 * random.nextDouble()) / (KILLS + 1);
        }
        return points;
    }

    /** One processor run: its own topic prefix, application id and state dir, against the shared broker. */
    private static final class Run {
        final String name;
        final EmbeddedKafka kafka;
        final Map<String, Object> client;
        final String prefix;
        final String applicationId;
        final Path dir;
        final Path configFile;
        final Path logConfigFile;
        final TopicCatalog topics;
        final List<Child> children = new ArrayList<>();
        /** Backfill records written. */
        long inputCount;
        /** Sum of the input partitions' end offsets: records plus transaction markers; what "caught up" means. */
        long inputEnd;
        long processingMillis;

        Run(String name, EmbeddedKafka kafka, String registryUrl, Path work) throws IOException {
            this.name = name;
            this.kafka = kafka;
            this.client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            this.prefix = "crash-" + name + "-" + Long.toHexString(SEED) + ".";
            this.applicationId = prefix + "processor";
            this.dir = Files.createDirectories(work.resolve(name));
            Properties p = new Properties();
            p.setProperty(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.setProperty(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
            p.setProperty(ProcessorConfig.APPLICATION_ID_CONFIG, applicationId);
            p.setProperty(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
            p.setProperty(ProcessorConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            p.setProperty(ProcessorConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
            // A SIGKILLed member never leaves the group: the restarted instance's rebalance waits for the
            // dead member's session to expire. The broker's minimum (6 s) keeps each restart short; the
            // production default (45 s) would only make this test slower, not different.
            p.setProperty("consumer.session.timeout.ms", "6000");
            p.setProperty("consumer.heartbeat.interval.ms", "1500");
            p.setProperty(ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_CONFIG, Long.toString(ROLLUP_EMIT_INTERVAL_MS));
            this.logConfigFile = Files.writeString(dir.resolve("child-log4j2.xml"), CHILD_LOG_CONFIG);
            this.configFile = dir.resolve("processor.properties");
            try (Writer w = Files.newBufferedWriter(configFile)) {
                p.store(w, "CrashRecoveryIT " + name);
            }
            Map<String, Object> cfg = new HashMap<>();
            p.forEach((k, v) -> cfg.put(k.toString(), v));
            this.topics = new ProcessorConfig(cfg).topicCatalog();
        }

        /**
         * Writes the backfill in transactions of {@link #CHUNK} records, retrying a failed chunk with a new
         * producer (which aborts the failed transaction): the input is then exactly the backfill, in order, for
         * read_committed readers (the processor under exactly_once_v2). A plain idempotent producer is not enough
         * here: on a heavily loaded box it has been seen to fail a batch with OutOfOrderSequenceException after
         * 40 s of retries, and an unnoticed hole in the input would make the two runs incomparable.
         */
        void prepare(List<TradeRecord> backfill) throws Exception {
            Pipeline.createTopics(client, topics);
            Topic<SeriesKey, TradeRecord> records = topics.records();
            List<ProducerRecord<byte[], byte[]>> serialized = new ArrayList<>(backfill.size());
            for (TradeRecord r : backfill) {
                serialized.add(new ProducerRecord<>(records.name(),
                        records.keySerde().serializer().serialize(records.name(), FileIngest.seriesKey(r)),
                        records.valueSerde().serializer().serialize(records.name(), r)));
            }
            KafkaProducer<byte[], byte[]> producer = null;
            try {
                for (int from = 0; from < serialized.size(); from += CHUNK) {
                    List<ProducerRecord<byte[], byte[]>> chunk = serialized.subList(from, Math.min(serialized.size(), from + CHUNK));
                    for (int attempt = 1; ; attempt++) {
                        if (producer == null) {
                            producer = backfillProducer();
                        }
                        try {
                            producer.beginTransaction();
                            chunk.forEach(producer::send);
                            producer.commitTransaction();
                            break;
                        } catch (KafkaException e) {
                            producer.close(Duration.ZERO);
                            producer = null;
                            if (attempt == 3) {
                                throw new AssertionError(name + ": could not write the backfill chunk at " + from, e);
                            }
                            System.out.printf("CrashRecoveryIT: %s: writing the backfill chunk at %d failed (%s); retrying%n",
                                    name, from, e);
                        }
                    }
                }
            } finally {
                if (producer != null) {
                    producer.close(Duration.ofSeconds(30));
                }
            }
            inputCount = backfill.size();
            try (Admin admin = Admin.create(client)) {
                inputEnd = ends(admin, inputPartitions(admin), IsolationLevel.READ_COMMITTED).values().stream()
                        .mapToLong(Long::longValue).sum();
            }
        }

        private KafkaProducer<byte[], byte[]> backfillProducer() {
            Map<String, Object> props = new HashMap<>(client);
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "backfill");
            props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
            producer.initTransactions();
            return producer;
        }

        Child startChild() throws IOException {
            Child child = Child.start(configFile, logConfigFile, dir.resolve("child-" + children.size() + ".log"));
            children.add(child);
            return child;
        }

        /**
         * Waits until the processor has committed at least {@code fraction} of the input; returns the count. Fails
         * when the committed count has not moved for {@link #STALL_TIMEOUT} (a stuck processor), not after a fixed
         * total time: a slow, busy CI box must not fail a processor that is still making progress.
         */
        long awaitProgress(Child child, double fraction) throws Exception {
            long target = (long) Math.ceil(fraction * inputEnd);
            long last = -1;
            long lastMoved = System.nanoTime();
            long lastReport = System.nanoTime();
            try (Admin admin = Admin.create(client)) {
                while (true) {
                    child.assertAlive();
                    long committed = committedInput(admin);
                    if (committed >= target) {
                        return committed;
                    }
                    if (System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
                        lastReport = System.nanoTime();
                        System.out.printf("CrashRecoveryIT: %s committed input offsets %d/%d, waiting for %d%n", name,
                                committed, inputEnd, target);
                    }
                    if (committed > last) {
                        last = committed;
                        lastMoved = System.nanoTime();
                    } else if (System.nanoTime() - lastMoved > STALL_TIMEOUT.toNanos()) {
                        throw new AssertionError(name + ": processor committed input offsets " + last + " of " + inputEnd
                                + " (waiting for " + target + ") and made no progress for " + STALL_TIMEOUT
                                + "\ncommitted per partition: " + committedPerPartition(admin) + "\n" + transactions(admin)
                                + "\n" + child.tail()
                                + "\n" + child.threadDump());
                    }
                    Thread.sleep(50);
                }
            }
        }

        /** All input consumed, then the roll-up loop drained: see {@link #awaitRollupsDrained}. */
        void awaitCaughtUp(Child child) throws Exception {
            long t = System.nanoTime();
            awaitProgress(child, 1.0);
            awaitRollupsDrained(child);
            processingMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
        }

        /**
         * Waits until the group has consumed trade.records.derived and the rollup-by-parent repartition topic to
         * their ends (give or take the transaction marker after the last record) and neither has grown for
         * {@link #ROLLUP_QUIET}: longer than any pending cell waits to be emitted, so nothing is left pending.
         */
        private void awaitRollupsDrained(Child child) throws Exception {
            String repartition = applicationId + "-" + TradeTopology.ROLLUP_REPARTITION + "-repartition";
            List<String> loop = List.of(topics.derivedRecords().name(), repartition);
            Map<TopicPartition, Long> lastEnds = Map.of();
            long quietSince = System.nanoTime();
            long lastMoved = System.nanoTime();
            try (Admin admin = Admin.create(client)) {
                Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                admin.describeTopics(loop).allTopicNames().get().forEach((topic, d) -> d.partitions()
                        .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
                while (true) {
                    child.assertAlive();
                    Map<TopicPartition, Long> ends = ends(admin, request, IsolationLevel.READ_UNCOMMITTED);
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                            .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                    boolean consumed = ends.entrySet().stream().allMatch(e -> e.getValue() == 0L
                            || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue() - 1));
                    if (!consumed || !ends.equals(lastEnds)) {
                        quietSince = System.nanoTime();
                    }
                    if (!ends.equals(lastEnds)) {
                        lastMoved = System.nanoTime();
                    }
                    lastEnds = ends;
                    if (System.nanoTime() - quietSince > ROLLUP_QUIET.toNanos()) {
                        return;
                    }
                    if (System.nanoTime() - lastMoved > STALL_TIMEOUT.toNanos()) {
                        throw new AssertionError(name + ": roll-up loop not consumed and not moving for " + STALL_TIMEOUT
                                + ": ends " + ends + ", committed " + committed + "\n" + transactions(admin) + "\n" + child.tail());
                    }
                    Thread.sleep(100);
                }
            }
        }

        private String committedPerPartition(Admin admin) {
            try {
                return new java.util.TreeMap<>(admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()
                        .get(5, TimeUnit.SECONDS).entrySet().stream().collect(Collectors.toMap(e -> e.getKey().toString(),
                                e -> e.getValue() == null ? -1L : e.getValue().offset()))).toString()
                        + ", end offsets: " + new java.util.TreeMap<>(ends(admin, inputPartitions(admin), IsolationLevel.READ_UNCOMMITTED)
                        .entrySet().stream().collect(Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue)));
            } catch (Exception e) {
                return "(unavailable: " + e + ")";
            }
        }

        /**
         * The broker's view of this run's transactions, for a stall: every partition of the run whose last stable
         * offset trails its high watermark, with the producers whose open transaction holds it there (a read_committed
         * reader, the processor's consumers and its restoration included, cannot pass that offset until the
         * transaction is decided), and every transaction of the run's transactional ids the coordinator knows.
         */
        private String transactions(Admin admin) {
            try {
                Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                admin.describeTopics(runTopics(admin)).allTopicNames().get(5, TimeUnit.SECONDS).forEach((topic, d) -> d.partitions()
                        .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
                Map<TopicPartition, Long> stable = ends(admin, request, IsolationLevel.READ_COMMITTED);
                Map<TopicPartition, Long> high = ends(admin, request, IsolationLevel.READ_UNCOMMITTED);
                List<TopicPartition> held = request.keySet().stream().filter(tp -> stable.get(tp) < high.get(tp))
                        .sorted(java.util.Comparator.comparing(TopicPartition::toString)).toList();
                StringBuilder out = new StringBuilder("partitions whose last stable offset trails the high watermark: ")
                        .append(held.isEmpty() ? "none" : "");
                Map<TopicPartition, org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState> producers =
                        held.isEmpty() ? Map.of() : admin.describeProducers(held).all().get(10, TimeUnit.SECONDS);
                for (TopicPartition tp : held) {
                    out.append("\n  ").append(tp).append(": stable ").append(stable.get(tp)).append(", high watermark ")
                            .append(high.get(tp)).append(", open transactions: ")
                            .append(producers.get(tp).activeProducers().stream()
                                    .filter(p -> p.currentTransactionStartOffset().isPresent())
                                    .map(p -> "producer " + p.producerId() + " epoch " + p.producerEpoch() + " from offset "
                                            + p.currentTransactionStartOffset().getAsLong() + ", last write "
                                            + Instant.ofEpochMilli(p.lastTimestamp()))
                                    .toList());
                }
                List<String> ids = admin.listTransactions().all().get(5, TimeUnit.SECONDS).stream()
                        .map(org.apache.kafka.clients.admin.TransactionListing::transactionalId)
                        .filter(id -> id.startsWith(prefix)).sorted().toList();
                out.append("\ntransactions of this run (coordinator): ").append(ids.isEmpty() ? "none" : "");
                admin.describeTransactions(ids).all().get(5, TimeUnit.SECONDS).forEach((id, t) -> out.append("\n  ").append(id)
                        .append(": ").append(t.state()).append(", producer ").append(t.producerId()).append(" epoch ")
                        .append(t.producerEpoch()).append(", started ").append(t.transactionStartTimeMs().isPresent()
                                ? Instant.ofEpochMilli(t.transactionStartTimeMs().getAsLong()) : "-")
                        .append(", partitions ").append(t.topicPartitions()));
                return out.toString();
            } catch (Exception e) {
                return "(transactions unavailable: " + e + ")";
            }
        }

        private Map<TopicPartition, OffsetSpec> inputPartitions(Admin admin) throws Exception {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            admin.describeTopics(List.of(topics.records().name())).allTopicNames().get().forEach((topic, d) -> d.partitions()
                    .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
            return request;
        }

        /** Sum of the group's committed offsets on the input topic; -1 while the broker does not answer. */
        private long committedInput(Admin admin) throws InterruptedException {
            try {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(applicationId)
                        .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topics.records().name()))
                        .mapToLong(e -> e.getValue() == null ? 0 : e.getValue().offset()).sum();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return -1; // broker restarting: try again at the next poll
            }
        }

        Outputs readOutputs() throws Exception {
            List<String> outputs = List.of(topics.changes().name(), topics.signals().name(), topics.deadLetters().name());
            awaitNoOpenTransactions();
            return new Outputs(read(topics.changes()), read(topics.signals()), read(topics.deadLetters()),
                    uncommittedRecordCount(outputs));
        }

        /**
         * The last transaction's markers are written after the offsets commit is acknowledged. Until every
         * transaction on the outputs is decided, the last stable offset trails the high watermark; reading
         * before that would miss committed records. Every partition of the run is checked, not only the outputs:
         * once the processor has stopped cleanly no transaction may stay open anywhere, and one left on a changelog
         * (which no output shows) would hold the next restoration of its task for ever.
         */
        private void awaitNoOpenTransactions() throws Exception {
            try (Admin admin = Admin.create(client)) {
                try {
                    Pipeline.awaitStable(client, List.copyOf(runTopics(admin)), PHASE_TIMEOUT);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError(name + ": " + e.getMessage() + "\n" + transactions(admin), e);
                }
            }
        }

        /** Every topic of this run: inputs, outputs, changelogs and repartition topics (all carry its prefix). */
        private Set<String> runTopics(Admin admin) throws Exception {
            return admin.listTopics().names().get(5, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(prefix))
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
        }

        private static Map<TopicPartition, Long> ends(Admin admin, Map<TopicPartition, OffsetSpec> request, IsolationLevel level)
                throws Exception {
            return admin.listOffsets(request, new ListOffsetsOptions(level)).all().get(30, TimeUnit.SECONDS)
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }

        /** Every committed record of {@code topic}, from the beginning, with read_committed. */
        <K, V> Log<K, V> read(Topic<K, V> topic) {
            List<Map.Entry<K, V>> records = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : readRaw(topic.name(), IsolationLevel.READ_COMMITTED)) {
                records.add(Map.entry(topic.keySerde().deserializer().deserialize(r.topic(), r.key()),
                        topic.valueSerde().deserializer().deserialize(r.topic(), r.value())));
            }
            return new Log<>(records);
        }

        private long uncommittedRecordCount(List<String> outputTopics) {
            return outputTopics.stream().mapToLong(t -> readRaw(t, IsolationLevel.READ_UNCOMMITTED).size()).sum();
        }

        private List<ConsumerRecord<byte[], byte[]>> readRaw(String topic, IsolationLevel isolation) {
            Map<String, Object> props = new HashMap<>(client);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
                long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
                while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("did not reach the end of " + topic + " within " + PHASE_TIMEOUT);
                    }
                    consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                }
            }
            // Per-partition order is what the sequences compare; partitions are independent.
            return out;
        }
    }

    /** What one run committed to its three output topics. */
    private record Outputs(Log<ChangeKey, TradeChange> changes, Log<SignalKey, TradeSignal> signals,
                           Log<String, DeadLetter> deadLetters, long uncommittedView) {
        long abortedRecords() {
            return uncommittedView - changes.committed() - signals.committed() - deadLetters.committed();
        }

        /** The series any committed trade.changes record of which is a derived (roll-up) figure. */
        Set<SeriesKey> rollupSeries() {
            return changes.records().stream().filter(e -> e.getValue() != null && e.getValue().getDerivedFrom() != null)
                    .map(e -> series(e.getKey())).collect(Collectors.toSet());
        }
    }

    /** The committed records of one topic, in log order per partition. */
    private record Log<K, V>(List<Map.Entry<K, V>> records) {
        Map<K, V> table() {
            Map<K, V> table = new HashMap<>();
            records.forEach(e -> {
                if (e.getValue() == null) {
                    table.remove(e.getKey());
                } else {
                    table.put(e.getKey(), e.getValue());
                }
            });
            return table;
        }

        Log<K, V> where(Predicate<K> keys) {
            return new Log<>(records.stream().filter(e -> keys.test(e.getKey())).toList());
        }

        Map<K, List<V>> sequences() {
            Map<K, List<V>> sequences = new HashMap<>();
            records.forEach(e -> sequences.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
            return sequences;
        }

        Map<K, Integer> countsPerKey() {
            Map<K, Integer> counts = new HashMap<>();
            records.forEach(e -> counts.merge(e.getKey(), 1, Integer::sum));
            return counts;
        }

        long committed() {
            return records.size();
        }

        /** Keys of the two runs differ when they embed the topic name (dead letters), so counts are compared as multisets. */
        String summary(Log<?, ?> reference) {
            Map<K, Integer> counts = countsPerKey();
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            long multi = counts.values().stream().filter(n -> n > 1).count();
            return String.format("%d keys, %d committed records (reference: %d keys, %d records); committed records per key: "
                            + "max %d, %d keys with more than one (re-emissions after revisions; same per-key counts as the "
                            + "reference: %s)",
                    counts.size(), committed(), reference.countsPerKey().size(), reference.committed(), max, multi,
                    counts.values().stream().sorted().toList()
                            .equals(reference.countsPerKey().values().stream().sorted().toList()));
        }
    }

    /** {@code tradepulse run} in a child JVM, so that a kill is a real SIGKILL of the whole process. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final Path log;

        private Child(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static Child start(Path config, Path logConfig, Path log) throws IOException {
            List<String> command = ChildJvm.command("384m", List.of("-Dlog4j2.configurationFile=" + logConfig.toUri()),
                    Main.class, "run", "--config", config.toString(), "--http-port", "-1");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Child(p, log);
        }

        void assertAlive() {
            if (!process.isAlive()) {
                throw new AssertionError("processor child exited by itself with status " + process.exitValue() + "\n" + tail());
            }
        }

        /** {@link Process#destroyForcibly()} is SIGKILL on Linux; the exit status proves it (137 = 128 + 9). */
        int kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("child did not die after SIGKILL");
            }
            return process.exitValue();
        }

        /** SIGTERM: the shutdown hook closes Streams cleanly. */
        void stopGracefully() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(45, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }

        String tail() {
            try {
                // Without stack frames: a stall's log ends in repeated exceptions, and 40 lines of their frames once
                // hid every event (assignment, restoration, state changes) before it. The whole log is kept with the
                // test's temp dir when it fails.
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t... ")).toList();
                return "--- " + log + " (last " + TAIL_LINES + " lines, stack frames left out) ---\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The child's threads, to tell a stuck stream thread from an idle one when a run stalls. */
        String threadDump() {
            return ChildJvm.threadDump(process);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * A backfill shaped like the real sources: monthly series of several reporters (GACC publishes Jan+Feb
     * combined, Comext in EUR), 36 months each, released month by month; about a quarter of the figures
     * revised later (some twice, some with the same publication time and a higher revision number), some
     * re-sent unchanged (an at-least-once source re-reading a file), some stale revisions arriving after
     * newer ones, some months published only as a growth rate, and a few rows the validator must refuse.
     */
    static final class Backfill {
        static final int INVALID = 12;
        private static final String[] REPORTERS = {"USA", "CHN", "DEU", "JPN", "MEX", "CAN", "KOR", "VNM", "FRA", "GBR"};
        private static final String[] PARTNERS = {"WLD", "USA", "CHN", "DEU", "MEX", "JPN", "VNM"};
        private static final String[] COMMODITIES = {"TOTAL", "84", "85", "87", "27", "30", "94", "8542", "870380", "61"};
        private static final int FIRST_YEAR = 2022;
        private static final int MONTHS = 36;

        private record Published(TradeRecord record, Instant at) {
        }

        static List<TradeRecord> generate(Random random, int seriesCount) {
            Set<SeriesKey> series = new LinkedHashSet<>();
            while (series.size() < seriesCount) {
                String reporter = REPORTERS[random.nextInt(REPORTERS.length)];
                String partner = PARTNERS[random.nextInt(PARTNERS.length)];
                if (!reporter.equals(partner)) {
                    series.add(new SeriesKey(reporter, partner, random.nextBoolean() ? Flow.EXPORT : Flow.IMPORT,
                            COMMODITIES[random.nextInt(COMMODITIES.length)]));
                }
            }
            List<Published> published = new ArrayList<>();
            for (SeriesKey key : series) {
                double level = 2e8 + random.nextDouble() * 4e10;
                boolean gacc = key.getReporter().equals("CHN");
                for (int i = 0; i < MONTHS; i++) {
                    int year = FIRST_YEAR + i / 12;
                    int month = i % 12 + 1;
                    if (gacc && month == 2) {
                        continue; // folded into the combined Jan+Feb figure below
                    }
                    int months = gacc && month == 1 ? 2 : 1;
                    level *= 1 + (random.nextGaussian() * 0.04);
                    long value = Math.round(level * months);
                    Instant release = LocalDate.of(year, month, 1).plusMonths(months).plusDays(8 + random.nextInt(30))
                            .atStartOfDay().toInstant(ZoneOffset.UTC);
                    boolean rateOnly = random.nextInt(100) == 0;
                    TradeRecord first = record(key, year, month, months, rateOnly ? null : value,
                            rateOnly ? random.nextGaussian() * 10 : null, release, 0);
                    published.add(new Published(first, release));
                    if (random.nextInt(4) == 0) {
                        Instant later = release.plus(Duration.ofDays(30 + random.nextInt(300)));
                        TradeRecord revised = record(key, year, month, months, Math.round(value * (1 + random.nextGaussian() * 0.03)),
                                null, later, 0);
                        published.add(new Published(revised, later));
                        if (random.nextInt(5) == 0) {
                            // Same publication time, higher revision number: the tie-breaker decides.
                            published.add(new Published(TradeRecord.newBuilder(revised).setRevision(1)
                                    .setValue(Math.round(value * (1 + random.nextGaussian() * 0.03))).build(), later));
                        }
                        if (random.nextInt(6) == 0) {
                            // The original release re-sent after its revision: stale, must change nothing.
                            published.add(new Published(first, later.plus(Duration.ofDays(1))));
                        }
                    }
                }
            }
            // Release order (what a backfill replaying the archive sends), with local disorder.
            published.sort((a, b) -> a.at().compareTo(b.at()));
            List<TradeRecord> out = new ArrayList<>(published.size() + published.size() / 10 + INVALID);
            for (Published p : published) {
                out.add(p.record());
            }
            for (int i = 0; i + 1 < out.size(); i += 2 + random.nextInt(6)) {
                Collections.swap(out, i, i + 1);
            }
            int duplicates = out.size() / 10;
            for (int i = 0; i < duplicates; i++) {
                int at = random.nextInt(out.size());
                out.add(Math.min(out.size(), at + 1 + random.nextInt(50)), out.get(at));
            }
            List<SeriesKey> keys = new ArrayList<>(series);
            for (int i = 0; i < INVALID; i++) {
                SeriesKey key = keys.get(random.nextInt(keys.size()));
                TradeRecord bad = record(key, FIRST_YEAR + 1, 13, 1, 1_000L, null,
                        Instant.parse("2024-01-10T00:00:00Z"), 0); // month 13: refused by the validator
                out.add(random.nextInt(out.size()), bad);
            }
            return out;
        }

        private static TradeRecord record(SeriesKey key, int year, int month, int months, Long value, Double reportedYoy,
                Instant publishedAt, int revision) {
            String reporter = key.getReporter();
            String source = switch (reporter) {
                case "USA" -> "CENSUS";
                case "CHN" -> "GACC";
                case "DEU", "FRA" -> "COMEXT";
                default -> "COMTRADE";
            };
            boolean total = key.getCommodity().equals("TOTAL");
            CommodityLevel level = total ? CommodityLevel.TOTAL : switch (key.getCommodity().length()) {
                case 2 -> CommodityLevel.HS2;
                case 4 -> CommodityLevel.HS4;
                default -> CommodityLevel.HS6;
            };
            return TradeRecord.newBuilder()
                    .setReporter(reporter).setPartner(key.getPartner()).setFlow(key.getFlow())
                    .setCommodity(key.getCommodity()).setCommodityLevel(level)
                    .setYear(year).setMonth(month).setMonths(months)
                    .setValue(value).setReportedYoyPct(reportedYoy)
                    .setCurrency(source.equals("COMEXT") ? "EUR" : "USD")
                    .setValuation(key.getFlow() == Flow.IMPORT ? "CIF" : "FOB")
                    .setSource(source).setSourceRef("synthetic backfill (CrashRecoveryIT)")
                    .setVintage(publishedAt.toString().substring(0, 10))
                    .setPublishedAt(publishedAt).setRevision(revision).setNote(null)
                    .build();
        }
    }
}
