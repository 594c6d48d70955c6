package io.tradepulse.streams;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.state.SeriesHistory;
import org.apache.kafka.common.serialization.Serde;

/**
 * Serdes of the processor's state stores (see {@link VersionedAvroSerde} for why they bypass the registry).
 * The history uses the compact hand-written {@link SeriesHistoryCodec} (format 2, still reads format 1);
 * the key keeps format 1 (its bytes are the store's and the changelog's key: changing them would orphan
 * existing entries).
 *
 * @param seriesKey     store key: one entry per series
 * @param seriesHistory store value: every period of the series, winning revision each
 */
public record StateSerdes(Serde<SeriesKey> seriesKey, Serde<SeriesHistory> seriesHistory) {
    public static StateSerdes defaults() {
        return new StateSerdes(new VersionedAvroSerde<>(SeriesKey.getClassSchema()),
                new SeriesHistoryCodec());
    }
}
