package io.tradepulse.registry;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.tradepulse.embedded.EmbeddedRegistry;

/**
 * A real Apicurio Registry 2.6.13 (tradepulse-embedded: in memory, Confluent-compatible API, global compatibility
 * BACKWARD) for the ITs of one class, started before its {@code @BeforeAll} methods and stopped after its
 * {@code @AfterAll} methods, with one shared client of ours. Register it as
 * {@code @RegisterExtension static final ApicurioRegistry REGISTRY = new ApicurioRegistry();}. Per class, not per
 * module: a class may change the registry's global settings (ApicurioCompatibilityIT does, and restores them).
 * (The other modules share one registry through tradepulse-test-support, which depends on this module.)
 */
final class ApicurioRegistry implements BeforeAllCallback, AfterAllCallback {
    private EmbeddedRegistry registry;
    private CachedSchemaRegistryClient client;

    @Override
    public void beforeAll(ExtensionContext context) {
        registry = EmbeddedRegistry.start();
        client = newClient();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
    }

    String url() {
        return registry.url();
    }

    /** The class's shared client (closed with the registry). */
    CachedSchemaRegistryClient client() {
        return client;
    }

    /** A new client with empty caches, so its answers come from the registry; the caller closes it. */
    CachedSchemaRegistryClient newClient() {
        return new CachedSchemaRegistryClient(Map.of(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, url()));
    }

    /** Serde settings for this registry plus the given key/value pairs. */
    Map<String, Object> serdeConfig(Object... keyValues) {
        Map<String, Object> config = new HashMap<>();
        config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, url());
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    /** A name no other test uses: the registry is shared by the class's tests. */
    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
