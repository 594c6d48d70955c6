package io.tradepulse.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tradepulse.registry.TestSchemas.PRICE_V1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.tradepulse.registry.serde.AvroSerdeConfig;
import io.tradepulse.registry.serde.KafkaAvroSerializer;

/**
 * The {@code schema.registry.ssl.*} keys against WireMock over HTTPS, with self-signed certificates made by the JDK's
 * keytool at test time: one for the registry (SAN ip:127.0.0.1, dns:localhost) and one for the client.
 */
class RegistryTlsTest {

    private static final String SERVER_STORE_PASSWORD = "server-store-secret";
    private static final String CLIENT_STORE_PASSWORD = "client-store-secret";
    private static final String TRUST_PASSWORD = "trust-secret";

    @TempDir
    static Path dir;

    private static Path serverKeystore;
    private static Path serverTruststore; // trusts the client's certificate
    private static Path clientKeystore;
    private static Path clientTruststore; // trusts the registry's certificate
    private static WireMockServer tlsRegistry;
    private static WireMockServer mutualTlsRegistry;

    @BeforeAll
    static void createCertificatesAndRegistries() throws Exception {
        serverKeystore = dir.resolve("server-keystore.p12");
        serverTruststore = dir.resolve("server-truststore.p12");
        clientKeystore = dir.resolve("client-keystore.p12");
        clientTruststore = dir.resolve("client-truststore.p12");
        selfSigned("registry", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost", serverKeystore, SERVER_STORE_PASSWORD);
        selfSigned("client", "CN=tradepulse-client", null, clientKeystore, CLIENT_STORE_PASSWORD);
        trust(serverKeystore, SERVER_STORE_PASSWORD, "registry", clientTruststore);
        trust(clientKeystore, CLIENT_STORE_PASSWORD, "client", serverTruststore);

        tlsRegistry = new WireMockServer(wireMockConfig().httpDisabled(true).dynamicHttpsPort()
                .keystorePath(serverKeystore.toString()).keystorePassword(SERVER_STORE_PASSWORD)
                .keyManagerPassword(SERVER_STORE_PASSWORD).keystoreType("PKCS12"));
        mutualTlsRegistry = new WireMockServer(wireMockConfig().httpDisabled(true).dynamicHttpsPort()
                .keystorePath(serverKeystore.toString()).keystorePassword(SERVER_STORE_PASSWORD)
                .keyManagerPassword(SERVER_STORE_PASSWORD).keystoreType("PKCS12")
                .needClientAuth(true).trustStorePath(serverTruststore.toString()).trustStorePassword(TRUST_PASSWORD)
                .trustStoreType("PKCS12"));
        tlsRegistry.start();
        mutualTlsRegistry.start();
    }

    @AfterAll
    static void stopRegistries() {
        if (tlsRegistry != null) {
            tlsRegistry.stop();
        }
        if (mutualTlsRegistry != null) {
            mutualTlsRegistry.stop();
        }
    }

    @BeforeEach
    void stubRegistration() {
        for (WireMockServer registry : List.of(tlsRegistry, mutualTlsRegistry)) {
            registry.resetAll();
            registry.stubFor(post("/subjects/prices-value/versions").willReturn(okJson("{\"id\":7}")));
        }
    }

    private static String httpsUrl(WireMockServer registry) {
        return "https://localhost:" + registry.httpsPort();
    }

    private static Map<String, Object> config(WireMockServer registry) {
        Map<String, Object> config = new HashMap<>();
        config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, httpsUrl(registry));
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        return config;
    }

