package io.tradepulse.ingest;

import io.tradepulse.core.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One idempotent producer for every catalog topic: records are serialized with the topic's own serdes, so
 * the producer can never pair a topic with the wrong serializer.
 *
 * <p>A send is only a request: the broker may still refuse it (authentication, authorization, a batch that
 * exhausted its retries). The first such failure is kept and {@link #flush()} throws it, so a caller that
 * flushes before reporting rows as published never reports rows that were not written.
 */
public final class CatalogProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    /** @param clientConfig connection settings (bootstrap.servers, security); tuning below is applied on top */
    public CatalogProducer(Map<String, Object> clientConfig) {
        Map<String, Object> props = new HashMap<>();
        // Idempotence + acks=all: a retried batch is written once, so a broker hiccup cannot duplicate rows.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Bulk releases: larger batches and lz4 trade a few ms of latency for much higher throughput.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.putAll(clientConfig);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public <K, V> Future<RecordMetadata> send(Topic<K, V> topic, K key, V value) {
        byte[] k = topic.keySerde().serializer().serialize(topic.name(), key);
        byte[] v = topic.valueSerde().serializer().serialize(topic.name(), value);
        return producer.send(new ProducerRecord<>(topic.name(), k, v), (metadata, e) -> {
            if (e != null) {
                firstFailure.compareAndSet(null, e);
            }
        });
    }

    /**
     * Waits until every record sent so far is acknowledged.
     *
     * @throws KafkaException if any record sent through this producer was not written
     */
    public void flush() {
        producer.flush();
        Exception failure = firstFailure.get();
        if (failure != null) {
            throw new KafkaException("Records were not written to Kafka: " + failure.getMessage(), failure);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
