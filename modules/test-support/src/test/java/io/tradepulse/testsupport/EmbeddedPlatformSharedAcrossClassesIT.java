package io.tradepulse.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** Second class of the pair: with {@link EmbeddedPlatformExtensionIT} it proves one platform per JVM. */
@WithEmbeddedPlatform
class EmbeddedPlatformSharedAcrossClassesIT {

    private final EmbeddedPlatform platform;

    EmbeddedPlatformSharedAcrossClassesIT(final EmbeddedPlatform platform) {
        this.platform = platform;
    }

    @Test
    void getsTheSameInstanceAsEveryOtherClass() {
        PlatformSightings.recordAndCheck(EmbeddedPlatformSharedAcrossClassesIT.class, platform);
    }

    @Test
    void platformFromAnEarlierClassIsStillRunning() throws Exception {
        // Constructor injection gets a live platform even when another class used it first: catches a
        // platform that is closed after the first class but still handed out from the root store.
        assertThat(platform.kafka().isRunning()).isTrue();
        assertThat(ProcessHandle.of(platform.registry().pid())).get().matches(ProcessHandle::isAlive);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }
}
