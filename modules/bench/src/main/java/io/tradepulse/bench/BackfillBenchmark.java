package io.tradepulse.bench;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicAdmin;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.EmbeddedRegistry;
import io.tradepulse.embedded.OwnedTempDirs;
import io.tradepulse.embedded.Resources;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.streams.StateStoreType;
import io.tradepulse.streams.TradeTopology;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The backfill benchmark: one seeded data set loaded once into trade.records on the embedded broker (with the
 * embedded registry), then, over that same topic:
 * <ol>
 *   <li>a raw byte consumer (the ceiling for reading the topic);</li>
 *   <li>a pass-through Kafka Streams app, same Avro serdes and the processor's own Streams settings
 *   (exactly_once_v2, lz4, batching): the ceiling for a Streams app writing one record per input;</li>
 *   <li>the tradepulse processors ({@link ProcessorApp}) under the same settings.</li>
 * </ol>
 * Each rate is input records / seconds from the app reaching RUNNING (or its stream threads processing the first
 * records, when that comes first) to its committed offsets reaching the end of the topic (start-up and the group
 * join are reported apart). Per phase it reports the most heap in use at
 * one instant and the most left after a collection, broker included (it shares this JVM): {@link HeapUsage}, which
 * says why it no longer sums the pools' own peaks. For the two Streams apps it also reports CPU
 * time from just before the app's start to the phase's end, start-up included ({@link CpuUsage}): their stream
 * threads' (per input, and processors over pass-through) and the whole JVM's. On a shared box those compare builds better than the wall-clock rates.
 */
