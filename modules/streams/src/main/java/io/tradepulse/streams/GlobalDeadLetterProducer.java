package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetterStage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the dead letters of records read by Streams' global thread (tariff.events), which cannot hand them back to
 * Streams (see {@link DeadLetters#isGlobal}). A producer per dead letter, from the instance's producer settings
 * (security included), closed once the broker has acknowledged it: a bad tariff event is rare, and a producer kept
 * for the next one would hold its network thread and connections for the life of the JVM (Streams gives a handler
 * no close). Idempotent, not transactional: the global thread reads tariff.events outside any transaction too, so a
 * restart that reads the bad record again writes its dead letter again (at least once).
 */
final class GlobalDeadLetterProducer {
    private static final Logger log = LoggerFactory.getLogger(GlobalDeadLetterProducer.class);
    private static final long SEND_TIMEOUT_MS = 10_000;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private final Map<String, ?> streamsConfigs;
    private final DeadLetters deadLetters;

    GlobalDeadLetterProducer(Map<String, ?> streamsConfigs, DeadLetters deadLetters) {
        this.streamsConfigs = streamsConfigs;
        this.deadLetters = deadLetters;
    }

    /**
     * Writes the dead letter of a tariff.events record the global thread skips, and logs either that or, if even the
     * dead letter cannot be written, where the record stays. Never throws: the handler resumes either way.
     */
    void skip(DeadLetterStage stage, Exception error, String topic, int partition, long offset, byte[] rawKey,
              byte[] rawValue, long timestamp) {
        String origin = topic + "/" + partition + "/" + offset;
        try {
            send(deadLetters.record(stage, error, topic, partition, offset, rawKey, rawValue, timestamp));
            log.warn("Tariff event {} skipped at stage {} ({}); the calendar keeps its previous version; sent to {}",
                    origin, stage, error.toString(), deadLetters.topicName(), error);
        } catch (RuntimeException e) {
            log.error("Tariff event {} skipped at stage {} ({}) and its dead letter cannot be written ({}); the record "
                    + "stays on {}", origin, stage, error.toString(), e.getMessage(), topic, error);
        }
    }

    /**
     * The instance's producer settings, with {@code max.block.ms} at most the send's own bound: send() waits up to
     * max.block.ms (60 s by default) for the topic's metadata before the bounded wait for the acknowledgement even
     * starts, so with the broker unreachable each bad tariff event held the global thread, and with it every update
     * of the tariff calendar, for a minute and more instead of the 10 s this class allows a dead letter. A lower
     * setting of the user's stays.
     */
    static Map<String, Object> producerConfigs(Map<String, ?> streamsConfigs) {
        Map<String, Object> props = new StreamsConfig(streamsConfigs).getProducerConfigs("tradepulse-global-dlq");
        Object configured = props.get(ProducerConfig.MAX_BLOCK_MS_CONFIG);
        long maxBlock = configured == null ? Long.MAX_VALUE
                : (Long) ConfigDef.parseType(ProducerConfig.MAX_BLOCK_MS_CONFIG, configured, ConfigDef.Type.LONG);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(maxBlock, SEND_TIMEOUT_MS));
        return props;
    }

    /** Sends and waits for the broker's acknowledgement, so a failure can be logged where the record is known. */
    private void send(ProducerRecord<byte[], byte[]> deadLetter) {
        Map<String, Object> props = producerConfigs(streamsConfigs);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            producer.send(deadLetter).get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while writing a dead letter", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("dead letter not acknowledged: " + e.getMessage(), e);
        } finally {
            // Bounded: close() without one waits for ever for a send the broker never answers.
            producer.close(CLOSE_TIMEOUT);
        }
    }
}
