package io.tradepulse.streams;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Passes each valid input record on as it came; a refused one is thrown as a {@link RecordRefusal}, which
 * {@link DeadLetterProcessingHandler} turns into a dead letter (stage VALIDATION) carrying the input's exact raw key
 * and value, its origin topic/partition/offset, the refused record's source and the input's timestamp.
 *
 * <p>Why throw instead of forwarding the dead letter to a sink of its own (as releases before 2026-11-30 did): this
 * processor only has the decoded record. Encoding it again gives other bytes than the input's (those dead letters
 * carried the Avro single-object encoding of the decoded value, and no key), so a validation dead letter could not
 * be replayed as the other stages' are, by producing its raw key and value back to its origin topic. Kafka Streams
 * keeps the input's raw bytes in the record context of every node downstream of the source (it copies them into the
 * context of each forwarded record), but hands them only to the exception handlers ({@code ErrorHandlerContext}
 * sourceRawKey/sourceRawValue). The handler's dead letters are sent by the task's producer in the transaction of the
 * input's offset, as the sink's were, and the task goes on with the next record.
 *
 * <p>The valid records' path does less than before: no wrapper per record and no branch, the record forwarded as
 * it came; the refusal costs an exception without a stack trace, on refused records only.
 */
final class ValidateProcessor implements FixedKeyProcessor<SeriesKey, TradeRecord, TradeRecord> {
    private final TradeRecordValidator validator;
    private FixedKeyProcessorContext<SeriesKey, TradeRecord> context;

    ValidateProcessor(TradeRecordValidator validator) {
        this.validator = validator;
    }

    @Override
    public void init(FixedKeyProcessorContext<SeriesKey, TradeRecord> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<SeriesKey, TradeRecord> record) {
        Optional<String> refusal = validator.check(record.key(), record.value());
        if (refusal.isPresent()) {
            throw new RecordRefusal(refusal.get(), record.value() == null ? null : record.value().getSource());
        }
        context.forward(record);
    }
}
