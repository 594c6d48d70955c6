package io.tradepulse.streams;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.core.Topic;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Builds the dead-letter records that Kafka Streams' exception handlers hand back (KIP-1034): Streams writes
 * them in the task's own transaction, so under exactly_once_v2 a dead letter commits together with the input
 * offset it replaces — never lost, never duplicated.
 */
final class DeadLetters {
    private final Topic<String, DeadLetter> topic;
    /** The tariff.events topic: read by the global thread, which cannot hand dead letters back (see below). */
    private final String globalTopic;

    private DeadLetters(Topic<String, DeadLetter> topic, String globalTopic) {
        this.topic = topic;
        this.globalTopic = globalTopic;
    }

    /** From the configuration Kafka Streams passes to a handler's {@code configure}. */
    static DeadLetters fromStreamsConfig(Map<String, ?> configs) {
        var catalog = ProcessorConfig.fromStreamsConfig(configs).topicCatalog();
        return new DeadLetters(catalog.deadLetters(), catalog.tariffEvents().name());
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
     * @throws RuntimeException when the dead letter cannot be serialized (registry down): the caller must
     *                          then fail rather than drop the input
     */
    ProducerRecord<byte[], byte[]> record(DeadLetterStage stage, Exception error, String originTopic, Integer partition,
                                          Long offset, byte[] rawKey, byte[] rawValue, long timestamp) {
        DeadLetter dl = input(stage, String.valueOf(error.getMessage()), originTopic, partition, offset, rawKey, rawValue,
                timestamp)
                .setErrorClass(error.getClass().getName())
                .build();
        return serialize(originTopic + "/" + partition + "/" + offset, dl);
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
        return serialize(originTopic + "/" + partition + "/" + offset, dl);
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

    private ProducerRecord<byte[], byte[]> serialize(String key, DeadLetter dl) {
        return new ProducerRecord<>(topic.name(), topic.keySerde().serializer().serialize(topic.name(), key),
                topic.valueSerde().serializer().serialize(topic.name(), dl));
    }
}
