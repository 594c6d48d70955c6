package io.tradepulse.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import org.apache.kafka.common.config.ConfigException;

/**
 * Builds the {@link SSLContext} for the registry's HttpClient from the {@code schema.registry.ssl.*} keys.
 * Failures are {@link ConfigException}s naming the key and the file; passwords never appear in them.
 */
final class RegistrySsl {

    private RegistrySsl() {
    }

    /**
     * The context to give {@link java.net.http.HttpClient.Builder#sslContext}, or null when no trust store and no key
     * store is configured: then the client keeps the JVM's default context, exactly as without these keys.
     */
    static SSLContext context(SchemaRegistryClientConfig config) {
        String truststore = config.truststoreLocation();
        String keystore = config.keystoreLocation();
        if (truststore == null && keystore == null) {
            return null;
        }
        TrustManager[] trustManagers = null; // null: the JDK's default trust (cacerts / javax.net.ssl.trustStore)
        if (truststore != null) {
            char[] password = config.truststorePassword();
            try {
                KeyStore store = load(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore,
                        SchemaRegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG,
                        config.getString(SchemaRegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG), password);
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                trustManagers = factory.getTrustManagers();
            } catch (GeneralSecurityException e) {
                throw failure(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore,
                        "cannot use it as a trust store: " + describe(e), e);
            } finally {
                clear(password);
            }
        }
        KeyManager[] keyManagers = null; // null: no client certificate
        if (keystore != null) {
            char[] password = config.keystorePassword();
            char[] keyPassword = config.keyPassword();
            try {
                KeyStore store = load(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG, keystore,
                        SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG,
                        config.getString(SchemaRegistryClientConfig.SSL_KEYSTORE_TYPE_CONFIG), password);
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, keyPassword);
                keyManagers = factory.getKeyManagers();
            } catch (UnrecoverableKeyException e) {
                throw failure(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG, keystore,
                        "cannot recover the private key; check "
                        + SchemaRegistryClientConfig.SSL_KEY_PASSWORD_CONFIG + " (defaults to "
                        + SchemaRegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG + ")", e);
            } catch (GeneralSecurityException e) {
                throw failure(SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG, keystore,
                        "cannot use it as a key store: " + describe(e), e);
            } finally {
                clear(password);
                clear(keyPassword);
            }
        }
        String protocol = config.getString(SchemaRegistryClientConfig.SSL_PROTOCOL_CONFIG);
        try {
            SSLContext context = SSLContext.getInstance(protocol);
            context.init(keyManagers, trustManagers, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException(SchemaRegistryClientConfig.SSL_PROTOCOL_CONFIG, protocol,
                    "cannot create an SSLContext: " + e.getMessage());
        }
    }

    /**
     * The SSL parameters to give {@link java.net.http.HttpClient.Builder#sslParameters}: the defaults of {@code context}
     * (or of the JVM's default context) with schema.registry.ssl.enabled.protocols and .cipher.suites applied; null when
     * neither is set, so the client keeps its defaults exactly as without these keys.
     */
    static SSLParameters parameters(SchemaRegistryClientConfig config, SSLContext context) {
        List<String> protocols = config.sslEnabledProtocols();
        List<String> cipherSuites = config.sslCipherSuites();
        if (protocols == null && cipherSuites == null) {
            return null;
        }
        SSLParameters parameters;
        try {
            parameters = (context != null ? context : SSLContext.getDefault()).getDefaultSSLParameters();
        } catch (GeneralSecurityException e) {
            throw new ConfigException(SchemaRegistryClientConfig.SSL_ENABLED_PROTOCOLS_CONFIG, protocols,
                    "cannot read the JVM's default SSL parameters: " + describe(e));
        }
        if (protocols != null) {
            parameters.setProtocols(protocols.toArray(String[]::new));
        }
        if (cipherSuites != null) {
            parameters.setCipherSuites(cipherSuites.toArray(String[]::new));
        }
        return parameters;
    }

    private static KeyStore load(String locationKey, String location, String passwordKey, String type, char[] password)
            throws GeneralSecurityException {
        Path file = Path.of(location);
        KeyStore store = KeyStore.getInstance(type.toUpperCase(Locale.ROOT));
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
            return store;
        } catch (NoSuchFileException e) {
            throw failure(locationKey, location, "file not found", e);
        } catch (IOException e) {
            // KeyStore.load reports a wrong password as an IOException caused by UnrecoverableKeyException.
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw failure(locationKey, location, "the password is wrong (check " + passwordKey + ")", e);
            }
            throw failure(locationKey, location, "cannot read it as a " + type + " store (check the file, " + passwordKey
                    + " and the store type): " + describe(e), e);
        }
    }

    private static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static ConfigException failure(String key, String location, String reason, Exception cause) {
        ConfigException e = new ConfigException(key, location, reason);
        e.initCause(cause);
        return e;
    }

    private static void clear(char[] password) {
        if (password != null) {
            Arrays.fill(password, '\0');
        }
    }
}
