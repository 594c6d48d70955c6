package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The exit codes every command shares (docs/operations.md, "Exit codes"): 2 for a command line or configuration
 * refused before anything starts, 1 for a failure while running. `tariffs` exited 1 for a missing --config, `run`
 * 1 for an invalid setting, and `ingest` started the broker and the registry (or created topics on a real cluster)
 * before an invalid connector setting failed it with 1: a script could not tell "fix the command" from "retry".
 */
class ExitCodesTest {

    @TempDir
    Path tmp;

    private Map<String, String> files;

    @BeforeEach
    void files() throws IOException {
        Path csv = TariffsCommandTest.bundledCsv(tmp);
        Path data = Files.writeString(tmp.resolve("data.csv"), "period_start,value\n2025-01,1\n");
        Path typo = Files.writeString(tmp.resolve("typo.properties"),
                "bootstrap.servers=localhost:1\nschema.registry.url=http://localhost:2\ntradepulse.topic.prefx=x.\n");
        Path valid = Files.writeString(tmp.resolve("valid.properties"),
                "bootstrap.servers=localhost:1\nschema.registry.url=http://localhost:2\nstate.dir="
                        + tmp.resolve("state").toString().replace("\\", "\\\\") + "\n");
        files = Map.of("{csv}", csv.toString(), "{valid}", valid.toString(),
                "{data}", data.toString(), "{typo}", typo.toString(),
                "{missing}", tmp.resolve("missing.properties").toString(), "{dir}", tmp.toString(),
                "{under-file}", data.resolve("sub").resolve("x.offsets").toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "tariffs --file {csv} --config {missing}                     | --config {missing}: no such file",
        "tariffs --file {csv} --config {dir} --dry-run               | --config {dir}: cannot be read",
        "tariffs --file {csv} --config {typo} --dry-run              | Invalid configuration: ",
        "tariffs --file {missing} --dry-run                          | Refused: cannot read {missing}",
        "dlq --config {missing}                                      | --config {missing}: no such file",
        "dlq --config {typo}                                         | Invalid configuration: ",
        "dlq                                                         | Give --config",
        "dlq --config {valid} --since yesterday                      | --since yesterday: expected an instant",
        "dlq --config {valid} --dry-run                              | --dry-run is used with --replay only",
        "dlq --config {valid} --replay --to-topic trade.dlq          | --to-topic trade.dlq is the dead-letter topic this run reads",
        "dlq --config {valid} --replay --topic-prefix p. --to-topic p.trade.dlq | --to-topic p.trade.dlq is the dead-letter topic this run reads",
        "run --config {missing}                                      | --config {missing}: no such file",
        "run --config {typo}                                         | Invalid configuration: ",
        "run                                                         | Missing required option: '--config=<config>'",
        "ingest --source file --embedded --files {data} --set file.format=XML | Invalid connector settings",
        "ingest --source file --embedded                             | Invalid connector settings",
        "ingest --source file --embedded --files {data} --set http.retry.after.long=SOMETIMES | Invalid connector settings",
        "ingest --source nosuch --embedded                           | Invalid value for option '--source'",
        "ingest --source file --embedded --max-dead-letters lots     | Invalid value for option '--max-dead-letters'",
        "ingest --source census --embedded --follow --max-dead-letters 0 | --max-dead-letters is not used with --follow",
        "ingest --source file --bootstrap-servers localhost:1 --schema-registry-url http://localhost:2 --files {data} --offsets {dir} | --offsets {dir}: is a directory",
        "ingest --source file --bootstrap-servers localhost:1 --schema-registry-url http://localhost:2 --files {data} --offsets {data} | --offsets {data}: is not a source offsets file",
        "ingest --source file --embedded --files {data} --no-create-topics | --no-create-topics is not used with --embedded",
        "ingest --source file --embedded --files {data} --offsets {missing} | --offsets is not used with --embedded",
        "ingest --source file --bootstrap-servers localhost:1 --schema-registry-url http://localhost:2 --files {data} --offsets {under-file} | --offsets {under-file}: cannot be created: {data} is not a directory",
        "run --config {valid} --http-cors-origins https://bi.example.com/ | --http-cors-origins https://bi.example.com/: an origin has no path",
        "run --config {valid} --http-cors-origins *,http://a.example | --http-cors-origins *,http://a.example: * must be the only entry",
        "demo --timeout PT0S                                         | --timeout must be a positive duration",
        "demo --http-cors-origins bi.example.com                     | --http-cors-origins bi.example.com: scheme must be http or https",
        "bench --months 0                                            | --months must be 1..",
        "bench --records 20000000 --months 1                         | --records 20000000 --months 1: 20,000,000 records over 1 months need",
        "bench --state-store MEMORY                                  | Invalid value for option '--state-store'",
        "nosuchcommand                                               | Unmatched argument at index 0: 'nosuchcommand'",
    })
    void aCommandLineOrConfigurationRefusedBeforeAnythingStartsExitsWith2(String args, String firstLine) {
        String[] argv = args.trim().split(" +");
        for (int i = 0; i < argv.length; i++) {
            argv[i] = files.getOrDefault(argv[i], argv[i]);
        }

        CliRun r = CliRun.execute(argv);

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith(resolve(firstLine));
        assertThat(r.err()).as("no stack trace for a usage error").doesNotContain("\tat ");
    }

