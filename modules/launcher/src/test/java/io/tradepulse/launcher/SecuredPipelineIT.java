package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.SecuritySettings;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.LogCapture;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import io.tradepulse.streams.ProcessorApp;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pipeline over SASL_SSL with SCRAM-SHA-512: TLS to the broker (self-signed certificate, hostname
 * verification on) and SCRAM authentication, every client setting passed as ordinary config keys
 * ({@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.*})
 * through the same maps an operator's properties file becomes.
 */
@WithEmbeddedPlatform
class SecuredPipelineIT {

    private static final String USER = "tradepulse";
    private static final String PASSWORD = "scram-" + UUID.randomUUID();
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startSecuredBroker() {
        kafka = EmbeddedKafka.startSecured(SecuritySettings.scramUser(USER, PASSWORD));
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldRunThePipelineExactlyOnceOverSaslSslWithScramSha512(EmbeddedPlatform platform) throws Exception {
        Map<String, String> client = kafka.clientSecurityConfig(USER);
        assertThat(client).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsKeys("sasl.jaas.config", "ssl.truststore.location", "ssl.truststore.password");

        BundledPipeline.assertHeadline(BundledPipeline.run(client,
                Map.of(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl()), "sasl-ssl"));
    }

    /**
     * Connect gives its task producers only the producer.-prefixed keys: `ingest --worker-config` with the security
     * keys as its help names them (security.protocol, sasl.*, ssl.*) created the topics, then its producers talked
     * plaintext to the SASL_SSL listener, never got metadata and the run ended at --timeout having published nothing.
     */
    @Test
    void shouldIngestOverSaslSslWhenTheWorkerConfigGivesTheSecurityKeysWithoutAPrefix(EmbeddedPlatform platform,
            @TempDir Path dir) throws Exception {
        Path worker = dir.resolve("worker.properties");
        java.util.Properties keys = new java.util.Properties();
        keys.putAll(kafka.clientSecurityConfig(USER));
        keys.remove(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG); // --bootstrap-servers gives it
        try (java.io.Writer w = java.nio.file.Files.newBufferedWriter(worker)) {
            keys.store(w, null);
        }
        Path csv = java.nio.file.Files.writeString(dir.resolve("rows.csv"),
                "period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n"
                        + "2025-01,2025-01,10.0,,generated,row 0\n2025-02,2025-02,11.0,,generated,row 1\n");
        String prefix = "secured-ingest-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        StringWriter err = new StringWriter();

        int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute("ingest", "--source", "file",
                "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                "--worker-config", worker.toString(), "--config", IngestCommandIT.exampleConfig().toString(),
                "--files", csv.toString(), "--offsets", dir.resolve("ingest.offsets").toString(),
                "--topic-prefix", prefix, "--timeout", "PT60S");

        assertThat(code).as(err.toString()).isZero();
        Map<String, Object> client = new HashMap<>(kafka.clientSecurityConfig(USER));
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            var partitions = admin.describeTopics(java.util.List.of(prefix + "trade.records")).allTopicNames().get()
                    .get(prefix + "trade.records").partitions();
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> specs = new HashMap<>();
            partitions.forEach(p -> specs.put(new org.apache.kafka.common.TopicPartition(prefix + "trade.records",
                    p.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest()));
            assertThat(admin.listOffsets(specs).all().get().values().stream().mapToLong(i -> i.offset()).sum())
                    .as("both rows published").isEqualTo(2);
        }
    }

    @Test
    void shouldRefuseAWrongPasswordWithAnAuthenticationErrorAndWriteNothing(EmbeddedPlatform platform, @TempDir Path stateDir)
            throws Exception {
        Map<String, Object> wrong = wrongPasswordClient();
        String prefix = "wrong-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        ProcessorConfig config = wrongPasswordProcessorConfig(platform, wrong, prefix, stateDir);
        TopicCatalog topics = config.topicCatalog();

        // Topic creation is the first thing both `demo` and `run` do: it must stop there, with the cause named.
        assertThatThrownBy(() -> Pipeline.createTopics(wrong, topics))
                .hasRootCauseInstanceOf(SaslAuthenticationException.class)
                .rootCause().hasMessageContaining("Authentication failed").hasMessageContaining("SCRAM-SHA-512");

        // The processor itself (topics created by an authorised admin) must not get in either.
        try (Admin admin = Admin.create(new HashMap<>(kafka.clientSecurityConfig(USER)))) {
            Pipeline.createTopics(new HashMap<>(kafka.clientSecurityConfig(USER)), topics);
            try (LogCapture logs = LogCapture.warnings(); ProcessorApp app = new ProcessorApp(config)) {
                // With a global store (tariff.events) start() itself fails while bootstrapping it; without one
                // the stream threads fail and log. Either way the authentication error must be what surfaces.
                StringWriter startFailure = new StringWriter();
                try {
                    app.start();
                } catch (StreamsException e) {
                    e.printStackTrace(new PrintWriter(startFailure));
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
                while (startFailure.toString().isEmpty() && !logs.any(e -> e.contains("SaslAuthenticationException"))
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(startFailure + logs.text()).as("start failure and processor log")
                        .contains("SaslAuthenticationException", "Authentication failed");
                assertThat(app.state()).isNotEqualTo(KafkaStreams.State.RUNNING);
            }
            assertThat(admin.listConsumerGroupOffsets(prefix + "processor").partitionsToOffsetAndMetadata().get())
                    .as("nothing consumed or committed with the wrong password").isEmpty();
            Map<String, Object> reader = new HashMap<>(kafka.clientSecurityConfig(USER));
            assertThat(Pipeline.readChanges(reader, topics, Duration.ofSeconds(30))).isEmpty();
        }
    }

    /**
     * FINDING (ingest, not owned here): with a wrong password the ingest reports every row as published and
     * throws nothing, because FileIngest counts a row when send() is called and CatalogProducer never looks at
     * the send futures; the data is silently not written. Expected: the ingest fails with the authentication
     * error (and, in general, counts a row published only once the broker acknowledged it).
     */
    @Test
    void shouldFailTheIngestInsteadOfReportingRowsPublishedWhenTheBrokerRefusesTheCredentials(EmbeddedPlatform platform,
            @TempDir Path stateDir) throws Exception {
        Map<String, Object> wrong = wrongPasswordClient();
        wrong.put("max.block.ms", 10_000); // producer: do not wait the default 60 s for metadata that never comes
        String prefix = "wrong-ingest-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalog topics = wrongPasswordProcessorConfig(platform, wrong, prefix, stateDir).topicCatalog();
        Pipeline.createTopics(new HashMap<>(kafka.clientSecurityConfig(USER)), topics);

        assertThatThrownBy(() -> Pipeline.ingestBundledData(wrong, topics))
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);
    }

    private static Map<String, Object> wrongPasswordClient() {
        Map<String, Object> wrong = new HashMap<>(kafka.clientSecurityConfig(USER, "wrong-" + PASSWORD));
        wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return wrong;
    }

    private static ProcessorConfig wrongPasswordProcessorConfig(EmbeddedPlatform platform, Map<String, Object> client,
            String prefix, Path stateDir) {
        Map<String, Object> cfg = new HashMap<>(client);
        cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl());
        cfg.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
        cfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, prefix + "processor");
        cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new ProcessorConfig(cfg);
    }
}
