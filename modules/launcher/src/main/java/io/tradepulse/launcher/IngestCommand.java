package io.tradepulse.launcher;

import io.tradepulse.connect.census.CensusConfig;
import io.tradepulse.connect.census.CensusSourceConnector;
import io.tradepulse.connect.comext.ComextConfig;
import io.tradepulse.connect.comext.ComextSourceConnector;
import io.tradepulse.connect.common.LongRetryAfterException;
import io.tradepulse.connect.common.OutOfQuotaException;
import io.tradepulse.connect.common.TradeSourceConfig;
import io.tradepulse.connect.comtrade.ComtradeConfig;
import io.tradepulse.connect.comtrade.ComtradeSourceConnector;
import io.tradepulse.connect.file.FileConfig;
import io.tradepulse.connect.file.FileSourceConnector;
import io.tradepulse.connect.gacc.GaccConfig;
import io.tradepulse.connect.gacc.GaccSourceConnector;
import io.tradepulse.connect.runner.ConnectorFailedException;
import io.tradepulse.connect.runner.EmbeddedConnect;
import io.tradepulse.connect.runner.TaskStopCutShortException;
import io.tradepulse.core.AvroSerdes;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.EmbeddedRegistry;
import io.tradepulse.embedded.OwnedTempDirs;
import io.tradepulse.embedded.Resources;
import io.tradepulse.registry.serde.AvroSerdeConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.rest.errors.BadRequestException;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tradepulse ingest}: runs one tradepulse source connector in THIS process on the real Kafka Connect
 * runtime (standalone worker, {@link EmbeddedConnect}), against a real cluster and registry or an embedded
 * broker + registry. The same connector classes and settings work unchanged in any Connect cluster; this verb
 * only saves setting one up. Source offsets live in a file, so running the same command again resumes
 * instead of re-publishing.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE,
                IngestCommand.EXIT_DEAD_LETTERS, Main.EXIT_SIGNAL},
        description = {"Run a tradepulse source connector in-process on the Kafka Connect runtime and publish "
                + "TradeRecords to trade.records (unreadable rows to trade.dlq).",
                "Finite sources (file, gacc, comext bulk files) stop once every row is delivered; API sources "
                        + "(census, comtrade, comext API) stop once caught up with the newest published month, "
                        + "or keep polling for new releases with --follow.",
                "Connector settings (docs/connectors.md) come from --config and --set; the options --files, "
                        + "--start and --api-key are shortcuts for the source's own keys, --connector-class for "
                        + "connector.class."},
        // Each example line fits the help's 80 columns, so that it can be copied and pasted as printed.
        footer = {"", "Examples:",
                "  tradepulse ingest --source census --embedded --start 2025-01 \\",
                "      --set census.comm.lvl=TOTAL",
                "  tradepulse ingest --source comtrade --bootstrap-servers broker:9092 \\",
                "      --schema-registry-url http://registry:8081 \\",
                "      --api-key $COMTRADE_KEY --start 2024-01 --set comtrade.reporters=156,842",
                "  tradepulse ingest --source comext --embedded --start 2025-01 \\",
                "      --set comext.partners=CN,US",
                "  tradepulse ingest --source comext --embedded --set comext.mode=BULK \\",
                "      --set comext.reporters= --set comext.products= --files full_v2_202505.csv",
                "  tradepulse ingest --source gacc --embedded --files tables/2025-05-exports.csv",
                "  tradepulse ingest --source file --embedded --files data.csv \\",
                "      --config modules/connectors/examples/gacc-seed.properties",
                "",
                "Offsets default to ~/.tradepulse/ingest-<source>-<cluster id>-<topic>.offsets (a temp file with "
                        + "--embedded): rerunning against the same cluster and topic resumes where the last run stopped; "
                        + "another cluster or --topic-prefix starts from the beginning."})
final class IngestCommand implements Callable<Integer> {
    /** The exit code of a run that dead-lettered more rows than --max-dead-letters allows. */
    static final int DEAD_LETTERS_EXIT_CODE = 3;
    static final String EXIT_DEAD_LETTERS = "3:more rows were dead-lettered than --max-dead-letters allows (the "
            + "others were published and the resume point saved)";

    enum Source { census, comtrade, comext, gacc, file }

    @Option(names = "--source", required = true, description = "One of: ${COMPLETION-CANDIDATES}.")
    Source source;

    @Option(names = "--embedded", description = "Start a Kafka broker (KRaft) and a schema registry (Apicurio) in-process for this run.")
    boolean embedded;

