package io.tradepulse.streams;

import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;

/**
 * {@link MockProcessorContext}s configured as the processor's own configuration is in this respect: with
 * {@code processing.exception.handler.global.enabled}, which {@link ProcessorConfig} always sets. The no-argument
 * constructor leaves it off, and Kafka Streams then logs its "Processing exception handler is not enabled for the
 * GlobalThread" WARN each time it builds the context's StreamsConfig: about 2,200 lines of a CI log that users of the
 * processor never see.
 */
final class MockContexts {
    private MockContexts() {
    }

    /** The properties of a context without a state dir; application id and bootstrap servers are never used. */
    static Properties properties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "mock-context");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        return props;
    }

    /** Like {@code new MockProcessorContext<>()}, with the processor's global exception handler setting. */
    static <K, V> MockProcessorContext<K, V> context() {
        return new MockProcessorContext<>(properties());
    }
}
