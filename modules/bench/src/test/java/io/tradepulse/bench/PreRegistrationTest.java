package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.streams.ProcessorConfig;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.internals.ProcessorStateManager;
import org.junit.jupiter.api.Test;

/** What the run registers before its measured phases. */
class PreRegistrationTest {
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    /** A registry client that notes the subjects registered under; nothing else is needed to serialize. */
    private SchemaRegistryClient recordingClient() {
        return (SchemaRegistryClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "register" -> {
                        registered.add((String) args[0]);
                        yield registered.size();
                    }
                    case "close" -> null;
                    case "toString" -> "recording registry client";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void shouldRegisterTheStatefulPassThroughsChangelogAndTheDerivedTopicBeforeThePhasesWhenTheRunStarts() {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1");
        cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://localhost:1");
        TopicCatalog topics = new ProcessorConfig(cfg).withRegistryClient(recordingClient()).topicCatalog();

        BackfillBenchmark.preRegisterAll(topics, "bench.passthrough", "bench.stateful-passthrough");

        // the name Kafka Streams gives the store's changelog, which its serdes write the inputs' keys and values to
        String changelog = ProcessorStateManager.storeChangelogTopic(BackfillBenchmark.STATEFUL_PASS_THROUGH_ID,
                BackfillBenchmark.STATEFUL_STORE, null);
        String derived = topics.derivedRecords().name();
        assertThat(registered).contains("bench.passthrough-key", "bench.passthrough-value",
                "bench.stateful-passthrough-key", "bench.stateful-passthrough-value", changelog + "-key",
                changelog + "-value", derived + "-key", derived + "-value", topics.changes().name() + "-value",
                topics.signals().name() + "-value");
    }
}
