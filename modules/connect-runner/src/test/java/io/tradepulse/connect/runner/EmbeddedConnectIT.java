package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import com.sun.net.httpserver.HttpServer;
import java.io.StreamCorruptedException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file connector on the real broker through the real Connect runtime, read back through the registry. */
@WithEmbeddedPlatform
class EmbeddedConnectIT {
  @TempDir Path dir;

  @Test
  void shouldDeliverEveryRowOnceAndResumeWithoutDuplicatesAfterRestart(EmbeddedPlatform platform) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String topic = "it.trade.records." + suffix;
    String dlq = "it.trade.dlq." + suffix;
    createTopics(platform, topic, 3, dlq);
    Path csv = ConnectFixtures.gaccCsv(dir, true);
    Map<String, String> connector = ConnectFixtures.gaccFileConnector(csv, topic, dlq);
    Map<String, String> worker = EmbeddedConnect.workerProps(platform.bootstrapServers(), platform.registryUrl(),
        dir.resolve("connect.offsets"));
    String name = "file-it-" + suffix;

    try (EmbeddedConnect connect = EmbeddedConnect.start(worker)) {
      connect.startConnector(name, connector);
      assertThat(connect.awaitCompletion(name, Duration.ofSeconds(60))).isTrue();
      assertThat(connect.status(name).connector().state()).isEqualTo("RUNNING");
    }
    // The worker's final offset commit (graceful stop) must have reached the file: a restart reads it.
    assertThat(Files.readString(dir.resolve("connect.offsets"), java.nio.charset.StandardCharsets.ISO_8859_1))
        .contains("rows_done").contains(csv.toString());
    List<ConsumerRecord<Object, Object>> trades = ConnectFixtures.readAll(platform.bootstrapServers(), platform.registryUrl(), topic, 3);
    List<ConsumerRecord<Object, Object>> dead = ConnectFixtures.readAll(platform.bootstrapServers(), platform.registryUrl(), dlq, 1);

    assertThat(trades).hasSize(3);
    TradeRecord may = trades.stream().map(r -> (TradeRecord) r.value()).filter(t -> t.getYear() == 2025 && t.getMonth() == 5)
        .findFirst().orElseThrow();
    assertThat(may.getValue()).isEqualTo(28_800_000_000L);
    assertThat(may.getReportedYoyPct()).isEqualTo(-34.5);
    assertThat(may.getPublishedAt()).isEqualTo(Instant.parse("2026-01-14T00:00:00Z"));
    assertThat(trades).allSatisfy(r -> assertThat(((SeriesKey) r.key()).getPartner()).isEqualTo("USA"));
    assertThat(dead).singleElement().satisfies(r -> {
      DeadLetter d = (DeadLetter) r.value();
      assertThat(d.getReason()).contains("about 38");
      assertThat(d.getPosition()).isEqualTo("line 5");
    });