    @Option(names = "--bootstrap-servers", description = "Kafka brokers of your cluster (not with --embedded).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "Confluent-compatible registry URL (not with --embedded).")
    String registryUrl;

    @Option(names = "--worker-config", description = "Extra Kafka Connect worker properties (security.protocol, sasl.*, ssl.*: also given to the "
            + "task producers; basic.auth.*, bearer.auth.*, schema.registry.ssl.*: also given to the converters; producer.* "
            + "...); not the ones ingest sets itself (bootstrap.servers, converters, offsets file, listeners).")
    Path workerConfig;

    @Option(names = "--config", description = "Connector properties file (keys in docs/connectors.md).")
    Path connectorConfig;

    @Option(names = {"-s", "--set"}, description = "One connector setting key=value (repeatable; wins over --config;"
            + " a key --files, --start or --api-key sets too must be given the same value).")
    Map<String, String> settings = new LinkedHashMap<>();

    // A short form of --set connector.class=...: a connector of your own (docs/connectors.md, "Adding a source
    // connector") or another of ours, by class name or by the alias Connect takes.
    @Option(names = "--connector-class", paramLabel = "CLASS", description = "The connector to run instead of the one "
            + "of --source: its class or alias (FileSourceConnector, FileSource); short for --set connector.class=CLASS.")
    String connectorClassOption;

    @Option(names = "--files", split = ",", description = "Files or URLs to read (file.paths, gacc.tables, comext.files).")
    List<String> files;

    @Option(names = "--start", description = "First month yyyy-MM when no offset is stored (census, comtrade, comext API).")
    String start;

    @Option(names = "--api-key", description = "Census API key or Comtrade subscription key (never printed).")
    String apiKey;

    @Option(names = "--offsets", description = "Source offsets file (default: ~/.tradepulse/ingest-<source>-<cluster id>-<topic>.offsets; not with --embedded).")
    Path offsets;

    @Option(names = "--topic-prefix", defaultValue = "", description = "Prefix of the tradepulse topics (default none).")
    String topicPrefix;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of trade.records if it is created (default ${DEFAULT-VALUE}).")
    int partitions;

    // Without it, ingest created trade.records (and the dead-letter topic) with the broker's default replication, and
    // so without the min.insync.replicas=2 that TopicSettings gives topics of 3 replicas or more. An int, range-checked
    // in call(): as a short, picocli refused 40000 with "'40000' is not a short", naming no range.
    @Option(names = "--replication-factor", defaultValue = "-1",
            description = "Replication factor of the topics if they are created (-1 = broker default, or 1.."
                    + Short.MAX_VALUE + "; default ${DEFAULT-VALUE}).")
    int replicationFactor;

    @Option(names = "--no-create-topics", description = "Do not create missing topics: a missing trade.records or "
            + "trade.dlq refuses the run before the worker starts (exit code 2). Not with --embedded.")
    boolean noCreateTopics;

    @Option(names = "--follow", description = "Keep running and poll the source for new releases until Ctrl-C.")
    boolean follow;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "Give up when not done/caught up after this long (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration timeout;

    // Real sources dead-letter a few rows routinely (Comext's XI/XU partners), so no limit is the default; a script
    // (cron, CI) that wants to know sets one: the dead-letter count was only in the summary line, and the exit code 0.
    @Option(names = "--max-dead-letters", paramLabel = "N", description = "Exit with code "
            + DEAD_LETTERS_EXIT_CODE + " when this run dead-lettered more than N rows (default: no limit; not with "
            + "--follow).")
    Long maxDeadLetters;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out = System.out;
    private final Resources resources = new Resources();
    /** The properties of --worker-config (none without it), read by call() before anything starts. */
    private Properties workerSettings = new Properties();

    @Override
    public Integer call() throws Exception {
        if (embedded == (bootstrapServers != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Give either --embedded or --bootstrap-servers (with --schema-registry-url)");
        }
        if (embedded && registryUrl != null) {
            // --embedded starts its own registry: the URL given was silently not used.
            throw new CommandLine.ParameterException(spec.commandLine(), "--schema-registry-url is not used with"
                    + " --embedded (it starts its own registry); give it with --bootstrap-servers instead");
        }
        if (!embedded && registryUrl == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--schema-registry-url is required with --bootstrap-servers");
        }
        OptionRanges.positive(spec.commandLine(), "--timeout", timeout);
        OptionRanges.topicPrefix(spec.commandLine(), "--topic-prefix", topicPrefix);
        OptionRanges.atLeast(spec.commandLine(), "--partitions", partitions, 1);
        if (replicationFactor != -1 && (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--replication-factor must be -1 (the broker"
                    + " default) or 1.." + Short.MAX_VALUE + ": " + replicationFactor);
        }
        if (embedded && replicationFactor > 1) {
            // The embedded broker is one node: the topics could not be created, once it and the registry had started.
            throw new CommandLine.ParameterException(spec.commandLine(), "--replication-factor " + replicationFactor
                    + " is more than the one broker of --embedded holds (give -1 or 1)");
        }
        if (embedded && noCreateTopics) {
            // The embedded broker starts with no topic at all: the run could only be refused once it had started.
            throw new CommandLine.ParameterException(spec.commandLine(), "--no-create-topics is not used with --embedded"
                    + " (its broker starts with no topics; ingest creates them)");
        }
        if (embedded && offsets != null) {
            // The embedded broker's topics go with it, but the file stayed: the next run with the same --offsets skipped
            // every row it had read, into a new and empty broker, and exited 0 having published nothing, while this one
            // ended saying "offsets discarded with the broker".
            throw new CommandLine.ParameterException(spec.commandLine(), "--offsets is not used with --embedded (its"
                    + " broker and topics end with the run, so a kept resume point would have the next run skip the rows"
                    + " this one read); give it with --bootstrap-servers instead");
        }
        OptionRanges.atLeast(spec.commandLine(), "--max-dead-letters", maxDeadLetters, 0);
        if (maxDeadLetters != null && follow) {
            // A followed ingest ends with Ctrl-C, not with a count to check.
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-dead-letters is not used with --follow"
                    + " (a followed ingest ends with Ctrl-C, not with an exit code to check)");
        }
        checkOffsetsFileCanBeWritten();
        Map<String, String> connector = connectorSettings();
        if (source == Source.comext && files != null && !files.isEmpty() && !isFinite(connector)) {
            // In API mode (the default) the connector does not read comext.files: the files were silently not read,
            // and the run called the API instead (or failed there, after starting everything, for want of a month).
            throw new SettingsRefusedException("--files is read by --source comext with "
                    + "comext.mode=BULK only (add --set comext.mode=BULK); in API mode, the default, it is not used");
        }
        checkLocalFilesExist(connector);
        // Read before anything starts: a missing file once failed only after the broker and registry had started.
        refuseJsonWorkerConfig(workerConfig);
        workerSettings = ClientSettings.read(spec.commandLine(), "--worker-config", workerConfig);
        refuseWorkerKeysIngestSets(workerSettings);
        checkWorkerSettings(workerSettings);
        Path legacy = home.resolve(".tradepulse").resolve("ingest-" + source + ".offsets");
        if (offsets == null && !embedded && Files.exists(legacy)) {
            // Before anything is created or started. Its line only: as a ParameterException it was followed by the
            // command's whole usage (some 100 lines), which says nothing of offsets files and pushed it out of view.
            throw new SettingsRefusedException("Refused: " + legacyOffsetsMessage(legacy));
        }
        checkConnectorSettings(connector);
        // Made before the hook, which ends a step's line before it says it stops.
        Progress progress = new Progress(out, (embedded ? 2 : 0) + (noCreateTopics ? 0 : 1) + 4);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopping = true;
            progress.interrupt("Stopping (committing source offsets) ...");
            LogLevels.quietForStop((LoggerContext) LogManager.getContext(false), stopNoise());
            resources.close();
            // The JVM exits when this hook ends: let the step's thread first end its line ("stopped after N s").
            progress.awaitStepEnded(Progress.STEP_END_GRACE);
            // Ctrl-C is how a followed ingest ends, so this is where its final commit is (or is not) saved; the exit
            // code is the signal's, so the warning is all a failed write leaves (Connect only logs it).
            resumePointNotSaved().ifPresent(why -> {
                System.err.println("WARNING: " + why);
                System.err.flush();
            });
            stopped.countDown();
        }, "tradepulse-ingest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long deadLetters;
        try {
            deadLetters = run(connector, progress);
        } catch (Exception e) {
            // Outside a step too (following for new releases): once Ctrl-C closed the worker, it is a stop.
            throw progress.stopRequested() && !(e instanceof StoppedException) ? new StoppedException(e) : e;
        } finally {
            if (stopped.getCount() > 0) {
                Resources.removeShutdownHook(hook);
                resources.close();
            }
        }
        if (maxDeadLetters != null && deadLetters > maxDeadLetters) {
            PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "%s dead-lettered, more than --max-dead-letters %d: the rows and the reasons"
                    + " are on %s (the other rows were published, and the resume point saved)%n",
                    TariffsCommand.count(deadLetters, "row"), maxDeadLetters, dlqTopic);
            err.flush();
            return DEAD_LETTERS_EXIT_CODE;
        }
        return 0;
    }

    /** The dead-letter topic of the run, for the message of exit code 3. */
    private String dlqTopic;

