package io.tradepulse.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.tradepulse.registry.serde.AvroSerdeConfig;

class SchemaRegistryClientConfigTest {

    private static Map<String, Object> withUrl(String url) {
        Map<String, Object> config = new HashMap<>();
        config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, url);
        return config;
    }

    @Test
    void shouldApplyConfluentDefaults() {
        SchemaRegistryClientConfig config = new SchemaRegistryClientConfig(withUrl("http://a:8081, http://b:8081/apis/ccompat/v7"));
        assertThat(config.urls()).containsExactly("http://a:8081", "http://b:8081/apis/ccompat/v7");
        assertThat(config.getString(SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG)).isEqualTo("URL");
        assertThat(config.getString(SchemaRegistryClientConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG)).isEqualTo("STATIC_TOKEN");
        assertThat(config.getInt(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG)).isEqualTo(3);
        assertThat(config.getInt(SchemaRegistryClientConfig.RETRIES_WAIT_MS_CONFIG)).isEqualTo(1000);
        assertThat(config.getInt(SchemaRegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG)).isEqualTo(2000);
        assertThat(config.getInt(SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG)).isEqualTo(60_000);
        assertThat(config.getInt(SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG)).isEqualTo(60_000);
        assertThat(config.getInt(SchemaRegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT_CONFIG)).isEqualTo(1000);
        assertThat(config.bearerToken()).isNull();
        assertThat(config.basicUserInfo()).isNull();
    }

    @Test
    void shouldRequireUrlNamingTheKey() {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    }

    @Test
    void shouldRejectNonHttpUrlNamingKeyAndExpectedForm() {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(withUrl("localhost:8081")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url").hasMessageContaining("http(s)://host");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:80811", "https://registry:0/apis/ccompat/v7", "http://a:8081,http://b:65536"})
    void shouldRejectAPortOutOfRangeAtConfigureNamingTheKey(String urls) {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(withUrl(urls)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url").hasMessageContaining("1-65535");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://schema_registry:8081", "https://user:p_w@my_registry/apis/ccompat/v7"})
    void shouldSayWhyAHostNameWithAnUnderscoreIsRefused(String url) {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(withUrl(url)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url").hasMessageContaining("underscore")
                .hasMessageNotContaining("p_w");
    }

    /**
     * Every request path is appended to the base URL, so a query or fragment in it would end up in the middle of each
     * request (http://reg:8081/?x=1/subjects/...), answered with confusing 404s; refused at configure time instead.
     */
    @ParameterizedTest
    @ValueSource(strings = {"http://reg:8081/?x=1", "http://reg:8081/#a", "http://reg:8081?x=1",
            "https://reg:8081/apis/ccompat/v7?", "http://reg:8081/apis/ccompat/v7#", "http://a:8081,http://reg:8081/?x=1"})
    void shouldRefuseAUrlWithAQueryOrFragmentNamingTheKeyAndTheValue(String urls) {
        String offending = urls.substring(urls.lastIndexOf(',') + 1);
        for (Map<String, Object> config : List.of(withUrl(urls), Map.<String, Object>of("schema.registry.url", urls))) {
            assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("schema.registry.url").hasMessageContaining(offending)
                    .hasMessageContaining("query or fragment");
            assertThatThrownBy(() -> new AvroSerdeConfig(config))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("schema.registry.url").hasMessageContaining(offending);
        }
    }

    @Test
    void shouldRefuseAQueryWithoutEchoingTheUrlsCredentials() {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(withUrl("http://alice:s3cret@reg:8081/?x=1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http://reg:8081/?x=1").hasMessageNotContaining("s3cret").hasMessageNotContaining("alice");
    }

    @Test
    void shouldAcceptAnUnderscoreInTheCredentialsOrPathOnly() {
        assertThatCode(() -> new SchemaRegistryClientConfig(withUrl("https://user_1:p_w@registry-1:8081/my_path")))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRejectUnknownCredentialsSourceNamingAllowedValues() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "SASL_INHERIT");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("basic.auth.credentials.source").hasMessageContaining("URL").hasMessageContaining("USER_INFO");
    }

    @Test
    void shouldRejectUnsupportedBearerSourceNamingAllowedValues() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, "OAUTHBEARER");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bearer.auth.credentials.source").hasMessageContaining("STATIC_TOKEN");
    }

    /**
     * A token pasted with a line break inside (a wrapped JWT) passed configure; then every request failed in the HTTP
     * client with an IllegalArgumentException (not a SerializationException) whose message quoted the whole
     * Authorization header, token included. Refused at configure time now, without echoing the token.
     */
    @ParameterizedTest
    @ValueSource(strings = {"eyJhbGciOi\neyJzdWIiOi", "eyJhbGciOi\r\neyJzdWIiOi", "eyJhbGciOi\u0007eyJzdWIiOi"})
    void shouldRefuseABearerTokenThatAnHttpHeaderCannotCarryWithoutEchoingIt(String token) {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_TOKEN_CONFIG, token);
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bearer.auth.token")
                .hasMessageNotContaining("eyJhbGciOi").hasMessageNotContaining("eyJzdWIiOi");
    }

    @Test
    void shouldRefuseAConfluentCloudHeaderValueThatAnHttpHeaderCannotCarryNamingTheKey() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_TOKEN_CONFIG, "tok");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_LOGICAL_CLUSTER_CONFIG, "lsrc-\n123");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bearer.auth.logical.cluster");
    }

    @Test
    void shouldRequireTheTokenWhenTheBearerSourceIsSetExplicitly() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, "STATIC_TOKEN");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bearer.auth.token").hasMessageContaining("bearer.auth.credentials.source=STATIC_TOKEN");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_TOKEN_CONFIG, "");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config)).isInstanceOf(ConfigException.class);
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_TOKEN_CONFIG, "tok");
        assertThat(new SchemaRegistryClientConfig(config).bearerToken()).isEqualTo("tok");
        // Unset, the source's default (STATIC_TOKEN too) asks for nothing.
        assertThat(new SchemaRegistryClientConfig(withUrl("http://a:8081")).bearerToken()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "schema.registry.ssl.provider | SunJSSE | SunJSSE",
            "schema.registry.ssl.keymanager.algorithm | PKIX | PKIX",
            "schema.registry.ssl.trustmanager.algorithm | SunX509 | SunX509",
            "schema.registry.ssl.secure.random.implementation | SHA1PRNG | SHA1PRNG",
            "schema.registry.ssl.engine.factory.class | com.example.Engines | com.example.Engines",
            "schema.registry.ssl.keystore.key | -----BEGIN PRIVATE KEY-----secret | [hidden]",
            "schema.registry.ssl.keystore.certificate.chain | -----BEGIN CERTIFICATE-----chain | [hidden]",
            "schema.registry.ssl.truststore.certificates | -----BEGIN CERTIFICATE-----ca | [hidden]"})
    void shouldRefuseUnsupportedClientKeysAtOtherValuesThanTheDefault(String key, String value, String shown) {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(key, value);
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key).hasMessageContaining(shown).hasMessageContaining("not supported")
                .hasMessageContaining("accepted: unset")
                .satisfies(e -> {
                    if (!shown.equals(value)) {
                        assertThat(e.getMessage()).doesNotContain(value).doesNotContain("secret");
                    }
                });
    }

    @Test
    void shouldAcceptUnsupportedClientKeysAtTheirDefaults() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put("schema.registry.ssl.keymanager.algorithm", javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm().toLowerCase());
        config.put("schema.registry.ssl.trustmanager.algorithm", " " + javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        config.put("schema.registry.ssl.provider", "");
        config.put("schema.registry.ssl.keystore.key", null);
        config.put("schema.registry.ssl.enabled.protocols", "TLSv1.2, TLSv1.3");
        config.put("bearer.auth.client.id", "inert-without-an-oauth-source");
        assertThat(new SchemaRegistryClientConfig(config).sslEnabledProtocols()).containsExactly("TLSv1.2", "TLSv1.3");
    }

    @Test
    void shouldRefuseCustomRequestHeadersWithoutEchoingThem() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put("request.header.Authorization", "Bearer s3cr3t");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("request.header.Authorization").hasMessageContaining("bearer.auth.token")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
    }

    @Test
    void shouldRejectNegativeRetriesNamingKey() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, -1);
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max.retries").hasMessageContaining("at least 0");
    }

    @Test
    void shouldRequireUserInfoWhenSourceIsUserInfo() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class).hasMessageContaining("basic.auth.user.info");
        config.put(SchemaRegistryClientConfig.USER_INFO_CONFIG, "no-colon-secret");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class).hasMessageContaining("user:password")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("no-colon-secret"));
    }

    @Test
    void shouldAcceptConfluentOlderUserInfoKeyAsFallback() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO");
        config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_USER_INFO_CONFIG, "u:p");
        assertThat(new SchemaRegistryClientConfig(config).basicUserInfo()).isEqualTo("u:p");
        config.put(SchemaRegistryClientConfig.USER_INFO_CONFIG, "v:q");
        assertThat(new SchemaRegistryClientConfig(config).basicUserInfo()).isEqualTo("v:q");
    }

    @Test
    void shouldRejectBasicAndBearerTogether() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO");
        config.put(SchemaRegistryClientConfig.USER_INFO_CONFIG, "u:p");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_TOKEN_CONFIG, "t");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bearer.auth.token").hasMessageContaining("basic");
    }

    @Test
    void shouldRequireProxyPortWithProxyHost() {
        Map<String, Object> config = withUrl("http://a:8081");
        config.put(SchemaRegistryClientConfig.PROXY_HOST_CONFIG, "proxy.internal");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .isInstanceOf(ConfigException.class).hasMessageContaining("proxy.port");
    }

    /**
     * Passwords with an unencoded reserved character: URI parsing either fails or reads part of the password as
     * host, port, path, query or fragment, so the URL must be refused, and neither the password nor any piece of it
     * may appear in the message (the secret fragment is the second column).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://alice:p@ssw0rd@registry:8081 | ssw0rd",
            "http://alice:se#cret@registry:8081 | cret",
            "http://alice:se/cret@registry:8081 | cret",
            "http://alice:se?cret@registry:8081 | cret",
            "http://alice:12/34@registry:8081 | 34",
            "https://alice:pa ss@registry:8081/apis/ccompat/v7 | pa ss",
            "http://alice:s3cr%t@registry:8081 | s3cr",
            "http://registry:8081, http://alice:p@ssw0rd@standby:8081 | ssw0rd"})
    void shouldRefuseUrlWithUnencodedPasswordCharactersWithoutEchoingThePassword(String urls, String secret) {
        for (Map<String, Object> config : List.of(withUrl(urls), Map.<String, Object>of("schema.registry.url", urls))) {
            assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(e.getMessage())
                            .contains("schema.registry.url", "percent-encoded")
                            .doesNotContain(secret).doesNotContain("alice"));
            assertThatThrownBy(() -> new AvroSerdeConfig(config))
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret).doesNotContain("alice"));
        }
    }

    @Test
    void shouldAcceptPercentEncodedPasswordInUrl() {
        SchemaRegistryClientConfig config = new SchemaRegistryClientConfig(withUrl("http://alice:p%40ss%2Fw%23rd@registry:8081"));
        assertThat(config.urls()).containsExactly("http://alice:p%40ss%2Fw%23rd@registry:8081");
        assertThat(config.toString()).contains("registry:8081").doesNotContain("alice", "p%40ss");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://alice:p@ssw0rd@registry:8081 | http://registry:8081",
            "http://alice:se#cret@registry:8081/apis/ccompat/v7 | http://registry:8081/apis/ccompat/v7",
            "http://alice:se/cret@registry:8081 | http://registry:8081",
            "http://alice:se?cret@registry:8081 | http://registry:8081",
            "http://alice:12/34@registry:8081 | http://registry:8081",
            "https://alice:pa ss@registry | https://registry",
            "alice:secret@registry:8081 | registry:8081",
            "http://registry:8081/apis | http://registry:8081/apis"})
    void shouldRedactEverythingUpToTheLastAtWhetherOrNotTheUrlParses(String url, String redacted) {
        assertThat(Redaction.url(url)).isEqualTo(redacted);
    }

    @Test
    void shouldRedactUrlCredentials() {
        assertThat(Redaction.url("http://u:p@h:8081/apis/ccompat/v7")).isEqualTo("http://h:8081/apis/ccompat/v7");
        assertThat(Redaction.url("https://h:8081")).isEqualTo("https://h:8081");
        assertThat(Redaction.urls(List.of("http://x:y@a", "http://b"))).containsExactly("http://a", "http://b");
    }

    @Test
    void shouldParseCompatibilityLevelsCaseInsensitively() {
        assertThat(CompatibilityLevel.parse("backward_transitive")).isEqualTo(CompatibilityLevel.BACKWARD_TRANSITIVE);
        assertThat(CompatibilityLevel.FULL.checksBackward()).isTrue();
        assertThat(CompatibilityLevel.FULL.checksForward()).isTrue();
        assertThat(CompatibilityLevel.FORWARD.checksBackward()).isFalse();
        assertThat(CompatibilityLevel.FULL_TRANSITIVE.transitive()).isTrue();
        assertThatThrownBy(() -> CompatibilityLevel.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
