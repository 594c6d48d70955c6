package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.TradeRecord;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.SecuritySettings;
import io.tradepulse.testsupport.Acls;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.LogCapture;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.util.FutureCallback;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACLs deploy/README.md (section 1) lists for the Connect workers' principal, checked on a broker that
 * enforces them (KRaft's StandardAuthorizer, SASL_SSL/SCRAM-SHA-512, nothing allowed without an ACL). A real
 * distributed worker (Kafka's {@code ConnectDistributed}, in this JVM: group membership, config/offset/status
 * topics) runs the file connector as a principal holding exactly those ACLs and nothing more, in three set-ups:
 * <ul>
 *   <li>an administrator creates the topics first, as a production cluster's operator would (the worker has no
 *       Create ACL and uses them);</li>
 *   <li>the same with {@code exactly.once.source.support=enabled} (KIP-618): the task writes its records, dead
 *       letters and source offsets in transactions, the leader writes the config topic in transactions; the
 *       principal also holds Write/Describe on those transactional ids. A second worker then takes over, which
 *       reads the internal topics back (a first start on empty topics needs no Read on them);</li>
 *   <li>the worker creates its internal topics and, with {@code topic.creation.default.*} in the connector's
 *       config, the connector's topics; the principal also holds Create on exactly those topics.</li>
 * </ul>
 * If the documentation misses an ACL, the worker or its task fails with the authorization error naming the
 * resource, the worker never becomes ready (no Read on an internal topic that holds records, as at the restart;
 * no Create on a missing internal topic; no Write on the leader's transactional id), or (offset and status writes,
 * which Connect only logs without exactly-once) the check of the internal topics' records fails. Describe is
 * implied by Write or Read on the same resource, so no test can miss it; the tests grant it as Kafka's
 * documentation lists it. Each set-up has a negative test without one of its ACLs (the exactly-once set-up two: one
 * on a task's transactional id, one on the leader's; the topic-creating set-up two: one on the connector's topic, one
 * on an internal topic, which takes Connect's fixed 30 s). Every test has its own principal, Connect group and (but
 * for the first two) topics, so their exact counts hold in any order.
 */
@WithEmbeddedPlatform
class ConnectWorkerAclIT {

  private static final String ADMIN = "admin";
  private static final String PASSWORD = "scram-" + UUID.randomUUID();
  private static final List<String> USERS = List.of("connect", "connect-nowrite", "connect-eos", "connect-eos-notxn",
      "connect-create", "connect-create-nocreate", "connect-nointernal", "connect-eos-noleader");
  /** The tradepulse topics the file connector writes; created by the administrator. */
  private static final Topics TRADE = new Topics("trade.records", "trade.dlq");
  /** The same for the exactly-once worker, created by the administrator. */
  private static final Topics EOS_TRADE = new Topics("eos.trade.records", "eos.trade.dlq");
  /** Created by the worker (topic.creation.default.*), not by the administrator. */
  private static final Topics CREATED_TRADE = new Topics("created.trade.records", "created.trade.dlq");
  /** Never created: the worker may not. */
  private static final Topics UNCREATED_TRADE = new Topics("uncreated.trade.records", "uncreated.trade.dlq");
  private static EmbeddedKafka kafka;

  /** The records topic (3 partitions) and dead-letter topic (1) the file connector writes. */
  private record Topics(String records, String dlq) {
    List<NewTopic> newTopics() {
      return List.of(new NewTopic(records, 3, (short) 1), new NewTopic(dlq, 1, (short) 1));
    }
  }

  @BeforeAll
  static void startAuthorizingBroker() throws Exception {
    Map<String, String> users = new LinkedHashMap<>();
    users.put(ADMIN, PASSWORD);
    USERS.forEach(user -> users.put(user, PASSWORD));
    kafka = EmbeddedKafka.startSecured(new SecuritySettings(users), EmbeddedKafka.authorizerConfig("User:" + ADMIN));
    try (Admin admin = Admin.create(client(ADMIN))) {
      List<NewTopic> topics = new ArrayList<>(TRADE.newTopics());
      topics.addAll(EOS_TRADE.newTopics());
      admin.createTopics(topics).all().get();
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
    Acls.create(client(ADMIN), workerAcls(user, group, TRADE, true));

    try (DistributedWorker worker = DistributedWorker.start(workerProps(user, group, platform.registryUrl()))) {
      String name = "tradepulse-file";
      worker.startConnector(name, ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, true), TRADE.records(),
          TRADE.dlq()));
      worker.awaitCompletion(name, Duration.ofSeconds(60));
    }

