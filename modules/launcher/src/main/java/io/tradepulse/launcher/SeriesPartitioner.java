package io.tradepulse.launcher;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Topic;
import io.tradepulse.streams.RecordsPartitioner;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The partition of a series on {@code trade.records} and {@code trade.records.derived}, chosen as the processor
 * chooses it for trade.records.derived (streams' {@code RecordsPartitioner}) and as a producer's default partitioner
 * does for trade.records: murmur2 of the key as serialized FOR trade.records, modulo the topic's partition count.
 *
 * <p>Why not hash the bytes at hand: in the Confluent wire format a key's bytes start with the schema id registered
 * under the topic's own subject, and registries that number schemas per subject (Apicurio) give
 * {@code trade.records.derived-key} another id than {@code trade.records-key}. A derived record's raw key hashed as
 * it is would land in another partition than its series' published figures, i.e. meet another task's state.
 * The partition itself is the processor's own {@link RecordsPartitioner}; this class adds reading the raw key.
 */
final class SeriesPartitioner {
    private final RecordsPartitioner processors;
    private final Deserializer<?> keys;
    private final boolean standsInForRegistration;

    /** @param records the catalog's trade.records: its name and key serde (registry, subject strategy) */
    SeriesPartitioner(Topic<SeriesKey, TradeRecord> records) {
        this(records, false);
    }

    /**
     * @param records                 the catalog's trade.records: its name and key serde (registry, subject strategy)
     * @param standsInForRegistration whether {@code records}' key serde only looks the key schema up where the replay
     *                                it stands for (a dry run's) would register it
     */
    SeriesPartitioner(Topic<SeriesKey, TradeRecord> records, boolean standsInForRegistration) {
        this.processors = new RecordsPartitioner(records);
        this.keys = records.keySerde().deserializer();
        this.standsInForRegistration = standsInForRegistration;
    }

    /**
     * Whether a key schema the registry does not have is one the replay would register (a dry run's partitioner, which
     * only looks it up), rather than one it cannot get an id for.
     */
    boolean standsInForRegistration() {
        return standsInForRegistration;
    }

    /**
     * The series key in {@code rawKey}, as written to {@code topic} (any schema id the registry knows).
     *
     * @throws SerializationException when the bytes are no series key (not the wire format, an unknown schema id,
     *     another record), or the registry failed (then its exception is the cause)
     */
    SeriesKey key(String topic, byte[] rawKey) {
        Object key = keys.deserialize(topic, rawKey);
        if (key instanceof SeriesKey series) {
            return series;
        }
        throw new SerializationException("not a series key: " + (key == null ? "no key" : "a " + key.getClass().getSimpleName()));
    }

    /** The partition of {@code key} on a topic of {@code numPartitions} partitions. */
    int partition(SeriesKey key, int numPartitions) {
        return processors.partition(key, numPartitions);
    }
}
