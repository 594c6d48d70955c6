package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;

/**
 * One output of the series-state processor: either a change row (for trade.changes) or a signal (for
 * trade.signals). Lives only between the processor and the two sinks of one sub-topology (no repartition in
 * between), so it needs no serde.
 */
record Emission(ChangeKey changeKey, TradeChange change, SignalKey signalKey, TradeSignal signal) {
    static Emission change(ChangeKey key, TradeChange value) {
        return new Emission(key, value, null, null);
    }

    static Emission signal(SignalKey key, TradeSignal value) {
        return new Emission(null, null, key, value);
    }

    boolean isChange() {
        return changeKey != null;
    }
}
