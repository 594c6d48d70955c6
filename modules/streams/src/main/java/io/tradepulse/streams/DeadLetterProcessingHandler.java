package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetterStage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An unexpected exception while processing one input record (a bug, or data the validator did not foresee)
 * sends that input's raw bytes to the dead-letter topic (stage PROCESSING) and processing continues, so one
 * poisoned record cannot stop every series. Outputs are recomputed from state on the next change of the
 * series, and the input can be replayed from its dead letter once fixed. If the dead letter cannot be
 * written, the handler answers FAIL: stopping loses nothing, a restart resumes from the last commit.
 * <p>
 * A serialization error answers FAIL too. The one that matters is an output the serializer refuses (the registry
 * rejects an incompatible schema): Kafka Streams throws it from the sink node after {@link DeadLetterProductionHandler}
 * answered FAIL, and it reaches this handler as a processing error. Dead-lettering it here would commit the saved
 * series state without the output, the loss that handler exists to prevent; a registry or serde fault is a
 * configuration fault, so the input waits for the fix instead.
 * <p>
 * Any other Kafka error answers FAIL as well ({@link KafkaException} anywhere in the cause chain). Kafka Streams hands
 * this handler every exception of a processor or punctuation except a migrated or corrupted task and a timeout, so it
 * also receives the task's own failures: a send that failed earlier and is rethrown at the next send
 * ({@code StreamsException}, after {@link DeadLetterProductionHandler} answered FAIL), an interrupted or fenced
 * producer wrapped in one, a state store that cannot be read ({@code ProcessorStateException},
 * {@code InvalidStateStoreException}). None is the input's fault: dead-lettering the input and resuming would
 * commit the transaction without the lost output (at_least_once) or only fail at the commit (exactly_once_v2),
 * with a dead letter for an input that was fine.
 * <p>
 * A {@link RecordRefusal} (a record the validator refused: data, not a bug) becomes a dead letter of stage VALIDATION
 * with the input's raw key and value, and the task continues; logged at DEBUG only, without a stack trace (refusals
 * were never logged above it: a bad release can refuse thousands of rows, and each is on trade.dlq with its reason).
 * FAIL if the dead letter cannot be written, as for the other stages.
 * <p>
 * A {@link PunctuationFailures} (the items a punctuation skipped: roll-up cells, series of a tariff calendar pass)
 * becomes one dead letter per item, keyed and positioned by the item's origin (there is no input record), and the task
 * continues; FAIL if they cannot be written, which aborts the skipping with the transaction.
 * <p>
 * A record of tariff.events (the global thread) is skipped whatever the error, and its dead letter written by the
 * handler itself, for the reasons given in {@link DeadLetterDeserializationHandler} (failing stops the instance).
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    private DeadLetters deadLetters;
    private GlobalDeadLetterProducer global;

    @Override
    public void configure(Map<String, ?> configs) {
        this.deadLetters = DeadLetters.fromStreamsConfig(configs);
        this.global = new GlobalDeadLetterProducer(configs, deadLetters);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String origin = context.topic() + "/" + context.partition() + "/" + context.offset();
        if (deadLetters.isGlobal(context.topic())) {
            global.skip(DeadLetterStage.PROCESSING, exception, context.topic(), context.partition(), context.offset(),
                    context.sourceRawKey(), context.sourceRawValue(), context.timestamp());
            return Response.resume();
        }
        if (exception instanceof RecordRefusal refusal) {
            return refused(context, refusal, origin);
        }
        if (exception instanceof PunctuationFailures skipped) {
            return skipped(context, skipped);
        }
        if (isSerializationFault(exception)) {
            log.error("Processing {} failed in {} on a serialization error; stopping without committing, the input is"
                    + " processed again after the cause is fixed", origin, context.processorNodeId(), exception);
            return Response.fail();
        }
        if (isKafkaFault(exception)) {
            log.error("Processing {} failed in {} on a Kafka error, not the input's; stopping without committing, the"
                    + " input is processed again after the cause is fixed", origin, context.processorNodeId(), exception);
            return Response.fail();
        }
        try {
            var dl = deadLetters.record(DeadLetterStage.PROCESSING, exception, context.topic(), context.partition(),
                    context.offset(), context.sourceRawKey(), context.sourceRawValue(), context.timestamp());
            log.error("Processing {} failed in {}: {}; sent to {}", origin, context.processorNodeId(), exception.toString(),
                    deadLetters.topicName(), exception);
            return Response.resume(List.of(dl));
        } catch (RuntimeException e) {
            log.error("Processing {} failed and its dead letter cannot be written ({}); stopping without committing",
                    origin, e.getMessage(), exception);
            return Response.fail();
        }
    }

    /** The dead letter (stage VALIDATION) of an input the validator refused, or FAIL if it cannot be written. */
    private Response refused(ErrorHandlerContext context, RecordRefusal refusal, String origin) {
        try {
            var dl = deadLetters.refused(refusal, context.topic(), context.partition(), context.offset(),
                    context.sourceRawKey(), context.sourceRawValue(), context.timestamp());
            log.debug("Refused {}: {}; sent to {}", origin, refusal.reason(), deadLetters.topicName());
            return Response.resume(List.of(dl));
        } catch (RuntimeException e) {
            log.error("Refused {} ({}) and cannot write its dead letter; stopping without committing", origin,
                    refusal.reason(), e);
            return Response.fail();
        }
    }

    /** One dead letter per item the punctuation skipped, or FAIL if any cannot be written (the items come back). */
    private Response skipped(ErrorHandlerContext context, PunctuationFailures skipped) {
        List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
        try {
            for (PunctuationFailures.Item item : skipped.items()) {
                letters.add(deadLetters.skipped(item, context.processorNodeId(), context.timestamp()));
            }
        } catch (RuntimeException e) {
            log.error("A punctuation of {} skipped {} item(s) and their dead letters cannot be written ({}); stopping"
                    + " without committing, they are tried again after the restart", context.processorNodeId(),
                    skipped.items().size(), e.getMessage(), e);
            return Response.fail();
        }
        for (PunctuationFailures.Item item : skipped.items()) {
            log.error("A punctuation of {} skipped {} ({}): {}; sent to {}", context.processorNodeId(), item.origin(),
                    item.reason(), item.error().toString(), deadLetters.topicName(), item.error());
        }
        return Response.resume(letters);
    }

    private static boolean isSerializationFault(Throwable exception) {
        return inChain(exception, SerializationException.class);
    }

    private static boolean isKafkaFault(Throwable exception) {
        return inChain(exception, KafkaException.class);
    }

    private static boolean inChain(Throwable exception, Class<? extends Throwable> type) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
