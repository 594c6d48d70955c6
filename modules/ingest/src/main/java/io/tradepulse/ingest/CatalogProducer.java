package io.tradepulse.ingest;

import io.tradepulse.core.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One idempotent producer for every catalog topic: records are serialized with the topic's own serdes, so
 * the producer can never pair a topic with the wrong serializer.
 *
 * <p>A send is only a request: the broker may still refuse it (authentication, authorization, a batch that
 * exhausted its retries). The first such failure is kept and {@link #flush()} throws it, so a caller that
 * flushes before reporting rows as published never reports rows that were not written.
 *
 * <p>With {@code transactional.id} in the client configuration, {@link #sendAtomically} writes a group of records
 * as one transaction.
 */
public final class CatalogProducer implements AutoCloseable {
    private final Producer<byte[], byte[]> producer;
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private boolean transactionsInitialized;

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

    /** Over a given producer (the unit tests' MockProducer). */
    CatalogProducer(Producer<byte[], byte[]> producer) {
        this.producer = producer;
    }

    public <K, V> Future<RecordMetadata> send(Topic<K, V> topic, K key, V value) {
        byte[] k = topic.keySerde().serializer().serialize(topic.name(), key);
        byte[] v = topic.valueSerde().serializer().serialize(topic.name(), value);
        return send(new ProducerRecord<>(topic.name(), k, v));
    }

    /**
     * Sends a record already in bytes, as it is given (topic, partition, headers): a dead letter's raw key and value
     * replayed as they were read. A refusal surfaces at {@link #flush} like any other send's.
     */
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return producer.send(record, (metadata, e) -> {
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

    /**
     * Runs {@code sends} (calls of {@link #send}) as one transaction and commits it: read_committed consumers,
     * such as the processor's tariff.events global store, see every record of it or none. If {@code sends} throws
     * or a record is refused, the transaction is aborted and the failure rethrown. Needs {@code transactional.id}
     * in the client configuration; one id is one writer at a time (a second producer with the same id fences the
     * first, whose commit then fails).
     *
     * @throws CommitOutcomeUnknownException if the commit did not complete (it timed out or was interrupted): the
     *     transaction may still be committed, so the records are either all visible or none, and which is unknown
     * @throws KafkaException if the transaction was not committed: it was aborted, or the producer was fenced (the
     *     broker then aborts it)
     */
    public void sendAtomically(Runnable sends) {
        if (!transactionsInitialized) {
            producer.initTransactions();
            transactionsInitialized = true;
        }
        producer.beginTransaction();
        boolean committing = false;
        try {
            sends.run();
            flush();
            committing = true;
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException e) {
            // Fatal for this producer: it may not abort any more, and the broker aborts the open transaction
            // itself (fenced, or at its timeout). Close it.
            throw e;
        } catch (TimeoutException | InterruptException e) {
            if (committing) {
                // The commit request may have reached the coordinator: Kafka's producer refuses an abort after a
                // commit that timed out (it must be retried), and the transaction may be committed already. Callers
                // said "aborted, nothing was published" here, and a re-run then sent every record a second time.
                throw new CommitOutcomeUnknownException("the transaction's commit did not complete ("
                        + e.getMessage() + "): its records are either all visible or none, which is not known", e);
            }
            abortAndRethrow(e);
        } catch (RuntimeException e) {
            abortAndRethrow(e);
        }
    }

    /** Aborts the open transaction and rethrows {@code e}, with a failure to abort added to it. */
    private void abortAndRethrow(RuntimeException e) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException abortFailure) {
            e.addSuppressed(abortFailure);
        }
        firstFailure.set(null);
        throw e;
    }

    /**
     * {@link #sendAtomically}'s commit did not complete (timed out or interrupted): its records are either all visible
     * or none, and which is unknown until a read_committed reader looks.
     */
    public static final class CommitOutcomeUnknownException extends KafkaException {
        CommitOutcomeUnknownException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
