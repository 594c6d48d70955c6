package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.LogCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.internals.ClientUtils;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The launcher's log levels per verb, their overrides and the configurations it leaves alone. Each test reads the
 * shipped log4j2.xml into a logger context of its own (the tests' JVM runs test-support's log4j2-test.xml).
 */
class LogLevelsTest {

    private static final String TRADEPULSE_CLASS = "io.tradepulse.streams.ProcessorApp";
    private static final String KAFKA_CLASS = "org.apache.kafka.clients.NetworkClient";

    private final List<LoggerContext> contexts = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void stopContexts() {
        contexts.forEach(LoggerContext::stop);
    }

    private LoggerContext context(URI configuration) {
        LoggerContext context = new LoggerContext("LogLevelsTest-" + contexts.size(), null, configuration);
        contexts.add(context);
        context.start();
        return context;
    }

    private static URI bundled() throws Exception {
        return LogLevels.class.getResource(LogLevels.BUNDLED_CONFIGURATION).toURI();
    }

    /** The verb object picocli would run for this command line, parsed by the launcher's own command tree. */
    private static Object verb(String commandLine) {
        CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(commandLine.split(" "));
        List<CommandLine> commands = parsed.asCommandLineList();
        return commands.get(commands.size() - 1).getCommandSpec().userObject();
    }

    private static Level effective(LoggerContext context, String logger) {
        return context.getLogger(logger).getLevel();
    }

    @Test
    void shouldLogTradepulseAtInfoAndKafkaAtWarnWhenRunning() throws Exception {
        LoggerContext context = context(bundled());

        boolean applied = LogLevels.apply(context, LogLevels.profileOf(verb("run --config app.properties")), Map.of());

        assertThat(applied).isTrue();
        assertThat(effective(context, TRADEPULSE_CLASS)).isEqualTo(Level.INFO);
        assertThat(effective(context, KAFKA_CLASS)).isEqualTo(Level.WARN);
        assertThat(effective(context, "kafka.server.BrokerServer")).isEqualTo(Level.WARN);
    }

    /**
     * Ctrl-C at ~2 s of an ingest: Connect's start failed in its own thread ("ERROR AbstractConnectCli - Failed to
     * start Connect", IllegalStateException: Shutdown in progress) and Jetty warned "Unable to build server URI", both
     * with stack traces, above the launcher's "... stopped". The stop's hook silences those two, nothing else.
     */
    @Test
    void shouldSilenceConnectsStartFailureAndJettysWarningsWhenAStopWasRequested() throws Exception {
        LoggerContext context = context(bundled());
        LogLevels.apply(context, LogLevels.profileOf(verb("ingest --source file --embedded")), Map.of());

        boolean applied = LogLevels.quietForStop(context);

        assertThat(applied).isTrue();
        assertThat(context.getLogger("org.apache.kafka.connect.cli.AbstractConnectCli").isEnabled(Level.ERROR)).isFalse();
        assertThat(context.getLogger("org.eclipse.jetty.server.Server").isEnabled(Level.WARN)).isFalse();
        assertThat(context.getLogger("org.eclipse.jetty.server.Server").isEnabled(Level.ERROR)).isTrue();
        assertThat(effective(context, KAFKA_CLASS)).as("Kafka's other loggers keep their level").isEqualTo(Level.ERROR);
        assertThat(effective(context, TRADEPULSE_CLASS)).isEqualTo(Level.WARN);
    }

