package io.tradepulse.registry.serde;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tradepulse.registry.serde.SerdeFixtures.TOPIC;
import static io.tradepulse.registry.serde.SerdeFixtures.config;
import static io.tradepulse.registry.serde.SerdeFixtures.stubRegister;
import static io.tradepulse.registry.serde.SerdeFixtures.stubSchemaById;
import static io.tradepulse.registry.serde.SerdeFixtures.tradeRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.registry.TestSchemas;

class KafkaAvroDeserializerTest {

    @RegisterExtension
    static final WireMockExtension REGISTRY = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static KafkaAvroDeserializer deserializer(boolean isKey, Object... keyValues) {
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
        deserializer.configure(config(REGISTRY, keyValues), isKey);
        return deserializer;
    }

    private static KafkaAvroDeserializer specificDeserializer(boolean isKey) {
        return deserializer(isKey, AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
    }

    /** Serializes with its own client, so the deserializer's client must fetch the schema by id over HTTP. */
    private static byte[] serialize(boolean isKey, String subject, Schema schema, int id, Object value) {
        stubRegister(REGISTRY, subject, schema, id);
        stubSchemaById(REGISTRY, id, schema);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(config(REGISTRY), isKey);
            return serializer.serialize(TOPIC, value);
        }
    }

    private static byte[] header(int id, int... body) {
        byte[] bytes = new byte[5 + body.length];
        bytes[4] = (byte) id;
        for (int i = 0; i < body.length; i++) {
            bytes[5 + i] = (byte) body[i];
        }
        return bytes;
    }

