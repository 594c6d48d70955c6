package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.core.Topic;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Builds the dead-letter records that Kafka Streams' exception handlers hand back (KIP-1034): Streams writes
 * them in the task's own transaction, so under exactly_once_v2 a dead letter commits together with the input
 * offset it replaces — never lost, never duplicated.
 */
final class DeadLetters {
    private final Topic<String, DeadLetter> topic;
    /** The tariff.events topic: read by the global thread, which cannot hand dead letters back (see below). */
    private final String globalTopic;
    /** The producer's {@code max.request.size}: a larger dead letter is refused by the producer. */
    private final int maxRequestSize;
    /** The dead-letter topic's {@code max.message.bytes} (read at start): a larger batch is refused by the broker. */
    private final DeadLetterTopicLimit topicLimit;

    private DeadLetters(Topic<String, DeadLetter> topic, String globalTopic, int maxRequestSize,
                        DeadLetterTopicLimit topicLimit) {
        this.topic = topic;
        this.globalTopic = globalTopic;
        this.maxRequestSize = maxRequestSize;
        this.topicLimit = topicLimit;
    }

    /** From the configuration Kafka Streams passes to a handler's {@code configure}. */
    static DeadLetters fromStreamsConfig(Map<String, ?> configs) {
        var catalog = ProcessorConfig.fromStreamsConfig(configs).topicCatalog();
        return new DeadLetters(catalog.deadLetters(), catalog.tariffEvents().name(), maxRequestSize(configs),
                DeadLetterTopicLimit.from(configs));
    }

    /** The stream threads' producer's max.request.size: {@code producer.max.request.size} wins, as in Streams. */
    private static int maxRequestSize(Map<String, ?> configs) {
        String prefixed = StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        String key = configs.get(prefixed) != null ? prefixed : ProducerConfig.MAX_REQUEST_SIZE_CONFIG;
        Object value = configs.get(key);
        if (value == null) {
            return (Integer) ProducerConfig.configDef().defaultValues().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        }
        return (Integer) ConfigDef.parseType(key, value, ConfigDef.Type.INT);
    }

    /**
     * Whether records of {@code originTopic} are read by Streams' global thread (the tariff.events GlobalKTable).
     * That thread has no producer and no transaction: Kafka Streams 4.4 cannot send the dead letters a handler
     * returns for it (it fails the global thread with a ClassCastException, which stops the whole client), so the
     * handlers write those dead letters themselves.
     */
    boolean isGlobal(String originTopic) {
        return globalTopic.equals(originTopic);
    }

    String topicName() {
        return topic.name();
    }