    assertDelivered(client(ADMIN), platform.registryUrl(), TRADE);
    // The worker wrote its internal topics as its principal: the connector config (the herder's answer above),
    // the task's source offsets (periodic flush or final commit on stop) and the connector/task states. A
    // missing Write there would only be logged, so check the records are there.
    assertInternalTopicsWritten(group);
  }

  @Test
  void shouldFailWithAnAuthorizationErrorWithoutWriteOnTradeRecords(EmbeddedPlatform platform, @TempDir Path dir)
      throws Exception {
    String user = "connect-nowrite";
    String group = "connect-nowrite-cluster";
    createInternalTopics(group);
    // Every documented ACL but Write on trade.records (Describe on it stays, so the producer's metadata works
    // and the refusal is the produce request's own).
    Acls.create(client(ADMIN), workerAcls(user, group, TRADE, false));

    try (DistributedWorker worker = DistributedWorker.start(workerProps(user, group, platform.registryUrl()))) {
      String name = "tradepulse-file-nowrite";
      // Valid rows only: nothing for trade.dlq, so the other test's exact counts hold in any order.
      worker.startConnector(name, ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, false),
          TRADE.records(), TRADE.dlq()));
      assertThatThrownBy(() -> worker.awaitCompletion(name, Duration.ofSeconds(60)))
          .isInstanceOf(ConnectException.class)
          .hasMessageContaining("TopicAuthorizationException")
          .hasMessageContaining(TRADE.records());
    }
  }

  @Test
  void shouldDeliverRecordsInTransactionsWithExactlyOnceSupportAndTheDocumentedAcls(EmbeddedPlatform platform,
      @TempDir Path dir) throws Exception {
    String user = "connect-eos";
    String group = "connect-eos-cluster";
    String name = "tradepulse-file-eos";
    createInternalTopics(group);
    List<AclBinding> acls = workerAcls(user, group, EOS_TRADE, true);
    acls.addAll(exactlyOnceAcls(user, group, name, true, true));
    Acls.create(client(ADMIN), acls);

    Map<String, String> props = exactlyOnce(workerProps(user, group, platform.registryUrl()));
    try (DistributedWorker worker = DistributedWorker.start(props)) {
      worker.startConnector(name, ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, true),
          EOS_TRADE.records(), EOS_TRADE.dlq()));
      worker.awaitCompletion(name, Duration.ofSeconds(60));
    }
    // A new worker of the same Connect cluster takes over: it reads the configs, the committed source offsets and
    // the statuses back (Read on the internal topics, which a first start on empty topics does not need) and its
    // task resumes after the last row, so nothing is written twice (the exact counts below).
    try (DistributedWorker worker = DistributedWorker.start(props)) {
      worker.awaitTaskRunningHere(name, Duration.ofSeconds(60));
      worker.awaitCompletion(name, Duration.ofSeconds(60));
    }

    // What a read_committed consumer (the processor under exactly_once_v2) sees: every record, committed, once.
    Map<String, Object> readCommitted = client(ADMIN);
    readCommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    assertDelivered(readCommitted, platform.registryUrl(), EOS_TRADE);
    // Written in transactions: each transaction leaves a commit marker in every partition it wrote, and a marker
    // takes an offset, so the topic holds more offsets than records (an idempotent producer's would be equal).
    assertThat(endOffset(EOS_TRADE.records())).as("offsets in %s", EOS_TRADE.records()).isGreaterThan(3);
    // The task's source offsets go to the offsets topic in the same transactions, the leader's task-count record
    // and the configs to the config topic in its own.
    assertInternalTopicsWritten(group);
  }

  @Test
  void shouldFailWithATransactionalIdAuthorizationErrorWithoutTheTasksTransactionalIdAcls(EmbeddedPlatform platform,
      @TempDir Path dir) throws Exception {
    String user = "connect-eos-notxn";
    String group = "connect-eos-notxn-cluster";
    String name = "tradepulse-file-eos-notxn";
    createInternalTopics(group);
    // Every ACL of the test above but those on the task's transactional id (the leader's stay, so the connector
    // config and its task configs are written and the task starts).
    List<AclBinding> acls = workerAcls(user, group, EOS_TRADE, true);
    acls.addAll(exactlyOnceAcls(user, group, name, true, false));
    Acls.create(client(ADMIN), acls);

    Map<String, String> props = exactlyOnce(workerProps(user, group, platform.registryUrl()));
    try (DistributedWorker worker = DistributedWorker.start(props)) {
      worker.startConnector(name, ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, false),
          EOS_TRADE.records(), EOS_TRADE.dlq()));
      assertThatThrownBy(() -> worker.awaitCompletion(name, Duration.ofSeconds(60)))
          .isInstanceOf(ConnectException.class)
          .hasMessageContaining("TransactionalIdAuthorizationException");
    }
  }

  @Test
  void shouldCreateItsInternalTopicsAndTheConnectorsTopicsWithCreateOnThoseTopics(EmbeddedPlatform platform,
      @TempDir Path dir) throws Exception {
    String user = "connect-create";
    String group = "connect-create-cluster";
    // No topic of this test exists yet: the worker creates its internal topics at start, the task the connector's
    // topics before its first record to each.
    List<AclBinding> acls = workerAcls(user, group, CREATED_TRADE, true);
    acls.addAll(createAcls(user, group, CREATED_TRADE, true));
    Acls.create(client(ADMIN), acls);

    try (DistributedWorker worker = DistributedWorker.start(workerProps(user, group, platform.registryUrl()))) {
      String name = "tradepulse-file-create";
      worker.startConnector(name, topicCreation(ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, true),
          CREATED_TRADE.records(), CREATED_TRADE.dlq())));
      worker.awaitCompletion(name, Duration.ofSeconds(60));
    }

    assertDelivered(client(ADMIN), platform.registryUrl(), CREATED_TRADE);
    assertInternalTopicsWritten(group);
    try (Admin admin = Admin.create(client(ADMIN))) {
      Map<String, TopicDescription> created = admin.describeTopics(List.of(CREATED_TRADE.records(),
          CREATED_TRADE.dlq())).allTopicNames().get();
      assertThat(created.get(CREATED_TRADE.records()).partitions()).hasSize(3);
      for (String topic : internalTopics(group)) {
        Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic)))
            .all().get().values().iterator().next();
        assertThat(config.get("cleanup.policy").value()).as("cleanup.policy of %s", topic).isEqualTo("compact");
      }
    }
  }

  @Test
  void shouldFailTheTaskWithoutCreateOnTheConnectorsTopic(EmbeddedPlatform platform, @TempDir Path dir)
      throws Exception {
    String user = "connect-create-nocreate";
    String group = "connect-create-nocreate-cluster";
    // Create on the internal topics (so the worker starts), not on the records topic the connector writes.
    List<AclBinding> acls = workerAcls(user, group, UNCREATED_TRADE, true);
    acls.addAll(createAcls(user, group, UNCREATED_TRADE, false));
    Acls.create(client(ADMIN), acls);

    try (DistributedWorker worker = DistributedWorker.start(workerProps(user, group, platform.registryUrl()))) {
      String name = "tradepulse-file-nocreate";
      worker.startConnector(name, topicCreation(ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, false),
          UNCREATED_TRADE.records(), UNCREATED_TRADE.dlq())));
      assertThatThrownBy(() -> worker.awaitCompletion(name, Duration.ofSeconds(60)))
          .isInstanceOf(ConnectException.class)
          .hasMessageContaining("failed to create new topic")
          .hasMessageContaining(UNCREATED_TRADE.records());
    }
    try (Admin admin = Admin.create(client(ADMIN))) {
      assertThat(admin.listTopics().names().get()).doesNotContain(UNCREATED_TRADE.records());
    }
  }

  @Test
  void shouldGiveUpAfterConnectsFixedThirtySecondsWithoutCreateOnAMissingInternalTopic(EmbeddedPlatform platform)
      throws Exception {
    String user = "connect-nointernal";
    String group = "connect-nointernal-cluster";
    String status = internalTopics(group).get(2);
    // Create on the config and offset topics, not on the status topic; no internal topic exists yet.
    List<AclBinding> acls = workerAcls(user, group, TRADE, true);
    for (String topic : internalTopics(group).subList(0, 2)) {
      acls.addAll(Acls.allow(user, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.CREATE));
    }
    Acls.create(client(ADMIN), acls);

    try (LogCapture log = LogCapture.start(Map.of(DistributedHerder.class.getName(), Level.ERROR));
         DistributedWorker worker = DistributedWorker.startRecordingExit(workerProps(user, group,
             platform.registryUrl()))) {
      // The worker starts (startConnect returns); its herder thread then creates the internal topics. The status
      // topic's creation is refused, which Connect only logs at DEBUG ("falling back to assume topic(s) exist"), and
      // its store looks the topic up for a fixed 30 s (KafkaBasedLog, not configurable) before the herder thread gives
      // up and calls Exit.exit(1): the end of a worker process (recorded here instead of ending the JVM).
      assertThat(worker.exit().get(60, TimeUnit.SECONDS)).as("exit code of the herder").isEqualTo(1);
      assertThat(log.await(e -> e.contains("Uncaught exception in herder work thread"), Duration.ofSeconds(5)))
          .hasValueSatisfying(e -> assertThat(e)
              .contains("Could not look up partition metadata for topic '" + status + "' in the allotted period"));
    }
    try (Admin admin = Admin.create(client(ADMIN))) {
      assertThat(admin.listTopics().names().get()).doesNotContain(status);
    }
  }

  @Test
  void shouldNeverWriteTheConfigTopicWithoutTheLeadersTransactionalIdAcls(EmbeddedPlatform platform,
      @TempDir Path dir) throws Exception {
    String user = "connect-eos-noleader";
    String group = "connect-eos-noleader-cluster";
    String name = "tradepulse-file-eos-noleader";
    createInternalTopics(group);
    // Every ACL of the exactly-once test but those on the leader's transactional id (the task's stay).
    List<AclBinding> acls = workerAcls(user, group, EOS_TRADE, true);
    acls.addAll(exactlyOnceAcls(user, group, name, false, true));
    Acls.create(client(ADMIN), acls);

    FutureCallback<Herder.Created<ConnectorInfo>> created = new FutureCallback<>();
    try (LogCapture log = LogCapture.start(Map.of(DistributedHerder.class.getName(), Level.WARN));
         DistributedWorker worker = DistributedWorker.start(exactlyOnce(workerProps(user, group,
             platform.registryUrl())))) {
      Map<String, String> config = ConnectFixtures.gaccFileConnector(ConnectFixtures.gaccCsv(dir, false),
          EOS_TRADE.records(), EOS_TRADE.dlq());
      config.put("name", name);
      worker.herder().putConnectorConfig(name, config, true, created);
      // The worker starts and joins its group as leader; the leader's transactional producer for the config topic
      // (transactional id connect-cluster-<group>) is refused. Connect logs it (ERROR once, then WARN at each retry)
      // and keeps retrying, and the herder answers no request meanwhile: not the connector config, not the health
      // check (GET /health), so no connector ever starts.
      assertThat(log.await(e -> e.contains("Unable to claim write privileges for config topic"),
          Duration.ofSeconds(30)))
          .hasValueSatisfying(e -> assertThat(e).contains("TransactionalIdAuthorizationException"));
      FutureCallback<Void> health = new FutureCallback<>();
      worker.herder().healthCheck(health);
      assertThatThrownBy(() -> health.get(3, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
      assertThat(created.isDone()).as("connector config request answered").isFalse();
    }
    assertThat(endOffset(internalTopics(group).get(0))).as("records in the config topic").isZero();
  }

  /**
   * deploy/README.md, section 1: Write/Describe on the records and dead-letter topics; what any distributed worker
   * needs: Read/Write/Describe on its config, offset and status topics, Read on its group.
   */
  private static List<AclBinding> workerAcls(String user, String group, Topics topics, boolean writeRecords) {
    List<AclBinding> acls = new ArrayList<>();
    acls.addAll(writeRecords
        ? Acls.allow(user, ResourceType.TOPIC, topics.records(), PatternType.LITERAL, AclOperation.WRITE,
            AclOperation.DESCRIBE)
        : Acls.allow(user, ResourceType.TOPIC, topics.records(), PatternType.LITERAL, AclOperation.DESCRIBE));
    acls.addAll(Acls.allow(user, ResourceType.TOPIC, topics.dlq(), PatternType.LITERAL, AclOperation.WRITE,
        AclOperation.DESCRIBE));
    for (String topic : internalTopics(group)) {
      acls.addAll(Acls.allow(user, ResourceType.TOPIC, topic, PatternType.LITERAL,
          AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE));
    }
    acls.addAll(Acls.allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ));
    return acls;
  }

  /**
   * deploy/README.md, section 1, with {@code exactly.once.source.support=enabled}: Write/Describe (with
   * {@code leader}) on the leader's transactional id {@code connect-cluster-<group.id>} (its producer of the config
   * topic) and (with {@code tasks}) on each task's {@code <group.id>-<connector>-<task>} (one task here). No
   * IdempotentWrite on the cluster.
   */
  private static List<AclBinding> exactlyOnceAcls(String user, String group, String connector, boolean leader,
                                                  boolean tasks) {
    List<AclBinding> acls = new ArrayList<>();
    if (leader) {
      acls.addAll(Acls.allow(user, ResourceType.TRANSACTIONAL_ID, "connect-cluster-" + group, PatternType.LITERAL,
          AclOperation.WRITE, AclOperation.DESCRIBE));
    }
    if (tasks) {
      acls.addAll(Acls.allow(user, ResourceType.TRANSACTIONAL_ID, group + "-" + connector + "-0", PatternType.LITERAL,
          AclOperation.WRITE, AclOperation.DESCRIBE));
    }
    return acls;
  }

  /**
   * deploy/README.md, section 1, for workers that create topics: Create on each internal topic and (with
   * {@code recordsTopic}) on the connector's records topic; always on its dead-letter topic. Not on the cluster,
   * no DescribeConfigs.
   */
  private static List<AclBinding> createAcls(String user, String group, Topics topics, boolean recordsTopic) {
    List<AclBinding> acls = new ArrayList<>();
    List<String> names = new ArrayList<>(internalTopics(group));
    names.add(topics.dlq());
    if (recordsTopic) {
      names.add(topics.records());
    }
    for (String name : names) {
      acls.addAll(Acls.allow(user, ResourceType.TOPIC, name, PatternType.LITERAL, AclOperation.CREATE));
    }
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
   * Internal topics the worker creates get Connect's default partition counts and replication factor 1.
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

  /** KIP-618 on a new Connect cluster: one setting on every worker. */
  private static Map<String, String> exactlyOnce(Map<String, String> workerProps) {
    workerProps.put("exactly.once.source.support", "enabled");
    return workerProps;
  }

  /**
   * The connector's topics created by its task when missing (worker default {@code topic.creation.enable=true}):
   * the default group's settings are required for that, 3 partitions as the processor's and replication factor 1.
   */
  private static Map<String, String> topicCreation(Map<String, String> connector) {
    connector.put("topic.creation.default.replication.factor", "1");
    connector.put("topic.creation.default.partitions", "3");
    return connector;
  }

  /** The file connector's 3 records and its refused row as the one dead letter, as {@code reader} sees them. */
  private static void assertDelivered(Map<String, Object> reader, String registryUrl, Topics topics) {
    List<ConsumerRecord<Object, Object>> trades = ConnectFixtures.readAll(reader, registryUrl, topics.records(), 3);
    assertThat(trades).hasSize(3);
    assertThat(trades).extracting(r -> ((TradeRecord) r.value()).getValue())
        .containsExactlyInAnyOrder(44_000_000_000L, null, 28_800_000_000L);
    // The row with "about 38" as its value is refused by the connector and written to the dead-letter topic.
    assertThat(ConnectFixtures.readAll(reader, registryUrl, topics.dlq(), 1)).hasSize(1);
  }

  private static void assertInternalTopicsWritten(String group) throws Exception {
    for (String topic : internalTopics(group)) {
      assertThat(endOffset(topic)).as("records in %s", topic).isPositive();
    }
  }

  /** The sum of the end offsets of every partition of {@code topic}. */
  private static long endOffset(String topic) throws Exception {
    try (Admin admin = Admin.create(client(ADMIN))) {
      TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      long sum = 0;
      for (var offset : admin.listOffsets(latest).all().get().values()) {
        sum += offset.offset();
      }
      return sum;
    }
  }

  private static Map<String, Object> client(String user) {
    return new HashMap<>(kafka.clientSecurityConfig(user, PASSWORD));
  }
}
