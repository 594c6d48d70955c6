package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tradepulse.connect.common.LongRetryAfterException;
import io.tradepulse.connect.common.TradeSourceConfig;
import io.tradepulse.connect.comtrade.ComtradeConfig;
import io.tradepulse.connect.runner.ConnectorFailedException;
import io.tradepulse.connect.runner.FailedTasks;
import io.tradepulse.connect.runner.OffsetsNotSavedException;
import io.tradepulse.connect.runner.TaskStopCutShortException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/** What {@code tradepulse ingest} decides without a broker. */
class IngestCommandTest {

    /**
     * {@code --worker-config} with {@code config.providers.bad.class=com.nope.Nope} exited 2 with "Invalid
     * configuration: ...", but below Kafka's "ERROR AbstractConfig - Could not load config provider class" and a
     * 25-line stack trace. The refusal is the one line; AbstractConfig's level is given back after the check.
     */
    @Test
    void shouldRefuseAConfigProviderThatCannotBeLoadedWithoutKafkasErrorLogWhenTheWorkerConfigNamesOne() throws Exception {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        // The launcher's own log4j2.xml, as a user's run has it (the levels of a configuration of the user's are theirs).
        URI testsConfiguration = context.getConfigLocation();
        context.setConfigLocation(LogLevels.class.getResource(LogLevels.BUNDLED_CONFIGURATION).toURI());
        List<String> logged = new CopyOnWriteArrayList<>();
        Appender appender = new AbstractAppender("collect", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                logged.add(event.getLevel() + " " + event.getLoggerName() + " - " + event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        context.getConfiguration().getRootLogger().addAppender(appender, null, null);
        context.updateLoggers();
        Properties worker = new Properties();
        worker.setProperty("config.providers", "bad");
        worker.setProperty("config.providers.bad.class", "com.nope.Nope");
        try {
            assertThatThrownBy(() -> IngestCommand.checkWorkerSettings(worker))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("com.nope.Nope");

            assertThat(logged).as("Kafka's log of the refused provider").isEmpty();
            assertThat(context.getLogger(AbstractConfig.class.getName()).isEnabled(Level.ERROR))
                    .as("AbstractConfig's level after the check").isTrue();
        } finally {
            context.getConfiguration().getRootLogger().removeAppender("collect");
            appender.stop();
            context.setConfigLocation(testsConfiguration);
        }
    }

    /**
     * The converters parsed their registry keys only when the worker built them, after the topics had been created
     * and the worker started. Refused by the check made before anything starts, naming the key and the value, whether
     * given plainly (handed to both converters) or with a converter's prefix.
     */
    @Test
    void shouldRefuseAnInvalidConverterRegistrySettingBeforeAnythingStartsWhenTheWorkerConfigHasOne(@TempDir Path dir)
            throws Exception {
        for (Map.Entry<String, String> bad : Map.of(
                "basic.auth.credentials.source", "FOO",
                "value.converter.bearer.auth.credentials.source", "BAR",
                "key.converter.auto.register.schemas", "maybe",
                "value.converter.value.subject.name.strategy", "com.example.NoSuchStrategy",
                // the dead letters' keys are strings, which have no subject under it
                "key.converter.key.subject.name.strategy", "io.tradepulse.registry.strategy.RecordNameStrategy")
                .entrySet()) {
            Properties worker = new Properties();
            worker.setProperty(bad.getKey(), bad.getValue());
            String key = bad.getKey().replaceFirst("^(key|value)\\.converter\\.", "");

            assertThatThrownBy(() -> IngestCommand.checkWorkerSettings(worker)).as(bad.getKey())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key).hasMessageContaining(bad.getValue());
        }
        Properties fine = new Properties();
        fine.setProperty("basic.auth.credentials.source", "USER_INFO");
        fine.setProperty("basic.auth.user.info", "ingest:secret");
        fine.setProperty("value.converter.auto.register.schemas", "false");
        assertThatCode(() -> IngestCommand.checkWorkerSettings(fine)).doesNotThrowAnyException();
        // Checked as the worker hands the keys to the converters: with config provider variables resolved.
        Path secrets = Files.writeString(dir.resolve("registry.properties"), "auto=false\nsource=USER_INFO\n");
        Properties provided = new Properties();
        provided.setProperty("config.providers", "file");
        provided.setProperty("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        provided.setProperty("value.converter.auto.register.schemas", "${file:" + secrets + ":auto}");
        provided.setProperty("basic.auth.credentials.source", "${file:" + secrets + ":source}");
        provided.setProperty("basic.auth.user.info", "ingest:secret");
        assertThatCode(() -> IngestCommand.checkWorkerSettings(provided)).doesNotThrowAnyException();
    }

    /**
     * A followed ingest waited on a latch nothing released: a task that failed once caught up left the process
     * running for ever, publishing nothing, and a supervisor never saw a failure. The failure now ends the run.
     */
    @Test
    void shouldEndAFollowedIngestWithTheFailureWhenItsTaskFailsAfterCatchingUp() {
        AtomicInteger checks = new AtomicInteger();
        IllegalStateException failed = new IllegalStateException("Task 0 of tradepulse-census failed");

        assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                IngestCommand.followUntilFailed(() -> {
                    if (checks.incrementAndGet() == 3) { // running twice, then failed
                        throw failed;
                    }
                }, () -> false, Duration.ofMillis(5)))).isSameAs(failed);
        assertThat(checks).hasValue(3);
    }

