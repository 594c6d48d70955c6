package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Option parsing of {@code tradepulse run} (no broker: nothing is started). */
class RunCommandTest {

    private static RunCommand parse(String... args) {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void shouldCreateTopicsByDefaultAndNotWithNoCreateTopics() {
        assertThat(parse("--config", "app.properties").createTopics).isTrue();
        assertThat(parse("--config", "app.properties", "--create-topics").createTopics).isTrue();
        // picocli inverts a default-true negatable flag unless fallbackValue is set: this once parsed as true
        assertThat(parse("--config", "app.properties", "--no-create-topics").createTopics).isFalse();
    }

    @TempDir
    Path tmp;

    /** Runs {@code tradepulse run --config <file>} as main does; returns what it wrote to stderr. */
    private String runWith(String properties, int expectedExitCode) throws Exception {
        Path file = tmp.resolve("app.properties");
        Files.writeString(file, "bootstrap.servers=localhost:1\nschema.registry.url=http://localhost:2\n" + properties);
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setErr(new PrintWriter(err)).execute("run", "--config", file.toString());
        assertThat(code).isEqualTo(expectedExitCode);
        return err.toString();
    }

    @Test
    void shouldRefuseAnUnknownKeyInOneLineNamingItWithoutAStackTrace() throws Exception {
        String err = runWith("tradepulse.rollup.levels=HS4\n", 1);
        assertThat(err).startsWith("Invalid configuration: Unknown key 'tradepulse.rollup.levels' in the processor configuration");
        assertThat(err.strip().lines()).hasSize(1);
    }

    @Test
    void shouldRefuseAnInvalidValueNamingTheKeyAndTheAllowedValues() throws Exception {
        String err = runWith("tradepulse.state.store.type=memory\n", 1);
        assertThat(err).startsWith("Invalid configuration: ").contains("tradepulse.state.store.type").contains("memory")
                .containsIgnoringCase("rocksdb").containsIgnoringCase("in_memory");
        assertThat(err.strip().lines()).hasSize(1);
    }

    @Test
    void shouldSayWhatFailedAndWhyInTheFirstLineOfAnyOtherFailure() {
        StringWriter err = new StringWriter();
        int code = Main.failed(new IllegalStateException("Could not create topics",
                        new java.util.concurrent.ExecutionException(new RuntimeException("Timed out waiting for a node assignment"))),
                new CommandLine(new RunCommand()).setErr(new PrintWriter(err)), null);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().lines().findFirst()).hasValue(
                "tradepulse run failed: Could not create topics: Timed out waiting for a node assignment");
        assertThat(err.toString()).contains("\tat "); // the stack trace follows, for a bug report
    }
}
