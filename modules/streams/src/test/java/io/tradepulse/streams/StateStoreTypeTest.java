package io.tradepulse.streams;

import static io.tradepulse.streams.RollupsTest.hs;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.ParseResult;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/**
 * {@code tradepulse.state.store.type}: the in-memory stores and RocksDB (the roll-up stores cached in both) must
 * give the same outputs, record for record, so switching is a pure operations choice.
 */
class StateStoreTypeTest {
    private static final List<SeriesKey> HS6 = java.util.stream.Stream.of("851713", "851762", "847130", "847150",
            "940360", "940540").map(c -> new SeriesKey("USA", "CHN", Flow.IMPORT, c)).toList();

    private record Outputs(List<KeyValue<ChangeKey, TradeChange>> changes, List<KeyValue<SignalKey, TradeSignal>> signals) {
    }

    /** The real China -> US series and tariff timeline, revisions of it, replays, and HS6 data for the roll-ups. */
    private static Outputs run(StateStoreType type) {
        try (TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.DEFAULTS, type)) {
            for (ParseResult<TariffEvent> e : BundledData.tariffEvents()) {
                TariffEvent event = ((ParseResult.Parsed<TariffEvent>) e).value();
                f.tariffs.pipeInput(event.getId(), event);
            }
            f.refreshCalendar();
            List<TradeRecord> china = BundledData.chinaExportsToUs().stream()
                    .map(r -> ((ParseResult.Parsed<TradeRecord>) r).value()).toList();
            china.forEach(f::pipe);
            // Revise every fourth month upwards by 20 %, then replay the first ten figures (duplicates).
            for (int i = 0; i < china.size(); i += 4) {
                TradeRecord r = china.get(i);
                if (r.getValue() != null) {
                    f.pipe(TradeRecord.newBuilder(r).setValue(r.getValue() * 6 / 5).setRevision(r.getRevision() + 1)
                            .setVintage(r.getVintage() + "-rev").build());
                }
            }
            china.subList(0, Math.min(10, china.size())).forEach(f::pipe);
            // Six HS6 series under three headings, month by month with the roll-ups settling in between, so that
            // more than a dozen series (published and derived) interleave in the store.
            for (int year = 2024; year <= 2025; year++) {
                for (int month = 1; month <= 12; month++) {
                    for (int i = 0; i < HS6.size(); i++) {
                        f.pipe(hs(HS6.get(i), year, month, 1_000L * (i + 1) + month * (year - 2020L) * (i + 3),
                                year + "-12-05"));
                    }
                    f.settle();
                }
            }
            return new Outputs(f.changes.readKeyValuesToList(), f.signals.readKeyValuesToList());
        }
    }

    @Test
    void shouldEmitTheSameChangesAndSignalsInTheSameOrderWithEitherStoreType() {
        Outputs rocks = run(StateStoreType.ROCKSDB);
        Outputs memory = run(StateStoreType.IN_MEMORY);
        assertThat(rocks.changes()).hasSizeGreaterThan(100); // the scenario really emits (incl. roll-ups)
        assertThat(rocks.changes()).anyMatch(kv -> kv.value.getDerivedFrom() != null);
        assertThat(rocks.signals()).isNotEmpty();
        assertThat(memory.changes()).containsExactlyElementsOf(rocks.changes());
        assertThat(memory.signals()).containsExactlyElementsOf(rocks.signals());
    }

    @Test
    void shouldKeepTheStoresInTheHeapOnlyWhenConfiguredInMemory() {
        for (StateStoreType type : StateStoreType.values()) {
            try (TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.DEFAULTS, type)) {
                for (String store : List.of(TradeTopology.SERIES_STORE, TradeTopology.APPLIED_CALENDAR_STORE,
                        TradeTopology.ROLLUP_CHILD_STORE, TradeTopology.LEGACY_ROLLUP_CELL_STORE, TradeTopology.ROLLUP_PENDING_STORE)) {
                    assertThat(f.driver.getKeyValueStore(store).persistent()).as(type + " " + store)
                            .isEqualTo(type == StateStoreType.ROCKSDB);
                }
            }
        }
    }
}