    /** Once Ctrl-C is stopping the worker, what it reports of the connector is no failure: the run stops cleanly. */
    @Test
    void shouldNotTakeTheStoppingWorkerForAFailureWhenAFollowedIngestIsStopped() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread follower = new Thread(() -> {
            try {
                IngestCommand.followUntilFailed(() -> {
                    checks.incrementAndGet();
                    throw new IllegalStateException("the herder is stopping");
                }, () -> true, Duration.ofMillis(5));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        follower.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (checks.get() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        follower.interrupt(); // the JVM's exit, here
        follower.join(10_000);

        assertThat(checks.get()).isGreaterThanOrEqualTo(5);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    /**
     * Connect gives its task producers only the producer.-prefixed keys: the security keys of --worker-config, as
     * its help names them, secured the admin clients and left the producers that publish the rows in plaintext.
     */
    @Test
    void shouldPassTheWorkerConfigsSecurityKeysToTheProducersWhenGivenWithoutThePrefix() {
        Properties user = new Properties();
        user.setProperty("security.protocol", "SASL_SSL");
        user.setProperty("sasl.mechanism", "SCRAM-SHA-512");
        user.setProperty("sasl.jaas.config", "ScramLoginModule required username=\"u\" password=\"p\";");
        user.setProperty("ssl.truststore.location", "/etc/tradepulse/truststore.p12");
        user.setProperty("producer.sasl.mechanism", "PLAIN"); // the user's own producer key wins
        user.setProperty("offset.flush.timeout.ms", "9000"); // not a client's security key: stays the worker's

        Map<String, String> worker = IngestCommand.workerConfig(user, Map.of("bootstrap.servers", "b:9093"));

        assertThat(worker).containsEntry("producer.security.protocol", "SASL_SSL")
                .containsEntry("producer.sasl.jaas.config", user.getProperty("sasl.jaas.config"))
                .containsEntry("producer.ssl.truststore.location", "/etc/tradepulse/truststore.p12")
                .containsEntry("producer.sasl.mechanism", "PLAIN")
                .containsEntry("security.protocol", "SASL_SSL") // the worker's own admin client keeps them
                .containsEntry("bootstrap.servers", "b:9093")
                .doesNotContainKey("producer.offset.flush.timeout.ms");
    }

    /**
     * The converters (ingest's registry client) take only key.converter.- and value.converter.-prefixed keys: the
     * registry credentials of --worker-config, given as run's --config gives them, were not used (a 401 at the first
     * record).
     */
    @Test
    void shouldPassTheWorkerConfigsRegistryKeysToTheConvertersWhenGivenWithoutThePrefix() {
        Properties user = new Properties();
        user.setProperty("basic.auth.credentials.source", "USER_INFO");
        user.setProperty("basic.auth.user.info", "tradepulse:secret");
        user.setProperty("schema.registry.ssl.truststore.location", "/etc/tradepulse/registry.p12");
        user.setProperty("value.converter.basic.auth.user.info", "other:secret"); // given for the converter: wins

        Map<String, String> worker = IngestCommand.workerConfig(user,
                Map.of("key.converter.schema.registry.url", "http://r:8081", "value.converter.schema.registry.url",
                        "http://r:8081"));

        assertThat(worker).containsEntry("key.converter.basic.auth.credentials.source", "USER_INFO")
                .containsEntry("value.converter.basic.auth.credentials.source", "USER_INFO")
                .containsEntry("key.converter.basic.auth.user.info", "tradepulse:secret")
                .containsEntry("value.converter.basic.auth.user.info", "other:secret")
                .containsEntry("key.converter.schema.registry.ssl.truststore.location", "/etc/tradepulse/registry.p12")
                .containsEntry("value.converter.schema.registry.ssl.truststore.location", "/etc/tradepulse/registry.p12")
                .containsEntry("key.converter.schema.registry.url", "http://r:8081");
    }

    @Test
    void theDefaultOffsetsFileIsPerSourceClusterAndTopic() {
        String a = IngestCommand.defaultOffsetsFileName(IngestCommand.Source.file, "q1Sh-9_nRnyRXaQqsx3Wdg", "trade.records");

        assertThat(a).isEqualTo("ingest-file-q1Sh-9_nRnyRXaQqsx3Wdg-trade.records.offsets");
        // Another cluster, another topic prefix, another source: another file, so none skips what another received.
        assertThat(IngestCommand.defaultOffsetsFileName(IngestCommand.Source.file, "Zb3vS0AaRkq7xJ1nXo2wPQ", "trade.records"))
                .isNotEqualTo(a);
        assertThat(IngestCommand.defaultOffsetsFileName(IngestCommand.Source.file, "q1Sh-9_nRnyRXaQqsx3Wdg", "staging.trade.records"))
                .isNotEqualTo(a);
        assertThat(IngestCommand.defaultOffsetsFileName(IngestCommand.Source.gacc, "q1Sh-9_nRnyRXaQqsx3Wdg", "trade.records"))
                .isNotEqualTo(a);
    }

    @Test
    void nothingInAClusterIdOrTopicCanLeaveTheOffsetsDirectory() {
        assertThat(IngestCommand.defaultOffsetsFileName(IngestCommand.Source.census, "../x", "a/b"))
                .isEqualTo("ingest-census-.._x-a_b.offsets")
                .doesNotContain("/");
    }

    @Test
    void anOldSharedOffsetsFileSaysHowToResumeFromItOrLeaveIt() {
        Path legacy = Path.of("/home/u/.tradepulse/ingest-census.offsets");

        assertThat(IngestCommand.legacyOffsetsMessage(legacy))
                .contains("--offsets " + legacy, "move it away", "ingest-<source>-<cluster id>-<topic>.offsets");
    }

    /** The connector settings ingest would run with, for these arguments (as picocli parses them). */
    static Map<String, String> settings(String... args) throws Exception {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs(args);
        return command.connectorSettings();
    }

    /**
     * {@code --set =v} (a key forgotten) was taken as the connector setting "" and ignored by Connect, so the run went
     * on without the setting meant. It is refused before anything starts, naming the option; an empty value stays a
     * setting ({@code --set comext.reporters=}).
     */
    @Test
    void shouldRefuseASetWhenItsKeyIsEmpty() throws Exception {
        for (String set : List.of("=BULK", " =BULK")) {
            assertThatThrownBy(() -> settings("--source", "comext", "--embedded", "--set", set))
                    .isInstanceOf(CommandLine.ParameterException.class)
                    .hasMessageContaining("--set " + set + ": no key before '='");
        }
        assertThat(settings("--source", "comext", "--embedded", "--set", "comext.reporters="))
                .containsEntry("comext.reporters", "");
    }

    /**
     * --files, --start and --api-key are short for a connector key, as --connector-class is for connector.class; given
     * with a --set of the same key and another value, the --set won silently (`--start 2025-01 --set
     * census.start.month=2024-01` read from 2024-01), where --connector-class and a different --set connector.class are
     * refused: which one was meant cannot be told. Refused naming both, before anything starts; an API key is not
     * printed.
     */
    @Test
    void shouldRefuseAShortcutAndASetOfItsKeyNamingBothWhenTheyGiveDifferentValues(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("a.csv"), "");
        Path b = Files.writeString(dir.resolve("b.csv"), "");

        assertThatThrownBy(() -> settings("--source", "census", "--embedded", "--start", "2025-01",
                "--set", "census.start.month=2024-01"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--start 2025-01 and --set census.start.month=2024-01 set census.start.month to different"
                        + " values: give one of them");
        assertThatThrownBy(() -> settings("--source", "comtrade", "--embedded", "--start", "2025-01",
                "--set", "comtrade.start.period=202401"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--start 2025-01 and --set comtrade.start.period=202401 set comtrade.start.period to"
                        + " different values: give one of them");
        assertThatThrownBy(() -> settings("--source", "file", "--embedded", "--files", a.toString(),
                "--set", "file.paths=" + b))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--files " + a + " and --set file.paths=" + b + " set file.paths to different values:"
                        + " give one of them");
        assertThatThrownBy(() -> settings("--source", "census", "--embedded", "--api-key", "secret-1",
                "--set", "census.api.key=secret-2"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--api-key and --set census.api.key set census.api.key to different values (not printed):"
                        + " give one of them");

        // Through the command line: exit code 2, before anything is contacted (the cluster here does not answer).
        CliRun r = CliRun.execute("ingest", "--source", "census", "--bootstrap-servers", "127.0.0.1:1",
                "--schema-registry-url", "http://127.0.0.1:1", "--offsets", dir.resolve("x.offsets").toString(),
                "--timeout", "PT1S", "--start", "2025-01", "--set", "census.start.month=2024-01");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("--start 2025-01 and --set census.start.month=2024-01 set");
    }

    /**
     * A --schema-registry-url that answers as no registry API (a plain 404: a wrong path) created the topics and started
     * the worker, whose converter then failed at the first row (exit 1). Refused before anything starts, naming it.
     */
    @Test
    void shouldRefuseARegistryUrlThatAnswersAsNoRegistryApiBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        try (NotARegistry notARegistry = new NotARegistry()) {
            String url = notARegistry.url("/wrong");
            CliRun r = CliRun.execute("ingest", "--source", "census", "--bootstrap-servers", "127.0.0.1:1",
                    "--schema-registry-url", url, "--offsets", dir.resolve("x.offsets").toString(), "--timeout", "PT2S",
                    "--start", "2025-01");

            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).startsWith("Invalid configuration: --schema-registry-url " + url
                    + " answers GET /config with HTTP 404");
        }
    }

    /** The same value in both, as each form writes it, is no conflict. */
    @Test
    void shouldTakeAShortcutAndASetOfItsKeyWhenTheyGiveTheSameValue(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("a.csv"), "");
        Path b = Files.writeString(dir.resolve("b.csv"), "");
        String cwd = Path.of("").toAbsolutePath().toString();

        assertThat(settings("--source", "census", "--embedded", "--start", "2025-01",
                "--set", "census.start.month=2025-01")).containsEntry("census.start.month", "2025-01");
        assertThat(settings("--source", "comtrade", "--embedded", "--start", "2025-01",
                "--set", "comtrade.start.period=202501")).containsEntry("comtrade.start.period", "202501");
        assertThat(settings("--source", "file", "--embedded", "--files", a + "," + b,
                "--set", "file.paths=" + a + ", " + b)).containsKey("file.paths");
        assertThat(settings("--source", "gacc", "--embedded", "--files", "t.csv",
                "--set", "gacc.tables=" + Path.of(cwd, "t.csv"))).as("relative and absolute").containsKey("gacc.tables");
        assertThat(settings("--source", "census", "--embedded", "--api-key", "k", "--set", "census.api.key=k"))
                .containsEntry("census.api.key", "k");
    }

    /**
     * Out of its quota, the Comtrade task waited for hours by default, and a one-shot ingest ended at --timeout with
     * "not done after PT30M". Such a run now has the task fail at once; a followed one waits, and the user's key wins.
     */
    @Test
    void shouldHaveAOneShotComtradeRunFailOnItsQuotaUnlessFollowingOrTheUserSaysOtherwise(@TempDir Path dir)
            throws Exception {
        String key = ComtradeConfig.QUOTA_EXHAUSTED_CONFIG;
        Path config = Files.writeString(dir.resolve("comtrade.properties"), key + "=WAIT\n");

        assertThat(settings("--source", "comtrade", "--embedded")).containsEntry(key, "FAIL");
        assertThat(settings("--source", "comtrade", "--embedded", "--follow")).doesNotContainKey(key);
        assertThat(settings("--source", "comtrade", "--embedded", "--set", key + "=WAIT")).containsEntry(key, "WAIT");
        assertThat(settings("--source", "comtrade", "--embedded", "--config", config.toString()))
                .containsEntry(key, "WAIT");
        assertThat(settings("--source", "census", "--embedded")).doesNotContainKey(key);
    }

    @Test
    void shouldSayWhereTheRunResumesWhenStoppedOnTheQuota() throws Exception {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs("--source", "comtrade", "--bootstrap-servers", "b:9092",
                "--schema-registry-url", "http://r");
        Path offsets = Path.of("/home/u/.tradepulse/ingest-comtrade-c-trade.records.offsets");

        assertThat(command.outOfQuotaMessage("Comtrade: out of quota; run again after 2025-06-15T05:42:10Z", offsets))
                .startsWith("comtrade stopped: Comtrade: out of quota; run again after 2025-06-15T05:42:10Z")
                .contains("resume point saved in " + offsets, "--follow", key());
    }

    private static String key() {
        return ComtradeConfig.QUOTA_EXHAUSTED_CONFIG + "=WAIT";
    }

    /**
     * What a task throws when the registry is down, as Connect wraps it: "Tolerance exceeded in error handler", the
     * converter's DataException, the serializer's, then the registry client's own.
     */
    private static ConnectorFailedException registryDownTaskFailure() {
        Exception registry = new IllegalStateException("Schema registry unavailable at [http://127.0.0.1:1/apis/ccompat/v7]"
                + " after 4 attempt(s) in 5256 ms; last failure: ConnectException; error code: -1",
                new java.net.ConnectException());
        Exception serializer = new org.apache.kafka.common.errors.SerializationException("Schema registry unavailable"
                + " while registering Avro schema io.tradepulse.avro.SeriesKey for subject 'trade.records-key': "
                + registry.getMessage(), registry);
        Exception converter = new org.apache.kafka.connect.errors.DataException("Converting io.tradepulse.avro.SeriesKey"
                + " data to Avro for topic trade.records failed: " + serializer.getMessage(), serializer);
        return FailedTasks.taskFailed("tradepulse-file", 0,
                new org.apache.kafka.connect.errors.ConnectException("Tolerance exceeded in error handler", converter));
    }

    /**
     * A failed task's message is the worker's whole trace: "tradepulse ingest failed: Task 0 of tradepulse-file failed:
     * org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler" was followed by the
     * "Caused by" lines and frames, the registry that was down named only in one of them. The first line names the
     * causes, the trace follows for a bug report (exit 1).
     */
    @Test
    void shouldNameTheTasksCausesOnTheFailureLineWhenATaskFailed() {
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine().setErr(new PrintWriter(err, true));

        int code = Main.failed(registryDownTaskFailure(), cmd.getSubcommands().get("ingest"), null);

        assertThat(code).isEqualTo(1);
        String first = err.toString().lines().findFirst().orElseThrow();
        assertThat(first).startsWith("tradepulse ingest failed: Task 0 of tradepulse-file failed: Tolerance exceeded in"
                + " error handler: Converting io.tradepulse.avro.SeriesKey data to Avro")
                .contains("Schema registry unavailable at [http://127.0.0.1:1/apis/ccompat/v7]")
                .doesNotContain("org.apache.kafka.connect.errors.ConnectException", "Caused by");
        assertThat(err.toString()).as("the trace, after the line").contains("Caused by: ", "\tat ");
    }

    /** The step's line on stdout had the task's whole trace, some 60 stack frames: it names the causes, on one line. */
    @Test
    void shouldEndTheStepsLineWithTheTasksCausesWhenATaskFailed() {
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        Progress progress = new Progress(new java.io.PrintStream(stdout, true, java.nio.charset.StandardCharsets.UTF_8), 5);

        assertThatThrownBy(() -> progress.step("Ingesting", () -> {
            throw registryDownTaskFailure();
        }, x -> "")).isInstanceOf(ConnectorFailedException.class);

        String printed = stdout.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(printed.lines().toList()).as(printed).hasSize(1);
        assertThat(printed).contains("FAILED after", "Task 0 of tradepulse-file failed: Tolerance exceeded in error handler",
                "Schema registry unavailable at [http://127.0.0.1:1/apis/ccompat/v7]").doesNotContain("\tat ");
    }

    /**
     * The worker's refusal of a connector's settings (a connector.class other than the source's, left to the worker)
     * lists them on several lines: the step's line and the failure line ended at the first line break, the settings
     * standing alone below them. (ingest now throws that refusal as a SettingsRefusedException, exit 2: see
     * shouldRefuseOnOneLineWithExitCode2NamingTheKeysWhenTheWorkerRefusesTheConnectorsSettings; any other
     * message on several lines is still kept on one line, as here.)
     */
    @Test
    void shouldKeepTheStepLineAndTheFailureLineOnOneLineWhenTheMessageHasSeveral() {
        String refused = "Failed starting connector tradepulse-file: Connector configuration is invalid and contains"
                + " the following 2 error(s):\nMissing required configuration \"gacc.tables\" which has no default"
                + " value.\nConfiguration 'gacc.tables' values must not be null.\n";
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        Progress progress = new Progress(new java.io.PrintStream(stdout, true, java.nio.charset.StandardCharsets.UTF_8), 5);
        assertThatThrownBy(() -> progress.step("Starting connector tradepulse-file", () -> {
            throw new org.apache.kafka.connect.errors.ConnectException(refused);
        }, x -> "")).isInstanceOf(org.apache.kafka.connect.errors.ConnectException.class);
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine().setErr(new PrintWriter(err, true));

        int code = Main.failed(new org.apache.kafka.connect.errors.ConnectException(refused),
                cmd.getSubcommands().get("ingest"), null);

        String step = stdout.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(step.lines().toList()).as(step).hasSize(1);
        assertThat(step).contains("2 error(s): Missing required configuration \"gacc.tables\" which has no default"
                + " value. Configuration 'gacc.tables' values must not be null.");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().lines().findFirst().orElseThrow()).isEqualTo("tradepulse ingest failed: "
                + "Failed starting connector tradepulse-file: Connector configuration is invalid and contains the"
                + " following 2 error(s): Missing required configuration \"gacc.tables\" which has no default value."
                + " Configuration 'gacc.tables' values must not be null.");
    }

    /** A task whose trace has no cause: its message, without the class name. */
    @Test
    void shouldNameTheMessageAloneWhenTheTasksTraceHasNoCause() {
        ConnectorFailedException failed = FailedTasks.taskFailed("tradepulse-file", 0,
                new org.apache.kafka.connect.errors.ConnectException("HTTP 404 for http://127.0.0.1:18765/missing.csv"));

        assertThat(ConnectorFailures.oneLine(failed))
                .isEqualTo("Task 0 of tradepulse-file failed: HTTP 404 for http://127.0.0.1:18765/missing.csv");
    }

    /**
     * `--timeout PT20S` against a broker that does not answer failed after 60 s: the admin client that creates the
     * topics waited its default.api.timeout.ms. Its waits are bounded by --timeout (here 2 s; CliRun gives up at 20 s).
     */
    @Test
    void shouldGiveUpOnAnUnreachableClusterWithinTheTimeoutWhenItIsShorterThanTheAdminClientsWait(@TempDir Path dir)
            throws Exception {
        Path mapping = Files.writeString(dir.resolve("mapping.properties"), "file.source.name=X\ndefault.reporter=CHN\n"
                + "default.partner=USA\ndefault.flow=EXPORT\ndefault.commodity=TOTAL\ndefault.vintage=v1\n"
                + "default.publishedAt=2025-03-01\nfield.period=period_start\nfield.value=value\n");
        Path data = Files.writeString(dir.resolve("data.csv"), "period_start,value\n2025-01,1\n");
        java.io.PrintStream originalOut = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        CliRun r;
        long started = System.nanoTime();
        try {
            r = CliRun.execute("ingest", "--source", "file", "--bootstrap-servers", "127.0.0.1:1",
                    "--schema-registry-url", "http://127.0.0.1:1", "--config", mapping.toString(), "--files",
                    data.toString(), "--offsets", dir.resolve("x.offsets").toString(), "--timeout", "PT2S");
        } finally {
            System.setOut(originalOut);
        }

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("tradepulse ingest failed: ");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        assertThat(IngestCommand.adminTimeouts(Duration.ofMinutes(30))).as("a longer --timeout: Kafka's defaults")
                .containsEntry("default.api.timeout.ms", 60_000).containsEntry("request.timeout.ms", 30_000);
    }

    /**
     * --timeout takes any positive duration, as bench's does; the worker's waits (EmbeddedConnect) count it in
     * nanoseconds from System.nanoTime(), so one beyond ~292 years (P200000D, meant as "never") threw
     * ArithmeticException "long overflow" once the topics were created and the worker and connector had started:
     * "tradepulse ingest failed: long overflow", exit 1 and a stack trace. The admin client's timeouts of a --timeout
     * beyond ~292 million years (PT9223372036854775807S) threw it before anything was contacted.
     */
    @Test
    void shouldWaitForTheConnectorAsLongAsItCountsWhenTheTimeoutIsTooLongToCountInNanoseconds() {
        for (Duration never : List.of(Duration.ofDays(200_000), Duration.ofSeconds(Long.MAX_VALUE))) {
            Duration handed = IngestCommand.workerWait(never);
            // What EmbeddedConnect computes from it: no overflow.
            assertThat(Math.addExact(System.nanoTime(), handed.toNanos())).as(never.toString()).isPositive();
            assertThat(handed).as("still as good as never").isGreaterThan(Duration.ofDays(365L * 50));
            assertThat(IngestCommand.adminTimeouts(never)).as("Kafka's defaults")
                    .containsEntry("default.api.timeout.ms", 60_000).containsEntry("request.timeout.ms", 30_000);
        }
        assertThat(IngestCommand.workerWait(Duration.ofMinutes(30))).isEqualTo(Duration.ofMinutes(30));
    }

    /** A run to repeat later is a failure (1), on one line: nothing to debug, no stack trace. */
    @Test
    void shouldExitWith1AndOneLineWithoutStackTraceWhenARunIsToBeRepeatedLater() {
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine().setErr(new PrintWriter(err, true));

        int code = Main.failed(new RunAgainLaterException("comtrade stopped: out of quota; run again after then",
                new IllegalStateException("the task's trace")), cmd.getSubcommands().get("ingest"), null);

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("tradepulse ingest failed: comtrade stopped: out of quota; run again "
                + "after then" + System.lineSeparator());
    }

    /**
     * A followed ingest whose offsets file could not be written for minutes ends (exit 1) with the worker's message,
     * which names the file and the cause: one line, as for a resume point not saved at the end, not a stack trace.
     */
    @Test
    void shouldExitWith1AndOneLineWithoutStackTraceWhenTheOffsetsFileCouldNotBeWrittenForMinutes() {
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine().setErr(new PrintWriter(err, true));

        int code = Main.failed(new OffsetsNotSavedException(Path.of("/data/comtrade.offsets"),
                "The source offsets file /data/comtrade.offsets could not be written for 300 s",
                new java.io.IOException("No space left on device")), cmd.getSubcommands().get("ingest"), null);

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("tradepulse ingest failed: The source offsets file /data/comtrade.offsets "
                + "could not be written for 300 s" + System.lineSeparator());
    }

    /**
     * A server that asked, with Retry-After, not to be called for an hour had the task wait for it, silent, and a
     * one-shot ingest ended at --timeout with "not done after PT30M". Such a run now has the task fail at once, for
     * every source (APIs and URLs alike); a followed one waits, and the user's key wins.
     */
    @ParameterizedTest
    @EnumSource(IngestCommand.Source.class)
    void shouldHaveAOneShotRunFailOnALongRetryAfterUnlessFollowingOrTheUserSaysOtherwise(IngestCommand.Source source,
            @TempDir Path dir) throws Exception {
        String key = TradeSourceConfig.HTTP_RETRY_AFTER_LONG_CONFIG;
        Path config = Files.writeString(dir.resolve("source.properties"), key + "=WAIT\n");
        String src = source.name();

        assertThat(settings("--source", src, "--embedded")).containsEntry(key, "FAIL");
        assertThat(settings("--source", src, "--embedded", "--follow")).doesNotContainKey(key);
        assertThat(settings("--source", src, "--embedded", "--set", key + "=WAIT")).containsEntry(key, "WAIT");
        assertThat(settings("--source", src, "--embedded", "--config", config.toString())).containsEntry(key, "WAIT");
    }

    /**
     * The task's failure (its class, as the worker's trace names it) is a run to repeat later: one line, exit 1, saying
     * what the task said (the server, its Retry-After, when to call again), what the run keeps and how to wait instead.
     */
    @Test
    void shouldExitWith1AndOneLineSayingWhereTheRunResumesWhenTheTaskStoppedOnALongRetryAfter() {
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine().setErr(new PrintWriter(err, true));
        IngestCommand command = cmd.getSubcommands().get("ingest").getCommand();
        cmd.parseArgs("ingest", "--source", "census", "--bootstrap-servers", "b:9092", "--schema-registry-url",
                "http://r");
        Path offsets = Path.of("/home/u/.tradepulse/ingest-census-c-trade.records.offsets");
        String reason = "HTTP 503 from https://api.census.gov/x: https://api.census.gov asked not to be called again "
                + "for 3600 s (Retry-After), longer than http.backoff.max.ms (60000 ms); it may be called again at "
                + "2026-11-30T08:00:00Z: run again (restart the task) after then";

        String message = command.runAgainLaterMessage(LongRetryAfterException.class.getName(), reason, offsets)
                .orElseThrow();
        int code = Main.failed(new RunAgainLaterException(message, new IllegalStateException("the task's trace")),
                cmd.getSubcommands().get("ingest"), null);

        assertThat(message).startsWith("census stopped: " + reason)
                .contains("resume point saved in " + offsets, "--follow", "--set http.retry.after.long=WAIT");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("tradepulse ingest failed: " + message + System.lineSeparator());
        assertThat(command.runAgainLaterMessage(IllegalStateException.class.getName(), reason, offsets))
                .as("any other failure is left as it is").isEmpty();
    }

    @Test
    void shouldSayAnEmbeddedRunKeepsNothingWhenStoppedOnALongRetryAfter() {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs("--source", "comext", "--embedded");

        assertThat(command.longRetryAfterMessage("HTTP 429 from x", Path.of("/tmp/x/connect.offsets")))
                .startsWith("comext stopped: HTTP 429 from x").contains("--embedded keeps nothing between runs")
                .doesNotContain("resume point saved");
    }

    /** Connect trims a list's items, and so does --files: " b.csv" after a comma was a path of its own, "<cwd>/ b.csv". */
    @Test
    void shouldTakeEachFileAsNamedWhenTheFilesListHasBlanksAfterItsCommas(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("2025-04.csv"), "x\n");
        Path b = Files.writeString(dir.resolve("2025-05.csv"), "x\n");

        assertThat(settings("--source", "gacc", "--embedded", "--files", a + ", " + b + " ,"))
                .containsEntry("gacc.tables", a.toAbsolutePath() + "," + b.toAbsolutePath());
    }

