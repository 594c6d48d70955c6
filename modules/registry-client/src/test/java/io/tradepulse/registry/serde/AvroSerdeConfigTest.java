package io.tradepulse.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.tradepulse.registry.strategy.RecordNameStrategy;
import io.tradepulse.registry.strategy.TopicNameStrategy;
import io.tradepulse.registry.strategy.TopicRecordNameStrategy;

class AvroSerdeConfigTest {

    @Test
    void shouldApplyConfluentDefaultsWithoutUrl() {
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of());
        assertThat(config.autoRegisterSchemas()).isTrue();
        assertThat(config.useLatestVersion()).isFalse();
        assertThat(config.specificAvroReader()).isFalse();
        assertThat(config.latestCacheTtlSec()).isEqualTo(-1L);
        assertThat(config.subjectNameStrategy(true)).isInstanceOf(TopicNameStrategy.class);
        assertThat(config.subjectNameStrategy(false)).isInstanceOf(TopicNameStrategy.class);
    }

    @Test
    void shouldMapConfluentStrategyNamesToOurs() {
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of(
                "key.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy",
                "value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"));
        assertThat(config.subjectNameStrategy(true)).isInstanceOf(RecordNameStrategy.class);
        assertThat(config.subjectNameStrategy(false)).isInstanceOf(TopicRecordNameStrategy.class);
    }

    @Test
    void shouldRejectInvalidBooleanNamingKey() {
        assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("auto.register.schemas", "sometimes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auto.register.schemas");
    }

    @Test
    void shouldRejectInvalidClientKeysToo() {
        assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("basic.auth.credentials.source", "SASL_INHERIT")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("basic.auth.credentials.source")
                .hasMessageContaining("USER_INFO");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "normalize.schemas | true",
            "use.schema.id | 5",
            "id.compatibility.strict | false",
            "latest.compatibility.strict | false",
            "use.latest.with.metadata | application.version=v1",
            "context.name.strategy | com.example.Contexts",
            "schema.reflection | true",
            "avro.reflection.allow.null | true",
            "avro.use.logical.type.converters | true",
            "avro.remove.java.properties | true",
            "specific.avro.value.type | io.tradepulse.avro.TradeRecord",
            "specific.avro.key.type | io.tradepulse.avro.SeriesKey",
            "rule.executors | encrypt",
            "rule.actions | dlq",
            "value.schema.id.serializer | io.confluent.kafka.serializers.schema.id.HeaderSchemaIdSerializer",
            "key.schema.id.deserializer | com.example.Ids"})
    void shouldRefuseUnsupportedConfluentKeysAtOtherValuesNamingKeyValueAndWhatIsAccepted(String key, String value) {
        assertThatThrownBy(() -> new AvroSerdeConfig(Map.of(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key).hasMessageContaining(value).hasMessageContaining("not supported")
                .hasMessageContaining("accepted: unset");
        // Through Kafka's entry point too, with an injected client (so no client config is ever built).
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(new MemorySchemaRegistryClient())) {
            assertThatThrownBy(() -> serializer.configure(Map.of(key, value), false)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key);
        }
        try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(new MemorySchemaRegistryClient())) {
            assertThatThrownBy(() -> deserializer.configure(Map.of(key, value), false)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key);
        }
    }

    /** A Confluent configuration that spells out the defaults, as users copy them, configures unchanged. */
    @Test
    void shouldAcceptConfluentKeysSetToTheirDefaults() {
        Map<String, Object> confluentDefaults = new HashMap<>();
        confluentDefaults.put("normalize.schemas", false);
        confluentDefaults.put("use.schema.id", -1);
        confluentDefaults.put("id.compatibility.strict", "true");
        confluentDefaults.put("latest.compatibility.strict", true);
        confluentDefaults.put("use.latest.with.metadata", "");
        confluentDefaults.put("context.name.strategy", "io.confluent.kafka.serializers.context.NullContextNameStrategy");
        confluentDefaults.put("schema.reflection", "false");
        confluentDefaults.put("avro.reflection.allow.null", false);
        confluentDefaults.put("avro.use.logical.type.converters", "FALSE");
        confluentDefaults.put("avro.remove.java.properties", false);
        confluentDefaults.put("rule.executors", List.of());
        confluentDefaults.put("rule.actions", "");
        confluentDefaults.put("value.schema.id.serializer", "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer");
        confluentDefaults.put("value.schema.id.deserializer", "io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer");
        confluentDefaults.put("key.schema.id.deserializer", "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdDeserializer");
        confluentDefaults.put("latest.cache.size", 1000);
        confluentDefaults.put("missing.id.cache.ttl.sec", 60);
        assertThat(new AvroSerdeConfig(confluentDefaults).autoRegisterSchemas()).isTrue();
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(new MemorySchemaRegistryClient())) {
            serializer.configure(confluentDefaults, false);
        }
    }

    @Test
    void shouldRefuseUnsupportedClientKeysEvenWithoutAUrl() {
        assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("schema.registry.ssl.keystore.key", "-----BEGIN PRIVATE KEY-----xyz")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.ssl.keystore.key")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("PRIVATE KEY").doesNotContain("xyz"));
        assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("request.header.X-Api-Key", "k3y")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("request.header.X-Api-Key")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("k3y"));
    }

    @Test
    void shouldKeepSecretsOutOfToString() {
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of(
                "schema.registry.url", "http://frank:urlpass@registry:8081",
                "basic.auth.user.info", "frank:infopass",
                "bearer.auth.token", "tokenpass"));
        assertThat(config.toString()).contains("registry:8081").doesNotContain("urlpass", "infopass", "tokenpass", "frank");
    }
}