    /**
     * Ctrl-C of an ingest --embedded whose task was still busy (a download's retry): "ERROR Worker - Graceful stop of
     * task tradepulse-census-0 failed.", "ERROR ThreadUtils - Executor ... did not terminate in time" and "WARN
     * EmbeddedConnect - The resume point in ... may not cover every delivered row", about offsets that go away with
     * the embedded broker. Silenced there only: against a cluster they say what the next run sends again.
     */
    @Test
    void shouldSilenceConnectsResumePointWordsWhenAnEmbeddedIngestIsStopped() throws Exception {
        LoggerContext embedded = context(bundled());
        IngestCommand embeddedRun = (IngestCommand) verb("ingest --source census --embedded");
        LogLevels.apply(embedded, LogLevels.profileOf(embeddedRun), Map.of());
        LoggerContext cluster = context(bundled());
        IngestCommand clusterRun = (IngestCommand) verb("ingest --source census --bootstrap-servers b:9092 "
                + "--schema-registry-url http://r:8081");
        LogLevels.apply(cluster, LogLevels.profileOf(clusterRun), Map.of());

        LogLevels.quietForStop(embedded, embeddedRun.stopNoise());
        LogLevels.quietForStop(cluster, clusterRun.stopNoise());

        for (LoggerContext context : List.of(embedded, cluster)) {
            assertThat(context.getLogger("org.apache.kafka.connect.cli.AbstractConnectCli").isEnabled(Level.ERROR))
                    .isFalse();
        }
        assertThat(embedded.getLogger("org.apache.kafka.connect.runtime.Worker").isEnabled(Level.ERROR)).isFalse();
        assertThat(embedded.getLogger("org.apache.kafka.common.utils.ThreadUtils").isEnabled(Level.ERROR)).isFalse();
        assertThat(embedded.getLogger("io.tradepulse.connect.runner.EmbeddedConnect").isEnabled(Level.WARN)).isFalse();
        assertThat(effective(embedded, KAFKA_CLASS)).as("Kafka's other loggers keep their level").isEqualTo(Level.ERROR);
        assertThat(cluster.getLogger("org.apache.kafka.connect.runtime.Worker").isEnabled(Level.ERROR))
                .as("against a cluster").isTrue();
        assertThat(cluster.getLogger("org.apache.kafka.common.utils.ThreadUtils").isEnabled(Level.ERROR)).isTrue();
        assertThat(cluster.getLogger("io.tradepulse.connect.runner.EmbeddedConnect").isEnabled(Level.WARN)).isTrue();
    }

    /**
     * A one-shot ingest whose task failed printed, ahead of its own step line and failure line, Connect's "ERROR
     * WorkerTask - WorkerSourceTask{id=...} Task threw an uncaught and unrecoverable exception ..." and the task's
     * trace, which the launcher prints after its line anyway. Dropped for a quiet ingest; TRADEPULSE_KAFKA_LOG_LEVEL
     * shows it again, and a followed ingest on a cluster (a service) logs it.
     */
    @Test
    void shouldDropConnectsLogOfAFailedTaskWhenAQuietIngestReportsItItself() throws Exception {
        String failed = "WorkerSourceTask{id=tradepulse-file-0} Task threw an uncaught and unrecoverable exception."
                + " Task is being killed and will not recover until manually restarted";
        String duringShutdown = "WorkerSourceTask{id=tradepulse-file-0} Task threw an uncaught and unrecoverable"
                + " exception during shutdown";
        String oneShot = "ingest --source file --embedded";
        String followed = "ingest --source census --follow --bootstrap-servers b:9092 --schema-registry-url http://r";

        String notSent = "WorkerSourceTask{id=tradepulse-file-0} failed to send record to trade.records: ";

        assertThat(loggedByWorkerTask(oneShot, Map.of(), failed, duringShutdown)).containsExactly(duringShutdown);
        assertThat(logged(oneShot, Map.of(), SEND_FAILED_LOGGER, notSent)).isEmpty();
        assertThat(loggedByWorkerTask(oneShot, Map.of(LogLevels.KAFKA_LEVEL_ENV, "ERROR"), failed))
                .containsExactly(failed);
        assertThat(loggedByWorkerTask(followed, Map.of(), failed)).containsExactly(failed);
        assertThat(logged(followed, Map.of(), SEND_FAILED_LOGGER, notSent)).containsExactly(notSent);
        assertThat(loggedByWorkerTask("demo", Map.of(), failed)).containsExactly(failed);
    }

    private static final String SEND_FAILED_LOGGER = "org.apache.kafka.connect.runtime.AbstractWorkerSourceTask";

    /** What WorkerTask's {@code messages} at ERROR leave in the log of {@code commandLine} run with {@code env}. */
    private List<String> loggedByWorkerTask(String commandLine, Map<String, String> env, String... messages)
            throws Exception {
        return logged(commandLine, env, "org.apache.kafka.connect.runtime.WorkerTask", messages);
    }

