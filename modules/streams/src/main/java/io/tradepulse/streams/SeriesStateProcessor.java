package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import java.util.ArrayList;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Upserts each published figure into its series' history (one store read and one write per input) and
 * re-emits the change metrics of every period that depends on it: the period itself and the period a year
 * later whose base it is. Duplicates and late older revisions emit nothing.
 *
 * <p>Input: {@code SeriesKey -> TradeRecord} (already validated). Output: {@code ChangeKey -> TradeChange}.
 */
final class SeriesStateProcessor implements Processor<SeriesKey, TradeRecord, ChangeKey, TradeChange> {
    private final String storeName;
    private ProcessorContext<ChangeKey, TradeChange> context;
    private KeyValueStore<SeriesKey, SeriesHistory> store;

    SeriesStateProcessor(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<ChangeKey, TradeChange> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<SeriesKey, TradeRecord> record) {
        SeriesKey series = record.key();
        TradeRecord value = record.value();
        SeriesHistory history = store.get(series);
        if (history == null) {
            history = new SeriesHistory(value.getCommodityLevel(), new ArrayList<>());
        }
        Observation incoming = SeriesHistories.observation(value);
        SeriesHistories.Upsert upsert = SeriesHistories.upsert(history, incoming);
        if (!upsert.changed()) {
            return;
        }
        if (history.getCommodityLevel() != value.getCommodityLevel()) {
            history = new SeriesHistory(value.getCommodityLevel(), history.getObservations());
        }
        store.put(series, history);
        for (int period : upsert.affected()) {
            Observation q = SeriesHistories.get(history, period);
            context.forward(record.withKey(SeriesHistories.changeKey(series, q))
                    .withValue(SeriesHistories.change(series, history, q)));
        }
    }
}
