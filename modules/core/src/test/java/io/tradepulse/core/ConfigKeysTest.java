package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ConfigKeysTest {
    private static final Set<String> KNOWN = Set.of("bootstrap.servers", "schema.registry.url", "application.id");
    private static final List<String> PREFIXES = List.of("producer.", "consumer.");

    @Test
    void shouldAcceptKnownKeysAndPrefixedKeys() {
        assertThatCode(() -> ConfigKeys.rejectUnknown(Map.of("bootstrap.servers", "x", "producer.linger.ms", "5"),
                KNOWN, PREFIXES, "test configuration")).doesNotThrowAnyException();
    }

    @Test
    void shouldNameTheUnknownKeyAndSuggestTheClosestKnownKey() {
        assertThatThrownBy(() -> ConfigKeys.rejectUnknown(Map.of("schema.registry.ur", "http://r"), KNOWN, PREFIXES,
                "test configuration"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Unknown key 'schema.registry.ur'")
                .hasMessageContaining("Did you mean 'schema.registry.url'?")
                .hasMessageContaining("[consumer., producer.]");
    }

    @Test
    void shouldNotSuggestAnythingForAKeyFarFromEveryKnownKey() {
        assertThatThrownBy(() -> ConfigKeys.rejectUnknown(Map.of("completely.different.thing", "1"), KNOWN, PREFIXES,
                "test configuration"))
                .hasMessageNotContaining("Did you mean");
    }

    @Test
    void shouldListEveryUnknownKey() {
        assertThatThrownBy(() -> ConfigKeys.rejectUnknown(Map.of("a.b", "1", "c.d", "2"), KNOWN, PREFIXES, "x"))
                .hasMessageContaining("'a.b'").hasMessageContaining("also unknown: c.d");
    }
}