    /**
     * Reader schemas that differ only in aliases are equal by Avro's Schema.equals, but resolve differently: the one
     * with an alias for a renamed field reads the writer's old field. Each must get its own reader.
     */
    @Test
    void shouldResolveWithTheAliasesOfEachReaderSchema() {
        MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();
        Schema writer = new Schema.Parser().parse("""
                {"type":"record","name":"Price","namespace":"test.registry","fields":[{"name":"value","type":"long"}]}""");
        Schema renamed = new Schema.Parser().parse("""
                {"type":"record","name":"Price","namespace":"test.registry","fields":[
                  {"name":"cents","type":"long","default":-1}]}""");
        Schema renamedWithAlias = new Schema.Parser().parse("""
                {"type":"record","name":"Price","namespace":"test.registry","fields":[
                  {"name":"cents","type":"long","default":-1,"aliases":["value"]}]}""");
        assertThat(renamedWithAlias).as("Avro's equality ignores aliases").isEqualTo(renamed);
        GenericRecord price = new GenericData.Record(writer);
        price.put("value", 42L);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry);
                KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(registry)) {
            byte[] bytes = serializer.serialize("prices", price);
            assertThat(((GenericRecord) deserializer.deserialize("prices", bytes, renamed)).get("cents")).isEqualTo(-1L);
            assertThat(((GenericRecord) deserializer.deserialize("prices", bytes, renamedWithAlias)).get("cents")).isEqualTo(42L);
        }
    }

    @Test
    void shouldRoundTripSpecificValue() {
        TradeRecord record = tradeRecord();
        byte[] bytes = serialize(false, TOPIC + "-value", TradeRecord.getClassSchema(), 1, record);
        try (KafkaAvroDeserializer deserializer = specificDeserializer(false)) {
            Object read = deserializer.deserialize(TOPIC, bytes);
            assertThat(read).isInstanceOf(TradeRecord.class).isEqualTo(record);
            assertThat(((TradeRecord) read).getPublishedAt()).isEqualTo(Instant.parse("2025-05-09T03:00:00Z"));
        }
        REGISTRY.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/1")));
    }

    @Test
    void shouldRoundTripSpecificKey() {
        SeriesKey key = SerdeFixtures.seriesKey();
        byte[] bytes = serialize(true, TOPIC + "-key", SeriesKey.getClassSchema(), 2, key);
        try (KafkaAvroDeserializer deserializer = specificDeserializer(true)) {
            assertThat(deserializer.deserialize(TOPIC, bytes)).isEqualTo(key);
        }
    }

    @Test
    void shouldRoundTripGenericValue() {
        GenericRecord price = new GenericData.Record(TestSchemas.PRICE_V1);
        price.put("symbol", "ACME");
        price.put("cents", 990L);
        byte[] bytes = serialize(false, TOPIC + "-value", TestSchemas.PRICE_V1, 3, price);
        try (KafkaAvroDeserializer deserializer = deserializer(false)) {
            Object read = deserializer.deserialize(TOPIC, bytes);
            assertThat(read).isInstanceOf(GenericRecord.class).isEqualTo(price);
        }
    }

    @Test
    void shouldRoundTripGenericKey() {
        GenericRecord key = new GenericData.Record(SeriesKey.getClassSchema());
        key.put("reporter", "USA");
        key.put("partner", "CHN");
        key.put("flow", new GenericData.EnumSymbol(SeriesKey.getClassSchema().getField("flow").schema(), "IMPORT"));
        key.put("commodity", "8517");
        byte[] bytes = serialize(true, TOPIC + "-key", SeriesKey.getClassSchema(), 4, key);
        try (KafkaAvroDeserializer deserializer = deserializer(true)) {
            GenericRecord read = (GenericRecord) deserializer.deserialize(TOPIC, bytes);
            assertThat(read).isEqualTo(key);
            assertThat(read).isNotInstanceOf(SeriesKey.class);
        }
    }

    @Test
    void shouldRoundTripPrimitiveStringAsString() {
        byte[] bytes = serialize(true, TOPIC + "-key", Schema.create(Schema.Type.STRING), 5, "CHN");
        try (KafkaAvroDeserializer deserializer = deserializer(true)) {
            assertThat(deserializer.deserialize(TOPIC, bytes)).isEqualTo("CHN");
        }
    }

    @Test
    void shouldReturnNullForNullWithoutRegistryCall() {
        try (KafkaAvroDeserializer deserializer = specificDeserializer(false)) {
            assertThat(deserializer.deserialize(TOPIC, null)).isNull();
        }
        assertThat(REGISTRY.getAllServeEvents()).isEmpty();
    }

    @Test
    void shouldReadOlderWriterVersionIntoCurrentSpecificClass() {
        // Written before TradeRecord had 'revision' and 'note': the reader fills in their defaults.
        Schema old = SerdeFixtures.tradeRecordWithout("revision", "note");
        GenericRecord written = new GenericData.Record(old);
        TradeRecord expected = tradeRecord();
        for (Schema.Field field : old.getFields()) {
            Object value = expected.get(field.name());
            if (value instanceof Enum<?> symbol) {
                value = new GenericData.EnumSymbol(field.schema(), symbol.name());
            }
            written.put(field.name(), value);
        }
        byte[] bytes = serialize(false, TOPIC + "-value", old, 6, written);
        try (KafkaAvroDeserializer deserializer = specificDeserializer(false)) {
            TradeRecord read = (TradeRecord) deserializer.deserialize(TOPIC, bytes);
            assertThat(read).isEqualTo(expected);
            assertThat(read.getRevision()).isZero();
            assertThat(read.getNote()).isNull();
        }
    }

    @Test
    void shouldReadNewerWriterVersionIntoCurrentSpecificClass() {
        Schema newer = SerdeFixtures.tradeRecordWithExtraField("tariffRef");
        GenericRecord written = new GenericData.Record(newer);
        TradeRecord expected = tradeRecord();
        for (Schema.Field field : TradeRecord.getClassSchema().getFields()) {
            Object value = expected.get(field.name());
            if (value instanceof Enum<?> symbol) {
                value = new GenericData.EnumSymbol(newer.getField(field.name()).schema(), symbol.name());
            }
            written.put(field.name(), value);
        }
        written.put("tariffRef", "us-cn-2025-04");
        byte[] bytes = serialize(false, TOPIC + "-value", newer, 7, written);
        try (KafkaAvroDeserializer deserializer = specificDeserializer(false)) {
            assertThat(deserializer.deserialize(TOPIC, bytes)).isEqualTo(expected);
        }
    }

    @Test
    void shouldFailWhenSpecificClassIsMissing() {
        Schema unknown = new Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"Missing\",\"namespace\":\"com.example.nowhere\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
        GenericRecord record = new GenericData.Record(unknown);
        record.put("a", 1);
        byte[] bytes = serialize(false, TOPIC + "-value", unknown, 8, record);
        try (KafkaAvroDeserializer deserializer = specificDeserializer(false)) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("com.example.nowhere.Missing");
        }
    }

    /**
     * A writer schema whose full name is that of a class that is not a generated Avro class (here a plain test helper,
     * in an application e.g. a POJO of the same name): Avro's "Not a Specific class" AvroRuntimeException escaped the
     * deserializer instead of a SerializationException.
     */
    @Test
    void shouldFailWithASerializationExceptionWhenTheWriterSchemaNamesAClassThatIsNotAGeneratedAvroClass() {
        Schema pojo = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"" + SerdeFixtures.class.getSimpleName()
                + "\",\"namespace\":\"" + SerdeFixtures.class.getPackageName() + "\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
        GenericRecord record = new GenericData.Record(pojo);
        record.put("a", 1);
        byte[] bytes = serialize(false, TOPIC + "-value", pojo, 9, record);
        try (KafkaAvroDeserializer deserializer = specificDeserializer(false)) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("schema id 9")
                    .hasMessageContaining(SerdeFixtures.class.getName())
                    .hasMessageContaining("specific.avro.reader");
        }
    }

    @Test
    void shouldRejectWrongMagicByte() {
        byte[] bytes = header(1, 2, 'a');
        bytes[0] = 1;
        try (KafkaAvroDeserializer deserializer = deserializer(false)) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("Unknown magic byte 0x01");
        }
        assertThat(REGISTRY.getAllServeEvents()).isEmpty();
    }

    @Test
    void shouldRejectDataShorterThanHeader() {
        try (KafkaAvroDeserializer deserializer = deserializer(false)) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 1}))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("3 byte(s)");
        }
    }

    @Test
    void shouldReportUnknownSchemaIdWithRegistryErrorCode() {
        REGISTRY.stubFor(get("/schemas/ids/99").willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/vnd.schemaregistry.v1+json")
                .withBody("{\"error_code\":40403,\"message\":\"Schema 99 not found\"}")));
        try (KafkaAvroDeserializer deserializer = deserializer(false)) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, header(99, 0)))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("id 99").hasMessageContaining("Schema 99 not found").hasMessageContaining("40403");
        }
    }

    @Test
    void shouldReportRegistryUnavailable() {
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
        deserializer.configure(Map.of("schema.registry.url", "http://127.0.0.1:" + TestSchemas.deadPort(), "max.retries", 0), false);
        try (deserializer) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, header(1, 0)))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("Schema registry unavailable");
        }
    }

    @Test
    void shouldWrapUndecodableBody() {
        stubSchemaById(REGISTRY, 10, TestSchemas.PRICE_V1);
        try (KafkaAvroDeserializer deserializer = deserializer(false)) {
            // A string length of 50 with no bytes behind it.
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, header(10, 100)))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("schema id 10");
        }
    }

    @Test
    void shouldReadWithExplicitReaderSchema() {
        GenericRecord v1 = new GenericData.Record(TestSchemas.PRICE_V1);
        v1.put("symbol", "ACME");
        v1.put("cents", 5L);
        byte[] bytes = serialize(false, TOPIC + "-value", TestSchemas.PRICE_V1, 11, v1);
        try (KafkaAvroDeserializer deserializer = deserializer(false)) {
            GenericRecord read = (GenericRecord) deserializer.deserialize(TOPIC, bytes, TestSchemas.PRICE_V2);
            assertThat(read.getSchema()).isEqualTo(TestSchemas.PRICE_V2);
            assertThat(read.get("currency")).hasToString("USD");
        }
    }

    /**
     * As Confluent's deserializer (AbstractKafkaAvroDeserializer, 7.4 and later): with use.latest.version the subject's
     * latest schema is the reader schema of a generic read, so data of every writer version comes back in the latest
     * version's shape. The flag was ignored: the record came back with the writer's (older) schema.
     */
    @Test
    void shouldReadWithTheSubjectsLatestSchemaWhenUseLatestVersionIsSet() {
        MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();
        GenericRecord v1 = new GenericData.Record(TestSchemas.PRICE_V1);
        v1.put("symbol", "ACME");
        v1.put("cents", 5L);
        byte[] bytes;
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            bytes = serializer.serialize(TOPIC, v1);
        }
        registry.register(TOPIC + "-value", TestSchemas.PRICE_V2);
        try (KafkaAvroDeserializer latest = new KafkaAvroDeserializer(registry);
                KafkaAvroDeserializer plain = new KafkaAvroDeserializer(registry)) {
            latest.configure(Map.of(AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true), false);
            plain.configure(Map.of(), false);
            GenericRecord read = (GenericRecord) latest.deserialize(TOPIC, bytes);
            assertThat(read.getSchema()).isEqualTo(TestSchemas.PRICE_V2);
            assertThat(read.get("symbol")).hasToString("ACME");
            assertThat(read.get("cents")).isEqualTo(5L);
            assertThat(read.get("currency")).hasToString("USD");
            assertThat(((GenericRecord) plain.deserialize(TOPIC, bytes)).getSchema()).isEqualTo(TestSchemas.PRICE_V1);
        }
    }

    /**
     * Generated classes keep reading with their own schema under use.latest.version: reading into a class with the
     * latest schema (what Confluent does) puts fields by the latest schema's positions, which fails or mixes fields up
     * whenever the class is not exactly the latest version.
     */
    @Test
    void shouldKeepReadingGeneratedClassesWithTheirOwnSchemaWhenUseLatestVersionIsSet() {
        MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();
        TradeRecord record = tradeRecord();
        byte[] bytes;
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            bytes = serializer.serialize(TOPIC, record);
        }
        registry.register(TOPIC + "-value", SerdeFixtures.tradeRecordWithExtraField("extra"));
        try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(registry)) {
            deserializer.configure(Map.of(AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true,
                    AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
            assertThat(deserializer.deserialize(TOPIC, bytes)).isEqualTo(record);
        }
    }

    /**
     * As Confluent's deserializer: with specific.avro.reader=true an explicit reader schema is read by
     * SpecificDatumReader, so a generated class's schema yields that class (here from an older writer version, with
     * the new fields' defaults and the class's Instant conversion), not a GenericRecord that a caller casting to the
     * class fails on.
     */
    @Test
    void shouldReadIntoTheGeneratedClassWhenAReaderSchemaIsGivenWithSpecificAvroReader() {
        Schema old = SerdeFixtures.tradeRecordWithout("revision", "note");
        GenericRecord written = new GenericData.Record(old);
        TradeRecord expected = tradeRecord();
        for (Schema.Field field : old.getFields()) {
            Object value = expected.get(field.name());
            if (value instanceof Enum<?> symbol) {
                value = new GenericData.EnumSymbol(field.schema(), symbol.name());
            }
            written.put(field.name(), value);
        }
        byte[] bytes = serialize(false, TOPIC + "-value", old, 13, written);
        try (KafkaAvroDeserializer specific = specificDeserializer(false);
                KafkaAvroDeserializer generic = deserializer(false)) {
            Object read = specific.deserialize(TOPIC, bytes, TradeRecord.getClassSchema());
            assertThat(read).isInstanceOf(TradeRecord.class).isEqualTo(expected);
            Object readGeneric = generic.deserialize(TOPIC, bytes, TradeRecord.getClassSchema());
            assertThat(readGeneric).isNotInstanceOf(TradeRecord.class).isInstanceOf(GenericData.Record.class);
            assertThat(((GenericRecord) readGeneric).get("revision")).isEqualTo(0);
        }
    }

    @Test
    void shouldReadGeneratedEnumsAndLogicalTypesSpecifically() {
        TradeRecord record = TradeRecord.newBuilder(tradeRecord()).setFlow(Flow.RE_IMPORT).setCommodityLevel(CommodityLevel.HS6)
                .setCommodity("851713").build();
        byte[] bytes = serialize(false, TOPIC + "-value", TradeRecord.getClassSchema(), 12, record);
        try (KafkaAvroDeserializer deserializer = specificDeserializer(false)) {
            TradeRecord read = (TradeRecord) deserializer.deserialize(TOPIC, bytes);
            assertThat(read.getFlow()).isEqualTo(Flow.RE_IMPORT);
            assertThat(read.getCommodityLevel()).isEqualTo(CommodityLevel.HS6);
        }
    }
}