    /**
     * What a run says when the worker could not write its resume point depends on the file left behind: one that
     * is missing or readable has the next run resume from it (re-sending the rows since); one the next run would
     * refuse to read must be moved away (the source is then read from its start).
     */
    @Test
    void shouldSayWhatTheNextRunSendsAgainWhenTheResumePointWasNotSaved(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("never-written.offsets");
        Path unreadable = Files.writeString(dir.resolve("garbled.offsets"), "not a Connect offsets file");
        Exception diskFull = new org.apache.kafka.connect.errors.ConnectException(
                new java.io.IOException("No space left on device"));

        assertThat(IngestCommand.resumePointNotSavedMessage(missing, diskFull))
                .startsWith("the resume point was NOT saved: writing " + missing + " failed (No space left on device)")
                .contains("the next run resumes from the last resume point that file holds and sends the rows since")
                .doesNotContain("move it away");
        assertThat(IngestCommand.resumePointNotSavedMessage(unreadable, diskFull))
                .contains("move it away, and the next run reads the source from its start");
    }

    /**
     * A task cut short at stop (past task.shutdown.graceful.timeout.ms) skipped its final commit, but the file was
     * written: the message must not send the operator looking for a failed write, and says which setting to raise.
     */
    @Test
    void shouldNotSayTheWriteFailedWhenATaskStopWasCutShort(@TempDir Path dir) {
        Path offsets = dir.resolve("gacc.offsets");
        Exception cut = new TaskStopCutShortException("task gacc-0 did not stop within "
                + "task.shutdown.graceful.timeout.ms (5000 ms), so the worker skipped its final offset commit");

        assertThat(IngestCommand.resumePointNotSavedMessage(offsets, cut))
                .startsWith("the resume point in " + offsets + " may NOT cover every delivered row: task gacc-0 did not"
                        + " stop within task.shutdown.graceful.timeout.ms")
                .contains("raise task.shutdown.graceful.timeout.ms (--worker-config)")
                .doesNotContain("writing " + offsets + " failed");
    }

