package io.tradepulse.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.registry.serde.StringAvroSerde;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

/**
 * Registry clients share their HttpClient when their HTTP settings are the same, so creating and closing clients
 * (every Streams or Connect task does) does not leave a selector thread and a connection pool behind each time:
 * on Java 17 an HttpClient cannot be closed, its thread ends only when it is garbage collected.
 */
class SharedHttpClientsTest {

    @RegisterExtension
    static final WireMockExtension REGISTRY = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @BeforeEach
    void stub() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[\"prices-value\"]")));
    }

    private static Map<String, Object> config(Object... keyValues) {
        Map<String, Object> config = new HashMap<>();
        config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, REGISTRY.baseUrl());
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    /** The JDK names them HttpClient-<n>-SelectorManager: one per live HttpClient. */
    private static long selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().matches("HttpClient-\\d+-SelectorManager")).count();
    }

    @Test
    void shouldNotAccumulateSelectorThreadsWhenClientsComeAndGo() {
        long before = selectorThreads();
        for (int i = 0; i < 40; i++) {
            try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config())) {
                assertThat(client.getAllSubjects()).containsExactly("prices-value");
            }
        }
        // 40 clients created, used and closed: at most the one HttpClient they all shared is new.
        assertThat(selectorThreads() - before).isLessThanOrEqualTo(1);
    }

    @Test
    void shouldShareOneHttpClientBetweenClientsWithTheSameSettingsAndKeepItWhileOneIsOpen() {
        try (CachedSchemaRegistryClient a = new CachedSchemaRegistryClient(config());
                CachedSchemaRegistryClient b = new CachedSchemaRegistryClient(config(
                        SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0, SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG, 5000));
                CachedSchemaRegistryClient other = new CachedSchemaRegistryClient(config(
                        SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG, 1234))) {
            // Per-request settings (retries, read timeout, URLs, credentials) do not matter; the connect timeout does.
            assertThat(b.transport().httpClient()).isSameAs(a.transport().httpClient());
            assertThat(other.transport().httpClient()).isNotSameAs(a.transport().httpClient());
            a.close();
            assertThat(b.getAllSubjects()).containsExactly("prices-value");
            try (CachedSchemaRegistryClient c = new CachedSchemaRegistryClient(config())) {
                assertThat(c.transport().httpClient()).isSameAs(b.transport().httpClient());
                assertThat(c.getAllSubjects()).containsExactly("prices-value");
            }
        }
    }

    /**
     * A string serde refuses, at configure, a subject name strategy under which a string has no subject. It refused it
     * after its serializer and deserializer had each built a registry client, and left both open (their HttpClient
     * counted as in use for good).
     */
    @Test
    void shouldReleaseTheClientsAStringSerdeBuiltWhenItRefusesItsSubjectNameStrategy() {
        Map<String, Object> refused = config(SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG, 4321, // its own
                "key.subject.name.strategy", "io.tradepulse.registry.strategy.RecordNameStrategy");
        SharedHttpClients.Key key = SharedHttpClients.key(new SchemaRegistryClientConfig(refused));

        assertThatThrownBy(() -> new StringAvroSerde().configure(refused, true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("key.subject.name.strategy");
        assertThat(SharedHttpClients.users(key)).isZero();
    }

    @Test
    void shouldKeyOnTheHttpSettingsWithoutShowingSecrets() {
        SharedHttpClients.Key plain = SharedHttpClients.key(new SchemaRegistryClientConfig(config()));
        assertThat(SharedHttpClients.key(new SchemaRegistryClientConfig(config(
                SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO",
                SchemaRegistryClientConfig.USER_INFO_CONFIG, "alice:s3cret")))).isEqualTo(plain);
        assertThat(SharedHttpClients.key(new SchemaRegistryClientConfig(config(
                SchemaRegistryClientConfig.PROXY_HOST_CONFIG, "proxy.internal", SchemaRegistryClientConfig.PROXY_PORT_CONFIG, 3128))))
                .isNotEqualTo(plain);
        assertThat(SharedHttpClients.key(new SchemaRegistryClientConfig(config(
                SchemaRegistryClientConfig.SSL_ENABLED_PROTOCOLS_CONFIG, "TLSv1.3")))).isNotEqualTo(plain);
        assertThat(plain.toString()).doesNotContain("s3cret");
    }

    @Test
    void shouldKeepOnlyAFewIdleHttpClients() {
        for (int timeout = 1001; timeout <= 1010; timeout++) {
            try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(
                    SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG, timeout))) {
                assertThat(client.getAllSubjects()).isNotEmpty();
            }
        }
        assertThat(SharedHttpClients.idle()).isLessThanOrEqualTo(SharedHttpClients.MAX_IDLE);
    }
}
