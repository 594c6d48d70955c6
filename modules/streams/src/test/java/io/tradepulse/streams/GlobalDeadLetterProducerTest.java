package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class GlobalDeadLetterProducerTest {

    private static Map<String, Object> streamsConfigs() {
        Map<String, Object> configs = new HashMap<>();
        configs.put(StreamsConfig.APPLICATION_ID_CONFIG, "tradepulse-test");
        configs.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
        return configs;
    }

    /**
     * send() waits up to max.block.ms (60 s by default) for metadata before the 10 s wait for the acknowledgement:
     * with the broker unreachable each bad tariff event held the global thread, and the calendar's updates, a minute.
     */
    @Test
    void shouldBoundTheDeadLettersMetadataWaitBySendTimeoutWhenMaxBlockIsNotSet() {
        Map<String, Object> props = GlobalDeadLetterProducer.producerConfigs(streamsConfigs());

        assertThat(props.get(ProducerConfig.MAX_BLOCK_MS_CONFIG)).isEqualTo(10_000L);
        assertThat(props).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
    }

    @Test
    void shouldBoundALargerConfiguredMaxBlockAndKeepASmallerOne() {
        Map<String, Object> larger = streamsConfigs();
        larger.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_BLOCK_MS_CONFIG), "120000");
        Map<String, Object> smaller = streamsConfigs();
        smaller.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_BLOCK_MS_CONFIG), 3000);

        assertThat(GlobalDeadLetterProducer.producerConfigs(larger).get(ProducerConfig.MAX_BLOCK_MS_CONFIG))
                .isEqualTo(10_000L);
        assertThat(GlobalDeadLetterProducer.producerConfigs(smaller).get(ProducerConfig.MAX_BLOCK_MS_CONFIG))
                .isEqualTo(3_000L);
    }
}
