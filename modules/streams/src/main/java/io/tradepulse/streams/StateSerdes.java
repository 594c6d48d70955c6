package io.tradepulse.streams;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.state.SeriesHistory;
import org.apache.kafka.common.serialization.Serde;

/**
 * Serdes of the processor's state stores (see {@link VersionedAvroSerde} for why they bypass the registry).
 *
 * @param seriesKey     store key: one entry per series
 * @param seriesHistory store value: every period of the series, winning revision each
 */
public record StateSerdes(Serde<SeriesKey> seriesKey, Serde<SeriesHistory> seriesHistory) {
    public static StateSerdes defaults() {
        return new StateSerdes(new VersionedAvroSerde<>(SeriesKey.getClassSchema()),
                new VersionedAvroSerde<>(SeriesHistory.getClassSchema()));
    }
}
