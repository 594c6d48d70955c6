package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry authentication through the normal configuration path: the serdes, the ingest and the processor
 * reach a registry that requires HTTP basic auth or a bearer token (an authenticating proxy in front of the
 * embedded Apicurio), and wrong or missing credentials fail with the registry's 401 in the error.
 */
@WithEmbeddedPlatform
class RegistryAuthIT {

    private static final String USER = "tradepulse";
    private static final String PASSWORD = "registry-pw-" + UUID.randomUUID();
    private static final String TOKEN = "token-" + UUID.randomUUID();

    @Test
    void shouldRunThePipelineThroughARegistryRequiringBasicAuth(EmbeddedPlatform platform) throws Exception {
        try (AuthProxy proxy = AuthProxy.basic(platform.registryUrl(), USER, PASSWORD)) {
            Map<String, Object> registry = Map.of(
                    ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, proxy.url(),
                    "basic.auth.credentials.source", "USER_INFO",
                    "basic.auth.user.info", USER + ":" + PASSWORD);

            BundledPipeline.assertHeadline(BundledPipeline.run(client(platform), registry, "basic"));

            assertThat(proxy.authorizedRequests()).as("registry calls went through the proxy").isPositive();
            assertThat(proxy.refusedRequests()).isZero();
        }
    }

    @Test
    void shouldRunThePipelineThroughARegistryRequiringABearerToken(EmbeddedPlatform platform) throws Exception {
        try (AuthProxy proxy = AuthProxy.bearer(platform.registryUrl(), TOKEN)) {
            Map<String, Object> registry = Map.of(
                    ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, proxy.url(),
                    "bearer.auth.credentials.source", "STATIC_TOKEN",
                    "bearer.auth.token", TOKEN);

            BundledPipeline.assertHeadline(BundledPipeline.run(client(platform), registry, "bearer"));

            assertThat(proxy.authorizedRequests()).isPositive();
            assertThat(proxy.refusedRequests()).isZero();
        }
    }

    /**
     * `ingest --worker-config` with the registry's credentials as run's --config gives them: the converters take
     * only key.converter./value.converter.-prefixed keys, so the task failed at its first record with the 401.
     */
    @Test
    void shouldIngestThroughARegistryRequiringBasicAuthWhenTheWorkerConfigGivesTheCredentials(
            EmbeddedPlatform platform, @TempDir Path dir) throws Exception {
        try (AuthProxy proxy = AuthProxy.basic(platform.registryUrl(), USER, PASSWORD)) {
            Path worker = Files.writeString(dir.resolve("worker.properties"),
                    "basic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=" + USER + ":" + PASSWORD + "\n");
            Path csv = Files.writeString(dir.resolve("rows.csv"),
                    "period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n"
                            + "2025-01,2025-01,10.0,,generated,row 0\n2025-02,2025-02,11.0,,generated,row 1\n");
            String prefix = "auth-ingest-" + UUID.randomUUID().toString().substring(0, 8) + ".";
            StringWriter err = new StringWriter();

            int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute("ingest", "--source", "file",
                    "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", proxy.url(),
                    "--worker-config", worker.toString(), "--config", IngestCommandIT.exampleConfig().toString(),
                    "--files", csv.toString(), "--offsets", dir.resolve("ingest.offsets").toString(),
                    "--topic-prefix", prefix, "--timeout", "PT60S");

            assertThat(code).as(err.toString()).isZero();
            assertThat(IngestCommandIT.endOffsets(platform, prefix + "trade.records")).isEqualTo(2);
            assertThat(proxy.authorizedRequests()).isPositive();
            assertThat(proxy.refusedRequests()).isZero();
        }
    }

    @Test
    void shouldSurfaceTheRegistrys401WhenCredentialsAreWrongOrMissing(EmbeddedPlatform platform) throws Exception {
        String wrongPassword = "not-" + PASSWORD;
        String wrongToken = "not-" + TOKEN;
        try (AuthProxy basic = AuthProxy.basic(platform.registryUrl(), USER, PASSWORD);
             AuthProxy bearer = AuthProxy.bearer(platform.registryUrl(), TOKEN)) {
            Map<String, Object> wrongBasic = Map.of(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, basic.url(),
                    "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", USER + ":" + wrongPassword);
            Map<String, Object> missing = Map.of(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, basic.url());
            Map<String, Object> wrongBearer = Map.of(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, bearer.url(),
                    "bearer.auth.token", wrongToken);

            assertUnauthorized(platform, wrongBasic, "bad credentials", wrongPassword);
            assertUnauthorized(platform, missing, "no credentials", PASSWORD);
            assertUnauthorized(platform, wrongBearer, "bad credentials", wrongToken);
            assertThat(basic.refusedRequests()).isEqualTo(2);
            // 401 is not retried (retries are for 408/429/5xx): one request each, the error comes at once.
            assertThat(bearer.refusedRequests()).isEqualTo(1);
            assertThat(basic.authorizedRequests() + bearer.authorizedRequests()).isZero();
        }
    }

    /** Serializing a key registers its schema: the first registry call, which must fail with the 401. */
    private static void assertUnauthorized(EmbeddedPlatform platform, Map<String, Object> registry, String registryMessage,
            String secret) {
        Map<String, Object> cfg = new HashMap<>(client(platform));
        cfg.putAll(registry);
        cfg.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, "auth-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        TopicCatalog topics = new ProcessorConfig(cfg).topicCatalog();
        Topic<SeriesKey, ?> records = topics.records();

        assertThatThrownBy(() -> records.keySerde().serializer().serialize(records.name(), BundledData.CHINA_TO_US_EXPORTS))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("401")
                .hasMessageContaining(registryMessage)
                .hasMessageContaining(records.name() + "-key")
                .hasMessageNotContaining(secret)
                .cause().isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(401);
                    assertThat(e.errorCode()).isEqualTo(401);
                });
    }

    private static Map<String, Object> client(EmbeddedPlatform platform) {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
    }
}
