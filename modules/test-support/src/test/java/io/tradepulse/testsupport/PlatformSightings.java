package io.tradepulse.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records which platform instance each test class was given. Failsafe runs all *IT classes of this
 * module in one JVM, so whichever class runs second checks it got the very same instance.
 */
final class PlatformSightings {

    private static final Map<Class<?>, EmbeddedPlatform> SEEN = new ConcurrentHashMap<>();

    private PlatformSightings() {
    }

    static void recordAndCheck(final Class<?> testClass, final EmbeddedPlatform platform) {
        SEEN.put(testClass, platform);
        SEEN.forEach((otherClass, other) -> {
            assertThat(other).as("platform seen by %s", otherClass.getSimpleName()).isSameAs(platform);
            assertThat(other.kafka()).isSameAs(platform.kafka());
            assertThat(other.registry()).isSameAs(platform.registry());
        });
    }
}
