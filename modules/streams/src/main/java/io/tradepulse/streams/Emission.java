package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.RollupContribution;

/**
 * One output of the series-state processor: a change row (for trade.changes), a signal (for trade.signals) or
 * a roll-up contribution to a parent cell (for the rollup-by-parent repartition). Lives only between the
 * processor and the branches of one sub-topology, so it needs no serde.
 */
record Emission(ChangeKey changeKey, TradeChange change, SignalKey signalKey, TradeSignal signal,
                ChangeKey parentCell, RollupContribution contribution) {
    static Emission change(ChangeKey key, TradeChange value) {
        return new Emission(key, value, null, null, null, null);
    }

    static Emission signal(SignalKey key, TradeSignal value) {
        return new Emission(null, null, key, value, null, null);
    }

    static Emission contribution(ChangeKey parentCell, RollupContribution value) {
        return new Emission(null, null, null, null, parentCell, value);
    }

    boolean isChange() {
        return changeKey != null;
    }

    boolean isSignal() {
        return signalKey != null;
    }
}