    /**
     * An embedded run's broker and topics end with it, but an --offsets file stayed: the next run with the same file
     * skipped every row the first had read, into a new and empty broker, and exited 0 having published nothing. Refused
     * before anything starts; the file is not created.
     */
    @Test
    void shouldRefuseAnOffsetsFileWhenTheRunIsEmbedded(@TempDir Path dir) throws Exception {
        Path offsets = dir.resolve("embedded.offsets");
        Path table = Files.writeString(dir.resolve("2025-05-exports.csv"), "a GACC table\n");

        // Settings the connector takes: without the refusal, the run went on to start the broker.
        CliRun r = CliRun.execute("ingest", "--source", "gacc", "--embedded", "--files", table.toString(),
                "--offsets", offsets.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("--offsets is not used with --embedded");
        assertThat(offsets).doesNotExist();
    }

    /** What the worker's {@code putConnectorConfig} fails with when it refuses a connector's settings. */
    private static org.apache.kafka.connect.errors.ConnectException refusedByTheWorker(String refusal) {
        return new org.apache.kafka.connect.errors.ConnectException("Failed starting connector tradepulse-file: "
                + refusal, new org.apache.kafka.connect.runtime.rest.errors.BadRequestException(refusal));
    }

    /**
     * Another connector.class (--config, --set) is left to the worker, which refuses its settings only once it is
     * given the connector, after the broker, the registry and the worker started: exit 1, "tradepulse ingest failed"
     * and a stack trace, as if running again could help. It is a refused setting: exit 2, one line, naming the keys,
     * and not the REST API's validate endpoint (of a worker on an ephemeral port, gone once the run ends).
     */
    @Test
    void shouldRefuseOnOneLineWithExitCode2NamingTheKeysWhenTheWorkerRefusesTheConnectorsSettings() {
        org.apache.kafka.connect.errors.ConnectException failed = refusedByTheWorker("Connector configuration is"
                + " invalid and contains the following 2 error(s):\nMissing required configuration \"gacc.tables\" which"
                + " has no default value.\nInvalid value null for configuration gacc.tables: must name at least one"
                + " entry\nYou can also find the above list of errors at the endpoint"
                + " `/connector-plugins/{connectorType}/config/validate`\n");
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine().setErr(new PrintWriter(err, true));

        RuntimeException thrown = IngestCommand.refusedByTheWorker(failed, "tradepulse-file",
                Map.of("connector.class", "io.tradepulse.connect.gacc.GaccSourceConnector"), IngestCommand.Source.file);
        int code = Main.failed(thrown, cmd.getSubcommands().get("ingest"), null);

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("Refused: the Kafka Connect worker refused the settings of connector"
                + " tradepulse-file (--config, --set, --files, --start, --api-key; docs/connectors.md): Missing required"
                + " configuration \"gacc.tables\" which has no default value.; Invalid value null for configuration"
                + " gacc.tables: must name at least one entry (connector.class is"
                + " io.tradepulse.connect.gacc.GaccSourceConnector, not io.tradepulse.connect.file.FileSourceConnector,"
                + " the connector of --source file: leave connector.class out to run that one)" + System.lineSeparator());
    }

    /** A connector.class no connector has: Connect's list of its connectors, by name (it printed 400 characters each). */
    @Test
    void shouldRefuseNamingTheConnectorsThereAreWhenNoConnectorHasTheClassGiven() {
        String pluginDesc = "PluginDesc{klass=class io.tradepulse.connect.%1$s, name='io.tradepulse.connect.%1$s',"
                + " version='0.1.0-SNAPSHOT', encodedVersion=0.1.0-SNAPSHOT, type=source, typeName='source',"
                + " location='classpath'}";
        org.apache.kafka.connect.errors.ConnectException failed = refusedByTheWorker("Failed to find any class that"
                + " implements Connector and which name matches com.nope.NoConnector, available connectors are: "
                + String.format(pluginDesc, "census.CensusSourceConnector") + ", "
                + String.format(pluginDesc, "file.FileSourceConnector"));

        RuntimeException thrown = IngestCommand.refusedByTheWorker(failed, "tradepulse-file",
                Map.of("connector.class", "com.nope.NoConnector"), IngestCommand.Source.file);

        assertThat(thrown).isInstanceOf(SettingsRefusedException.class).hasMessage("Refused: the Kafka Connect worker"
                + " refused the settings of connector tradepulse-file (--config, --set, --files, --start, --api-key;"
                + " docs/connectors.md): Failed to find any class that implements Connector and which name matches"
                + " com.nope.NoConnector, available connectors are: io.tradepulse.connect.census.CensusSourceConnector,"
                + " io.tradepulse.connect.file.FileSourceConnector (connector.class is com.nope.NoConnector, not"
                + " io.tradepulse.connect.file.FileSourceConnector, the connector of --source file: leave connector.class"
                + " out to run that one)");
    }

    /** A worker that fails to start the connector for another reason (it timed out) has failed: exit 1, as before. */
    @Test
    void shouldLeaveAFailureToStartTheConnectorAFailureWhenTheWorkerDidNotRefuseItsSettings() {
        org.apache.kafka.connect.errors.ConnectException timedOut = new org.apache.kafka.connect.errors.ConnectException(
                "Timed out starting connector tradepulse-file", new java.util.concurrent.TimeoutException());

        assertThat(IngestCommand.refusedByTheWorker(timedOut, "tradepulse-file", Map.of(), IngestCommand.Source.file))
                .isSameAs(timedOut);
    }

    /**
     * An offsets file of the old shared default name was refused as a picocli ParameterException: the refusal was
     * followed by the command's whole usage (some 100 lines), which says nothing of offsets files. Its line only now,
     * exit 2, as the other refused settings; before anything is contacted.
     */
    @Test
    void shouldRefuseTheOldSharedOffsetsFileOnItsLineOnlyWhenItExists(@TempDir Path home) throws Exception {
        Path legacy = Files.createDirectories(home.resolve(".tradepulse")).resolve("ingest-file.offsets");
        Files.write(legacy, new byte[0]);
        Path data = Files.writeString(home.resolve("data.csv"), "period_start,value\n2025-01,1\n");
        IngestCommand command = new IngestCommand();
        command.home = home;
        StringWriter err = new StringWriter();

        int code = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> new CommandLine(command)
                .setExecutionExceptionHandler(Main::failed).setErr(new PrintWriter(err, true)).execute("--source", "file",
                        "--bootstrap-servers", "127.0.0.1:1", "--schema-registry-url", "http://127.0.0.1:1",
                        "--files", data.toString()));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("Refused: " + IngestCommand.legacyOffsetsMessage(legacy)
                + System.lineSeparator());
    }

