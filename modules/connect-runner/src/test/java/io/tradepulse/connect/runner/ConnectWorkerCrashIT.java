package io.tradepulse.connect.runner;

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
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A distributed Connect worker is killed hard while its task is in the middle of a file, and the surviving worker of
 * its group takes the task over from the committed source offsets.
 *
 * <p>The Connect cluster: one group, its config, offset and status topics created by the workers, on the shared
 * embedded broker and registry. The worker that is killed runs in a child JVM: Kafka's own {@code ConnectDistributed}
 * main with the packaged plugin on its {@code plugin.path} ({@link WorkerJvm}), as in production. The survivor is a
 * {@link DistributedWorker} in this JVM; it starts first and so leads the group. The file connector has
 * {@code tasks.max=2} and two files of {@value #ROWS} rows: task 0 reads a, task 1 reads b, and each worker runs one
 * task. {@code batch.max.records} makes a task hand out at most {@value #BATCH} rows per poll().
 *
 * <p>The child's task is slowed down by the broker: the child's worker config (only) sets
 * {@code producer.client.id}, which its task producers take, and the broker has a produce quota of
 * {@value #CHILD_BYTES_PER_SECOND} bytes/s for that client id (after a first burst of about ten times that the
 * broker allows before it throttles). So the child's task is still sending its file, whatever the speed of the
 * machine, when the test has seen its first rows; the survivor is not throttled.
 *
 * <p>Once a {@code read_committed} consumer has seen rows of the child's file for {@link #KILL_AFTER}, the child JVM
 * gets SIGKILL ({@link Process#destroyForcibly}): no shutdown hook, no task stop, no last offset flush, no commit or
 * abort of an open transaction, no LeaveGroup. The consumer then reads on until it sees nothing new for a second:
 * that is every row of the file the broker had accepted (under exactly-once: committed) at the kill, since nobody
 * else writes that file before the survivor takes its task, at least {@code session.timeout.ms} (6 s) after the
 * child's last heartbeat. The test asserts that some but not all rows of the file were there.
 *
 * <p>The fail-over: the group coordinator expels the silent member after {@code session.timeout.ms} (6 s here, the
 * broker's lowest allowed {@code group.min.session.timeout.ms}; Connect's default is 10 s), the survivor rejoins, and
 * with {@code scheduled.rebalance.max.delay.ms=0} its leader reassigns the lost connector and task at once (Connect's
 * default first waits up to 5 min for the worker to come back). The task starts on the survivor, reads the file's
 * source offset ({@code rows_done} of {@code FileOffset}) from the offsets topic and sends the rows after it.
 *
 * <ul>
 *   <li>{@code exactly.once.source.support=enabled} (KIP-618): every poll's rows and their source offsets are written
 *       in one transaction (transaction boundary {@code poll}, the default) of the task's transactional producer, whose
 *       {@code transactional.id} is {@code <group.id>-<connector>-<task>} ({@code Worker.taskTransactionalId}; with
 *       the default {@code group.id}, {@code connect-cluster-<connector>-<task>}), the same on every worker. Before
 *       the new task instance creates its producer it asks the leader for a round of zombie fencing; the leader skips
 *       it, since the connector's task configs have not changed since the round (or the task-count record) written
 *       when they first started (a round fences, with {@code Admin.fenceProducers}, the transactional ids of every task
 *       of the previous generation of task configs). The new producer's {@code initTransactions} then makes the
 *       transaction coordinator abort the transaction the killed worker left open and bump the producer epoch of that
 *       transactional id: its records and offsets become aborted (invisible to {@code read_committed}), and a zombie
 *       that still wrote would be fenced ({@code ProducerFencedException}). Without that, the broker would abort it
 *       only after {@code transaction.timeout.ms} (60 s), and {@code read_committed} consumers would wait at it until
 *       then. Workers read the offsets topic {@code read_committed}, so the new task resumes after the last committed
 *       transaction: a {@code read_committed} consumer sees every row exactly once.</li>
 *   <li>Not enabled (the default): at-least-once. Records are sent first and their offsets flushed later, every
 *       {@code offset.flush.interval.ms} (0.5 s here); a killed worker flushes nothing more, so the new task resends
 *       the rows after the last flushed offset: no row is lost, some arrive twice (how many is logged and in the
 *       assertion's description, not asserted).</li>
 * </ul>
 * Each test has its own Connect group, internal topics, connector name, records topic and client id.
 *
 * <p>Why the exactly-once test also checks the connectors' source partitions: Connect finds a stored offset only under
 * the exact bytes of its JSON key ({@code [connector, partition map]}, in the map's iteration order), and the killed
 * worker and the survivor are different JVMs. While the partitions were built with {@code Map.of}, whose order is
 * randomized per JVM, the survivor missed the killed worker's offsets in 4 of 9 runs and sent the file again from
 * row 1 (400-613 duplicates read_committed); {@code SourcePartitions} now keeps the keys sorted.
 */
@WithEmbeddedPlatform
class ConnectWorkerCrashIT {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectWorkerCrashIT.class);
  private static final int ROWS = 2000;
  private static final int BATCH = 100;
  private static final int CHILD_BYTES_PER_SECOND = 5_000;
  /** How long after its first visible row the child is killed: long enough for an offset flush, or a few commits. */
  private static final Duration KILL_AFTER = Duration.ofSeconds(1);
  private static final String PRODUCE_QUOTA = "producer_byte_rate";

  @TempDir Path dir;

  @Test
  void shouldDeliverEveryRowExactlyOnceWhenTheWorkerRunningTheTaskIsKilled(EmbeddedPlatform platform)
      throws Exception {
    Crash crash = killTheWorkerOfOneTask(platform, true);

    assertThat(crash.refs()).as("rows read_committed after the crash (%d of %s visible at the kill, %d aborted rows "
            + "read_uncommitted); child's log:%n%s", crash.visibleAtKill(), crash.killedFile(), crash.aborted(),
            crash.log())
        .containsExactlyInAnyOrderElementsOf(ConnectCluster.expectedRefs(ROWS, "a", "b"));
  }

  @Test
  void shouldLoseNoRowWhenTheWorkerRunningTheTaskIsKilledAtLeastOnce(EmbeddedPlatform platform) throws Exception {
    Crash crash = killTheWorkerOfOneTask(platform, false);

    int duplicates = crash.refs().size() - Set.copyOf(crash.refs()).size();
    assertThat(Set.copyOf(crash.refs())).as("distinct rows after the crash (%d of %s visible at the kill, %d rows "
            + "arrived twice); child's log:%n%s", crash.visibleAtKill(), crash.killedFile(), duplicates, crash.log())
        .containsExactlyInAnyOrderElementsOf(ConnectCluster.expectedRefs(ROWS, "a", "b"));
  }

  /**
   * What the test saw.
   *
   * @param killedFile the file of the task on the killed worker
   * @param visibleAtKill how many of its rows a read_committed consumer saw at the kill
   * @param refs the source reference of every record at the end, read_committed
   * @param aborted how many more records a read_uncommitted consumer reads at the end (under exactly-once: the rows
   *     of aborted transactions; 0 without exactly-once)
   * @param log the tail of the killed worker's log
   */
  private record Crash(String killedFile, int visibleAtKill, List<String> refs, int aborted, String log) {
  }

  /** The scenario of the class comment. */
  private Crash killTheWorkerOfOneTask(EmbeddedPlatform platform, boolean exactlyOnce) throws Exception {
    ConnectCluster.Scenario names = ConnectCluster.newScenario(platform, "crash");
    String group = names.group();
    String topic = names.topic();
    String name = names.connector();
    String childClientId = group + "-child";
    setProduceQuota(platform, childClientId, (double) CHILD_BYTES_PER_SECOND);
    Path a = ConnectCluster.rows(dir, "a", 1990, ROWS);
    Path b = ConnectCluster.rows(dir, "b", 1990, ROWS);
    Map<String, String> connector = ConnectFixtures.gaccFileConnector(a, topic, names.dlq());
    connector.put("field.partner", "partner"); // 2,000 rows: ten years per partner (ConnectCluster.rows)
    // LocationConnectors deals the files out round-robin: task 0 gets a, task 1 gets b.
    connector.put("file.paths", a + "," + b);
    connector.put("tasks.max", "2");
    connector.put("batch.max.records", Integer.toString(BATCH));

    Map<String, String> props = workerProps(platform, group, exactlyOnce);
    // The coordinator drops a silent member after this: the lowest the broker allows (group.min.session.timeout.ms,
    // 6 s by default; Connect's default is 10 s).
    props.put("session.timeout.ms", "6000");
    // At-least-once: how often a task's offsets of acknowledged rows are flushed (default 60 s).
    props.put("offset.flush.interval.ms", "500");
    Map<String, String> childProps = new HashMap<>(props);
    childProps.put("plugin.path", WorkerJvm.pluginPath().toString());
    childProps.put("producer.client.id", childClientId);
    Properties childConfig = new Properties();
    childConfig.putAll(childProps);
    Path childFile = dir.resolve("child-worker.properties");
    try (var out = Files.newBufferedWriter(childFile)) {
      childConfig.store(out, "the worker that is killed");
    }
    Path log = dir.resolve("child-worker.log");

    DistributedWorker survivor = DistributedWorker.start(props);
    Process child = null;
    try {
      assertThat(awaitGroupMembers(platform, group, 1)).as("the survivor alone in group %s", group).hasSize(1);
      child = WorkerJvm.start(log, ConnectDistributed.class.getName(), childFile.toString());
      assertThat(awaitGroupMembers(platform, group, 2)).as("members of group %s; child's log:%n%s", group,
          WorkerJvm.tail(log)).hasSize(2);
      startConnectorOnLeader(name, connector, survivor);
      Map<Integer, String> placement = awaitTasksRunning(survivor, name, TIMEOUT, 2);
      assertThat(placement.values()).as("workers of the 2 tasks").containsOnlyOnce(survivor.workerId());
      String killedFile = survivor.workerId().equals(placement.get(0)) ? "b" : "a";

      int visibleAtKill = killWhenPartlySent(platform, topic, killedFile, child, log);
      assertThat(visibleAtKill).as("rows of %s visible when its worker was killed", killedFile)
          .isPositive().isLessThan(ROWS);

      assertThat(awaitTasksRunning(survivor, name, TIMEOUT, 2, survivor.workerId())).as("tasks after the crash")
          .containsOnlyKeys(0, 1);
      List<String> refs = sourceRefs(platform, topic, 2 * ROWS);
      int aborted = exactlyOnce ? sourceRefs(platform, topic, 2 * ROWS, "read_uncommitted").size() - refs.size() : 0;
      LOG.info("Killed the worker of file {} with {} of its {} rows visible; then {} records read_committed, {} "
          + "distinct, {} aborted", killedFile, visibleAtKill, ROWS, refs.size(), Set.copyOf(refs).size(), aborted);
      return new Crash(killedFile, visibleAtKill, refs, aborted, WorkerJvm.tail(log));
    } finally {
      if (child != null) {
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      survivor.close();
      setProduceQuota(platform, childClientId, null);
    }
  }

  /**
   * Reads {@code topic} read_committed until rows of {@code file} have been visible for {@link #KILL_AFTER}, kills the
   * child (SIGKILL), reads on until a second passes without a new row of the file, and returns how many it saw.
   */
  private static int killWhenPartlySent(EmbeddedPlatform platform, String topic, String file, Process child, Path log)
      throws Exception {
    Map<String, Object> reader = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Set<String> seen = new HashSet<>();
    try (KafkaConsumer<Object, Object> c = ConnectFixtures.avroConsumer(reader, platform.registryUrl())) {
      c.assign(c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition()))
          .collect(Collectors.toList()));
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      long killAt = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, killAt) && child.isAlive()) {
        if (read(c, file, seen) && killAt == Long.MAX_VALUE) {
          killAt = System.nanoTime() + KILL_AFTER.toNanos();
        }
      }
      assertThat(child.isAlive()).as("child worker alive until killed; its log:%n%s", WorkerJvm.tail(log)).isTrue();
      assertThat(seen).as("rows of %s within %s; child's log:%n%s", file, TIMEOUT, WorkerJvm.tail(log)).isNotEmpty();
      child.destroyForcibly();
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("child worker dead").isTrue();
      long quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      while (System.nanoTime() < quietUntil) {
        if (read(c, file, seen)) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        }
      }
    }
    return seen.size();
  }

  /** One poll: adds the rows of {@code file} to {@code seen}; true if there was a new one. */
  private static boolean read(KafkaConsumer<Object, Object> c, String file, Set<String> seen) {
    boolean added = false;
    for (ConsumerRecord<Object, Object> r : c.poll(Duration.ofMillis(100))) {
      String ref = ConnectCluster.sourceRef(r);
      if (ref.startsWith(file + "-")) {
        added |= seen.add(ref);
      }
    }
    return added;
  }

  /** Sets (or with {@code null} removes) the broker's produce quota of one client id. */
  private static void setProduceQuota(EmbeddedPlatform platform, String clientId, Double bytesPerSecond)
      throws Exception {
    ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId));
    try (Admin admin = ConnectCluster.admin(platform)) {
      admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity,
          List.of(new ClientQuotaAlteration.Op(PRODUCE_QUOTA, bytesPerSecond))))).all().get();
    }
  }
}
