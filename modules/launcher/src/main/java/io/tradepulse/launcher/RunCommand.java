package io.tradepulse.launcher;

import io.tradepulse.core.TopicAdmin;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.Resources;
import io.tradepulse.serving.CorsPolicy;
import io.tradepulse.serving.DashboardServer;
import io.tradepulse.serving.ResultsView;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.streams.RollupConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tradepulse run}: the processors against a configured cluster and registry, until SIGTERM/Ctrl-C. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE,
                Main.EXIT_SIGNAL},
        description = "Run the processors against a configured Kafka cluster and schema registry.",
        footer = {"", "The properties file takes Kafka Streams/client keys (bootstrap.servers, security.protocol, ...),",
                "serde keys (schema.registry.url, basic.auth.*, bearer.auth.*) and tradepulse.* keys.", "",
                "Example:", "  tradepulse run --config app.properties"})
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "Properties file with the processor configuration.")
    Path config;

    // fallbackValue: without it picocli inverts a default-true negatable flag (--no-create-topics gave true).
    @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create missing tradepulse topics at start (default: ${DEFAULT-VALUE}); with "
                    + "--no-create-topics a missing one refuses the start (exit code 2).")
    boolean createTopics;

    @Option(names = "--http-port", defaultValue = "8080",
            description = "Port of the REST API, dashboard and health endpoints (/health/live, /health/ready); -1 disables, 0 = any free port (default ${DEFAULT-VALUE}). Bound before Kafka is contacted.")
    int httpPort;

    @Option(names = "--http-host", defaultValue = "0.0.0.0",
            description = "Interface for the HTTP endpoints (default ${DEFAULT-VALUE}, so orchestrator probes reach it; not with --http-port -1).")
    String httpHost;

    @Option(names = "--http-cors-origins", split = ",", paramLabel = "ORIGIN", description = HttpOptions.CORS_DESCRIPTION)
    List<String> httpCorsOrigins;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Properties props = ClientSettings.read(spec.commandLine(), "--config", config);
        // Also refuses a transaction.timeout.ms (plain or producer.) or num.stream.threads below 1, which Kafka takes
        // and the processor then never processes with: one check for run and every user of ProcessorConfig.
        ProcessorConfig processorConfig = new ProcessorConfig(props);
        // Before Kafka is contacted, as the checks of the configuration itself (ProcessorApp repeats it for library users).
        processorConfig.checkProcessorTransactionTimeout();
        ClientSettings.requireUsableDirectory(ProcessorConfig.STATE_DIR_CONFIG,
                processorConfig.getString(ProcessorConfig.STATE_DIR_CONFIG));
        // Before Kafka is contacted too: a registry URL that answers as no registry API (a wrong path).
        RegistryApiCheck.refuseNoRegistryApi(processorConfig.serdeConfig(), ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG);
        HttpOptions.checkPort(spec.commandLine(), "--http-port", httpPort, true);
        if (httpPort == -1) {
            // Both were taken and silently not used: a script meant to serve on them ran with no HTTP at all.
            HttpOptions.refuseWithoutHttp(spec.commandLine(), "--http-port -1 (no HTTP)", "give a port",
                    "--http-host", "--http-cors-origins");
        }
        CorsPolicy cors = HttpOptions.cors(spec.commandLine(), "--http-cors-origins", httpCorsOrigins);
        AtomicReference<ProcessorApp> started = new AtomicReference<>();
        ResultsView view = null;
        DashboardServer server = null;
        if (httpPort >= 0) {
            // Bound before Kafka is contacted: a bad --http-host or a busy --http-port fails now, naming the option,
            // not after the topic check (up to 60 s with the cluster unreachable). Served once the processor starts.
            HttpOptions.resolve(spec.commandLine(), "--http-host", httpHost);
            // Next to the processor's state, one per application id: the view keeps its results on disk, not in the heap.
            Path viewDir = Path.of(processorConfig.getString(ProcessorConfig.STATE_DIR_CONFIG),
                    processorConfig.getString(ProcessorConfig.APPLICATION_ID_CONFIG) + "-results-view");
            view = new ResultsView(viewSettings(props), processorConfig.topicCatalog(), viewDir);
            ResultsView results = view;
            try {
                server = HttpOptions.bind(spec.commandLine(), "--http-host", httpHost, "--http-port", httpPort,
                        () -> new DashboardServer(httpHost, httpPort, results, () -> health(started.get()), cors));
            } catch (RuntimeException | IOException e) {
                view.close();
                throw e;
            }
        }
        ProcessorApp app;
        try {
            prepareTopics(props, processorConfig, System.out, System.err);
            app = new ProcessorApp(processorConfig);
        } catch (Exception | Error e) {
            if (server != null) {
                server.close();
                view.close();
            }
            throw e;
        }
        started.set(app);
        if (server != null) {
            view.start();
            server.start();
            System.out.println("HTTP: " + server.url() + " (health: /health/live, /health/ready)");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopRequested = new AtomicBoolean();
        ResultsView finalView = view;
        DashboardServer finalServer = server;
        // SIGTERM/Ctrl-C: stop serving, close Streams (commits, closes stores, leaves the group), then the view.
        Runnable close = () -> stop(finalServer, app, app::state, finalView, System.err);
        Thread hook = new Thread(() -> {
            stopRequested.set(true);
            close.run();
            stopped.countDown();
        }, "tradepulse-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        start(app::start, stopRequested::get);
        System.out.println("Processor started (" + processorConfig.getString(ProcessorConfig.APPLICATION_ID_CONFIG)
                + "). Press Ctrl-C to stop.");
        try {
            awaitStopOrError(stopped, app::state, STATE_CHECK_INTERVAL);
        } catch (IllegalStateException failed) {
            Resources.removeShutdownHook(hook);
            close.run();
            throw failed;
        }
        return 0;
    }

    /**
     * Starts the processor ({@code start}: {@link ProcessorApp#start}, which waits for the dead-letter topic's limit
     * and the tariff.events store, seconds against a slow cluster). A SIGTERM meanwhile (a rollout replacing a pod
     * that is still starting) has the hook close the processor under it, and the start then fails ("cannot start in
     * state NOT_RUNNING", or Kafka Streams' own refusal): that was printed as "tradepulse run failed: ..." with a stack
     * trace above the 143 of a clean stop. It is a {@link StoppedException} now, which prints nothing.
     */
    static void start(Runnable start, BooleanSupplier stopRequested) {
        try {
            start.run();
        } catch (RuntimeException e) {
            throw stopRequested.getAsBoolean() ? new StoppedException(e) : e;
        }
    }

    /**
     * Stops what run started, at SIGTERM/Ctrl-C or once the processor failed: the HTTP server, then the processor, then
     * the results view ({@code server} and {@code view} null without HTTP). The processor comes before the view: the
     * view's close waits up to 10 s for its thread and then deletes its on-disk store, time taken from the
     * orchestrator's grace period (terminationGracePeriodSeconds) before the processor had even started to commit;
     * and a failing step no longer skips the next ones (a view whose directory could not be deleted left Streams
     * unclosed: no final commit, the member left in the group until session.timeout.ms). A processor whose close gave
     * up (Kafka Streams' close timeout) is said on {@code err}: the exit status (143) alone claims a clean stop.
     */
    static void stop(AutoCloseable server, AutoCloseable processor, Supplier<KafkaStreams.State> state,
            AutoCloseable view, PrintStream err) {
        closeOrWarn("the HTTP server", server, err);
        long t0 = System.nanoTime();
        closeOrWarn("the processor", processor, err);
        KafkaStreams.State after = state.get();
        if (after != KafkaStreams.State.NOT_RUNNING && after != KafkaStreams.State.ERROR) {
            err.printf(Locale.ROOT, "Warning: the processor had not stopped when its close gave up after %.1f s"
                    + " (state %s): its last commit may be missing and it may not have left the consumer group; its"
                    + " partitions move once session.timeout.ms has passed, and the input since its last commit is"
                    + " processed again%n",
                    (System.nanoTime() - t0) / 1e9, after);
        }
        closeOrWarn("the results view", view, err);
    }

    private static void closeOrWarn(String what, AutoCloseable closeable, PrintStream err) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            err.println("Warning: closing " + what + " failed: " + Main.messages(e));
        }
    }

    /** How often run looks whether the processor stopped on its own (state ERROR). */
    static final Duration STATE_CHECK_INTERVAL = Duration.ofSeconds(1);

    /**
     * Waits for Ctrl-C/SIGTERM ({@code stopped}), or throws once the processor is in state ERROR, which it never
     * leaves (the global tariff.events thread failed: "the instance stops"). run waited on the latch alone: the
     * processor stopped, the process ran on for ever processing nothing, and a supervisor watching the process
     * (systemd, or any with --http-port -1: no liveness probe) never saw a failure. Now it exits 1.
     *
     * @throws IllegalStateException when the processor is in state ERROR
     */
    static void awaitStopOrError(CountDownLatch stopped, Supplier<KafkaStreams.State> state, Duration interval)
            throws InterruptedException {
        while (!stopped.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
            if (state.get() == KafkaStreams.State.ERROR && stopped.getCount() > 0) {
                throw new IllegalStateException("the processor stopped (Kafka Streams state ERROR; the log says why)");
            }
        }
    }

    /**
     * Before the processor starts: creates the missing topics, or with --no-create-topics refuses when one it reads or
     * writes is missing (without the check, run got as far as starting the processor and failed there with exit 1,
     * e.g. "There are no partitions available for topic tariff.events when initializing global store"). Then
     * checks the settings of the existing ones.
     *
     * @throws MissingTopicsException with --no-create-topics, naming the missing topics (exit 2)
     */
    void prepareTopics(Properties props, ProcessorConfig processorConfig, PrintStream out, PrintStream err)
            throws InterruptedException, ExecutionException {
        Map<String, Object> settings = adminSettings(props);
        // Said before it starts: with the cluster unreachable the admin client waits default.api.timeout.ms (60 s)
        // before it fails, and a silent minute looks like a hang. The address that client uses: with
        // admin.bootstrap.servers the plain key's was named, so the wait looked like one on a cluster that was up.
        out.println("Checking the tradepulse topics on " + settings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
                + (createTopics ? " (missing ones are created) ..." : " (--no-create-topics: all must exist) ..."));
        // One client for every step (there was one per step).
        try (Admin admin = Admin.create(settings)) {
            prepareTopics(admin, processorConfig, out, err);
        }
    }

    /** The settings of run's admin client: the admin keys of --config, its admin.-prefixed ones on top. */
    static Map<String, Object> adminSettings(Map<?, ?> props) {
        return ClientSettings.only(props, AdminClientConfig.configNames(), StreamsConfig.ADMIN_CLIENT_PREFIX);
    }

    /**
     * The settings of the REST view's consumer: the consumer keys of --config, its consumer.-prefixed ones on top, as
     * Kafka Streams gives them to all its consumers. Not the main.consumer. ones: they are for Streams' main consumer
     * alone, and the view is a consumer of its own (like Streams' restore and global consumers, which do not take them
     * either). It took the plain keys only, so with consumer.sasl.jaas.config (the principal allowed to read the
     * processor's output topics) the processor ran and the view failed to read its results.
     */
    static Map<String, Object> viewSettings(Map<?, ?> props) {
        return ClientSettings.consumer(props);
    }

    /** {@link #prepareTopics(Properties, ProcessorConfig, PrintStream, PrintStream)} with a client of the caller's. */
    void prepareTopics(Admin admin, ProcessorConfig processorConfig, PrintStream out, PrintStream err)
            throws InterruptedException, ExecutionException {
        TopicCatalog topics = processorConfig.topicCatalog();
        if (createTopics) {
            List<String> created = Pipeline.createTopics(admin, topics, List.of());
            out.println(created.isEmpty() ? "Topics: all exist" : "Topics created: " + String.join(", ", created));
        } else {
            RollupConfig rollups = processorConfig.rollupConfig();
            boolean derivedUsed = rollups.commodity() || rollups.world(); // without roll-ups it is neither read nor written
            // trade.records.derived must be co-partitioned with trade.records, whatever count that was created with:
            // the suggested command uses it, and existing topics of different counts are refused (exit 2) as when
            // tradepulse creates the topics.
            // One round of admin calls: the existence check reads the counts too (they were read in a round of their
            // own before it).
            Map<String, Integer> counts = Pipeline.requireTopics(admin, topics.all().stream()
                    .filter(t -> derivedUsed || t != topics.derivedRecords())
                    .map(t -> t == topics.derivedRecords()
                            ? new Pipeline.Needed(t.name(), t.settings(), topics.records().name())
                            : Pipeline.Needed.inRoleOf(t, t.name())).toList(),
                    List.of(topics.records().name(), topics.derivedRecords().name()), "nothing was started");
            if (derivedUsed) {
                checkCopartitioned(topics, counts, () -> TopicAdmin.partitionCounts(admin,
                        List.of(topics.records().name(), topics.derivedRecords().name())));
            }
            out.println("Topics: all exist");
        }
        // A topic made by hand or by an earlier release may lose data silently (trade.records inheriting a broker's
        // log.retention.bytes, trade.changes not compacted): said, never altered. With --no-create-topics too:
        // pre-created topics are the likeliest to differ. Best effort: a principal that may not DescribeConfigs
        // (an optional ACL) gets one line saying the check was skipped, and start-up goes on.
        Pipeline.checkTopicSettings(admin, topics, err::println, out::println);
    }

    /** Reads the partition counts of topics (a call to the cluster). */
    interface CountReader {
        Map<String, Integer> read() throws InterruptedException, ExecutionException;
    }

    /**
     * Refuses trade.records.derived not co-partitioned with trade.records, both known to exist ({@code requireTopics}
     * passed). {@code counts} are the ones that check read (both topics are described in it, listed or not, since
     * 2026-11-30); they were read in a round before it once, and a topic created in between (by another instance, a
     * deployment job) was missing from them, so the check passed over it and the processor started on topics it never
     * compared (seen as a test that timed out waiting for a refusal). So when either count is missing they are read
     * again, once, as a guard: normally no extra call.
     */
    static void checkCopartitioned(TopicCatalog topics, Map<String, Integer> counts, CountReader reread)
            throws InterruptedException, ExecutionException {
        Map<String, Integer> known = counts.containsKey(topics.records().name())
                && counts.containsKey(topics.derivedRecords().name()) ? counts : reread.read();
        TopicAdmin.checkCopartitioned(topics, known);
    }

    /** Alive but not ready until the processor exists (the server is started only after it, so this is a guard). */
    private static DashboardServer.Health health(ProcessorApp app) {
        return ProcessorHealth.of(app == null ? KafkaStreams.State.CREATED : app.state());
    }
}
