package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The processor topology: a pure function of the topic catalog, the state serdes and the clock. The
 * application and every test build it through {@link #build}.
 *
 * <pre>
 * trade.records (SeriesKey -> TradeRecord)
 *   -> validate ─ refused ─> trade.dlq (String origin -> DeadLetter)
 *              └ valid ──> series-state [store series-history: SeriesKey -> SeriesHistory]
 *                             -> trade.changes (ChangeKey -> TradeChange)
 * </pre>
 *
 * <p>No repartition: trade.records is keyed by series at ingest, so each series' months are already in one
 * partition. Every processor, store and branch is named so the changelog and internal names stay stable
 * when the topology grows (generated names shift and orphan changelogs).
 */
public final class TradeTopology {
    public static final String SERIES_STORE = "series-history";

    private TradeTopology() {
    }

    public static Topology build(TopicCatalog topics, StateSerdes stateSerdes, Clock clock) {
        StreamsBuilder builder = new StreamsBuilder();
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
                .map((k, v) -> org.apache.kafka.streams.KeyValue.pair(
                        deadLetterKey(v), v.deadLetter()), Named.as("to-dead-letter"))
                .to(topics.deadLetters().name(), Produced.with(topics.deadLetters().keySerde(),
                        topics.deadLetters().valueSerde()).withName("write-dead-letters"));

        ProcessorSupplier<SeriesKey, TradeRecord, ChangeKey, TradeChange> seriesState =
                () -> new SeriesStateProcessor(SERIES_STORE);
        Topic<ChangeKey, TradeChange> changes = topics.changes();
        routes.get("route-valid")
                .mapValues(Validated::record, Named.as("unwrap-valid"))
                .process(seriesState, Named.as("series-state"), SERIES_STORE)
                .to(changes.name(), Produced.with(changes.keySerde(), changes.valueSerde()).withName("write-trade-changes"));
        return builder.build();
    }

    private static String deadLetterKey(Validated v) {
        return v.deadLetter().getOriginTopic() + "/" + v.deadLetter().getOriginPartition() + "/"
                + v.deadLetter().getOriginOffset();
    }
}