    /**
     * The timeout's message named no task and sent the user to a log that a one-shot run keeps quiet. It says what each
     * pending task had read and asked, what the cluster acknowledged (less than read: the producers could not deliver),
     * and the levels that show more; exit 1 on that line, without the launcher's stack trace.
     */
    @Test
    void shouldSayWhichTaskWasPendingAndHowToSeeMoreWhenAOneShotIngestTimesOut() {
        String message = IngestProgress.notDoneMessage("tradepulse-file", true, Duration.ofMinutes(30), List.of(
                new IngestProgress.Task(0, "RUNNING", false, 16L, 1L, 0L, 3L, 2L, 0L),
                new IngestProgress.Task(1, "RUNNING", true, 8L, 0L, 0L, 1L, 0L, 0L)),
                8, "trade.records", 0, "trade.dlq");
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine().setErr(new PrintWriter(err, true));

        int code = Main.failed(new NotDoneException(message), cmd.getSubcommands().get("ingest"), null);

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("tradepulse ingest failed: not done after PT30M: connector tradepulse-file:"
                + " task 0 (RUNNING) had not delivered all its rows: it read 16 records and 1 dead letter, made 3 HTTP"
                + " requests (2 retried); task 1 delivered all its rows. Acknowledged by the cluster in this run: 8"
                + " records to trade.records, 0 dead letters to trade.dlq (fewer than the tasks read: the worker's"
                + " producers could not deliver the rest to the cluster). A one-shot ingest logs tradepulse's warnings"
                + " and Kafka's errors only: to see more, run it again with TRADEPULSE_LOG_LEVEL=INFO (the connector's"
                + " progress: each location it reads, where it resumes) and TRADEPULSE_KAFKA_LOG_LEVEL=WARN (Kafka's retries: a"
                + " cluster or registry the worker cannot reach), or give it longer with --timeout"
                + System.lineSeparator());
    }

