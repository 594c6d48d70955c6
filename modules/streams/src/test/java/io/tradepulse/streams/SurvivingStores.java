package io.tradepulse.streams;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.SeriesHistory;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The series-state processor's four stores (series histories, their archive, the tariff calendar's global store, the
 * applied calendar and signal parameters), in memory, kept across processor instances as a task's stores survive a
 * restart: {@link #start} makes a new {@link SeriesStateProcessor} over them, as a restarted task does. Why not
 * TopologyTestDriver: a driver's configuration is fixed when it is built, so it cannot restart with other signal
 * parameters, and its processors start before a test could fill a store.
 */
final class SurvivingStores {
    private final StateSerdes serdes = StateSerdes.defaults();
    final KeyValueStore<SeriesKey, SeriesHistory> histories = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(TradeTopology.SERIES_STORE), serdes.seriesKey(), serdes.seriesHistory())
            .withLoggingDisabled().build();
    final KeyValueStore<HistoryYearKey, SeriesHistory> archive = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(TradeTopology.SERIES_ARCHIVE_STORE), serdes.historyYearKey(),
            serdes.seriesHistory()).withLoggingDisabled().build();
    final KeyValueStore<String, TariffEvent> tariffs;
    final KeyValueStore<String, AppliedCalendar> applied = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(TradeTopology.APPLIED_CALENDAR_STORE), Serdes.String(), serdes.appliedCalendar())
            .withLoggingDisabled().build();
    SurvivingStores() {
        this(new VersionedAvroSerde<TariffEvent>(TariffEvent.getClassSchema()));
    }

    /** With the tariff events' store read and written by {@code tariffValues} (the processor's own: the registry's). */
    SurvivingStores(Serde<TariffEvent> tariffValues) {
        tariffs = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TradeTopology.TARIFF_STORE), Serdes.String(),
                tariffValues).withLoggingDisabled().build();
    }

    /** The processor {@link #start} made last. */
    SeriesStateProcessor processor;

    /** A new processor instance over the surviving stores, as after a restart; its context. */
    MockProcessorContext<SeriesKey, Emission> start(SignalConfig signalConfig) {
        MockProcessorContext<SeriesKey, Emission> context = MockContexts.context();
        for (KeyValueStore<?, ?> store : List.of(histories, archive, tariffs, applied)) {
            if (!store.isOpen()) {
                store.init(context.getStateStoreContext(), store);
            }
            context.addStateStore(store);
        }
        processor = new SeriesStateProcessor(TradeTopology.SERIES_STORE, TradeTopology.SERIES_ARCHIVE_STORE,
                TradeTopology.TARIFF_STORE, TradeTopology.APPLIED_CALENDAR_STORE, signalConfig, RollupConfig.NONE,
                SourcePrecedence.DEFAULT, serdes.seriesKey().serializer());
        processor.init(context);
        return context;
    }

    /** The applied-calendar store's keys that start with {@code prefix}. */
    List<String> appliedKeys(String prefix) {
        List<String> out = new ArrayList<>();
        try (var all = applied.all()) {
            all.forEachRemaining(kv -> {
                if (kv.key.startsWith(prefix)) {
                    out.add(kv.key);
                }
            });
        }
        return out;
    }

    /**
     * A flat 2024 and 2025 at 100 but June 2025 at 125 (+25 % YoY, an excess of 25 % with no trend) for {@code series}:
     * front-loading ahead of an August rise under the default 10 % threshold, and no YOY_MOVE under the default 30 %.
     */
    static List<TradeRecord> frontLoadingInJune(SeriesKey series) {
        List<TradeRecord> out = new ArrayList<>();
        for (int m = 1; m <= 12; m++) {
            out.add(TopologyFixture.figure(series, 2024, m, 1, 100L, "2024-%02d-20".formatted(m == 12 ? 12 : m + 1), 0));
        }
        for (int m = 1; m <= 5; m++) {
            out.add(TopologyFixture.figure(series, 2025, m, 1, 100L, "2025-%02d-20".formatted(m + 1), 0));
        }
        out.add(TopologyFixture.figure(series, 2025, 6, 1, 125L, "2025-07-14", 0));
        return out;
    }
}
