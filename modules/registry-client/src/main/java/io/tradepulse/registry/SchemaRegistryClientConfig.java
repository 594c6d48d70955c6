package io.tradepulse.registry;

import java.net.URI;
import java.net.http.HttpRequest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Configuration of {@link CachedSchemaRegistryClient}. Key names are Confluent's, so a producer or
 * Streams configuration written for Confluent's serializers works unchanged. Confluent keys this client
 * does not implement are accepted unset or at a value that changes nothing, and refused otherwise
 * ({@link #UNSUPPORTED}); OAuth keys are inert as in Confluent unless an OAuth credentials source is
 * chosen, which is refused. The TLS keys carry the
 * {@code schema.registry.} prefix, as Confluent's client reads them, so they never clash with the Kafka
 * clients' own {@code ssl.*} keys in a shared configuration.
 */
public final class SchemaRegistryClientConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String SCHEMA_REGISTRY_URL_DOC = "Comma-separated list of schema registry base URLs, e.g. "
            + "http://localhost:8081 for Confluent/Karapace/Redpanda or http://localhost:8080/apis/ccompat/v7 for Apicurio. "
            + "Requests go to one URL and fail over to the next on an I/O error, a 2xx answer that is not JSON (a proxy's page) "
            + "or HTTP 408, 429, 500, 502, 503 or 504. A URL may carry "
            + "credentials (http://user:password@host:8081), used when basic.auth.credentials.source=URL; characters such as "
            + "@ : / ? # % in them must be percent-encoded (p%40ss for p@ss), otherwise the URL is refused at start-up. A URL with a query or "
            + "fragment (? or # after the path) is refused too: request paths are appended to it.";

    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_URL = "URL";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_USER_INFO = "USER_INFO";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT = BASIC_AUTH_CREDENTIALS_SOURCE_URL;
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_DOC = "Where HTTP basic auth credentials come from: URL "
            + "(the user-info of each schema.registry.url; no auth when a URL has none) or USER_INFO (basic.auth.user.info).";

    public static final String USER_INFO_CONFIG = "basic.auth.user.info";
    public static final String USER_INFO_DOC = "Basic auth credentials as user:password, used when "
            + "basic.auth.credentials.source=USER_INFO.";

    /** Confluent's older spelling of {@link #USER_INFO_CONFIG}; used only when that key is not set. */
    public static final String SCHEMA_REGISTRY_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info";
    public static final String SCHEMA_REGISTRY_USER_INFO_DOC = "Alias of basic.auth.user.info (Confluent's older name); "
            + "used only when basic.auth.user.info is not set.";

    public static final String BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG = "bearer.auth.credentials.source";
    public static final String BEARER_AUTH_CREDENTIALS_SOURCE_STATIC_TOKEN = "STATIC_TOKEN";
    public static final String BEARER_AUTH_CREDENTIALS_SOURCE_DEFAULT = BEARER_AUTH_CREDENTIALS_SOURCE_STATIC_TOKEN;
    public static final String BEARER_AUTH_CREDENTIALS_SOURCE_DOC = "Where the bearer token comes from. Only STATIC_TOKEN "
            + "(bearer.auth.token) is supported; set explicitly, it requires bearer.auth.token (as in Confluent), so a "
            + "missing token fails at start-up instead of sending no credentials.";

    public static final String BEARER_AUTH_TOKEN_CONFIG = "bearer.auth.token";
    public static final String BEARER_AUTH_TOKEN_DOC = "Bearer token sent as 'Authorization: Bearer <token>'. "
            + "Setting it enables bearer auth; it cannot be combined with basic auth credentials. A token with a line break or "
            + "another control character is refused at start-up, without showing it.";

    public static final String BEARER_AUTH_LOGICAL_CLUSTER_CONFIG = "bearer.auth.logical.cluster";
    public static final String BEARER_AUTH_LOGICAL_CLUSTER_DOC = "Confluent Cloud schema registry logical cluster id, "
            + "sent as the target-sr-cluster header with bearer auth.";

    public static final String BEARER_AUTH_IDENTITY_POOL_ID_CONFIG = "bearer.auth.identity.pool.id";
    public static final String BEARER_AUTH_IDENTITY_POOL_ID_DOC = "Confluent Cloud identity pool id, sent as the "
            + "Confluent-Identity-Pool-Id header with bearer auth.";

    public static final String HTTP_CONNECT_TIMEOUT_MS_CONFIG = "http.connect.timeout.ms";
    public static final int HTTP_CONNECT_TIMEOUT_MS_DEFAULT = 60_000;
    public static final String HTTP_CONNECT_TIMEOUT_MS_DOC = "Timeout in milliseconds for establishing a connection to a registry URL.";

    public static final String HTTP_READ_TIMEOUT_MS_CONFIG = "http.read.timeout.ms";
    public static final int HTTP_READ_TIMEOUT_MS_DEFAULT = 60_000;
    public static final String HTTP_READ_TIMEOUT_MS_DOC = "Timeout in milliseconds for one attempt, from sending it until the "
            + "whole response has arrived. A timed-out attempt counts as an I/O error (retried, then the next URL). It also sets "
            + "the deadline of a whole call: one such timeout per URL plus max.retries times retries.max.wait.ms; no attempt or "
            + "wait starts after it, and the attempt in flight is cut at it.";

    public static final String MAX_RETRIES_CONFIG = "max.retries";
    public static final int MAX_RETRIES_DEFAULT = 3;
    public static final String MAX_RETRIES_DOC = "How many times a request is retried after every URL failed with an I/O "
            + "error, a 2xx answer that is not JSON or HTTP 408, 429, 500, 502, 503 or 504 (the statuses Confluent's client retries), within the call's "
            + "deadline (see http.read.timeout.ms). Other answers, 501 or 507 included, are thrown at once. 0 disables retries "
            + "(each URL is still tried once).";

    public static final String RETRIES_WAIT_MS_CONFIG = "retries.wait.ms";
    public static final int RETRIES_WAIT_MS_DEFAULT = 1000;
    public static final String RETRIES_WAIT_MS_DOC = "Wait in milliseconds before the first retry; doubles with each further "
            + "retry (with +/-20% jitter), capped by retries.max.wait.ms. A Retry-After header (e.g. of a 429 or 503) is "
            + "honoured up to that cap; no wait runs past the call's deadline.";

    public static final String RETRIES_MAX_WAIT_MS_CONFIG = "retries.max.wait.ms";
    public static final int RETRIES_MAX_WAIT_MS_DEFAULT = 2000;
    public static final String RETRIES_MAX_WAIT_MS_DOC = "Upper bound in milliseconds of any wait between retries.";

    public static final String MAX_SCHEMAS_PER_SUBJECT_CONFIG = "max.schemas.per.subject";
    public static final int MAX_SCHEMAS_PER_SUBJECT_DEFAULT = 1000;
    public static final String MAX_SCHEMAS_PER_SUBJECT_DOC = "Maximum number of schemas cached per subject for the "
            + "(subject, schema) -> id/version lookups; the least recently used entry is evicted beyond it. Schemas by id are "
            + "cached without bound (ids are immutable). Also bounds the serializer's (topic, schema) -> id cache.";

    public static final String PROXY_HOST_CONFIG = "proxy.host";
    public static final String PROXY_HOST_DOC = "HTTP proxy host for registry requests; no proxy when empty.";

    public static final String PROXY_PORT_CONFIG = "proxy.port";
    public static final int PROXY_PORT_DEFAULT = -1;
    public static final String PROXY_PORT_DOC = "HTTP proxy port; required (1-65535) when proxy.host is set.";

    public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = "schema.registry.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_LOCATION_DOC = "Trust store file for HTTPS registry URLs (e.g. a private CA). "
            + "When neither this nor schema.registry.ssl.keystore.location is set, the JVM's default SSL context is used "
            + "(JDK cacerts or the javax.net.ssl.* system properties). When only the key store is set, the JDK default trust "
            + "applies. A missing or unreadable file, or a wrong password, fails at client start-up.";

    public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = "schema.registry.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_PASSWORD_DOC = "Password of the trust store; optional (without it the "
            + "store's integrity is not checked).";

    public static final String SSL_TRUSTSTORE_TYPE_CONFIG = "schema.registry.ssl.truststore.type";
    public static final String SSL_TRUSTSTORE_TYPE_DEFAULT = "JKS";
    public static final String SSL_TRUSTSTORE_TYPE_DOC = "File format of the trust store.";

    public static final String SSL_KEYSTORE_LOCATION_CONFIG = "schema.registry.ssl.keystore.location";
    public static final String SSL_KEYSTORE_LOCATION_DOC = "Key store file holding the client's private key and certificate, "
            + "presented to registries that require client certificates (mutual TLS). A missing or unreadable file, or a wrong "
            + "password, fails at client start-up.";

    public static final String SSL_KEYSTORE_PASSWORD_CONFIG = "schema.registry.ssl.keystore.password";
    public static final String SSL_KEYSTORE_PASSWORD_DOC = "Password of the key store; required when "
            + "schema.registry.ssl.keystore.location is set.";

    public static final String SSL_KEYSTORE_TYPE_CONFIG = "schema.registry.ssl.keystore.type";
    public static final String SSL_KEYSTORE_TYPE_DEFAULT = "JKS";
    public static final String SSL_KEYSTORE_TYPE_DOC = "File format of the key store.";

    public static final String SSL_KEY_PASSWORD_CONFIG = "schema.registry.ssl.key.password";
    public static final String SSL_KEY_PASSWORD_DOC = "Password of the private key in the key store; defaults to "
            + "schema.registry.ssl.keystore.password (PKCS12 stores use one password for both).";

    public static final String SSL_PROTOCOL_CONFIG = "schema.registry.ssl.protocol";
    public static final String SSL_PROTOCOL_DEFAULT = "TLSv1.3";
    public static final String SSL_PROTOCOL_DOC = "Protocol of the SSLContext built when a trust store or key store is "
            + "configured (as Kafka's ssl.protocol; a TLSv1.3 context still negotiates TLSv1.2 with older registries). "
            + "Without stores the JVM's default context is used and this key has no effect.";

    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG = "schema.registry.ssl.endpoint.identification.algorithm";
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_HTTPS = "https";
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_DEFAULT = SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_HTTPS;
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_DOC = "Host name verification of the registry's "
            + "certificate. Only https is accepted: Java's HttpClient always verifies the host name and cannot turn it off "
            + "per client, so any other value (including empty, which disables it in Kafka and Confluent) fails at start-up "
            + "instead of being silently ignored. Issue the registry a certificate whose SAN matches the URL's host.";

    public static final String SSL_ENABLED_PROTOCOLS_CONFIG = "schema.registry.ssl.enabled.protocols";
    public static final String SSL_ENABLED_PROTOCOLS_DOC = "Protocols the client may negotiate with an https registry, as "
            + "Kafka's ssl.enabled.protocols (e.g. TLSv1.3 or TLSv1.2,TLSv1.3); empty: the JVM's defaults (TLSv1.3 and "
            + "TLSv1.2 on Java 17). Applies with and without a trust or key store.";

    public static final String SSL_CIPHER_SUITES_CONFIG = "schema.registry.ssl.cipher.suites";
    public static final String SSL_CIPHER_SUITES_DOC = "Cipher suites the client may negotiate with an https registry, as "
            + "Kafka's ssl.cipher.suites (JSSE names, e.g. TLS_AES_128_GCM_SHA256); empty: the JVM's defaults. Applies with "
            + "and without a trust or key store.";

    /** Prefix of Confluent's custom request header keys (request.header.Authorization=...), not supported. */
    public static final String REQUEST_HEADER_PREFIX = "request.header.";

    /**
     * Confluent client keys this client does not implement: refused unless unset or at a value that changes nothing
     * (see {@link UnsupportedConfluentKeys}). OAuth keys are not listed: Confluent reads them only with
     * bearer.auth.credentials.source=OAUTHBEARER (or SASL_OAUTHBEARER_INHERIT), which the validator of that key refuses.
     */
    public static final List<UnsupportedConfluentKeys.Key> UNSUPPORTED = List.of(
            UnsupportedConfluentKeys.Key.atMost("schema.registry.ssl.provider", "The JVM's default JSSE provider is used."),
            UnsupportedConfluentKeys.Key.secret("schema.registry.ssl.keystore.key", "PEM key material is not supported; use "
                    + SSL_KEYSTORE_LOCATION_CONFIG + " (JKS or PKCS12)."),
            UnsupportedConfluentKeys.Key.secret("schema.registry.ssl.keystore.certificate.chain", "PEM key material is not "
                    + "supported; use " + SSL_KEYSTORE_LOCATION_CONFIG + " (JKS or PKCS12)."),
            UnsupportedConfluentKeys.Key.secret("schema.registry.ssl.truststore.certificates", "PEM certificates are not "
                    + "supported; use " + SSL_TRUSTSTORE_LOCATION_CONFIG + " (JKS or PKCS12)."),
            UnsupportedConfluentKeys.Key.atMost("schema.registry.ssl.keymanager.algorithm", "The JVM's default key manager "
                    + "algorithm is used.", KeyManagerFactory.getDefaultAlgorithm()),
            UnsupportedConfluentKeys.Key.atMost("schema.registry.ssl.trustmanager.algorithm", "The JVM's default trust manager "
                    + "algorithm is used.", TrustManagerFactory.getDefaultAlgorithm()),
            UnsupportedConfluentKeys.Key.atMost("schema.registry.ssl.secure.random.implementation", "The JVM's default "
                    + "SecureRandom is used."),
            UnsupportedConfluentKeys.Key.atMost("schema.registry.ssl.engine.factory.class", "The SSLEngine comes from the "
                    + "SSLContext built from the schema.registry.ssl.* store keys."));

    private static final ConfigDef CONFIG = addClientConfigs(new ConfigDef(), true);

    public SchemaRegistryClientConfig(Map<?, ?> props) {
        this(CONFIG, props, true);
    }

    private SchemaRegistryClientConfig(ConfigDef def, Map<?, ?> props, boolean urlRequired) {
        // doLog=false: AbstractConfig would log schema.registry.url verbatim, credentials included.
        super(def, props, false);
        checkUnsupportedKeys(originals());
        validateCombinations(urlRequired);
    }

    /**
     * Refuses Confluent client keys this client would otherwise ignore while they ask for something else (see
     * {@link #UNSUPPORTED}); the serde config calls it too, since with an injected client no client config is built.
     */
    public static void checkUnsupportedKeys(Map<?, ?> originals) {
        UnsupportedConfluentKeys.check(originals, UNSUPPORTED);
        UnsupportedConfluentKeys.checkPrefix(originals, REQUEST_HEADER_PREFIX, "Custom request headers are not sent; "
                + "for authentication use " + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + " / " + USER_INFO_CONFIG + " or "
                + BEARER_AUTH_TOKEN_CONFIG + ".");
    }

    /** A copy of the definition, e.g. for documentation. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /**
     * Adds the client keys to {@code def}; the serde configs embed them this way.
     *
     * @param urlRequired false where a client may be injected instead of configured
     */
    public static ConfigDef addClientConfigs(ConfigDef def, boolean urlRequired) {
        return def
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.LIST, urlRequired ? ConfigDef.NO_DEFAULT_VALUE : null,
                        new UrlListValidator(urlRequired), Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
                .define(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, BASIC_AUTH_CREDENTIALS_SOURCE_DEFAULT,
                        ConfigDef.ValidString.in(BASIC_AUTH_CREDENTIALS_SOURCE_URL, BASIC_AUTH_CREDENTIALS_SOURCE_USER_INFO),
                        Importance.MEDIUM, BASIC_AUTH_CREDENTIALS_SOURCE_DOC)
                .define(USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, USER_INFO_DOC)
                .define(SCHEMA_REGISTRY_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.LOW, SCHEMA_REGISTRY_USER_INFO_DOC)
                .define(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, BEARER_AUTH_CREDENTIALS_SOURCE_DEFAULT,
                        ConfigDef.ValidString.in(BEARER_AUTH_CREDENTIALS_SOURCE_STATIC_TOKEN), Importance.MEDIUM,
                        BEARER_AUTH_CREDENTIALS_SOURCE_DOC)
                .define(BEARER_AUTH_TOKEN_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BEARER_AUTH_TOKEN_DOC)
                .define(BEARER_AUTH_LOGICAL_CLUSTER_CONFIG, Type.STRING, null, Importance.LOW, BEARER_AUTH_LOGICAL_CLUSTER_DOC)
                .define(BEARER_AUTH_IDENTITY_POOL_ID_CONFIG, Type.STRING, null, Importance.LOW, BEARER_AUTH_IDENTITY_POOL_ID_DOC)
                .define(HTTP_CONNECT_TIMEOUT_MS_CONFIG, Type.INT, HTTP_CONNECT_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1),
                        Importance.LOW, HTTP_CONNECT_TIMEOUT_MS_DOC)
                .define(HTTP_READ_TIMEOUT_MS_CONFIG, Type.INT, HTTP_READ_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1),
                        Importance.LOW, HTTP_READ_TIMEOUT_MS_DOC)
                .define(MAX_RETRIES_CONFIG, Type.INT, MAX_RETRIES_DEFAULT, ConfigDef.Range.atLeast(0), Importance.LOW,
                        MAX_RETRIES_DOC)
                .define(RETRIES_WAIT_MS_CONFIG, Type.INT, RETRIES_WAIT_MS_DEFAULT, ConfigDef.Range.atLeast(0), Importance.LOW,
                        RETRIES_WAIT_MS_DOC)
                .define(RETRIES_MAX_WAIT_MS_CONFIG, Type.INT, RETRIES_MAX_WAIT_MS_DEFAULT, ConfigDef.Range.atLeast(0),
                        Importance.LOW, RETRIES_MAX_WAIT_MS_DOC)
                .define(MAX_SCHEMAS_PER_SUBJECT_CONFIG, Type.INT, MAX_SCHEMAS_PER_SUBJECT_DEFAULT, ConfigDef.Range.atLeast(1),
                        Importance.LOW, MAX_SCHEMAS_PER_SUBJECT_DOC)
                .define(PROXY_HOST_CONFIG, Type.STRING, null, Importance.LOW, PROXY_HOST_DOC)
                .define(PROXY_PORT_CONFIG, Type.INT, PROXY_PORT_DEFAULT, ConfigDef.Range.between(-1, 65535), Importance.LOW,
                        PROXY_PORT_DOC)
                .define(SSL_TRUSTSTORE_LOCATION_CONFIG, Type.STRING, null, Importance.MEDIUM, SSL_TRUSTSTORE_LOCATION_DOC)
                .define(SSL_TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, SSL_TRUSTSTORE_PASSWORD_DOC)
                .define(SSL_TRUSTSTORE_TYPE_CONFIG, Type.STRING, SSL_TRUSTSTORE_TYPE_DEFAULT,
                        ConfigDef.CaseInsensitiveValidString.in("JKS", "PKCS12"), Importance.LOW, SSL_TRUSTSTORE_TYPE_DOC)
                .define(SSL_KEYSTORE_LOCATION_CONFIG, Type.STRING, null, Importance.MEDIUM, SSL_KEYSTORE_LOCATION_DOC)
                .define(SSL_KEYSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, SSL_KEYSTORE_PASSWORD_DOC)
                .define(SSL_KEYSTORE_TYPE_CONFIG, Type.STRING, SSL_KEYSTORE_TYPE_DEFAULT,
                        ConfigDef.CaseInsensitiveValidString.in("JKS", "PKCS12"), Importance.LOW, SSL_KEYSTORE_TYPE_DOC)
                .define(SSL_KEY_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, SSL_KEY_PASSWORD_DOC)
                .define(SSL_PROTOCOL_CONFIG, Type.STRING, SSL_PROTOCOL_DEFAULT, new SslProtocolValidator(), Importance.LOW,
                        SSL_PROTOCOL_DOC)
                .define(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, Type.STRING, SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_DEFAULT,
                        new EndpointIdentificationValidator(), Importance.LOW, SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_DOC)
                .define(SSL_ENABLED_PROTOCOLS_CONFIG, Type.LIST, null, new SupportedSslValues(true), Importance.LOW,
                        SSL_ENABLED_PROTOCOLS_DOC)
                .define(SSL_CIPHER_SUITES_CONFIG, Type.LIST, null, new SupportedSslValues(false), Importance.LOW,
                        SSL_CIPHER_SUITES_DOC);
    }

    private void validateCombinations(boolean urlRequired) {
        List<String> urls = urls();
        if (urlRequired && urls.isEmpty()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL_CONFIG, "", "at least one registry URL is required");
        }
        String userInfo = basicUserInfo();
        boolean basicFromUserInfo = BASIC_AUTH_CREDENTIALS_SOURCE_USER_INFO.equals(getString(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG));
        if (basicFromUserInfo && (userInfo == null || userInfo.indexOf(':') < 0)) {
            // The value itself is never echoed: it is a password.
            throw new ConfigException(USER_INFO_CONFIG + " must be set to user:password when "
                    + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "=" + BASIC_AUTH_CREDENTIALS_SOURCE_USER_INFO);
        }
        Object explicitBearerSource = originals().get(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG);
        if (explicitBearerSource != null && !explicitBearerSource.toString().isBlank() && bearerToken() == null) {
            // Set on purpose, the source says "use a bearer token": running without one would send no credentials
            // at all, and the registry's 401 would be the first sign. Confluent's StaticTokenCredentialProvider refuses
            // it the same way. (The key's default is STATIC_TOKEN too, but unset it enables nothing.)
            throw new ConfigException(BEARER_AUTH_TOKEN_CONFIG + " must be set when " + BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG
                    + "=" + getString(BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG) + " is configured; set the token, or remove "
                    + BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG + " for no bearer auth");
        }
        // Java's HttpClient checks header values only when a request is built, and its IllegalArgumentException quotes
        // the value: a token with a line break inside (a wrapped JWT pasted into a file) failed every call with the
        // whole Authorization header in the message, and not as a SerializationException. Checked here instead.
        if (bearerToken() != null && !isHeaderValue("Bearer " + bearerToken())) {
            throw new ConfigException(BEARER_AUTH_TOKEN_CONFIG + " contains a character an HTTP header cannot carry (a line "
                    + "break or another control character, or one beyond ISO-8859-1); the value is not shown");
        }
        for (String key : List.of(BEARER_AUTH_LOGICAL_CLUSTER_CONFIG, BEARER_AUTH_IDENTITY_POOL_ID_CONFIG)) {
            String value = getString(key);
            if (bearerToken() != null && value != null && !value.isBlank() && !isHeaderValue(value)) {
                throw new ConfigException(key, value, "contains a character an HTTP header cannot carry (a line break or "
                        + "another control character, or one beyond ISO-8859-1)");
            }
        }
        boolean basicFromUrl = !basicFromUserInfo && urls.stream().anyMatch(u -> URI.create(u.trim()).getRawUserInfo() != null);
        if (bearerToken() != null && (basicFromUserInfo || basicFromUrl)) {
            throw new ConfigException("Both basic auth (" + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "="
                    + getString(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG) + ") and bearer auth (" + BEARER_AUTH_TOKEN_CONFIG
                    + ") are configured; configure only one");
        }
        if (getString(PROXY_HOST_CONFIG) != null && !getString(PROXY_HOST_CONFIG).isBlank() && getInt(PROXY_PORT_CONFIG) < 1) {
            throw new ConfigException(PROXY_PORT_CONFIG, getInt(PROXY_PORT_CONFIG), "must be 1-65535 when " + PROXY_HOST_CONFIG + " is set");
        }
        if (keystoreLocation() != null && passwordValue(SSL_KEYSTORE_PASSWORD_CONFIG) == null) {
            throw new ConfigException(SSL_KEYSTORE_PASSWORD_CONFIG + " must be set when " + SSL_KEYSTORE_LOCATION_CONFIG
                    + " is set (" + keystoreLocation() + ")");
        }
    }

    /** Whether Java's HttpClient accepts {@code value} as a header value: its own check, so exactly what it refuses. */
    private static boolean isHeaderValue(String value) {
        try {
            HttpRequest.newBuilder().header("X-Check", value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** schema.registry.ssl.enabled.protocols, or null when not set (the JVM's defaults). */
    public List<String> sslEnabledProtocols() {
        return nonEmpty(getList(SSL_ENABLED_PROTOCOLS_CONFIG));
    }

    /** schema.registry.ssl.cipher.suites, or null when not set (the JVM's defaults). */
    public List<String> sslCipherSuites() {
        return nonEmpty(getList(SSL_CIPHER_SUITES_CONFIG));
    }

    private static List<String> nonEmpty(List<String> values) {
        if (values == null) {
            return null;
        }
        List<String> trimmed = values.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
        return trimmed.isEmpty() ? null : trimmed;
    }

    /** schema.registry.ssl.truststore.location, or null when not set (or blank). */
    public String truststoreLocation() {
        return nonBlank(getString(SSL_TRUSTSTORE_LOCATION_CONFIG));
    }

    /** schema.registry.ssl.keystore.location, or null when not set (or blank). */
    public String keystoreLocation() {
        return nonBlank(getString(SSL_KEYSTORE_LOCATION_CONFIG));
    }

    /** The trust store password, or null. Never log it. */
    char[] truststorePassword() {
        return chars(passwordValue(SSL_TRUSTSTORE_PASSWORD_CONFIG));
    }

    /** The key store password, or null. Never log it. */
    char[] keystorePassword() {
        return chars(passwordValue(SSL_KEYSTORE_PASSWORD_CONFIG));
    }

    /** schema.registry.ssl.key.password, falling back to the key store password; null when neither is set. */
    char[] keyPassword() {
        String value = passwordValue(SSL_KEY_PASSWORD_CONFIG);
        return chars(value != null ? value : passwordValue(SSL_KEYSTORE_PASSWORD_CONFIG));
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static char[] chars(String value) {
        return value == null ? null : value.toCharArray();
    }

    /** The configured URLs, as given (credentials included: never log them, see {@link Redaction}). */
    public List<String> urls() {
        List<String> urls = getList(SCHEMA_REGISTRY_URL_CONFIG);
        return urls == null ? List.of() : urls.stream().map(String::trim).filter(u -> !u.isEmpty()).toList();
    }

    /** Whether basic auth credentials come from basic.auth.user.info (true) or the URLs (false). */
    public boolean basicAuthFromUserInfo() {
        return BASIC_AUTH_CREDENTIALS_SOURCE_USER_INFO.equals(getString(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG));
    }

    /** basic.auth.user.info, falling back to schema.registry.basic.auth.user.info; null when neither is set. */
    public String basicUserInfo() {
        String value = passwordValue(USER_INFO_CONFIG);
        return value != null ? value : passwordValue(SCHEMA_REGISTRY_USER_INFO_CONFIG);
    }

    /** The bearer token, or null when bearer auth is not configured. */
    public String bearerToken() {
        return passwordValue(BEARER_AUTH_TOKEN_CONFIG);
    }

    private String passwordValue(String key) {
        Password password = getPassword(key);
        return password == null || password.value() == null || password.value().isEmpty() ? null : password.value();
    }

    @Override
    public String toString() {
        return Redaction.describe(this, CONFIG);
    }

    /** A protocol the JDK has an SSLContext for, so a typo fails at start-up rather than at the first request. */
    private static final class SslProtocolValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String protocol = value == null ? "" : value.toString().trim();
            try {
                SSLContext.getInstance(protocol);
            } catch (NoSuchAlgorithmException | IllegalArgumentException e) {
                throw new ConfigException(name, value, "not an SSLContext protocol of this JVM; expected " + this);
            }
        }

        @Override
        public String toString() {
            return "a JSSE SSLContext protocol, e.g. TLSv1.3, TLSv1.2, TLS";
        }
    }

    /** Protocol or cipher suite names this JVM supports, so a typo fails at start-up rather than at the handshake. */
    private static final class SupportedSslValues implements ConfigDef.Validator {
        private final boolean protocols;

        SupportedSslValues(boolean protocols) {
            this.protocols = protocols;
        }

        private List<String> supported() {
            try {
                SSLParameters parameters = SSLContext.getDefault().getSupportedSSLParameters();
                return List.of(protocols ? parameters.getProtocols() : parameters.getCipherSuites());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no default SSLContext", e);
            }
        }

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                return;
            }
            List<String> supported = supported();
            for (Object entry : (List<?>) value) {
                String item = String.valueOf(entry).trim();
                if (!item.isEmpty() && !supported.contains(item)) {
                    throw new ConfigException(name, value, "'" + item + "' is not a " + (protocols ? "protocol" : "cipher suite")
                            + " this JVM supports; expected " + (protocols ? supported
                            : "names from SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites(), e.g. "
                            + supported.subList(0, Math.min(3, supported.size()))));
                }
            }
        }

        @Override
        public String toString() {
            return protocols ? "protocols this JVM supports, e.g. TLSv1.3,TLSv1.2" : "JSSE cipher suite names this JVM supports";
        }
    }

    /**
     * Only {@code https}: Java's HttpClient always verifies the host name (the only switch is the JVM-wide
     * jdk.internal.httpclient.disableHostnameVerification property), so accepting another value would be a lie.
     */
    private static final class EndpointIdentificationValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || !SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_HTTPS.equalsIgnoreCase(value.toString().trim())) {
                throw new ConfigException(name, value, "only '" + SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_HTTPS + "' is "
                        + "supported: Java's HttpClient always verifies the registry's host name against its certificate and "
                        + "cannot disable that per client; use a certificate whose subject alternative names match the host "
                        + "of " + SCHEMA_REGISTRY_URL_CONFIG);
            }
        }

        @Override
        public String toString() {
            return "[" + SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_HTTPS + "]";
        }
    }

    /**
     * Every entry must be an absolute http(s) URL with a host, and an {@code '@'} in it must be the one separating
     * percent-encoded credentials from the host. A password with a raw {@code @ # / ?} is refused rather than guessed
     * at: {@link URI} would read part of it as host, port, path or fragment (and {@code http://alice:12/34@registry}
     * even parses, as host {@code alice}, port 12), so the request would go elsewhere and without the credentials.
     * Messages carry the URL through {@link Redaction#url} only, never the raw value.
     */
    private static final class UrlListValidator implements ConfigDef.Validator {
        private final boolean required;

        UrlListValidator(boolean required) {
            this.required = required;
        }

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                if (required) {
                    throw new ConfigException(name, null, "at least one registry URL is required");
                }
                return;
            }
            for (Object entry : (List<?>) value) {
                String url = String.valueOf(entry).trim();
                if (url.isEmpty()) {
                    continue;
                }
                URI uri;
                try {
                    uri = URI.create(url);
                } catch (IllegalArgumentException e) {
                    // e's message quotes the input verbatim: never attach or echo it.
                    throw new ConfigException(name, Redaction.url(url), "not a valid URL; expected " + this + credentialHint(url));
                }
                boolean http = uri.getScheme() != null
                        && (uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"));
                String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
                if (http && uri.getHost() == null && authority.substring(authority.lastIndexOf('@') + 1).contains("_")) {
                    // A Docker Compose service named schema_registry: Java's URI (and so its HTTP client) takes no host
                    // name with an underscore, so no request could ever be sent; the general message did not say why.
                    throw new ConfigException(name, Redaction.url(url), "the host name has an underscore, which Java's "
                            + "HTTP client cannot connect to (host names allow letters, digits, '-' and '.'): use a name"
                            + " without '_' (a network alias such as schema-registry) or an IP address");
                }
                if (!http || uri.getHost() == null) {
                    throw new ConfigException(name, Redaction.url(url), "expected " + this + credentialHint(url));
                }
                // URI takes any number as port; a typo such as :80811 passed here and the first request failed with
                // the HTTP client's IllegalArgumentException, which no serializer turns into a SerializationException.
                if (uri.getPort() == 0 || uri.getPort() > 65535) {
                    throw new ConfigException(name, Redaction.url(url), "port " + uri.getPort() + " is not a valid TCP port "
                            + "(1-65535); expected " + this);
                }
                int at = url.indexOf('@');
                if (at >= 0 && (uri.getRawUserInfo() == null || at != url.lastIndexOf('@'))) {
                    throw new ConfigException(name, Redaction.url(url), "an '@' must separate the credentials from the host, "
                            + "once" + credentialHint(url));
                }
                // Every request path is appended to the base URL, so a query or fragment would land in the middle of
                // each request (http://reg:8081/?x=1/subjects/...), answered with 404s that do not point here. Checked
                // after the '@' checks: there a '?' or '#' in a password is the likelier cause, and says so.
                if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                    throw new ConfigException(name, Redaction.url(url), "a registry base URL cannot have a query or fragment "
                            + "('?' or '#'): every request path is appended to it; expected " + this);
                }
            }
        }

        private static String credentialHint(String url) {
            return url.indexOf('@') < 0 ? "" : "; characters such as @ : / ? # % in a user name or password must be "
                    + "percent-encoded (e.g. p%40ss for p@ss), or put the credentials into " + USER_INFO_CONFIG + " with "
                    + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "=" + BASIC_AUTH_CREDENTIALS_SOURCE_USER_INFO;
        }

        @Override
        public String toString() {
            return "comma-separated http(s)://host[:port][/path] URLs";
        }
    }
}