    /** An API source waits to catch up, not for its rows; one waiting for a quota says until when. */
    @Test
    void shouldSayAnApiTaskHadNotCaughtUpAndUntilWhenItWaitsWhenAOneShotIngestTimesOut() {
        String message = IngestProgress.notDoneMessage("tradepulse-comtrade", false, Duration.ofMinutes(30), List.of(
                new IngestProgress.Task(0, "RUNNING", false, 120L, 0L, 0L, 4L, 0L, 1_780_000_000_000L)),
                120, "trade.records", 0, "trade.dlq");

        assertThat(message).startsWith("not done after PT30M: connector tradepulse-comtrade: task 0 (RUNNING) had not"
                + " caught up with the source: it read 120 records and 0 dead letters, made 4 HTTP requests (0 retried),"
                + " and waits until 2026-05-28T20:26:40Z (the source's call quota, or a server's Retry-After)."
                + " Acknowledged by the cluster in this run: 120 records to trade.records, 0 dead letters to trade.dlq."
                + " A one-shot ingest logs tradepulse's warnings and Kafka's errors only");
    }

    /** A followed ingest on a cluster logs as a service does: its timeout points to that log, not to levels to set. */
    @Test
    void shouldPointToItsOwnLogWhenAFollowedIngestOnAClusterTimesOutCatchingUp() {
        String message = IngestProgress.notDoneMessage("tradepulse-census", false, Duration.ofMinutes(30), List.of(
                new IngestProgress.Task(0, "RUNNING", false, 5L, 0L, 0L, 2L, 0L, 0L)), 5, "trade.records", 0,
                "trade.dlq", false);

        assertThat(message).endsWith("Acknowledged by the cluster in this run: 5 records to trade.records, 0 dead"
                + " letters to trade.dlq. The log (stderr) has the connector's progress and Kafka's retries above; or"
                + " give it longer with --timeout").doesNotContain("TRADEPULSE_");
    }

