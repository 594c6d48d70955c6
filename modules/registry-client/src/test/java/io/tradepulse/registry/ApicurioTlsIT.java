package io.tradepulse.registry;

import static io.tradepulse.registry.ApicurioRegistry.unique;
import static io.tradepulse.registry.TestSchemas.PRICE_V1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tradepulse.avro.TradeRecord;
import io.tradepulse.embedded.EmbeddedRegistry;
import io.tradepulse.embedded.SelfSignedTls;
import io.tradepulse.registry.serde.SerdeFixtures;
import io.tradepulse.registry.serde.SpecificAvroSerde;

/**
 * Our client and serdes against the real Apicurio Registry 2.6.13 serving HTTPS only
 * ({@link EmbeddedRegistry#startHttps}: a self-signed certificate made by keytool, SANs 127.0.0.1 and localhost,
 * no plain HTTP port), configured only with Confluent's {@code schema.registry.ssl.*} keys. One registry for the
 * class (a start costs ~4 s).
 *
 * <p>Apicurio 2.6.13 cannot require client certificates: its Quarkus fixes {@code quarkus.http.ssl.client-auth}
 * at build time to NONE and only warns when it is set at start. The mutual-TLS tests therefore go through
 * {@link MutualTlsFront}, a TLS-terminating front with {@code needClientAuth} relaying to the HTTPS registry, as
 * an ingress would in production: the client-certificate check is the front's, the schemas are Apicurio's.
 */
class ApicurioTlsIT {

    @TempDir
    static Path dir;

    private static SelfSignedTls registryTls;
    private static SelfSignedTls clientTls;
    private static EmbeddedRegistry registry;
    private static MutualTlsFront front;

    @BeforeAll
    static void startHttpsRegistryAndMutualTlsFront() throws Exception {
        registryTls = SelfSignedTls.generate(dir.resolve("registry"));
        clientTls = SelfSignedTls.generateClient(dir.resolve("client"), "tradepulse");
        registry = EmbeddedRegistry.startHttps(registryTls);
        front = MutualTlsFront.start(registryTls, clientTls, registry.url());
    }

    @AfterAll
    static void stop() {
        if (front != null) {
            front.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** The registry's URL and trust store, as {@link EmbeddedRegistry#clientConfig()} gives them; no retries. */
    private static Map<String, Object> httpsConfig() {
        Map<String, Object> config = new HashMap<>(registry.clientConfig());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        return config;
    }

    /** Through the front, trusting the registry's certificate, without a client certificate. */
    private static Map<String, Object> frontConfig() {
        Map<String, Object> config = httpsConfig();
        config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, front.url());
        return config;
    }

    private static Map<String, Object> withClientCertificate(Map<String, Object> config) {
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG, clientTls.keystore().toString());
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG, clientTls.password());
        config.put(SchemaRegistryClientConfig.SSL_KEY_PASSWORD_CONFIG, clientTls.password());
        config.put(SchemaRegistryClientConfig.SSL_KEYSTORE_TYPE_CONFIG, SelfSignedTls.STORE_TYPE);
        return config;
    }

    private static Stream<Throwable> causes(Throwable thrown) {
        return Stream.iterate(thrown, Objects::nonNull, Throwable::getCause);
    }

    /** Registers with one client and reads everything back with another (empty caches: answers are the registry's). */
    private static void assertRegistersAndLooksUp(Map<String, Object> config) {
        String subject = unique("prices") + "-value";
        int id;
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config)) {
            id = client.register(subject, PRICE_V1);
        }
        try (CachedSchemaRegistryClient fresh = new CachedSchemaRegistryClient(config)) {
            assertThat(fresh.getId(subject, PRICE_V1)).isEqualTo(id);
            assertThat(fresh.getById(id)).isEqualTo(PRICE_V1);
            assertThat(fresh.getLatestSchemaMetadata(subject)).isEqualTo(new SchemaMetadata(id, 1, subject, PRICE_V1));
        }
    }

    /** A TradeRecord through a producer's serde and back through a separate consumer's (which fetches the schema by id). */
    private static void assertRoundTripsATradeRecord(Map<String, Object> config) {
        String topic = unique("trade.records");
        TradeRecord value = SerdeFixtures.tradeRecord();
        try (SpecificAvroSerde<TradeRecord> producer = new SpecificAvroSerde<>();
                SpecificAvroSerde<TradeRecord> consumer = new SpecificAvroSerde<>()) {
            producer.configure(config, false);
            consumer.configure(config, false);
            byte[] bytes = producer.serializer().serialize(topic, value);
            assertThat(consumer.deserializer().deserialize(topic, bytes)).isEqualTo(value);
        }
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config)) {
            assertThat(client.getLatestSchemaMetadata(topic + "-value").schema()).isEqualTo(TradeRecord.getClassSchema());
        }
    }

    @Test
    void shouldRegisterAndLookUpASchemaOverHttpsWithATrustStore() {
        assertThat(registry.url()).startsWith("https://127.0.0.1:");
        assertThat(registry.clientConfig()).containsKeys(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG,
                SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG, SchemaRegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG);

        assertRegistersAndLooksUp(httpsConfig());
    }

    @Test
    void shouldRoundTripATradeRecordThroughTheSerdesOverHttps() {
        assertRoundTripsATradeRecord(httpsConfig());
    }

    @Test
    void shouldRefuseTheRegistryWithoutATrustStoreForItsCertificate() {
        // The JDK's default trust (cacerts) does not know the self-signed certificate: proof the registry really
        // speaks TLS with it, and that the trust store above is what made the other tests work.
        Map<String, Object> config = httpsConfig();
        config.keySet().removeIf(key -> key.startsWith("schema.registry.ssl."));

        assertThatThrownBy(() -> assertRegistersAndLooksUp(config))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining(registry.url())
                .satisfies(e -> assertThat(causes(e)).anyMatch(SSLHandshakeException.class::isInstance));
    }

    @Test
    void shouldKeepTheKeystorePasswordOffTheCommandLineAndOutOfTheLogs() throws Exception {
        // Any local user can read a process's command line; the password reaches Apicurio through its environment.
        assertThat(ProcessHandle.of(registry.pid()).flatMap(p -> p.info().commandLine())).get().asString()
                .contains("quarkus.http.ssl.certificate.key-store-file").doesNotContain(registryTls.password());
        assertThat(Files.readString(registry.logFile())).contains("Listening on: https://")
                .doesNotContain(registryTls.password());
        assertThat(registry.toString()).doesNotContain(registryTls.password());
    }

    @Test
    void shouldPresentTheClientCertificateWhereTheServerRequiresOne() {
        int relayed = front.relayedConnections();

        assertRegistersAndLooksUp(withClientCertificate(frontConfig()));
        assertRoundTripsATradeRecord(withClientCertificate(frontConfig()));

        assertThat(front.relayedConnections()).as("connections that passed the front's certificate check")
                .isGreaterThan(relayed);
    }

    @Test
    void shouldFailClearlyWithoutAClientCertificateWhereTheServerRequiresOne() {
        int refused = front.refusedHandshakes();

        // Trusting the server is not enough: it ends the handshake, and the client says where and why.
        assertThatThrownBy(() -> assertRegistersAndLooksUp(frontConfig()))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("Schema registry unavailable at [" + front.url() + "]")
                .hasMessageContaining("SSLHandshakeException")
                .satisfies(e -> assertThat(causes(e)).anyMatch(SSLException.class::isInstance));

        assertThat(front.refusedHandshakes()).as("handshakes the front refused").isGreaterThan(refused);
    }
}
