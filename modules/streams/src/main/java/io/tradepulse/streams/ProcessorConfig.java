package io.tradepulse.streams;

import io.tradepulse.core.AvroSerdes;
import io.tradepulse.core.ConfigKeys;
import io.tradepulse.core.RecordBounds;
import io.tradepulse.registry.serde.AvroSerdeConfig;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClientConfig;
import io.tradepulse.registry.UnsupportedConfluentKeys;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the processor application. The keys defined here are tradepulse's own; every other key
 * is passed through unchanged: Kafka Streams/client keys ({@code bootstrap.servers}, {@code security.protocol},
 * {@code producer.*} ...) to Kafka Streams, and serde keys ({@code schema.registry.url},
 * {@code basic.auth.*}, {@code auto.register.schemas} ...) to the Avro serdes.
 */
public final class ProcessorConfig extends AbstractConfig {
    public static final String APPLICATION_ID_CONFIG = StreamsConfig.APPLICATION_ID_CONFIG;
    public static final String APPLICATION_ID_DOC = "Kafka Streams application id: consumer group, transactional id "
            + "prefix and internal topic prefix. Changing it starts the processor from scratch.";
    public static final String APPLICATION_ID_DEFAULT = "tradepulse-processor";

    public static final String BOOTSTRAP_SERVERS_CONFIG = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
    public static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to connect to (host:port,...).";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String SCHEMA_REGISTRY_URL_DOC = "Required (the empty default is refused at start): Confluent-compatible schema registry URL(s), comma-separated.";

    public static final String PROCESSING_GUARANTEE_CONFIG = StreamsConfig.PROCESSING_GUARANTEE_CONFIG;
    public static final String PROCESSING_GUARANTEE_DOC = "exactly_once_v2 (default: outputs and state commit "
            + "atomically, consumers read with isolation.level=read_committed) or at_least_once.";

    public static final String STATE_DIR_CONFIG = StreamsConfig.STATE_DIR_CONFIG;
    public static final String STATE_DIR_DOC = "Directory of the local state stores (RocksDB files, and the "
            + "checkpoints of both store types).";
    public static final String STATE_DIR_DEFAULT = Path.of(System.getProperty("java.io.tmpdir"), "tradepulse-streams").toString();

    public static final String STATE_STORE_TYPE_CONFIG = "tradepulse.state.store.type";
    public static final String STATE_STORE_TYPE_DOC = "Where the processor keeps its state (one history per series, "
            + "about 1 KB per series with 36 months): 'rocksdb' (on disk under state.dir; state may exceed the heap; a "
            + "restart with the state directory intact resumes from it) or 'in_memory' (in the heap; 1.4-1.7 times the "
            + "backfill throughput, but every series history of the instance's tasks must fit in the heap and the "
            + "stores are rebuilt from their changelogs on every start and task move). Both use the same changelog "
            + "topics, so an instance can switch. See docs/operations.md, 'Sizing the state'.";
    public static final String STATE_STORE_TYPE_DEFAULT = StateStoreType.ROCKSDB.configValue();

    public static final String TOPIC_PREFIX_CONFIG = "tradepulse.topic.prefix";
    public static final String TOPIC_PREFIX_DOC = "Prefix of every tradepulse topic name (e.g. 'staging.').";

    public static final String TOPIC_PARTITIONS_CONFIG = "tradepulse.topic.partitions";
    public static final String TOPIC_PARTITIONS_DOC = "Partitions of the trade topics when tradepulse creates them.";

    public static final String TOPIC_REPLICATION_CONFIG = "tradepulse.topic.replication.factor";
    public static final String TOPIC_REPLICATION_DOC = "Replication factor of topics tradepulse creates; -1 = broker default.";

    public static final String SIGNALS_LEAD_MONTHS_CONFIG = "tradepulse.signals.lead.months";
    public static final String SIGNALS_LEAD_MONTHS_DOC = "FRONT_LOADING: how many months strictly before the month "
            + "a tariff increase or truce expiry takes effect are watched for excess imports/exports.";
    public static final int SIGNALS_LEAD_MONTHS_DEFAULT = 3;

    public static final String SIGNALS_PAYBACK_MONTHS_CONFIG = "tradepulse.signals.payback.months";
    public static final String SIGNALS_PAYBACK_MONTHS_DOC = "PAYBACK: how many months, from the month a tariff "
            + "increase or truce expiry takes effect, are watched for a drop below the baseline.";
    public static final int SIGNALS_PAYBACK_MONTHS_DEFAULT = 3;

    public static final String SIGNALS_TREND_MONTHS_CONFIG = "tradepulse.signals.trend.months";
    public static final String SIGNALS_TREND_MONTHS_DOC = "Baseline: the year-earlier level is scaled by the median "
            + "YoY of this many preceding months (the trailing trend); 0 trend when none of them has a YoY.";
    public static final int SIGNALS_TREND_MONTHS_DEFAULT = 2;

    public static final String SIGNALS_FRONT_LOADING_PCT_CONFIG = "tradepulse.signals.front.loading.min.excess.pct";
    public static final String SIGNALS_FRONT_LOADING_PCT_DOC = "FRONT_LOADING fires when the month exceeds its "
            + "baseline by at least this many percent.";
    public static final double SIGNALS_FRONT_LOADING_PCT_DEFAULT = 10.0;

    public static final String SIGNALS_PAYBACK_PCT_CONFIG = "tradepulse.signals.payback.min.drop.pct";
    public static final String SIGNALS_PAYBACK_PCT_DOC = "PAYBACK fires when the month falls short of its baseline "
            + "by at least this many percent.";
    public static final double SIGNALS_PAYBACK_PCT_DEFAULT = 10.0;

    public static final String SIGNALS_YOY_MOVE_PCT_CONFIG = "tradepulse.signals.yoy.move.threshold.pct";
    public static final String SIGNALS_YOY_MOVE_PCT_DOC = "YOY_MOVE fires when |YoY| (computed from levels, else as "
            + "reported by the source) is at least this many percent.";
    public static final double SIGNALS_YOY_MOVE_PCT_DEFAULT = 30.0;

