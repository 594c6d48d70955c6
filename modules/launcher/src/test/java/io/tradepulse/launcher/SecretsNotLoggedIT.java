package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.SecuritySettings;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClientConfig;
import io.tradepulse.registry.serde.AvroSerdeConfig;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.ChildJvm;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.LogCapture;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets (SASL password, registry basic-auth password, bearer token, TLS store passwords, the registry's TLS
 * store passwords) never appear in
 * logs, on stdout/stderr, in exception messages or in our toString()s: through config validation errors,
 * the config dumps Kafka logs at INFO when clients and Streams start (PASSWORD-type keys print as
 * [hidden]; our own keys are not Kafka's, so they must not print at all), and the real {@code tradepulse run}
 * command at INFO.
 */
@WithEmbeddedPlatform
class SecretsNotLoggedIT {

    private static final String USER = "tradepulse";
    private static final String SASL_PASSWORD = "SaslPw-" + UUID.randomUUID();
    private static final String REGISTRY_PASSWORD = "RegistryPw-" + UUID.randomUUID();
    private static final String BEARER_TOKEN = "BearerTok-" + UUID.randomUUID();
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startSecuredBroker() {
        kafka = EmbeddedKafka.startSecured(SecuritySettings.scramUser(USER, SASL_PASSWORD));
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Every secret in play; the TLS stores of the embedded broker share one random password. */
    private static List<String> secrets() {
        return List.of(SASL_PASSWORD, REGISTRY_PASSWORD, BEARER_TOKEN, kafka.truststorePassword());
    }

    /**
     * Client keys with every secret: SCRAM in sasl.jaas.config, the truststore password, and a client
     * keystore (the broker's own: any valid one works, the broker does not ask for client certificates).
     */
    private static Map<String, Object> securedClient() {
        Map<String, Object> client = new HashMap<>(kafka.clientSecurityConfig(USER));
        client.put("ssl.keystore.type", "PKCS12");
        client.put("ssl.keystore.location", kafka.truststore().resolveSibling("broker.keystore.p12").toString());
        client.put("ssl.keystore.password", kafka.truststorePassword());
        client.put("ssl.key.password", kafka.truststorePassword());
        return client;
    }

    @Test
    void shouldKeepSecretsOutOfLogsStdoutErrorsAndToStringWhileRunningThePipeline(EmbeddedPlatform platform) throws Exception {
        StringBuilder checked = new StringBuilder();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        try (AuthProxy proxy = AuthProxy.basic(platform.registryUrl(), USER, REGISTRY_PASSWORD);
             LogCapture logs = LogCapture.start(Map.of("", Level.INFO, "org.apache.kafka", Level.INFO, "kafka", Level.INFO,
                     "io.tradepulse", Level.DEBUG))) {
            System.setOut(new PrintStream(new Tee(originalOut, console), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new Tee(originalErr, console), true, StandardCharsets.UTF_8));
            Map<String, Object> registry = new HashMap<>(Map.of(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, proxy.url(),
                    "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", USER + ":" + REGISTRY_PASSWORD));
            // The registry's own TLS stores (the broker's files: any valid ones do; the registry URL is http, so
            // they are loaded but not used) put their passwords through every path below too.
            registry.putAll(Map.of("schema.registry.ssl.truststore.type", "PKCS12",
                    "schema.registry.ssl.truststore.location", kafka.truststore().toString(),
                    "schema.registry.ssl.truststore.password", kafka.truststorePassword(),
                    "schema.registry.ssl.keystore.type", "PKCS12",
                    "schema.registry.ssl.keystore.location", kafka.truststore().resolveSibling("broker.keystore.p12").toString(),
                    "schema.registry.ssl.keystore.password", kafka.truststorePassword(),
                    "schema.registry.ssl.key.password", kafka.truststorePassword()));

            // 1. Validation errors, each with every secret in the same config.
            Map<String, Object> all = new HashMap<>(securedClient());
            all.putAll(registry);
            all.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, "secrets-" + UUID.randomUUID().toString().substring(0, 8) + ".");
            Consumer<Map<String, Object>> buildEverything = cfg -> {
                ProcessorConfig config = new ProcessorConfig(cfg);
                TopicCatalog topics = config.topicCatalog();
                topics.records().keySerde().serializer().serialize(topics.records().name(), BundledData.CHINA_TO_US_EXPORTS);
                new ProcessorApp(config).close();
            };
            checked.append(failure("user info without ':'", () -> buildEverything.accept(with(all,
                    "basic.auth.user.info", REGISTRY_PASSWORD))));
            checked.append(failure("basic and bearer together", () -> buildEverything.accept(with(all,
                    "bearer.auth.token", BEARER_TOKEN))));
            checked.append(failure("unknown processing guarantee", () -> buildEverything.accept(with(all,
                    ProcessorConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_twice"))));
            checked.append(failure("bad credentials source", () -> buildEverything.accept(with(all,
                    "basic.auth.credentials.source", "SECRET_MANAGER"))));
            checked.append(failure("registry URL with credentials that is not a URL", () -> buildEverything.accept(with(all,
                    ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, "htp://" + USER + ":" + REGISTRY_PASSWORD + "@registry:8081"))));
            checked.append(failure("wrong registry truststore password", () -> buildEverything.accept(with(all,
                    "schema.registry.ssl.truststore.password", "wrong-" + kafka.truststorePassword()))));
            checked.append(failure("wrong registry keystore password", () -> buildEverything.accept(with(all,
                    "schema.registry.ssl.keystore.password", "wrong-" + kafka.truststorePassword()))));
            checked.append(failure("wrong truststore password", () -> {
                Map<String, Object> cfg = with(all, "ssl.truststore.password", "wrong-" + kafka.truststorePassword());
                try (ProcessorApp app = new ProcessorApp(new ProcessorConfig(cfg))) {
                    app.start();
                }
            }));

            // 2. Our own toString()s, with secrets configured.
            Map<String, Object> bearer = Map.of(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, proxy.url(), "bearer.auth.token", BEARER_TOKEN);
            ProcessorConfig processorConfig = new ProcessorConfig(all);
            checked.append(processorConfig).append('\n')
                    .append(new SchemaRegistryClientConfig(all)).append('\n')
                    .append(new SchemaRegistryClientConfig(bearer)).append('\n')
                    .append(new AvroSerdeConfig(all)).append('\n')
                    .append(new AvroSerdeConfig(bearer)).append('\n')
                    .append(kafka).append('\n')
                    .append(kafka.security().orElseThrow()).append('\n')
                    .append(processorConfig.topicCatalog().all()).append('\n');
            try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(all);
                 CachedSchemaRegistryClient bearerClient = new CachedSchemaRegistryClient(bearer)) {
                checked.append(client).append('\n').append(bearerClient).append('\n');
            }

            // 3. The real pipeline over SASL_SSL + registry basic auth: every client and Streams logs its config.
            BundledPipeline.assertHeadline(BundledPipeline.run(securedClient(), registry, "secrets"));

            String logText = logs.text();
            // The capture must have seen the dumps it is meant to check, or this test proves nothing.
            assertThat(logText).contains("StreamsConfig values", "ProducerConfig values", "ConsumerConfig values",
                    "AdminClientConfig values", "sasl.jaas.config = [hidden]", "ssl.truststore.password = [hidden]",
                    "ssl.keystore.password = [hidden]");
            checked.append(logText).append('\n').append(console.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        assertNoSecrets(checked.toString());
    }

    @Test
    void shouldKeepSecretsOutOfTheOutputOfTheRunCommandAtInfoLevel(EmbeddedPlatform platform, @TempDir Path dir) throws Exception {
        // Kafka's config dumps are INFO (run logs Kafka from WARN): an operator raising the level must still see no secret.
        Path log4j = dir.resolve("log4j2-info.xml");
        Files.writeString(log4j, """
                <Configuration status="WARN">
                  <Appenders><Console name="out" target="SYSTEM_OUT"><PatternLayout pattern="%-5level %c - %msg%n%throwable"/></Console></Appenders>
                  <Loggers><Root level="INFO"><AppenderRef ref="out"/></Root></Loggers>
                </Configuration>
                """);
        try (AuthProxy proxy = AuthProxy.basic(platform.registryUrl(), USER, REGISTRY_PASSWORD)) {
            Properties p = new Properties();
            securedClient().forEach((k, v) -> p.setProperty(k, v.toString()));
            String prefix = "secrets-run-" + UUID.randomUUID().toString().substring(0, 8) + ".";
            p.setProperty(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, proxy.url());
            p.setProperty("basic.auth.credentials.source", "USER_INFO");
            p.setProperty("basic.auth.user.info", USER + ":" + REGISTRY_PASSWORD);
            p.setProperty(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
            p.setProperty(ProcessorConfig.APPLICATION_ID_CONFIG, prefix + "processor");
            p.setProperty(ProcessorConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            Path good = dir.resolve("good.properties");
            store(p, good);
            p.setProperty(ProcessorConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_twice");
            Path invalid = dir.resolve("invalid.properties");
            store(p, invalid);

            String goodOutput = runUntil(log4j, good, dir.resolve("good.log"), "-> RUNNING");
            String invalidOutput = runUntil(log4j, invalid, dir.resolve("invalid.log"), null);

            assertThat(goodOutput).contains("Processor started", "sasl.jaas.config = [hidden]", "ssl.truststore.password = [hidden]");
            assertThat(invalidOutput).contains("exactly_twice");
            assertNoSecrets(goodOutput + "\n" + invalidOutput);
        }
    }

    /** Runs {@code tradepulse run} until {@code marker} appears (then SIGTERM) or, with no marker, until it exits. */
    private static String runUntil(Path log4j, Path config, Path output, String marker) throws Exception {
        Process process = new ProcessBuilder(ChildJvm.command("384m", List.of("-Dlog4j2.configurationFile=" + log4j.toUri()), Main.class,
                "run", "--config", config.toString(), "--http-port", "-1"))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (process.isAlive() && System.nanoTime() < deadline
                    && (marker == null || !Files.readString(output).contains(marker))) {
                Thread.sleep(100);
            }
            String text = Files.readString(output);
            if (marker != null) {
                assertThat(text).as("tradepulse run output").contains(marker);
            } else {
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).as("exit status of a run with an invalid config").isNotZero();
            }
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
            return Files.readString(output);
        } finally {
            process.destroyForcibly();
        }
    }

    private static void store(Properties p, Path file) throws Exception {
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
    }

    private static void assertNoSecrets(String text) {
        for (String secret : secrets()) {
            int at = text.indexOf(secret);
            assertThat(at).as("secret found in output near: %s",
                    at < 0 ? "" : text.substring(Math.max(0, at - 300), Math.min(text.length(), at + 60))).isNegative();
        }
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    /** Runs {@code action}, which must fail; returns the failure as it would be printed (messages and stack). */
    private static String failure(String what, ThrowingRunnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            StringWriter stack = new StringWriter();
            t.printStackTrace(new PrintWriter(stack));
            return "--- " + what + ": " + stack + "\n";
        }
        throw new AssertionError(what + ": expected a failure");
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Writes to the real stream and to the capture. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }

}
