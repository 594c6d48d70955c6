package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --version} of the packaged launcher, as {@code ./tradepulse} runs it (the jar and target/lib): the version
 * comes from the jar's manifest, so only the packaged jar can show it (an IT: Failsafe runs after package).
 */
class VersionIT {

    @ParameterizedTest
    @ValueSource(strings = {"", "run", "ingest", "demo", "tariffs", "dlq", "bench"})
    void shouldPrintTheBuildsVersionWhenAskedForItOnAnyVerb(String verb) throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Path jar = target.resolve("tradepulse-launcher.jar");
        assertThat(jar).exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar + File.pathSeparator + target.resolve("lib") + File.separator + "*",
                Main.class.getName()));
        if (!verb.isEmpty()) {
            command.add(verb);
        }
        command.add("--version");
        Path out = Files.createTempFile("tradepulse-version", ".txt");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
            String printed = Files.readString(out, StandardCharsets.UTF_8).strip();
            assertThat(process.exitValue()).as(printed).isZero();
            // The project's version (0.1.0-SNAPSHOT today), not the fallback of a jar without one.
            assertThat(printed).matches("tradepulse \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
