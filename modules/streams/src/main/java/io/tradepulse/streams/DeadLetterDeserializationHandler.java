package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetterStage;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Input that cannot be deserialized (bad bytes, unknown schema id) becomes a {@code DeadLetter} on the
 * dead-letter topic with its raw key and value and its origin, and processing continues. The dead letter is
 * returned to Kafka Streams (KIP-1034) rather than produced here, so under exactly_once_v2 it is committed
 * in the same transaction as the input offset: never lost, never duplicated.
 *
 * <p>If the dead letter itself cannot be serialized (typically: the registry is down, which may also be why
 * the input failed), the handler answers FAIL: the instance stops without committing, and a restart resumes
 * from the same offset. Stopping is the only choice that loses nothing.
 *
 * <p>tariff.events is different: Streams' global thread reads it, and that thread can neither send a dead letter
 * handed back to it (Kafka Streams 4.4 fails it with a ClassCastException) nor be replaced, so either answer above
 * would stop the instance, and every restart would stop it again at the same record. A bad tariff event is skipped
 * (the calendar keeps the event's previous version, if any) and its dead letter is written by a producer of the
 * handler's own, outside any transaction, like everything the global thread does; if even that fails, the error
 * log names the record, which stays on tariff.events. The global store's own copy is read tolerantly too
 * ({@code SeriesStateProcessor.readCalendar}): a restore copies the topic's bytes into the store undecoded.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private DeadLetters deadLetters;
    private GlobalDeadLetterProducer global;

    @Override
    public void configure(Map<String, ?> configs) {
        this.deadLetters = DeadLetters.fromStreamsConfig(configs);
        this.global = new GlobalDeadLetterProducer(configs, deadLetters);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        String origin = record.topic() + "/" + record.partition() + "/" + record.offset();
        if (deadLetters.isGlobal(record.topic())) {
            global.skip(DeadLetterStage.DESERIALIZATION, exception, record.topic(), record.partition(), record.offset(),
                    record.key(), record.value(), record.timestamp());
            return Response.resume();
        }
        try {
            ProducerRecord<byte[], byte[]> dl = deadLetters.record(DeadLetterStage.DESERIALIZATION, exception,
                    record.topic(), record.partition(), record.offset(), record.key(), record.value(), record.timestamp());
            log.warn("Cannot deserialize {}: {}; sent to {}", origin, exception.getMessage(), deadLetters.topicName());
            return Response.resume(List.of(dl));
        } catch (RuntimeException e) {
            log.error("Cannot deserialize {} and cannot write its dead letter ({}); stopping without committing so "
                    + "nothing is lost", origin, e.getMessage(), exception);
            return Response.fail();
        }
    }
}