    // Restart the worker on the same offsets file: nothing is delivered twice.
    try (EmbeddedConnect connect = EmbeddedConnect.start(worker)) {
      connect.startConnector(name, connector);
      assertThat(connect.awaitCompletion(name, Duration.ofSeconds(60))).isTrue();
    }
    assertThat(ConnectFixtures.readAll(platform.bootstrapServers(), platform.registryUrl(), topic, 3)).hasSize(3);
    assertThat(ConnectFixtures.readAll(platform.bootstrapServers(), platform.registryUrl(), dlq, 1)).hasSize(1);
  }

  /**
   * tasks.max=2 over a 3-row and a 50,000-row file: one task each. Completion is per task; it was one flag per
   * connector, set by whichever task finished first, so this returned after the small file and `ingest` exited 0
   * with the big one cut short.
   */
  @Test
  void shouldCompleteOnlyOnceEveryTaskDeliveredItsFiles(EmbeddedPlatform platform) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String topic = "it.trade.records." + suffix;
    String dlq = "it.trade.dlq." + suffix;
    createTopics(platform, topic, 3, dlq);
    Path small = ConnectFixtures.gaccCsv(dir, false);
    int bigRows = 50_000;
    Path big = ConnectFixtures.bigGaccCsv(dir, bigRows);
    Map<String, String> connector = new HashMap<>(ConnectFixtures.gaccFileConnector(small, topic, dlq));
    connector.put("file.paths", small + "," + big);
    connector.put("tasks.max", "2");
    String name = "file-two-tasks-" + suffix;

    try (EmbeddedConnect connect = EmbeddedConnect.start(EmbeddedConnect.workerProps(platform.bootstrapServers(),
        platform.registryUrl(), dir.resolve("two-tasks.offsets")))) {
      connect.startConnector(name, connector);
      assertThat(connect.awaitCompletion(name, Duration.ofMinutes(2))).isTrue();

      // Read at once: completion means every row of both files was acknowledged by the broker.
      assertThat(connect.taskIds(name)).containsExactly(0, 1);
      assertThat(ConnectFixtures.endOffsets(platform.bootstrapServers(), topic) + ConnectFixtures.endOffsets(
          platform.bootstrapServers(), dlq)).isEqualTo(3 + bigRows);
    }
  }

  /**
   * With the broker up, the worker's own load of an unreadable offsets file fails inside Connect.start(), where
   * startConnect logs the exception and exits without it: the caller got "Kafka Connect failed to start (exit 3):
   * null", with no cause and no file name.
   */
  @Test
  void shouldNameTheOffsetsFileAndKeepTheCauseWhenTheWorkerCannotReadIt(EmbeddedPlatform platform) throws Exception {
    Path offsets = dir.resolve("wrong.offsets");
    Files.writeString(offsets, "not a Connect offsets file");

    assertThatThrownBy(() -> EmbeddedConnect.start(EmbeddedConnect.workerProps(platform.bootstrapServers(),
        platform.registryUrl(), offsets)).close())
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining(offsets.toString())
        .hasRootCauseInstanceOf(StreamCorruptedException.class);
  }

  /**
   * A task that failed after awaitSignal's last poll (in its last 200 ms, or before a zero timeout) was reported as
   * not complete, i.e. as a timeout (`ingest` then said "did not finish within") instead of the task's failure.
   */
  @Test
  void shouldReportATaskThatFailedByTheDeadlineAsFailedNotAsATimeout(EmbeddedPlatform platform) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String topic = "it.trade.records." + suffix;
    String dlq = "it.trade.dlq." + suffix;
    createTopics(platform, topic, 1, dlq);
    // A location answered 403: not retried, the task fails.
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      exchange.sendResponseHeaders(403, -1);
      exchange.close();
    });
    server.start();
    try {
      Map<String, String> connector = new HashMap<>(ConnectFixtures.gaccFileConnector(dir.resolve("unused.csv"), topic, dlq));
      connector.put("file.paths", "http://127.0.0.1:" + server.getAddress().getPort() + "/gacc.csv");
      String name = "file-failing-" + suffix;
      try (EmbeddedConnect connect = EmbeddedConnect.start(EmbeddedConnect.workerProps(platform.bootstrapServers(),
          platform.registryUrl(), dir.resolve("failing.offsets")))) {
        connect.startConnector(name, connector);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!taskFailed(connect.status(name)) && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(taskFailed(connect.status(name))).as("the task failed on the 403").isTrue();

        assertThatThrownBy(() -> connect.awaitCompletion(name, Duration.ZERO))
            .isInstanceOf(ConnectorFailedException.class).hasMessageContaining("403");
        assertThatThrownBy(() -> connect.awaitCaughtUp(name, Duration.ZERO))
            .isInstanceOf(ConnectorFailedException.class).hasMessageContaining("403");
      }
    } finally {
      server.stop(0);
    }
  }

  /** The records topic with {@code partitions} partitions and a one-partition dead-letter topic. */
  private static void createTopics(EmbeddedPlatform platform, String topic, int partitions, String dlq) throws Exception {
    Properties admin = new Properties();
    admin.put("bootstrap.servers", platform.bootstrapServers());
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(topic, partitions, (short) 1), new NewTopic(dlq, 1, (short) 1))).all().get();
    }
  }

  private static boolean taskFailed(ConnectorStateInfo status) {
    return status.tasks().stream().anyMatch(t -> "FAILED".equals(t.state()));
  }
}
