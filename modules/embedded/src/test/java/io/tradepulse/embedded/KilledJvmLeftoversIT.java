package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM running the embedded broker and registry killed with SIGKILL (kill -9, the OOM killer, a CI timeout) runs no
 * close() and no shutdown hook: its broker dir stayed in the temp dir for good and its Apicurio child kept running,
 * parentless, on its port. The next start removes both. The probes get their own temp dir, so nothing of another
 * build on this machine is looked at.
 */
class KilledJvmLeftoversIT {

    @TempDir
    Path tmp;

    private Process probe(final String mode) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-XX:TieredStopAtLevel=1", // C1 only, as every test JVM that starts a broker (the parent pom's it.argLine)
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                "-D" + EmbeddedRegistry.HOME_PROPERTY + "=" + EmbeddedRegistry.resolveHome(),
                LeftoversProbe.class.getName(), mode)
                .redirectErrorStream(true)
                .start();
    }

    /** The probe's report line; its other output is kept for the failure message. */
    private static String report(final Process probe, final StringBuilder output) throws IOException {
        final BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            output.append(line).append('\n');
            if (line.startsWith(LeftoversProbe.PREFIX)) {
                return line.substring(LeftoversProbe.PREFIX.length());
            }
        }
        return null;
    }

    @Test
    void theNextStartRemovesTheBrokerDirAndStopsTheRegistryOfAKilledJvm() throws Exception {
        final StringBuilder output = new StringBuilder();
        final Process killed = probe("wait");
        Optional<ProcessHandle> registry = Optional.empty();
        try {
            final String line = report(killed, output);
            assertThat(line).as("probe output:\n%s", output).isNotNull();
            final String[] parts = line.split(" ");
            final Path brokerDir = Path.of(parts[0]);
            final Path registryDir = Path.of(parts[1]);
            registry = ProcessHandle.of(Long.parseLong(parts[2]));

            killed.destroyForcibly(); // SIGKILL: neither close() nor a shutdown hook runs
            assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(brokerDir).as("left behind by the killed JVM").exists();
            assertThat(registry.filter(ProcessHandle::isAlive)).as("left running by the killed JVM").isPresent();

            final Process next = probe("start");
            final String done = report(next, output);
            assertThat(next.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(done).as("probe output:\n%s", output).isEqualTo("started and closed");

            assertThat(registry.filter(ProcessHandle::isAlive)).as("the killed JVM's registry").isEmpty();
            assertThat(brokerDir).as("the killed JVM's broker dir").doesNotExist();
            assertThat(registryDir).as("the killed JVM's registry dir").doesNotExist();
            try (var left = Files.list(tmp)) {
                assertThat(left.filter(p -> p.getFileName().toString().startsWith("tradepulse-")))
                        .as("the second JVM closed its own broker").isEmpty();
            }
        } finally {
            killed.destroyForcibly();
            registry.ifPresent(ProcessHandle::destroyForcibly); // never leave an orphan, even when failing
        }
    }
}