    /** What {@code logger}'s {@code messages} at ERROR leave in the log of {@code commandLine} run with {@code env}. */
    private List<String> logged(String commandLine, Map<String, String> env, String logger, String... messages)
            throws Exception {
        LoggerContext context = context(bundled());
        LogLevels.apply(context, verb(commandLine), env);
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.apache.logging.log4j.core.Appender appender = new org.apache.logging.log4j.core.appender.AbstractAppender(
                "collect", null, null, true, org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
            @Override
            public void append(org.apache.logging.log4j.core.LogEvent event) {
                logged.add(event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        context.getConfiguration().getRootLogger().addAppender(appender, null, null);
        context.updateLoggers();
        for (String message : messages) {
            context.getLogger(logger).error(message, new IllegalStateException("the task's"));
        }
        return logged;
    }

    /**
     * Ctrl-C at 7.5 s of demo: the registry (its child JVM got the terminal's SIGINT too) was gone while the processor
     * still ran, and stderr got "ERROR DeadLetterDeserializationHandler - Cannot deserialize trade.records/4/0: the
     * schema registry cannot serve its schema" and "ERROR ProcessorApp - Stream thread failed; replacing it" with
     * stack traces (at 9 s: the other handlers', DeadLetterProductionHandler's "Schema registry unavailable", and
     * Streams' own TaskExecutor and KafkaStreams). demo's stop silences the processor's and Streams' loggers only.
     */
    @Test
    void shouldSilenceTheProcessorsErrorsWhenDemoIsStopped() throws Exception {
        LoggerContext context = context(bundled());
        LogLevels.apply(context, LogLevels.profileOf(verb("demo")), Map.of());

        boolean applied = LogLevels.quietForStop(context, LogLevels.PROCESSOR_STOP_NOISE);

        assertThat(applied).isTrue();
        assertThat(context.getLogger("io.tradepulse.streams.DeadLetterDeserializationHandler").isEnabled(Level.ERROR))
                .isFalse();
        assertThat(context.getLogger("io.tradepulse.streams.ProcessorApp").isEnabled(Level.ERROR)).isFalse();
        assertThat(context.getLogger("io.tradepulse.streams.DeadLetterProductionHandler").isEnabled(Level.ERROR)).isFalse();
        assertThat(context.getLogger("org.apache.kafka.streams.processor.internals.TaskExecutor").isEnabled(Level.ERROR))
                .isFalse();
        assertThat(effective(context, "io.tradepulse.serving.DashboardServer")).as("tradepulse's other loggers")
                .isEqualTo(Level.WARN);
        assertThat(effective(context, KAFKA_CLASS)).as("Kafka's clients").isEqualTo(Level.ERROR);
    }

    @Test
    void shouldLogAtTheServiceLevelsWhenIngestFollowsASourceOnACluster() throws Exception {
        LoggerContext context = context(bundled());

        LogLevels.apply(context, LogLevels.profileOf(verb("ingest --source census --bootstrap-servers b:9092 "
                + "--schema-registry-url http://r:8081 --follow")), Map.of());

        assertThat(effective(context, TRADEPULSE_CLASS)).isEqualTo(Level.INFO);
        assertThat(effective(context, KAFKA_CLASS)).isEqualTo(Level.WARN);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"demo", "demo --exit-when-done", "ingest --source census --embedded",
        "ingest --source census --embedded --follow", "ingest --source census --bootstrap-servers b:9092 "
            + "--schema-registry-url http://r:8081", "tariffs --file events.csv --config app.properties", "bench"})
    void shouldKeepTheQuietLevelsForTheOneShotVerbs(String commandLine) throws Exception {
        LoggerContext context = context(bundled());

        assertThat(LogLevels.apply(context, LogLevels.profileOf(verb(commandLine)), Map.of())).isTrue();

        assertThat(effective(context, TRADEPULSE_CLASS)).isEqualTo(Level.WARN);
        assertThat(effective(context, KAFKA_CLASS)).isEqualTo(Level.ERROR);
        assertThat(effective(context, "kafka.server.BrokerServer")).isEqualTo(Level.ERROR);
    }

    @Test
    void shouldTakeTheLevelsFromTheEnvironmentForEveryVerb() throws Exception {
        LoggerContext demo = context(bundled());
        LogLevels.apply(demo, LogLevels.profileOf(verb("demo")),
                Map.of(LogLevels.LEVEL_ENV, "debug", LogLevels.KAFKA_LEVEL_ENV, " Info "));
        // The quiet output of earlier releases, for a run.
        LoggerContext run = context(bundled());
        LogLevels.apply(run, LogLevels.profileOf(verb("run --config app.properties")),
                Map.of(LogLevels.LEVEL_ENV, "WARN", LogLevels.KAFKA_LEVEL_ENV, "ERROR"));

        assertThat(effective(demo, TRADEPULSE_CLASS)).isEqualTo(Level.DEBUG);
        assertThat(effective(demo, KAFKA_CLASS)).isEqualTo(Level.INFO);
        assertThat(effective(run, TRADEPULSE_CLASS)).isEqualTo(Level.WARN);
        assertThat(effective(run, KAFKA_CLASS)).isEqualTo(Level.ERROR);
    }

    @Test
    void shouldTakeTheVerbsLevelWhenAVariableIsEmpty() throws Exception {
        LoggerContext context = context(bundled());

        LogLevels.apply(context, LogLevels.profileOf(verb("run --config app.properties")),
                Map.of(LogLevels.LEVEL_ENV, "", LogLevels.KAFKA_LEVEL_ENV, "  "));

        assertThat(effective(context, TRADEPULSE_CLASS)).isEqualTo(Level.INFO);
        assertThat(effective(context, KAFKA_CLASS)).isEqualTo(Level.WARN);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {LogLevels.LEVEL_ENV, LogLevels.KAFKA_LEVEL_ENV})
    void shouldRefuseAValueThatIsNotALevelWithExitCode2NamingTheVariableAndTheLevels(String variable) {
        // Refused before the verb runs: demo would otherwise start a broker and a registry.
        CliRun run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            StringWriter err = new StringWriter();
            int code = Main.commandLine(Map.of(variable, "LOUD")).setErr(new PrintWriter(err))
                    .execute("demo", "--exit-when-done");
            return new CliRun(code, err.toString());
        });

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err()).startsWith("Invalid configuration: environment variable " + variable + "='LOUD'")
                .contains("OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL");
        assertThat(run.err().strip().lines()).hasSize(1);
    }

    @Test
    void shouldLeaveAConfigurationOfTheUsersAsItIs() throws Exception {
        // What LOG4J_CONFIGURATION_FILE=... or -Dlog4j2.configurationFile=... gives log4j2 instead of the shipped file.
        Path own = Files.writeString(tmp.resolve("json-logs.xml"), """
                <Configuration status="WARN">
                  <Appenders><Console name="out" target="SYSTEM_ERR"><PatternLayout pattern="%level %c %msg%n"/></Console></Appenders>
                  <Loggers>
                    <Logger name="io.tradepulse" level="ERROR"/>
                    <Logger name="org.apache.kafka" level="DEBUG"/>
                    <Root level="WARN"><AppenderRef ref="out"/></Root>
                  </Loggers>
                </Configuration>
                """);
        LoggerContext context = context(own.toUri());

        boolean applied = LogLevels.apply(context, LogLevels.profileOf(verb("run --config app.properties")),
                Map.of(LogLevels.LEVEL_ENV, "TRACE", LogLevels.KAFKA_LEVEL_ENV, "OFF"));

        assertThat(applied).isFalse();
        assertThat(effective(context, TRADEPULSE_CLASS)).isEqualTo(Level.ERROR);
        assertThat(effective(context, KAFKA_CLASS)).isEqualTo(Level.DEBUG);
        assertThat(effective(context, "kafka.server.BrokerServer")).isEqualTo(Level.WARN);
    }

    @Test
    void shouldDropOnlyTheAssignorsGlobalThreadWarningOfStreamsConfig() throws Exception {
        ProcessorConfig processor = new ProcessorConfig(Map.of("bootstrap.servers", "localhost:1",
                "schema.registry.url", "http://localhost:2", "state.dir", tmp.toString()));
        StreamsConfig own = new StreamsConfig(processor.streamsConfig());
        // What each stream thread's partition assignor builds (AssignorConfiguration): a StreamsConfig of the main
        // consumer's settings, which do not carry processing.exception.handler.global.enabled.
        Runnable assignor = () -> new ClientUtils.QuietStreamsConfig(own.getMainConsumerConfigs("g", "c", 0));
        // Another StreamsConfig warning, which must still show.
        Runnable streamsProtocol = () -> new StreamsConfig(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "a",
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1", StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams"));

        // Under the tests' configuration (org.apache.kafka at WARN, no filter): where the warning comes from.
        List<String> unfiltered;
        try (LogCapture capture = LogCapture.warnings()) {
            new StreamsConfig(processor.streamsConfig());
            assertThat(capture.events()).as("tradepulse's own StreamsConfig enables the handler")
                    .noneMatch(e -> e.contains("GlobalThread"));
            assignor.run();
            streamsProtocol.run();
            unfiltered = capture.events();
        }
        assertThat(unfiltered).anyMatch(e -> e.startsWith("WARN org.apache.kafka.streams.StreamsConfig - Processing "
                + "exception handler is not enabled for the GlobalThread"));
        assertThat(unfiltered).anyMatch(e -> e.contains("Warmup replicas are not supported"));

        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        URI previous = context.getConfiguration().getConfigurationSource().getURI();
        context.setConfigLocation(bundled()); // the shipped file, as `tradepulse run` runs it
        try {
            assertThat(LogLevels.apply(context, LogLevels.Profile.SERVICE, Map.of())).isTrue();
            try (LogCapture capture = LogCapture.warnings()) {
                assignor.run();
                streamsProtocol.run();
                assertThat(capture.events()).noneMatch(e -> e.contains("GlobalThread"))
                        .anyMatch(e -> e.contains("Warmup replicas are not supported"));
            }
        } finally {
            context.setConfigLocation(previous);
        }
    }
}
