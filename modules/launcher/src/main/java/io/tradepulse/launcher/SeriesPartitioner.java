package io.tradepulse.launcher;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Topic;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition of a series on {@code trade.records} and {@code trade.records.derived}, chosen as the processor
 * chooses it for trade.records.derived (streams' {@code RecordsPartitioner}) and as a producer's default partitioner
 * does for trade.records: murmur2 of the key as serialized FOR trade.records, modulo the topic's partition count.
 *
 * <p>Why not hash the bytes at hand: in the Confluent wire format a key's bytes start with the schema id registered
 * under the topic's own subject, and registries that number schemas per subject (Apicurio) give
 * {@code trade.records.derived-key} another id than {@code trade.records-key}. A derived record's raw key hashed as
 * it is would land in another partition than its series' published figures, i.e. meet another task's state.
 * A copy of streams' class (package-private there) rather than a dependency on it: {@code SeriesPartitionerTest}
 * checks that the two agree.
 */
final class SeriesPartitioner {
    private final Topic<SeriesKey, TradeRecord> records;
    private final Deserializer<?> keys;

    /** @param records the catalog's trade.records: its name and key serde (registry, subject strategy) */
    SeriesPartitioner(Topic<SeriesKey, TradeRecord> records) {
        this.records = records;
        this.keys = records.keySerde().deserializer();
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
        byte[] bytes = records.keySerde().serializer().serialize(records.name(), key);
        return Utils.toPositive(Utils.murmur2(bytes)) % numPartitions;
    }
}