    /**
     * The tasks count the records a transform of the connector (an SMT such as Filter) dropped, which never reach the
     * cluster by design: a timed-out run whose every written record was acknowledged said the worker's producers could
     * not deliver the rest, sending the operator to look at the cluster for rows the user's own Filter had dropped.
     */
    @Test
    void shouldNotBlameTheProducersForRowsATransformDroppedWhenAOneShotIngestTimesOut() {
        String message = IngestProgress.notDoneMessage("tradepulse-file", true, Duration.ofMinutes(30), List.of(
                new IngestProgress.Task(0, "RUNNING", false, 16L, 2L, 10L, 0L, 0L, 0L)),
                7, "trade.records", 1, "trade.dlq");

        assertThat(message).contains("task 0 (RUNNING) had not delivered all its rows: it read 16 records and 2 dead"
                + " letters (10 of them dropped by a transform, not written). Acknowledged by the cluster in this run:"
                + " 7 records to trade.records, 1 dead letter to trade.dlq.")
                .doesNotContain("could not deliver");
        // A producer that could not deliver is still said to, on top of what a transform dropped.
        assertThat(IngestProgress.notDoneMessage("tradepulse-file", true, Duration.ofMinutes(30), List.of(
                new IngestProgress.Task(0, "RUNNING", false, 16L, 2L, 10L, 0L, 0L, 0L)),
                6, "trade.records", 1, "trade.dlq")).contains("the worker's producers could not deliver the rest");
    }

