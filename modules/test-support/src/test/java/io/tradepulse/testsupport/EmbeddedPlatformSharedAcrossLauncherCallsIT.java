package io.tradepulse.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Surefire and Failsafe with {@code forkCount} above 1 call the JUnit launcher once per test class (SUREFIRE-1935),
 * and the root extension context closes at the end of each call. This runs two classes that way, in this JVM, and
 * checks they got the very platform every other class of the JVM gets, still running: one broker and one registry
 * per test JVM, not per class.
 */
@WithEmbeddedPlatform
class EmbeddedPlatformSharedAcrossLauncherCallsIT {

    /** The platforms the probe classes were given, in the order they ran. */
    static final List<EmbeddedPlatform> GIVEN = new CopyOnWriteArrayList<>();

    @Test
    void shouldGiveClassesOfSeparateLauncherCallsTheSamePlatformAndKeepItRunning(final EmbeddedPlatform platform)
            throws Exception {
        GIVEN.clear();
        final Launcher launcher = LauncherFactory.create();
        for (final Class<?> probe : List.of(FirstProbe.class, SecondProbe.class)) {
            final SummaryGeneratingListener listener = new SummaryGeneratingListener();
            launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(probe)).build(), listener);
            final TestExecutionSummary summary = listener.getSummary();
            assertThat(summary.getFailures()).as("failures of %s", probe.getSimpleName()).isEmpty();
            assertThat(summary.getTestsSucceededCount()).as("tests of %s", probe.getSimpleName()).isEqualTo(1);
        }

        assertThat(GIVEN).hasSize(2).allSatisfy(given -> assertThat(given).isSameAs(platform));
        // Still running after both launcher calls ended (a store-held platform was closed at each call's end).
        assertThat(platform.kafka().isRunning()).isTrue();
        assertThat(ProcessHandle.of(platform.registry().pid())).get().matches(ProcessHandle::isAlive);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    /** Run only through the launcher above: nested, so neither Failsafe nor Surefire picks it up by itself. */
    @WithEmbeddedPlatform
    static class FirstProbe {
        @Test
        void records(final EmbeddedPlatform platform) {
            GIVEN.add(platform);
        }
    }

    @WithEmbeddedPlatform
    static class SecondProbe {
        @Test
        void records(final EmbeddedPlatform platform) {
            GIVEN.add(platform);
        }
    }
}
