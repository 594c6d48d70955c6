package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.TradeRecord;

/**
 * A record after validation: exactly one of {@code record} (valid) or {@code deadLetter} (refused) is set.
 * Lives only between two processors of one sub-topology (no repartition in between), so it needs no serde.
 */
record Validated(TradeRecord record, DeadLetter deadLetter) {
    boolean valid() {
        return record != null;
    }
}