    public static final String SIGNALS_TARIFF_REFRESH_MS_CONFIG = "tradepulse.signals.tariff.refresh.ms";
    public static final String SIGNALS_TARIFF_REFRESH_MS_DOC = "How often (wall clock) the processor re-reads the "
            + "tariff calendar and, when it changed, re-evaluates the signals of the series the changed events concern.";
    public static final long SIGNALS_TARIFF_REFRESH_MS_DEFAULT = 10_000L;

    public static final String SIGNALS_TARIFF_REFRESH_BATCH_CONFIG = "tradepulse.signals.tariff.refresh.batch.series";
    public static final String SIGNALS_TARIFF_REFRESH_BATCH_DOC = "Series re-evaluated per step while a tariff "
            + "calendar change is applied; a step runs every 100 ms until every concerned series is done. Each step is "
            + "part of one transaction (transaction.timeout.ms, 10 s by default): a series costs about 0.1 ms (20 "
            + "years of history, docs/benchmarks.md), and the tasks of a stream thread take their steps in the same "
            + "transaction, so keep batch x tasks per thread x 0.1 ms well below it. A change of a signal parameter "
            + "(a restart with other tradepulse.signals.* thresholds or months) re-evaluates every series in the same "
            + "steps, a series counting as the calendar years its history spans (about 0.025 ms each).";
    public static final int SIGNALS_TARIFF_REFRESH_BATCH_DEFAULT = 5_000;

    public static final String ROLLUP_COMMODITY_CONFIG = "tradepulse.rollup.commodity.enabled";
    public static final String ROLLUP_COMMODITY_DOC = "Derive parent HS levels (HS10/HS8 -> HS6 -> HS4 -> HS2 -> TOTAL) "
            + "of each reporter/partner/flow from the codes below them, flagged derivedFrom on trade.changes. A level "
            + "the source publishes always replaces the derived one. Off: only published levels get metrics.";
    public static final boolean ROLLUP_COMMODITY_DEFAULT = true;

    public static final String ROLLUP_WORLD_CONFIG = "tradepulse.rollup.world.enabled";
    public static final String ROLLUP_WORLD_DOC = "Derive the WLD partner total of each reporter/flow/commodity from "
            + "its partners, flagged derivedFrom (the number of partners summed). A published WLD figure always replaces "
            + "it. Off by default: a sum over the partners a source happens to deliver (GACC's headline partners, a "
            + "Comtrade query for a few countries) is not the world; turn it on for sources that deliver every partner "
            + "(Census, Comext).";
    public static final boolean ROLLUP_WORLD_DEFAULT = false;

    public static final String ROLLUP_EMIT_INTERVAL_MS_CONFIG = "tradepulse.rollup.emit.interval.ms";
    public static final String ROLLUP_EMIT_INTERVAL_MS_DOC = "A roll-up cell (parent series, month) emits its derived "
            + "figure once its children have been quiet this long (wall clock) and no upstream task still sending is "
            + "behind its newest child, at the latest after ten times this (sixty while waiting for such a task). "
            + "Each derived level adds about this much latency; a larger value re-derives a parent less often while "
            + "its children are still arriving (fewer outputs in a backfill, see docs/benchmarks.md).";
    public static final long ROLLUP_EMIT_INTERVAL_MS_DEFAULT = 5_000L;
    /** The smallest {@link #ROLLUP_EMIT_INTERVAL_MS_CONFIG} (a walk of the cells every 10 ms at most). */
    public static final long ROLLUP_EMIT_INTERVAL_MS_MIN = 10L;
    /**
     * The largest {@link #ROLLUP_EMIT_INTERVAL_MS_CONFIG}: sixty of them fit in a long (see the ConfigDef). Public so
     * that a command line offering the key (bench) can refuse what the processor would, before starting anything.
     */
    public static final long ROLLUP_EMIT_INTERVAL_MS_MAX = 100_000_000_000_000_000L;

    public static final String SOURCE_PRECEDENCE_CONFIG = "tradepulse.source.precedence";
    public static final String SOURCE_PRECEDENCE_DOC = "Which source's figure a month of a series keeps when several "
            + "sources publish the same series (the series key has no source: e.g. Census and UN Comtrade both give US "
            + "imports from China): source names as in TradeRecord.source, most preferred first. A figure of a listed "
            + "source beats one of a source listed after it or not listed, whatever their publication times; between "
            + "figures of one source, or of unlisted sources, the newest publication (then the highest revision) wins. "
            + "The default prefers the national offices to UN Comtrade, which republishes their figures months later "
            + "(by publication time it would take each month over until the office's annual revision took it back, "
            + "and a YoY would compare one source's month with another's). Empty: the newest publication wins across "
            + "sources. Applies to figures as they arrive: to re-rank figures already held, reprocess trade.records "
            + "(docs/operations.md).";
    /** A constant expression, so {@link SourcePrecedence#DEFAULT} reads it without initializing this class. */
    public static final String SOURCE_PRECEDENCE_DEFAULT = "CENSUS,GACC,COMEXT";
    private static final String SOURCE_PRECEDENCE_ALLOWED = "source names (e.g. CENSUS,GACC,COMEXT), each at most once; "
            + "empty for none";

    public static final String MAX_MONTHLY_VALUE_CONFIG = "tradepulse.validation.max.monthly.value";
    public static final String MAX_MONTHLY_VALUE_DOC = "The largest monthly value a published figure of one series may "
            + "have, in its currency's units, unless that currency has a limit of its own (tradepulse.validation.max."
            + "monthly.value.by.currency): a larger value is taken for a unit error (thousands read as units, twice) "
            + "and goes to the dead-letter topic. A combined January+February figure may hold twice the limit. The default "
            + "suits currencies near the US dollar (world merchandise trade is about US$ 2 trillion a month: WTO, "
            + "about US$ 24 trillion of merchandise exports in 2024).";
    /** A constant expression, so {@link ValueLimits#DEFAULT} reads it without initializing this class. */
    public static final long MAX_MONTHLY_VALUE_DEFAULT = RecordBounds.MAX_MONTHLY_VALUE_DEFAULT;

