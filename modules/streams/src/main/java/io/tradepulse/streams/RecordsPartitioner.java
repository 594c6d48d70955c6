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
 */
final class RecordsPartitioner implements StreamPartitioner<SeriesKey, TradeRecord> {
    private final String recordsTopic;
    private final Serializer<SeriesKey> recordsKeySerializer;

    RecordsPartitioner(Topic<SeriesKey, TradeRecord> records) {
        this.recordsTopic = records.name();
        this.recordsKeySerializer = records.keySerde().serializer();
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, SeriesKey key, TradeRecord value, int numPartitions) {
        byte[] bytes = recordsKeySerializer.serialize(recordsTopic, key);
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(bytes)) % numPartitions));
    }
}