public final class BackfillBenchmark {
    /** Options of one run. */
    public record Options(long records, int months, double revisionPct, long seed, int threads, int partitions,
                          Long commitIntervalMs, Duration timeout, Rollups rollups, Long rollupEmitIntervalMs,
                          StateStoreType stateStore, BackfillDataSet.Order order) {
        /**
         * Refuses what the command line refuses, for runs without it ({@link #main}, tests): zero stream threads or
         * partitions left every Streams phase waiting out its timeout, and a zero or negative timeout failed the
         * first phase at once, after the whole load.
         *
         * @throws IllegalArgumentException naming the option
         */
        public Options {
            BackfillDataSet.checkSize(records, months, revisionPct);
            if (threads < 1 || partitions < 1) {
                throw new IllegalArgumentException("threads and partitions must be at least 1: " + threads + ", "
                        + partitions);
            }
            if (timeout == null || timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            if (commitIntervalMs != null && commitIntervalMs < 0) {
                throw new IllegalArgumentException("the commit interval must not be negative: " + commitIntervalMs);
            }
            // What the processors' configuration refuses (ProcessorConfig): refused here, before the broker starts
            // and the data set is loaded, rather than when the processors' phase starts.
            if (rollupEmitIntervalMs != null && (rollupEmitIntervalMs < ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_MIN
                    || rollupEmitIntervalMs > ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_MAX)) {
                throw new IllegalArgumentException("the roll-up emit interval must be "
                        + ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_MIN + ".." + ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_MAX
                        + " ms (" + ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_CONFIG + "): " + rollupEmitIntervalMs);
            }
            if (rollups == null || stateStore == null || order == null) {
                throw new IllegalArgumentException("rollups, state store and order are required");
            }
        }
    }

    /** Which roll-ups the processors derive: none, the parent HS levels (the processor's default), or also WLD. */
    public enum Rollups {
        OFF(false, false), COMMODITY(true, false), ALL(true, true);

        final boolean commodity;
        final boolean world;

        Rollups(boolean commodity, boolean world) {
            this.commodity = commodity;
            this.world = world;
        }
    }

    /**
     * Rate of one phase. {@code cpu} is null where it is not measured (the load and the raw consumer, or a JVM
     * without per-thread CPU time).
     *
     * @param peakHeapBytes       the most heap in use at one instant during the phase (since 2026-11-29; before, the
     *                            sum of the heap pools' own peaks, an upper bound): {@link HeapUsage}
     * @param maxHeapAfterGcBytes the most heap left in use after a collection during the phase; -1 without one
     */
    public record Phase(String name, long records, double seconds, double startupSeconds, long peakHeapBytes,
                        long maxHeapAfterGcBytes, CpuUsage.Split cpu) {
        public double rate() {
            return records / seconds;
        }

        /** The app's stream threads' CPU microseconds per input record; NaN when not measured. */
        public double streamThreadMicrosPerInput() {
            return cpu == null ? Double.NaN : cpu.appSeconds() * 1e6 / records;
        }
    }

    /**
     * All results of a run.
     *
     * @param deadLettersWritten  offsets on trade.dlq (transaction markers included) after the run, written by any of
     *                            the Streams phases: the pass-through apps run with the processor's Streams settings,
     *                            its dead-letter handlers included
     * @param deadLettersByPhase  the same offsets by the Streams phase during which they were written, by phase name in
     *                            run order
     */
    public record Result(long records, long series, Phase load, Phase raw, Phase passThrough,
                         Phase statefulPassThrough, Phase processors, long changesWritten, long signalsWritten,
                         long derivedWritten, long deadLettersWritten, Map<String, Long> deadLettersByPhase,
                         Derived derived) {
        /** The ratio: processors over the (stateless) pass-through. */
        public double ratio() {
            return processors.rate() / passThrough.rate();
        }

        /**
         * Processors over the stateful pass-through: how far the processors are from the floor of any app keeping one
         * state entry per series. Information for the target's owner, not the target.
         */
        public double statefulRatio() {
            return processors.rate() / statefulPassThrough.rate();
        }

        /** Stream-thread CPU per input, processors over pass-through: the work ratio, whatever the box's speed. */
        public double cpuRatio() {
            return processors.streamThreadMicrosPerInput() / passThrough.streamThreadMicrosPerInput();
        }
    }

    static final String PASS_THROUGH_ID = "bench-passthrough";
    static final String STATEFUL_PASS_THROUGH_ID = "bench-stateful-passthrough";
    static final String STATEFUL_STORE = "last-figure";
    static final String PROCESSOR_ID = "bench-processor";

    private final PrintStream out;

    public BackfillBenchmark(PrintStream out) {
        this.out = out;
    }

    /** Runs without the launcher: {@code BackfillBenchmark [records] [threads]} (the launcher's verb is {@code tradepulse bench}). */
    public static void main(String[] args) throws Exception {
        long records = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        new BackfillBenchmark(System.out).run(new Options(records, 36, 1.0, 42L, threads, 6, null, Duration.ofMinutes(30),
                Rollups.COMMODITY, null, StateStoreType.ROCKSDB, BackfillDataSet.Order.RELEASE));
    }

    /** Runs the benchmark; everything it started is stopped and removed before this returns. */
    public Result run(Options o) throws Exception {
        try (Resources resources = new Resources()) {
            return run(o, resources);
        }
    }

    /**
     * The data set's header line. A one-month data set has one release, which revises nothing: it printed the
     * configured revision share all the same.
     */
    static String dataSetLine(BackfillDataSet data, Options o) {
        String revisions = o.months() == 1 ? "no revisions (one release)"
                : String.format(Locale.ROOT, "%.1f %% revised per release", o.revisionPct());
        return String.format(Locale.ROOT, "Data set: %d series (%d reporters x %d partners x %d HS6, IMPORT) x %d months, "
                        + "%s, seed %d, loaded in %s order", data.series(), data.reporters().size(),
                data.partners().size(), data.hs6Codes().size(), o.months(), revisions, o.seed(),
                o.order().name().toLowerCase(Locale.ROOT).replace('_', ' '));
    }

    /**
     * Runs the benchmark with what it starts (broker, registry, Streams apps, the state dir) kept in {@code resources},
     * which the caller closes: {@code tradepulse bench} closes them from its Ctrl-C hook too, since a run interrupted
     * without it left the broker's and the apps' temp dirs behind, gigabytes after a 10 M-record load.
     */
    public Result run(Options o, Resources resources) throws Exception {
        BackfillDataSet data = BackfillDataSet.ofSize(o.records(), o.months(), o.revisionPct(), o.seed()).inOrder(o.order());
        out.println(dataSetLine(data, o));
        Path stateDir = newStateDir();
        resources.keep(() -> Resources.deleteRecursively(stateDir)); // first kept, so deleted after the apps closed
        EmbeddedKafka kafka = resources.start(EmbeddedKafka::start);
        EmbeddedRegistry registry = resources.start(EmbeddedRegistry::start);
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        Map<String, Object> cfg = new HashMap<>(client);
        cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
        cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
        cfg.put(ProcessorConfig.TOPIC_PARTITIONS_CONFIG, o.partitions());
        cfg.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, o.threads());
        if (o.commitIntervalMs() != null) {
            cfg.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, o.commitIntervalMs());
        }
        ProcessorConfig base = sharedRegistryClient(resources, new ProcessorConfig(cfg), CachedSchemaRegistryClient::new);
        TopicCatalog topics = base.topicCatalog();
        String passThroughTopic = "bench.passthrough";
        String statefulTopic = "bench.stateful-passthrough";
        try (Admin admin = Admin.create(client)) {
            TopicAdmin.ensureTopics(admin, topics);
            admin.createTopics(List.of(new NewTopic(passThroughTopic, o.partitions(), (short) -1),
                    new NewTopic(statefulTopic, o.partitions(), (short) -1))).all().get();
        }

