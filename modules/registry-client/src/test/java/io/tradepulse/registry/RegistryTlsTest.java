package io.tradepulse.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tradepulse.registry.TestSchemas.PRICE_V1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

import io.tradepulse.embedded.SelfSignedTls;
import io.tradepulse.registry.serde.AvroSerdeConfig;
import io.tradepulse.registry.serde.KafkaAvroSerializer;

/**
 * The {@code schema.registry.ssl.*} keys against WireMock over HTTPS, with self-signed certificates made at test time
 * by the embedded broker's {@link SelfSignedTls} (keytool): one for the registry and one for the client.
 */
class RegistryTlsTest {

    /** Of the registry's key store, and of the client's trust store holding the registry's certificate. */
    private static String serverStorePassword;
    /** Of the client's key store, and of the registry's trust store holding the client's certificate. */
    private static String clientStorePassword;

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
        // Two self-signed pairs (SANs 127.0.0.1 and localhost), each with a trust store holding its certificate.
        SelfSignedTls registryTls = SelfSignedTls.generate(dir.resolve("registry"));
        SelfSignedTls clientTls = SelfSignedTls.generate(dir.resolve("client"));
        serverKeystore = registryTls.keystore();
        clientTruststore = registryTls.truststore();
        serverStorePassword = registryTls.password();
        clientKeystore = clientTls.keystore();
        serverTruststore = clientTls.truststore();
        clientStorePassword = clientTls.password();

        tlsRegistry = new WireMockServer(wireMockConfig().httpDisabled(true).dynamicHttpsPort()
                .keystorePath(serverKeystore.toString()).keystorePassword(serverStorePassword)
                .keyManagerPassword(serverStorePassword).keystoreType("PKCS12"));
        mutualTlsRegistry = new WireMockServer(wireMockConfig().httpDisabled(true).dynamicHttpsPort()
                .keystorePath(serverKeystore.toString()).keystorePassword(serverStorePassword)
                .keyManagerPassword(serverStorePassword).keystoreType("PKCS12")
                .needClientAuth(true).trustStorePath(serverTruststore.toString()).trustStorePassword(clientStorePassword)
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
        config.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, serverStorePassword);
        config.put(SchemaRegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        return config;
    }

    private static Map<String, Object> withKeystore(Map<String, Object> config) {
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG, clientKeystore.toString());
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG, clientStorePassword);
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

        // Trusting the registry is not enough: without a client certificate the registry ends the handshake. Under
        // TLS 1.3 the client's side of the handshake is complete before the server has checked the (missing)
        // certificate, so the refusal reaches the client as an SSLException (the server's alert) or, when the client
        // was already writing its request, as the connection the server closed (broken pipe, no response bytes): both
        // seen in CI. What must hold either way: the call fails and the registry never served it.
        assertThatThrownBy(() -> register(withTruststore(config(mutualTlsRegistry))))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .satisfies(e -> assertThat(causes(e)).anyMatch(t -> t instanceof SSLException
                        || t instanceof java.io.IOException && t.getMessage() != null
                        && (t.getMessage().contains("Broken pipe") || t.getMessage().contains("Connection reset")
                        || t.getMessage().contains("received no bytes"))));
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
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(serverStorePassword));
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
                        .doesNotContain(wrong).doesNotContain(serverStorePassword)));
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
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain(clientStorePassword));
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
    void shouldNegotiateOnlyTheEnabledProtocolsAndCipherSuites() {
        // TLS 1.2 with a TLS 1.2 suite for the registry's EC certificate: works.
        Map<String, Object> tls12 = withTruststore(config(tlsRegistry));
        tls12.put(SchemaRegistryClientConfig.SSL_ENABLED_PROTOCOLS_CONFIG, "TLSv1.2");
        tls12.put(SchemaRegistryClientConfig.SSL_CIPHER_SUITES_CONFIG, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThat(register(tls12)).isEqualTo(7);

        // TLS 1.2 with only a TLS 1.3 suite: no hello can be made, so the keys are applied, not ignored.
        Map<String, Object> mismatch = withTruststore(config(tlsRegistry));
        mismatch.put(SchemaRegistryClientConfig.SSL_ENABLED_PROTOCOLS_CONFIG, List.of("TLSv1.2"));
        mismatch.put(SchemaRegistryClientConfig.SSL_CIPHER_SUITES_CONFIG, List.of("TLS_AES_128_GCM_SHA256"));
        assertThatThrownBy(() -> register(mismatch))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .satisfies(e -> assertThat(causes(e)).anyMatch(SSLException.class::isInstance));

        // Also without any store (the JVM's default context): the default trust refuses the self-signed registry, but
        // only after the protocol check, which fails first here.
        Map<String, Object> noStores = config(tlsRegistry);
        noStores.put(SchemaRegistryClientConfig.SSL_ENABLED_PROTOCOLS_CONFIG, "TLSv1.2");
        noStores.put(SchemaRegistryClientConfig.SSL_CIPHER_SUITES_CONFIG, "TLS_AES_128_GCM_SHA256");
        assertThatThrownBy(() -> register(noStores))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .satisfies(e -> assertThat(causes(e)).anyMatch(t -> String.valueOf(t.getMessage()).contains("No appropriate protocol")));
        tlsRegistry.verify(1, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    @Test
    void shouldRefuseAProtocolOrCipherSuiteTheJvmDoesNotKnowNamingTheKey() {
        Map<String, Object> protocol = config(tlsRegistry);
        protocol.put(SchemaRegistryClientConfig.SSL_ENABLED_PROTOCOLS_CONFIG, "TLSv1.3,TLSv9");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(protocol))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_ENABLED_PROTOCOLS_CONFIG).hasMessageContaining("'TLSv9'")
                .hasMessageContaining("TLSv1.2");
        Map<String, Object> suite = config(tlsRegistry);
        suite.put(SchemaRegistryClientConfig.SSL_CIPHER_SUITES_CONFIG, "TLS_NO_SUCH_SUITE");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(suite))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_CIPHER_SUITES_CONFIG).hasMessageContaining("'TLS_NO_SUCH_SUITE'");
    }

    @Test
    void shouldHideTheSslPasswordsAndDefaultLikeKafka() {
        SchemaRegistryClientConfig config = new SchemaRegistryClientConfig(withKeystore(withTruststore(config(tlsRegistry))));
        assertThat(config.toString()).contains(SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG + "=[hidden]")
                .contains(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG + "=[hidden]")
                .doesNotContain(serverStorePassword).doesNotContain(clientStorePassword);
        SchemaRegistryClientConfig defaults = new SchemaRegistryClientConfig(config(tlsRegistry));
        assertThat(defaults.getString(SchemaRegistryClientConfig.SSL_PROTOCOL_CONFIG)).isEqualTo("TLSv1.3");
        assertThat(defaults.getString(SchemaRegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG)).isEqualTo("JKS");
        assertThat(defaults.getString(SchemaRegistryClientConfig.SSL_KEYSTORE_TYPE_CONFIG)).isEqualTo("JKS");
        assertThat(defaults.getString(SchemaRegistryClientConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG)).isEqualTo("https");
        assertThat(RegistrySsl.context(defaults)).as("no stores: the JVM's default SSL context").isNull();
    }
}
