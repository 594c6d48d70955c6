package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.embedded.EmbeddedRegistry;
import io.tradepulse.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C at the worst moment, in a JVM of its own as a user runs the launcher: every temp dir the verb made
 * ({@code tradepulse-kafka-*}, {@code tradepulse-bench-state*}, {@code tradepulse-apicurio-*}) is gone once it has
 * exited, and no registry JVM is left running. The child's {@code java.io.tmpdir} is a directory of this test, so
 * whatever it leaves is seen here, and nothing else is.
 */
class CtrlCCleanupIT {

    @TempDir
    Path dir;

    /** Ctrl-C while the broker starts: its temp dir used to be registered for clean-up only once start() returned. */
    @Test
    void demoInterruptedWhileTheBrokerStartsLeavesNoTempDir() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Process demo = launch(tmp, "demo", "--exit-when-done");
        try {
            awaitEntry(tmp, name -> name.startsWith("tradepulse-kafka-"), demo, Duration.ofSeconds(60));
            interruptAndAssertNothingLeft(demo, tmp);
        } finally {
            stop(demo, tmp);
        }
    }

    /**
     * Ctrl-C as the processor starts: the state dir was deleted while the processor was being created, which then
     * wrote its directory and lock there again, and {@code tradepulse-demo-state*} stayed (4 of 4 tries by hand).
     */
    @Test
    void demoInterruptedWhileTheProcessorStartsLeavesNoTempDir() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Process demo = launch(tmp, "demo", "--exit-when-done");
        try {
            awaitLog("Running the processor until caught up", demo, Duration.ofSeconds(120));
            interruptAndAssertNothingLeft(demo, tmp);
        } finally {
            stop(demo, tmp);
        }
    }

    /** Ctrl-C mid-benchmark: the broker's data and the apps' state (gigabytes after a full run) used to stay. */
    @Test
    void benchInterruptedMidRunLeavesNoTempDir() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Process bench = launch(tmp, "bench", "--records", "30000", "--months", "12", "--partitions", "3", "--threads", "1",
                "--rollups", "OFF", "--state-store", "IN_MEMORY", "--timeout", "PT2M");
        try {
            // Loaded and read raw: the pass-through Streams app is starting, the broker holds the data set.
            awaitLog("raw consumer (bytes)", bench, Duration.ofSeconds(120));
            interruptAndAssertNothingLeft(bench, tmp);
            assertThat(registryChildren(tmp)).as("registry JVMs left running").isEmpty();
        } finally {
            stop(bench, tmp);
        }
    }

    /**
     * A demo killed with SIGKILL (kill -9, the OOM killer) runs no shutdown hook: its broker dir, registry dir and
     * state dir stayed in the temp dir for good, and its registry JVM kept running. The next demo removes and stops them.
     */
    @Test
    void demoKilledWithSigkillLeavesNothingOnceTheNextDemoRan() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Process killed = launch(tmp, "demo", "--port", "0");
        Process next = null;
        try {
            awaitLog("Running. Press Ctrl-C to stop.", killed, Duration.ofSeconds(180));
            killed.destroyForcibly(); // SIGKILL to the launcher only: its registry child is orphaned, as with kill -9
            assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(leftIn(tmp)).as("left by the killed demo").anyMatch(n -> n.startsWith("tradepulse-demo-state"))
                    .anyMatch(n -> n.startsWith("tradepulse-kafka-")).anyMatch(n -> n.startsWith("tradepulse-apicurio-"));
            assertThat(registryChildren(tmp)).as("registry left running by the killed demo").isNotEmpty();

            next = launch(tmp, "demo", "--exit-when-done");
            assertThat(next.waitFor(180, TimeUnit.SECONDS)).as("the next demo ends").isTrue();
            assertThat(next.exitValue()).as("log:%n%s", log()).isZero();

            assertThat(leftIn(tmp)).as("left behind; log:%n%s", log()).isEmpty();
            assertThat(registryChildren(tmp)).as("registry JVMs left running").isEmpty();
        } finally {
            stop(killed, tmp);
            if (next != null) {
                stop(next, tmp);
            }
        }
    }

    private Process launch(Path tmp, String... args) throws IOException {
        List<String> command = ChildJvm.command("768m", List.of("-Djava.io.tmpdir=" + tmp,
                "-D" + EmbeddedRegistry.HOME_PROPERTY + "=" + EmbeddedRegistry.resolveHome()), Main.class, args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("verb.log").toFile()).start();
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("verb.log"));
    }

    /**
     * Ctrl-C as a terminal sends it, to the whole process group (the registry's JVM included), but as SIGTERM, which
     * runs the same shutdown hooks: a JVM started from a background job inherits SIGINT ignored, and the verb would
     * then run to its end and pass this test for nothing. The exit code (143) shows the signal did interrupt it.
     */
    /** Ctrl-C, then: the verb exits within 2 minutes as interrupted (143, not run to its end) and leaves no temp dir. */
    private void interruptAndAssertNothingLeft(Process verb, Path tmp) throws Exception {
        ctrlC(verb);

        assertThat(verb.waitFor(120, TimeUnit.SECONDS)).as("exits on Ctrl-C").isTrue();
        assertThat(verb.exitValue()).as("interrupted, not run to its end; log:%n%s", log()).isEqualTo(143);
        assertThat(leftIn(tmp)).as("left behind; log:%n%s", log()).isEmpty();
    }

    private static void ctrlC(Process p) throws Exception {
        List<String> kill = new ArrayList<>(List.of("kill", "-TERM", Long.toString(p.pid())));
        p.descendants().forEach(d -> kill.add(Long.toString(d.pid())));
        assertThat(new ProcessBuilder(kill).inheritIO().start().waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    private static void awaitEntry(Path tmp, Predicate<String> wanted, Process p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Stream<Path> entries = Files.list(tmp)) {
                if (entries.map(e -> e.getFileName().toString()).anyMatch(wanted)) {
                    return;
                }
            }
            assertThat(p.isAlive()).as("still running").isTrue();
            Thread.sleep(10);
        }
        throw new AssertionError("nothing matching in " + tmp + " within " + timeout);
    }

    private void awaitLog(String text, Process p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (log().contains(text)) {
                return;
            }
            assertThat(p.isAlive()).as("still running; log:%n%s", log()).isTrue();
            Thread.sleep(10);
        }
        throw new AssertionError("no '" + text + "' within " + timeout + "; log:\n" + log());
    }

    private static List<String> leftIn(Path tmp) throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.map(e -> e.getFileName().toString()).filter(n -> n.startsWith("tradepulse-")).toList();
        }
    }

    /** Live processes whose command line names {@code tmp}: registry JVMs started by the verb. */
    private static List<ProcessHandle> registryChildren(Path tmp) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(tmp.toString())).orElse(false))
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains("apicurio")).orElse(false))
                .toList();
    }

    private static void stop(Process p, Path tmp) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        registryChildren(tmp).forEach(ProcessHandle::destroyForcibly); // never leave an orphan, even when failing
    }
}
