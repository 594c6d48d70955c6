package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetterStage;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Output that can never be written goes to the dead-letter topic (stage PRODUCTION) with the input it came
 * from, and processing continues: a record too large for the topic, or an output the serializer refuses (for
 * example a schema the registry rejects as incompatible). Every other send error answers FAIL: under
 * exactly_once_v2 the transaction aborts and the task restarts from its last commit, which is how transient
 * broker errors must be handled (resuming would silently drop the output).
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    private DeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        this.deadLetters = DeadLetters.fromStreamsConfig(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!(exception instanceof RecordTooLargeException)) {
            return Response.fail();
        }
        return deadLetter(context, record.topic(), record.key(), record.value(), exception);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        if (record.topic() != null && record.topic().equals(deadLetters.topicName())) {
            return Response.fail(); // the dead letter itself cannot be written: stop rather than lose it
        }
        return deadLetter(context, record.topic(), null, null, exception);
    }

    private Response deadLetter(ErrorHandlerContext context, String outputTopic, byte[] key, byte[] value, Exception exception) {
        try {
            byte[] rawKey = key != null ? key : context.sourceRawKey();
            byte[] rawValue = value != null ? value : context.sourceRawValue();
            var dl = deadLetters.record(DeadLetterStage.PRODUCTION, exception, context.topic(), context.partition(),
                    context.offset(), rawKey, rawValue, context.timestamp());
            log.error("Cannot write output to {} for input {}/{}/{}: {}; sent to {}", outputTopic, context.topic(),
                    context.partition(), context.offset(), exception.toString(), deadLetters.topicName());
            return Response.resume(List.of(dl));
        } catch (RuntimeException e) {
            log.error("Cannot write output to {} nor its dead letter ({}); stopping without committing", outputTopic,
                    e.getMessage(), exception);
            return Response.fail();
        }
    }
}
