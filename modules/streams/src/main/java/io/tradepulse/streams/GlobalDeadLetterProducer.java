package io.tradepulse.streams;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Writes the dead letters of records read by Streams' global thread (tariff.events), which cannot hand them back to
 * Streams (see {@link DeadLetters#isGlobal}). Created on the first such dead letter, from the instance's producer
 * settings (security included); idempotent, not transactional: the global thread reads tariff.events outside any
 * transaction too, so a restart that reads the bad record again writes its dead letter again (at least once).
 * Never closed: it lives as long as the handler, i.e. the instance, and exists only after a bad tariff event.
 */
final class GlobalDeadLetterProducer {
    private static final long SEND_TIMEOUT_MS = 10_000;
    private final Map<String, ?> streamsConfigs;
    private KafkaProducer<byte[], byte[]> producer;

    GlobalDeadLetterProducer(Map<String, ?> streamsConfigs) {
        this.streamsConfigs = streamsConfigs;
    }

    /** Sends and waits for the broker's acknowledgement, so a failure can be logged where the record is known. */
    synchronized void send(ProducerRecord<byte[], byte[]> deadLetter) {
        try {
            if (producer == null) {
                Map<String, Object> props = new StreamsConfig(streamsConfigs).getProducerConfigs("tradepulse-global-dlq");
                producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
            }
            producer.send(deadLetter).get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while writing a dead letter", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("dead letter not acknowledged: " + e.getMessage(), e);
        }
    }
}