    public static final String MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG = "tradepulse.validation.max.monthly.value.by.currency";
    public static final String MAX_MONTHLY_VALUE_BY_CURRENCY_DOC = "Limits of their own for currencies worth far less "
            + "than a US dollar, as CUR=limit entries (e.g. JPY=1000000000000000,KRW=10000000000000000: about the "
            + "default times the currency's units per dollar): with the default, real monthly totals in such a currency "
            + "(Korea's exports are about 80 trillion won a month: MOTIE, about US$ 680 bn in 2024) would all be "
            + "refused as unit errors. No exchange rates are kept, so none is listed by default.";
    private static final String MAX_MONTHLY_VALUE_BY_CURRENCY_ALLOWED = "CUR=limit entries: an ISO 4217 code, a whole "
            + "number at least 1, each currency at most once; empty for none";

    public static final String ROCKSDB_MEMORY_BYTES_CONFIG = "tradepulse.rocksdb.memory.bytes";
    public static final String ROCKSDB_MEMORY_BYTES_DOC = "Read only with rocksdb.config.setter="
            + "io.tradepulse.streams.BoundedRocksDBMemory (refused otherwise): the off-heap memory of every RocksDB "
            + "state store of the JVM together, one LRU block cache that also holds the index and filter blocks and "
            + "is charged with the write buffers. Without that setter Kafka Streams gives each store instance (one "
            + "per store and partition, standbys included) a 50 MB block cache and up to 3 x 16 MB of write buffers: "
            + "about 100 MB per instance, unbounded in total. A soft bound: pinned blocks may exceed it briefly. Size "
            + "it with the heap under the container's memory limit (docs/operations.md, 'Sizing the state').";
    public static final long ROCKSDB_MEMORY_BYTES_DEFAULT = 512L * 1024 * 1024;
    /** The smallest {@link #ROCKSDB_MEMORY_BYTES_CONFIG}: room for the write buffers and a few blocks per store. */
    public static final long ROCKSDB_MEMORY_BYTES_MIN = 16L * 1024 * 1024;

    public static final String ROCKSDB_MEMTABLE_FRACTION_CONFIG = "tradepulse.rocksdb.memtable.fraction";
    public static final String ROCKSDB_MEMTABLE_FRACTION_DOC = "Read only with rocksdb.config.setter="
            + "io.tradepulse.streams.BoundedRocksDBMemory (refused otherwise): the share of "
            + "tradepulse.rocksdb.memory.bytes the write buffers (memtables) of all stores may take together before "
            + "RocksDB flushes the largest; the rest caches data, index and filter blocks. A backfill writes far more "
            + "than it reads back, hence the half.";
    public static final double ROCKSDB_MEMTABLE_FRACTION_DEFAULT = 0.5;

    /**
     * Not a user setting: lets an embedding process (the launcher, tests) hand its registry client instance to
     * components Kafka Streams instantiates by class name (the dead-letter handler), so they share its caches.
     */
    public static final String REGISTRY_CLIENT_INSTANCE = "tradepulse.internal.registry.client";

