package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.AvroSerdes;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.streams.RecordsPartitioner;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.junit.jupiter.api.Test;

/**
 * {@link SeriesPartitioner} chooses the partition the processor chooses for trade.records.derived (streams'
 * {@link RecordsPartitioner}), also for raw key bytes that carry another schema id than trade.records-key's.
 */
class SeriesPartitionerTest {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final TopicCatalog topics = new TopicCatalog("p.", 6, (short) 1,
            new AvroSerdes(Map.of(), registry));

    private StreamPartitioner<SeriesKey, TradeRecord> processors() {
        return new RecordsPartitioner(topics.records());
    }

    private static List<SeriesKey> keys() {
        List<SeriesKey> keys = new ArrayList<>();
        for (String reporter : List.of("CHN", "USA", "DEU", "KOR")) {
            for (String partner : List.of("USA", "CHN", "WLD")) {
                for (String commodity : List.of("TOTAL", "85", "8517", "851712")) {
                    keys.add(new SeriesKey(reporter, partner, Flow.EXPORT, commodity));
                    keys.add(new SeriesKey(reporter, partner, Flow.IMPORT, commodity));
                }
            }
        }
        return keys;
    }

    /**
     * The key as a registry that numbers schemas per subject (Apicurio) has it under trade.records.derived-key: the
     * same Avro body after another schema id (here a registration whose text differs in its doc only).
     */
    private byte[] asDerivedKeyWithItsOwnId(SeriesKey key) {
        Schema other = new Schema.Parser().parse(SeriesKey.getClassSchema().toString()
                .replace("Key of trade.records:", "Key of trade.records.derived:"));
        int id = registry.register(topics.derivedRecords().name() + "-key", other);
        byte[] forRecords = topics.records().keySerde().serializer().serialize(topics.records().name(), key);
        ByteBuffer b = ByteBuffer.allocate(forRecords.length);
        b.put((byte) 0).putInt(id).put(forRecords, 5, forRecords.length - 5);
        return b.array();
    }

    @Test
    void shouldChooseTheProcessorsPartitionForADerivedRecordsRawKey() throws Exception {
        StreamPartitioner<SeriesKey, TradeRecord> processor = processors();
        SeriesPartitioner launcher = new SeriesPartitioner(topics.records());
        int differsFromTheRawBytes = 0;

        for (SeriesKey key : keys()) {
            byte[] raw = asDerivedKeyWithItsOwnId(key);
            assertThat(raw[4]).as("another schema id than trade.records-key's")
                    .isNotEqualTo(topics.records().keySerde().serializer().serialize(topics.records().name(), key)[4]);
            for (int partitions : new int[] {1, 3, 6, 12, 50}) {
                int chosen = launcher.partition(launcher.key(topics.derivedRecords().name(), raw), partitions);

                assertThat(Optional.of(Set.of(chosen))).as("%s of %d partitions", key, partitions)
                        .isEqualTo(processor.partitions(topics.derivedRecords().name(), key, null, partitions));
                if (chosen != Utils.toPositive(Utils.murmur2(raw)) % partitions) {
                    differsFromTheRawBytes++;
                }
            }
        }
        assertThat(differsFromTheRawBytes).as("hashing the raw bytes as they are would put series elsewhere").isPositive();
    }

    @Test
    void shouldRefuseARawKeyThatIsNoSeriesKey() {
        SeriesPartitioner launcher = new SeriesPartitioner(topics.records());
        byte[] changeKey = topics.changes().keySerde().serializer().serialize(topics.changes().name(),
                new io.tradepulse.avro.ChangeKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5));

        assertThatThrownBy(() -> launcher.key("t", null)).isInstanceOf(SerializationException.class).hasMessageContaining("no key");
        assertThatThrownBy(() -> launcher.key("t", "not avro".getBytes())).isInstanceOf(SerializationException.class)
                .hasMessageContaining("magic byte");
        assertThatThrownBy(() -> launcher.key("t", changeKey)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("not a series key: a ChangeKey");
    }
}
