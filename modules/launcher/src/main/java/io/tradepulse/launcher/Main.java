package io.tradepulse.launcher;

import io.tradepulse.connect.runner.ConnectorFailedException;
import io.tradepulse.connect.runner.OffsetsNotSavedException;
import io.tradepulse.core.TopicAdmin;
import io.tradepulse.serving.ResultsView;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.security.auth.login.LoginException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tradepulse} command line. */
@Command(name = "tradepulse", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Monthly trade statistics turned into live, trustworthy signals on Kafka.",
        subcommands = {DemoCommand.class, RunCommand.class, IngestCommand.class, TariffsCommand.class, DlqCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes (every command):%n",
        exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE, Main.EXIT_INGEST_DEAD_LETTERS, Main.EXIT_SIGNAL},
        footer = {"", "Examples:", "  tradepulse demo                     # everything embedded, bundled real data",
                "  tradepulse demo --exit-when-done    # print the results and stop",
                "  tradepulse run --config app.properties",
                "  tradepulse tariffs --file tariff-events.csv --config app.properties",
                "  tradepulse dlq --config app.properties --stage VALIDATION --replay --dry-run"})
public final class Main implements Runnable {
    // The exit codes every command shares (docs/operations.md, "Exit codes"), for each command's --help. Scripts
    // (cron, CI) tell a run to retry (1) from a command line or configuration to fix (2): `tariffs` once exited 1
    // for a missing --config file, where `run` and `ingest` exited 2 for theirs.
    static final String EXIT_OK = "0:done";
    static final String EXIT_FAILED = "1:failed while running (cluster or registry unreachable, timed out, refused by the "
            + "cluster, a source's call quota used up, a server asking to wait (Retry-After) ...): the line "
            + "'tradepulse <command> failed: ...' on stderr says what and why, and when to run again if that is the fix "
            + "(run and ingest --follow may log Kafka's connection warnings before it)";
    /** ingest's own (its --help says more): the top-level list left it out, though README lists it with the rest. */
    static final String EXIT_INGEST_DEAD_LETTERS = "3:ingest only: more rows were dead-lettered than its "
            + "--max-dead-letters allows";
    static final String EXIT_USAGE = "2:refused before anything started: a missing, invalid or conflicting option, a "
            + "file an option names that cannot be read or is invalid, an invalid configuration setting (ingest: also "
            + "connector settings the Kafka Connect worker refuses once given the connector), a topic "
            + "that does not exist with --no-create-topics, a dlq --replay target (topic, partition) that does not exist or whose partition cannot be chosen, "
            + "or a dlq dead-letter topic that does not exist";
    // The JVM's own exit status once its shutdown hooks ran on SIGINT/SIGTERM, so every command has it: a supervisor
    // (systemd, Kubernetes, cron) reading `run --help` must not take the 143 of a clean SIGTERM stop for a failure.
    // docs/operations.md lists it with the others; the help lists left it out.
    static final String EXIT_SIGNAL = "130/143:stopped by Ctrl-C (SIGINT) / SIGTERM, after a clean shutdown (128 + "
            + "the signal's number, as the shell reports it)";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@code main} runs it; tests execute it the same way. */
    static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** The command line with the environment it reads the log level variables from ({@link LogLevels}). */
    static CommandLine commandLine(Map<String, String> env) {
        CommandLine cmd = new CommandLine(new Main()).setExecutionExceptionHandler(Main::failed);
        // picocli's own message named neither the form nor an example: "cannot convert '2m' to class
        // java.time.Duration (java.time.format.DateTimeParseException: Text cannot be parsed to a Duration)".
        cmd.registerConverter(Duration.class, Main::duration);
        // Enum values in any case (--stage validation, --rollups off), as the REST API and the config keys take them.
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        return cmd.setExecutionStrategy(parsed -> {
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) {
                return help; // --help and --version print and exit: nothing runs, nothing to log
            }
            // The levels depend on the verb (and its options), so they are set once parsed, before it runs.
            CommandLine verb = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
            try {
                LogLevels.apply((LoggerContext) LogManager.getContext(false), verb.getCommandSpec().userObject(), env);
            } catch (ConfigException e) {
                // Through the execution exception handler: "Invalid configuration: ...", exit code 2.
                throw new CommandLine.ExecutionException(verb, e.getMessage(), e);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
    }

    /**
     * How a command that throws ends. Invalid configuration (a {@link ConfigException}, from our config classes or
     * Kafka's, names the key and the allowed values) is the user's to fix: one line, no stack trace, exit code 2 like
     * any other usage error (running it again cannot help; it exited 1, as for a cluster that was down), and so are
     * topics that do not exist with {@code --no-create-topics} ({@link MissingTopicsException}), and settings a command
     * refuses itself ({@link SettingsRefusedException}, its line only, without the usage). Anything
     * else gets a first line saying what failed and why (the causes' messages), then the stack trace for a bug
     * report, and exit code 1; a run to repeat later ({@link RunAgainLaterException}: a one-shot ingest whose source
     * is out of its call quota or asked for a long Retry-After) gets exit code 1 and its one line only.
     */
    static int failed(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoppedException) {
                // Cut short by Ctrl-C or SIGTERM, and said so on the step's line: no failure to report. The JVM exits
                // with the signal's status (130/143) whatever this returns; 130 for a caller that is no JVM's main.
                err.flush();
                return 130;
            }
            if (t instanceof ConfigException) {
                err.println("Invalid configuration: " + t.getMessage());
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
            if (t instanceof SettingsRefusedException) {
                // The settings given, refused before anything started: the line names the key and the fix.
                err.println(t.getMessage());
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
            if (t instanceof ResultsView.DirectoryInUseException) {
                // A second instance on another's state.dir: exit 1 and a stack trace said "retrying may help", which
                // it cannot while the other runs (a busy --http-port, the same kind of conflict, is 2 as well).
                err.println("Refused: " + t.getMessage());
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
            if (t instanceof MissingTopicsException || t instanceof TopicAdmin.NotCopartitionedException
                    || t instanceof ReplayRefusedException) {
                // Found once connected, but before anything was written, and the user's to fix like a bad option
                // (missing topics with --no-create-topics; trade.records.derived not co-partitioned with trade.records;
                // dlq --replay targets that do not exist).
                err.println("Refused: " + t.getMessage());
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
            if (t instanceof RunAgainLaterException || t instanceof ResumePointNotSavedException
                    || t instanceof OffsetsNotSavedException || t instanceof NotDoneException) {
                // A failure to retry (exit 1), but later, and the message says when (or what the next run sends
                // again, for a resume point the worker could not save, at the end or for minutes while it ran; what
                // a one-shot ingest still waited for at its --timeout): no stack trace to report.
                err.println("tradepulse " + cmd.getCommandName() + " failed: " + t.getMessage());
                err.flush();
                return CommandLine.ExitCode.SOFTWARE;
            }
        }
        if (isClientConfigurationError(e)) {
            err.println("Invalid configuration: " + messages(e));
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        err.println("tradepulse " + cmd.getCommandName() + " failed: " + messages(e));
        e.printStackTrace(err);
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
    }

    /** A duration option's value: ISO-8601, as the options' descriptions say. */
    static Duration duration(String value) {
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not an ISO-8601 duration (PnDTnHnMn.nS,"
                    + " e.g. PT30S, PT2M, PT1H30M, P1D)");
        }
    }

    /** What a Kafka client's constructor throws when it cannot be built from its settings. */
    private static final List<String> CLIENT_NOT_BUILT = List.of("Failed to create new KafkaAdminClient",
            "Failed to construct kafka producer", "Failed to construct kafka consumer");

    /**
     * Whether {@code e} is a Kafka client that could not be built from its settings: security settings without what
     * they need (SASL without a JAAS entry, a trust or key store that is missing or whose password is wrong). Nothing
     * is contacted in a client's constructor, so running again cannot help: it exited 1 with a stack trace, as for a
     * cluster that was down. Except a failed login (a {@link LoginException}): OAUTHBEARER and Kerberos log in there,
     * calling a token endpoint or a KDC that may be down for a while.
     */
    static boolean isClientConfigurationError(Throwable e) {
        boolean notBuilt = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LoginException) {
                return false;
            }
            if (t instanceof KafkaException && t.getMessage() != null
                    && CLIENT_NOT_BUILT.stream().anyMatch(t.getMessage()::startsWith)) {
                notBuilt = true;
            }
        }
        return notBuilt;
    }

    /** The distinct messages of an exception and its causes, outermost first. */
    static String messages(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 5; t = t.getCause()) {
            if ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
                continue; // a future's wrapper: its message is only its cause's toString()
            }
            // A failed connector's or task's message is the worker's whole trace: its causes' messages instead.
            // A message on several lines (Connect's list of a connector's invalid settings) on one: the first line
            // says what and why, and its other lines came below it, where the stack trace starts.
            String m = t instanceof ConnectorFailedException failed ? ConnectorFailures.oneLine(failed)
                    : t.getMessage() != null ? ConnectorFailures.collapse(t.getMessage()) : t.getClass().getSimpleName();
            if (parts.stream().noneMatch(p -> p.contains(m))) {
                parts.add(m);
            }
        }
        return String.join(": ", parts);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tradepulse " + (v == null ? "(development build)" : v)};
        }
    }
}
