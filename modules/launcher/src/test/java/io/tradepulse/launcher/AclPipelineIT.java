package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.SecuritySettings;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.ingest.IngestReport;
import io.tradepulse.ingest.ParseResult;
import io.tradepulse.serving.DashboardServer;
import io.tradepulse.serving.ResultsView;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.Acls;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACLs docs/operations.md ("Security") lists, checked on a broker that enforces them (KRaft's
 * StandardAuthorizer, SASL_SSL/SCRAM-SHA-512, nothing allowed without an ACL). An administrator creates the
 * topics and ingests the bundled data; the processor (with the REST view and health endpoints {@code tradepulse run}
 * serves), {@code tradepulse tariffs} and {@code tradepulse dlq} then run as principals that hold exactly the
 * documented ACLs and no more.
 * If the documentation misses one, these tests fail with the authorization error naming the resource.
 */
@WithEmbeddedPlatform
class AclPipelineIT {

    private static final String ADMIN = "admin";
    private static final String PROCESSOR = "tradepulse";
    private static final String TARIFFS = "calendar";
    private static final String OPERATOR = "operator";
    private static final String PASSWORD = "scram-" + UUID.randomUUID();
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startAuthorizingBroker() {
        kafka = EmbeddedKafka.startSecured(
                new SecuritySettings(Map.of(ADMIN, PASSWORD, PROCESSOR, PASSWORD, TARIFFS, PASSWORD, OPERATOR, PASSWORD)),
                EmbeddedKafka.authorizerConfig("User:" + ADMIN));
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldRunTheProcessorWithOnlyTheDocumentedAcls(EmbeddedPlatform platform, @TempDir Path stateDir) throws Exception {
        String prefix = "acl-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String applicationId = prefix + "processor";
        Map<String, Object> admin = client(ADMIN);
        TopicCatalog topics = processorConfig(platform, admin, prefix, applicationId, stateDir).topicCatalog();
        Pipeline.createTopics(admin, topics);
        assertThat(Pipeline.ingestBundledData(admin, topics)).extracting(IngestReport::published).containsExactly(16, 12);

        // docs/operations.md, "Security": the processor's principal; the view's Read grant on trade.changes and
        // trade.signals follows below.
        List<AclBinding> acls = new ArrayList<>();
        for (String topic : List.of(topics.records().name(), topics.derivedRecords().name(), topics.tariffEvents().name())) {
            acls.addAll(Acls.allow(PROCESSOR, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE));
        }
        for (String topic : List.of(topics.derivedRecords().name(), topics.changes().name(), topics.signals().name(),
                topics.deadLetters().name())) {
            acls.addAll(Acls.allow(PROCESSOR, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
        }
        acls.addAll(Acls.allow(PROCESSOR, ResourceType.TOPIC, applicationId, PatternType.PREFIXED, AclOperation.ALL));
        acls.addAll(Acls.allow(PROCESSOR, ResourceType.GROUP, applicationId, PatternType.PREFIXED, AclOperation.ALL));
        acls.addAll(Acls.allow(PROCESSOR, ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED,
                AclOperation.WRITE, AclOperation.DESCRIBE));
        acls.addAll(Acls.allow(PROCESSOR, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE));
        createAcls(acls);

        try (ProcessorApp app = new ProcessorApp(processorConfig(platform, client(PROCESSOR), prefix, applicationId, stateDir))) {
            app.start();
            Pipeline.awaitCaughtUp(admin, applicationId, topics.records().name(), Duration.ofSeconds(90));

            // `tradepulse run` also serves the REST API and health endpoints by default (RunCommand), as the same
            // principal, from a view that reads trade.changes and trade.signals back. With Write alone (the ACLs
            // once documented) the view cannot read: not ready, for ever.
            Path viewDir = stateDir.resolve(applicationId + "-results-view");
            try (ResultsView view = new ResultsView(client(PROCESSOR), topics, viewDir).start();
                 DashboardServer server = new DashboardServer("127.0.0.1", 0, view, () -> ProcessorHealth.of(app.state())).start()) {
                assertThat(awaitFailure(view, Duration.ofSeconds(30))).contains("TopicAuthorizationException");
                assertThat(status(server, "/health/ready")).isEqualTo(503);
            }

            // docs/operations.md, "Security": Read on both, for the view.
            List<AclBinding> viewAcls = new ArrayList<>();
            for (String topic : List.of(topics.changes().name(), topics.signals().name())) {
                viewAcls.addAll(Acls.allow(PROCESSOR, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ));
            }
            createAcls(viewAcls);
            try (ResultsView view = new ResultsView(client(PROCESSOR), topics, viewDir).start();
                 DashboardServer server = new DashboardServer("127.0.0.1", 0, view, () -> ProcessorHealth.of(app.state())).start()) {
                assertThat(awaitStatus(server, "/health/ready", 200, Duration.ofSeconds(60)))
                        .as("ready with the documented ACLs; view failure: %s", view.failure()).isEqualTo(200);
            }
        }
        BundledPipeline.assertHeadline(Pipeline.readChanges(admin, topics, Duration.ofSeconds(30)));
    }

    private static String awaitFailure(ResultsView view, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (view.failure().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return view.failure().orElse("(no failure within " + timeout + ")");
    }

    private static int status(DashboardServer server, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int awaitStatus(DashboardServer server, String path, int wanted, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = status(server, path);
        while (last != wanted && System.nanoTime() < deadline) {
            Thread.sleep(200);
            last = status(server, path);
        }
        return last;
    }

    @Test
    void shouldPublishTheTariffCalendarWithOnlyTheDocumentedAcls(EmbeddedPlatform platform, @TempDir Path dir) throws Exception {
        String prefix = "acl-tariffs-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Map<String, Object> admin = client(ADMIN);
        TopicCatalog topics = processorConfig(platform, admin, prefix, prefix + "processor", dir).topicCatalog();
        Pipeline.createTopics(admin, topics);
        String topic = topics.tariffEvents().name();
        String[] publish = tariffsArgs(platform, dir, prefix);

        // docs/operations.md, "Security": the principal of `tradepulse tariffs`, first without the transactional id.
        createAcls(Acls.allow(TARIFFS, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
        createAcls(Acls.allow(TARIFFS, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE));
        TariffsCommandTest.Result refused = TariffsCommandTest.run(publish);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("Transactional Id authorization failed");

        createAcls(Acls.allow(TARIFFS, ResourceType.TRANSACTIONAL_ID, TariffsCommand.defaultTransactionalId(topic),
                PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
        TariffsCommandTest.Result published = TariffsCommandTest.run(publish);

        assertThat(published.exitCode()).as(published.err()).isZero();
        assertThat(published.out()).contains("Done: 12 events published");
        assertThat(Pipeline.readTable(admin, topics.tariffEvents(), Duration.ofSeconds(30))).hasSize(12);
    }

    /**
     * The cluster lists only the topics a principal may Describe, so a missing Describe ACL used to be reported as a
     * missing topic ("does not exist (or the principal may not Describe it)"), and the suggested fix, creating it,
     * could not help. The two are now told apart: the broker answers a described topic the principal may not
     * Describe with an authorization error, existing or not.
     */
    @Test
    void shouldTellAMissingDescribeAclFromAMissingTopicWithNoCreateTopics(EmbeddedPlatform platform, @TempDir Path dir)
            throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> admin = client(ADMIN);

        // Not created, and the principal may Describe it: missing.
        String absentPrefix = "acl-absent-" + id + ".";
        String absent = processorConfig(platform, admin, absentPrefix, absentPrefix + "processor", dir).topicCatalog()
                .tariffEvents().name();
        createAcls(Acls.allow(TARIFFS, ResourceType.TOPIC, absent, PatternType.LITERAL, AclOperation.DESCRIBE));
        TariffsCommandTest.Result missing = TariffsCommandTest.run(tariffsArgs(platform, dir, absentPrefix));
        assertThat(missing.exitCode()).as(missing.err()).isEqualTo(2);
        assertThat(missing.err()).startsWith("Refused: topic " + absent + " does not exist, and with --no-create-topics")
                .doesNotContain("may not Describe");

        // Created, and the principal may not Describe it: an ACL is missing, not the topic.
        String hiddenPrefix = "acl-hidden-" + id + ".";
        TopicCatalog topics = processorConfig(platform, admin, hiddenPrefix, hiddenPrefix + "processor", dir).topicCatalog();
        Pipeline.createTopics(admin, topics);
        String hidden = topics.tariffEvents().name();
        TariffsCommandTest.Result refused = TariffsCommandTest.run(tariffsArgs(platform, dir, hiddenPrefix));
        assertThat(refused.exitCode()).as(refused.err()).isEqualTo(2);
        assertThat(refused.err()).startsWith("Refused: the principal may not Describe topic " + hidden
                        + " (TopicAuthorizationException; the cluster does not say whether it exists); nothing was sent.")
                .doesNotContain("does not exist,").doesNotContain("kafka-topics.sh");
        assertThat(Pipeline.readTable(admin, topics.tariffEvents(), Duration.ofSeconds(5))).isEmpty();
    }

    /**
     * docs/operations.md, "Security": `tradepulse dlq` lists with Read/Describe on trade.dlq and no group ACL (it
     * assigns the partitions), and `--replay` also needs Write/Describe on the target topic, the transactional id and
     * IdempotentWrite. Without the transactional id's ACL the replay fails naming the id, and nothing is published.
     */
    @Test
    void shouldListAndReplayDeadLettersWithOnlyTheDocumentedAcls(EmbeddedPlatform platform, @TempDir Path dir) throws Exception {
        String prefix = "acl-dlq-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Map<String, Object> admin = client(ADMIN);
        TopicCatalog topics = processorConfig(platform, admin, prefix, prefix + "processor", dir).topicCatalog();
        Pipeline.createTopics(admin, topics);
        String dlq = topics.deadLetters().name();
        String records = topics.records().name();
        TradeRecord record = ((ParseResult.Parsed<TradeRecord>) BundledData.chinaExportsToUs().get(1)).value();
        try (CatalogProducer producer = new CatalogProducer(admin)) {
            producer.send(topics.deadLetters(), records + "/1/7", DeadLetter.newBuilder().setStage(DeadLetterStage.VALIDATION)
                    .setReason("above the KRW limit").setOriginTopic(records).setOriginPartition(1).setOriginOffset(7L)
                    .setRawKey(ByteBuffer.wrap(topics.records().keySerde().serializer().serialize(records, FileIngest.seriesKey(record))))
                    .setRawValue(ByteBuffer.wrap(topics.records().valueSerde().serializer().serialize(records, record)))
                    .setOccurredAt(Instant.parse("2026-11-29T10:00:00Z")).build());
            producer.flush();
        }
        String[] connection = {"dlq", "--config", clientConfig(platform, dir, prefix, OPERATOR).toString()};

        createAcls(Acls.allow(OPERATOR, ResourceType.TOPIC, dlq, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE));
        TariffsCommandTest.Result listed = dlq(connection);
        assertThat(listed.exitCode()).as(listed.err()).isZero();
        assertThat(listed.out()).contains(records + "/1/7", "1 of 1 dead letters on " + dlq + " matched (VALIDATION 1).");

        createAcls(Acls.allow(OPERATOR, ResourceType.TOPIC, records, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
        createAcls(Acls.allow(OPERATOR, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE));
        TariffsCommandTest.Result refused = dlq(connection, "--replay");
        assertThat(refused.exitCode()).as(refused.out()).isEqualTo(1);
        assertThat(refused.err().lines().findFirst().orElseThrow()).isEqualTo("tradepulse dlq failed: the replay was aborted, "
                + "nothing was published: the principal may not use the transactional id '"
                + DlqCommand.defaultTransactionalId(dlq) + "' (grant Write and Describe on it, docs/operations.md "
                + "\"Security\"): Transactional Id authorization failed.");

        createAcls(Acls.allow(OPERATOR, ResourceType.TRANSACTIONAL_ID, DlqCommand.defaultTransactionalId(dlq),
                PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
        TariffsCommandTest.Result replayed = dlq(connection, "--replay");
        assertThat(replayed.exitCode()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("Done: 1 dead letter replayed in one transaction, 0 skipped.");
        assertThat(Pipeline.readTable(admin, topics.records(), Duration.ofSeconds(30))).containsOnlyKeys(FileIngest.seriesKey(record));
    }

    /** `tradepulse dlq` as the launcher runs it (its failures through {@link Main#failed}). */
    private static TariffsCommandTest.Result dlq(String[] connection, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] argv = java.util.stream.Stream.concat(Arrays.stream(connection), Arrays.stream(args)).toArray(String[]::new);
        int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(argv);
        return new TariffsCommandTest.Result(code, out.toString(), err.toString());
    }

    private static String[] tariffsArgs(EmbeddedPlatform platform, Path dir, String prefix) throws Exception {
        Path config = clientConfig(platform, dir, prefix, TARIFFS);
        Path csvDir = Files.createDirectories(dir.resolve(prefix + "csv"));
        return new String[] {"--file", TariffsCommandTest.bundledCsv(csvDir).toString(), "--config", config.toString(),
                "--no-create-topics"};
    }

    /** A --config file for {@code user}: its client security settings, the registry and the topic prefix. */
    private static Path clientConfig(EmbeddedPlatform platform, Path dir, String prefix, String user) throws Exception {
        Path config = dir.resolve(prefix + user + ".properties");
        StringBuilder props = new StringBuilder();
        client(user).forEach((k, v) -> props.append(k).append('=').append(v.toString().replace("\\", "\\\\")).append('\n'));
        props.append(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG).append('=').append(platform.registryUrl()).append('\n');
        props.append(ProcessorConfig.TOPIC_PREFIX_CONFIG).append('=').append(prefix).append('\n');
        return Files.writeString(config, props);
    }

    private static Map<String, Object> client(String user) {
        Map<String, Object> c = new HashMap<>(kafka.clientSecurityConfig(user, PASSWORD));
        c.put("bootstrap.servers", kafka.bootstrapServers());
        return c;
    }

    private static ProcessorConfig processorConfig(EmbeddedPlatform platform, Map<String, Object> client, String prefix,
            String applicationId, Path stateDir) {
        Map<String, Object> cfg = new HashMap<>(client);
        cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl());
        cfg.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
        cfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, applicationId);
        cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new ProcessorConfig(cfg);
    }

    private static void createAcls(List<AclBinding> acls) throws Exception {
        Acls.create(client(ADMIN), acls);
    }
}
