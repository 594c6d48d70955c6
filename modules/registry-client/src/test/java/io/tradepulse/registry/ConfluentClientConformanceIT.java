package io.tradepulse.registry;

import static io.tradepulse.registry.ApicurioRegistry.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.ParsedSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericData;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericDatumReader;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericDatumWriter;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericRecord;
import org.apache.flink.avro.shaded.org.apache.avro.io.BinaryEncoder;
import org.apache.flink.avro.shaded.org.apache.avro.io.DecoderFactory;
import org.apache.flink.avro.shaded.org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tradepulse.avro.TradeRecord;
import io.tradepulse.registry.serde.AvroSerdeConfig;
import io.tradepulse.registry.serde.KafkaAvroDeserializer;
import io.tradepulse.registry.serde.KafkaAvroSerializer;
import io.tradepulse.registry.serde.SerdeFixtures;

/**
 * Conformance with Confluent's genuine client, which is shaded inside
 * {@code flink-sql-avro-confluent-registry} (package {@code org.apache.flink.avro.registry.confluent.shaded.io.confluent...},
 * with its own shaded Avro under {@code org.apache.flink.avro.shaded.org.apache.avro}). Both talk to the
 * same real Apicurio: they must get the same ids whichever registers first, and bytes written one way
 * must read the other way, byte for byte. The genuine client has no KafkaAvroSerializer in that jar,
 * so "the Confluent way" is spelled out: magic byte 0, the id from the genuine client, shaded Avro binary.
 */
class ConfluentClientConformanceIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @RegisterExtension
    static final ApicurioRegistry REGISTRY = new ApicurioRegistry();
    private static org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient confluent;

    @BeforeAll
    static void start() {
        confluent = new org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient(
                REGISTRY.url(), 100);
    }

    @AfterAll
    static void stop() throws Exception {
        if (confluent != null) {
            confluent.close();
        }
    }

    /**
     * TradeRecord's schema (docs, defaults, unions, enums, logical types, avro.java.string properties)
     * under a fresh name, so no earlier registration of the same content decides the id.
     */
    private static Schema freshTradeRecordVariant() throws Exception {
        ObjectNode json = (ObjectNode) MAPPER.readTree(TradeRecord.getClassSchema().toString());
        json.put("name", "TradeRecord" + UUID.randomUUID().toString().replace("-", ""));
        return new Schema.Parser().parse(MAPPER.writeValueAsString(json));
    }

    private static AvroSchema genuine(Schema schema) {
        return new AvroSchema(schema.toString());
    }

    @Test
    void shouldSendTheSameSchemaTextAsTheGenuineClient() {
        // The reason ids agree: both register exactly this text.
        assertThat(genuine(TradeRecord.getClassSchema()).canonicalString()).isEqualTo(TradeRecord.getClassSchema().toString());
    }

    @Test
    void shouldGetTheGenuineClientsIdWhenItRegistersFirst() throws Exception {
        Schema schema = freshTradeRecordVariant();
        String subject = unique("conf-first") + "-value";
        int genuineId = confluent.register(subject, genuine(schema));
        try (CachedSchemaRegistryClient ours = REGISTRY.newClient()) {
            assertThat(ours.register(subject, schema)).isEqualTo(genuineId);
            assertThat(ours.getId(subject, schema)).isEqualTo(genuineId);
            assertThat(ours.register(unique("conf-first-other") + "-value", schema)).isEqualTo(genuineId);
            assertThat(ours.getAllVersions(subject)).as("no second version: the registry saw the same schema").containsExactly(1);
            assertThat(ours.getById(genuineId)).isEqualTo(schema);
        }
    }

    @Test
    void shouldGiveTheGenuineClientOurIdWhenWeRegisterFirst() throws Exception {
        Schema schema = freshTradeRecordVariant();
        String subject = unique("ours-first") + "-value";
        int ourId;
        try (CachedSchemaRegistryClient ours = REGISTRY.newClient()) {
            ourId = ours.register(subject, schema);
        }
        assertThat(confluent.register(subject, genuine(schema))).isEqualTo(ourId);
        assertThat(confluent.getId(subject, genuine(schema))).isEqualTo(ourId);
        assertThat(confluent.getAllVersions(subject)).containsExactly(1);
        ParsedSchema fetched = confluent.getSchemaById(ourId);
        assertThat(fetched.canonicalString()).isEqualTo(schema.toString());
    }

    /**
     * A schema that differs from a registered one only in a doc: the genuine client, whose cache compares docs, asks
     * the registry and gets whatever id the registry has for that text; ours, which has the first schema cached, must
     * get the same id, not the first schema's from its cache.
     */
    @Test
    void shouldGetTheGenuineClientsIdForASchemaThatDiffersOnlyInADoc() throws Exception {
        Schema schema = freshTradeRecordVariant();
        ObjectNode json = (ObjectNode) MAPPER.readTree(schema.toString());
        json.put("doc", "the same record, documented differently");
        Schema redocumented = new Schema.Parser().parse(MAPPER.writeValueAsString(json));
        assertThat(redocumented).as("equal for Avro").isEqualTo(schema);
        String subject = unique("conf-doc") + "-value";
        try (CachedSchemaRegistryClient ours = REGISTRY.newClient()) {
            int first = ours.register(subject, schema);
            org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient
                    genuineClient = new org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client
                            .CachedSchemaRegistryClient(REGISTRY.url(), 100);
            try {
                assertThat(genuineClient.register(subject, genuine(schema))).isEqualTo(first);
                int genuineId = genuineClient.register(subject, genuine(redocumented));
                assertThat(ours.register(subject, redocumented)).isEqualTo(genuineId);
                assertThat(ours.getId(subject, redocumented)).isEqualTo(genuineId);
            } finally {
                genuineClient.close();
            }
        }
    }

    @Test
    void shouldWriteBytesTheGenuineClientDecodes() throws Exception {
        String topic = unique("trade.records");
        TradeRecord record = SerdeFixtures.tradeRecord();
        byte[] bytes;
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(REGISTRY.serdeConfig(), false);
            bytes = serializer.serialize(topic, record);
        }
        assertThat(bytes[0]).isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();

        // Decode as a Confluent consumer would: writer schema by id from the genuine client, shaded Avro.
        org.apache.flink.avro.shaded.org.apache.avro.Schema writer =
                (org.apache.flink.avro.shaded.org.apache.avro.Schema) confluent.getSchemaById(id).rawSchema();
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(writer)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertThat(decoded.get("reporter")).hasToString("CHN");
        assertThat(decoded.get("partner")).hasToString("USA");
        assertThat(decoded.get("flow")).hasToString("EXPORT");
        assertThat(decoded.get("commodityLevel")).hasToString("TOTAL");
        assertThat(decoded.get("year")).isEqualTo(2025);
        assertThat(decoded.get("value")).isEqualTo(33_000_000_000L);
        assertThat(decoded.get("reportedYoyPct")).isEqualTo(-21.0);
        assertThat(decoded.get("publishedAt")).isEqualTo(record.getPublishedAt().toEpochMilli());
        assertThat(decoded.get("note")).isNull();

        // And re-encoding it the Confluent way yields our bytes exactly.
        assertThat(confluentWay(id, writer, decoded)).isEqualTo(bytes);
    }

    @Test
    void shouldReadBytesWrittenTheConfluentWay() throws Exception {
        String topic = unique("trade.records");
        // A quality other than the field's default, so that the enum's index is really written and read.
        TradeRecord expected = TradeRecord.newBuilder(SerdeFixtures.tradeRecord())
                .setQuality(io.tradepulse.avro.FigureQuality.SECONDARY).build();
        org.apache.flink.avro.shaded.org.apache.avro.Schema schema =
                new org.apache.flink.avro.shaded.org.apache.avro.Schema.Parser().parse(TradeRecord.getClassSchema().toString());
        int id = confluent.register(topic + "-value", new AvroSchema(schema));

        GenericData.Record record = new GenericData.Record(schema);
        record.put("reporter", "CHN");
        record.put("partner", "USA");
        record.put("flow", new GenericData.EnumSymbol(schema.getField("flow").schema(), "EXPORT"));
        record.put("commodity", "TOTAL");
        record.put("commodityLevel", new GenericData.EnumSymbol(schema.getField("commodityLevel").schema(), "TOTAL"));
        record.put("year", 2025);
        record.put("month", 4);
        record.put("months", 1);
        record.put("value", 33_000_000_000L);
        record.put("currency", "USD");
        record.put("valuation", "FOB");
        record.put("reportedYoyPct", -21.0);
        record.put("source", "GACC");
        record.put("sourceRef", "http://english.customs.gov.cn/");
        record.put("vintage", "2025-05-09");
        record.put("publishedAt", expected.getPublishedAt().toEpochMilli());
        record.put("revision", 0);
        record.put("note", null);
        record.put("derivedFrom", null);
        record.put("quality", new GenericData.EnumSymbol(schema.getField("quality").schema(), "SECONDARY"));
        byte[] confluentBytes = confluentWay(id, schema, record);

        try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
            deserializer.configure(REGISTRY.serdeConfig(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
            assertThat(deserializer.deserialize(topic, confluentBytes)).isEqualTo(expected);
        }
        // Our serializer, same topic and record: same id (already registered by the genuine client), same bytes.
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(REGISTRY.serdeConfig(), false);
            byte[] ourBytes = serializer.serialize(topic, expected);
            assertThat(Arrays.copyOfRange(ourBytes, 1, 5)).isEqualTo(Arrays.copyOfRange(confluentBytes, 1, 5));
            assertThat(ourBytes).isEqualTo(confluentBytes);
        }
    }

    /**
     * A top-level bytes value: Confluent's serializer writes the bytes raw after the header (no Avro length prefix)
     * and its deserializer reads the rest of the message raw. The id comes from the genuine client, so a topic it
     * registered and one we write agree on the subject's schema too.
     */
    @Test
    void shouldWriteAndReadTopLevelBytesRawAsConfluentDoes() throws Exception {
        String topic = unique("blobs");
        int id = confluent.register(topic + "-value", new AvroSchema("\"bytes\""));
        byte[] value = {0, 1, 2, (byte) 0x80, (byte) 0xff};
        ByteArrayOutputStream confluentBytes = new ByteArrayOutputStream();
        confluentBytes.write(0);
        confluentBytes.write(ByteBuffer.allocate(4).putInt(id).array());
        confluentBytes.write(value);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(REGISTRY.serdeConfig(), false);
            assertThat(serializer.serialize(topic, value)).isEqualTo(confluentBytes.toByteArray());
        }
        try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
            deserializer.configure(REGISTRY.serdeConfig(), false);
            assertThat(deserializer.deserialize(topic, confluentBytes.toByteArray())).isEqualTo(value);
        }
    }

    /** Confluent wire format with the shaded Avro writer: 0, big-endian id, binary body. */
    private static byte[] confluentWay(int id, org.apache.flink.avro.shaded.org.apache.avro.Schema schema, GenericRecord record)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
