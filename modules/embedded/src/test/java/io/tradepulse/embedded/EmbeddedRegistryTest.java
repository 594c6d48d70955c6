package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedRegistryTest {

    @Test
    void systemPropertyWinsOverEnvironment() {
        assertThat(EmbeddedRegistry.resolveHome("/from/property", "/from/env")).isEqualTo(Path.of("/from/property"));
    }

    @Test
    void environmentIsTheFallback() {
        assertThat(EmbeddedRegistry.resolveHome(null, "/from/env")).isEqualTo(Path.of("/from/env"));
        assertThat(EmbeddedRegistry.resolveHome("  ", "/from/env")).isEqualTo(Path.of("/from/env"));
    }

    @Test
    void missingHomeSaysHowToGetIt() {
        assertThatThrownBy(() -> EmbeddedRegistry.resolveHome(null, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tradepulse.apicurio.home")
                .hasMessageContaining("TRADEPULSE_APICURIO_HOME")
                .hasMessageContaining("./mvnw -B install -DskipTests");
    }

    @Test
    void homeWithoutRunnerJarFailsBeforeLaunchingAnything(@TempDir final Path emptyHome) {
        assertThatThrownBy(() -> EmbeddedRegistry.start(emptyHome))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("apicurio-registry-app-*-runner.jar")
                .hasMessageContaining("./mvnw -B install -DskipTests");
    }

    @Test
    void servesPlainHttpOnTheChosenPortByDefault() {
        assertThat(EmbeddedRegistry.listenerOptions(1234, null)).containsExactly("-Dquarkus.http.port=1234");
        assertThat(EmbeddedRegistry.listenerEnvironment(null)).isEmpty();
    }

    @Test
    void servesHttpsOnlyWithTheKeystorePasswordInTheEnvironmentNotOnTheCommandLine() {
        final SelfSignedTls tls = new SelfSignedTls(Path.of("/tls/ks.p12"), Path.of("/tls/ts.p12"), "store-secret");

        assertThat(EmbeddedRegistry.listenerOptions(1234, tls)).containsExactly(
                "-Dquarkus.http.ssl-port=1234",
                "-Dquarkus.http.insecure-requests=disabled",
                "-Dquarkus.http.ssl.certificate.key-store-file=/tls/ks.p12",
                "-Dquarkus.http.ssl.certificate.key-store-file-type=PKCS12")
                .noneMatch(option -> option.contains("store-secret"));
        // The process list shows the command line to every local user, not the environment.
        assertThat(EmbeddedRegistry.listenerEnvironment(tls))
                .containsExactly(Map.entry("QUARKUS_HTTP_SSL_CERTIFICATE_KEY_STORE_PASSWORD", "store-secret"));
    }

    @Test
    void findsTheRunnerJarWhateverTheVersion(@TempDir final Path home) throws IOException {
        final Path jar = Files.createFile(home.resolve("apicurio-registry-app-9.9.9.Final-runner.jar"));
        Files.createDirectory(home.resolve("lib"));

        assertThat(EmbeddedRegistry.findRunnerJar(home)).isEqualTo(jar);
    }
}
