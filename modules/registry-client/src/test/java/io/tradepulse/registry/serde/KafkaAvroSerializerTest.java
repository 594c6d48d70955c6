package io.tradepulse.registry.serde;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tradepulse.registry.serde.SerdeFixtures.TOPIC;
import static io.tradepulse.registry.serde.SerdeFixtures.config;
import static io.tradepulse.registry.serde.SerdeFixtures.metadata;
import static io.tradepulse.registry.serde.SerdeFixtures.stubRegister;
import static io.tradepulse.registry.serde.SerdeFixtures.tradeRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.registry.TestSchemas;
import io.tradepulse.registry.strategy.RecordNameStrategy;

class KafkaAvroSerializerTest {

    @RegisterExtension
    static final WireMockExtension REGISTRY = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static KafkaAvroSerializer serializer(boolean isKey, Object... keyValues) {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(config(REGISTRY, keyValues), isKey);
        return serializer;
    }

    @Test
    void shouldWriteConfluentWireFormat() throws Exception {
        TradeRecord record = tradeRecord();
        stubRegister(REGISTRY, TOPIC + "-value", TradeRecord.getClassSchema(), 258);
        byte[] bytes;
        try (KafkaAvroSerializer serializer = serializer(false)) {
            bytes = serializer.serialize(TOPIC, record);
        }
        ByteArrayOutputStream expectedBody = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(expectedBody, null);
        new SpecificDatumWriter<>(TradeRecord.class).write(record, encoder);
        encoder.flush();
        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(258);
        assertThat(Arrays.copyOfRange(bytes, 1, 5)).containsExactly(0, 0, 1, 2);
        assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(expectedBody.toByteArray());
    }

