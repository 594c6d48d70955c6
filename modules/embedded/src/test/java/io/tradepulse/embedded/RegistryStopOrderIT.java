package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C in a terminal signals the whole foreground process group. The registry's child JVM was in the caller's group
 * and died at once, while the caller's hook was still closing what uses the registry (demo's processor, its close
 * retrying a dead registry). The child now runs in a session of its own (setsid, where there is one).
 */
class RegistryStopOrderIT {

    private static final List<String> SETSID =
            EmbeddedRegistry.ownSessionPrefix(System.getenv("PATH"), System.getProperty("os.name"));

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

    /** Field 5 of /proc/PID/stat, counted after the command name, which may hold spaces and parentheses. */
    private static long processGroup(final long pid) throws IOException {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }
}
