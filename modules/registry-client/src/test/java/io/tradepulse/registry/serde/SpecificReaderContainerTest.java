package io.tradepulse.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;

/**
 * {@code specific.avro.reader=true} with a writer schema that is a union, array or map: Confluent's deserializer reads
 * those with {@code SpecificDatumReader} and the writer schema as reader schema
 * ({@code AbstractKafkaAvroDeserializer.getSpecificReaderSchema} returns the writer schema for ARRAY, MAP and UNION),
 * so the records inside come back as their generated classes, not as GenericRecords.
 */
class SpecificReaderContainerTest {

    private static final Schema UNION = Schema.createUnion(List.of(TradeRecord.getClassSchema(), SeriesKey.getClassSchema()));

    private final MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();

    /** The Confluent wire format of {@code value} written with {@code schema}. */
    private static byte[] wire(int id, Schema schema, Object value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(schema).write(value, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private KafkaAvroDeserializer deserializer(boolean specific) {
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(registry);
        deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, specific), false);
        return deserializer;
    }

    @Test
    void shouldReadEachUnionBranchAsItsGeneratedClass() throws IOException {
        int id = registry.register("mixed-value", UNION);
        TradeRecord trade = SerdeFixtures.tradeRecord();
        SeriesKey key = SerdeFixtures.seriesKey();
        try (KafkaAvroDeserializer deserializer = deserializer(true)) {
            Object readKey = deserializer.deserialize("mixed", wire(id, UNION, key));
            Object readTrade = deserializer.deserialize("mixed", wire(id, UNION, trade));
            assertThat(readKey).isInstanceOf(SeriesKey.class).isEqualTo(key);
            // publishedAt is timestamp-millis: the generated class's conversion gives back the Instant.
            assertThat(readTrade).isInstanceOf(TradeRecord.class).isEqualTo(trade);
        }
    }

    @Test
    void shouldReadArrayAndMapElementsAsGeneratedClasses() throws IOException {
        Schema array = Schema.createArray(SeriesKey.getClassSchema());
        Schema map = Schema.createMap(TradeRecord.getClassSchema());
        int arrayId = registry.register("keys-value", array);
        int mapId = registry.register("trades-value", map);
        List<SeriesKey> keys = List.of(SerdeFixtures.seriesKey(), new SeriesKey("USA", "CHN", io.tradepulse.avro.Flow.IMPORT, "TOTAL"));
        try (KafkaAvroDeserializer deserializer = deserializer(true)) {
            List<?> read = (List<?>) deserializer.deserialize("keys", wire(arrayId, array, keys));
            assertThat(read).hasSize(2).allMatch(SeriesKey.class::isInstance);
            assertThat(read.get(0)).isEqualTo(keys.get(0));
            assertThat(read.get(1)).isEqualTo(keys.get(1));
            Map<?, ?> trades = (Map<?, ?>) deserializer.deserialize("trades", wire(mapId, map, Map.of("a", SerdeFixtures.tradeRecord())));
            assertThat(trades.values()).singleElement().isInstanceOf(TradeRecord.class).isEqualTo(SerdeFixtures.tradeRecord());
        }
    }

    /**
     * A generated record with an optional logical-type field ({@code ["null", timestamp-millis]}) inside a union, array
     * or map: the union branch is converted by the reader's data model, not by the record's own conversions. The
     * configured deserializer's model had no conversions (a {@code new SpecificData(classLoader)} has none, unlike
     * Avro's {@code SpecificData.get()}), so the raw long reached the generated {@code put} and failed with a
     * ClassCastException, where Avro's own SpecificDatumReader (and so Confluent's deserializer) reads the Instant.
     */
    @Test
    void shouldConvertOptionalLogicalTypeFieldsOfGeneratedRecordsInsideContainers() throws IOException {
        TradeChange change = TradeChange.newBuilder()
                .setReporter("CHN").setPartner("USA").setFlow(Flow.EXPORT)
                .setCommodity("TOTAL").setCommodityLevel(CommodityLevel.TOTAL)
                .setYear(2025).setMonth(4).setSource("GACC").setVintage("2025-05-09")
                .setPublishedAt(Instant.parse("2025-05-09T03:00:00Z"))
                .setPriorYearPublishedAt(Instant.parse("2024-05-09T03:00:00Z"))
                .build();
        Schema optional = Schema.createUnion(Schema.create(Schema.Type.NULL), TradeChange.getClassSchema());
        Schema mixed = Schema.createUnion(TradeChange.getClassSchema(), SeriesKey.getClassSchema());
        Schema array = Schema.createArray(TradeChange.getClassSchema());
        int optionalId = registry.register("optional-value", optional);
        int mixedId = registry.register("mixed-value", mixed);
        int arrayId = registry.register("changes-value", array);
        try (KafkaAvroDeserializer deserializer = deserializer(true)) {
            assertThat(deserializer.deserialize("optional", wire(optionalId, optional, change))).isEqualTo(change);
            assertThat(deserializer.deserialize("mixed", wire(mixedId, mixed, change))).isEqualTo(change);
            // Element by element: GenericData.Array.equals compares through GenericData, which knows no Instant.
            List<?> changes = (List<?>) deserializer.deserialize("changes", wire(arrayId, array, List.of(change)));
            assertThat(changes).hasSize(1);
            assertThat(changes.get(0)).isEqualTo(change);
            // The same with the container given as the reader schema.
            assertThat(deserializer.deserialize("optional", wire(optionalId, optional, change), optional))
                    .isEqualTo(change);
        }
    }

    @Test
    void shouldKeepGenericRecordsForContainersWithoutSpecificReader() throws IOException {
        int id = registry.register("mixed-value", UNION);
        try (KafkaAvroDeserializer deserializer = deserializer(false)) {
            Object read = deserializer.deserialize("mixed", wire(id, UNION, SerdeFixtures.seriesKey()));
            assertThat(read).isNotInstanceOf(SeriesKey.class).isInstanceOf(GenericRecord.class);
            assertThat(((GenericRecord) read).get("reporter")).hasToString("CHN");
            assertThat(SpecificData.get().deepCopy(SeriesKey.getClassSchema(), read)).isEqualTo(SerdeFixtures.seriesKey());
        }
    }
}
