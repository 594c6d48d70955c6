package io.tradepulse.registry;

import static io.tradepulse.registry.ApicurioRegistry.unique;
import static io.tradepulse.registry.TestSchemas.PRICE_V1;
import static io.tradepulse.registry.TestSchemas.PRICE_V2;
import static io.tradepulse.registry.TestSchemas.PRICE_V3_INCOMPATIBLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.registry.serde.AvroSerdeConfig;
import io.tradepulse.registry.serde.GenericAvroSerde;
import io.tradepulse.registry.serde.KafkaAvroDeserializer;
import io.tradepulse.registry.serde.KafkaAvroSerializer;
import io.tradepulse.registry.serde.SerdeFixtures;
import io.tradepulse.registry.serde.SpecificAvroSerde;

/**
 * Our client and serdes against a real Apicurio Registry 2.6.13 through its Confluent-compatible API
 * ({@code /apis/ccompat/v7}), started by tradepulse-embedded with global compatibility BACKWARD.
 * Every test uses its own subjects: the registry is shared by the class.
 */
class ApicurioCompatibilityIT {

    @RegisterExtension
    static final ApicurioRegistry REGISTRY = new ApicurioRegistry();
    private static CachedSchemaRegistryClient client;

    @BeforeAll
    static void sharedClient() {
        client = REGISTRY.client();
    }

    @Test
    void shouldRegisterLookUpAndFetchById() {
        String subject = unique("prices") + "-value";
        int id = client.register(subject, PRICE_V1);
        assertThat(id).isPositive();
        try (CachedSchemaRegistryClient fresh = REGISTRY.newClient()) {
            assertThat(fresh.register(subject, PRICE_V1)).as("re-registering is idempotent").isEqualTo(id);
            assertThat(fresh.getAllVersions(subject)).containsExactly(1);
        }
        try (CachedSchemaRegistryClient fresh = REGISTRY.newClient()) {
            assertThat(fresh.getId(subject, PRICE_V1)).isEqualTo(id);
            assertThat(fresh.getVersion(subject, PRICE_V1)).isEqualTo(1);
            assertThat(fresh.getById(id)).isEqualTo(PRICE_V1);
        }
    }

    @Test
    void shouldShareOneIdForTheSameSchemaAcrossSubjects() {
        int first = client.register(unique("a") + "-value", PRICE_V2);
        try (CachedSchemaRegistryClient fresh = REGISTRY.newClient()) {
            assertThat(fresh.register(unique("b") + "-value", PRICE_V2)).isEqualTo(first);
        }
    }

    @Test
    void shouldReturnVersionsLatestAndSpecificVersion() {
        String subject = unique("prices") + "-value";
        int v1 = client.register(subject, PRICE_V1);
        int v2 = client.register(subject, PRICE_V2);
        assertThat(v2).isNotEqualTo(v1);
        try (CachedSchemaRegistryClient fresh = REGISTRY.newClient()) {
            assertThat(fresh.getAllVersions(subject)).containsExactly(1, 2);
            assertThat(fresh.getLatestSchemaMetadata(subject)).isEqualTo(new SchemaMetadata(v2, 2, subject, PRICE_V2));
            assertThat(fresh.getSchemaMetadata(subject, 1)).isEqualTo(new SchemaMetadata(v1, 1, subject, PRICE_V1));
        }
    }