    static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, "", Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(APPLICATION_ID_CONFIG, Type.STRING, APPLICATION_ID_DEFAULT, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, APPLICATION_ID_DOC)
            .define(PROCESSING_GUARANTEE_CONFIG, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
                    ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE), Importance.MEDIUM,
                    PROCESSING_GUARANTEE_DOC)
            .define(STATE_DIR_CONFIG, Type.STRING, STATE_DIR_DEFAULT, Importance.MEDIUM, STATE_DIR_DOC)
            .define(STATE_STORE_TYPE_CONFIG, Type.STRING, STATE_STORE_TYPE_DEFAULT,
                    ConfigDef.CaseInsensitiveValidString.in(Arrays.stream(StateStoreType.values())
                            .map(StateStoreType::configValue).toArray(String[]::new)), Importance.MEDIUM, STATE_STORE_TYPE_DOC)
            // Checked here, so a prefix making an invalid topic name fails at start naming the key, not at the broker.
            .define(TOPIC_PREFIX_CONFIG, Type.STRING, "", ConfigDef.LambdaValidator.with((name, value) -> {
                try {
                    TopicCatalog.validatePrefix((String) value);
                } catch (InvalidTopicException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }, () -> "a prefix that makes valid topic names: ASCII letters, digits, '.', '_' and '-', each name at most 249 characters"),
                    Importance.LOW, TOPIC_PREFIX_DOC)
            .define(TOPIC_PARTITIONS_CONFIG, Type.INT, TopicCatalog.DEFAULT_PARTITIONS, ConfigDef.Range.between(1, 10_000),
                    Importance.LOW, TOPIC_PARTITIONS_DOC)
            // 0 or below -1 used to pass here and fail only when the topics were created, after the start.
            .define(TOPIC_REPLICATION_CONFIG, Type.SHORT, (short) -1, ConfigDef.LambdaValidator.with((name, value) -> {
                if (value != null && (short) value != -1 && (short) value < 1) {
                    throw new ConfigException(name, value, "must be -1 (the broker default) or at least 1");
                }
            }, () -> "-1 (broker default) or [1,...]"), Importance.LOW, TOPIC_REPLICATION_DOC)
            .define(SIGNALS_LEAD_MONTHS_CONFIG, Type.INT, SIGNALS_LEAD_MONTHS_DEFAULT, ConfigDef.Range.between(1, 12),
                    Importance.MEDIUM, SIGNALS_LEAD_MONTHS_DOC)
            .define(SIGNALS_PAYBACK_MONTHS_CONFIG, Type.INT, SIGNALS_PAYBACK_MONTHS_DEFAULT, ConfigDef.Range.between(1, 12),
                    Importance.MEDIUM, SIGNALS_PAYBACK_MONTHS_DOC)
            .define(SIGNALS_TREND_MONTHS_CONFIG, Type.INT, SIGNALS_TREND_MONTHS_DEFAULT,
                    ConfigDef.Range.between(1, SeriesHistories.MAX_TREND_MONTHS),
                    Importance.MEDIUM, SIGNALS_TREND_MONTHS_DOC)
            .define(SIGNALS_FRONT_LOADING_PCT_CONFIG, Type.DOUBLE, SIGNALS_FRONT_LOADING_PCT_DEFAULT,
                    percent(1000.0), Importance.MEDIUM, SIGNALS_FRONT_LOADING_PCT_DOC)
            .define(SIGNALS_PAYBACK_PCT_CONFIG, Type.DOUBLE, SIGNALS_PAYBACK_PCT_DEFAULT,
                    percent(100.0), Importance.MEDIUM, SIGNALS_PAYBACK_PCT_DOC)
            .define(SIGNALS_YOY_MOVE_PCT_CONFIG, Type.DOUBLE, SIGNALS_YOY_MOVE_PCT_DEFAULT,
                    percent(1000.0), Importance.MEDIUM, SIGNALS_YOY_MOVE_PCT_DOC)
            .define(SIGNALS_TARIFF_REFRESH_MS_CONFIG, Type.LONG, SIGNALS_TARIFF_REFRESH_MS_DEFAULT,
                    ConfigDef.Range.atLeast(100L), Importance.LOW, SIGNALS_TARIFF_REFRESH_MS_DOC)
            .define(SIGNALS_TARIFF_REFRESH_BATCH_CONFIG, Type.INT, SIGNALS_TARIFF_REFRESH_BATCH_DEFAULT,
                    ConfigDef.Range.atLeast(1), Importance.LOW, SIGNALS_TARIFF_REFRESH_BATCH_DOC)
            .define(ROLLUP_COMMODITY_CONFIG, Type.BOOLEAN, ROLLUP_COMMODITY_DEFAULT, Importance.MEDIUM, ROLLUP_COMMODITY_DOC)
            .define(ROLLUP_WORLD_CONFIG, Type.BOOLEAN, ROLLUP_WORLD_DEFAULT, Importance.MEDIUM, ROLLUP_WORLD_DOC)
            .define(SOURCE_PRECEDENCE_CONFIG, Type.LIST, SOURCE_PRECEDENCE_DEFAULT,
                    listValidator(SourcePrecedence::of, SOURCE_PRECEDENCE_ALLOWED),
                    Importance.MEDIUM, SOURCE_PRECEDENCE_DOC)
            .define(MAX_MONTHLY_VALUE_CONFIG, Type.LONG, MAX_MONTHLY_VALUE_DEFAULT, ConfigDef.Range.atLeast(1L),
                    Importance.LOW, MAX_MONTHLY_VALUE_DOC)
            .define(MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG, Type.LIST, "",
                    listValidator(entries -> ValueLimits.of(MAX_MONTHLY_VALUE_DEFAULT, entries),
                            MAX_MONTHLY_VALUE_BY_CURRENCY_ALLOWED),
                    Importance.LOW, MAX_MONTHLY_VALUE_BY_CURRENCY_DOC)
            // Sixty intervals (a cell's longest wait, RollupProcessor) must fit in a long: from Long.MAX_VALUE / 60
            // (~1.54e17 ms) that wait overflowed to a negative number, and every cell waiting for a laggard upstream
            // task was emitted at once instead of waiting. A round bound: Range compares as doubles, which cannot
            // tell Long.MAX_VALUE / 60 from the next few longs, and 1e17 is one exactly.
            .define(ROLLUP_EMIT_INTERVAL_MS_CONFIG, Type.LONG, ROLLUP_EMIT_INTERVAL_MS_DEFAULT,
                    ConfigDef.Range.between(ROLLUP_EMIT_INTERVAL_MS_MIN, ROLLUP_EMIT_INTERVAL_MS_MAX), Importance.LOW, ROLLUP_EMIT_INTERVAL_MS_DOC)
            .define(ROCKSDB_MEMORY_BYTES_CONFIG, Type.LONG, ROCKSDB_MEMORY_BYTES_DEFAULT,
                    ConfigDef.Range.atLeast(ROCKSDB_MEMORY_BYTES_MIN), Importance.MEDIUM, ROCKSDB_MEMORY_BYTES_DOC)
            .define(ROCKSDB_MEMTABLE_FRACTION_CONFIG, Type.DOUBLE, ROCKSDB_MEMTABLE_FRACTION_DEFAULT,
                    fraction(0.1, 0.9), Importance.LOW, ROCKSDB_MEMTABLE_FRACTION_DOC);

    /** The keys only {@link BoundedRocksDBMemory} reads. */
    private static final List<String> ROCKSDB_MEMORY_KEYS = List.of(ROCKSDB_MEMORY_BYTES_CONFIG,
            ROCKSDB_MEMTABLE_FRACTION_CONFIG);

    /**
     * The RocksDB memory bound of a configuration as Kafka Streams hands it to a {@code rocksdb.config.setter} (its
     * application configuration: our keys are passed through, see {@link #streamsConfig}), parsed and checked as at
     * start-up. Only these two keys are read, so the setter does not need the registry settings.
     */
    static BoundedRocksDBMemory.Sizes rocksDBMemory(Map<?, ?> appConfigs) {
        Map<Object, Object> ours = new HashMap<>();
        for (String key : ROCKSDB_MEMORY_KEYS) {
            if (appConfigs.get(key) != null) {
                ours.put(key, appConfigs.get(key));
            }
        }
        ConfigDef def = new ConfigDef();
        ROCKSDB_MEMORY_KEYS.forEach(key -> def.define(CONFIG.configKeys().get(key)));
        AbstractConfig parsed = new AbstractConfig(def, ours, false);
        return BoundedRocksDBMemory.Sizes.of(parsed.getLong(ROCKSDB_MEMORY_BYTES_CONFIG),
                parsed.getDouble(ROCKSDB_MEMTABLE_FRACTION_CONFIG));
    }

    /**
     * Refuses a {@link #ROCKSDB_MEMORY_KEYS} key when {@code rocksdb.config.setter} is not {@link BoundedRocksDBMemory}:
     * nothing else reads it, and an operator who set {@code tradepulse.rocksdb.memory.bytes} alone would believe the
     * stores bounded while each still took Kafka Streams' ~100 MB per store instance.
     */
    private static void checkRocksDBMemoryKeys(Map<?, ?> originals) {
        Object setter = originals.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG);
        String name = setter instanceof Class<?> c ? c.getName() : setter == null ? null : setter.toString().trim();
        if (BoundedRocksDBMemory.class.getName().equals(name)) {
            return;
        }
        for (String key : ROCKSDB_MEMORY_KEYS) {
            if (originals.get(key) != null) {
                throw new ConfigException(key, originals.get(key), "read only with "
                        + StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG + "=" + BoundedRocksDBMemory.class.getName()
                        + ": set that too, or remove the key");
            }
        }
    }

    /** A number in [min, max], NaN refused (Kafka's Range lets it through: every comparison with it is false). */
    private static ConfigDef.Validator fraction(double min, double max) {
        ConfigDef.Range range = ConfigDef.Range.between(min, max);
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value instanceof Double d && d.isNaN()) {
                throw new ConfigException(name, value, "not a number; allowed: " + range);
            }
            range.ensureValid(name, value);
        }, range::toString);
    }

    /**
     * A percentage in [0, max]. A NaN threshold would silently disable its signal (no figure is ever at least NaN
     * percent off), so it is refused ({@link #fraction}).
     */
    private static ConfigDef.Validator percent(double max) {
        return fraction(0.0, max);
    }

    /**
     * A LIST key's validator from the parser that reads it: the parser's IllegalArgumentException becomes the
     * ConfigException naming the key, the value, what is wrong and {@code allowed}.
     */
    private static ConfigDef.Validator listValidator(java.util.function.Consumer<List<String>> parse, String allowed) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            try {
                @SuppressWarnings("unchecked")
                List<String> entries = (List<String>) value;
                parse.accept(entries);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage() + "; allowed: " + allowed);
            }
        }, () -> allowed);
    }

    public ProcessorConfig(Map<?, ?> originals) {
        this(originals, true);
    }

    /**
     * The configuration as Kafka Streams hands it to the components it instantiates by class name (the
     * dead-letter handler): already checked at start-up, and carrying Streams' own internal keys, so it is
     * not checked for unknown keys again.
     */
    static ProcessorConfig fromStreamsConfig(Map<?, ?> streamsOriginals) {
        return new ProcessorConfig(streamsOriginals, false);
    }

    private ProcessorConfig(Map<?, ?> originals, boolean rejectUnknownKeys) {
        super(CONFIG, originals, false);
        if (rejectUnknownKeys) {
            ConfigKeys.rejectUnknown(originals, KNOWN_KEYS, PASS_THROUGH_PREFIXES, "processor configuration");
            // Confluent keys the serdes do not implement: known (a copied Confluent configuration passes), but only
            // unset or at a value meaning what the serdes do anyway; checked here so that start-up names them.
            UnsupportedConfluentKeys.check(originals, SchemaRegistryClientConfig.UNSUPPORTED);
            UnsupportedConfluentKeys.check(originals, AvroSerdeConfig.UNSUPPORTED);
            rejectOverridden(originals);
            checkKafkaValues(originals);
            checkSerdeValues();
            checkApplicationId(getString(APPLICATION_ID_CONFIG));
            checkStreamsCombinations();
            checkRocksDBMemoryKeys(originals);
        }
        if (getString(SCHEMA_REGISTRY_URL_CONFIG).isBlank() && registryClient() == null) {
            throw new ConfigException(SCHEMA_REGISTRY_URL_CONFIG, "", "a schema registry URL is required");
        }
    }

    /**
     * Parses the serde and registry client keys ({@code schema.registry.url}, {@code basic.auth.*},
     * {@code auto.register.schemas}, the subject name strategies, ...) as the serdes will. They were parsed only when
     * the serdes were built: {@code run} had printed its topic check line and created an admin client on the cluster
     * (with a cluster that was up, it had checked the topics) before it refused, say, {@code auto.register.schemas=maybe}.
     * A blank URL is left to the check below, whose message says a URL is required.
     */
    private void checkSerdeValues() {
        // The keys of tariff.events and trade.dlq are strings: a key strategy naming subjects after records refuses them.
        AvroSerdeConfig.check(serdeConfig(), true,
                registryClient() == null && !getString(SCHEMA_REGISTRY_URL_CONFIG).isBlank());
    }

    /**
     * Builds Kafka Streams' own configuration from {@link #streamsConfig} once, as the KafkaStreams constructor does
     * later. Kafka Streams refuses some combinations of values only there, with an IllegalArgumentException: under
     * exactly_once_v2 a commit.interval.ms above the producers' transaction timeout (10 s by default), so a run with
     * {@code commit.interval.ms=30000} failed after the launcher's topic check (a minute with the cluster unreachable),
     * with exit code 1 and a stack trace, as if something had broken rather than a setting to change.
     */
    private void checkStreamsCombinations() {
        try {
            // The protected constructor: nothing logged (Kafka Streams logs its configuration once it starts).
            new StreamsConfig(streamsConfig(), false) {
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * Refuses, under exactly_once_v2, a plain {@code transaction.timeout.ms} (with no {@code producer.}-prefixed one)
     * below the commit interval. Kafka Streams' own check compares only the prefixed key, while its producers take the
     * plain one when no prefixed one is given: a transaction then outlives its timeout at every commit, the broker
     * aborts it and fences the producer, and the tasks are migrated again and again without progress. Called for the
     * processor only ({@link ProcessorApp}, the launcher's {@code run} before contacting Kafka), not when the
     * configuration is read: {@code tradepulse dlq} reads the same file, and its replay producer is not a Streams one.
     *
     * @throws ConfigException naming the key, its value and the commit interval
     */
    public void checkProcessorTransactionTimeout() {
        if (!StreamsConfig.EXACTLY_ONCE_V2.equals(getString(PROCESSING_GUARANTEE_CONFIG))) {
            return;
        }
        Map<String, Object> streams = streamsConfig();
        String plain = ProducerConfig.TRANSACTION_TIMEOUT_CONFIG;
        Object timeout = streams.get(plain);
        if (timeout == null || streams.containsKey(StreamsConfig.producerPrefix(plain))) {
            return; // Kafka Streams checks the prefixed key itself (checkStreamsCombinations)
        }
        int timeoutMs = (Integer) ConfigDef.parseType(plain, timeout, Type.INT);
        // Built as Kafka Streams builds it: under exactly_once_v2 its commit interval defaults to 100 ms, not 30 s.
        long commitMs = new StreamsConfig(streams, false) {
        }.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
        if (timeoutMs < commitMs) {
            throw new ConfigException(plain, timeout, "under " + StreamsConfig.EXACTLY_ONCE_V2 + " the producers' "
                    + "transaction timeout must be at least " + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG + " (" + commitMs
                    + " ms): every transaction would be aborted by the broker");
        }
    }

    /**
     * The processor's internal topics, named {@code <application.id>-<name>}: the changelogs of its stores (the
     * tariff store is a global table's, read from tariff.events, and has none) and the roll-up repartition topic.
     */
    static final List<String> INTERNAL_TOPIC_SUFFIXES = List.of(
            "-" + TradeTopology.SERIES_STORE + "-changelog", "-" + TradeTopology.SERIES_ARCHIVE_STORE + "-changelog",
            "-" + TradeTopology.APPLIED_CALENDAR_STORE + "-changelog", "-" + TradeTopology.ROLLUP_CHILD_STORE + "-changelog",
            "-" + TradeTopology.LEGACY_ROLLUP_CELL_STORE + "-changelog",
            "-" + TradeTopology.ROLLUP_PENDING_STORE + "-changelog", "-" + TradeTopology.ROLLUP_REPARTITION + "-repartition");

    /**
     * Refuses an application id that makes an invalid internal topic name. Neither Kafka Streams nor its clients
     * check it: an id with a space or a '/', or too long, passed start-up and failed only when the group's leader
     * created the internal topics, at the broker, without naming the key (the stream thread failed, was replaced and
     * failed again).
     */
    private static void checkApplicationId(String applicationId) {
        // Kafka's limit (Topic.validate), not public there.
        final int maxTopicNameLength = 249;
        for (String suffix : INTERNAL_TOPIC_SUFFIXES) {
            try {
                org.apache.kafka.common.internals.Topic.validate(applicationId + suffix);
            } catch (InvalidTopicException e) {
                int longest = INTERNAL_TOPIC_SUFFIXES.stream().mapToInt(String::length).max().orElseThrow();
                throw new ConfigException(APPLICATION_ID_CONFIG, applicationId, e.getMessage() + "; allowed: an id "
                        + "that makes valid internal topic names: ASCII letters, digits, '.', '_' and '-', at most "
                        + (maxTopicNameLength - longest) + " characters");
            }
        }
    }

    /**
     * Kafka Streams keys {@link #streamsConfig} sets whatever the user gives, with the value it sets: the dead-letter
     * handlers (the deprecated {@code default.*} forms are shadowed by them) and explicit internal names. They are
     * Streams keys, so known; without this check a copied {@code deserialization.exception.handler=LogAndContinue...}
     * passed start-up and was silently replaced, and the operator believed bad input was skipped (or the instance
     * stopped) when it was in fact dead-lettered.
     */
    static final Map<String, String> SET_BY_TRADEPULSE = Map.of(
            StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class.getName(),
            StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class.getName(),
            StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName(),
            StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true",
            StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class.getName(),
            StreamsConfig.DEFAULT_PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class.getName(),
            StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");

    /** Refuses a {@link #SET_BY_TRADEPULSE} key given another value than the one tradepulse sets anyway. */
    private static void rejectOverridden(Map<?, ?> originals) {
        SET_BY_TRADEPULSE.forEach((key, value) -> {
            Object given = originals.get(key);
            String text = given instanceof Class<?> c ? c.getName() : given == null ? null : given.toString().trim();
            if (text != null && !text.equalsIgnoreCase(value)) {
                throw new ConfigException(key, given, "set by tradepulse to " + value + " (dead letters at every stage, "
                        + "explicit internal names; docs/operations.md); remove the key");
            }
        });
    }

    /** The client configurations Kafka Streams hands a key of each per-client prefix to, the prefix stripped. */
    private static final Map<String, ConfigDef> CLIENT_PREFIXES = Map.of(
            StreamsConfig.PRODUCER_PREFIX, ProducerConfig.configDef(),
            StreamsConfig.CONSUMER_PREFIX, ConsumerConfig.configDef(),
            StreamsConfig.MAIN_CONSUMER_PREFIX, ConsumerConfig.configDef(),
            StreamsConfig.RESTORE_CONSUMER_PREFIX, ConsumerConfig.configDef(),
            StreamsConfig.GLOBAL_CONSUMER_PREFIX, ConsumerConfig.configDef(),
            StreamsConfig.ADMIN_CLIENT_PREFIX, AdminClientConfig.configDef());

    /** Where an unprefixed Kafka key goes: Streams itself and every client that defines it. */
    private static final List<ConfigDef> KAFKA_CONFIGS = List.of(StreamsConfig.configDef(), ProducerConfig.configDef(),
            ConsumerConfig.configDef(), AdminClientConfig.configDef());

    /**
     * Kafka keys Kafka takes below 1 although the processor then never processes, refused below 1 (but for a
     * replication factor's -1) wherever the definition they are under applies (plain, or under the client prefix
     * reaching that client). Kafka's producer defines no lower bound for {@code transaction.timeout.ms}: with 0 or
     * -5 its I/O thread failed building the transaction id request ("transaction timeout value is not positive",
     * logged only), so the processor started and never processed. Kafka Streams takes {@code num.stream.threads=0}
     * (threads added later through its API, which tradepulse never calls): the processor read nothing while its
     * state, and so a readiness probe, said RUNNING. Only the launcher's {@code run} refused these two; a library
     * user of ProcessorApp got neither check.
     */
    private static final Map<String, ConfigDef.Validator> LOWER_BOUNDS = Map.of(
            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, ConfigDef.Range.atLeast(1),
            StreamsConfig.NUM_STREAM_THREADS_CONFIG, ConfigDef.Range.atLeast(1),
            // Streams' replication factor of its internal topics (changelogs, the roll-up repartition topic), which
            // Kafka Streams defines without a bound: 0 or -2 passed start-up, then the broker refused ("Replication
            // factor must be larger than 0, or -1 ...") every internal topic when the group's leader created them, and
            // the processor never processed. The same values as tradepulse.topic.replication.factor's.
            StreamsConfig.REPLICATION_FACTOR_CONFIG, ConfigDef.LambdaValidator.with((name, value) -> {
                if (value != null && (int) value != -1 && (int) value < 1) {
                    throw new ConfigException(name, value, "must be -1 (the broker default) or at least 1");
                }
            }, () -> "-1 (broker default) or [1,...]"));

    /**
     * Checks the value of every Kafka Streams or client key (plain or under a client prefix) against its definition
     * in each configuration that reads it, naming the key as the user wrote it. Kafka checks them only when the
     * processor's clients are built (in the KafkaStreams constructor): after the launcher's topic check and topic
     * creation (a minute with the cluster unreachable), naming the key without its prefix ({@code acks} for a wrong
     * {@code producer.acks}), and the failed constructor kept the state directory locked for the rest of the JVM.
     * The keys of {@link #LOWER_BOUNDS} are held to their bound on top.
     */
    private static void checkKafkaValues(Map<?, ?> originals) {
        originals.forEach((k, value) -> {
            String key = String.valueOf(k);
            if (value == null || CONFIG.names().contains(key) || key.equals(REGISTRY_CLIENT_INSTANCE)) {
                return; // ours: checked by CONFIG
            }
            String name = key;
            List<ConfigDef> defs = KAFKA_CONFIGS;
            for (Map.Entry<String, ConfigDef> prefix : CLIENT_PREFIXES.entrySet()) {
                if (key.startsWith(prefix.getKey())) {
                    name = key.substring(prefix.getKey().length());
                    defs = List.of(prefix.getValue());
                }
            }
            for (ConfigDef def : defs) {
                ConfigDef.ConfigKey definition = def.configKeys().get(name);
                if (definition != null) {
                    Object parsed = ConfigDef.parseType(key, value, definition.type);
                    if (definition.validator != null) {
                        definition.validator.ensureValid(key, parsed);
                    }
                    ConfigDef.Validator lowerBound = LOWER_BOUNDS.get(name);
                    if (lowerBound != null) {
                        lowerBound.ensureValid(key, parsed);
                    }
                }
            }
        });
    }

    /**
     * Every key some component of the processor reads: ours, Kafka Streams', the Kafka clients' and the Avro
     * serdes'. Anything else is a typo or a leftover and fails at start-up instead of being silently ignored.
     */
    static final Set<String> KNOWN_KEYS = knownKeys();

    /** Kafka Streams' own prefixes for per-client and topic overrides; what follows them is Kafka's to check. */
    static final List<String> PASS_THROUGH_PREFIXES = List.of(StreamsConfig.CONSUMER_PREFIX, StreamsConfig.PRODUCER_PREFIX,
            StreamsConfig.ADMIN_CLIENT_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX, StreamsConfig.RESTORE_CONSUMER_PREFIX,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX, StreamsConfig.TOPIC_PREFIX, StreamsConfig.CLIENT_TAG_PREFIX);

    private static Set<String> knownKeys() {
        Set<String> keys = new HashSet<>(CONFIG.names());
        keys.add(REGISTRY_CLIENT_INSTANCE);
        keys.addAll(StreamsConfig.configDef().names());
        keys.addAll(ConsumerConfig.configNames());
        keys.addAll(ProducerConfig.configNames());
        keys.addAll(AdminClientConfig.configNames());
        keys.addAll(AvroSerdeConfig.configDef().names());
        SchemaRegistryClientConfig.UNSUPPORTED.forEach(k -> keys.add(k.name()));
        AvroSerdeConfig.UNSUPPORTED.forEach(k -> keys.add(k.name()));
        return Set.copyOf(keys);
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The injected registry client instance, if an embedding process provided one. */
    public SchemaRegistryClient registryClient() {
        Object client = originals().get(REGISTRY_CLIENT_INSTANCE);
        return client instanceof SchemaRegistryClient c ? c : null;
    }

    /** The signal parameters ({@code tradepulse.signals.*}). */
    public SignalConfig signalConfig() {
        return new SignalConfig(getInt(SIGNALS_LEAD_MONTHS_CONFIG), getInt(SIGNALS_PAYBACK_MONTHS_CONFIG),
                getInt(SIGNALS_TREND_MONTHS_CONFIG), getDouble(SIGNALS_FRONT_LOADING_PCT_CONFIG),
                getDouble(SIGNALS_PAYBACK_PCT_CONFIG), getDouble(SIGNALS_YOY_MOVE_PCT_CONFIG),
                java.time.Duration.ofMillis(getLong(SIGNALS_TARIFF_REFRESH_MS_CONFIG)),
                getInt(SIGNALS_TARIFF_REFRESH_BATCH_CONFIG));
    }

    /** Which roll-ups to derive ({@code tradepulse.rollup.*}). */
    public RollupConfig rollupConfig() {
        return new RollupConfig(getBoolean(ROLLUP_COMMODITY_CONFIG), getBoolean(ROLLUP_WORLD_CONFIG),
                java.time.Duration.ofMillis(getLong(ROLLUP_EMIT_INTERVAL_MS_CONFIG)));
    }

    /** Which source's figure a period keeps ({@code tradepulse.source.precedence}). */
    public SourcePrecedence sourcePrecedence() {
        return SourcePrecedence.of(getList(SOURCE_PRECEDENCE_CONFIG));
    }

    /** The largest monthly values ({@code tradepulse.validation.max.monthly.value*}). */
    public ValueLimits valueLimits() {
        return ValueLimits.of(getLong(MAX_MONTHLY_VALUE_CONFIG), getList(MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG));
    }

    /** What the processor accepts and which figure a period keeps: the source precedence and the value limits. */
    public InputRules inputRules() {
        return new InputRules(sourcePrecedence(), valueLimits());
    }

    /** Where the state stores live ({@code tradepulse.state.store.type}). */
    public StateStoreType stateStoreType() {
        return StateStoreType.fromConfig(getString(STATE_STORE_TYPE_CONFIG));
    }

    /**
     * This configuration with {@code client} as the registry client of every serde built from it, also in the
     * components Kafka Streams instantiates by class name: the dead-letter handlers, configured for every task from
     * {@link #streamsConfig}.
     */
    public ProcessorConfig withRegistryClient(SchemaRegistryClient client) {
        Map<Object, Object> m = new HashMap<>(originals());
        m.put(REGISTRY_CLIENT_INSTANCE, client);
        return new ProcessorConfig(m);
    }

    public TopicCatalog topicCatalog() {
        return topicCatalog(this, registryClient());
    }

    static TopicCatalog topicCatalog(ProcessorConfig config, SchemaRegistryClient client) {
        return new TopicCatalog(config.getString(TOPIC_PREFIX_CONFIG), config.getInt(TOPIC_PARTITIONS_CONFIG),
                config.getShort(TOPIC_REPLICATION_CONFIG), new AvroSerdes(config.serdeConfig(), client));
    }

    /** Configuration handed to the Avro serdes: everything the user gave (serdes ignore keys they don't know). */
    public Map<String, Object> serdeConfig() {
        Map<String, Object> m = new HashMap<>(originalsStrings(this));
        m.remove(REGISTRY_CLIENT_INSTANCE);
        return m;
    }

    /** Kafka Streams properties: pass-through keys plus tradepulse's defaults for the guarantees it promises. */
    public Map<String, Object> streamsConfig() {
        Map<String, Object> p = new HashMap<>();
        // Throughput defaults for backfills; the user's own value of any of them, in whatever form, wins (putDefault).
        putDefault(p, StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        // Under exactly_once_v2 nothing is visible before the commit (every 100 ms by default), so lingering
        // that long adds no visible latency. Each batch of an lz4 producer allocates ~128 KB of buffers; with a
        // 10 ms linger the batches of the ~9 partitions a thread writes (outputs and changelogs) were a quarter
        // of the processor's allocation in a backfill profile.
        putDefault(p, StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 100);
        putDefault(p, StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        // The record cache serves the roll-up stores, where the children of one parent cell arrive in bursts and
        // the cache merges them; the series store has none (see TradeTopology).
        putDefault(p, StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
        // Small fetches per partition keep a thread's tasks reading their partitions in step. A series-state
        // task reads two partitions (trade.records and trade.records.derived) and, under Streams' default
        // max.task.idle.ms, waits while one of them has data on the broker but none fetched yet. With the
        // consumer's 1 MB per partition (~20,000 of our compressed records) the fetched data came one partition
        // at a time: in a backfill one task of a thread ran for seconds while the others waited, the tasks
        // drifted whole releases apart, and roll-up cells were derived before their children in the lagging
        // partitions arrived (1.9 derivations per cell). With 64 KB every task advances together: each cell
        // is derived once and the stream threads use ~40 % less CPU per input (docs/benchmarks.md). Only the
        // main consumer: state restoration reads one changelog at a time and keeps the large fetches.
        putDefault(p, StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 64 * 1024);
        // `tradepulse tariffs` writes a calendar change as one transaction. Streams reads read_committed only
        // under exactly_once_v2; with at_least_once the tariff global store would also apply an aborted or
        // half-written calendar, and emit signals for it.
        putDefault(p, StreamsConfig.globalConsumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG),
                IsolationLevel.READ_COMMITTED.toString());
        p.putAll(originals());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, getString(PROCESSING_GUARANTEE_CONFIG));
        p.put(StreamsConfig.STATE_DIR_CONFIG, getString(STATE_DIR_CONFIG));
        // Dead letters at every stage, written in the task's transaction (see the handlers' comments).
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        // Also for the tariff.events global table, whose dead letters the handlers write themselves (the global
        // thread cannot send them: DeadLetters#isGlobal).
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class);
        // TradeTopology.newBuilder enforces explicit names whatever is set here; set so the logged config says so.
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        return p;
    }

    /**
     * Puts tradepulse's default for a client-prefixed (or deprecated-aliased) Kafka key unless the user set the key in
     * any form that reaches the same client. Kafka Streams lets a prefixed key beat the unprefixed one ({@code
     * producer.linger.ms} over {@code linger.ms}, {@code main.consumer.*} over {@code consumer.*}) and the new cache key
     * beat the deprecated one, so a default under the specific form silently replaced a user's {@code linger.ms=0}
     * or {@code consumer.max.partition.fetch.bytes}: the user's value must win however it is spelled.
     */
    private void putDefault(Map<String, Object> p, String key, Object value) {
        if (!userSetAnyFormOf(key)) {
            p.put(key, value);
        }
    }

    private boolean userSetAnyFormOf(String key) {
        Map<String, Object> given = originals();
        if (given.get(key) != null) {
            return true;
        }
        if (key.equals(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG)) {
            @SuppressWarnings("deprecation")
            String deprecated = StreamsConfig.CACHE_MAX_BYTES_BUFFERING_CONFIG;
            return given.get(deprecated) != null;
        }
        String name = key;
        boolean consumer = false;
        for (String prefix : List.of(StreamsConfig.PRODUCER_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX,
                StreamsConfig.GLOBAL_CONSUMER_PREFIX)) {
            if (key.startsWith(prefix)) {
                name = key.substring(prefix.length());
                consumer = !prefix.equals(StreamsConfig.PRODUCER_PREFIX);
            }
        }
        return given.get(name) != null || consumer && given.get(StreamsConfig.consumerPrefix(name)) != null;
    }

    private static Map<String, String> originalsStrings(AbstractConfig c) {
        Map<String, String> m = new HashMap<>();
        c.originals().forEach((k, v) -> {
            if (v != null && !(v instanceof SchemaRegistryClient)) {
                m.put(k, v instanceof Class<?> cls ? cls.getName() : v.toString());
            }
        });
        return m;
    }
}
