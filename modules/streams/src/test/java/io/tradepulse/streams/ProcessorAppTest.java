package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessorAppTest {

    @TempDir
    Path stateDir;

    /**
     * A configuration only Kafka Streams' own constructor refuses (a state.dir that is a file, so no state directory
     * can be made in it): the processor's registry client was created before it and, with no instance to close,
     * stayed open for the rest of the JVM; a launcher or test retrying kept one more each time.
     */
    @Test
    void shouldCloseItsRegistryClientWhenTheKafkaStreamsConstructorThrows() throws IOException {
        ProcessorConfig config = new ProcessorConfig(refusedByKafkaStreams());
        AtomicInteger closes = new AtomicInteger();

        assertThatThrownBy(() -> new ProcessorApp(config, c -> closeCounting(closes)))
                .isInstanceOf(StreamsException.class)
                .hasMessageContaining(NOT_A_DIRECTORY);

        assertThat(closes).hasValue(1);
    }

    @Test
    void shouldThrowTheConstructorsErrorWithTheCloseErrorSuppressedWhenClosingTheClientFailsToo() throws IOException {
        ProcessorConfig config = new ProcessorConfig(refusedByKafkaStreams());
        IllegalStateException closeError = new IllegalStateException("close failed");

        assertThatThrownBy(() -> new ProcessorApp(config, c -> failingClose(closeError)))
                .isInstanceOf(StreamsException.class)
                .hasMessageContaining(NOT_A_DIRECTORY)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(closeError));
    }

    @Test
    void shouldCloseItsRegistryClientOnceWhenClosedWithoutHavingStarted() {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", "localhost:9092");
        cfg.put("schema.registry.url", "http://localhost:8081");
        cfg.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        AtomicInteger closes = new AtomicInteger();

        new ProcessorApp(new ProcessorConfig(cfg), c -> closeCounting(closes)).close();

        assertThat(closes).hasValue(1);
    }

    @Test
    void shouldRefuseAtOnceToStartWhenAlreadyClosed() {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", "localhost:1"); // nothing listens: reading the dead-letter limit would time out
        cfg.put("schema.registry.url", "http://localhost:8081");
        cfg.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        ProcessorApp app = new ProcessorApp(new ProcessorConfig(cfg), c -> new InMemorySchemaRegistryClient());
        app.close();

        // ProcessorApp's own refusal, before the dead-letter limit read (Kafka Streams' own, after it, came only once
        // that read had waited out its timeout against the unreachable cluster: ~20 s, and a misleading WARN).
        assertThatThrownBy(app::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("The processor cannot start in state NOT_RUNNING (already started or closed); create a new "
                        + "ProcessorApp");
        app.close(); // closing twice is harmless
    }

    private static final String NOT_A_DIRECTORY = "not-a-directory";

    /** Valid for ProcessorConfig, refused by KafkaStreams' constructor: its state.dir is a file. */
    private Map<String, Object> refusedByKafkaStreams() throws IOException {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", "localhost:9092");
        cfg.put("schema.registry.url", "http://localhost:8081");
        cfg.put(StreamsConfig.STATE_DIR_CONFIG, Files.createFile(stateDir.resolve(NOT_A_DIRECTORY)).toString());
        return cfg;
    }

    private static SchemaRegistryClient closeCounting(AtomicInteger closes) {
        return delegating(() -> closes.incrementAndGet());
    }

    private static SchemaRegistryClient failingClose(RuntimeException error) {
        return delegating(() -> {
            throw error;
        });
    }

    /** An in-memory registry client whose close() runs {@code onClose}. */
    private static SchemaRegistryClient delegating(Runnable onClose) {
        SchemaRegistryClient target = new InMemorySchemaRegistryClient();
        return (SchemaRegistryClient) Proxy.newProxyInstance(ProcessorAppTest.class.getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        onClose.run();
                        return null;
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