    @Test
    void shouldRejectBackwardIncompatibleSchemaWithRegistryCode409() {
        String subject = unique("prices") + "-value";
        client.register(subject, PRICE_V1);
        assertThat(client.getCompatibility(null)).isEqualTo("BACKWARD");
        assertThat(client.testCompatibility(subject, PRICE_V2)).isTrue();
        assertThat(client.testCompatibility(subject, PRICE_V3_INCOMPATIBLE)).isFalse();
        assertThatThrownBy(() -> client.register(subject, PRICE_V3_INCOMPATIBLE))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                    assertThat(e.httpStatus()).isEqualTo(409);
                    // Not mistaken for a concurrent-registration conflict (also 409 / error code 409 on Apicurio).
                    assertThat(e.getMessage()).startsWith("Schema test.registry.Price rejected as incompatible under subject '"
                            + subject + "': ").contains("Incompatible artifact");
                });
        assertThat(client.getAllVersions(subject)).containsExactly(1);
    }

    @Test
    void shouldTreatSubjectWithoutVersionsAsCompatible() {
        assertThat(client.testCompatibility(unique("fresh") + "-value", PRICE_V3_INCOMPATIBLE)).isTrue();
    }

    @Test
    void shouldReadAndUpdateCompatibilityLevels() {
        String subject = unique("cfg") + "-value";
        client.register(subject, PRICE_V1);
        assertThat(client.getCompatibility(null)).isEqualTo("BACKWARD");
        client.updateCompatibility(subject, "FORWARD");
        assertThat(client.getCompatibility(subject)).isEqualTo("FORWARD");
        // The subject's FORWARD overrides the global BACKWARD: a new required field is FORWARD compatible.
        assertThat(client.register(subject, PRICE_V3_INCOMPATIBLE)).isPositive();
        client.updateCompatibility(null, "FULL");
        try {
            assertThat(client.getCompatibility(null)).isEqualTo("FULL");
        } finally {
            client.updateCompatibility(null, "BACKWARD");
        }
        assertThat(client.getCompatibility(null)).isEqualTo("BACKWARD");
    }

    /**
     * Known Apicurio 2.6 deviations from Confluent, pinned so an Apicurio upgrade that changes them is
     * noticed. (1) {@code GET /config/{subject}} ignores {@code defaultToGlobal=true} and answers NONE
     * for a subject without its own level, though the global level is what is enforced (Apicurio issue
     * #5337, fixed in 3.x). (2) A subject level of NONE removes the subject's rule instead of overriding
     * the global one, so the global BACKWARD still applies. The client passes answers through unchanged.
     */
    @Test
    void shouldPassThroughApicurio26SubjectLevelDeviations() {
        String subject = unique("cfg-unset") + "-value";
        client.register(subject, PRICE_V1);
        assertThat(client.getCompatibility(subject)).isEqualTo("NONE");
        assertThat(client.testCompatibility(subject, PRICE_V3_INCOMPATIBLE)).isFalse();
        client.updateCompatibility(subject, "NONE");
        assertThatThrownBy(() -> client.register(subject, PRICE_V3_INCOMPATIBLE))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(409));
    }

    @Test
    void shouldReportMissingThingsWithRegistryErrorCodes() {
        String subject = unique("missing") + "-value";
        assertThatThrownBy(() -> client.getLatestSchemaMetadata(subject))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
                    assertThat(e.httpStatus()).isEqualTo(404);
                });
        assertThatThrownBy(() -> client.getById(987_654))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        client.register(subject, PRICE_V1);
        assertThatThrownBy(() -> client.getSchemaMetadata(subject, 42))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.VERSION_NOT_FOUND));
        try (CachedSchemaRegistryClient fresh = REGISTRY.newClient()) {
            assertThatThrownBy(() -> fresh.getId(subject, PRICE_V2))
                    .isInstanceOfSatisfying(SchemaRegistryException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        }
    }

    @Test
    void shouldListAndDeleteSubjectsKeepingIdsResolvable() {
        String subject = unique("gone") + "-value";
        Schema schema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Gone" + UUID.randomUUID().toString().replace("-", "")
                + "\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
        int id = client.register(subject, schema);
        assertThat(client.getAllSubjects()).contains(subject);
        assertThat(client.deleteSubject(subject)).containsExactly(1);
        assertThat(client.getAllSubjects()).doesNotContain(subject);
        try (CachedSchemaRegistryClient fresh = REGISTRY.newClient()) {
            assertThat(fresh.getById(id)).isEqualTo(schema);
        }
    }

    @Test
    void shouldRoundTripSpecificKeysAndValuesThroughTheRegistry() {
        String topic = unique("trade.records");
        TradeRecord value = SerdeFixtures.tradeRecord();
        SeriesKey key = SerdeFixtures.seriesKey();
        try (SpecificAvroSerde<TradeRecord> producerValues = new SpecificAvroSerde<>();
                SpecificAvroSerde<SeriesKey> producerKeys = new SpecificAvroSerde<>();
                SpecificAvroSerde<TradeRecord> consumerValues = new SpecificAvroSerde<>();
                SpecificAvroSerde<SeriesKey> consumerKeys = new SpecificAvroSerde<>()) {
            producerValues.configure(REGISTRY.serdeConfig(), false);
            producerKeys.configure(REGISTRY.serdeConfig(), true);
            consumerValues.configure(REGISTRY.serdeConfig(), false);
            consumerKeys.configure(REGISTRY.serdeConfig(), true);
            byte[] valueBytes = producerValues.serializer().serialize(topic, value);
            byte[] keyBytes = producerKeys.serializer().serialize(topic, key);
            assertThat(consumerValues.deserializer().deserialize(topic, valueBytes)).isEqualTo(value);
            assertThat(consumerKeys.deserializer().deserialize(topic, keyBytes)).isEqualTo(key);
            assertThat(consumerValues.deserializer().deserialize(topic, null)).isNull();
        }
        assertThat(client.getAllSubjects()).contains(topic + "-key", topic + "-value");
        assertThat(client.getLatestSchemaMetadata(topic + "-value").schema()).isEqualTo(TradeRecord.getClassSchema());
    }

    @Test
    void shouldRoundTripGenericRecordsThroughTheRegistry() {
        String topic = unique("prices");
        GenericRecord price = new GenericData.Record(PRICE_V1);
        price.put("symbol", "ACME");
        price.put("cents", 4200L);
        try (GenericAvroSerde producer = new GenericAvroSerde(); GenericAvroSerde consumer = new GenericAvroSerde()) {
            producer.configure(REGISTRY.serdeConfig(), false);
            consumer.configure(REGISTRY.serdeConfig(), false);
            byte[] bytes = producer.serializer().serialize(topic, price);
            assertThat(consumer.deserializer().deserialize(topic, bytes)).isEqualTo(price);
        }
    }

    @Test
    void shouldReadOldAndNewWriterVersionsIntoTheGeneratedClass() {
        String topic = unique("trade.records");
        // Version 1 of the subject: TradeRecord before 'revision' and 'note' existed.
        Schema old = SerdeFixtures.tradeRecordWithout("revision", "note");
        TradeRecord expected = SerdeFixtures.tradeRecord();
        GenericRecord oldRecord = new GenericData.Record(old);
        for (Schema.Field field : old.getFields()) {
            Object v = expected.get(field.name());
            oldRecord.put(field.name(), v instanceof Enum<?> e ? new GenericData.EnumSymbol(field.schema(), e.name()) : v);
        }
        byte[] oldBytes;
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(REGISTRY.serdeConfig(), false);
            oldBytes = serializer.serialize(topic, oldRecord);
            // Version 2: the current class; adding defaulted fields is BACKWARD compatible.
            byte[] newBytes = serializer.serialize(topic, expected);
            try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
                deserializer.configure(REGISTRY.serdeConfig(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
                assertThat(deserializer.deserialize(topic, oldBytes)).isEqualTo(expected);
                assertThat(deserializer.deserialize(topic, newBytes)).isEqualTo(expected);
            }
        }
        assertThat(client.getAllVersions(topic + "-value")).containsExactly(1, 2);
    }

    @Test
    void shouldSerializeWithLatestVersionWithoutRegistering() {
        String topic = unique("prices");
        int latestId = client.register(topic + "-value", PRICE_V1);
        int v2Id = client.register(topic + "-value", PRICE_V2);
        GenericRecord v1 = new GenericData.Record(PRICE_V1);
        v1.put("symbol", "ACME");
        v1.put("cents", 1L);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(REGISTRY.serdeConfig(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
                    AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true), false);
            byte[] bytes = serializer.serialize(topic, v1);
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(v2Id).isNotEqualTo(latestId);
            try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
                deserializer.configure(REGISTRY.serdeConfig(), false);
                GenericRecord read = (GenericRecord) deserializer.deserialize(topic, bytes);
                assertThat(read.getSchema()).isEqualTo(PRICE_V2);
                assertThat(read.get("currency")).hasToString("USD");
            }
        }
        assertThat(client.getAllVersions(topic + "-value")).containsExactly(1, 2);
    }

    @Test
    void shouldFailToSerializeUnregisteredSchemaWhenAutoRegisterIsOff() {
        String topic = unique("prices");
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(REGISTRY.serdeConfig(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false), false);
            GenericRecord v1 = new GenericData.Record(PRICE_V1);
            v1.put("symbol", "ACME");
            v1.put("cents", 1L);
            assertThatThrownBy(() -> serializer.serialize(topic, v1))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("40401");
        }
    }
}
