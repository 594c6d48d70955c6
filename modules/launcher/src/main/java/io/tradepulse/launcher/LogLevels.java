package io.tradepulse.launcher;

import java.net.URISyntaxException;
import java.net.URL;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;

/**
 * The log levels of a command, set at start-up on the launcher's bundled log4j2.xml (stderr): {@code run} is the
 * production service, where the processor's lifecycle (Streams state changes, tariff calendar passes) and Kafka's
 * client warnings (broker unreachable, fenced or aborted transactions, rebalances) are what an operator has to go on;
 * the one-shot verbs print their progress on stdout, which logs would bury. {@value #LEVEL_ENV} and
 * {@value #KAFKA_LEVEL_ENV} override the levels for every verb. A configuration the user gives log4j2 through its own
 * switches ({@code LOG4J_CONFIGURATION_FILE}, {@code -Dlog4j2.configurationFile}) is theirs: no level is changed.
 */
final class LogLevels {
    static final String LEVEL_ENV = "TRADEPULSE_LOG_LEVEL";
    static final String KAFKA_LEVEL_ENV = "TRADEPULSE_KAFKA_LOG_LEVEL";
    static final String TRADEPULSE_LOGGER = "io.tradepulse";
    /** Kafka's clients, Streams and Connect, and the embedded broker (its Java and its Scala classes). */
    static final List<String> KAFKA_LOGGERS = List.of("org.apache.kafka", "kafka");
    /** The configuration this class adjusts; any other one is the user's. */
    static final String BUNDLED_CONFIGURATION = "/log4j2.xml";
    /** What a variable may say (case-insensitive), from quietest to most verbose. */
    static final List<Level> LEVELS =
            List.of(Level.OFF, Level.FATAL, Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE, Level.ALL);

    /** The levels of a verb when no variable overrides them. */
    enum Profile {
        /** One-shot verbs (demo, ingest, tariffs, bench): their stdout progress is the interface. */
        QUIET(Level.WARN, Level.ERROR),
        /** Verbs that run unattended until stopped ({@code run}, {@code ingest --follow} on a cluster). */
        SERVICE(Level.INFO, Level.WARN);

        final Level tradepulse;
        final Level kafka;

        Profile(Level tradepulse, Level kafka) {
            this.tradepulse = tradepulse;
            this.kafka = kafka;
        }
    }

    private LogLevels() {
    }

    /**
     * The profile of the command picocli is about to run. {@code ingest --follow} polls its source until stopped,
     * usually unattended, and once caught up prints nothing more on stdout: source revisions, resumes, retries and
     * Connect's warnings are only in the log. With {@code --embedded} its broker and registry die with it, so it is a
     * trial at a terminal and stays quiet like {@code demo} (the embedded broker's routine warnings would be noise).
     */
    static Profile profileOf(Object command) {
        if (command instanceof RunCommand) {
            return Profile.SERVICE;
        }
        if (command instanceof IngestCommand ingest && ingest.follow && !ingest.embedded) {
            return Profile.SERVICE;
        }
        return Profile.QUIET;
    }

    /**
     * Checks the variables (for every verb, even under a configuration of the user's, so a typo never goes unnoticed),
     * then sets the profile's levels, or the variables', when {@code context} runs the bundled configuration.
     *
     * @return whether the levels were set (false: the configuration is the user's, left as it is)
     * @throws ConfigException a variable that is not a log4j2 level, naming it and the allowed values
     */
    static boolean apply(LoggerContext context, Profile profile, Map<String, String> env) {
        Level tradepulse = level(env, LEVEL_ENV, profile.tradepulse);
        Level kafka = level(env, KAFKA_LEVEL_ENV, profile.kafka);
        Configuration config = context.getConfiguration();
        if (!isBundled(config)) {
            return false;
        }
        setLevel(config, TRADEPULSE_LOGGER, tradepulse);
        KAFKA_LOGGERS.forEach(name -> setLevel(config, name, kafka));
        context.updateLoggers();
        return true;
    }