    private String resolve(String text) {
        String s = text;
        for (Map.Entry<String, String> e : files.entrySet()) {
            s = s.replace(e.getKey(), e.getValue());
        }
        return s;
    }

    /**
     * Settings the connector would refuse only when it starts, once the broker, the registry and the worker had started:
     * a required key not given (for comtrade.reporters a NullPointerException from its validator: exit 1 and a stack
     * trace), a rule across keys (a file mapping left incomplete, comext in API mode without a start month), and
     * comext --files without comext.mode=BULK, whose files the API mode does not read.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ingest --source comtrade --embedded --start 2025-01            | Invalid connector settings (--config, --set, --files, --start, --api-key; docs/connectors.md): Missing required configuration \"comtrade.reporters\" which has no default value",
        "ingest --source census --embedded                              | Invalid connector settings (--config, --set, --files, --start, --api-key; docs/connectors.md): Missing required configuration \"census.start.month\" which has no default value (--start)",
        "ingest --source file --embedded --files {data}                 | Invalid connector settings (--config, --set, --files, --start, --api-key; docs/connectors.md): File source mapping incomplete, set: field.reporter or default.reporter",
        "ingest --source comext --embedded --set comext.partners=CN     | Invalid connector settings (--config, --set, --files, --start, --api-key; docs/connectors.md): Invalid value  for configuration comext.start.period: is required when comext.mode=API",
        "ingest --source comext --embedded --start 2025-01 --files {data} | --files is read by --source comext with comext.mode=BULK only (add --set comext.mode=BULK)",
    })
    void shouldRefuseConnectorSettingsBeforeAnythingStartsWhenTheConnectorWouldRefuseThemOnlyAtItsStart(String args,
            String firstLine) {
        String[] argv = args.trim().split(" +");
        for (int i = 0; i < argv.length; i++) {
            argv[i] = files.getOrDefault(argv[i], argv[i]);
        }

        CliRun r = CliRun.execute(argv);

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith(firstLine);
        assertThat(r.err()).doesNotContain("\tat ", "Starting Kafka broker");
    }

    /**
     * Connect's own keys of a source connector (tasks.max, errors.tolerance, the converters), which the worker checks
     * when it creates the connector: they were not checked before, so an invalid one started the broker, the registry
     * and the worker (or created the topics on a real cluster), then failed with exit 1 and a stack trace. The file's
     * mapping is complete, so the line names only Connect's key.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "tasks.max=0                 | Invalid value 0 for configuration tasks.max: Value must be at least 1",
        "tasks.max=two               | Invalid value two for configuration tasks.max: Not a number of type INT",
        "errors.tolerance=some       | Invalid value some for configuration errors.tolerance: String must be one of: none, all",
        "value.converter=no.Such     | Invalid value no.Such for configuration value.converter: Class no.Such could not be found.",
    })
    void shouldRefuseConnectsOwnConnectorSettingsBeforeAnythingStartsWhenOneIsInvalid(String setting, String problem)
            throws IOException {
        Path mapping = Files.writeString(tmp.resolve("mapping.properties"), "file.source.name=X\ndefault.reporter=CHN\n"
                + "default.partner=USA\ndefault.flow=EXPORT\ndefault.commodity=TOTAL\ndefault.vintage=v1\n"
                + "default.publishedAt=2025-03-01\nfield.period=period_start\nfield.value=value\n");

        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--config", mapping.toString(),
                "--files", files.get("{data}"), "--set", setting);

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).isEqualTo("Invalid connector settings (--config, --set,"
                + " --files, --start, --api-key; docs/connectors.md): " + problem);
        assertThat(r.err()).doesNotContain("\tat ", "Starting Kafka broker");
    }

    /**
     * An invalid --worker-config value was refused only by the worker, once the broker and the registry had started
     * (or the topics were created on a real cluster), and an invalid producer. key only by the task's producer, with
     * exit 1 and a stack trace. Plain security keys reach the producers too, so they are checked as theirs.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "task.shutdown.graceful.timeout.ms=abc | Invalid value abc for configuration task.shutdown.graceful.timeout.ms: Not a number of type LONG",
        "producer.acks=foo                     | Invalid value foo for configuration acks: String must be one of: all, -1, 0, 1",
        "security.protocol=SSLX                | Invalid value SSLX for configuration security.protocol: String must be one of (case insensitive): ",
    })
    void shouldRefuseAnInvalidWorkerSettingBeforeAnythingStarts(String setting, String problem) throws IOException {
        Path mapping = Files.writeString(tmp.resolve("mapping.properties"), "file.source.name=X\ndefault.reporter=CHN\n"
                + "default.partner=USA\ndefault.flow=EXPORT\ndefault.commodity=TOTAL\ndefault.vintage=v1\n"
                + "default.publishedAt=2025-03-01\nfield.period=period_start\nfield.value=value\n");
        Path worker = Files.writeString(tmp.resolve("worker.properties"), setting + "\n");

        // The steps are printed on stdout: refused before anything starts, none is.
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        CliRun r;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            r = CliRun.execute("ingest", "--source", "file", "--embedded", "--config", mapping.toString(),
                    "--files", files.get("{data}"), "--worker-config", worker.toString());
        } finally {
            System.setOut(originalOut);
        }

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("Invalid configuration: " + problem);
        assertThat(r.err()).doesNotContain("\tat ");
        assertThat(stdout.toString(StandardCharsets.UTF_8)).doesNotContain("Starting Kafka broker");
    }

    /**
     * ingest's refusal of the settings it was given (--set, --config, --worker-config) was followed by the command's
     * whole usage, some 100 lines that say nothing about settings, where run prints an invalid setting on one line.
     * Options that do not go together still show the usage.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--files {data} --set file.format=XML                    | Invalid connector settings",
        "--files {data}                                          | Invalid connector settings",
        "--files {data} --set topic=a/b                          | Invalid connector settings (--config, --set; docs/connectors.md): topic",
        "--files {data} --set topic=t --set dlq.topic=t          | Invalid connector settings (--config, --set; docs/connectors.md): topic and dlq.topic are both t",
        "--files {data} --worker-config {worker}                 | --worker-config {worker} sets bootstrap.servers",
    })
    void shouldRefuseIngestSettingsOnOneLineWithoutTheUsageWhenTheyAreInvalid(String args, String firstLine)
            throws IOException {
        Path worker = Files.writeString(tmp.resolve("worker.properties"), "bootstrap.servers=elsewhere:9092\n");
        String[] argv = ("ingest --source file --embedded " + args.trim()).split(" +");
        for (int i = 0; i < argv.length; i++) {
            argv[i] = argv[i].equals("{worker}") ? worker.toString() : files.getOrDefault(argv[i], argv[i]);
        }

        CliRun r = CliRun.execute(argv);

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith(resolve(firstLine).replace("{worker}", worker.toString()))
                .doesNotContain("Usage:");
    }

    /**
     * A Kafka Connect JSON connector config given to --config (a properties file) was read as properties, every line a
     * key nobody reads, and refused as "File source mapping incomplete, set: field.reporter or default.reporter; ...",
     * naming keys the file did set. Both forms of Connect's JSON: flat (as deploy/connect/connectors/ has them) and
     * with a "config" object (as the REST API takes them).
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\n  \"name\": \"tradepulse-file\",\n  \"file.format\": \"CSV\"\n}",
        "\uFEFF  \n {\"name\": \"tradepulse-file\", \"config\": {\"file.format\": \"CSV\"}}",
    })
    void shouldRefuseAJsonConnectorConfigNamingTheFileWhenGivenAsTheConfigPropertiesFile(String json) throws IOException {
        Path config = Files.writeString(tmp.resolve("tradepulse-file.json"), json);

        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--files", files.get("{data}"),
                "--config", config.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("--config " + config + " is a JSON file")
                .contains("Java properties file", "key=value").doesNotContain("mapping incomplete");
    }

    /** A JSON --worker-config was read as properties whose keys no worker reads: the run went on without them. */
    @Test
    void shouldRefuseAJsonWorkerConfigNamingTheFileWhenGivenAsThePropertiesFile() throws IOException {
        Path mapping = Files.writeString(tmp.resolve("mapping.properties"), "file.source.name=X\ndefault.reporter=CHN\n"
                + "default.partner=USA\ndefault.flow=EXPORT\ndefault.commodity=TOTAL\ndefault.vintage=v1\n"
                + "default.publishedAt=2025-03-01\nfield.period=period_start\nfield.value=value\n");
        Path worker = Files.writeString(tmp.resolve("worker.json"), "{\"security.protocol\": \"SSL\"}\n");

        // A cluster that does not answer, given up on within a second: nothing must be contacted.
        CliRun r = CliRun.execute("ingest", "--source", "file", "--bootstrap-servers", "127.0.0.1:1",
                "--schema-registry-url", "http://127.0.0.1:1", "--timeout", "PT1S", "--offsets",
                tmp.resolve("x.offsets").toString(), "--config", mapping.toString(), "--files", files.get("{data}"),
                "--worker-config", worker.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("--worker-config " + worker + " is a JSON file").contains("key=value");
    }

    @Test
    void shouldStillShowTheUsageWhenIngestsOptionsDoNotGoTogether() {
        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--bootstrap-servers", "b:9092");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("Give either --embedded or --bootstrap-servers").contains("Usage:");
    }

    /** The file connector's validate names each missing part of the mapping on its key; the line says the lead once. */
    @Test
    void shouldNameEveryMissingPartOfAFileMappingUnderOneLead() {
        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--files", files.get("{data}"),
                "--set", "default.reporter=USA", "--set", "field.flow=flow");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).isEqualTo("Invalid connector settings (--config, --set,"
                + " --files, --start, --api-key; docs/connectors.md): File source mapping incomplete, set:"
                + " field.partner or default.partner; field.commodity or default.commodity; field.period (or"
                + " field.year and field.month); field.vintage or default.vintage; field.publishedAt or"
                + " default.publishedAt");
    }

    /** The connector's own check, with the key and why, not the worker's message after the broker started. */
    @Test
    void anInvalidConnectorSettingIsNamedWithTheAllowedValues() throws IOException {
        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--files", files.get("{data}"),
                "--set", "file.format=XML");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).contains("file.format", "XML", "CSV, JSON");
    }

    @Test
    void everyCommandsHelpListsTheExitCodes() {
        CommandLine main = Main.commandLine();
        assertThat(main.getCommandSpec().usageMessage().exitCodeList()).containsOnlyKeys("0", "1", "2", "3", "130/143");
        main.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                assertThat(sub.getUsageMessage()).as(name).contains("Exit codes:");
                assertThat(sub.getCommandSpec().usageMessage().exitCodeList().keySet()).as(name)
                        .startsWith("0", "1", "2");
            }
        });
        assertThat(main.getSubcommands().get("ingest").getCommandSpec().usageMessage().exitCodeList())
                .containsKey(Integer.toString(IngestCommand.DEAD_LETTERS_EXIT_CODE));
    }

    @Test
    void shouldListExitCodes130And143InEveryHelpWhenACommandStoppedByCtrlCOrSigtermEndsWithThem() {
        // docs/operations.md's exit-code table (and the README) list 130 / 143 for every command, and `run` ends with
        // 143 on every SIGTERM (GracefulShutdownIT): its --help must not leave a supervisor's script to guess that.
        CommandLine main = Main.commandLine();
        assertThat(main.getUsageMessage()).contains("130/143", "SIGTERM");
        main.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                assertThat(sub.getCommandSpec().usageMessage().exitCodeList()).as(name).containsKey("130/143");
                assertThat(sub.getUsageMessage()).as(name).contains("130/143", "Ctrl-C (SIGINT) / SIGTERM");
            }
        });
    }

    @Test
    void shouldListIngestsExitCode3AndNameTheFailureLineInTheTopLevelHelp() {
        // README lists 3 with the others; the top-level help named 0, 1, 2 and 130/143 only. And exit 1's "first line
        // of stderr" was not the failure's line for run, whose Kafka clients log connection warnings before it.
        Map<String, String> codes = Main.commandLine().getCommandSpec().usageMessage().exitCodeList();
        assertThat(codes.get(Integer.toString(IngestCommand.DEAD_LETTERS_EXIT_CODE))).contains("--max-dead-letters");
        assertThat(codes.get("1")).contains("'tradepulse <command> failed: ...'").doesNotContain("the first line of");
    }

    @Test
    void everyHelpExampleFitsTheHelpWidthSoThatItCanBePastedAsPrinted() {
        // picocli breaks a longer line at the width, mid-word: "--set census." / "comm.lvl=TOTAL" could not be pasted.
        CommandLine main = Main.commandLine();
        main.getSubcommands().forEach((name, sub) -> {
            int width = sub.getCommandSpec().usageMessage().width();
            boolean examples = false;
            for (String line : sub.getCommandSpec().usageMessage().footer()) {
                examples = examples ? !line.isEmpty() : line.equals("Examples:");
                if (examples && line.startsWith("  ")) {
                    assertThat(line.length()).as(name + ": " + line).isLessThanOrEqualTo(width);
                }
            }
        });
    }

    @Test
    void shouldTakeEnumOptionValuesInAnyCase() {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs("dlq", "--bootstrap-servers", "localhost:9092",
                "--schema-registry-url", "http://localhost:8081", "--stage", "validation");
        DlqCommand dlq = (DlqCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(dlq.stages).containsExactly(io.tradepulse.avro.DeadLetterStage.VALIDATION);
    }
}
