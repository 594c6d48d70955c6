package io.tradepulse.testsupport;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.EmbeddedRegistry;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts ONE {@link EmbeddedKafka} and ONE {@link EmbeddedRegistry} per test JVM, on first use, and closes
 * them when that JVM exits: every test class the JVM runs shares them, since a broker start (~0.3-3 s) plus an
 * Apicurio JVM (~4 s of start-up and 4-6 s of CPU) per class would dominate CI time on 2 cores.
 *
 * <p>Why a JVM-wide holder and not the root {@code ExtensionContext}'s store: Surefire and Failsafe with
 * {@code forkCount} above 1 (as the modules with the most integration tests run them) hand each fork its classes
 * one at a time and call the JUnit launcher once per class (SUREFIRE-1935), so the root context, and whatever its
 * store holds, is created and closed for every class. With the store, each class started and stopped its own broker
 * and registry: 30 registry JVMs in the launcher's integration tests alone.
 *
 * <p>Use via {@link WithEmbeddedPlatform}; resolves parameters of type {@link EmbeddedPlatform}.
 */
public final class EmbeddedPlatformExtension implements BeforeAllCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPlatformExtension.class);
    /** Guards the two fields below: parallel test classes asking at once start one platform. */
    private static final Object LOCK = new Object();
    private static EmbeddedPlatform shared;
    /** A failed start, kept so every later class fails at once with its cause instead of trying again. */
    private static Throwable startFailure;

    /** Starts (or reuses) the platform before the class runs, so a start failure fails the whole class once. */
    @Override
    public void beforeAll(final ExtensionContext context) {
        platform();
    }

    @Override
    public boolean supportsParameter(final ParameterContext parameterContext, final ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedPlatform.class;
    }

    @Override
    public Object resolveParameter(final ParameterContext parameterContext, final ExtensionContext extensionContext) {
        return platform();
    }

    /** The platform of this test JVM, started on first call and closed when the JVM exits. */
    public static EmbeddedPlatform platform() {
        synchronized (LOCK) {
            if (startFailure != null) {
                throw new IllegalStateException("The embedded platform failed to start earlier in this test JVM",
                        startFailure);
            }
            if (shared == null) {
                try {
                    shared = start();
                } catch (RuntimeException | Error e) {
                    startFailure = e;
                    throw e;
                }
                final EmbeddedPlatform started = shared;
                // Surefire's fork ends with System.exit once its last class has run, which runs this hook; a fork
                // killed outright leaves the broker's and registry's dirs to the next start (OwnedTempDirs).
                Runtime.getRuntime().addShutdownHook(new Thread(() -> close(started), "embedded-platform-close"));
            }
            return shared;
        }
    }

    private static EmbeddedPlatform start() {
        final long t0 = System.nanoTime();
        // Apicurio boots in its own JVM while the broker boots in ours: overlapping them saves a
        // couple of seconds even on 2 cores, since both spend part of start-up waiting on I/O.
        final CompletableFuture<EmbeddedRegistry> registry = new CompletableFuture<>();
        final Thread registryStarter = new Thread(() -> {
            try {
                registry.complete(EmbeddedRegistry.start());
            } catch (Throwable e) {
                registry.completeExceptionally(e);
            }
        }, "embedded-registry-start");
        registryStarter.setDaemon(true);
        registryStarter.start();

        final EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start();
        } catch (RuntimeException | Error e) {
            registry.thenAccept(EmbeddedRegistry::close);
            throw e;
        }
        try {
            final EmbeddedPlatform platform = new EmbeddedPlatform(kafka, registry.join());
            LOG.info("Embedded platform ready in {} ms: kafka {}, registry {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), platform.bootstrapServers(),
                    platform.registryUrl());
            return platform;
        } catch (CompletionException e) {
            kafka.close();
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    private static void close(final EmbeddedPlatform platform) {
        try {
            platform.registry().close();
        } finally {
            platform.kafka().close();
        }
    }
}
