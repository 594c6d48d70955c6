package io.tradepulse.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for a TLS server (the embedded broker's listener, the embedded registry) or a TLS
 * client (mutual TLS), made with the JDK's own {@code keytool} (so no Bouncy Castle or openssl dependency): a
 * PKCS12 keystore holding the key and certificate, and a PKCS12 truststore holding only the certificate, for
 * the peer that must trust it. A server certificate ({@link #generate}) has the subject alternative names
 * {@code IP:127.0.0.1} and {@code DNS:localhost}, so clients keep the default hostname verification
 * ({@code ssl.endpoint.identification.algorithm=https}) on; a client certificate ({@link #generateClient}) has
 * the subject {@code CN=<name>}, which is what a server takes as the client's identity.
 *
 * @param keystore   the key and certificate
 * @param truststore the certificate alone, for the peer
 * @param password   password of both stores and of the key (random per certificate); never logged
 */
public record SelfSignedTls(Path keystore, Path truststore, String password) {

    public static final String STORE_TYPE = "PKCS12";
    private static final String ALIAS = "tradepulse-embedded-broker";
    private static final String PASSWORD_ENV = "TRADEPULSE_EMBEDDED_STOREPASS";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;
    /** Used in a file name and in a distinguished name: nothing that needs escaping in either. */
    private static final Pattern CLIENT_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    /**
     * A server certificate ({@code CN=localhost}, SANs 127.0.0.1 and localhost) in {@code dir}:
     * {@code broker.keystore.p12} and {@code client.truststore.p12} (~0.5 s: one keytool run).
     */
    public static SelfSignedTls generate(final Path dir) {
        return generate(dir.resolve("broker.keystore.p12"), dir.resolve("client.truststore.p12"),
                "CN=localhost,O=tradepulse embedded", "SAN=IP:" + EmbeddedKafka.HOST + ",DNS:localhost");
    }

    /**
     * A client certificate with the subject {@code CN=<name>} in {@code dir}: {@code <name>.keystore.p12} for
     * the client ({@code ssl.keystore.*}) and {@code <name>.truststore.p12} holding the certificate alone, for a
     * server that must accept it (~0.5 s: one keytool run).
     *
     * @param name letters, digits, '.', '_' and '-' only
     */
    public static SelfSignedTls generateClient(final Path dir, final String name) {
        if (name == null || !CLIENT_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("client certificate name must match " + CLIENT_NAME + ": " + name);
        }
        return generate(dir.resolve(name + ".keystore.p12"), dir.resolve(name + ".truststore.p12"), "CN=" + name, null);
    }

    private static SelfSignedTls generate(final Path keystore, final Path truststore, final String subject,
                                          final String subjectAlternativeNames) {
        try {
            Files.createDirectories(keystore.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + keystore.getParent(), e);
        }
        final byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        final String password = HexFormat.of().formatHex(random);
        // EC P-256: key generation is instant, unlike RSA on a busy 2-core box. Valid for 30 days: the
        // stores live in temp dirs and die with them.
        final List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", ALIAS, "-keyalg", "EC",
                "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "30", "-dname", subject));
        if (subjectAlternativeNames != null) {
            args.addAll(List.of("-ext", subjectAlternativeNames));
        }
        args.addAll(List.of("-storetype", STORE_TYPE, "-keystore", keystore.toString(),
                "-storepass:env", PASSWORD_ENV, "-keypass:env", PASSWORD_ENV));
        keytool(password, args.toArray(String[]::new));
        final SelfSignedTls tls = new SelfSignedTls(keystore, truststore, password);
        // The trust store is written here rather than by two more keytool runs (export, import): each
        // keytool is a JVM start, and a broker with client certificates makes several of these.
        writeTruststore(truststore, password, List.of(tls));
        return tls;
    }

    /** The certificate, read from {@link #keystore()}. */
    public X509Certificate certificate() {
        try {
            return (X509Certificate) load(keystore, password).getCertificate(ALIAS);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot read the certificate in " + keystore, e);
        }
    }

    /**
     * Writes a PKCS12 trust store at {@code file}, protected by {@code password}, that trusts exactly the
     * certificates of {@code peers}: e.g. a server's trust store accepting several clients' certificates.
     */
    public static Path writeTruststore(final Path file, final String password, final Collection<SelfSignedTls> peers) {
        try (OutputStream out = Files.newOutputStream(file)) {
            final KeyStore store = KeyStore.getInstance(STORE_TYPE);
            store.load(null, null);
            int i = 0;
            for (SelfSignedTls peer : peers) {
                store.setCertificateEntry("trusted-" + i++, peer.certificate());
            }
            store.store(out, password.toCharArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot create the trust store " + file, e);
        }
    }

    /**
     * An SSL context that presents no certificate and trusts this one alone: for a JDK client (HttpClient,
     * SSLSocket) of the server this certificate belongs to.
     */
    public SSLContext trustingContext() {
        return context(null, trustManagers());
    }

    /**
     * An SSL context that presents this certificate and trusts {@code peer}'s alone: for a server that accepts
     * only {@code peer}'s client certificate, or a client with this certificate talking to {@code peer}.
     */
    public SSLContext contextTrusting(final SelfSignedTls peer) {
        try {
            final KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keystore, password), password.toCharArray());
            return context(keys.getKeyManagers(), peer.trustManagers());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot use " + keystore + " as a key store", e);
        }
    }

    private TrustManager[] trustManagers() {
        try {
            final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(truststore, password));
            return trust.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot use " + truststore + " as a trust store", e);
        }
    }

    private static SSLContext context(final KeyManager[] keys, final TrustManager[] trust) {
        try {
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot create an SSL context", e);
        }
    }

    private static KeyStore load(final Path file, final String password) throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            final KeyStore store = KeyStore.getInstance(STORE_TYPE);
            store.load(in, password.toCharArray());
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    /**
     * Runs keytool from this JVM's {@code java.home}. The password goes through the environment
     * ({@code -storepass:env}), never the command line, which any local user can read from the process list.
     */
    private static void keytool(final String password, final String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // keytool is a short-lived JVM: the C1 compiler alone and the serial collector halve its CPU time,
        // which counts on a 2-core CI box where a broker with client certificates runs it several times.
        command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(args));
        run(command, Map.of(PASSWORD_ENV, password), KEYTOOL_TIMEOUT_SECONDS, "keytool " + args[0]);
    }

    /**
     * Runs {@code command} with {@code environment} added, for at most {@code timeoutSeconds}; its output goes into
     * the exception when it fails. Its stdin is closed, so a tool that asks for input fails rather than waits, and
     * its output is drained on another thread, so the timeout holds while the tool runs (reading it to the end first
     * waited for as long as the tool ran, and could not be interrupted). Package-private for the unit test.
     */
    static void run(final List<String> command, final Map<String, String> environment, final long timeoutSeconds,
                    final String what) {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = null;
        try {
            process = builder.start();
            process.getOutputStream().close();
            final InputStream stdout = process.getInputStream();
            final CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return stdout.readAllBytes();
                } catch (IOException e) {
                    return ("(output unreadable: " + e + ")").getBytes(StandardCharsets.UTF_8);
                }
            }, runnable -> {
                final Thread drain = new Thread(runnable, "embedded-tls-output");
                drain.setDaemon(true);
                drain.start();
            });
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IllegalStateException(what + " did not finish within " + timeoutSeconds + " s");
            }
            if (process.exitValue() != 0) {
                String text;
                try {
                    text = new String(output.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
                } catch (ExecutionException | TimeoutException e) {
                    text = "(output unavailable: " + e + ")";
                }
                throw new IllegalStateException(what + " failed (rc=" + process.exitValue() + "): " + text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + what, e);
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "SelfSignedTls[keystore=" + keystore + ", truststore=" + truststore + "]";
    }
}
