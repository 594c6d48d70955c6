package io.tradepulse.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for the embedded broker's TLS listener (and for tests that need TLS peers),
 * made with the JDK's own {@code keytool} (so no Bouncy Castle or openssl dependency): a PKCS12 keystore for the broker and a PKCS12
 * truststore holding only that certificate for clients. The subject alternative names are
 * {@code IP:127.0.0.1} and {@code DNS:localhost}, so clients keep the default hostname verification
 * ({@code ssl.endpoint.identification.algorithm=https}) on.
 *
 * @param keystore   the broker's key and certificate
 * @param truststore the certificate alone, for clients
 * @param password   password of both stores (random per broker); never logged
 */
public record SelfSignedTls(Path keystore, Path truststore, String password) {

    public static final String STORE_TYPE = "PKCS12";
    private static final String ALIAS = "tradepulse-embedded-broker";
    private static final String PASSWORD_ENV = "TRADEPULSE_EMBEDDED_STOREPASS";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

    /** Generates the key pair and both stores in {@code dir} (~1 s: three short keytool runs). */
    public static SelfSignedTls generate(final Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir, e);
        }
        final byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        final String password = HexFormat.of().formatHex(random);
        final Path keystore = dir.resolve("broker.keystore.p12");
        final Path certificate = dir.resolve("broker.crt");
        final Path truststore = dir.resolve("client.truststore.p12");
        // EC P-256: key generation is instant, unlike RSA on a busy 2-core box. Valid for 30 days: the
        // stores live in the broker's temp dir and die with it.
        keytool(password, "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-validity", "30", "-dname", "CN=localhost,O=tradepulse embedded",
                "-ext", "SAN=IP:" + EmbeddedKafka.HOST + ",DNS:localhost",
                "-storetype", STORE_TYPE, "-keystore", keystore.toString(),
                "-storepass:env", PASSWORD_ENV, "-keypass:env", PASSWORD_ENV);
        keytool(password, "-exportcert", "-rfc", "-alias", ALIAS, "-storetype", STORE_TYPE,
                "-keystore", keystore.toString(), "-storepass:env", PASSWORD_ENV, "-file", certificate.toString());
        keytool(password, "-importcert", "-noprompt", "-alias", ALIAS, "-file", certificate.toString(),
                "-storetype", STORE_TYPE, "-keystore", truststore.toString(), "-storepass:env", PASSWORD_ENV);
        return new SelfSignedTls(keystore, truststore, password);
    }

    /**
     * Runs keytool from this JVM's {@code java.home}. The password goes through the environment
     * ({@code -storepass:env}), never the command line, which any local user can read from the process list.
     */
    private static void keytool(final String password, final String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_ENV, password);
        Process process = null;
        try {
            process = builder.start();
            final byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("keytool " + args[0] + " did not finish within "
                        + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed (rc=" + process.exitValue() + "): "
                        + new String(output, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run keytool from " + System.getProperty("java.home"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running keytool", e);
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