    /**
     * A followed run whose catch-up wait ran out while its source holds it back (the call quota, a server's
     * Retry-After) follows on, saying which task waits until when; a task pending for any other reason (slow, stuck)
     * keeps the timeout's failure.
     */
    @Test
    void shouldFollowOnOnlyWhenEveryPendingTaskWaitsForTheSourceWhenTheCatchUpWaitRunsOut() {
        IngestProgress.Task waiting = new IngestProgress.Task(0, "RUNNING", false, 5L, 0L, 0L, 3L, 0L,
                1_780_000_000_000L);
        IngestProgress.Task caughtUp = new IngestProgress.Task(1, "RUNNING", true, 7L, 0L, 0L, 2L, 0L, 0L);
        IngestProgress.Task slow = new IngestProgress.Task(2, "RUNNING", false, 1L, 0L, 0L, 9L, 4L, 0L);

        assertThat(IngestProgress.waitingForTheSource(List.of(waiting, caughtUp))).contains("task 0 waits until"
                + " 2026-05-28T20:26:40Z (the source's call quota, or a server's Retry-After)");
        assertThat(IngestProgress.waitingForTheSource(List.of(waiting, slow))).isEmpty();
        assertThat(IngestProgress.waitingForTheSource(List.of(caughtUp))).as("nothing pending").isEmpty();
        assertThat(IngestProgress.waitingForTheSource(List.of())).as("no task started").isEmpty();
    }
}
