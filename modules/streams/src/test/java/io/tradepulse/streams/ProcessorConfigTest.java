package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ProcessorConfigTest {

    private static Map<String, Object> valid() {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "localhost:9092");
        m.put("schema.registry.url", "http://localhost:8081");
        return m;
    }

    @Test
    void shouldAcceptStreamsClientSerdeAndPrefixedKeys() {
        Map<String, Object> m = valid();
        m.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        m.put("security.protocol", "SASL_SSL");
        m.put("basic.auth.credentials.source", "USER_INFO");
        m.put("producer.linger.ms", "5");
        m.put("tradepulse.topic.prefix", "staging.");
        assertThatCode(() -> new ProcessorConfig(m)).doesNotThrowAnyException();
    }

    @Test
    void shouldFailAtStartUpNamingAnUnknownKeyAndTheLikelyIntendedOne() {
        Map<String, Object> m = valid();
        m.put("tradepulse.topic.prefx", "staging.");
        assertThatThrownBy(() -> new ProcessorConfig(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'tradepulse.topic.prefx'")
                .hasMessageContaining("Did you mean 'tradepulse.topic.prefix'?");
    }

    @Test
    void shouldFailNamingTheKeyAndTheAllowedValuesForAnInvalidValue() {
        Map<String, Object> m = valid();
        m.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once");
        assertThatThrownBy(() -> new ProcessorConfig(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)
                .hasMessageContaining("exactly_once_v2").hasMessageContaining("at_least_once");
    }

    @Test
    void shouldRequireARegistryUrl() {
        Map<String, Object> m = valid();
        m.remove("schema.registry.url");
        assertThatThrownBy(() -> new ProcessorConfig(m)).hasMessageContaining("schema.registry.url");
    }

    @Test
    void shouldRunExactlyOnceV2ByDefault() {
        assertThat(new ProcessorConfig(valid()).streamsConfig())
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    }

    @Test
    void shouldKeepStateInRocksDbByDefaultAndAcceptInMemoryInAnyCase() {
        assertThat(new ProcessorConfig(valid()).stateStoreType()).isEqualTo(StateStoreType.ROCKSDB);
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.STATE_STORE_TYPE_CONFIG, "IN_MEMORY");
        assertThat(new ProcessorConfig(m).stateStoreType()).isEqualTo(StateStoreType.IN_MEMORY);
    }

    @Test
    void shouldFailNamingTheStoreTypeKeyAndItsAllowedValues() {
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.STATE_STORE_TYPE_CONFIG, "memory");
        assertThatThrownBy(() -> new ProcessorConfig(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(ProcessorConfig.STATE_STORE_TYPE_CONFIG)
                .satisfies(e -> assertThat(e.getMessage()).containsIgnoringCase("rocksdb").containsIgnoringCase("in_memory"));
    }
}