    /**
     * {@link #apply(LoggerContext, Profile, Map)} with the profile of {@code command} ({@link #profileOf}); for a
     * quiet ingest, without Connect's log of a task that failed, which the command reports itself
     * ({@link #TASK_FAILED_LOGS}).
     */
    static boolean apply(LoggerContext context, Object command, Map<String, String> env) {
        Profile profile = profileOf(command);
        if (!apply(context, profile, env)) {
            return false;
        }
        String kafkaLevel = env.get(KAFKA_LEVEL_ENV);
        if (command instanceof IngestCommand && profile == Profile.QUIET && (kafkaLevel == null || kafkaLevel.isBlank())) {
            Configuration config = context.getConfiguration();
            TASK_FAILED_LOGS.forEach((name, messages) -> {
                LoggerConfig logger = config.getLoggerConfig(name);
                if (!logger.getName().equals(name)) {
                    // No level: the one of org.apache.kafka, as set above.
                    logger = new LoggerConfig(name, null, true);
                    config.addLogger(name, logger);
                }
                if (!(logger.getFilter() instanceof TaskFailedFilter)) {
                    logger.addFilter(new TaskFailedFilter(messages));
                }
            });
            context.updateLoggers();
        }
        return true;
    }

    /**
     * Connect's log of a task that failed, printed by the task's thread ahead of everything a one-shot ingest says of
     * the same failure (its step line, then "tradepulse ingest failed: ..." naming the causes, then the task's trace):
     * "ERROR WorkerTask - WorkerSourceTask{id=tradepulse-file-0} Task threw an uncaught and unrecoverable exception.
     * Task is being killed and will not recover until manually restarted" with the task's trace (some 60 lines), and
     * before it, for a record the producer refused (too large, not authorized), "ERROR AbstractWorkerSourceTask -
     * WorkerSourceTask{id=...} failed to send record to trade.records: " with the producer's. Dropped for a quiet
     * ingest unless {@value #KAFKA_LEVEL_ENV} is set (any level shows them again); a followed ingest on a cluster
     * logs them, as a service does. These messages only: the loggers' others (a failure during shutdown) still show.
     */
    static final Map<String, List<String>> TASK_FAILED_LOGS = Map.of(
            "org.apache.kafka.connect.runtime.WorkerTask",
            List.of("Task threw an uncaught and unrecoverable exception. Task is being killed"),
            "org.apache.kafka.connect.runtime.AbstractWorkerSourceTask",
            List.of(" failed to send record to ", " due to an unrecoverable exception: "));

    /** Denies the events whose message contains one of {@code messages}. */
    private static final class TaskFailedFilter extends org.apache.logging.log4j.core.filter.AbstractFilter {
        private final List<String> messages;

        TaskFailedFilter(List<String> messages) {
            this.messages = messages;
        }

        @Override
        public Result filter(org.apache.logging.log4j.core.LogEvent event) {
            String message = event.getMessage() == null ? "" : event.getMessage().getFormattedMessage();
            return messages.stream().anyMatch(message::contains) ? Result.DENY : Result.NEUTRAL;
        }
    }

    /**
     * Connect's own start-up logging when a Ctrl-C (or SIGTERM) stops a worker being started: "ERROR AbstractConnectCli
     * - Failed to start Connect" (its shutdown hook refused: "Shutdown in progress") and Jetty's "WARN Server - Unable
     * to build server URI ... http://127.0.0.1:-2/" with their stack traces, printed by threads of Connect's above the
     * launcher's "... stopped". Not failures: the stop the user asked for.
     */
    static final Map<String, Level> STOP_NOISE = Map.of("org.apache.kafka.connect.cli.AbstractConnectCli", Level.OFF,
            "org.eclipse.jetty", Level.ERROR);

    /**
     * What a Ctrl-C (or SIGTERM) of {@code ingest --embedded} makes Connect say on top of {@link #STOP_NOISE}, when a
     * task was still busy (a download, a retry's wait) at the stop: "ERROR Worker - Graceful stop of task ... failed",
     * "ERROR ThreadUtils - Executor ... did not terminate in time", and EmbeddedConnect's "WARN The resume point in
     * ... may not cover every delivered row". About the resume point, which an embedded run does not have: its offsets
     * file and its topics go away with its broker. Against a cluster they say rows will be sent again, so they stay.
     */
    static final Map<String, Level> EMBEDDED_INGEST_STOP_NOISE = embeddedIngestStopNoise();

    private static Map<String, Level> embeddedIngestStopNoise() {
        Map<String, Level> noise = new java.util.HashMap<>(STOP_NOISE);
        noise.put("org.apache.kafka.connect.runtime.Worker", Level.OFF);
        noise.put("org.apache.kafka.common.utils.ThreadUtils", Level.OFF);
        noise.put("io.tradepulse.connect.runner.EmbeddedConnect", Level.OFF);
        return Map.copyOf(noise);
    }

