package io.tradepulse.connect.runner;

import static io.tradepulse.connect.runner.ConnectCluster.HEADER;
import static io.tradepulse.connect.runner.ConnectCluster.TIMEOUT;
import static io.tradepulse.connect.runner.ConnectCluster.awaitGroupMembers;
import static io.tradepulse.connect.runner.ConnectCluster.awaitTasksRunning;
import static io.tradepulse.connect.runner.ConnectCluster.sourceRefs;
import static io.tradepulse.connect.runner.ConnectCluster.startConnectorOnLeader;
import static io.tradepulse.connect.runner.ConnectCluster.workerProps;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real distributed Connect workers (Kafka's {@code ConnectDistributed}, both in this JVM) in one Connect cluster:
 * the same {@code group.id} and the same config, offset and status topics (created by the workers, replication
 * factor 1), on the shared embedded broker and registry. The file connector with {@code tasks.max=2} and four files
 * really splits its work: task 0 reads files a1 and a2, task 1 reads b1 and b2 (one source partition per file).
 * a1 and b1 hold 5 rows each from the start; a2 and b2 hold only the header until the fail-over below.
 *
 * <ol>
 *   <li>Both workers are members of the group (the broker describes it as stable with two members), the two tasks
 *       run one on each worker, and every row of a1 and b1 arrives in the records topic.</li>
 *   <li>The worker that runs task 0 is stopped gracefully: its task stops with a last offset commit, then the worker
 *       leaves the group. Task 0 moves to the survivor, which then runs both tasks
 *       ({@code scheduled.rebalance.max.delay.ms=0}: a leaver's work is reassigned in the next rebalance instead of
 *       after Connect's default 5 min wait for it to come back). Then a2 and b2 get 5 rows each. The moved task reads
 *       the source offsets that its predecessor committed on the other worker from the offsets topic: a1 is complete,
 *       so it does not send a1 again, and it sends a2's rows; task 1 sends b2's.</li>
 * </ol>
 *
 * <p>The guarantee the records topic shows at the end depends on {@code exactly.once.source.support}:
 * <ul>
 *   <li>{@code enabled} (KIP-618): each task writes its records and their source offsets in one transaction, so a
 *       {@code read_committed} consumer sees every one of the 20 rows exactly once: a row is either committed together
 *       with its offset (and never sent again) or aborted with it (and sent again, the aborted copy invisible). This
 *       holds for a crash too; this test shows it for a graceful stop, {@link ConnectWorkerCrashIT} for a kill.</li>
 *   <li>not enabled (the default): at-least-once. Records are sent first and their offsets flushed later (every
 *       {@code offset.flush.interval.ms}, and once more when the task stops gracefully), so after a crash, or a last
 *       flush that failed or timed out, the new owner resends the rows after the last flushed offset: no row is
 *       lost, but some may arrive twice. That test asserts only that no row is lost (after a graceful stop there are
 *       usually no duplicates, which is not guaranteed and not asserted).</li>
 * </ul>
 * Each test has its own Connect group, internal topics, connector name and records topic.
 */
@WithEmbeddedPlatform
class ConnectDistributedWorkersIT {
  private static final int ROWS_PER_FILE = 5;

  @TempDir Path dir;

  @Test
  void shouldMoveTheTaskToTheSurvivorWithoutLosingOrDuplicatingARowUnderExactlyOnce(EmbeddedPlatform platform)
      throws Exception {
    Outcome outcome = runTwoWorkersAndStopOne(platform, true);

    assertThat(outcome.refs()).containsExactlyInAnyOrderElementsOf(expectedRefs("a1", "b1", "a2", "b2"));
    // Written in transactions: each commit leaves a marker, which takes an offset, in every partition it wrote, so
    // the topic holds more offsets than records (an idempotent producer without transactions writes no markers).
    assertThat(outcome.offsets()).as("offsets in the records topic").isGreaterThan(outcome.refs().size());
  }

  @Test
  void shouldMoveTheTaskToTheSurvivorWithoutLosingARowAtLeastOnce(EmbeddedPlatform platform) throws Exception {
    Outcome outcome = runTwoWorkersAndStopOne(platform, false);

    assertThat(Set.copyOf(outcome.refs())).containsExactlyInAnyOrderElementsOf(expectedRefs("a1", "b1", "a2", "b2"));
  }

  /**
   * What the records topic holds at the end.
   *
   * @param refs the source reference ({@code <file>-<row>}) of every record, as a {@code read_committed} consumer
   *     reads them
   * @param offsets the sum of the end offsets of its partitions (records plus any transaction markers)
   */
  private record Outcome(List<String> refs, long offsets) {
  }

  /** The scenario of the class comment. */
  private Outcome runTwoWorkersAndStopOne(EmbeddedPlatform platform, boolean exactlyOnce) throws Exception {
    ConnectCluster.Scenario names = ConnectCluster.newScenario(platform, "workers");
    String group = names.group();
    String topic = names.topic();
    String name = names.connector();
    Path a1 = rows("a1", 2021);
    Path b1 = rows("b1", 2022);
    Path a2 = Files.writeString(dir.resolve("a2.csv"), HEADER);
    Path b2 = Files.writeString(dir.resolve("b2.csv"), HEADER);
    Map<String, String> connector = ConnectFixtures.gaccFileConnector(a1, topic, names.dlq());
    // LocationConnectors deals the files out round-robin: task 0 gets a1 and a2, task 1 gets b1 and b2.
    connector.put("file.paths", String.join(",", a1.toString(), b1.toString(), a2.toString(), b2.toString()));
    connector.put("tasks.max", "2");
    // How often a task looks at a file again; the header-only files are read again within this after they change.
    connector.put("poll.interval.ms", "500");

    Map<String, String> props = workerProps(platform, group, exactlyOnce);
    DistributedWorker first = DistributedWorker.start(props);
    DistributedWorker second = null;
    try {
      second = DistributedWorker.start(props);
      assertThat(awaitGroupMembers(platform, group, 2)).as("members of Connect group %s", group).hasSize(2);
      startConnectorOnLeader(name, connector, first, second);

      Map<Integer, String> placement = awaitTasksRunning(first, name, TIMEOUT, 2);
      assertThat(Set.copyOf(placement.values())).as("workers running the 2 tasks")
          .containsExactlyInAnyOrder(first.workerId(), second.workerId());
      List<String> firstRows = sourceRefs(platform, topic, 2 * ROWS_PER_FILE);
      // Without exactly-once a task moved by a rebalance before its first offset flush may resend a row.
      assertThat(exactlyOnce ? firstRows : List.copyOf(Set.copyOf(firstRows)))
          .containsExactlyInAnyOrderElementsOf(expectedRefs("a1", "b1"));

      DistributedWorker stopped = placement.get(0).equals(first.workerId()) ? first : second;
      DistributedWorker survivor = stopped == first ? second : first;
      stopped.close();
      Map<Integer, String> after = awaitTasksRunning(survivor, name, TIMEOUT, 2, survivor.workerId());
      assertThat(after).as("tasks after the fail-over").containsOnlyKeys(0, 1)
          .allSatisfy((task, worker) -> assertThat(worker).isEqualTo(survivor.workerId()));

      rows("a2", 2023);
      rows("b2", 2024);
      List<String> refs = sourceRefs(platform, topic, 4 * ROWS_PER_FILE);
      return new Outcome(refs, endOffsets(platform, topic));
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }

  /** {@link ConnectCluster#rows} with {@link #ROWS_PER_FILE} rows. */
  private Path rows(String file, int year) throws Exception {
    return ConnectCluster.rows(dir, file, year, ROWS_PER_FILE);
  }

  private static List<String> expectedRefs(String... files) {
    return ConnectCluster.expectedRefs(ROWS_PER_FILE, files);
  }

  private static long endOffsets(EmbeddedPlatform platform, String topic) throws Exception {
    try (Admin admin = ConnectCluster.admin(platform)) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
          .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
    }
  }
}