    @ParameterizedTest(name = "{0} isKey={1}")
    @CsvSource({
        "io.tradepulse.registry.strategy.TopicNameStrategy, false, trade.records-value",
        "io.tradepulse.registry.strategy.TopicNameStrategy, true, trade.records-key",
        "io.tradepulse.registry.strategy.RecordNameStrategy, false, io.tradepulse.avro.SeriesKey",
        "io.tradepulse.registry.strategy.RecordNameStrategy, true, io.tradepulse.avro.SeriesKey",
        "io.tradepulse.registry.strategy.TopicRecordNameStrategy, true, trade.records-io.tradepulse.avro.SeriesKey",
        "io.confluent.kafka.serializers.subject.TopicNameStrategy, true, trade.records-key",
        "io.confluent.kafka.serializers.subject.RecordNameStrategy, false, io.tradepulse.avro.SeriesKey",
        "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy, false, trade.records-io.tradepulse.avro.SeriesKey",
    })
    void shouldRegisterUnderTheSubjectOfTheConfiguredStrategy(String strategy, boolean isKey, String expectedSubject) {
        stubRegister(REGISTRY, expectedSubject, SeriesKey.getClassSchema(), 5);
        String key = isKey ? AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG : AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG;
        try (KafkaAvroSerializer serializer = serializer(isKey, key, strategy)) {
            byte[] bytes = serializer.serialize(TOPIC, SerdeFixtures.seriesKey());
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(5);
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo("/subjects/" + expectedSubject + "/versions")));
    }

    @Test
    void shouldAcceptStrategyGivenAsClassObject() {
        stubRegister(REGISTRY, "io.tradepulse.avro.TradeRecord", TradeRecord.getClassSchema(), 6);
        try (KafkaAvroSerializer serializer = serializer(false, AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
                RecordNameStrategy.class)) {
            serializer.serialize(TOPIC, tradeRecord());
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo("/subjects/io.tradepulse.avro.TradeRecord/versions")));
    }

    @Test
    void shouldRefuseAStringKeyUnderRecordNameStrategyWithoutRegisteringASubjectNamedString() {
        try (KafkaAvroSerializer serializer = serializer(true, AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG,
                "io.confluent.kafka.serializers.subject.RecordNameStrategy")) {
            assertThatThrownBy(() -> serializer.serialize(TOPIC, "DE-FR"))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("must only be a record schema");
        }
        assertThat(REGISTRY.getAllServeEvents()).as("no subject 'string' registered").isEmpty();
    }

    @Test
    void shouldRejectUnknownStrategyNamingKeyAndAllowedValues() {
        assertThatThrownBy(() -> serializer(false, AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG, "com.example.NoSuchStrategy"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("value.subject.name.strategy")
                .hasMessageContaining("io.tradepulse.registry.strategy.TopicNameStrategy");
        assertThatThrownBy(() -> serializer(true, AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG, "java.lang.String"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("key.subject.name.strategy").hasMessageContaining("does not implement");
    }

    @Test
    void shouldReturnNullForNullWithoutRegistryCall() {
        try (KafkaAvroSerializer serializer = serializer(false)) {
            assertThat(serializer.serialize(TOPIC, null)).isNull();
        }
        assertThat(REGISTRY.getAllServeEvents()).isEmpty();
    }

    @Test
    void shouldRegisterOncePerSchema() {
        stubRegister(REGISTRY, TOPIC + "-value", TradeRecord.getClassSchema(), 1);
        try (KafkaAvroSerializer serializer = serializer(false)) {
            serializer.serialize(TOPIC, tradeRecord());
            serializer.serialize(TOPIC, tradeRecord());
        }
        REGISTRY.verify(1, postRequestedFor(urlMatching("/subjects/.*")));
    }

    @Test
    void shouldLookUpInsteadOfRegisteringWhenAutoRegisterDisabled() {
        REGISTRY.stubFor(post("/subjects/trade.records-value").willReturn(okJson(metadata(TOPIC + "-value", 3, 44,
                TradeRecord.getClassSchema()))));
        try (KafkaAvroSerializer serializer = serializer(false, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false)) {
            byte[] bytes = serializer.serialize(TOPIC, tradeRecord());
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(44);
        }
        REGISTRY.verify(0, postRequestedFor(urlEqualTo("/subjects/trade.records-value/versions")));
    }

    @Test
    void shouldFailWithRegistryErrorCodeWhenSchemaIsNotRegistered() {
        REGISTRY.stubFor(post("/subjects/trade.records-value").willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/vnd.schemaregistry.v1+json")
                .withBody("{\"error_code\":40403,\"message\":\"Schema not found\"}")));
        try (KafkaAvroSerializer serializer = serializer(false, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "false")) {
            assertThatThrownBy(() -> serializer.serialize(TOPIC, tradeRecord()))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("trade.records-value").hasMessageContaining("Schema not found")
                    .hasMessageContaining("40403");
        }
    }

    @Test
    void shouldSerializeWithLatestVersionWhenConfigured() throws Exception {
        // The producer has V1; the subject's latest is V2 (adds a defaulted field). The bytes must carry
        // V2's id and decode with V2, the missing field taking its default.
        REGISTRY.stubFor(get("/subjects/prices-value/versions/latest")
                .willReturn(okJson(metadata("prices-value", 2, 31, TestSchemas.PRICE_V2))));
        GenericRecord v1 = new GenericData.Record(TestSchemas.PRICE_V1);
        v1.put("symbol", "ACME");
        v1.put("cents", 1234L);
        try (KafkaAvroSerializer serializer = serializer(false, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
                AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true)) {
            byte[] bytes = serializer.serialize("prices", v1);
            serializer.serialize("prices", v1);
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(31);
            GenericRecord decoded = new GenericDatumReader<GenericRecord>(TestSchemas.PRICE_V2)
                    .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
            assertThat(decoded.get("symbol")).hasToString("ACME");
            assertThat(decoded.get("cents")).isEqualTo(1234L);
            assertThat(decoded.get("currency")).hasToString("USD");
        }
        // Latest cached for the serializer's life (latest.cache.ttl.sec=-1); nothing registered or looked up.
        REGISTRY.verify(1, getRequestedFor(urlEqualTo("/subjects/prices-value/versions/latest")));
        REGISTRY.verify(0, postRequestedFor(urlMatching("/subjects/.*")));
    }

    @Test
    void shouldRefuseLatestVersionThatCannotReadTheRecord() {
        REGISTRY.stubFor(get("/subjects/prices-value/versions/latest")
                .willReturn(okJson(metadata("prices-value", 3, 32, TestSchemas.PRICE_V3_INCOMPATIBLE))));
        GenericRecord v1 = new GenericData.Record(TestSchemas.PRICE_V1);
        v1.put("symbol", "ACME");
        v1.put("cents", 1L);
        try (KafkaAvroSerializer serializer = serializer(false, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
                AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true)) {
            assertThatThrownBy(() -> serializer.serialize("prices", v1))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("use.latest.version").hasMessageContaining("prices-value");
        }
    }

    @Test
    void shouldSerializePrimitiveKeyUnderTopicKeySubject() {
        stubRegister(REGISTRY, TOPIC + "-key", Schema.create(Schema.Type.STRING), 2);
        try (KafkaAvroSerializer serializer = serializer(true)) {
            byte[] bytes = serializer.serialize(TOPIC, "CHN-USA");
            // Avro string: zigzag length 7 -> 14, then the UTF-8 bytes.
            assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).containsExactly(14, 'C', 'H', 'N', '-', 'U', 'S', 'A');
        }
    }

    @Test
    void shouldRejectUnsupportedType() {
        try (KafkaAvroSerializer serializer = serializer(false)) {
            assertThatThrownBy(() -> serializer.serialize(TOPIC, new Object()))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("Unsupported type java.lang.Object");
        }
    }

    @Test
    void shouldWrapInvalidRecordInSerializationException() {
        stubRegister(REGISTRY, "prices-value", TestSchemas.PRICE_V1, 3);
        GenericRecord incomplete = new GenericData.Record(TestSchemas.PRICE_V1);
        incomplete.put("symbol", "ACME"); // cents missing: not nullable
        try (KafkaAvroSerializer serializer = serializer(false)) {
            assertThatThrownBy(() -> serializer.serialize("prices", incomplete))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("prices-value").hasMessageContaining("schema id 3");
        }
    }

    @Test
    void shouldReportRegistryUnavailable() {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(Map.of("schema.registry.url", "http://127.0.0.1:" + TestSchemas.deadPort(), "max.retries", 0), false);
        try (serializer) {
            assertThatThrownBy(() -> serializer.serialize(TOPIC, tradeRecord()))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("Schema registry unavailable");
        }
    }

    @Test
    void shouldRequireUrlWhenNoClientIsInjected() {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        assertThatThrownBy(() -> serializer.configure(Map.of(), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    }
}
