package io.tradepulse.launcher;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Counts, per topic, the records the Connect producers of one {@code ingest} run had acknowledged: the run's own
 * records and dead letters. The counts were the growth of the topics' end offsets over the run, which also counted
 * what anyone else wrote meanwhile: the processor's dead letters on the shared {@code trade.dlq} (and the markers
 * of its transactions, one per partition per commit), another source's ingest on {@code trade.records}. A running
 * processor alone made {@code --max-dead-letters 0} exit 3 for a run that dead-lettered nothing.
 *
 * <p>Configured on the worker as {@code producer.interceptor.classes}, with the run's id under
 * {@code producer.}{@link #RUN_CONFIG}; the producer hands its interceptors its whole configuration.
 */
public final class DeliveredRecords implements ProducerInterceptor<Object, Object> {
    /** The producer key naming the run whose counts an interceptor adds to. */
    static final String RUN_CONFIG = "tradepulse.ingest.run";

    private static final Map<String, Map<String, LongAdder>> RUNS = new ConcurrentHashMap<>();

    private Map<String, LongAdder> counts;

    /** Public, with a public constructor: the producer creates it by reflection. */
    public DeliveredRecords() {
    }

    /** A new run's id, its counts at zero. */
    static String newRun() {
        String run = UUID.randomUUID().toString();
        RUNS.put(run, new ConcurrentHashMap<>());
        return run;
    }

    /** The records of {@code run} acknowledged on {@code topic} so far. */
    static long count(String run, String topic) {
        LongAdder n = RUNS.getOrDefault(run, Map.of()).get(topic);
        return n == null ? 0 : n.sum();
    }

    /** Forgets a run's counts. */
    static void end(String run) {
        RUNS.remove(run);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object run = configs.get(RUN_CONFIG);
        counts = run == null ? null : RUNS.get(run.toString());
    }

    @Override
    public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        // Failed sends are not delivered (the task fails or retries them, and a retried one is acknowledged then).
        if (exception == null && metadata != null && counts != null) {
            counts.computeIfAbsent(metadata.topic(), t -> new LongAdder()).increment();
        }
    }

    @Override
    public void close() {
    }
}
