package io.tradepulse.registry.serde;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tradepulse.registry.serde.SerdeFixtures.TOPIC;
import static io.tradepulse.registry.serde.SerdeFixtures.stubRegister;
import static io.tradepulse.registry.serde.SerdeFixtures.tradeRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.TestSchemas;

class AvroSerdesTest {

    @RegisterExtension
    static final WireMockExtension REGISTRY = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static SchemaRegistryClient client() {
        return new CachedSchemaRegistryClient(Map.of("schema.registry.url", REGISTRY.baseUrl()));
    }

    @Test
    void shouldRoundTripSpecificValueThroughSerdeWithInjectedClientAndNoUrl() {
        stubRegister(REGISTRY, TOPIC + "-value", TradeRecord.getClassSchema(), 1);
        try (SchemaRegistryClient client = client(); SpecificAvroSerde<TradeRecord> serde = new SpecificAvroSerde<>(client)) {
            serde.configure(Map.of(), false);
            byte[] bytes = serde.serializer().serialize(TOPIC, tradeRecord());
            TradeRecord read = serde.deserializer().deserialize(TOPIC, bytes);
            assertThat(read).isEqualTo(tradeRecord());
            assertThat(serde.deserializer().deserialize(TOPIC, null)).isNull();
            assertThat(serde.serializer().serialize(TOPIC, null)).isNull();
        }
    }

    @Test
    void shouldRefuseAtConfigureAStringKeyUnderARecordNameStrategy() {
        for (String strategy : new String[] {"io.confluent.kafka.serializers.subject.RecordNameStrategy",
                "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"}) {
            try (StringAvroSerde serde = new StringAvroSerde(client())) {
                Map<String, Object> config = new java.util.HashMap<>(SerdeFixtures.config(REGISTRY));
                config.put("key.subject.name.strategy", strategy);
                assertThatThrownBy(() -> serde.configure(config, true))
                        .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                        .hasMessageContaining("key.subject.name.strategy").hasMessageContaining(strategy)
                        .hasMessageContaining("TopicNameStrategy");
            }
        }
        REGISTRY.verify(0, com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
    }

    @Test
    void shouldWriteAPlainStringKeyAsAnAvroStringInTheWireFormat() {
        org.apache.avro.Schema string = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.STRING);
        stubRegister(REGISTRY, TOPIC + "-key", string, 7);
        SerdeFixtures.stubSchemaById(REGISTRY, 7, string);
        try (StringAvroSerde writer = new StringAvroSerde(); StringAvroSerde reader = new StringAvroSerde()) {
            writer.configure(SerdeFixtures.config(REGISTRY), true);
            reader.configure(SerdeFixtures.config(REGISTRY), true);
            byte[] bytes = writer.serialize(TOPIC, "trade.records/3/42");
            // magic 0, schema id 7, then Avro's string: zigzag length (18 -> 36) and the UTF-8 bytes
            assertThat(java.util.Arrays.copyOf(bytes, 6)).containsExactly(0, 0, 0, 0, 7, 36);
            assertThat(new String(bytes, 6, bytes.length - 6, java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo("trade.records/3/42");
            assertThat(reader.deserialize(TOPIC, bytes)).isEqualTo("trade.records/3/42");
            assertThat(reader.deserialize(TOPIC, null)).isNull();
        }
    }

    @Test
    void shouldRefuseAStringKeyWhoseWriterSchemaIsARecord() {
        stubRegister(REGISTRY, TOPIC + "-key", SeriesKey.getClassSchema(), 2);
        SerdeFixtures.stubSchemaById(REGISTRY, 2, SeriesKey.getClassSchema());
        try (SpecificAvroSerde<SeriesKey> writer = new SpecificAvroSerde<>(); StringAvroSerde reader = new StringAvroSerde()) {
            writer.configure(SerdeFixtures.config(REGISTRY), true);
            reader.configure(SerdeFixtures.config(REGISTRY), true);
            byte[] bytes = writer.serializer().serialize(TOPIC, SerdeFixtures.seriesKey());
            assertThatThrownBy(() -> reader.deserialize(TOPIC, bytes))
                    .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                    .hasMessageContaining("Expected an Avro string");
        }
    }

    @Test
    void shouldRoundTripSpecificKeyThroughConfiguredSerde() {
        stubRegister(REGISTRY, TOPIC + "-key", SeriesKey.getClassSchema(), 2);
        SerdeFixtures.stubSchemaById(REGISTRY, 2, SeriesKey.getClassSchema());
        try (SpecificAvroSerde<SeriesKey> writer = new SpecificAvroSerde<>();
                SpecificAvroSerde<SeriesKey> reader = new SpecificAvroSerde<>()) {
            writer.configure(SerdeFixtures.config(REGISTRY), true);
            reader.configure(SerdeFixtures.config(REGISTRY), true);
            byte[] bytes = writer.serializer().serialize(TOPIC, SerdeFixtures.seriesKey());
            assertThat(reader.deserializer().deserialize(TOPIC, bytes)).isEqualTo(SerdeFixtures.seriesKey());
        }
        REGISTRY.verify(1, getRequestedFor(urlMatching("/schemas/ids/2")));
    }

    @Test
    void shouldReadSpecificRecordsFromUnconfiguredSerdeWithInjectedClient() {
        // Kafka Streams does not configure serde instances passed to Consumed.with / Produced.with.
        stubRegister(REGISTRY, TOPIC + "-value", TradeRecord.getClassSchema(), 3);
        try (SchemaRegistryClient client = client(); SpecificAvroSerde<TradeRecord> serde = new SpecificAvroSerde<>(client)) {
            byte[] bytes = serde.serializer().serialize(TOPIC, tradeRecord());
            assertThat(serde.deserializer().deserialize(TOPIC, bytes)).isInstanceOf(TradeRecord.class);
        }
    }

    @Test
    void shouldRoundTripGenericRecordsThroughSerde() {
        GenericRecord price = new GenericData.Record(TestSchemas.PRICE_V1);
        price.put("symbol", "ACME");
        price.put("cents", 7L);
        stubRegister(REGISTRY, "prices-value", TestSchemas.PRICE_V1, 4);
        try (SchemaRegistryClient client = client(); GenericAvroSerde serde = new GenericAvroSerde(client)) {
            serde.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
            byte[] bytes = serde.serializer().serialize("prices", price);
            // specific.avro.reader is forced off for the generic serde.
            assertThat(serde.deserializer().deserialize("prices", bytes)).isEqualTo(price);
        }
    }

    @Test
    void shouldRequireUrlWhenNoClientIsInjected() {
        try (GenericAvroSerde serde = new GenericAvroSerde()) {
            assertThatThrownBy(() -> serde.configure(Map.of(), false))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        }
    }
}
