package io.tradepulse.registry;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HttpClient}s shared process-wide by registry clients whose HTTP settings are the same.
 *
 * <p>Why: every HttpClient owns a selector thread and a connection pool, and on Java 17 it cannot be closed (it is
 * {@code AutoCloseable} only from Java 21): its thread ends only once the client is garbage collected. Serdes and
 * registry clients are created and closed with every Streams task, Connect task or short-lived tool, so one HttpClient
 * per registry client piled up threads and idle connections until the next GC. Shared, the number of HttpClients is
 * that of distinct settings in use, plus at most {@value #MAX_IDLE} idle ones kept for the next client (so closing and
 * recreating a client, the common churn, reuses the same HttpClient and its connections).
 *
 * <p>Sharing is safe: an HttpClient is thread-safe and holds no per-registry-client state; the URL, headers,
 * credentials and timeouts of a request are set per request. What an HttpClient does hold is in the {@link Key}:
 * connect timeout, proxy, SSL material (the store files, by path, size and modification time, and digests of their
 * passwords, so a rotated store gets a new client) and SSL parameters.
 */
final class SharedHttpClients {

    private static final Logger LOG = LoggerFactory.getLogger(SharedHttpClients.class);

    /** HttpClients no registry client uses any more, kept for the next one with the same settings. */
    static final int MAX_IDLE = 4;

    /** Access order, so the least recently released idle client is evicted first. */
    private static final Map<Key, Entry> CLIENTS = new LinkedHashMap<>(16, 0.75f, true);

    private SharedHttpClients() {
    }

    /**
     * Everything an HttpClient of ours is built from. Passwords enter only as digests, and {@link #toString()} shows
     * none of it.
     */
    record Key(long connectTimeoutMs, String proxyHost, int proxyPort, List<String> ssl, List<String> sslProtocols,
            List<String> sslCipherSuites) {
        @Override
        public String toString() {
            return "HttpClient settings (connect timeout " + connectTimeoutMs + " ms" + (proxyHost == null ? "" : ", proxy") + ")";
        }
    }

    private static final class Entry {
        final HttpClient client;
        int users;

        Entry(HttpClient client) {
            this.client = client;
        }
    }

    /** A registry client's use of a shared HttpClient; {@link #close()} once, when that registry client closes. */
    static final class Lease implements AutoCloseable {
        private final Key key;
        private final HttpClient client;
        private boolean closed;

        private Lease(Key key, HttpClient client) {
            this.key = key;
            this.client = client;
        }

        HttpClient client() {
            return client;
        }

        @Override
        public void close() {
            synchronized (CLIENTS) {
                if (closed) {
                    return;
                }
                closed = true;
                Entry entry = CLIENTS.get(key);
                if (entry != null && entry.client == client) {
                    entry.users--;
                }
                evictIdle();
            }
        }
    }

    /** The shared HttpClient for {@code key}, built by {@code factory} if there is none. */
    static Lease acquire(Key key, Supplier<HttpClient> factory) {
        synchronized (CLIENTS) {
            Entry entry = CLIENTS.get(key);
            if (entry == null) {
                entry = new Entry(factory.get());
                CLIENTS.put(key, entry);
            }
            entry.users++;
            return new Lease(key, entry.client);
        }
    }

    /** Drops the least recently used idle clients beyond {@link #MAX_IDLE}; called with the lock held. */
    private static void evictIdle() {
        int idle = (int) CLIENTS.values().stream().filter(e -> e.users <= 0).count();
        List<HttpClient> evicted = new ArrayList<>();
        for (Iterator<Entry> it = CLIENTS.values().iterator(); it.hasNext() && idle > MAX_IDLE; ) {
            Entry entry = it.next();
            if (entry.users <= 0) {
                it.remove();
                evicted.add(entry.client);
                idle--;
            }
        }
        evicted.forEach(SharedHttpClients::closeIfPossible);
    }

    private static void closeIfPossible(HttpClient client) {
        // Java 21+: ends its thread now. On 17 dropping the last reference is all we can do; GC ends the thread.
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("Ignoring failure closing an idle HTTP client", e);
            }
        }
    }

    /** HttpClients kept while no registry client uses them; for tests. */
    static int idle() {
        synchronized (CLIENTS) {
            return (int) CLIENTS.values().stream().filter(e -> e.users <= 0).count();
        }
    }

    /** How many registry clients use the HttpClient of {@code key} now (0 when there is none); for tests. */
    static int users(Key key) {
        synchronized (CLIENTS) {
            Entry entry = CLIENTS.get(key);
            return entry == null ? 0 : entry.users;
        }
    }

    /** The key for {@code config}'s HTTP settings. */
    static Key key(SchemaRegistryClientConfig config) {
        String proxyHost = config.getString(SchemaRegistryClientConfig.PROXY_HOST_CONFIG);
        boolean proxied = proxyHost != null && !proxyHost.isBlank();
        List<String> ssl = new ArrayList<>();
        String truststore = config.truststoreLocation();
        String keystore = config.keystoreLocation();
        if (truststore != null || keystore != null) {
            ssl.add(config.getString(SchemaRegistryClientConfig.SSL_PROTOCOL_CONFIG));
            store(ssl, truststore, config.getString(SchemaRegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG),
                    config.truststorePassword());
            store(ssl, keystore, config.getString(SchemaRegistryClientConfig.SSL_KEYSTORE_TYPE_CONFIG),
                    config.keystorePassword());
            ssl.add(digest(keystore == null ? null : config.keyPassword()));
        }
        return new Key(config.getInt(SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG),
                proxied ? proxyHost.trim() : null, proxied ? config.getInt(SchemaRegistryClientConfig.PROXY_PORT_CONFIG) : -1,
                List.copyOf(ssl), config.sslEnabledProtocols(), config.sslCipherSuites());
    }

    private static void store(List<String> key, String location, String type, char[] password) {
        if (location == null) {
            key.add("-");
            return;
        }
        Path file = Path.of(location).toAbsolutePath().normalize();
        String version;
        try {
            version = Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            version = "unreadable"; // RegistrySsl has already refused such a store; never shared by accident
        }
        key.add(file + "|" + type.toUpperCase(Locale.ROOT) + "|" + version + "|" + digest(password));
    }

    private static String digest(char[] password) {
        if (password == null) {
            return "-";
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(new String(password).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }
}
