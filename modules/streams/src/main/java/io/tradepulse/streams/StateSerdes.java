package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.RollupCell;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import io.tradepulse.avro.state.SeriesHistory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serde;

/**
 * Serdes of the processor's state stores (see {@link VersionedAvroSerde} for why they bypass the registry). The
 * history uses the compact hand-written {@link SeriesHistoryCodec} (formats 2 to 5, still reads format 1); the keys
 * keep format 1, and the roll-up contribution keeps it for published figures (a key's bytes are the store's and the
 * changelog's key: changing them would orphan existing entries), written by the hand-written {@link Format1Codecs},
 * which produce exactly {@link VersionedAvroSerde}'s bytes without Avro's generic writer and reader (a key is
 * serialized on every get and put). The legacy roll-up cell and the applied calendar, read or written rarely, keep
 * the generic serde.
 *
 * @param seriesKey     store key: one entry per series
 * @param seriesHistory value of the series-history store (every period of the series' latest four years, winning
 *                      revision each) and of the series-history-archive store (one earlier year)
 * @param historyYearKey key of the series-history-archive store: (series, year), read by point lookups of the years
 *                      a figure or a tariff change needs ({@link SeriesStateProcessor})
 * @param cellKey       key of the rollup-by-parent repartition topic and the rollup-contributions store:
 *                      (parent series, period)
 * @param contribution  value of the rollup-by-parent repartition topic and of the rollup-children store
 * @param childKey      key of the rollup-children store: (parent series, period, child). Its bytes start with the
 *                      {@code cellKey} bytes of the cell (same format byte, then the cell's Avro binary), which is
 *                      what lets the emission read one cell's children by prefix ({@link RollupProcessor})
 * @param rollupCell    value of the legacy rollup-contributions store (all children of a cell in one entry), only
 *                      read to move entries written by earlier releases into rollup-children
 * @param appliedCalendar value of the applied-tariff-calendar store
 */
public record StateSerdes(Serde<SeriesKey> seriesKey, Serde<SeriesHistory> seriesHistory,
                          Serde<HistoryYearKey> historyYearKey, Serde<ChangeKey> cellKey,
                          Serde<RollupContribution> contribution, Serde<RollupChildKey> childKey,
                          Serde<RollupCell> rollupCell,
                          Serde<AppliedCalendar> appliedCalendar) {
    /**
     * The RollupCell schema the legacy store's entries were written with (its nested RollupContribution without
     * quality), a copy of {@code schemas/history/RollupCell/v1.avsc} (compared with it by {@code StateSerdesTest}).
     */
    static final Schema ROLLUP_CELL_V1 = loadRollupCellV1();

    private static Schema loadRollupCellV1() {
        try (InputStream in = StateSerdes.class.getResourceAsStream("RollupCell-v1.avsc")) {
            return new Schema.Parser().parse(Objects.requireNonNull(in, "RollupCell-v1.avsc"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static StateSerdes defaults() {
        return new StateSerdes(new Format1Codecs.SeriesKeyCodec(),
                new SeriesHistoryCodec(), new Format1Codecs.HistoryYearKeyCodec(),
                new Format1Codecs.ChangeKeyCodec(),
                new Format1Codecs.RollupContributionCodec(),
                new Format1Codecs.RollupChildKeyCodec(),
                // Every legacy cell was written before RollupContribution.quality: read with that schema (v1).
                new VersionedAvroSerde<>(RollupCell.getClassSchema(), ROLLUP_CELL_V1),
                new VersionedAvroSerde<>(AppliedCalendar.getClassSchema()));
    }
}
