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
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The processor topology: a pure function of the topic catalog, the state serdes, the signal parameters and
 * the clock. The application and every test build it through {@link #build}.
 *
 * <pre>
 * tariff.events (String id -> TariffEvent) -> GlobalKTable [store tariff-events] ──────────────┐ (read)
 * trade.records (SeriesKey -> TradeRecord)                                                     │
 *   -> validate ─ refused ─> trade.dlq (String origin -> DeadLetter)                           ▼
 *              └ valid ──> series-state [store series-history: SeriesKey -> SeriesHistory] ─ emissions
 *                             ├ change ─> trade.changes (ChangeKey -> TradeChange)
 *                             └ signal ─> trade.signals (SignalKey -> TradeSignal)
 * </pre>
 *
 * <p>No repartition: trade.records is keyed by series at ingest, so each series' months are already in one
 * partition. Every processor, store and branch is named so the changelog and internal names stay stable
 * when the topology grows (generated names shift and orphan changelogs).
 */
public final class TradeTopology {
    public static final String SERIES_STORE = "series-history";
    /** Store of the tariff.events GlobalKTable (in memory: a few hundred events at most, re-read on start). */
    public static final String TARIFF_STORE = "tariff-events";

    private TradeTopology() {
    }

    public static Topology build(TopicCatalog topics, StateSerdes stateSerdes, SignalConfig signals, Clock clock) {
        StreamsBuilder builder = new StreamsBuilder();
        Topic<String, TariffEvent> tariffEvents = topics.tariffEvents();
        // Every instance needs the whole (small) calendar for every series: a GlobalKTable, no co-partitioning.
        builder.globalTable(tariffEvents.name(),
                Consumed.with(tariffEvents.keySerde(), tariffEvents.valueSerde()).withName("read-tariff-events"),
                Materialized.<String, TariffEvent>as(Stores.inMemoryKeyValueStore(TARIFF_STORE))
                        .withKeySerde(tariffEvents.keySerde()).withValueSerde(tariffEvents.valueSerde()));
        Topic<SeriesKey, TradeRecord> records = topics.records();

        // Caching collapses the repeated read-modify-write of one series during a backfill into one changelog
        // write per commit interval; under exactly_once_v2 the cache is flushed before every commit.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(SERIES_STORE), stateSerdes.seriesKey(), stateSerdes.seriesHistory())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()));

        TradeRecordValidator validator = new TradeRecordValidator(clock);
        Map<String, KStream<SeriesKey, Validated>> routes = builder
                .stream(records.name(), Consumed.with(records.keySerde(), records.valueSerde()).withName("read-trade-records"))
                .processValues(() -> new ValidateProcessor(validator), Named.as("validate"))
                .split(Named.as("route-"))
                .branch((k, v) -> v.valid(), Branched.as("valid"))
                .defaultBranch(Branched.as("refused"));

        routes.get("route-refused")
                .map((k, v) -> KeyValue.pair(
                        deadLetterKey(v), v.deadLetter()), Named.as("to-dead-letter"))
                .to(topics.deadLetters().name(), Produced.with(topics.deadLetters().keySerde(),
                        topics.deadLetters().valueSerde()).withName("write-dead-letters"));

        ProcessorSupplier<SeriesKey, TradeRecord, SeriesKey, Emission> seriesState =
                () -> new SeriesStateProcessor(SERIES_STORE, TARIFF_STORE, signals);
        Map<String, KStream<SeriesKey, Emission>> outputs = routes.get("route-valid")
                .mapValues(Validated::record, Named.as("unwrap-valid"))
                .process(seriesState, Named.as("series-state"), SERIES_STORE)
                .split(Named.as("emit-"))
                .branch((k, v) -> v.isChange(), Branched.as("change"))
                .defaultBranch(Branched.as("signal"));

        // map() re-keys, but each branch ends in a sink: no repartition topic is created.
        Topic<ChangeKey, TradeChange> changes = topics.changes();
        outputs.get("emit-change")
                .map((k, v) -> KeyValue.pair(v.changeKey(), v.change()), Named.as("to-change-row"))
                .to(changes.name(), Produced.with(changes.keySerde(), changes.valueSerde()).withName("write-trade-changes"));
        Topic<SignalKey, TradeSignal> signalTopic = topics.signals();
        outputs.get("emit-signal")
                .map((k, v) -> KeyValue.pair(v.signalKey(), v.signal()), Named.as("to-signal"))
                .to(signalTopic.name(), Produced.with(signalTopic.keySerde(), signalTopic.valueSerde())
                        .withName("write-trade-signals"));
        return builder.build();
    }

    private static String deadLetterKey(Validated v) {
        return v.deadLetter().getOriginTopic() + "/" + v.deadLetter().getOriginPartition() + "/"
                + v.deadLetter().getOriginOffset();
    }
}
