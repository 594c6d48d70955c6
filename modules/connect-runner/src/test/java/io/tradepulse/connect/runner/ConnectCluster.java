package io.tradepulse.connect.runner;

import io.tradepulse.avro.TradeRecord;
import io.tradepulse.testsupport.EmbeddedPlatform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ClassicGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.ClassicGroupState;
import org.apache.kafka.connect.runtime.distributed.NotLeaderException;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;

/**
 * What the ITs with several distributed Connect workers in one group share: the workers' settings, waiting for the
 * group and the tasks, starting a connector on the leader, the CSV files of numbered GACC rows the file connector
 * reads ({@link ConnectFixtures#gaccFileConnector}), and the rows that arrived.
 */
final class ConnectCluster {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** The columns of {@link ConnectFixtures#gaccCsv}, which {@link ConnectFixtures#gaccFileConnector} maps. */
  static final String HEADER = "period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag,partner\n";

  private ConnectCluster() {
  }

  /**
   * The names one scenario uses, unique per {@link #newScenario} call.
   *
   * @param group the Connect group, and the prefix of its internal topics
   * @param topic the records topic (3 partitions)
   * @param dlq the dead-letter topic (1 partition)
   * @param connector the connector's name
   */
  record Scenario(String group, String topic, String dlq, String connector) {
  }

  /** Unique names for a scenario of {@code kind}, its records and dead-letter topics created. */
  static Scenario newScenario(EmbeddedPlatform platform, String kind) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    Scenario s = new Scenario("it-" + kind + "-" + suffix, "it." + kind + ".records." + suffix,
        "it." + kind + ".dlq." + suffix, "file-" + kind + "-" + suffix);
    try (Admin admin = admin(platform)) {
      admin.createTopics(List.of(new NewTopic(s.topic(), 3, (short) 1), new NewTopic(s.dlq(), 1, (short) 1))).all()
          .get();
    }
    return s;
  }

  /** An admin client of the shared platform's plain listener. */
  static Admin admin(EmbeddedPlatform platform) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()));
  }

  /**
   * The partners of {@link #rows}, ten years of months each: the file source dead-letters months before 1988 or after
   * the current one (the processor refuses them), so 2,000 rows of one series no longer fit (they started in 1850).
   */
  static final List<String> PARTNERS = List.of("USA", "JPN", "KOR", "DEU", "VNM", "AUS", "IND", "GBR", "NLD", "RUS",
      "BRA", "MEX", "CAN", "SGP", "THA", "MYS", "IDN", "FRA", "ITA", "ESP");

  /**
   * {@code dir/<file>.csv} with {@code rows} monthly rows: ten years of consecutive months from January of
   * {@code firstYear} per partner ({@link #PARTNERS}, in the column {@code partner}: a connector reads it with
   * {@code field.partner=partner}, else every row is its default partner), each with the source reference "file-row"
   * (row from 1). At most 2,400 rows, all of them from 1988 to 2025.
   */
  static Path rows(Path dir, String file, int firstYear, int rows) throws IOException {
    int lastYear = firstYear + (Math.min(rows, 120) - 1) / 12;
    if (rows > PARTNERS.size() * 120 || firstYear < 1988 || lastYear > 2025) {
      throw new IllegalArgumentException(rows + " rows from " + firstYear + " do not fit in 1988-2025");
    }
    StringBuilder csv = new StringBuilder(HEADER);
    for (int row = 1; row <= rows; row++) {
      int i = (row - 1) % 120;
      String month = String.format("%d-%02d", firstYear + i / 12, i % 12 + 1);
      csv.append(month).append(',').append(month).append(',').append(40 + row).append(".0,,")
          .append(file).append('-').append(row).append(",published,").append(PARTNERS.get((row - 1) / 120))
          .append('\n');
    }
    return Files.writeString(dir.resolve(file + ".csv"), csv);
  }

  /** The source references of {@link #rows} files with {@code rows} rows each. */
  static List<String> expectedRefs(int rows, String... files) {
    List<String> refs = new ArrayList<>();
    for (String file : files) {
      for (int row = 1; row <= rows; row++) {
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
  static Map<String, String> workerProps(EmbeddedPlatform platform, String group, boolean exactlyOnce) {
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
    // every 0.5 s instead of 3 s.
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
  static List<MemberDescription> awaitGroupMembers(EmbeddedPlatform platform, String group, int count)
      throws Exception {
    try (Admin admin = admin(platform)) {
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

  /** Only the leader writes connector configs; the first worker to join is it, unless another one won the race. */
  static void startConnectorOnLeader(String name, Map<String, String> config, DistributedWorker... workers)
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
  static Map<Integer, String> awaitTasksRunning(DistributedWorker reader, String name, Duration timeout, int tasks,
                                                String... onWorker) throws InterruptedException {
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

  /** The source reference of each record in {@code topic}, as a read_committed consumer reads them. */
  static List<String> sourceRefs(EmbeddedPlatform platform, String topic, int atLeast) {
    return sourceRefs(platform, topic, atLeast, "read_committed");
  }

  /** The source reference of each record in {@code topic}, as a consumer with {@code isolationLevel} reads them. */
  static List<String> sourceRefs(EmbeddedPlatform platform, String topic, int atLeast, String isolationLevel) {
    Map<String, Object> reader = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    return ConnectFixtures.readAll(reader, platform.registryUrl(), topic, atLeast).stream()
        .map(ConnectCluster::sourceRef).toList();
  }

  /** The source reference ("file-row") of a record the file connector wrote. */
  static String sourceRef(ConsumerRecord<Object, Object> record) {
    return ((TradeRecord) record.value()).getSourceRef().toString();
  }
}
