package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.file.FileSourceConnector;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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

    /**
     * An alias of the source's own connector, as Connect takes it (FileSourceConnector, FileSource), skipped ingest's
     * check of the settings: refused only by the worker, once the broker, the registry and the worker had started.
     */
    @ParameterizedTest
    @ValueSource(strings = {"FileSourceConnector", "FileSource", " FileSource "})
    void shouldRefuseInvalidSettingsBeforeAnythingStartsWhenConnectorClassIsAnAliasOfTheSourcesConnector(String alias)
            throws IOException {
        CliRun r = quietly(fileRun("--set", "connector.class=" + alias, "--set", "file.format=XML"));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("Invalid connector settings (--config, --set, --files, --start, --api-key;"
                + " docs/connectors.md): ").contains("file.format", "XML", "CSV, JSON");
    }

    @Test
    void shouldRefuseBeforeAnythingStartsNamingConnectorClassAndTheAllowedValuesWhenNoConnectorHasTheClassGiven()
            throws IOException {
        CliRun r = quietly(fileRun("--set", "connector.class=NoSuchSource"));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("Invalid connector settings (--config, --set, --connector-class;"
                + " docs/connectors.md): connector.class NoSuchSource is no connector on the class path: give a class"
                + " or alias of one of io.tradepulse.connect.census.CensusSourceConnector (CensusSourceConnector,"
                + " CensusSource), ").contains(FILE + " (FileSourceConnector, FileSource); or leave it out to run "
                + FILE + ", the connector of --source file");
    }

    @Test
    void shouldRefuseBeforeAnythingStartsWhenConnectorClassIsEmpty() throws IOException {
        CliRun r = quietly(fileRun("--set", "connector.class="));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("connector.class is empty: give a class or alias of one of ");
    }

    /**
     * A sink connector is one the worker loads, but ingest runs a source: the worker started it (once the broker, the
     * registry and the worker had), and the run waited for --timeout with nothing to read or write.
     */
    @Test
    void shouldRefuseBeforeAnythingStartsWhenConnectorClassIsASinkConnector() throws IOException {
        String sink = IdleSinkConnector.class.getName();

        CliRun r = quietly(fileRun("--set", "connector.class=" + sink));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("Invalid connector settings (--config, --set, --connector-class;"
                + " docs/connectors.md): connector.class " + sink + " is a sink connector; ingest runs a source"
                + " connector: give a class or alias of one of ").contains(FILE + " (FileSourceConnector, FileSource)");
    }

    /** What the worker loads is not refused: a Connector class on the class path that no service file lists. */
    @Test
    void shouldLeaveAConnectorClassOnTheClassPathToTheWorkerWhenNoServiceFileListsIt() throws IOException {
        CliRun r = quietly(fileRun("--set", "connector.class=" + StartRefusingConnector.class.getName()));

        assertThat(r.code()).as("failed at the cluster that does not answer: " + r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("tradepulse ingest failed: ");
    }

    /** With a plugin.path, the worker finds plugins this check does not know: an unknown name is the worker's. */
    @Test
    void shouldLeaveAnUnknownConnectorClassToTheWorkerWhenWorkerConfigGivesAPluginPath() throws IOException {
        Path worker = Files.writeString(dir.resolve("worker.properties"), "plugin.path=" + dir.resolve("plugins") + "\n");

        CliRun r = quietly(fileRun("--set", "connector.class=NoSuchSource", "--worker-config", worker.toString()));

        assertThat(r.code()).as("failed at the cluster that does not answer: " + r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("tradepulse ingest failed: ");
    }

    /** A config provider's variable is resolved by the worker: not refused as no connector. */
    @Test
    void shouldLeaveAConnectorClassWithAConfigProviderVariableToTheWorker() throws IOException {
        CliRun r = quietly(fileRun("--set", "connector.class=${env:SOME_CONNECTOR}"));

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("tradepulse ingest failed: ");
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

    /** --connector-class's alias is checked as the source's connector (here the file connector's mapping). */
    @Test
    void shouldRefuseInvalidSettingsBeforeAnythingStartsWhenConnectorClassNamesTheSourcesConnector()
            throws IOException {
        CliRun r = quietly(fileRun("--connector-class", "FileSource", "--set", "file.format=XML"));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("file.format", "XML", "CSV, JSON");
    }

    /**
     * Another of our connectors is checked with its own keys before anything starts: the GACC connector's missing
     * gacc.tables was refused only by the worker, once the broker, the registry and the worker had started.
     */
    @ParameterizedTest
    @ValueSource(strings = {"GaccSource", "io.tradepulse.connect.gacc.GaccSourceConnector"})
    void shouldRefuseTheSettingsOfAnotherOfOurConnectorsBeforeAnythingStartsNamingTheConnectorClass(String other)
            throws IOException {
        CliRun r = quietly(fileRun("--connector-class", other));

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("Invalid connector settings (--config, --set, --files, --start, --api-key;"
                        + " docs/connectors.md): Missing required configuration \"gacc.tables\" which has no default value"
                        + " (connector.class is " + other + ", not " + FILE + ", the connector of --source file: leave"
                        + " connector.class out to run that one)")
                .as("--files sets file.locations, not gacc.tables").doesNotContain("(--files)");
    }

    /** The other connector's valid settings pass the check: the run goes on (and fails at the cluster that does not answer). */
    @Test
    void shouldNotRefuseTheValidSettingsOfAnotherOfOurConnectors() throws IOException {
        Path tables = Files.writeString(dir.resolve("gacc.csv"), "");

        CliRun r = quietly(fileRun("--connector-class", "GaccSource", "--set", "gacc.tables=" + tables));

        assertThat(r.code()).as("failed at the cluster that does not answer: " + r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("tradepulse ingest failed: ");
    }

    @Test
    void shouldListConnectorClassInIngestsHelp() {
        String help = Main.commandLine().getSubcommands().get("ingest").getUsageMessage();

        assertThat(help).contains("[--connector-class=CLASS]", "short for", "--set connector.class=CLASS.",
                "--connector-class for connector.class");
    }

    /**
     * The worker's refusal of settings given with an alias of the source's own connector does not say that another
     * connector ran ("connector.class is FileSource, not io.tradepulse.connect.file.FileSourceConnector").
     */
    @Test
    void shouldNotCallAnAliasOfTheSourcesConnectorAnotherConnectorWhenTheWorkerRefusesItsSettings() {
        String refusal = "Connector configuration is invalid and contains the following 1 error(s):\n"
                + "transforms.x.type: Missing required configuration\n";
        ConnectException failed = new ConnectException("Failed starting connector tradepulse-file: " + refusal,
                new org.apache.kafka.connect.runtime.rest.errors.BadRequestException(refusal));

        RuntimeException thrown = IngestCommand.refusedByTheWorker(failed, "tradepulse-file",
                Map.of("connector.class", "FileSource"), IngestCommand.Source.file);

        assertThat(thrown).isInstanceOf(SettingsRefusedException.class).hasMessageEndingWith(
                "docs/connectors.md): transforms.x.type: Missing required configuration");
    }

    /** The worker's failure to start the connector, as its put callback reports it when start() threw {@code e}. */
    private static ConnectException startFailed(Throwable e) {
        return new ConnectException("Failed starting connector tradepulse-file: Failed to transition connector"
                + " tradepulse-file to state STARTED", new ConnectException("Failed to transition connector"
                + " tradepulse-file to state STARTED", e));
    }

    /** {@code e} as if thrown by a connector's start(), which the worker calls from WorkerConnector.doStart. */
    private static <T extends Throwable> T thrownInStart(T e) {
        e.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("io.x.MySourceConnector", "start", "MySourceConnector.java", 42),
            new StackTraceElement("org.apache.kafka.connect.runtime.WorkerConnector", "doStart", "WorkerConnector.java",
                    219),
            new StackTraceElement("org.apache.kafka.connect.runtime.WorkerConnector", "start", "WorkerConnector.java",
                    248)});
        return e;
    }

    @Test
    void shouldRefuseOnOneLineNamingTheConnectorWhenItsStartThrowsAConfigException() {
        Optional<SettingsRefusedException> refused = IngestCommand.refusedAtStart(startFailed(thrownInStart(
                new ConfigException("my.key", "x", "must be y"))), "tradepulse-file");

        assertThat(refused).get().extracting(Throwable::getMessage).isEqualTo("Refused: connector tradepulse-file"
                + " refused its settings when the worker started it (--config, --set, --files, --start, --api-key;"
                + " docs/connectors.md): Invalid value x for configuration my.key: must be y");
        assertThatThrownBy(() -> {
            throw refused.get();
        }).satisfies(e -> assertThat(Main.failed((Exception) e, Main.commandLine().getSubcommands().get("ingest"),
                null)).isEqualTo(2));
    }

    @Test
    void shouldLeaveAnyOtherFailureOfTheConnectorsStartAFailure() {
        assertThat(IngestCommand.refusedAtStart(startFailed(thrownInStart(new IllegalStateException("boom"))),
                "tradepulse-file")).isEmpty();
        assertThat(IngestCommand.refusedAtStart(startFailed(new ConfigException("not from the connector's start")),
                "tradepulse-file")).as("a ConfigException thrown elsewhere").isEmpty();
    }

    /** The connector settings ingest would run with, for these arguments (as picocli parses them). */
    private static Map<String, String> settings(String... args) throws Exception {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs(args);
        return command.connectorSettings();
    }
}
