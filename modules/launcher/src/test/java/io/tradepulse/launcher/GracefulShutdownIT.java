package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.ChildJvm;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tradepulse run} in its own JVM, stopped with SIGTERM (what an orchestrator sends): it must report
 * ready while RUNNING, then commit, close and leave the consumer group at once (partitions move immediately
 * instead of after session.timeout.ms), and exit.
 */
@WithEmbeddedPlatform
class GracefulShutdownIT {

    @Test
    void shouldBeReadyThenCommitCloseAndLeaveTheGroupOnSigterm(EmbeddedPlatform platform, @TempDir Path dir) throws Exception {
        String prefix = "sigterm-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String appId = prefix + "processor";
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        Properties props = new Properties();
        props.setProperty(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        props.setProperty(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl());
        props.setProperty(ProcessorConfig.APPLICATION_ID_CONFIG, appId);
        props.setProperty(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
        props.setProperty(ProcessorConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        Path config = dir.resolve("app.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            props.store(w, "GracefulShutdownIT");
        }
        TopicCatalog topics = new ProcessorConfig(props).topicCatalog();
        Pipeline.createTopics(client, topics);
        Pipeline.ingestBundledData(client, topics);

        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("run.log");
        Process run = new ProcessBuilder(ChildJvm.command("384m", Main.class,
                "run", "--config", config.toString(), "--http-host", "127.0.0.1", "--http-port", Integer.toString(port)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pipeline.awaitCaughtUp(client, appId, topics.records().name(), Duration.ofSeconds(90));
            assertThat(awaitStatus(port, "/health/ready", 200, Duration.ofSeconds(30)))
                    .as("ready once RUNNING and caught up; log:%n%s", Files.readString(log)).isEqualTo(200);
            assertThat(members(client, appId)).isPositive();

            run.destroy(); // SIGTERM
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            // 143 = 128 + SIGTERM: the JVM ran its shutdown hooks (a SIGKILL would be 137).
            assertThat(run.exitValue()).as("exit status; log:%n%s", Files.readString(log)).isEqualTo(143);
            // Left the group on close: no member lingers until session.timeout.ms (45 s).
            assertThat(members(client, appId)).isZero();
        } finally {
            run.destroyForcibly();
        }
    }

    private static int members(Map<String, Object> client, String groupId) throws Exception {
        try (Admin admin = Admin.create(client)) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(groupId)).all().get().get(groupId);
            return d.members().size();
        }
    }

    private static int awaitStatus(int port, String path, int wanted, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last == wanted) {
                    return last;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        return last;
    }
}