    private static Map<String, Object> withTruststore(Map<String, Object> config) {
        config.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, clientTruststore.toString());
        config.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, TRUST_PASSWORD);
        config.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        return config;
    }

    private static Map<String, Object> withKeystore(Map<String, Object> config) {
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG, clientKeystore.toString());
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG, CLIENT_STORE_PASSWORD);
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        return config;
    }

    private static int register(Map<String, Object> config) {
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config)) {
            return client.register("prices-value", PRICE_V1);
        }
    }

    private static List<Throwable> causes(Throwable thrown) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = thrown; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    @Test
    void shouldTalkToAnHttpsRegistryWithAPrivateCaTruststore() {
        assertThat(register(withTruststore(config(tlsRegistry)))).isEqualTo(7);
        tlsRegistry.verify(1, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));

        // The same call with the JDK's default trust: the self-signed registry certificate is not trusted.
        assertThatThrownBy(() -> register(config(tlsRegistry)))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .satisfies(e -> assertThat(causes(e)).anyMatch(SSLHandshakeException.class::isInstance));
        tlsRegistry.verify(1, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    @Test
    void shouldPresentTheClientCertificateWhenTheRegistryRequiresMutualTls() {
        assertThat(register(withKeystore(withTruststore(config(mutualTlsRegistry))))).isEqualTo(7);
        mutualTlsRegistry.verify(1, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));

        // Trusting the registry is not enough: without a client certificate the registry ends the handshake.
        assertThatThrownBy(() -> register(withTruststore(config(mutualTlsRegistry))))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .satisfies(e -> assertThat(causes(e)).anyMatch(SSLException.class::isInstance));
        mutualTlsRegistry.verify(1, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    @Test
    void shouldReachAnHttpsRegistryWithTheSslKeysGivenToASerializer() {
        // The serdes hand their configuration to the client unchanged (as the processor's properties reach the serdes).
        Map<String, Object> serdeConfig = withKeystore(withTruststore(config(mutualTlsRegistry)));
        GenericRecord price = new GenericData.Record(PRICE_V1);
        price.put("symbol", "ACME");
        price.put("cents", 1234L);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(serdeConfig, false);
            byte[] bytes = serializer.serialize("prices", price);
            assertThat(bytes).startsWith(0, 0, 0, 0, 7);
        }
        assertThat(new AvroSerdeConfig(serdeConfig).clientConfig().keystoreLocation()).isEqualTo(clientKeystore.toString());
    }

    @Test
    void shouldFailAtStartUpNamingTheTruststoreKeyWhenTheFileIsMissing() {
        Path missing = dir.resolve("no-such-truststore.p12");
        Map<String, Object> config = withTruststore(config(tlsRegistry));
        config.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, missing.toString());
        assertThatThrownBy(() -> new CachedSchemaRegistryClient(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("not found")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TRUST_PASSWORD));
    }

    @Test
    void shouldFailAtStartUpNamingTheTruststoreKeyWhenThePasswordIsWrong() {
        String wrong = "not-the-trust-secret";
        Map<String, Object> config = withTruststore(config(tlsRegistry));
        config.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, wrong);
        assertThatThrownBy(() -> new CachedSchemaRegistryClient(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG)
                .hasMessageContaining(clientTruststore.toString())
                .hasMessageContaining("password is wrong")
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG)
                .satisfies(e -> assertThat(causes(e)).allSatisfy(t -> assertThat(String.valueOf(t.getMessage()))
                        .doesNotContain(wrong).doesNotContain(TRUST_PASSWORD)));
    }

    @Test
    void shouldFailAtStartUpNamingTheKeystoreKeyWhenThePasswordIsWrong() {
        String wrong = "not-the-client-secret";
        Map<String, Object> config = withKeystore(withTruststore(config(mutualTlsRegistry)));
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG, wrong);
        assertThatThrownBy(() -> new CachedSchemaRegistryClient(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG)
                .hasMessageContaining(clientKeystore.toString())
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain(CLIENT_STORE_PASSWORD));
    }

    @Test
    void shouldRequireTheKeystorePasswordWithAKeystore() {
        Map<String, Object> config = withKeystore(config(mutualTlsRegistry));
        config.remove(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG);
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG);
    }

    @Test
    void shouldRefuseToDisableHostnameVerification() {
        for (String value : List.of("", "none", "HTTP")) {
            Map<String, Object> config = withTruststore(config(tlsRegistry));
            config.put(SchemaRegistryClientConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, value);
            assertThatThrownBy(() -> new CachedSchemaRegistryClient(config))
                    .as("endpoint identification algorithm '%s'", value)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(SchemaRegistryClientConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG)
                    .hasMessageContaining("'https'")
                    .hasMessageContaining("always verifies");
        }
        Map<String, Object> explicit = withTruststore(config(tlsRegistry));
        explicit.put(SchemaRegistryClientConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "https");
        assertThat(register(explicit)).isEqualTo(7);
    }

    @Test
    void shouldHideTheSslPasswordsAndDefaultLikeKafka() {
        SchemaRegistryClientConfig config = new SchemaRegistryClientConfig(withKeystore(withTruststore(config(tlsRegistry))));
        assertThat(config.toString()).contains(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG + "=[hidden]")
                .contains(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG + "=[hidden]")
                .doesNotContain(TRUST_PASSWORD).doesNotContain(CLIENT_STORE_PASSWORD);
        SchemaRegistryClientConfig defaults = new SchemaRegistryClientConfig(config(tlsRegistry));
        assertThat(defaults.getString(SchemaRegistryClientConfig.SSL_PROTOCOL_CONFIG)).isEqualTo("TLSv1.3");
        assertThat(defaults.getString(SchemaRegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG)).isEqualTo("JKS");
        assertThat(defaults.getString(SchemaRegistryClientConfig.SSL_KEYSTORE_TYPE_CONFIG)).isEqualTo("JKS");
        assertThat(defaults.getString(SchemaRegistryClientConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG)).isEqualTo("https");
        assertThat(RegistrySsl.context(defaults)).as("no stores: the JVM's default SSL context").isNull();
    }

    // --- keytool ---

    private static void selfSigned(String alias, String dname, String san, Path keystore, String password) throws Exception {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "2", "-dname", dname, "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password));
        if (san != null) {
            args.addAll(List.of("-ext", san));
        }
        keytool(args);
    }

    private static void trust(Path keystore, String password, String alias, Path truststore) throws Exception {
        Path cert = dir.resolve(alias + ".crt");
        keytool(List.of("-exportcert", "-rfc", "-alias", alias, "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-file", cert.toString()));
        keytool(List.of("-importcert", "-noprompt", "-alias", alias, "-file", cert.toString(), "-keystore",
                truststore.toString(), "-storetype", "PKCS12", "-storepass", TRUST_PASSWORD));
    }

    private static void keytool(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + args.get(0) + " failed: " + output);
        }
        assertThat(Files.exists(args.contains("-exportcert") ? Path.of(args.get(args.indexOf("-file") + 1))
                : Path.of(args.get(args.indexOf("-keystore") + 1)))).isTrue();
    }
}
