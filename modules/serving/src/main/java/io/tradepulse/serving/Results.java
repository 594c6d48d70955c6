package io.tradepulse.serving;

import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import java.util.List;

/** The latest result per key of the output topics, as served by the API and the dashboard. */
public interface Results {
    List<TradeChange> changes();

    List<TradeSignal> signals();

    /** True once everything committed when serving started has been read. */
    boolean caughtUp();
}
