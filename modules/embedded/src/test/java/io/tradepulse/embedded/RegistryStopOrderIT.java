package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C in a terminal signals the whole foreground process group. The registry's child JVM was in the caller's group
 * and died at once, and the registry's own shutdown hook (which the JDK runs alongside the caller's) killed it at once
 * too, while the caller's hook was still closing what uses the registry: demo's stop could take ~35 s, its
 * processor's close retrying a dead registry. The child now runs in a session of its own (setsid, where there is one)
 * and a registry kept in a {@link Resources} is stopped by that Resources' close, in order.
 */
class RegistryStopOrderIT {

    private static final List<String> SETSID =
            EmbeddedRegistry.ownSessionPrefix(System.getenv("PATH"), System.getProperty("os.name"));

    @TempDir
    Path tmp;

    @Test
    void shouldRunTheChildInAProcessGroupOfItsOwnWhenSetsidIsOnThePath() throws Exception {
        assumeTrue(!SETSID.isEmpty(), "no setsid on the PATH (macOS, Windows): the child stays in our process group");
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "no /proc to read process groups from");
        try (EmbeddedRegistry registry = EmbeddedRegistry.start()) {
            final ProcessHandle child = ProcessHandle.of(registry.pid()).orElseThrow();
            // setsid executed java in place: the pid we destroy, and the sweep recognises, is the registry JVM's.
            assertThat(child.info().command()).get().asString().endsWith("java");
            assertThat(child.info().arguments().map(List::of).orElseThrow())
                    .anyMatch(arg -> arg.contains("apicurio-registry-app"));
            assertThat(processGroup(registry.pid())).as("the child's process group")
                    .isNotEqualTo(processGroup(ProcessHandle.current().pid()));
        }
    }

    @Test
    void shouldServeUntilWhatWasKeptAfterItClosedWhenTheProcessGroupIsSignalled() throws Exception {
        assumeTrue(!SETSID.isEmpty(), "no setsid on the PATH: the probe cannot get a process group of its own");
        final Path probeTmp = Files.createDirectory(tmp.resolve("probe-tmp"));
        final Path log = tmp.resolve("probe.log");
        final List<String> command = new ArrayList<>(SETSID); // the probe leads its own group, as a terminal's job
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:TieredStopAtLevel=1", // C1 only, as every test JVM that starts a broker (the parent pom's it.argLine)
                "-Djava.io.tmpdir=" + probeTmp, "-cp", System.getProperty("java.class.path"),
                "-D" + EmbeddedRegistry.HOME_PROPERTY + "=" + EmbeddedRegistry.resolveHome(),
                OrderedStopProbe.class.getName()));
        final Process probe = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Optional<ProcessHandle> registry = Optional.empty();
        try {
            final String[] ready = awaitLine(log, OrderedStopProbe.READY, probe, Duration.ofSeconds(120)).split(" ");
            registry = ProcessHandle.of(Long.parseLong(ready[0]));
            final Path workDir = Path.of(ready[1]);

            // As the terminal's Ctrl-C, to the probe's whole group; SIGTERM, as a JVM started from a background job
            // (a build) has SIGINT ignored. Both run the same shutdown hooks.
            final Process ctrlC = new ProcessBuilder("kill", "-TERM", "--", "-" + probe.pid()).inheritIO().start();
            assertThat(ctrlC.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ctrlC.exitValue()).isZero();

            assertThat(probe.waitFor(90, TimeUnit.SECONDS)).as("probe exits on the signal").isTrue();
            final String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(output).as("what the resource kept after the registry got while closing")
                    .contains(OrderedStopProbe.DURING_STOP + "200");
            assertThat(probe.exitValue()).as(output).isEqualTo(143);
            assertThat(registry.filter(ProcessHandle::isAlive)).as("the registry once its keeper closed").isEmpty();
            assertThat(workDir).doesNotExist();
        } finally {
            probe.destroyForcibly();
            registry.ifPresent(ProcessHandle::destroyForcibly); // never leave an orphan, even when failing
        }
    }

    /** Field 5 of /proc/PID/stat, counted after the command name, which may hold spaces and parentheses. */
    private static long processGroup(final long pid) throws IOException {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    private static String awaitLine(final Path log, final String prefix, final Process probe, final Duration timeout)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (line.startsWith(prefix)) {
                        return line.substring(prefix.length());
                    }
                }
            }
            assertThat(probe.isAlive()).as("probe still starting; log:%n%s", Files.exists(log) ? Files.readString(log) : "")
                    .isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError("no " + prefix + "line within " + timeout + "; log:\n" + Files.readString(log));
    }
}
