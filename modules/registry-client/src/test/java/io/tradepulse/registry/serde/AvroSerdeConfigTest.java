package io.tradepulse.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

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

    @Test
    void shouldKeepSecretsOutOfToString() {
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of(
                "schema.registry.url", "http://frank:urlpass@registry:8081",
                "basic.auth.user.info", "frank:infopass",
                "bearer.auth.token", "tokenpass"));
        assertThat(config.toString()).contains("registry:8081").doesNotContain("urlpass", "infopass", "tokenpass", "frank");
    }
}
