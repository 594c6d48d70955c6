package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.MutualTlsSettings;
import io.tradepulse.ingest.IngestReport;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.Acls;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pipeline over mutual TLS: the broker's CLIENT listener is SSL with {@code ssl.client.auth=required},
 * and a client is known by its certificate alone. Every client setting is a standard Kafka key
 * ({@code security.protocol=SSL}, {@code ssl.keystore.*}, {@code ssl.key.password}, {@code ssl.truststore.*}, no
 * SASL) in a properties file read the way {@code tradepulse run --config} reads it ({@link ClientSettings#read}).
 *
 * <p>The broker runs KRaft's StandardAuthorizer (nothing allowed without an ACL) with the mapping rule
 * {@value #PRINCIPAL_MAPPING}, so the principal of a certificate {@code CN=tradepulse} is {@code User:tradepulse}:
 * the name super.users and the ACLs below use. One broker for the class (~3 s plus one keytool run per
 * certificate).
 */
@WithEmbeddedPlatform
class MutualTlsPipelineIT {

    private static final String PROCESSOR = "tradepulse";
    /** Holds a certificate the broker trusts, and no ACL until a test grants one. */
    private static final String STRANGER = "stranger";
    private static final String PRINCIPAL_MAPPING = "RULE:^CN=([^,]+)$/$1/,DEFAULT";
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startMutualTlsBroker() {
        Map<String, String> broker = new HashMap<>(EmbeddedKafka.authorizerConfig("User:" + PROCESSOR));
        broker.put("listener.name.client.ssl.principal.mapping.rules", PRINCIPAL_MAPPING);
        kafka = EmbeddedKafka.startMutualTls(MutualTlsSettings.of(PROCESSOR, STRANGER), broker);
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldRunThePipelineExactlyOnceOverMutualTlsWithOnlyTheStandardSslKeys(EmbeddedPlatform platform, @TempDir Path dir)
            throws Exception {
        Map<String, Object> client = clientFromPropertiesFile(dir, PROCESSOR);
        assertThat(client.keySet()).containsExactlyInAnyOrder("bootstrap.servers", "security.protocol",
                "ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
                "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password");
        assertThat(client).containsEntry("security.protocol", "SSL");

        // Topics, ingest, the processor under exactly_once_v2 and the read_committed reader all take this map.
        BundledPipeline.assertHeadline(BundledPipeline.run(client,
                Map.of(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl()), "mtls"));
    }

    @Test
    void shouldTakeThePrincipalFromTheCertificateAsTheAclsNameIt(EmbeddedPlatform platform, @TempDir Path dir) throws Exception {
        Map<String, Object> processor = clientFromPropertiesFile(dir, PROCESSOR);
        TopicCatalog topics = topics(platform, "mtls-acl");
        Pipeline.createTopics(processor, topics);
        assertThat(Pipeline.ingestBundledData(processor, topics)).extracting(IngestReport::published).containsExactly(16, 12);
        Map<String, Object> stranger = clientFromPropertiesFile(dir, STRANGER);

        // The stranger's certificate is trusted, so its handshake succeeds; its principal has no ACL yet.
        assertThatThrownBy(() -> Pipeline.readTable(stranger, topics.tariffEvents(), Duration.ofSeconds(30)))
                .isInstanceOf(TopicAuthorizationException.class)
                .hasMessageContaining(topics.tariffEvents().name());

        Acls.create(processor, Acls.allow(STRANGER, ResourceType.TOPIC, topics.tariffEvents().name(), PatternType.LITERAL,
                AclOperation.READ, AclOperation.DESCRIBE));
        assertThat(Pipeline.readTable(stranger, topics.tariffEvents(), Duration.ofSeconds(30))).hasSize(12);
    }

    @Test
    void shouldRefuseAClientWithoutACertificate(EmbeddedPlatform platform, @TempDir Path dir) throws Exception {
        // The processor's file without its key store: it still trusts the broker, but has nothing to show it.
        Map<String, Object> withoutCertificate = clientFromPropertiesFile(dir, PROCESSOR);
        withoutCertificate.keySet().removeIf(key -> key.startsWith("ssl.keystore.") || key.equals("ssl.key.password"));
        withoutCertificate.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        withoutCertificate.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        TopicCatalog topics = topics(platform, "mtls-refused");

        // Topic creation, the first thing `demo` and `run` do, stops at the handshake with the cause named.
        assertThatThrownBy(() -> Pipeline.createTopics(withoutCertificate, topics))
                .satisfies(MutualTlsPipelineIT::assertRefusedAtTheHandshake);
        // So does a consumer: the results reader behind the REST API.
        Pipeline.createTopics(clientFromPropertiesFile(dir, PROCESSOR), topics);
        assertThatThrownBy(() -> Pipeline.readChanges(withoutCertificate, topics, Duration.ofSeconds(30)))
                .satisfies(MutualTlsPipelineIT::assertRefusedAtTheHandshake);
    }

    /** Kafka's SslAuthenticationException, caused by the broker ending the TLS handshake, somewhere in the chain. */
    private static void assertRefusedAtTheHandshake(Throwable thrown) {
        assertThat(thrown).hasRootCauseInstanceOf(SSLHandshakeException.class);
        assertThat(Stream.iterate(thrown, Objects::nonNull, Throwable::getCause))
                .anyMatch(SslAuthenticationException.class::isInstance);
    }

    /**
     * The client settings of {@code client} written to a properties file as an operator would, then read back the
     * way the launcher's {@code --config} reads it.
     */
    private static Map<String, Object> clientFromPropertiesFile(Path dir, String client) throws IOException {
        Path file = dir.resolve(client + ".properties");
        Properties written = new Properties();
        written.putAll(kafka.clientCertificateConfig(client));
        try (Writer out = Files.newBufferedWriter(file)) {
            written.store(out, "mutual TLS client " + client);
        }
        Map<String, Object> read = new HashMap<>();
        ClientSettings.read(file).forEach((k, v) -> read.put(k.toString(), v));
        return read;
    }

    private static TopicCatalog topics(EmbeddedPlatform platform, String name) {
        String prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        return new ProcessorConfig(Map.of(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl(),
                ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix, "bootstrap.servers", kafka.bootstrapServers())).topicCatalog();
    }
}
