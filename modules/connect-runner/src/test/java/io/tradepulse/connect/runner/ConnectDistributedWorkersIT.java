package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.TradeRecord;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ClassicGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.ClassicGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.distributed.NotLeaderException;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
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
 *       holds for a crash too; the test shows it for a graceful stop.</li>
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
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** The columns of {@link ConnectFixtures#gaccCsv}, which {@link ConnectFixtures#gaccFileConnector} maps. */
  private static final String HEADER = "period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n";

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
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String group = "it-connect-" + suffix;
    String topic = "it.workers.records." + suffix;
    String dlq = "it.workers.dlq." + suffix;
    String name = "file-workers-" + suffix;
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1), new NewTopic(dlq, 1, (short) 1))).all().get();
    }
    Path a1 = rows("a1", 2021);
    Path b1 = rows("b1", 2022);
    Path a2 = Files.writeString(dir.resolve("a2.csv"), HEADER);
    Path b2 = Files.writeString(dir.resolve("b2.csv"), HEADER);
    Map<String, String> connector = ConnectFixtures.gaccFileConnector(a1, topic, dlq);
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

  /** A file of {@link #ROWS_PER_FILE} monthly rows of {@code year}, each with the source reference "file-row". */
  private Path rows(String file, int year) throws Exception {
    StringBuilder csv = new StringBuilder(HEADER);
    for (int row = 1; row <= ROWS_PER_FILE; row++) {
      String month = String.format("%d-%02d", year, row);
      csv.append(month).append(',').append(month).append(',').append(40 + row).append(".0,,")
          .append(file).append('-').append(row).append(",published\n");
    }
    return Files.writeString(dir.resolve(file + ".csv"), csv);
  }

  private static List<String> expectedRefs(String... files) {
    List<String> refs = new ArrayList<>();
    for (String file : files) {
      for (int row = 1; row <= ROWS_PER_FILE; row++) {
        refs.add(file + "-" + row);
      }
    }
    return refs;
  }

  /**
   * A distributed worker of Connect cluster {@code group} on the plain listener: internal topics created by the
   * worker (compacted by Connect, replication factor 1, one partition each), converters and producer as
   * {@link EmbeddedConnect#workerProps} and deploy/connect/worker.properties.
   */
  private static Map<String, String> workerProps(EmbeddedPlatform platform, String group, boolean exactlyOnce) {
    Map<String, String> p = new HashMap<>(EmbeddedConnect.workerProps(platform.bootstrapServers(),
        platform.registryUrl(), Path.of("unused")));
    p.remove("offset.storage.file.filename");
    p.put("group.id", group);
    p.put("config.storage.topic", group + "-configs");
    p.put("offset.storage.topic", group + "-offsets");
    p.put("status.storage.topic", group + "-status");
    p.put("config.storage.replication.factor", "1");
    p.put("offset.storage.replication.factor", "1");
    p.put("status.storage.replication.factor", "1");
    p.put("offset.storage.partitions", "1");
    p.put("status.storage.partitions", "1");
    // Reassign a leaving worker's connectors and tasks in the next rebalance (default: wait up to 5 min for it).
    p.put("scheduled.rebalance.max.delay.ms", "0");
    // A member learns of a rebalance another one started (a join, a leave, new task configs) at its next heartbeat:
    // every 0.5 s instead of 3 s (session.timeout.ms stays 10 s).
    p.put("heartbeat.interval.ms", "500");
    p.put("producer.enable.idempotence", "true");
    p.put("producer.acks", "all");
    if (exactlyOnce) {
      p.put("exactly.once.source.support", "enabled");
    }
    return p;
  }

  /**
   * The members of the Connect group once the broker reports it stable with {@code count} members (or the members of
   * the last description).
   */
  private static List<MemberDescription> awaitGroupMembers(EmbeddedPlatform platform, String group, int count)
      throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      List<MemberDescription> members = List.of();
      while (System.nanoTime() < deadline) {
        try {
          ClassicGroupDescription d = admin.describeClassicGroups(List.of(group)).all().get().get(group);
          members = List.copyOf(d.members());
          if (members.size() == count && d.state() == ClassicGroupState.STABLE) {
            return members;
          }
        } catch (ExecutionException e) {
          // group not there yet
        }
        Thread.sleep(100);
      }
      return members;
    }
  }

  /** Only the leader writes connector configs; the first worker to join is it, unless the second won the race. */
  private static void startConnectorOnLeader(String name, Map<String, String> config, DistributedWorker... workers)
      throws Exception {
    for (DistributedWorker worker : workers) {
      try {
        worker.startConnector(name, config);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof NotLeaderException)) {
          throw e;
        }
      }
    }
    throw new AssertionError("No worker accepted connector " + name + " as leader");
  }

  /**
   * Waits until {@code tasks} tasks of the connector are RUNNING (on {@code onWorker} when given), as {@code reader}
   * reads the status topic; throws if one FAILED. Returns task id to worker id.
   */
  private static Map<Integer, String> awaitTasksRunning(DistributedWorker reader, String name, Duration timeout,
                                                        int tasks, String... onWorker) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<Integer, String> running = Map.of();
    List<ConnectorStateInfo.TaskState> last = List.of();
    while (System.nanoTime() < deadline) {
      reader.failIfFailed(name);
      try {
        last = reader.status(name).tasks();
        running = last.stream().filter(t -> "RUNNING".equals(t.state()))
            .filter(t -> onWorker.length == 0 || onWorker[0].equals(t.workerId()))
            .collect(Collectors.toMap(ConnectorStateInfo.TaskState::id, ConnectorStateInfo.TaskState::workerId,
                (x, y) -> y, TreeMap::new));
        if (running.size() == tasks) {
          return running;
        }
      } catch (RuntimeException e) {
        // no status read back yet
      }
      Thread.sleep(100);
    }
    List<String> seen = last.stream().map(t -> t.id() + "=" + t.state() + "@" + t.workerId()).toList();
    String where = onWorker.length == 0 ? "" : " on " + onWorker[0];
    throw new AssertionError("Tasks of " + name + " not all RUNNING" + where + " within " + timeout + "; last status: "
        + seen);
  }

  private static long endOffsets(EmbeddedPlatform platform, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
          .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
    }
  }

  /** The source reference of each record in {@code topic}, as a read_committed consumer reads them. */
  private static List<String> sourceRefs(EmbeddedPlatform platform, String topic, int atLeast) {
    Map<String, Object> reader = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<Object, Object>> records = ConnectFixtures.readAll(reader, platform.registryUrl(), topic,
        atLeast);
    return records.stream().map(r -> ((TradeRecord) r.value()).getSourceRef().toString()).toList();
  }
}
