package io.tradepulse.streams;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Topic;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Sends a series to the partition trade.records would put it in: murmur2 of the key as serialized FOR
 * trade.records (exactly the producer's default partitioner), not as serialized for the topic being written.
 *
 * <p>Why: the derived records must reach the task that holds the parent series' state, i.e. the partition its
 * published figures land in. The Confluent wire format puts the schema id in the key bytes, and the id
 * registered under another topic's subject may differ (it does on registries that number schemas per
 * subject), so hashing the derived topic's own key bytes would not be co-partitioned.
 *
 * <p>Public for the tools that put a series' record back where the processor would ({@code tradepulse dlq
 * --replay --to-topic}): one definition of a series' partition.
 */
public final class RecordsPartitioner implements StreamPartitioner<SeriesKey, TradeRecord> {
    private final String recordsTopic;
    private final Serializer<SeriesKey> recordsKeySerializer;

    /** @param records the catalog's trade.records: its name and key serde (registry, subject strategy) */
    public RecordsPartitioner(Topic<SeriesKey, TradeRecord> records) {
        this.recordsTopic = records.name();
        this.recordsKeySerializer = records.keySerde().serializer();
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, SeriesKey key, TradeRecord value, int numPartitions) {
        return Optional.of(Set.of(partition(key, numPartitions)));
    }

    /** The partition of {@code key} on a topic of {@code numPartitions} partitions, as trade.records has it. */
    public int partition(SeriesKey key, int numPartitions) {
        byte[] bytes = recordsKeySerializer.serialize(recordsTopic, key);
        return Utils.toPositive(Utils.murmur2(bytes)) % numPartitions;
    }
}
