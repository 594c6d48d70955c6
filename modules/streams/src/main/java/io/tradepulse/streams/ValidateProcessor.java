package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Validates each input record; refused ones become dead letters carrying their origin topic/partition/offset. */
final class ValidateProcessor implements FixedKeyProcessor<SeriesKey, TradeRecord, Validated> {
    private final TradeRecordValidator validator;
    private FixedKeyProcessorContext<SeriesKey, Validated> context;

    ValidateProcessor(TradeRecordValidator validator) {
        this.validator = validator;
    }

    @Override
    public void init(FixedKeyProcessorContext<SeriesKey, Validated> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<SeriesKey, TradeRecord> record) {
        Optional<String> refusal = validator.check(record.key(), record.value());
        if (refusal.isEmpty()) {
            context.forward(record.withValue(new Validated(record.value(), null)));
            return;
        }
        Optional<RecordMetadata> meta = context.recordMetadata();
        DeadLetter dl = DeadLetter.newBuilder()
                .setStage(DeadLetterStage.VALIDATION)
                .setReason(refusal.get())
                .setSource(record.value() == null ? null : record.value().getSource())
                .setOriginTopic(meta.map(RecordMetadata::topic).orElse(null))
                .setOriginPartition(meta.map(RecordMetadata::partition).orElse(null))
                .setOriginOffset(meta.map(RecordMetadata::offset).orElse(null))
                .setRawValue(encode(record.value()))
                .setOccurredAt(Instant.ofEpochMilli(record.timestamp()))
                .build();
        context.forward(record.withValue(new Validated(null, dl)));
    }

    /** The refused value in Avro single-object encoding (schema fingerprint + binary), for replay. */
    private static java.nio.ByteBuffer encode(TradeRecord value) {
        if (value == null) {
            return null;
        }
        try {
            return value.toByteBuffer();
        } catch (java.io.IOException | RuntimeException e) {
            return null; // the reason and origin still identify the record on trade.records
        }
    }
}