        Phase load = load(client, topics, data);
        preRegisterAll(topics, passThroughTopic, statefulTopic);
        long n = load.records();
        Phase raw = rawRead(client, topics.records().name(), n, o.timeout());
        // Every Streams phase runs with the processor's dead-letter handlers (base.streamsConfig()), so each may write
        // to trade.dlq: counted per phase, from the topic's ends between them.
        Map<String, Long> deadLettersByPhase = new LinkedHashMap<>();
        long dlqBefore = offsetsOn(client, topics.deadLetters().name());
        Phase pass = streamsPhase(resources, "pass-through Streams (EOS v2)", PASS_THROUGH_ID, n, client, topics.records().name(), o.timeout(),
                () -> passThrough(base, topics.records(), passThroughTopic), streams -> false);
        dlqBefore = countDeadLetters(deadLettersByPhase, pass, client, topics.deadLetters().name(), dlqBefore);
        Phase stateful = streamsPhase(resources, "stateful pass-through (EOS v2)", STATEFUL_PASS_THROUGH_ID, n, client,
                topics.records().name(), o.timeout(),
                () -> statefulPassThrough(base, topics.records(), statefulTopic, o.stateStore()), streams -> false);
        dlqBefore = countDeadLetters(deadLettersByPhase, stateful, client, topics.deadLetters().name(), dlqBefore);
        Map<String, Object> procCfg = new HashMap<>(cfg);
        procCfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, PROCESSOR_ID);
        procCfg.put(ProcessorConfig.ROLLUP_COMMODITY_CONFIG, o.rollups().commodity);
        procCfg.put(ProcessorConfig.ROLLUP_WORLD_CONFIG, o.rollups().world);
        procCfg.put(ProcessorConfig.STATE_STORE_TYPE_CONFIG, o.stateStore().configValue());
        if (o.rollupEmitIntervalMs() != null) {
            procCfg.put(ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_CONFIG, o.rollupEmitIntervalMs());
        }
        ProcessorConfig procConfig = new ProcessorConfig(procCfg);
        Phase proc = appPhase(resources, "tradepulse processors (EOS v2)", PROCESSOR_ID, n, client, topics.records().name(), o.timeout(),
                () -> processorsApp(procConfig, CachedSchemaRegistryClient::new),
                o.rollups() == Rollups.OFF ? streams -> false : BackfillBenchmark::rollupCellsPending);
        countDeadLetters(deadLettersByPhase, proc, client, topics.deadLetters().name(), dlqBefore);
        long changes;
        long signals;
        long derived;
        long deadLetters;
        try (Admin admin = Admin.create(client)) {
            derived = endOffsets(admin, topics.derivedRecords().name()).values().stream().mapToLong(Long::longValue).sum();
            changes = endOffsets(admin, topics.changes().name()).values().stream().mapToLong(Long::longValue).sum();
            signals = endOffsets(admin, topics.signals().name()).values().stream().mapToLong(Long::longValue).sum();
            deadLetters = endOffsets(admin, topics.deadLetters().name()).values().stream().mapToLong(Long::longValue).sum();
        }
        Derived cells = o.rollups() == Rollups.OFF ? new Derived(0, 0, Map.of(), 0, 0) : readDerived(client, topics.derivedRecords(), o.timeout());
        Result result = new Result(n, data.series(), load, raw, pass, stateful, proc, changes, signals, derived,
                deadLetters, Collections.unmodifiableMap(deadLettersByPhase), cells);
        print(result, o);
        return result;
    }

    private Phase load(Map<String, Object> client, TopicCatalog topics, BackfillDataSet data) {
        HeapUsage heap = HeapUsage.startCollected();
        AtomicLong count = new AtomicLong();
        long t0 = System.nanoTime();
        try (heap; CatalogProducer producer = new CatalogProducer(client)) {
            Topic<SeriesKey, TradeRecord> records = topics.records();
            data.forEach((k, v) -> {
                producer.send(records, k, v);
                long c = count.incrementAndGet();
                if (c % 1_000_000 == 0) {
                    out.printf(Locale.ROOT, "  loaded %,d records%n", c);
                }
            });
            producer.flush();
        }
        Phase p = phase("load (producer, Avro + registry)", count.get(), secondsSince(t0), 0, heap.reading(), null);
        report(p);
        return p;
    }

    /**
     * Registers every subject the Streams phases write under with the run's registry client, before the first phase:
     * the pass-through apps' output topics, the stateful pass-through's changelog, and the processors' outputs, the
     * derived figures' topic included. Until 2026-12-01 the changelog and the derived topic were left out: the
     * stateful pass-through's store writes each input's key and value to its changelog through the same Avro serdes,
     * so its first writes registered two subjects inside its measured time (its stream threads racing on them:
     * Apicurio's 409 and the client's waits of up to about 0.35 s), and so did the processors' first derived figure.
     */
    static void preRegisterAll(TopicCatalog topics, String passThroughTopic, String statefulTopic) {
        preRegister(topics, passThroughTopic);
        preRegister(topics, statefulTopic);
        preRegister(topics, statefulChangelog());
        preRegister(topics, topics.derivedRecords().name());
    }

    /** The changelog topic of the stateful pass-through's store, as Kafka Streams names it. */
    static String statefulChangelog() {
        return STATEFUL_PASS_THROUGH_ID + "-" + STATEFUL_STORE + "-changelog";
    }

    /**
     * Registers the output subjects before the apps start, so the measured phases do not include registration.
     * (With several stream threads the first records of a new subject are serialized concurrently; Apicurio answers
     * all but one of those registrations 409 "already exists", which the registry client now resolves by a lookup
     * and a short, bounded wait: {@code ConcurrentRegistrationIT}. Registering up front keeps that out of the time.)
     */
    private static void preRegister(TopicCatalog topics, String passThroughTopic) {
        SeriesKey key = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");
        TradeRecord record = TradeRecord.newBuilder().setReporter("USA").setPartner("CHN").setFlow(Flow.IMPORT)
                .setCommodity("TOTAL").setCommodityLevel(CommodityLevel.TOTAL).setYear(2025).setMonth(1).setValue(1L)
                .setSource("BENCH").setVintage("bench").setPublishedAt(Instant.EPOCH).build();
        topics.records().keySerde().serializer().serialize(passThroughTopic, key);
        topics.records().valueSerde().serializer().serialize(passThroughTopic, record);
        TradeChange change = TradeChange.newBuilder().setReporter("USA").setPartner("CHN").setFlow(Flow.IMPORT)
                .setCommodity("TOTAL").setCommodityLevel(CommodityLevel.TOTAL).setYear(2025).setMonth(1)
                .setSource("BENCH").setVintage("bench").setPublishedAt(Instant.EPOCH).build();
        topics.changes().keySerde().serializer().serialize(topics.changes().name(),
                new ChangeKey("USA", "CHN", Flow.IMPORT, "TOTAL", 2025, 1));
        topics.changes().valueSerde().serializer().serialize(topics.changes().name(), change);
        TradeSignal signal = TradeSignal.newBuilder().setType("YOY_MOVE").setStatus(SignalStatus.ACTIVE)
                .setReporter("USA").setPartner("CHN").setFlow(Flow.IMPORT).setCommodity("TOTAL").setYear(2025)
                .setMonth(1).setSummary("bench").setMethod("bench").build();
        topics.signals().keySerde().serializer().serialize(topics.signals().name(),
                new SignalKey("USA", "CHN", Flow.IMPORT, "TOTAL", 2025, 1, "YOY_MOVE"));
        topics.signals().valueSerde().serializer().serialize(topics.signals().name(), signal);
    }

    /**
     * The committed derived figures and the distinct (parent series, month) cells among them.
     *
     * @param figures derived figures written (transaction markers not counted)
     * @param cells   distinct cells: {@code figures / cells} is how often a parent was derived while its children
     *                arrived
     * @param byLevel the same two counts per HS level of the parent (index 0 figures, 1 cells)
     * @param lateChildren re-derivations summing more children than the cell's previous figure: a child arrived
     *                     after its parent went out (the cost of tasks not advancing in step)
     * @param sameChildren re-derivations summing as many children or fewer: a child's figure changed (a revision)
     */
    public record Derived(long figures, long cells, Map<CommodityLevel, long[]> byLevel, long lateChildren,
                          long sameChildren) {
    }

    /** Reads the derived topic after the timed phase (read_committed, so aborted attempts do not count). */
    private static Derived readDerived(Map<String, Object> client, Topic<SeriesKey, TradeRecord> derived,
                                       Duration timeout) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        Map<String, Integer> cells = new HashMap<>(); // cell -> children summed in its latest figure
        long figures = 0;
        long late = 0;
        long same = 0;
        Map<CommodityLevel, long[]> byLevel = new EnumMap<>(CommodityLevel.class);
        try (KafkaConsumer<SeriesKey, TradeRecord> consumer = new KafkaConsumer<>(props,
                derived.keySerde().deserializer(), derived.valueSerde().deserializer())) {
            for (ConsumerRecord<SeriesKey, TradeRecord> r : readToEnd(consumer, derived.name(), timeout)) {
                long[] level = byLevel.computeIfAbsent(r.value().getCommodityLevel(), l -> new long[2]);
                level[0]++;
                int children = r.value().getDerivedFrom() == null ? 0 : r.value().getDerivedFrom();
                Integer before = cells.put(r.key().toString() + r.value().getYear() + '-' + r.value().getMonth(),
                        children);
                if (before == null) {
                    level[1]++;
                } else if (children > before) {
                    late++;
                } else {
                    same++;
                }
                figures++;
            }
        }
        return new Derived(figures, cells.size(), byLevel, late, same);
    }

    /**
     * The records of {@code topic} from its beginning to the end it has when this starts, bounded by {@code timeout}:
     * without the bound a broker that stopped answering kept a finished benchmark polling for ever, its results
     * never printed.
     *
     * @throws IllegalStateException when the end was not reached within {@code timeout}
     */
    static <K, V> Iterable<ConsumerRecord<K, V>> readToEnd(Consumer<K, V> consumer, String topic, Duration timeout) {
        long started = System.nanoTime();
        List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
        return () -> new Iterator<>() {
            private Iterator<ConsumerRecord<K, V>> batch = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!batch.hasNext()) {
                    if (parts.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp))) {
                        return false;
                    }
                    if (expired(started, timeout)) {
                        Map<TopicPartition, Long> positions = new HashMap<>();
                        parts.forEach(tp -> positions.put(tp, consumer.position(tp)));
                        throw new IllegalStateException("did not read " + topic + " to its end within " + timeout
                                + ": positions " + positions + ", ends " + ends);
                    }
                    batch = consumer.poll(Duration.ofMillis(500)).iterator();
                }
                return true;
            }

            @Override
            public ConsumerRecord<K, V> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return batch.next();
            }
        };
    }

    private Phase rawRead(Map<String, Object> client, String topic, long expected, Duration timeout) {
        HeapUsage heap = HeapUsage.startCollected();
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        long t0 = System.nanoTime();
        long count;
        try (heap; KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            count = readFromBeginning(consumer, topic, expected, timeout);
        }
        Phase p = phase("raw consumer (bytes)", count, secondsSince(t0), 0, heap.reading(), null);
        report(p);
        return p;
    }

    /**
     * Reads every partition of {@code topic} from its beginning until {@code expected} records came back, and
     * returns how many did. Bounded by {@code timeout} like the Streams phases: without it a topic holding fewer
     * records than were loaded, or a broker that stopped answering, kept the benchmark polling for ever, silently.
     *
     * @throws IllegalStateException when fewer than {@code expected} records were read within {@code timeout}
     */
    static long readFromBeginning(Consumer<byte[], byte[]> consumer, String topic, long expected, Duration timeout) {
        long started = System.nanoTime();
        List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        long count = 0;
        while (count < expected) {
            if (expired(started, timeout)) {
                throw new IllegalStateException(String.format(Locale.ROOT, "raw consumer read %,d of the %,d records "
                        + "loaded into %s within %s (%d partitions)", count, expected, topic, timeout, parts.size()));
            }
            ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
            count += batch.count();
        }
        return count;
    }

    /** Pass-through: read with the topic's serdes, write every record, same Streams settings as the processor. */
    private static KafkaStreams passThrough(ProcessorConfig base, Topic<SeriesKey, TradeRecord> records, String outTopic) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(records.name(), Consumed.with(records.keySerde(), records.valueSerde()))
                .to(outTopic, Produced.with(records.keySerde(), records.valueSerde()));
        Properties props = new Properties();
        props.putAll(base.streamsConfig());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, PASS_THROUGH_ID);
        return new KafkaStreams(b.build(), props);
    }

    /**
     * Stateful pass-through: the pass-through plus one read and one write of a state entry per series key (the
     * latest figure, in a store of the processors' type, uncached like their series state, with its changelog), so
     * each input costs a store read-modify-write and a changelog record as well as its output. That is the floor of
     * any app keeping per-series state under exactly_once_v2 (the processors keep a series' months in one entry and
     * read and write it once per input: docs/benchmarks.md, "RocksDB read path"); the ratio is against the
     * stateless pass-through, which no stateful app can approach. Printed for information, next to the target.
     */
    private static KafkaStreams statefulPassThrough(ProcessorConfig base, Topic<SeriesKey, TradeRecord> records,
                                                    String outTopic, StateStoreType type) {
        StreamsBuilder b = new StreamsBuilder();
        KeyValueBytesStoreSupplier supplier = type == StateStoreType.IN_MEMORY
                ? Stores.inMemoryKeyValueStore(STATEFUL_STORE) : Stores.persistentKeyValueStore(STATEFUL_STORE);
        b.addStateStore(Stores.keyValueStoreBuilder(supplier, records.keySerde(), records.valueSerde())
                .withCachingDisabled());
        b.stream(records.name(), Consumed.with(records.keySerde(), records.valueSerde()))
                .process(LastFigure::new, Named.as("last-figure"), STATEFUL_STORE)
                .to(outTopic, Produced.with(records.keySerde(), records.valueSerde()));
        Properties props = new Properties();
        props.putAll(base.streamsConfig());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, STATEFUL_PASS_THROUGH_ID);
        return new KafkaStreams(b.build(), props);
    }

    /** Keeps the latest figure per series (a read and a write per input) and forwards the input. */
    static final class LastFigure implements Processor<SeriesKey, TradeRecord, SeriesKey, TradeRecord> {
        private ProcessorContext<SeriesKey, TradeRecord> context;
        private KeyValueStore<SeriesKey, TradeRecord> store;

        @Override
        public void init(ProcessorContext<SeriesKey, TradeRecord> context) {
            this.context = context;
            this.store = context.getStateStore(STATEFUL_STORE);
        }

        @Override
        public void process(Record<SeriesKey, TradeRecord> record) {
            // The read of the read-modify-write every stateful processor does; what it finds is not needed here (a
            // store call is not optimized away: it goes through the changelogging and metered layers, and JNI).
            store.get(record.key());
            store.put(record.key(), record.value());
            context.forward(record);
        }
    }

    interface StreamsFactory {
        KafkaStreams create() throws Exception;
    }

    /**
     * The app of a phase: its Kafka Streams and what else it holds open, closed after it (the processors' registry
     * client).
     */
    record App(KafkaStreams streams, AutoCloseable owned) implements AutoCloseable {
        /** Stops the app and removes its state, then closes what it holds besides; closing it again is a no-op. */
        @Override
        public void close() throws Exception {
            try {
                streams.close(Duration.ofSeconds(60));
                streams.cleanUp();
            } finally {
                owned.close();
            }
        }
    }

    interface AppFactory {
        App create() throws Exception;
    }

    /**
     * {@code config} with one registry client for the run's serdes (the load, the pass-through apps and their
     * dead-letter handlers, the derived figures' reader), closed with {@code resources}. Without it the topic
     * catalog made a client that was never closed, and so did every dead-letter handler the pass-through apps'
     * tasks configured (Kafka Streams hands them the configuration, and they share the instance only if it is in it).
     */
    static ProcessorConfig sharedRegistryClient(Resources resources, ProcessorConfig config,
                                                Function<Map<String, Object>, SchemaRegistryClient> newClient) {
        return config.withRegistryClient(resources.keep(newClient.apply(config.serdeConfig())));
    }

    /**
     * The processors' app, with a registry client of their own made by {@code newClient}, closed with the app. It was
     * made by {@link ProcessorApp} and never closed, since only the app's Kafka Streams was: one client (its lease of
     * the shared HTTP client, its schema caches) left behind per run in a long-lived JVM (the ITs).
     */
    static App processorsApp(ProcessorConfig config, Function<Map<String, Object>, SchemaRegistryClient> newClient) {
        SchemaRegistryClient registryClient = newClient.apply(config.serdeConfig());
        ProcessorApp app;
        try {
            app = new ProcessorApp(config.withRegistryClient(registryClient));
        } catch (RuntimeException | Error e) {
            try {
                registryClient.close();
            } catch (RuntimeException closeError) {
                e.addSuppressed(closeError);
            }
            throw e;
        }
        // The app's close() closes only the clients it made itself: this one is the caller's.
        return new App(app.streams(), registryClient);
    }

    /**
     * @param busy whether the app still holds work that no topic shows: the processors' roll-up cells waiting
     *             for their quiet period. Without it the phase ended while parents were still to be derived.
     */
    Phase streamsPhase(Resources resources, String name, String group, long n, Map<String, Object> client,
                               String topic, Duration timeout, StreamsFactory factory, Predicate<KafkaStreams> busy)
            throws Exception {
        return appPhase(resources, name, group, n, client, topic, timeout, () -> new App(factory.create(), () -> {
        }), busy);
    }

    /** As {@link #streamsPhase}, closing what the app holds besides its Kafka Streams after it, on every path. */
    Phase appPhase(Resources resources, String name, String group, long n, Map<String, Object> client, String topic,
                   Duration timeout, AppFactory factory, Predicate<KafkaStreams> busy) throws Exception {
        // kept too, so that it stops with the rest should the app fail to start; closing it twice is a no-op
        HeapUsage heap = resources.keep(HeapUsage.startCollected());
        // Ctrl-C mid-phase: the app stops and removes its state before the broker stops (closed again below, a no-op).
        // Started through resources, not kept once made: creating the app writes its directory into the state dir,
        // which a Ctrl-C meanwhile deleted first, leaving what the app wrote after it; close() now waits for it.
        App app = resources.start(factory::create);
        KafkaStreams streams = app.streams();
        AtomicLong runningAt = new AtomicLong();
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                runningAt.compareAndSet(0, System.nanoTime());
            }
        });
        long t0 = System.nanoTime();
        CpuUsage.Snapshot cpuBefore = CpuUsage.take();
        // The stream threads exist (with their metrics) from the app's creation on, so none is missed.
        List<Metric> processedMetrics = processedRecordMetrics(streams);
        FirstProcessed firstProcessed = new FirstProcessed(() -> processed(processedMetrics),
                () -> runningAt.get() != 0);
        // Closed in this order: the watcher, the heap, the app. As resources of the try, not in a finally: a close
        // that fails after a phase failed (cleanUp() refuses an app that did not stop within its 60 s: stuck threads,
        // the very case that times a phase out) is added to the phase's failure instead of replacing it.
        try (app; heap; firstProcessed) {
            // In the try: a start that fails (the processors' global table cannot be read in time) closes the app too.
            streams.start();
            awaitCaughtUp(client, group, topic, timeout, () -> busy.test(streams), streams::state);
            long end = System.nanoTime();
            // Before close: the stream threads must still be alive to be counted. Start-up is included (it is
            // short, and the threads only exist once started).
            CpuUsage.Split cpu = CpuUsage.supported() ? CpuUsage.between(cpuBefore, CpuUsage.take(), group) : null;
            long from = measuredFrom(t0, runningAt.get(), firstProcessed.nanos());
            heap.close(); // the phase ends here, as before: closing the app is not measured
            Phase p = phase(name, n, (end - from) / 1e9, (from - t0) / 1e9, heap.reading(), cpu);
            report(p);
            return p;
        }
    }

    /**
     * Where a phase's measured interval starts ({@link System#nanoTime}; 0 for "not seen"): when the app reached
     * RUNNING or, if earlier, when its stream threads first reported processed records; {@code t0} (its start) when
     * neither was seen. Until 2026-12-01 only RUNNING counted, but the client is RUNNING only once every stream
     * thread is: a thread given its tasks by a first rebalance processes while another still joins (and while state
     * is restored), so the records of those first 0.1-0.3 s (a 100 k run: 400-1,200 committed before RUNNING) counted
     * in the rate without their time.
     */
    static long measuredFrom(long t0, long runningAtNanos, long firstProcessedNanos) {
        if (runningAtNanos == 0) {
            return firstProcessedNanos == 0 ? t0 : firstProcessedNanos;
        }
        return firstProcessedNanos != 0 && firstProcessedNanos - runningAtNanos < 0 ? firstProcessedNanos
                : runningAtNanos;
    }

    /**
     * The app's stream threads' {@code process-total} metrics (records processed, per thread). Kafka Streams makes
     * its threads, and their metrics, when the app is created.
     */
    static List<Metric> processedRecordMetrics(KafkaStreams streams) {
        return streams.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals("stream-thread-metrics")
                        && e.getKey().name().equals("process-total"))
                .map(e -> (Metric) e.getValue()).toList();
    }

    /** The records the metrics count as processed, summed. */
    static long processed(List<? extends Metric> processTotals) {
        long sum = 0;
        for (Metric m : processTotals) {
            if (m.metricValue() instanceof Number v) {
                sum += v.longValue();
            }
        }
        return sum;
    }

    /**
     * Notes when {@code processed} first turns positive, polled every millisecond on a daemon thread until it does or
     * {@code enough} holds (the app is RUNNING: the interval starts then at the latest).
     */
    static final class FirstProcessed implements AutoCloseable {
        private final AtomicLong at = new AtomicLong();
        private final Thread watcher;

        FirstProcessed(LongSupplier processed, BooleanSupplier enough) {
            watcher = new Thread(() -> {
                while (!enough.getAsBoolean()) {
                    if (processed.getAsLong() > 0) {
                        at.set(System.nanoTime());
                        return;
                    }
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-first-processed");
            watcher.setDaemon(true);
            watcher.start();
        }

        /** When the first processed records were seen ({@link System#nanoTime}); 0 when not (yet). */
        long nanos() {
            return at.get();
        }

        @Override
        public void close() {
            watcher.interrupt();
            try {
                watcher.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits until the group has committed the end of {@code topic} and, when it reads more topics (the
     * processors' own roll-up loop: trade.records.derived and the rollup-by-parent repartition topic), the end of
     * those too, {@code busy} is false, and no transaction of the group's producers is open or being completed; all
     * of it seen on two checks in a row (100 ms apart), so roll-ups derived from the last input records count in the
     * time. Why the transactions: in the loop's topics a committed offset may trail the end by one (the transaction
     * marker after the last record), so while the roll-up's last figure sits in an open transaction (the producer
     * lingers 100 ms, the commit follows) that unread figure looks like a marker, and the pending store, read through
     * the record cache, is already empty. A 1 M run ended that way with 2 of 372,600 parent cells never derived. With
     * no transaction open every marker is written and the ends are final. Why two checks: a figure emitted and
     * committed between reading the ends and listing the transactions is seen by the next check's ends.
     */
    static void awaitCaughtUp(Map<String, Object> client, String group, String topic, Duration timeout,
                              BooleanSupplier busy, Supplier<KafkaStreams.State> state) throws Exception {
        long started = System.nanoTime();
        try (Admin admin = Admin.create(client)) {
            Map<TopicPartition, Long> ends = endOffsets(admin, topic);
            boolean doneBefore = false;
            while (true) {
                KafkaStreams.State now = state.get();
                if (!now.isRunningOrRebalancing() && now != KafkaStreams.State.CREATED) {
                    // An app that stopped (a stream thread failed and shut the client down) commits nothing more:
                    // waiting for it only ran out the timeout (30 min by default), then blamed a slow catch-up.
                    throw new IllegalStateException("group " + group + " stopped before catching up (Kafka Streams "
                            + "state " + now + "; its log says why)");
                }
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                boolean done = ends.entrySet().stream().allMatch(e -> e.getValue() == 0L
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
                if (done) {
                    Set<String> others = committed.keySet().stream().map(TopicPartition::topic)
                            .filter(t -> !t.equals(topic)).collect(Collectors.toSet());
                    // Input and output commit in one transaction: nothing left to wait for, unless the app still
                    // holds work no topic shows. The processors' roll-up loop topics have no committed offset until
                    // their first derived figure was read, and a backfill whose input was all committed before that
                    // (a small one, a long emit interval) ended here with every roll-up cell still pending.
                    if (others.isEmpty() && !busy.getAsBoolean()) {
                        return;
                    }
                    for (String other : others) {
                        for (Map.Entry<TopicPartition, Long> e : endOffsets(admin, other).entrySet()) {
                            OffsetAndMetadata c = committed.get(e.getKey());
                            // a transaction marker follows the last record: committed may trail the end by it
                            done &= e.getValue() == 0L || (c != null && c.offset() >= e.getValue() - 1);
                        }
                    }
                    done = done && !busy.getAsBoolean() && !transactionInFlight(admin, group);
                    if (done && doneBefore) {
                        return;
                    }
                }
                doneBefore = done;
                if (expired(started, timeout)) {
                    throw new IllegalStateException("group " + group + " did not catch up within " + timeout
                            + ": committed " + committed + ", ends " + ends);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Whether a transaction of the Streams app {@code applicationId} is open or being completed (its markers not all
     * written yet). Under exactly_once_v2 its producers' transactional ids are {@code <application.id>-<process
     * id>-<thread>}.
     */
    private static boolean transactionInFlight(Admin admin, String applicationId) throws Exception {
        return admin.listTransactions(new ListTransactionsOptions().filterStates(Set.of(TransactionState.ONGOING,
                        TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT,
                        TransactionState.PREPARE_EPOCH_FENCE)))
                .all().get().stream().anyMatch(t -> t.transactionalId().startsWith(applicationId + "-"));
    }

    /**
     * Whether a roll-up cell of the processors is still waiting to emit its derived figure (read through
     * interactive queries, the record cache included). While one is, the backfill is not finished, though every
     * topic may be caught up.
     */
    static boolean rollupCellsPending(KafkaStreams streams) {
        try {
            ReadOnlyKeyValueStore<Object, Object> pending = streams.store(StoreQueryParameters.fromNameAndType(
                    TradeTopology.ROLLUP_PENDING_STORE, QueryableStoreTypes.keyValueStore()));
            try (KeyValueIterator<Object, Object> all = pending.all()) {
                return all.hasNext();
            }
        } catch (InvalidStateStoreException e) {
            return true; // not queryable now (starting, rebalancing): ask again
        }
    }

    /**
     * Whether more than {@code timeout} passed since {@code startedNanos} ({@link System#nanoTime}). Compared as
     * durations: {@code nanoTime() + timeout.toNanos()} threw ArithmeticException for a --timeout beyond about 292
     * years (after the whole load), and a sum that overflowed put the deadline in the past (no wait at all).
     */
    static boolean expired(long startedNanos, Duration timeout) {
        return Duration.ofNanos(System.nanoTime() - startedNanos).compareTo(timeout) > 0;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        int partitions = admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(request).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static Phase phase(String name, long records, double seconds, double startupSeconds, HeapUsage.Reading heap,
                               CpuUsage.Split cpu) {
        return new Phase(name, records, seconds, startupSeconds, heap.peakBytes(), heap.maxAfterGcBytes(), cpu);
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private void report(Phase p) {
        out.printf(Locale.ROOT, "  %-34s %,12.0f rec/s  (%,d records in %.1f s%s; %s)%n", p.name(), p.rate(),
                p.records(), p.seconds(), p.startupSeconds() > 0 ? String.format(Locale.ROOT, " after %.1f s start-up",
                        p.startupSeconds()) : "", heap(p));
        if (p.cpu() != null) {
            out.printf(Locale.ROOT, "    CPU: stream threads %,.1f s (%.1f us per input), whole JVM %,.1f s (%.1f us per "
                            + "input; broker, GC and JIT included)%n", p.cpu().appSeconds(),
                    p.streamThreadMicrosPerInput(), p.cpu().processSeconds(), p.cpu().processSeconds() * 1e6 / p.records());
        }
    }

    /**
     * The warning for dead letters written during the Streams phases, naming the phases that wrote them (in
     * {@code order}); null without any. Every generated record is valid, so a dead letter means that phase measured
     * refusals, not processing. All were blamed on the processors, though the pass-through apps have the same
     * dead-letter handlers and the count was the topic's end after the whole run.
     */
    static String deadLetterWarning(Map<String, Long> byPhase, List<String> order) {
        long total = byPhase.values().stream().mapToLong(Long::longValue).sum();
        if (total <= 0) {
            return null;
        }
        String phases = order.stream().filter(name -> byPhase.getOrDefault(name, 0L) > 0)
                .map(name -> String.format(Locale.ROOT, "%,d during %s", byPhase.get(name), name))
                .collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, "  WARNING: %,d offsets on trade.dlq (incl. transaction markers): %s; inputs "
                + "were refused, so the rate of %s is not that of processing them", total, phases,
                byPhase.values().stream().filter(v -> v > 0).count() == 1 ? "that phase" : "those phases");
    }

    /**
     * Puts the offsets written to {@code deadLetterTopic} since {@code before} as {@code phase}'s dead letters, and
     * returns the topic's offsets now.
     */
    private static long countDeadLetters(Map<String, Long> byPhase, Phase phase, Map<String, Object> client,
                                         String deadLetterTopic, long before) throws Exception {
        long now = offsetsOn(client, deadLetterTopic);
        byPhase.put(phase.name(), now - before);
        return now;
    }

    /** The sum of {@code topic}'s end offsets. */
    private static long offsetsOn(Map<String, Object> client, String topic) throws Exception {
        try (Admin admin = Admin.create(client)) {
            return endOffsets(admin, topic).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** "peak heap 1157 MB (up to 612 MB after GC)": the most in use at once, and the most a collection left. */
    static String heap(Phase p) {
        return String.format(Locale.ROOT, "peak heap %d MB (%s)", p.peakHeapBytes() >> 20, p.maxHeapAfterGcBytes() < 0
                ? "no GC" : "up to " + (p.maxHeapAfterGcBytes() >> 20) + " MB after GC");
    }

    private void print(Result r, Options o) {
        out.println();
        out.printf(Locale.ROOT, "Backfill of %,d records (%,d series), %d partitions, %d stream thread(s), exactly_once_v2, "
                        + "processor state store %s%n", r.records(), r.series(), o.partitions(), o.threads(),
                o.stateStore().configValue());
        for (Phase p : List.of(r.load(), r.raw(), r.passThrough(), r.statefulPassThrough(), r.processors())) {
            report(p);
        }
        out.printf(Locale.ROOT, "  processors (roll-ups %s) wrote %,d offsets to trade.changes, %,d to trade.signals and %,d to "
                        + "trade.records.derived (incl. transaction markers)%n",
                o.rollups().name().toLowerCase(Locale.ROOT), r.changesWritten(), r.signalsWritten(), r.derivedWritten());
        String deadLetterWarning = deadLetterWarning(r.deadLettersByPhase(), List.of(r.passThrough().name(),
                r.statefulPassThrough().name(), r.processors().name()));
        if (deadLetterWarning != null) {
            out.println(deadLetterWarning);
        }
        if (r.derived().cells() > 0) {
            out.printf(Locale.ROOT, "  roll-ups: %,d derived figures for %,d (parent series, month) cells, each derived %.2f times on average%n",
                    r.derived().figures(), r.derived().cells(), (double) r.derived().figures() / r.derived().cells());
            r.derived().byLevel().forEach((level, n) -> out.printf(Locale.ROOT,
                    "    %s: %,d figures for %,d cells (%.2f each)%n", level, n[0], n[1], (double) n[0] / n[1]));
            out.printf(Locale.ROOT, "    re-derivations: %,d with more children than before (a child came late), %,d "
                    + "with as many or fewer (a child's figure changed)%n", r.derived().lateChildren(),
                    r.derived().sameChildren());
        }
        out.printf(Locale.ROOT, "  ratio processors / pass-through: %.2f (target >= 0.70)%n", r.ratio());
        if (!Double.isNaN(r.cpuRatio())) {
            out.printf(Locale.ROOT, "  stream-thread CPU per input, processors / pass-through: %.1fx%n", r.cpuRatio());
        }
        out.printf(Locale.ROOT, "  for information: ratio processors / stateful pass-through (one state read and write "
                + "per input): %.2f; stateful / stateless pass-through: %.2f%n", r.statefulRatio(),
                r.statefulPassThrough().rate() / r.passThrough().rate());
        out.printf(Locale.ROOT, "  processors backfill time: %.1f s (+ %.1f s start-up)%n", r.processors().seconds(),
                r.processors().startupSeconds());
    }

    /**
     * The apps' state dir, noted as this JVM's ({@link OwnedTempDirs}): should the benchmark be SIGKILLed, the next
     * start of an embedded broker or registry removes it (gigabytes after a full run), as it does the broker's and
     * the registry's dirs.
     */
    static Path newStateDir() throws IOException {
        return OwnedTempDirs.create("tradepulse-bench-state");
    }

}