    /**
     * Silences {@link #STOP_NOISE} for the rest of the JVM's life, from the shutdown hook of a command that starts a
     * worker (ingest). Only on the bundled configuration, like {@link #apply}.
     *
     * @return whether the levels were set (false: the configuration is the user's, left as it is)
     */
    static boolean quietForStop(LoggerContext context) {
        return quietForStop(context, STOP_NOISE);
    }

    /**
     * The processor's errors when a Ctrl-C (or SIGTERM) stops demo where the registry still stops alongside the
     * processor: without setsid the terminal's SIGINT reaches the registry's child JVM too (one process group; with
     * setsid it runs in a session of its own and is closed after the processor, EmbeddedRegistry), so the stream
     * threads still running meet a registry that is gone: "ERROR DeadLetterDeserializationHandler - Cannot deserialize trade.records/4/0:
     * the schema registry cannot serve its schema" and "ERROR ProcessorApp - Stream thread failed; replacing it" with
     * their stack traces, below "Stopping ...", and as well the processor's other handlers (DeadLetterProductionHandler,
     * DeadLetterProcessingHandler: "Schema registry unavailable") and Streams' own (KafkaStreams, TaskExecutor,
     * ProcessorNode). Not failures: the stop the user asked for; nothing is committed past what was processed
     * (exactly_once_v2), and demo's topics end with its broker.
     */
    static final Map<String, Level> PROCESSOR_STOP_NOISE = Map.of("io.tradepulse.streams", Level.OFF,
            "org.apache.kafka.streams", Level.OFF);

    /** Silences {@code noise} for the rest of the JVM's life, from a stop's shutdown hook; see {@link #quietForStop(LoggerContext)}. */
    static boolean quietForStop(LoggerContext context, Map<String, Level> noise) {
        Configuration config = context.getConfiguration();
        if (!isBundled(config)) {
            return false;
        }
        noise.forEach((name, level) -> setLevel(config, name, level));
        context.updateLoggers();
        return true;
    }

    /**
     * Runs {@code check} with {@code logger} silenced, then gives it back its level: for a check whose failure the
     * command reports itself, as one line. Kafka's AbstractConfig logs "ERROR AbstractConfig - Could not load config
     * provider class" and a 25-line stack trace before it throws the ConfigException that ingest's check of
     * --worker-config reports as "Invalid configuration: ...". Only on the bundled configuration, like {@link #apply};
     * called before anything is started, when no other thread logs through {@code logger}.
     */
    static <T> T quietWhile(LoggerContext context, String logger, java.util.function.Supplier<T> check) {
        Configuration config = context.getConfiguration();
        if (!isBundled(config)) {
            return check.get();
        }
        LoggerConfig own = config.getLoggerConfig(logger);
        boolean declared = own.getName().equals(logger);
        Level before = own.getLevel();
        setLevel(config, logger, Level.OFF);
        context.updateLoggers();
        try {
            return check.get();
        } finally {
            if (declared) {
                own.setLevel(before);
            } else {
                config.removeLogger(logger);
            }
            context.updateLoggers();
        }
    }

    /** The variable's level; unset or blank (an empty {@code value:} in a manifest) is the profile's. */
    static Level level(Map<String, String> env, String variable, Level otherwise) {
        String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        // Level.toLevel would turn a typo into DEBUG, and Level.getLevel knows custom levels: the standard ones only.
        String name = value.strip().toUpperCase(Locale.ROOT);
        return LEVELS.stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new ConfigException("environment variable " + variable + "='" + value
                        + "' is not a log level; allowed values: " + allowed() + " (or unset for the default)"));
    }

    static String allowed() {
        return LEVELS.stream().map(Level::name).collect(Collectors.joining(", "));
    }

    /**
     * Whether {@code config} was read from the launcher's own log4j2.xml. Decided by where it came from, not by which
     * switch was used: log4j2 has several (the environment variable, system properties, log4j2.component.properties,
     * a log4j2-test.xml earlier on the class path), and under any of them the levels are the user's.
     */
    static boolean isBundled(Configuration config) {
        URL bundled = LogLevels.class.getResource(BUNDLED_CONFIGURATION);
        if (bundled == null || config.getConfigurationSource() == null || config.getConfigurationSource().getURI() == null) {
            return false;
        }
        try {
            return config.getConfigurationSource().getURI().equals(bundled.toURI());
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static void setLevel(Configuration config, String name, Level level) {
        LoggerConfig logger = config.getLoggerConfig(name);
        if (logger.getName().equals(name)) {
            logger.setLevel(level);
        } else {
            // Not declared in the file: a logger of its own, so the level applies to that name alone.
            config.addLogger(name, new LoggerConfig(name, level, true));
        }
    }
}
