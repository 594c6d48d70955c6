package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.avro.state.RollupContribution;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The processor topology: a pure function of the topic catalog, the state serdes, the signal and roll-up
 * parameters, the state store type and the clock. The application and every test build it through {@link #build}.
 *
 * <pre>
 * tariff.events (String id -> TariffEvent) -> GlobalKTable [store tariff-events] ──────────────┐ (read)
 * trade.records + trade.records.derived (SeriesKey -> TradeRecord)                             │
 *   -> validate ─ refused: thrown, DeadLetterProcessingHandler ─> trade.dlq (raw input bytes)  ▼
 *              └ valid ──> series-state [stores series-history: SeriesKey -> SeriesHistory (latest 4 years),
 *                                        series-history-archive: HistoryYearKey -> SeriesHistory (a year before),
 *                                        applied-tariff-calendar: String -> AppliedCalendar] ─ emissions
 *                             ├ change ─> trade.changes (ChangeKey -> TradeChange)
 *                             ├ signal ─> trade.signals (SignalKey -> TradeSignal)
 *                             └ contribution ─> repartition rollup-by-parent (parent ChangeKey -> RollupContribution)
 *                                 -> rollup-aggregate [stores rollup-children: RollupChildKey -> RollupContribution,
 *                                                      rollup-pending: ChangeKey -> change times,
 *                                                      rollup-contributions (legacy, read to migrate)]
 *                                 -> every rollup.emit.interval: derive ─> trade.records.derived
 *                                                                          (partitioned like trade.records)
 * </pre>
 *
 * <p>No repartition of the input: trade.records is keyed by series at ingest, so each series' months are
 * already in one partition. The roll-ups need one: a parent cell collects contributions from children living
 * in other partitions. The derived figure then goes back to the partition of the parent series, where it meets
 * the parent's published figures (which win) in the same series state, so derived series get the same
 * metrics and signals and feed their own parents in turn. Every processor, store, branch and repartition
 * topic is named so the changelog and internal names stay stable when the topology grows (generated names
 * shift and orphan changelogs); {@link #newBuilder} makes {@code build()} fail on a generated one.
 */
public final class TradeTopology {
    public static final String SERIES_STORE = "series-history";
    /** A series' years before its latest four: (series, year) -> that year's observations (see {@link SeriesStateProcessor}). */
    public static final String SERIES_ARCHIVE_STORE = "series-history-archive";
    /** Store of the tariff.events GlobalKTable (in memory: a few hundred events at most, re-read on start). */
    public static final String TARIFF_STORE = "tariff-events";
    /** Store of the roll-up cells, one entry per child: (parent series, period, child) -> its latest contribution. */
    public static final String ROLLUP_CHILD_STORE = "rollup-children";
    /**
     * The roll-up cells of earlier releases, one entry per cell: (parent series, period) -> latest contribution of
     * each child. Only read, to move each cell into {@link #ROLLUP_CHILD_STORE} (see {@link RollupProcessor}).
     */
    public static final String LEGACY_ROLLUP_CELL_STORE = "rollup-contributions";
    /** Per task: the tariff calendar its signals reflect (see {@link SeriesStateProcessor}). */
    public static final String APPLIED_CALENDAR_STORE = "applied-tariff-calendar";
    /** Roll-up cells changed since their derived figure was last emitted. */
    public static final String ROLLUP_PENDING_STORE = "rollup-pending";
    /** Name of the repartition topic (the application id is prepended and "-repartition" appended). */
    public static final String ROLLUP_REPARTITION = "rollup-by-parent";

    private TradeTopology() {
    }

    public static Topology build(TopicCatalog topics, StateSerdes stateSerdes, SignalConfig signals,
                                 RollupConfig rollups, InputRules inputs, StateStoreType storeType, Clock clock) {
        StreamsBuilder builder = newBuilder();
        Topic<String, TariffEvent> tariffEvents = topics.tariffEvents();
        // Every instance needs the whole (small) calendar for every series: a GlobalKTable, no co-partitioning.
        builder.globalTable(tariffEvents.name(),
                Consumed.with(tariffEvents.keySerde(), tariffEvents.valueSerde()).withName("read-tariff-events"),
                Materialized.<String, TariffEvent>as(Stores.inMemoryKeyValueStore(TARIFF_STORE))
                        .withKeySerde(tariffEvents.keySerde()).withValueSerde(tariffEvents.valueSerde()));
        Topic<SeriesKey, TradeRecord> records = topics.records();
        Topic<SeriesKey, TradeRecord> derived = topics.derivedRecords();

        // No record cache in front of the series store, whatever the store type. Under exactly_once_v2 the cache
        // is flushed at every commit (100 ms), so it only merges writes of a series that arrives more than once
        // within one commit, which a release (one figure per series and period) rarely does. What it does cost:
        // a second copy of the entries, kept after the flush until evicted, which the collector then has to move
        // to the old generation. In the 10 M backfill with RocksDB the cache took ~6x the GC time, doubled the peak
        // heap and was 9-22 % slower (docs/benchmarks.md, "Record cache off"); in front of the in-memory store, 30 %.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        storeType.supplier(SERIES_STORE), stateSerdes.seriesKey(), stateSerdes.seriesHistory())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of()));

        // Written once per series and year when the year leaves the series' latest four, and read only for figures
        // of periods around those years (late revisions): nothing for a cache to merge.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        storeType.supplier(SERIES_ARCHIVE_STORE), stateSerdes.historyYearKey(), stateSerdes.seriesHistory())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of()));

        // One small entry per task, written when the calendar changes: no cache needed.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        storeType.supplier(APPLIED_CALENDAR_STORE), Serdes.String(), stateSerdes.appliedCalendar())
                .withLoggingEnabled(Map.of()));

        TradeRecordValidator validator = new TradeRecordValidator(clock, inputs.limits());
        // One source for published and derived figures: the two topics are co-partitioned, so partition p of
        // both belongs to the same task and the same series state. Without roll-ups the derived topic is not
        // read at all: a task with a second, empty input partition costs Streams a check per record (it
        // formats a log line while deciding whether to wait for it: 6 % of the CPU in the 10 M backfill).
        // Streams' default max.task.idle.ms is kept: with -1 the 1 M roll-up backfill re-derived 50 % more
        // parent cells (docs/benchmarks.md).
        // A refused record does not go on: validate throws it (RecordRefusal), and DeadLetterProcessingHandler writes
        // its dead letter with the input's raw bytes in the task's transaction (see ValidateProcessor for why not a
        // sink here). Releases before 2026-11-30 had one (nodes route-, to-dead-letter, write-dead-letters,
        // unwrap-valid): processor names only, no store or internal topic was named after them.
        KStream<SeriesKey, TradeRecord> valid = builder
                .stream(rollups.any() ? List.of(records.name(), derived.name()) : List.of(records.name()),
                        Consumed.with(records.keySerde(), records.valueSerde()).withName("read-trade-records"))
                .processValues(() -> new ValidateProcessor(validator), Named.as("validate"));

        ProcessorSupplier<SeriesKey, TradeRecord, SeriesKey, Emission> seriesState =
                () -> new SeriesStateProcessor(SERIES_STORE, SERIES_ARCHIVE_STORE, TARIFF_STORE, APPLIED_CALENDAR_STORE,
                        signals, rollups, inputs.sources(), stateSerdes.seriesKey().serializer());
        Map<String, KStream<SeriesKey, Emission>> outputs = valid
                .process(seriesState, Named.as("series-state"), SERIES_STORE, SERIES_ARCHIVE_STORE, APPLIED_CALENDAR_STORE)
                .split(Named.as("emit-"))
                .branch((k, v) -> v.isChange(), Branched.as("change"))
                .branch((k, v) -> v.isSignal(), Branched.as("signal"))
                .defaultBranch(Branched.as("contribution"));

        // map() re-keys, but each of these branches ends in a sink: no repartition topic is created.
        Topic<ChangeKey, TradeChange> changes = topics.changes();
        outputs.get("emit-change")
                .map((k, v) -> KeyValue.pair(v.changeKey(), v.change()), Named.as("to-change-row"))
                .to(changes.name(), Produced.with(changes.keySerde(), changes.valueSerde()).withName("write-trade-changes"));
        Topic<SignalKey, TradeSignal> signalTopic = topics.signals();
        outputs.get("emit-signal")
                .map((k, v) -> KeyValue.pair(v.signalKey(), v.signal()), Named.as("to-signal"))
                .to(signalTopic.name(), Produced.with(signalTopic.keySerde(), signalTopic.valueSerde())
                        .withName("write-trade-signals"));

        if (!rollups.any()) {
            return builder.build(); // the series state emits no contributions
        }
        // Roll-ups. The cell keeps the latest contribution per child, so a revised child replaces its share and
        // a replayed one changes nothing; changed cells emit their derived figure on a wall-clock punctuation
        // (see RollupProcessor for why not per contribution). The state serdes (no registry) serialize the
        // internal repartition topic and stores.
        // No record cache: a child's entry is written about once per release (the cache has nothing to merge), a
        // new child's read misses it anyway, and the emission's prefix scan would merge the cache's entries with the
        // store's. Measured at 1 M records: 16-18 % less stream-thread CPU per input than cached (docs/benchmarks.md,
        // "Roll-up cells: one entry per child").
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        storeType.supplier(ROLLUP_CHILD_STORE), stateSerdes.childKey(), stateSerdes.contribution())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of()));
        // Read and emptied, never written: no cache. Logged (its changelog is the one earlier releases wrote): a
        // moved cell's deletion must reach the changelog, or a restore would bring the cell back and move its old
        // contributions over newer ones.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        storeType.supplier(LEGACY_ROLLUP_CELL_STORE), stateSerdes.cellKey(), stateSerdes.rollupCell())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of()));
        // No record cache either: a cell's mark is written when it becomes pending and deleted when it is
        // emitted, at least one quiet interval later (5 s by default: fifty commits), so the cache never merges
        // anything; flushing it cost 5.8 % of the stream threads' samples in a 1 M backfill profile, 2.4 % of them
        // in its hit-ratio sensor.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        storeType.supplier(ROLLUP_PENDING_STORE), stateSerdes.cellKey(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of()));
        outputs.get("emit-contribution")
                .map((k, v) -> KeyValue.pair(v.parentCell(), v.contribution()), Named.as("to-parent-cell"))
                // Partitioned by the parent SERIES, not by the cell: all periods of a parent meet in one task,
                // which emits them oldest first (a later period must not be derived before an earlier one).
                .repartition(Repartitioned.with(stateSerdes.cellKey(), stateSerdes.contribution())
                        .withStreamPartitioner(TradeTopology::byParentSeries).withName(ROLLUP_REPARTITION))
                .process(() -> new RollupProcessor(ROLLUP_CHILD_STORE, LEGACY_ROLLUP_CELL_STORE, ROLLUP_PENDING_STORE,
                                rollups, stateSerdes.cellKey().serializer()),
                        Named.as("rollup-aggregate"), ROLLUP_CHILD_STORE, LEGACY_ROLLUP_CELL_STORE, ROLLUP_PENDING_STORE)
                .to(derived.name(), Produced.with(derived.keySerde(), derived.valueSerde())
                        .withStreamPartitioner(new RecordsPartitioner(records)).withName("write-derived-records"));
        return builder.build();
    }

    /**
     * A builder whose {@code build()} fails with a {@link org.apache.kafka.streams.errors.TopologyException} naming
     * every state store, changelog or repartition topic that would get a generated name (KIP-1111). Why enforce it:
     * a generated name carries the node's index, so adding a processor anywhere upstream renames the store's
     * changelog, and a redeployed application would silently start from empty state while the old changelog is
     * orphaned. Streams reads the flag when the builder is created, from the application-wide settings the
     * builder is given; the ones here are placeholders (Streams replaces them with the application's own when the
     * topology is started, and no topology-level key is overridden). The protected constructor keeps them out of the
     * log.
     */
    static StreamsBuilder newBuilder() {
        StreamsConfig placeholders = new StreamsConfig(Map.of(
                StreamsConfig.APPLICATION_ID_CONFIG, "tradepulse-topology",
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true,
                // as ProcessorConfig sets it; StreamsConfig warns on every instance without it
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true), false) {
        };
        return new StreamsBuilder(new TopologyConfig(null, placeholders, new Properties()));
    }

    private static Optional<Set<Integer>> byParentSeries(String topic, ChangeKey cell, RollupContribution c, int partitions) {
        byte[] series = Rollups.seriesId(cell).getBytes(StandardCharsets.UTF_8);
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(series)) % partitions));
    }
}
