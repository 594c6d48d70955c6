package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.TradeRecord;
import io.tradepulse.connect.common.SourceCompletion;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.SecuritySettings;
import io.tradepulse.testsupport.Acls;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.FutureCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACLs deploy/README.md (section 1) lists for the Connect workers' principal, checked on a broker that
 * enforces them (KRaft's StandardAuthorizer, SASL_SSL/SCRAM-SHA-512, nothing allowed without an ACL). A real
 * distributed worker (Kafka's {@code ConnectDistributed}, in this JVM: group membership, config/offset/status
 * topics) runs the file connector as a principal holding exactly those ACLs and nothing more. An administrator
 * creates the topics first, as a production cluster's operator would (the worker has no Create ACL and uses them).
 * If the documentation misses an ACL, the worker or its task fails with the authorization error naming the resource,
 * or (offset and status writes, which Connect only logs) the check of the internal topics' records fails.
 */
@WithEmbeddedPlatform
class ConnectWorkerAclIT {

  private static final String ADMIN = "admin";
  private static final String PASSWORD = "scram-" + UUID.randomUUID();
  private static final String RECORDS = "trade.records";
  private static final String DLQ = "trade.dlq";
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startAuthorizingBroker() throws Exception {
    kafka = EmbeddedKafka.startSecured(
        new SecuritySettings(Map.of(ADMIN, PASSWORD, "connect", PASSWORD, "connect-nowrite", PASSWORD)),
        EmbeddedKafka.authorizerConfig("User:" + ADMIN));
    try (Admin admin = Admin.create(client(ADMIN))) {
      admin.createTopics(List.of(new NewTopic(RECORDS, 3, (short) 1), new NewTopic(DLQ, 1, (short) 1))).all().get();
    }
  }

  @AfterAll
  static void closeBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void shouldDeliverRecordsWithOnlyTheDocumentedAcls(EmbeddedPlatform platform, @TempDir Path dir) throws Exception {
    String user = "connect";
    String group = "connect-cluster";
    createInternalTopics(group);
    Acls.create(client(ADMIN), workerAcls(user, group, true));

    try (Worker worker = Worker.start(workerProps(user, group, platform.registryUrl()))) {
      String name = "tradepulse-file";
      worker.startConnector(name, ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, true), RECORDS, DLQ));
      worker.awaitCompletion(name, Duration.ofSeconds(60));
    }

    List<ConsumerRecord<Object, Object>> trades = ConnectFixtures.readAll(client(ADMIN), platform.registryUrl(), RECORDS, 3);
    assertThat(trades).hasSize(3);
    assertThat(trades).extracting(r -> ((TradeRecord) r.value()).getValue())
        .containsExactlyInAnyOrder(44_000_000_000L, null, 28_800_000_000L);
    // The row with "about 38" as its value is refused by the connector and written to trade.dlq.
    assertThat(ConnectFixtures.readAll(client(ADMIN), platform.registryUrl(), DLQ, 1)).hasSize(1);
    // The worker wrote its internal topics as its principal: the connector config (the herder's answer above),
    // the task's source offsets (periodic flush or final commit on stop) and the connector/task states. A
    // missing Write there would only be logged, so check the records are there.
    for (String topic : internalTopics(group)) {
      assertThat(endOffset(topic)).as("records in %s", topic).isPositive();
    }
  }

  @Test
  void shouldFailWithAnAuthorizationErrorWithoutWriteOnTradeRecords(EmbeddedPlatform platform, @TempDir Path dir)
      throws Exception {
    String user = "connect-nowrite";
    String group = "connect-nowrite-cluster";
    createInternalTopics(group);
    // Every documented ACL but Write on trade.records (Describe on it stays, so the producer's metadata works
    // and the refusal is the produce request's own).
    Acls.create(client(ADMIN), workerAcls(user, group, false));

    try (Worker worker = Worker.start(workerProps(user, group, platform.registryUrl()))) {
      String name = "tradepulse-file-nowrite";
      // Valid rows only: nothing for trade.dlq, so the other test's exact counts hold in any order.
      worker.startConnector(name, ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, false), RECORDS, DLQ));
      assertThatThrownBy(() -> worker.awaitCompletion(name, Duration.ofSeconds(60)))
          .isInstanceOf(ConnectException.class)
          .hasMessageContaining("TopicAuthorizationException")
          .hasMessageContaining(RECORDS);
    }
  }

  /**
   * deploy/README.md, section 1: Write/Describe on trade.records and trade.dlq; what any distributed worker needs:
   * Read/Write/Describe on its config, offset and status topics, Read on its group.
   */
  private static List<AclBinding> workerAcls(String user, String group, boolean writeRecords) {
    List<AclBinding> acls = new ArrayList<>();
    acls.addAll(writeRecords
        ? Acls.allow(user, ResourceType.TOPIC, RECORDS, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE)
        : Acls.allow(user, ResourceType.TOPIC, RECORDS, PatternType.LITERAL, AclOperation.DESCRIBE));
    acls.addAll(Acls.allow(user, ResourceType.TOPIC, DLQ, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
    for (String topic : internalTopics(group)) {
      acls.addAll(Acls.allow(user, ResourceType.TOPIC, topic, PatternType.LITERAL,
          AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE));
    }
    acls.addAll(Acls.allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ));
    return acls;
  }

  private static List<String> internalTopics(String group) {
    return List.of(group + "-configs", group + "-offsets", group + "-status");
  }

  /** Connect's internal topics, compacted, created by the administrator (the worker has no Create ACL). */
  private static void createInternalTopics(String group) throws Exception {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : internalTopics(group)) {
      topics.add(new NewTopic(name, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")));
    }
    try (Admin admin = Admin.create(client(ADMIN))) {
      admin.createTopics(topics).all().get();
    }
  }

  /**
   * A distributed worker as {@code user}: the security settings at the top level (the worker's own clients:
   * group membership and the internal topics) and under {@code producer.}/{@code consumer.}/{@code admin.} (the
   * tasks' clients), as a worker's properties would hold them. Producer settings as deploy/connect/worker.properties.
   */
  private static Map<String, String> workerProps(String user, String group, String registryUrl) {
    Map<String, String> p = new HashMap<>();
    Map<String, String> security = kafka.clientSecurityConfig(user, PASSWORD);
    p.putAll(security);
    security.forEach((k, v) -> {
      p.put("producer." + k, v);
      p.put("consumer." + k, v);
      p.put("admin." + k, v);
    });
    p.put("group.id", group);
    List<String> internal = internalTopics(group);
    p.put("config.storage.topic", internal.get(0));
    p.put("offset.storage.topic", internal.get(1));
    p.put("status.storage.topic", internal.get(2));
    p.put("config.storage.replication.factor", "1");
    p.put("offset.storage.replication.factor", "1");
    p.put("status.storage.replication.factor", "1");
    p.put("offset.flush.interval.ms", "1000");
    p.put("plugin.discovery", "service_load");
    p.put("listeners", "http://127.0.0.1:0");
    p.put("key.converter", "io.tradepulse.connect.avro.AvroConverter");
    p.put("value.converter", "io.tradepulse.connect.avro.AvroConverter");
    p.put("key.converter.schema.registry.url", registryUrl);
    p.put("value.converter.schema.registry.url", registryUrl);
    p.put("producer.enable.idempotence", "true");
    p.put("producer.acks", "all");
    return p;
  }

  private static long endOffset(String topic) throws Exception {
    try (Admin admin = Admin.create(client(ADMIN))) {
      TopicPartition tp = new TopicPartition(topic, 0);
      return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }
  }

  private static Map<String, Object> client(String user) {
    return new HashMap<>(kafka.clientSecurityConfig(user, PASSWORD));
  }

  /**
   * Kafka's distributed worker in this JVM ({@code ConnectDistributed.startConnect}, as {@link EmbeddedConnect}
   * does for standalone); start-up failures surface as a {@link ConnectException} instead of {@code Exit.exit}.
   */
  private static final class Worker implements AutoCloseable {
    private final Connect<DistributedHerder> connect;

    private Worker(Connect<DistributedHerder> connect) {
      this.connect = connect;
    }

    static Worker start(Map<String, String> props) {
      ClassLoader caller = Thread.currentThread().getContextClassLoader();
      Exit.setExitProcedure((code, message) -> {
        throw new ConnectException("Kafka Connect failed to start (exit " + code + "): " + message);
      });
      try {
        return new Worker(new ConnectDistributed().startConnect(props));
      } finally {
        Exit.resetExitProcedure();
        Thread.currentThread().setContextClassLoader(caller);
      }
    }

    void startConnector(String name, Map<String, String> config) throws Exception {
      Map<String, String> c = new HashMap<>(config);
      c.put("name", name);
      FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
      // The herder answers once this worker joined the group and became leader; writing the config to the
      // config topic is the worker principal's first Write there.
      connect.herder().putConnectorConfig(name, c, true, cb);
      cb.get(60, TimeUnit.SECONDS);
    }

    /** Waits until the task delivered every row (acknowledged by the broker); throws if it FAILED meanwhile. */
    void awaitCompletion(String name, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        boolean done = SourceCompletion.await(name, Duration.ofMillis(200));
        failIfFailed(name);
        if (done) {
          return;
        }
      }
      throw new AssertionError("Connector " + name + " did not complete within " + timeout);
    }

    private void failIfFailed(String name) {
      ConnectorStateInfo s;
      try {
        s = connect.herder().connectorStatus(name);
      } catch (RuntimeException e) {
        return; // no status written yet
      }
      if ("FAILED".equals(s.connector().state())) {
        throw new ConnectException("Connector " + name + " failed: " + s.connector().trace());
      }
      for (ConnectorStateInfo.TaskState t : s.tasks()) {
        if ("FAILED".equals(t.state())) {
          throw new ConnectException("Task " + t.id() + " of " + name + " failed: " + t.trace());
        }
      }
    }

    @Override
    public void close() {
      connect.stop();
      connect.awaitStop();
    }
  }
}
