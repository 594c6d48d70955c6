package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
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
 *
 * <p>An input that failed only because the registry could not serve its writer schema (not cached yet; unavailable,
 * refusing the credentials, failing: see {@link #isRegistryOutage}) is no bad record, so it is never dead-lettered,
 * even when the dead letter could be written (its schema id already cached): on trade.records or
 * trade.records.derived the handler answers FAIL, and the input is read again once the registry answers. A tariff
 * event is skipped without a dead letter: the global store is in memory and re-read from tariff.events (its bytes,
 * undecoded) at every start, so the next start brings it back.
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
        if (isRegistryOutage(exception)) {
            if (deadLetters.isGlobal(record.topic())) {
                log.error("Cannot deserialize tariff event {}: the schema registry cannot serve its schema ({}); skipped "
                        + "without a dead letter, the calendar lacks its new version until the processor's next start "
                        + "re-reads tariff.events{}", origin, exception.getMessage(), wrongUrlHint(exception), exception);
                return Response.resume();
            }
            log.error("Cannot deserialize {}: the schema registry cannot serve its schema ({}); stopping without "
                    + "committing, the input is read again once the registry answers{}", origin, exception.getMessage(),
                    wrongUrlHint(exception), exception);
            return Response.fail();
        }
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

    /**
     * Whether the input failed only because the registry could not serve its writer schema: unavailable, or an answer
     * that says nothing about the record (HTTP 401/403 credentials, a 500 the registry kept giving, e.g. its backing
     * store down, a 2xx page that is no registry's). Only the registry's "not found" (HTTP 404 with error code 40403:
     * no schema has the record's id) condemns the record; so does an error raised without a registry response (the
     * schema text cannot be read). A 404 without 40403 is no registry's answer about an id but a URL that is no
     * registry API (Apicurio's root without /apis/ccompat/v7, that path added to a Confluent URL): it answered every
     * lookup so, and every input was dead-lettered.
     */
    static boolean isRegistryOutage(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SchemaRegistryUnavailableException) {
                return true;
            }
            if (t instanceof SchemaRegistryException e && e.httpStatus() != SchemaRegistryException.NOT_FROM_REGISTRY
                    && !(e.httpStatus() == 404 && e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND)) {
                return true;
            }
        }
        return false;
    }

    /** What to add to an outage's log line when the registry URL is likely wrong ({@link #isRegistryOutage}). */
    static String wrongUrlHint(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SchemaRegistryException e && e.isNoRegistryApi()) {
                return "; HTTP 404 without the registry's error code 40403 is no registry's answer: check that "
                        + "schema.registry.url is the registry's API root (Apicurio's ends in /apis/ccompat/v7)";
            }
        }
        return "";
    }
}
