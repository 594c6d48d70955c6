package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class AvroSerdesTest {
    private static final Map<String, Object> CONFIG = Map.of("schema.registry.url", "http://registry.invalid:8081");

    @Test
    void shouldBuildOneRegistryClientForEveryTopicOfACatalog() {
        long before = CachedSchemaRegistryClient.created();
        AvroSerdes serdes = new AvroSerdes(CONFIG, null);
        TopicCatalog catalog = new TopicCatalog("", 6, (short) 1, serdes);

        assertThat(CachedSchemaRegistryClient.created() - before).as("registry clients created for the catalog's %d topics",
                catalog.all().size()).isEqualTo(1);
        assertThat(serdes.client()).isNotNull();
    }

    @Test
    void shouldUseTheGivenClientAndBuildNone() {
        SchemaRegistryClient given = new InMemorySchemaRegistryClient();
        long before = CachedSchemaRegistryClient.created();
        AvroSerdes serdes = new AvroSerdes(CONFIG, given);
        new TopicCatalog("", 6, (short) 1, serdes);

        assertThat(CachedSchemaRegistryClient.created() - before).as("registry clients created").isZero();
        assertThat(serdes.client()).isSameAs(given);
    }

    /**
     * A record of another type on a topic (here a series key written as trade.records' value, a change key as its key):
     * the deserializer returned it as it was, and the processor's first processor failed with a ClassCastException,
     * which Kafka Streams passes to no handler: the stream thread died on that record at every start. A
     * SerializationException is what the deserialization handler dead-letters.
     */
    @Test
    void shouldRefuseARecordOfAnotherTypeWhenDeserializing() {
        AvroSerdes serdes = new AvroSerdes(CONFIG, new InMemorySchemaRegistryClient());
        SeriesKey series = new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL");
        byte[] seriesAsValue = serdes.value(SeriesKey.class).serializer().serialize("t", series);
        byte[] changeKey = serdes.key(ChangeKey.class).serializer()
                .serialize("t", new ChangeKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5));
        Serde<TradeRecord> values = serdes.value(TradeRecord.class);
        Serde<SeriesKey> keys = serdes.key(SeriesKey.class);

        assertThatThrownBy(() -> values.deserializer().deserialize("t", seriesAsValue))
                .isInstanceOf(SerializationException.class)
                .hasMessage("not a TradeRecord but an Avro io.tradepulse.avro.SeriesKey");
        assertThatThrownBy(() -> keys.deserializer().deserialize("t", changeKey))
                .isInstanceOf(SerializationException.class).hasMessageContaining("not a series key: a ChangeKey");
        // what the types allow still reads, a tombstone too
        assertThat(keys.deserializer().deserialize("u", keys.serializer().serialize("u", series))).isEqualTo(series);
        assertThat(values.deserializer().deserialize("t", null)).isNull();
    }
}