    /** Runs the ingest; returns the number of rows it dead-lettered. */
    private long run(Map<String, String> connector, Progress progress) throws Exception {
        if (embedded) {
            EmbeddedKafka kafka = progress.step("Starting Kafka broker (KRaft, in-process)",
                    () -> resources.start(EmbeddedKafka::start), EmbeddedKafka::bootstrapServers);
            EmbeddedRegistry registry = progress.step("Starting schema registry (Apicurio, child JVM)",
                    () -> resources.start(EmbeddedRegistry::start), EmbeddedRegistry::url);
            bootstrapServers = kafka.bootstrapServers();
            registryUrl = registry.url();
        }
        if (!embedded) {
            // Before any topic is created or the worker started: a registry URL that answers as no registry API (a
            // wrong path) failed only at the converter's first row. With the value converter's settings (credentials,
            // TLS) as the worker hands them over.
            RegistryApiCheck.refuseNoRegistryApi(new StandaloneConfig(workerConfig(workerSettings,
                    EmbeddedConnect.workerProps(bootstrapServers, registryUrl, Path.of("connect.offsets"))))
                    .originalsWithPrefix("value.converter."), "--schema-registry-url");
        }
        Map<String, Object> client = new HashMap<>();
        // The admin client (topics, progress counts) needs the worker's security settings, nothing else.
        workerSettings.forEach((k, v) -> {
            if (isSecurityKey(k.toString())) {
                client.put(k.toString(), v);
            }
        });
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        client.putAll(adminTimeouts(timeout));
        TopicCatalog topics = new TopicCatalog(topicPrefix, partitions, (short) replicationFactor, // checked in call()
                new AvroSerdes(Map.of("schema.registry.url", registryUrl), null));
        connector.putIfAbsent("topic", topics.records().name());
        connector.putIfAbsent("dlq.topic", topics.deadLetters().name());
        String topic = connector.get("topic");
        String dlq = connector.get("dlq.topic");
        dlqTopic = dlq;
        // The connector's own topic and dead-letter topic (--set topic=..., dlq.topic=...) take the roles of
        // trade.records and trade.dlq, so they get those topics' settings; only the catalog's were created before, and
        // a topic set apart from them was left to the broker (refused where auto-creation is off; elsewhere created with
        // the broker's default retention, which deletes trade records). And the partition count of that topic when it
        // exists, in the command suggested with --no-create-topics too: not the configured --partitions.
        List<Pipeline.Needed> own = List.of(Pipeline.Needed.inRoleOf(topics.records(), topic),
                Pipeline.Needed.inRoleOf(topics.deadLetters(), dlq));
        if (!noCreateTopics) {
            progress.step("Creating topics", () -> Pipeline.createTopics(client, topics, own),
                    created -> created.isEmpty() ? "all exist" : String.join(", ", created));
        } else {
            // Before the worker starts: without the topics it started, then failed reading their end offsets with
            // "This server does not host this topic-partition" and a stack trace (exit 1).
            Pipeline.requireTopics(client, own, List.of(), "nothing was started or sent");
        }
        Path offsetsFile = offsetsFile(client, topic);
        Map<String, String> worker = workerConfig(workerSettings,
                EmbeddedConnect.workerProps(bootstrapServers, registryUrl, offsetsFile));
        // The run's counts are what its producers had acknowledged (DeliveredRecords), not the growth of the topics,
        // which others write too; interceptors of the user's own --worker-config or --set stay.
        String run = DeliveredRecords.newRun();
        resources.keep(() -> DeliveredRecords.end(run));
        worker.merge(PRODUCER_INTERCEPTORS, DeliveredRecords.class.getName(), IngestCommand::withInterceptor);
        worker.put("producer." + DeliveredRecords.RUN_CONFIG, run);
        connector.computeIfPresent("producer.override." + ProducerConfig.INTERCEPTOR_CLASSES_CONFIG,
                (k, theirs) -> withInterceptor(theirs, DeliveredRecords.class.getName()));
        EmbeddedConnect connect = progress.step("Starting Kafka Connect worker (standalone, in-process)",
                () -> resources.start(() -> EmbeddedConnect.start(worker)), c -> "offsets " + offsetsFile);
        startedWorker = connect;
        startedOffsetsFile = offsetsFile;
        String name = connector.remove("name");
        progress.step("Starting connector " + name, () -> {
            try {
                return connect.startConnector(name, connector);
            } catch (ConnectException e) {
                Optional<SettingsRefusedException> atStart = refusedAtStart(e, name);
                if (atStart.isPresent()) {
                    throw atStart.get();
                }
                throw refusedByTheWorker(e, name, connector, source);
            }
        }, info -> info.config().get("connector.class"));
        Delivered delivered = progress.step(follow ? "Reading until caught up" : "Ingesting", () -> {
            boolean ok;
            try {
                ok = isFinite(connector) ? connect.awaitCompletion(name, workerWait(timeout))
                        : connect.awaitCaughtUp(name, workerWait(timeout));
            } catch (ConnectorFailedException e) {
                Optional<String> later = runAgainLaterMessage(e.thrown(), e.reason(), offsetsFile);
                if (later.isPresent()) {
                    // The worker stopped first, so that the message says whether the resume point was saved (the
                    // offsets file written), not that it will be.
                    resources.close();
                    throw new RunAgainLaterException(runAgainLaterMessage(e.thrown(), e.reason(), offsetsFile)
                            .orElseThrow(), e);
                }
                throw e;
            }
            // What was pending, or what a transform dropped, read before the worker stops; the log of a one-shot run
            // holds nothing of it.
            List<IngestProgress.Task> tasks = IngestProgress.tasks(connect, name, isFinite(connector));
            Optional<String> heldBack = follow && !ok ? IngestProgress.waitingForTheSource(tasks) : Optional.empty();
            if (!ok && heldBack.isEmpty()) {
                throw new NotDoneException(IngestProgress.notDoneMessage(name, isFinite(connector), timeout,
                        tasks, DeliveredRecords.count(run, topic), topic, DeliveredRecords.count(run, dlq), dlq,
                        LogLevels.profileOf(this) == LogLevels.Profile.QUIET));
            }
            // The counts are what reached the topics; what a transform of the connector (an SMT such as Filter)
            // dropped is in neither, and the one-shot log (errors only) does not say it: without a word here, rows
            // a transform dropped looked like rows the run lost.
            return new Delivered(DeliveredRecords.count(run, topic), DeliveredRecords.count(run, dlq),
                    IngestProgress.droppedByTransform(tasks), heldBack.orElse(null));
        }, d -> (d.heldBack() == null ? "" : "not caught up after " + timeout + ": " + d.heldBack()
                + "; following on meanwhile; ") + TariffsCommand.count(d.records(), "record") + " to " + topic + ", "
                + TariffsCommand.count(d.deadLetters(), "dead letter") + " to " + dlq
                + (d.dropped() > 0 ? "; " + TariffsCommand.count(d.dropped(), "more row") + " dropped by a transform of"
                        + " the connector (not written)" : ""));
        if (follow) {
            out.println("Following " + source + " for new releases. Press Ctrl-C to stop.");
            // Zero: no wait, only the worker's status of the connector and its tasks (a FAILED one throws
            // ConnectorFailedException, exit 1 with the task's reason; its final offset commit came before).
            followUntilFailed(() -> connect.awaitCaughtUp(name, Duration.ZERO), () -> stopping, FOLLOW_CHECK_INTERVAL);
        }
        progress.step("Stopping the worker (final offset commit)", () -> {
            resources.close();
            // Connect only logs a failed write of the offsets file (disk full, an unwritable directory) and stops as
            // usual: the run said "resume point saved" and exited 0, and the next one re-sent what this one had.
            Optional<String> notSaved = resumePointNotSaved();
            if (notSaved.isPresent()) {
                throw new ResumePointNotSavedException(notSaved.get());
            }
            return offsetsFile;
        }, f -> embedded ? "(embedded run: offsets discarded with the broker)" : "resume point saved in " + f);
        return delivered.deadLetters();
    }

    /**
     * What the run's producers had acknowledged on its topics when it was done (or, following, caught up), what a
     * transform dropped, and, for a followed run whose source still holds it back (its call quota, a server's
     * Retry-After), which task waits until when; null otherwise.
     */
    private record Delivered(long records, long deadLetters, long dropped, String heldBack) {
    }

    /**
     * What to throw for the worker's failure {@code e} to start connector {@code name}: the worker's refusal of its
     * settings (a {@link BadRequestException}: the connector's validate found errors, or no connector has the
     * connector.class given) is the user's to fix, one line and exit 2 ({@link SettingsRefusedException}); it exited 1
     * with a stack trace, as if running again could help. Settings of the source's own connector are checked before
     * anything starts ({@link #checkConnectorSettings}); another connector.class (--config, --set) is left to the
     * worker, which is where such a refusal comes from. Anything else is {@code e}, a failure.
     */
    static RuntimeException refusedByTheWorker(ConnectException e, String name, Map<String, String> connector,
            Source source) {
        if (!(e.getCause() instanceof BadRequestException refusal) || refusal.getMessage() == null) {
            return e;
        }
        List<String> problems = new ArrayList<>();
        for (String line : refusal.getMessage().split("\\R")) {
            String problem = line.strip();
            // The lead says only that a list follows; the tail names the REST API's validate endpoint, which ingest's
            // worker serves on an ephemeral port of its own, gone once the run ends.
            if (problem.isEmpty() || problem.startsWith("Connector configuration is invalid and contains the following")
                    || problem.startsWith("You can also find the above list of errors")) {
                continue;
            }
            problems.add(withoutPluginDescriptions(problem));
        }
        String given = connector.get(CONNECTOR_CLASS);
        String ownClass = connectorClass(source);
        // An alias of the source's own connector (FileSource) is that connector, not another one.
        String other = given == null || ConnectorClasses.onClassPath(IngestCommand.class.getClassLoader())
                .resolve(given.trim()).filter(ownClass::equals).isPresent() ? ""
                : " (connector.class is " + given + ", not " + ownClass + ", the connector of --source " + source
                        + ": leave connector.class out to run that one)";
        return new SettingsRefusedException("Refused: the Kafka Connect worker refused the settings of connector " + name
                + " (--config, --set, --files, --start, --api-key; docs/connectors.md): "
                + String.join("; ", mergeSharedLeads(problems)) + other);
    }

