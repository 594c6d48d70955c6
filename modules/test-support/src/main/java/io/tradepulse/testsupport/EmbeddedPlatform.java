package io.tradepulse.testsupport;

import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.EmbeddedRegistry;

/**
 * The broker and registry shared by every test class in one test JVM, injected by {@link EmbeddedPlatformExtension}.
 * Deliberately not closeable: the extension owns the lifecycle, and a test closing it would break every class that
 * runs after it. Use unique topic/subject names per test: which classes share a JVM depends on the fork count and
 * on which fork is free first.
 */
public record EmbeddedPlatform(EmbeddedKafka kafka, EmbeddedRegistry registry) {

    /** Bootstrap servers of the embedded broker's CLIENT listener. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Confluent-compatible base URL of the embedded Apicurio Registry. */
    public String registryUrl() {
        return registry.url();
    }
}
