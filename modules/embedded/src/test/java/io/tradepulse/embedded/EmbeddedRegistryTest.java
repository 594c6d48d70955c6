package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
    void findsTheRunnerJarWhateverTheVersion(@TempDir final Path home) throws IOException {
        final Path jar = Files.createFile(home.resolve("apicurio-registry-app-9.9.9.Final-runner.jar"));
        Files.createDirectory(home.resolve("lib"));

        assertThat(EmbeddedRegistry.findRunnerJar(home)).isEqualTo(jar);
    }
}