    /**
     * The refusal to report when connector {@code name} failed to start ({@code e}) because its own start() threw
     * Kafka's ConfigException: the connector refused the settings it was given (it passed the worker's validate, which
     * checks less), the user's to fix. It was reported as "Invalid configuration: <the connector's message>", which
     * said neither which connector nor that the worker had started it; it now says both. Only a ConfigException
     * thrown within the connector's start (under the worker's WorkerConnector.doStart): empty for any other failure
     * (a worker's refusal of the settings, {@link #refusedByTheWorker}; anything else stays a failure, exit 1).
     */
    static Optional<SettingsRefusedException> refusedAtStart(ConnectException e, String name) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException refused && thrownUnderConnectorStart(refused)) {
                return Optional.of(new SettingsRefusedException("Refused: connector " + name + " refused its settings"
                        + " when the worker started it (--config, --set, --files, --start, --api-key;"
                        + " docs/connectors.md): " + refused.getMessage()));
            }
        }
        return Optional.empty();
    }

    private static boolean thrownUnderConnectorStart(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.getClassName().equals(WORKER_CONNECTOR) && frame.getMethodName().equals("doStart")) {
                return true;
            }
        }
        return false;
    }

    /** The worker's class that calls a connector's start() (Kafka 4.4), from its method doStart. */
    private static final String WORKER_CONNECTOR = "org.apache.kafka.connect.runtime.WorkerConnector";

    /**
     * Connect's "no connector of this name" lists each connector it has as a PluginDesc{klass=..., name='...',
     * version=..., location=...}: some 400 characters each, for the name alone that the user needs.
     */
    private static String withoutPluginDescriptions(String problem) {
        Matcher names = PLUGIN_NAME.matcher(problem);
        int first = problem.indexOf("PluginDesc{");
        if (first < 0) {
            return problem;
        }
        List<String> found = new ArrayList<>();
        while (names.find()) {
            found.add(names.group(1));
        }
        return problem.substring(0, first) + String.join(", ", found);
    }

    private static final Pattern PLUGIN_NAME = Pattern.compile("PluginDesc\\{klass=[^,]*, name='([^']*)'[^}]*}");

    /**
     * The timeouts of ingest's admin client (the topics, the cluster id), bounded by --timeout: its calls wait
     * default.api.timeout.ms (60 s) for a cluster that does not answer, so `--timeout PT20S` against an unreachable
     * broker failed after 60 s ("Timed out waiting for a node assignment. Call: listTopics"). A request must fit in
     * the call's time (request.timeout.ms, 30 s, at most default.api.timeout.ms, else the client refuses the
     * setting); a longer --timeout keeps Kafka's defaults.
     */
    static Map<String, Object> adminTimeouts(Duration timeout) {
        // Kafka's defaults of the two. Counted from the countable wait: toMillis() of a --timeout beyond ~292 million
        // years (PT9223372036854775807S) threw ArithmeticException before anything was contacted.
        int call = (int) Math.min(Pipeline.countable(timeout).toMillis(), 60_000);
        int request = Math.min(call, 30_000);
        return Map.of(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, call,
                CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, request);
    }

    /**
     * The wait for the connector handed to the worker: --timeout, at most {@link Pipeline#LONGEST_WAIT}. The worker's
     * waits (EmbeddedConnect) count it in nanoseconds from System.nanoTime(), so --timeout P200000D (meant as "never",
     * accepted as bench accepts it) failed with ArithmeticException "long overflow" once the topics were created and the
     * worker and the connector had started (exit 1, a stack trace). Messages still name the --timeout given.
     */
    static Duration workerWait(Duration timeout) {
        return Pipeline.countable(timeout);
    }

    /** What the stop's hook silences: with --embedded, Connect's words about a resume point the run does not keep too. */
    Map<String, org.apache.logging.log4j.Level> stopNoise() {
        return embedded ? LogLevels.EMBEDDED_INGEST_STOP_NOISE : LogLevels.STOP_NOISE;
    }

    /** The run's worker, once started; asked after it stopped whether its last write of the offsets file failed. */
    private volatile EmbeddedConnect startedWorker;
    /** The run's offsets file, once known. */
    private volatile Path startedOffsetsFile;

    /**
     * What to say instead of "resume point saved" when the worker's last write of the offsets file failed; empty when
     * it was saved, when no worker started, and for an embedded run (its offsets go with its broker).
     */
    Optional<String> resumePointNotSaved() {
        EmbeddedConnect w = startedWorker;
        if (embedded || w == null) {
            return Optional.empty();
        }
        return w.offsetsNotSaved().map(failure -> resumePointNotSavedMessage(startedOffsetsFile, failure));
    }

    /**
     * The rows since the last saved resume point are sent again by the next run; harmless, since a re-sent row has the
     * same key and value and the processor ignores a duplicate (docs/architecture.md, "Which revision wins"). Connect
     * truncates the file before writing it, so a write that failed midway (disk full) may leave it empty, which Connect
     * reads as no resume point at all, or cut short mid-record, which the next run refuses to read.
     */
    static String resumePointNotSavedMessage(Path offsetsFile, Throwable failure) {
        if (failure instanceof TaskStopCutShortException) {
            // The file was written; what it lacks is the cancelled task's final commit. Saying "writing it failed"
            // sent the operator looking for a full disk.
            return "the resume point in " + offsetsFile + " may NOT cover every delivered row: " + failure.getMessage()
                    + ". Every row delivered was published; the next run resumes from the resume point of the last"
                    + " periodic flush, and a re-sent row has the same key and value, which the processor ignores as a"
                    + " duplicate. If the source's task often takes longer to stop, raise "
                    + "task.shutdown.graceful.timeout.ms (--worker-config)";
        }
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String why = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        boolean readable = true;
        try {
            EmbeddedConnect.requireReadableOffsets(
                    Map.of(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG, offsetsFile.toString()));
        } catch (ConnectException unreadable) {
            readable = false;
        }
        return "the resume point was NOT saved: writing " + offsetsFile + " failed (" + why + "). Every row delivered"
                + " was published, but "
                + (readable ? "the next run resumes from the last resume point that file holds and sends the rows"
                        + " since again (a write that fails midway puts the previous file back)"
                        : "that file cannot be read now: move it away, and the next run reads the source from its start")
                + "; a re-sent row has the same key and value, and the processor ignores a duplicate. Fix the cause"
                + " (disk full? permissions?) before the next run";
    }

    /**
     * The worker's settings as the worker and its tasks' producers read them, checked before anything starts: an
     * invalid --worker-config value (task.shutdown.graceful.timeout.ms=abc) was refused only by the worker, once the
     * broker and the registry had started (or the topics were created on a real cluster), and an invalid producer. key
     * (producer.acks=foo) only by the task's producer, with exit 1 and a stack trace, as if the run had failed.
     *
     * @throws ConfigException naming the key and the allowed values (exit 2)
     */
    static void checkWorkerSettings(Properties user) {
        // Kafka logs a config provider it cannot load (config.providers.NAME.class) as an ERROR with a stack trace
        // before it throws the ConfigException reported as "Invalid configuration: ..." (exit 2): only that line is
        // the user's to read.
        LogLevels.quietWhile((LoggerContext) LogManager.getContext(false), AbstractConfig.class.getName(), () -> {
            checkWorkerSettingsLoudly(user);
            return null;
        });
    }

    private static void checkWorkerSettingsLoudly(Properties user) {
        // Placeholders where ingest sets its own values: only their form is checked, nothing is contacted.
        Map<String, String> worker = workerConfig(user, EmbeddedConnect.workerProps("127.0.0.1:9092",
                "http://127.0.0.1:8081", Path.of("connect.offsets")));
        StandaloneConfig standalone = new StandaloneConfig(worker);
        // The converters (ingest's registry clients, AvroConverter) parse their keys only when the worker builds them:
        // a basic.auth.credentials.source=FOO or an auto.register.schemas=maybe was refused after the topics had been
        // created and the worker started. Parsed here as Connect hands them over: prefix stripped, config provider
        // variables (${file:...}) resolved.
        // The dead letters' keys are strings: a key strategy naming subjects after records refuses them.
        AvroSerdeConfig.check(standalone.originalsWithPrefix("key.converter."), true, true);
        AvroSerdeConfig.check(standalone.originalsWithPrefix("value.converter."), false, true);
        // Connect gives its tasks' producers the producer.-prefixed keys, on top of its bootstrap and serializers.
        Map<String, Object> producer = new HashMap<>();
        worker.forEach((k, v) -> {
            if (k.startsWith(PRODUCER_PREFIX)) {
                producer.put(k.substring(PRODUCER_PREFIX.length()), v);
            }
        });
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, worker.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        new ProducerConfig(producer);
    }

    private static final String PRODUCER_PREFIX = "producer.";

    /** A key of the Kafka clients' security settings (what ingest's own admin client takes of --worker-config). */
    private static boolean isSecurityKey(String key) {
        return key.startsWith("security.") || key.startsWith("sasl.") || key.startsWith("ssl.");
    }

    /**
     * The worker's properties: --worker-config's, ingest's own on top. Connect gives the producers of its tasks only
     * the producer.-prefixed keys (its admin clients take the plain ones): a --worker-config with the security keys as
     * its help names them (security.protocol, sasl.*, ssl.*) secured ingest's admin client and the worker's, and left
     * the producers that publish the rows in plaintext, so they never got the cluster's metadata and the run ended at
     * --timeout ("not done after PT30M") having published nothing. Each plain security key now reaches the producers
     * too, unless a producer.-prefixed key of the same name is given. Likewise the converters, the registry client
     * of ingest, take only the key.converter.- and value.converter.-prefixed keys: the registry's credentials and TLS
     * keys given as run's --config gives them (basic.auth.*, bearer.auth.*, schema.registry.ssl.*) were not used, and
     * the task failed at its first record with the registry's 401. They now reach both converters, unless given
     * there.
     */
    static Map<String, String> workerConfig(Properties user, Map<String, String> own) {
        Map<String, String> worker = new HashMap<>();
        user.forEach((k, v) -> worker.put(k.toString(), v.toString()));
        user.forEach((k, v) -> {
            String key = k.toString();
            if (isSecurityKey(key)) {
                worker.putIfAbsent("producer." + key, v.toString());
            }
            if (isRegistryKey(key)) {
                worker.putIfAbsent("key.converter." + key, v.toString());
                worker.putIfAbsent("value.converter." + key, v.toString());
            }
        });
        worker.putAll(own);
        return worker;
    }

    /** A key of the registry client's credentials or TLS; its URL is --schema-registry-url. */
    private static boolean isRegistryKey(String key) {
        return key.startsWith("basic.auth.") || key.startsWith("bearer.auth.")
                || key.startsWith("schema.registry.") && !key.equals("schema.registry.url");
    }

    private static final String PRODUCER_INTERCEPTORS = "producer." + ProducerConfig.INTERCEPTOR_CLASSES_CONFIG;

    /** A list of interceptor classes with {@code ours} added, unless it is there already. */
    static String withInterceptor(String theirs, String ours) {
        List<String> classes = new ArrayList<>(List.of(theirs.split(",")).stream().map(String::trim)
                .filter(c -> !c.isEmpty()).toList());
        if (!classes.contains(ours)) {
            classes.add(ours);
        }
        return String.join(",", classes);
    }

    /** How often a followed ingest asks the worker whether the connector or a task failed. */
    static final Duration FOLLOW_CHECK_INTERVAL = Duration.ofSeconds(1);

    /** Set by the shutdown hook (Ctrl-C, SIGTERM): from then on the worker is being stopped on purpose. */
    private volatile boolean stopping;

    /** A check of the connector that throws when it or one of its tasks failed. */
    interface FailureCheck {
        void run() throws Exception;
    }

    /**
     * Follows until the connector or one of its tasks fails, throwing that failure; returns never otherwise (Ctrl-C
     * or SIGTERM end the JVM). A followed ingest waited on a latch nothing released: a task that failed once caught
     * up (a source's answer it cannot read, an authorization revoked) left the process running for ever, publishing
     * nothing and exiting with no code, so a supervisor that restarts a failed service never saw a failure. What
     * the check reports once the shutdown hook is stopping the worker is no failure, and is not thrown.
     */
    static void followUntilFailed(FailureCheck check, BooleanSupplier stopping, Duration interval) throws Exception {
        while (true) {
            try {
                check.run();
            } catch (Exception e) {
                if (!stopping.getAsBoolean()) {
                    throw e;
                }
            }
            Thread.sleep(interval.toMillis());
        }
    }

    /**
     * Why a one-shot run stopped, when its task failed because the source cannot be read now but can later (its call
     * quota used up, a server's long Retry-After: the keys connectorSettings sets to FAIL), and when to run it again;
     * empty for any other failure.
     *
     * @param thrown the class name of what the task threw ({@link ConnectorFailedException#thrown()})
     */
    Optional<String> runAgainLaterMessage(String thrown, String taskReason, Path offsetsFile) {
        if (OutOfQuotaException.class.getName().equals(thrown)) {
            return Optional.of(outOfQuotaMessage(taskReason, offsetsFile));
        }
        if (LongRetryAfterException.class.getName().equals(thrown)) {
            return Optional.of(longRetryAfterMessage(taskReason, offsetsFile));
        }
        return Optional.empty();
    }

    /**
     * Why a one-shot run stopped when the source ran out of its call quota, and when to run it again: the task's own
     * message says when the quota is back and the call it was refused; what the run keeps depends on its offsets.
     */
    String outOfQuotaMessage(String taskReason, Path offsetsFile) {
        return stoppedMessage(taskReason, offsetsFile, ComtradeConfig.QUOTA_EXHAUSTED_CONFIG, "the quota");
    }

    /**
     * Why a one-shot run stopped when a server asked not to be called for longer than http.backoff.max.ms, and when to
     * run it again: the task's own message names the server, its Retry-After and when it may be called again.
     */
    String longRetryAfterMessage(String taskReason, Path offsetsFile) {
        return stoppedMessage(taskReason, offsetsFile, TradeSourceConfig.HTTP_RETRY_AFTER_LONG_CONFIG, "the server");
    }

    /** @param key the connector key whose WAIT waits instead, for {@code what} */
    private String stoppedMessage(String taskReason, Path offsetsFile, String key, String what) {
        String keeps = embedded ? "--embedded keeps nothing between runs"
                : resumePointNotSaved().orElse("resume point saved in " + offsetsFile);
        return source + " stopped: " + taskReason + " (" + keeps + "; --follow, or --set " + key + "=WAIT, waits for "
                + what + " instead)";
    }

    private static final String CONNECTOR_CLASS = "connector.class";

    /** The connector settings: source defaults, then --config, then the shortcuts, then --set (--connector-class). */
    Map<String, String> connectorSettings() throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", connectorClass(source));
        c.put("tasks.max", "1");
        c.put("name", "tradepulse-" + source);
        // Trimmed as Connect trims them: a properties file keeps a value's trailing blanks, and "comext.mode=BULK " was
        // BULK to the connector but not to the checks here (the files were not checked, --files was refused).
        refuseJson(connectorConfig);
        ClientSettings.read(spec.commandLine(), "--config", connectorConfig)
                .forEach((k, v) -> c.put(k.toString(), v.toString().trim()));
        // The key each shortcut option set, with the option as typed: for a --set of the same key below.
        Map<String, String> shortcuts = new HashMap<>();
        if (files != null && !files.isEmpty()) {
            String key = switch (source) {
                case file -> "file.paths";
                case gacc -> "gacc.tables";
                case comext -> "comext.files";
                default -> throw new CommandLine.ParameterException(spec.commandLine(), "--files is not used by --source " + source);
            };
            c.put(key, fileList(files));
            shortcuts.put(key, "--files " + String.join(",", files));
        }
        if (start != null) {
            String key = switch (source) {
                case census -> "census.start.month";
                case comtrade -> "comtrade.start.period";
                case comext -> "comext.start.period";
                default -> throw new CommandLine.ParameterException(spec.commandLine(), "--start is not used by --source " + source);
            };
            c.put(key, source == Source.comtrade ? comtradePeriod(start) : start);
            shortcuts.put(key, "--start " + start);
        }
        if (apiKey != null) {
            String key = switch (source) {
                case census -> "census.api.key";
                case comtrade -> "comtrade.subscription.key";
                default -> throw new CommandLine.ParameterException(spec.commandLine(), "--api-key is not used by --source " + source);
            };
            c.put(key, apiKey);
            shortcuts.put(key, API_KEY_OPTION);
        }
        settings.forEach((key, value) -> {
            if (key.isBlank()) {
                // picocli splits "--set =v" into the key "" and "v": Connect ignores a key nobody reads, so the
                // setting meant was silently not made.
                throw new CommandLine.ParameterException(spec.commandLine(), "--set " + key + "=" + value
                        + ": no key before '=' (expected key=value)");
            }
            // A shortcut and a --set of its key with another value: the --set won silently (`--start 2025-01 --set
            // census.start.month=2024-01` read from 2024-01). Which one was meant cannot be told, as for
            // --connector-class and a different --set connector.class: refused naming both (an API key unprinted).
            String option = shortcuts.get(key);
            if (option != null && !sameValue(key, c.get(key), value)) {
                boolean secret = option.equals(API_KEY_OPTION);
                throw new CommandLine.ParameterException(spec.commandLine(), option + " and --set " + key
                        + (secret ? "" : "=" + value) + " set " + key + " to different values"
                        + (secret ? " (not printed)" : "") + ": give one of them");
            }
        });
        c.putAll(settings);
        if (connectorClassOption != null) {
            String set = settings.get(CONNECTOR_CLASS);
            if (set != null && !set.trim().equals(connectorClassOption.trim())) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--connector-class " + connectorClassOption
                        + " and --set " + CONNECTOR_CLASS + "=" + set + " name different connectors: give one of them");
            }
            // Trimmed as the other settings of --config are, and as Connect trims a class name.
            c.put(CONNECTOR_CLASS, connectorClassOption.trim());
        }
        if (source == Source.comtrade && !follow) {
            // Out of its daily quota, the task waits for it (hours) by default: a one-shot run then ended at --timeout
            // with "not done after PT30M", saying nothing of the quota. It fails at once instead, saying when to run
            // again; a key given with --config or --set wins (WAIT: wait up to --timeout).
            c.putIfAbsent(ComtradeConfig.QUOTA_EXHAUSTED_CONFIG, ComtradeConfig.QuotaExhausted.FAIL.name());
        }
        if (!follow) {
            // Likewise when a server asks, with Retry-After, not to be called for longer than http.backoff.max.ms (a 503
            // maintenance window of an hour): the task waits for it, silent, and the run ended at --timeout saying
            // nothing of the server. Any source that calls a server (an API, a file or bulk URL). --follow waits.
            c.putIfAbsent(TradeSourceConfig.HTTP_RETRY_AFTER_LONG_CONFIG, TradeSourceConfig.LongRetryAfter.FAIL.name());
        }
        return c;
    }

    private static final String API_KEY_OPTION = "--api-key";

    /**
     * The connector's list of files of --files: each one trimmed, as Connect trims a list's items ("--files 'a.csv,
     * b.csv'" made " b.csv" a path of its own, "<cwd>/ b.csv", refused as missing, where the same list under --config
     * or --set was read), and local paths made absolute.
     */
    private static String fileList(List<String> files) {
        return String.join(",", files.stream().map(String::trim).filter(f -> !f.isEmpty())
                .map(IngestCommand::absolute).toList());
    }

    /**
     * Whether a shortcut option's {@code shortcut} value of {@code key} and a --set's {@code set} one are the same
     * setting: a list of files as --files makes it (relative or absolute, blanks after the commas), else trimmed, as
     * Connect reads them.
     */
    private boolean sameValue(String key, String shortcut, String set) {
        if (key.equals(filesKey(source))) {
            return shortcut.equals(fileList(List.of(set.split(","))));
        }
        return shortcut.trim().equals(set.trim());
    }

    /**
     * A Kafka Connect JSON connector config (deploy/connect/connectors/*.json) given to --config, which takes a Java
     * properties file: read as properties, every line of it was a key nobody reads ("\"file.format\": \"CSV\","), so the
     * run was refused as "File source mapping incomplete, set: field.reporter or default.reporter; ...", naming keys
     * the file did set. A file that cannot be read is left to {@link ClientSettings#read}.
     */
    static void refuseJson(Path config) {
        if (isJson(config)) {
            throw new SettingsRefusedException("--config " + config + " is a JSON file (a Kafka Connect connector"
                    + " config?); --config takes a Java properties file: give the connector settings (the keys of its"
                    + " \"config\" object, or of the JSON itself) as key=value lines (docs/connectors.md)");
        }
    }

    /**
     * Likewise a JSON file given to --worker-config: its keys ("\"security.protocol\"") were none the worker reads,
     * and nothing refused them, so the run went on without the settings meant (no TLS, no SASL).
     */
    static void refuseJsonWorkerConfig(Path config) {
        if (isJson(config)) {
            throw new SettingsRefusedException("--worker-config " + config + " is a JSON file; --worker-config takes a"
                    + " Java properties file: give the worker settings as key=value lines");
        }
    }

    /**
     * Whether {@code file} is JSON, told by its first character other than a blank (a byte order mark skipped): a
     * properties file does not start with '{'. False for none, and for a file that cannot be read as UTF-8 text.
     */
    private static boolean isJson(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return false;
        }
        int first;
        try (java.io.Reader r = Files.newBufferedReader(file)) {
            do {
                first = r.read();
            } while (first == '\uFEFF' || first >= 0 && Character.isWhitespace(first));
        } catch (IOException e) {
            return false;
        }
        return first == '{';
    }

    /** The connector key listing the files (or URLs) a source reads; null for the API sources. */
    private static String filesKey(Source source) {
        return switch (source) {
            case file -> "file.paths";
            case gacc -> "gacc.tables";
            case comext -> "comext.files";
            case census, comtrade -> null;
        };
    }

    /**
     * The worker keys ingest sets itself (EmbeddedConnect.workerProps) would be silently replaced: a --worker-config
     * naming another cluster, registry or offsets file was ignored. Refused, naming the key and the option to use.
     */
    private void refuseWorkerKeysIngestSets(Properties settings) {
        Set<String> own = EmbeddedConnect.workerProps("-", "-", Path.of("-")).keySet();
        for (Object k : settings.keySet()) {
            String key = k.toString();
            if (own.contains(key)) {
                String instead = switch (key) {
                    case "bootstrap.servers" -> "use --bootstrap-servers";
                    case "offset.storage.file.filename" -> "use --offsets";
                    case "key.converter.schema.registry.url", "value.converter.schema.registry.url" -> "use --schema-registry-url";
                    default -> "ingest sets it itself";
                };
                throw new SettingsRefusedException("--worker-config " + workerConfig + " sets "
                        + key + ", which ingest would replace: " + instead);
            }
        }
    }

    /**
     * The connector's own check of its settings (what the worker runs when the connector is created), made before
     * anything starts: an invalid --set or --config value (file.format=XML) started the broker, the registry and the
     * worker, or created the topics on a real cluster, and then failed with exit code 1 as if the run had.
     */
    private void checkConnectorSettings(Map<String, String> connector) {
        // Ingest creates (or requires) these topics itself, whatever the connector class: an invalid name was refused
        // only by the broker, once the embedded broker and registry had started (exit 1, a stack trace).
        for (String key : List.of(TradeSourceConfig.TOPIC_CONFIG, TradeSourceConfig.DLQ_TOPIC_CONFIG)) {
            if (connector.get(key) != null) {
                try {
                    OptionRanges.topicName(spec.commandLine(), "Invalid connector settings (--config, --set; "
                            + "docs/connectors.md): " + key, connector.get(key));
                } catch (CommandLine.ParameterException e) {
                    throw new SettingsRefusedException(e.getMessage());
                }
            }
        }
        // One topic for both: the records and the dead letters were counted each as the other's too, the topic listed
        // twice as created, and the processor would read DeadLetter values as trade records.
        String topic = connector.getOrDefault(TradeSourceConfig.TOPIC_CONFIG, topicPrefix + TopicCatalog.RECORDS);
        if (topic.equals(connector.getOrDefault(TradeSourceConfig.DLQ_TOPIC_CONFIG, topicPrefix + TopicCatalog.DLQ))) {
            throw new SettingsRefusedException("Invalid connector settings (--config, --set; "
                    + "docs/connectors.md): " + TradeSourceConfig.TOPIC_CONFIG + " and " + TradeSourceConfig.DLQ_TOPIC_CONFIG
                    + " are both " + topic + ": the records and their dead letters need a topic each");
        }
        // The connector the worker will run: the source's own, another of ours (--source file --connector-class
        // GaccSource, checked the same way, with its own keys: it was left to the worker, which refused a missing
        // gacc.tables only once the broker, the registry and the worker had started), or one only the worker knows.
        String resolved = resolvedConnectorClass(connector.get(CONNECTOR_CLASS), workerSettings);
        Source checked = Arrays.stream(Source.values()).filter(s -> connectorClass(s).equals(resolved)).findFirst()
                .orElse(null);
        if (checked == null) {
            return; // a connector not of ours, or one only the worker can resolve: left to the worker
        }
        List<String> problems = new ArrayList<>();
        Connector check = newConnector(checked);
        // A required key not given is named as such, and the connector's validators are not run: Connect calls them
        // with null for it, and some fail on that (comtrade.reporters: a NullPointerException, exit 1 and a stack
        // trace for `ingest --source comtrade --start 2025-01`). The options that set a key (--files, --start) set the
        // --source's keys, so they are named only for the source's own connector.
        check.config().configKeys().values().stream()
                .filter(key -> ConfigDef.NO_DEFAULT_VALUE.equals(key.defaultValue) && !connector.containsKey(key.name))
                .forEach(key -> problems.add("Missing required configuration \"" + key.name + "\" which has no default"
                        + " value" + (checked == source ? shortcut(key.name) : "")));
        if (problems.isEmpty()) {
            for (ConfigValue value : check.validate(connector).configValues()) {
                for (String message : value.errorMessages()) {
                    problems.add(message.contains(value.name()) ? message : value.name() + ": " + message);
                }
            }
        }
        // Connect's own keys of every source connector (tasks.max, errors.*, key.converter, transforms ...), checked by
        // the worker when it creates the connector: `--set tasks.max=0` started the broker, the registry and the worker
        // (or created the topics on a real cluster), then failed with exit 1 and a stack trace.
        for (ConfigValue value : SourceConnectorConfig.configDef().validate(connector)) {
            // A value that does not parse is reported a second time as null ("Value must be non-null"): once is enough.
            value.errorMessages().stream().findFirst().ifPresent(message ->
                    problems.add(message.contains(value.name()) ? message : value.name() + ": " + message));
        }
        if (problems.isEmpty()) {
            // Our connectors' validate reports their rules across keys too (CrossKeyRules); building the configuration
            // as start does stays as the last check, so that a rule validate missed is still refused here, before the
            // broker, the registry and the worker start (or the topics are created on a cluster).
            try {
                newConfig(checked, connector);
            } catch (ConfigException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new SettingsRefusedException("Invalid connector settings (--config, --set,"
                    + " --files, --start, --api-key; docs/connectors.md): " + String.join("; ", mergeSharedLeads(problems))
                    + (checked == source ? "" : " (connector.class is " + connector.get(CONNECTOR_CLASS).trim() + ", not "
                    + connectorClass(source) + ", the connector of --source " + source
                    + ": leave connector.class out to run that one)"));
        }
    }

    /**
     * The class of the connector the worker runs for the connector.class {@code given}: the class name of a connector
     * found on the class path, also for an alias of it (FileSourceConnector, FileSource); an alias of the source's own
     * connector skipped the checks here, and was refused only once the broker, the registry and the worker had started.
     * Null for a class the worker may load but no check here knows: a Connector class on the class path without a
     * service entry, anything while --worker-config gives a plugin.path (its plugins are the worker's to find, and may
     * make an alias name two classes), and a value with a config provider's ${...} (the worker resolves it).
     *
     * @throws SettingsRefusedException for a value the worker would not load, naming the classes and aliases found
     */
    String resolvedConnectorClass(String given, Properties worker) {
        boolean pluginPath = !worker.getProperty(WorkerConfig.PLUGIN_PATH_CONFIG, "").isBlank();
        String value = given == null ? "" : given.trim();
        ConnectorClasses classes = ConnectorClasses.onClassPath(IngestCommand.class.getClassLoader());
        if (pluginPath || value.contains("${")) {
            return classes.resolve(value).filter(value::equals).orElse(null);
        }
        if (!classes.workerLoads(value)) {
            // The worker refused it too (Connect's "Failed to find any class that implements Connector ..."), but only
            // once the broker, the registry and the worker had started.
            throw new SettingsRefusedException("Invalid connector settings (--config, --set, --connector-class;"
                    + " docs/connectors.md): " + CONNECTOR_CLASS + " " + (value.isEmpty() ? "is empty" : value
                    + " is no connector on the class path") + ": give a class or alias of one of "
                    + classes.allowedValues() + "; or leave it out to run " + connectorClass(source)
                    + ", the connector of --source " + source);
        }
        if (classes.isSink(value)) {
            // The worker would start it (Connect loads sinks as it loads sources) and the run would wait out --timeout.
            throw new SettingsRefusedException("Invalid connector settings (--config, --set, --connector-class;"
                    + " docs/connectors.md): " + CONNECTOR_CLASS + " " + value + " is a sink connector; ingest runs a"
                    + " source connector: give a class or alias of one of " + classes.allowedValues()
                    + "; or leave it out to run " + connectorClass(source) + ", the connector of --source " + source);
        }
        return classes.resolve(value).orElse(null);
    }

    /**
     * comtrade.start.period (yyyyMM) of --start (yyyy-MM, as for the other sources). A value that is not a month is
     * refused here, as typed: converted first, `--start 2025-13` was refused as "Invalid value 202513 for configuration
     * comtrade.start.period: must be a period yyyyMM", a value and a form the user never typed. A value without a '-'
     * is the connector's own form, left to its check as before.
     */
    private String comtradePeriod(String start) {
        if (start.indexOf('-') < 0) {
            return start;
        }
        try {
            return YearMonth.parse(start, YYYY_MM).format(YYYYMM);
        } catch (DateTimeParseException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--start " + start + " is not a month: give yyyy-MM, e.g. 2025-01");
        }
    }

    private static final DateTimeFormatter YYYY_MM = DateTimeFormatter.ofPattern("uuuu-MM", Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter YYYYMM = DateTimeFormatter.ofPattern("uuuuMM", Locale.ROOT);

    /**
     * Problems in a row that begin with the same lead (the text up to the first ": ") as one, the lead said once: the
     * file connector's validate reports each missing part of its mapping on its own key, all worded "File source
     * mapping incomplete, set: ...", which joined whole would repeat that lead for every part.
     */
    static List<String> mergeSharedLeads(List<String> problems) {
        List<String> merged = new ArrayList<>();
        String lastLead = null;
        for (String problem : problems) {
            int colon = problem.indexOf(": ");
            String lead = colon < 0 ? null : problem.substring(0, colon + 2);
            if (lead != null && lead.equals(lastLead)) {
                merged.set(merged.size() - 1, merged.get(merged.size() - 1) + "; " + problem.substring(lead.length()));
            } else {
                merged.add(problem);
            }
            lastLead = lead;
        }
        return merged;
    }

    /** The configuration the source's connector builds from {@code settings} when it starts. */
    private static AbstractConfig newConfig(Source source, Map<String, String> settings) {
        return switch (source) {
            case census -> new CensusConfig(settings);
            case comtrade -> new ComtradeConfig(settings);
            case comext -> new ComextConfig(settings);
            case gacc -> new GaccConfig(settings);
            case file -> new FileConfig(settings);
        };
    }

    /** The option of this command that sets the connector key {@code key}, for a message; "" for none. */
    private String shortcut(String key) {
        if (key.equals(filesKey(source))) {
            return " (--files)";
        }
        return switch (key) {
            case "census.start.month", "comtrade.start.period", "comext.start.period" -> " (--start)";
            default -> "";
        };
    }

    private static Connector newConnector(Source source) {
        return switch (source) {
            case census -> new CensusSourceConnector();
            case comtrade -> new ComtradeSourceConnector();
            case comext -> new ComextSourceConnector();
            case gacc -> new GaccSourceConnector();
            case file -> new FileSourceConnector();
        };
    }

    /**
     * A finite ingest (file, gacc, comext bulk) waits until every listed file was delivered, and the connectors take a
     * missing local file for one not published yet, looking again every poll interval (an hour): a typo in a path
     * started the broker, registry and worker, waited the whole --timeout (30 minutes) and failed with "not done
     * after PT30M", naming no file. Checked before anything starts; URLs are left to the connector.
     */
    private void checkLocalFilesExist(Map<String, String> connector) {
        String key = filesKey(source);
        String locations = key == null ? null : connector.get(key);
        if (locations == null || !isFinite(connector)) {
            return;
        }
        String option = files != null && !files.isEmpty() ? "--files" : key;
        for (String raw : locations.split(",")) {
            String location = raw.trim();
            if (location.isEmpty() || location.startsWith("http://") || location.startsWith("https://")) {
                continue;
            }
            Path file = Path.of(location);
            String problem = !Files.exists(file) ? "no such file" : !Files.isRegularFile(file) ? "not a file"
                    : !Files.isReadable(file) ? "cannot be read (permission denied)" : null;
            if (problem != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + " " + location + ": " + problem
                        + " (a finite ingest waits for every file it lists until --timeout)");
            }
        }
    }

    static String connectorClass(Source source) {
        return switch (source) {
            case census -> CensusSourceConnector.class.getName();
            case comtrade -> ComtradeSourceConnector.class.getName();
            case comext -> ComextSourceConnector.class.getName();
            case gacc -> GaccSourceConnector.class.getName();
            case file -> FileSourceConnector.class.getName();
        };
    }

    private boolean isFinite(Map<String, String> connector) {
        return switch (source) {
            case file, gacc -> true;
            case comext -> "BULK".equalsIgnoreCase(connector.getOrDefault("comext.mode", "API"));
            case census, comtrade -> false;
        };
    }

    /**
     * --offsets must name a file that can be created or written: the worker only opens it once the broker, the
     * registry and the worker have started (or topics were created on a real cluster), and failed there with exit 1.
     * Its directories are created if missing, so the nearest existing ancestor must be a writable directory.
     */
    private void checkOffsetsFileCanBeWritten() {
        if (offsets == null) {
            return;
        }
        Path file = offsets.toAbsolutePath();
        String problem = null;
        if (Files.isDirectory(file)) {
            problem = "is a directory (give a file; it is created if missing)";
        } else if (Files.exists(file)) {
            if (!Files.isRegularFile(file) || !Files.isReadable(file) || !Files.isWritable(file)) {
                problem = "cannot be read and written";
            } else {
                // Another file given by mistake (a data file, a properties file) failed only once the worker loaded
                // it, after the broker and the registry had started: exit 1, as if retrying could help.
                try {
                    EmbeddedConnect.requireReadableOffsets(
                            Map.of(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG, file.toString()));
                } catch (ConnectException e) {
                    Throwable cause = e.getCause() != null && e.getCause().getCause() != null ? e.getCause().getCause()
                            : e.getCause() != null ? e.getCause() : e;
                    problem = "is not a source offsets file (" + cause + "); give the file an earlier ingest wrote,"
                            + " or a new path";
                }
            }
        } else {
            Path ancestor = file.getParent();
            while (ancestor != null && !Files.exists(ancestor)) {
                ancestor = ancestor.getParent();
            }
            if (ancestor == null || !Files.isDirectory(ancestor)) {
                problem = "cannot be created: " + ancestor + " is not a directory";
            } else if (!Files.isWritable(ancestor)) {
                problem = "cannot be created: " + ancestor + " is not writable";
            }
        }
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--offsets " + offsets + ": " + problem);
        }
    }

    /** Where the default offsets files live; a test points it elsewhere. */
    Path home = Path.of(System.getProperty("user.home"));

    private Path offsetsFile(Map<String, Object> client, String topic) throws Exception {
        if (offsets != null) {
            Files.createDirectories(offsets.toAbsolutePath().getParent());
            return offsets.toAbsolutePath();
        }
        if (embedded) {
            // The embedded broker's topics vanish with it, so must its offsets: a fresh file per run.
            // Noted as this JVM's: should it be SIGKILLed, the next embedded start removes the dir.
            Path dir = OwnedTempDirs.create("tradepulse-ingest");
            resources.deleteLast(dir); // deleted last, after the worker committed
            return dir.resolve("connect.offsets");
        }
        Path dir = home.resolve(".tradepulse");
        Files.createDirectories(dir);
        return dir.resolve(defaultOffsetsFileName(source, clusterId(client), topic));
    }

    /**
     * The default offsets file's name: per source, cluster and target topic. Source offsets say what was read, not
     * where it went: one file shared by two clusters (or two topic prefixes on one) made the second skip everything
     * the first had received, and exit 0 having published nothing.
     */
    static String defaultOffsetsFileName(Source source, String clusterId, String topic) {
        return "ingest-" + source + "-" + fileNamePart(clusterId) + "-" + fileNamePart(topic) + ".offsets";
    }

    /**
     * An offsets file of the old default name (one per source, before the cluster and topic were in the name) is
     * neither used nor ignored: nothing in it says which cluster it was for, and ignoring it would re-publish every
     * row to the cluster it was for. The user says which it is, once.
     */
    static String legacyOffsetsMessage(Path legacy) {
        return legacy + " was written by an older tradepulse, whose default offsets file was shared by every cluster and"
                + " topic prefix; which one it belongs to is unknown. To resume from it, run once with --offsets " + legacy
                + " against the cluster and topics it was written for, then move it away; otherwise move it away (the"
                + " default is now one file per cluster and topic: ingest-<source>-<cluster id>-<topic>.offsets).";
    }

    private static String fileNamePart(String s) {
        // Cluster ids are URL-safe base64 and topic names [a-zA-Z0-9._-]; anything else must not make a path.
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String clusterId(Map<String, Object> client) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(client)) {
            String id = admin.describeCluster().clusterId().get();
            if (id == null || id.isBlank()) {
                throw new IllegalStateException("The cluster at " + client.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)
                        + " reports no cluster id: give the offsets file with --offsets");
            }
            return id;
        }
    }

    private static String absolute(String location) {
        return location.startsWith("http://") || location.startsWith("https://") ? location
                : Path.of(location).toAbsolutePath().toString();
    }

}
