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
 * Starts ONE {@link EmbeddedKafka} and ONE {@link EmbeddedRegistry} per test JVM, on first use, and
 * closes them when the JUnit engine finishes. They live in the root context's store so every test
 * class of the run shares them: a broker start (~0.3-3 s) plus an Apicurio JVM (~4 s) per class would
 * dominate CI time on 2 cores.
 *
 * <p>Use via {@link WithEmbeddedPlatform}; resolves parameters of type {@link EmbeddedPlatform}.
 */
public final class EmbeddedPlatformExtension implements BeforeAllCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPlatformExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EmbeddedPlatformExtension.class);
    private static final String KEY = "platform";

    /** Starts (or reuses) the platform before the class runs, so a start failure fails the whole class once. */
    @Override
    public void beforeAll(final ExtensionContext context) {
        platform(context);
    }

    @Override
    public boolean supportsParameter(final ParameterContext parameterContext, final ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedPlatform.class;
    }

    @Override
    public Object resolveParameter(final ParameterContext parameterContext, final ExtensionContext extensionContext) {
        return platform(extensionContext);
    }

    /** The shared platform of this test run, started on first call. */
    public static EmbeddedPlatform platform(final ExtensionContext context) {
        // The store serialises concurrent first calls (parallel test classes) so only one platform starts.
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, key -> PlatformResource.start(), PlatformResource.class)
                .platform();
    }

    /** Closed by JUnit when the root context closes, i.e. after the last test of the run. */
    private record PlatformResource(EmbeddedPlatform platform) implements ExtensionContext.Store.CloseableResource {

        static PlatformResource start() {
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
                return new PlatformResource(platform);
            } catch (CompletionException e) {
                kafka.close();
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
        }

        @Override
        public void close() {
            try {
                platform.registry().close();
            } finally {
                platform.kafka().close();
            }
        }
    }
}
