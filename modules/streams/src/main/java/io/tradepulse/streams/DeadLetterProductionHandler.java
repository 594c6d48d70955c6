package io.tradepulse.streams;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every output that cannot be written answers FAIL: under exactly_once_v2 the transaction aborts, the task
 * restarts from its last commit, and the input is processed again once the cause is fixed. Nothing is
 * dead-lettered at this stage, because no output can be dead-lettered safely: by the time an output is sent,
 * the processor has already saved the series state in the same transaction. Dead-lettering the output and
 * resuming would commit that state without the output, so the output would be lost for good, and replaying the
 * input afterwards would do nothing (the state already holds the figure: a duplicate, no output).
 * <ul>
 *   <li>Serialization errors (the registry refuses an incompatible trade.changes-value schema, the registry is
 *       unreachable) are configuration faults, fixed by fixing the registry or the schema; the input must wait
 *       for that fix, not be skipped.</li>
 *   <li>RecordTooLargeException has the same lost-output problem, and the same kind of fix (raise the topic's
 *       max.message.bytes or the producer's max.request.size). Its output may also be a changelog record: skipping
 *       that would leave the changelog behind the local store, so a restore would silently rewind the state.
 *       It is treated like a serialization error.</li>
 *   <li>Transient send errors must fail anyway: resuming would silently drop the output.</li>
 * </ul>
 * The class stays the configured handler so the reason is logged with the input that caused it.
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure: this handler never writes a dead letter
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        return fail(context, record.topic(), exception);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        return fail(context, record.topic(), exception);
    }

    private static Response fail(ErrorHandlerContext context, String outputTopic, Exception exception) {
        log.error("Cannot write output to {} for input {}/{}/{}: {}; stopping without committing, the input is"
                        + " processed again after the cause is fixed", outputTopic, context.topic(), context.partition(),
                context.offset(), exception.toString());
        return Response.fail();
    }
}
