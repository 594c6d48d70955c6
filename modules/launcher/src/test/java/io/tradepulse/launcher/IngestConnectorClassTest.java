package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.file.FileSourceConnector;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * ingest's connector.class: an alias of a connector as Connect takes it, the refusal of one the worker would not load,
 * --connector-class, and a connector that refuses its settings when it starts. The runs here point at a cluster that
 * does not answer, given up on within 2 s: a run refused before anything starts exits 2 at once, one that is not
 * fails there (exit 1).
 */
class IngestConnectorClassTest {
    private static final String FILE = FileSourceConnector.class.getName();

    @TempDir
    Path dir;

    /** The file connector's mapping, complete, and a file it reads. */
    private String[] fileRun(String... more) throws IOException {
        Path mapping = Files.writeString(dir.resolve("mapping.properties"), "file.source.name=X\ndefault.reporter=CHN\n"
                + "default.partner=USA\ndefault.flow=EXPORT\ndefault.commodity=TOTAL\ndefault.vintage=v1\n"
                + "default.publishedAt=2025-03-01\nfield.period=period_start\nfield.value=value\n");
        Path data = Files.writeString(dir.resolve("data.csv"), "period_start,value\n2025-01,1\n");
        String[] base = {"ingest", "--source", "file", "--bootstrap-servers", "127.0.0.1:1", "--schema-registry-url",
                "http://127.0.0.1:1", "--offsets", dir.resolve("x.offsets").toString(), "--timeout", "PT2S",
                "--config", mapping.toString(), "--files", data.toString()};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return args;
    }

    /** A run, with its progress lines (stdout) not printed. */
    private static CliRun quietly(String... args) {
        PrintStream originalOut = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return CliRun.execute(args);
        } finally {
            System.setOut(originalOut);
        }
    }

    @Test
    void shouldRunTheConnectorOfConnectorClassAsIfGivenWithSetConnectorClass() throws Exception {
        assertThat(settings("--source", "file", "--embedded", "--connector-class", "GaccSource"))
                .containsEntry("connector.class", "GaccSource");
        assertThat(settings("--source", "file", "--embedded", "--connector-class", "GaccSource", "--set",
                "connector.class=GaccSource")).as("the same in both").containsEntry("connector.class", "GaccSource");
    }

    @Test
    void shouldRefuseConnectorClassAndSetConnectorClassNamingBothWhenTheyDiffer() {
        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--connector-class", "GaccSource",
                "--set", "connector.class=FileSource");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("--connector-class GaccSource and --set connector.class=FileSource name"
                + " different connectors: give one of them");
    }

    @Test
    void shouldListConnectorClassInIngestsHelp() {
        String help = Main.commandLine().getSubcommands().get("ingest").getUsageMessage();

        assertThat(help).contains("[--connector-class=CLASS]", "short for", "--set connector.class=CLASS.",
                "--connector-class for connector.class");
    }

    /** The connector settings ingest would run with, for these arguments (as picocli parses them). */
    private static Map<String, String> settings(String... args) throws Exception {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs(args);
        return command.connectorSettings();
    }
}
