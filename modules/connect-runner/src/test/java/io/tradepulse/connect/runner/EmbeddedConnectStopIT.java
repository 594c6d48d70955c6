package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the worker tells about its resume point, which Connect only logs: a task that did not stop within
 * task.shutdown.graceful.timeout.ms (cancelled, it skips its final commit), an offsets file that cannot be written.
 */
@WithEmbeddedPlatform
class EmbeddedConnectStopIT {
  @TempDir Path dir;

  @Test
  void shouldReportTheResumePointNotSavedWhenATaskDidNotStopWithinTheGracefulTimeout(EmbeddedPlatform platform)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Path offsets = dir.resolve("stuck.offsets");
    String name = "stuck-" + run;

    EmbeddedConnect stopped = deliverOneRowAndStop(platform, run, name, offsets, true);

    assertThat(stopped.offsetsNotSaved()).as("the task's final commit was skipped").hasValueSatisfying(e ->
        assertThat(e).isInstanceOf(TaskStopCutShortException.class).hasMessageContaining("task " + name + "-0")
            .hasMessageContaining("task.shutdown.graceful.timeout.ms"));
    assertThat(Files.exists(offsets) ? Files.readString(offsets, StandardCharsets.ISO_8859_1) : "")
        .as("the premise: the delivered row's offset is not in the file").doesNotContain("\"row\":1");
  }

  @Test
  void shouldReportTheResumePointSavedWhenTheTaskStoppedInTime(EmbeddedPlatform platform) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Path offsets = dir.resolve("prompt.offsets");

    EmbeddedConnect stopped = deliverOneRowAndStop(platform, run, "prompt-" + run, offsets, false);

    assertThat(stopped.offsetsNotSaved()).isEmpty();
    assertThat(Files.readString(offsets, StandardCharsets.ISO_8859_1)).contains("\"row\":1");
  }

  /**
   * The launcher's followed ingest asks {@code awaitCaughtUp(name, ZERO)} every second and ends on what it throws:
   * with every write of the offsets file failing it ran on, only logging each one.
   */
  @Test
  void shouldFailTheFollowCheckWhenEveryWriteOfTheOffsetsFileFailedForTheLimit(EmbeddedPlatform platform)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String topic = createTopic(platform, run);
    Path offsets = dir.resolve("unwritable.offsets");
    Map<String, String> worker = new HashMap<>(EmbeddedConnect.workerProps(platform.bootstrapServers(), null, offsets));
    CountDownLatch delivered = new CountDownLatch(1);
    DELIVERED.put(run, delivered);
    RELEASE.put(run, new CountDownLatch(1));
    String name = "unwritable-" + run;
    try (EmbeddedConnect connect = EmbeddedConnect.start(worker)) {
      connect.offsetsWriteFailureLimit(Duration.ofSeconds(3));
      Files.createDirectory(offsets); // fails every write, even for root, whom file permissions do not stop
      connect.startConnector(name, Map.of("connector.class", OneRowConnector.class.getName(), "tasks.max", "1",
          "topic", topic, "run", run, "stuck", "false"));
      assertThat(delivered.await(60, TimeUnit.SECONDS)).as("the row was acknowledged").isTrue();

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      Throwable thrown = null;
      while (thrown == null && System.nanoTime() < deadline) {
        try {
          connect.awaitCaughtUp(name, Duration.ZERO);
          Thread.sleep(200);
        } catch (OffsetsNotSavedException e) {
          thrown = e;
        }
      }
      assertThat(thrown).as("the follow check ended the run").isInstanceOf(OffsetsNotSavedException.class)
          .hasMessageContaining(offsets.toString());
    } finally {
      DELIVERED.remove(run);
      RELEASE.remove(run);
    }
  }

  private static String createTopic(EmbeddedPlatform platform, String run) throws Exception {
    String topic = "it.stop." + run;
    Properties admin = new Properties();
    admin.put("bootstrap.servers", platform.bootstrapServers());
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    return topic;
  }

  /** Starts a worker that never flushes on its own, has the connector deliver its row, and closes the worker. */
  private EmbeddedConnect deliverOneRowAndStop(EmbeddedPlatform platform, String run, String name, Path offsets,
      boolean stuck) throws Exception {
    String topic = createTopic(platform, run);
    Map<String, String> worker = new HashMap<>(EmbeddedConnect.workerProps(platform.bootstrapServers(), null, offsets));
    worker.put("offset.flush.interval.ms", "600000"); // only the final commit writes the file
    worker.put("task.shutdown.graceful.timeout.ms", "1000");
    CountDownLatch delivered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DELIVERED.put(run, delivered);
    RELEASE.put(run, release);
    try {
      EmbeddedConnect connect = EmbeddedConnect.start(worker);
      try {
        connect.startConnector(name, Map.of("connector.class", OneRowConnector.class.getName(), "tasks.max", "1",
            "topic", topic, "run", run, "stuck", Boolean.toString(stuck)));
        assertThat(delivered.await(60, TimeUnit.SECONDS)).as("the row was acknowledged").isTrue();
      } finally {
        connect.close();
      }
      return connect;
    } finally {
      release.countDown(); // the stuck task's thread, which the worker abandoned
      DELIVERED.remove(run);
      RELEASE.remove(run);
    }
  }

  private static final Map<String, CountDownLatch> DELIVERED = new ConcurrentHashMap<>();
  private static final Map<String, CountDownLatch> RELEASE = new ConcurrentHashMap<>();

  /** Delivers one row, then polls nothing; with stuck=true its poll() blocks until the test releases it. */
  public static final class OneRowConnector extends OneTaskTestConnector {
    @Override
    public Class<? extends Task> taskClass() {
      return OneRowTask.class;
    }
  }

  public static final class OneRowTask extends SourceTask {
    private String topic;
    private String run;
    private boolean stuck;
    private boolean sent;

    @Override
    public void start(Map<String, String> props) {
      topic = props.get("topic");
      run = props.get("run");
      stuck = Boolean.parseBoolean(props.get("stuck"));
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
      if (!sent) {
        sent = true;
        return List.of(new SourceRecord(Map.of("file", "a"), Map.of("row", 1), topic, Schema.STRING_SCHEMA, "row 1"));
      }
      if (stuck) {
        // A download or a send that does not return: stop() is no help, as for a poll() blocked in I/O.
        RELEASE.get(run).await(120, TimeUnit.SECONDS);
      } else {
        Thread.sleep(50);
      }
      return null;
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
      DELIVERED.get(run).countDown();
    }

    @Override
    public void stop() {
    }

    @Override
    public String version() {
      return "test";
    }
  }
}
