package io.tradepulse.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithEmbeddedPlatform
class EmbeddedPlatformExtensionIT {

    private static EmbeddedPlatform fromBeforeAll;

    @BeforeAll
    static void lifecycleMethodsCanTakeThePlatform(final EmbeddedPlatform platform) {
        fromBeforeAll = platform;
        PlatformSightings.recordAndCheck(EmbeddedPlatformExtensionIT.class, platform);
    }

    @Test
    void everyInjectionPointGetsTheSameRunningPlatform(final EmbeddedPlatform platform) {
        assertThat(platform).isSameAs(fromBeforeAll);
        assertThat(platform.bootstrapServers()).isEqualTo(platform.kafka().bootstrapServers());
        assertThat(platform.registryUrl()).isEqualTo(platform.registry().url()).endsWith("/apis/ccompat/v7");
        assertThat(platform.kafka().isRunning()).isTrue();
        assertThat(ProcessHandle.of(platform.registry().pid())).get().matches(ProcessHandle::isAlive);
    }

    @Test
    void brokerAcceptsTopicsAndRegistryIsBackward(final EmbeddedPlatform platform) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("extension-it", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // createTopics completes when the controller commits; the broker's metadata view follows a
            // few milliseconds later, so poll rather than expect it on the very next request.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            while (!topics.contains("extension-it") && System.nanoTime() < deadline) {
                Thread.sleep(50);
                topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            }
            assertThat(topics).contains("extension-it");
        }
        final HttpResponse<String> config = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(platform.registryUrl() + "/config")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(config.body()).contains("\"compatibilityLevel\":\"BACKWARD\"");
    }
}