    /**
     * The reason of an exception's dead letter: its message, else the first of its causes', else what it is. An
     * exception without a message (a bare {@code new IllegalStateException()} in a library) gave the reason "null".
     */
    static String reason(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t == error ? t.getMessage() : t.getMessage() + " (cause of " + error.getClass().getName() + ")";
            }
        }
        return error.getClass().getName() + " without a message";
    }

    /**
     * @throws RuntimeException when the dead letter cannot be serialized (registry down): the caller must
     *                          then fail rather than drop the input
     */
    ProducerRecord<byte[], byte[]> record(DeadLetterStage stage, Exception error, String originTopic, Integer partition,
                                          Long offset, byte[] rawKey, byte[] rawValue, long timestamp) {
        DeadLetter dl = input(stage, reason(error), originTopic, partition, offset, rawKey, rawValue, timestamp)
                .setErrorClass(error.getClass().getName())
                .build();
        return fitted(originTopic + "/" + partition + "/" + offset, dl);
    }

    /**
     * The dead letter of an input record the validator refused (stage VALIDATION): like {@link #record}, with the
     * record's {@code source} and no error class (a refusal is no exception's; its reason says it all).
     *
     * @throws RuntimeException when the dead letter cannot be serialized (registry down): the caller must
     *                          then fail rather than drop the input
     */
    ProducerRecord<byte[], byte[]> refused(RecordRefusal refusal, String originTopic, int partition, long offset,
                                           byte[] rawKey, byte[] rawValue, long timestamp) {
        DeadLetter dl = input(DeadLetterStage.VALIDATION, refusal.reason(), originTopic, partition, offset, rawKey,
                rawValue, timestamp)
                .setSource(refusal.source())
                .build();
        return fitted(originTopic + "/" + partition + "/" + offset, dl);
    }

    /** A dead letter of one input record: its origin and its raw key and value as read. */
    private static DeadLetter.Builder input(DeadLetterStage stage, String reason, String originTopic, Integer partition,
                                            Long offset, byte[] rawKey, byte[] rawValue, long timestamp) {
        return DeadLetter.newBuilder()
                .setStage(stage)
                .setReason(reason)
                .setOriginTopic(originTopic)
                .setOriginPartition(partition)
                .setOriginOffset(offset)
                .setRawKey(rawKey == null ? null : ByteBuffer.wrap(rawKey))
                .setRawValue(rawValue == null ? null : ByteBuffer.wrap(rawValue))
                .setOccurredAt(Instant.ofEpochMilli(timestamp));
    }

    /**
     * The dead letter of an item a punctuation skipped (see {@link PunctuationFailures}): no input record, so no
     * origin topic, partition or offset and no raw value (the item's data stays in the processor's stores). Keyed by
     * the item's origin ({@code rollup-cell:...}, {@code series:...}), which is also its position; the source is the
     * processor that punctuated; the raw key is the item's key as its store encodes it.
     *
     * @throws RuntimeException when the dead letter cannot be serialized (registry down): the caller must then fail
     *                          rather than skip the item
     */
    ProducerRecord<byte[], byte[]> skipped(PunctuationFailures.Item item, String processor, long timestamp) {
        DeadLetter dl = DeadLetter.newBuilder()
                .setStage(DeadLetterStage.PROCESSING)
                .setReason(item.reason() + ": " + item.error())
                .setErrorClass(item.error().getClass().getName())
                .setSource(processor)
                .setPosition(item.origin())
                .setRawKey(item.key() == null ? null : ByteBuffer.wrap(item.key()))
                .setOccurredAt(Instant.ofEpochMilli(timestamp))
                .build();
        return serialize(item.origin(), dl);
    }

    /**
     * The dead letter of an input record, without its raw value (then its raw key) when it would not fit in one
     * produce request, or in one record batch of the dead-letter topic (its max.message.bytes, when smaller). An input
     * close to the size limit (its topic's, or its own producer's larger one) plus the dead letter's other fields
     * exceeds the limit: the send failed with RecordTooLargeException, the production handler answered FAIL, and the
     * replaced thread met the same record again, for ever: the partition stopped at a record that was never written
     * anywhere. Without the bytes the dead letter still names the stage, reason and origin (topic, partition, offset),
     * where the record can be read until the topic's retention removes it.
     */
    private ProducerRecord<byte[], byte[]> fitted(String origin, DeadLetter dl) {
        ProducerRecord<byte[], byte[]> full = serialize(origin, dl);
        // The broker checks each record batch against the topic's max.message.bytes, and the producer would not
        // split a batch of one record: a dead letter above it failed the transaction like one above max.request.size.
        int topicMax = topicLimit.maxMessageBytes();
        int max = Math.min(maxRequestSize, topicMax);
        // Headroom for the record and batch headers (a batch of one record: 61 bytes of batch header and up to about
        // 30 of record header) and for a compression codec's growth on incompressible bytes (lz4 adds about 0.4 %):
        // the producer checks the estimated uncompressed size, the broker the compressed one.
        long budget = max - Math.max(1024L, max / 64L);
        if (size(full) <= budget) {
            return full;
        }
        String limit = "the dead letter would exceed " + (topicMax < maxRequestSize
                ? topic.name() + "'s max.message.bytes (" + topicMax + " bytes)"
                : "max.request.size (" + maxRequestSize + " bytes)") + "; the record stays at " + origin;
        DeadLetter withoutValue = DeadLetter.newBuilder(dl).setRawValue(null)
                .setReason(dl.getReason() + " [raw value (" + length(dl.getRawValue()) + " bytes) left out: " + limit + "]")
                .build();
        ProducerRecord<byte[], byte[]> smaller = serialize(origin, withoutValue);
        if (size(smaller) <= budget) {
            return smaller;
        }
        return serialize(origin, DeadLetter.newBuilder(dl).setRawValue(null).setRawKey(null)
                .setReason(dl.getReason() + " [raw key (" + length(dl.getRawKey()) + " bytes) and raw value ("
                        + length(dl.getRawValue()) + " bytes) left out: " + limit + "]")
                .build());
    }

    private static long size(ProducerRecord<byte[], byte[]> record) {
        return (record.key() == null ? 0L : record.key().length) + (record.value() == null ? 0L : record.value().length);
    }

    private static int length(ByteBuffer bytes) {
        return bytes == null ? 0 : bytes.remaining();
    }

    private ProducerRecord<byte[], byte[]> serialize(String key, DeadLetter dl) {
        return new ProducerRecord<>(topic.name(), topic.keySerde().serializer().serialize(topic.name(), key),
                topic.valueSerde().serializer().serialize(topic.name(), dl));
    }
}
