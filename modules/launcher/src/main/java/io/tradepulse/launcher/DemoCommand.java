package io.tradepulse.launcher;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.EmbeddedRegistry;
import io.tradepulse.embedded.OwnedTempDirs;
import io.tradepulse.embedded.Resources;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.IngestReport;
import io.tradepulse.serving.CorsPolicy;
import io.tradepulse.serving.DashboardServer;
import io.tradepulse.serving.ResultsView;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tradepulse demo}: a real KRaft broker in-process, a real schema registry (Apicurio, child JVM), the
 * bundled real data ingested, the processor run until caught up, and the results read back from
 * trade.changes with read_committed. Stays up until Ctrl-C unless {@code --exit-when-done}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE,
                Main.EXIT_SIGNAL},
        description = "Start broker + registry in-process, ingest the bundled real data, run the processor and print the results.",
        footer = {"", "Examples:", "  tradepulse demo", "  tradepulse demo --exit-when-done"})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--exit-when-done", description = "Stop everything after printing the results (default: stay up until Ctrl-C); "
            + "no dashboard is served, so not with --port or --http-cors-origins.")
    boolean exitWhenDone;

    @Option(names = "--port", defaultValue = "8080",
            description = "Port of the dashboard and REST API on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 = any free port; a busy port falls back to a free one). Not with --exit-when-done.")
    int port;

    @Option(names = "--http-cors-origins", split = ",", paramLabel = "ORIGIN", description = HttpOptions.CORS_DESCRIPTION)
    List<String> httpCorsOrigins;

    @Option(names = "--timeout", defaultValue = "PT2M", description = "How long to wait for the processor to catch up (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration timeout;

    private final PrintStream out = System.out;
    /** The start-up's steps; the shutdown hook ends a step's line before it says it stops. */
    final Progress progress = new Progress(out, 6);
    final Resources resources = new Resources();
    /** From --http-cors-origins, checked before anything starts. */
    private CorsPolicy cors;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (exitWhenDone) {
            // No dashboard is served: both were taken and silently not used. Refused before the broker starts.
            HttpOptions.refuseWithoutHttp(spec.commandLine(), "--exit-when-done (no dashboard is served)",
                    "drop --exit-when-done to serve the dashboard", "--port", "--http-cors-origins");
        }
        // Before the broker starts: an invalid --port once failed only after the whole pipeline had run.
        HttpOptions.checkPort(spec.commandLine(), "--port", port, false);
        cors = HttpOptions.cors(spec.commandLine(), "--http-cors-origins", httpCorsOrigins);
        OptionRanges.positive(spec.commandLine(), "--timeout", timeout);
        if (!exitWhenDone && port != 0 && !HttpOptions.isFree("127.0.0.1", port)) {
            out.println("Port " + port + " (--port) is busy: the dashboard will serve on a free port instead.");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop();
            stopped.countDown();
        }, "tradepulse-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            startUp.run();
        } catch (Exception e) {
            // Outside a step too (reading the signals after them): once Ctrl-C closed everything, it is a stop.
            throw closedAfter(e, hook);
        }
        if (exitWhenDone) {
            Resources.removeShutdownHook(hook);
            resources.close();
            return 0;
        }
        try {
            // No step: a Ctrl-C here (the hook closed everything) failed the dashboard's start, on "Stopped (Ctrl-C or
            // SIGTERM) while starting" or a closed broker, and printed "tradepulse demo failed" and a stack trace.
            DashboardServer server = dashboard.call();
            out.println();
            out.println("Dashboard: " + server.url() + "   REST: " + server.url() + "api/changes, " + server.url()
                    + "api/series, " + server.url() + "api/signals, " + server.url() + "health/ready");
            out.println("Running. Press Ctrl-C to stop.");
            // As run: a processor in state ERROR (its global thread failed) never recovers; say so and end (exit 1)
            // rather than serve a dashboard that no longer changes.
            RunCommand.awaitStopOrError(stopped, app::state, RunCommand.STATE_CHECK_INTERVAL);
        } catch (Exception e) {
            throw closedAfter(e, hook);
        }
        return 0;
    }

    /**
     * What the shutdown hook does on Ctrl-C or SIGTERM: says it stops, closes what the command started, and lets the
     * running step end its line. The steps only wait (on the broker, the registry, the processor) once what they use
     * is closed, so the step's thread is interrupted: the processor step otherwise waited on an admin call to the
     * closed broker, retried by its client for a minute, and the stop took the hook's whole grace (some 7 s in all).
     */
    void stop() {
        progress.interrupt("Stopping ...");
        LogLevels.quietForStop((LoggerContext) LogManager.getContext(false), LogLevels.PROCESSOR_STOP_NOISE);
        resources.close();
        progress.interruptRunningStep();
        // The JVM exits when this hook ends: let the step's thread first end its line ("stopped after N s").
        progress.awaitStepEnded(Progress.STEP_END_GRACE);
    }

    /**
     * Closes what the command started after {@code e} ended it, and returns what to throw: a {@link StoppedException}
     * once Ctrl-C asked to stop (the hook closed what failed: a quiet stop, exit 130), else {@code e}.
     */
    private Exception closedAfter(Exception e, Thread hook) {
        Resources.removeShutdownHook(hook);
        resources.close();
        return progress.stopRequested() && !(e instanceof StoppedException) ? new StoppedException(e) : e;
    }

    /** A part of the command that may throw: {@link #startUp}. */
    interface Part {
        void run() throws Exception;
    }

    /** The start-up, every step up to the results printed; a seam for tests of what follows it. */
    Part startUp = this::run;
    /** Starts the results view and the dashboard; a seam for tests that stop the command there. */
    Callable<DashboardServer> dashboard = this::serveDashboard;

    private Map<String, Object> client;
    private TopicCatalog topics;
    private Path stateDir;
    private ProcessorApp app;

    /** Serves the same results BI consumers read: a read_committed view of the output topics. */
    private DashboardServer serveDashboard() throws Exception {
        // As the processor: its store is in the state dir, which a Ctrl-C during the start must delete after it.
        ResultsView view = resources.start(() -> new ResultsView(client, topics, stateDir.resolve("results-view")).start());
        DashboardServer server;
        try {
            server = new DashboardServer("127.0.0.1", port, view, () -> ProcessorHealth.of(app.state()), cors);
        } catch (java.net.BindException e) {
            out.println("Port " + port + " is busy; serving on a free port instead.");
            server = new DashboardServer("127.0.0.1", 0, view, () -> ProcessorHealth.of(app.state()), cors);
        }
        return resources.keep(server.start());
    }

    private void run() throws Exception {
        EmbeddedKafka kafka = progress.step("Starting Kafka broker (KRaft, in-process)",
                () -> resources.start(EmbeddedKafka::start), EmbeddedKafka::bootstrapServers);
        EmbeddedRegistry registry = progress.step("Starting schema registry (Apicurio, child JVM)",
                () -> resources.start(EmbeddedRegistry::start), EmbeddedRegistry::url);

        client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        // Noted as this JVM's: should it be SIGKILLed, the next embedded start removes the dir (stores, results view).
        stateDir = OwnedTempDirs.create("tradepulse-demo-state");
        resources.keep(() -> Resources.deleteRecursively(stateDir));
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
        config.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
        ProcessorConfig processorConfig = new ProcessorConfig(config);
        topics = processorConfig.topicCatalog();

        progress.step("Creating topics", () -> Pipeline.createTopics(client, topics),
                created -> String.join(", ", created));
        List<IngestReport> reports = progress.step("Ingesting bundled real data",
                () -> Pipeline.ingestBundledData(client, topics),
                rs -> rs.stream().map(r -> r.published() + " from " + Path.of(r.source()).getFileName()
                        + (r.deadLettered() > 0 ? " (" + r.deadLettered() + " dead letters)" : ""))
                        .collect(Collectors.joining(", ")));
        progress.step("Running the processor until caught up", () -> {
            // Started through resources, not kept once made: creating the app writes its directory and lock into
            // the state dir, and a Ctrl-C meanwhile deleted the state dir first, then the app wrote them again and
            // they stayed (tradepulse-demo-state*/tradepulse-processor). close() now waits for the creation.
            app = resources.start(() -> new ProcessorApp(processorConfig));
            app.start();
            Pipeline.awaitCaughtUp(client, processorConfig.getString(ProcessorConfig.APPLICATION_ID_CONFIG),
                    topics.records().name(), timeout, topics.changes().name(), topics.signals().name());
            return app;
        }, a -> "exactly_once_v2, state " + a.state());
        Map<ChangeKey, TradeChange> table = progress.step("Reading " + topics.changes().name() + " (read_committed)",
                () -> Pipeline.readChanges(client, topics, Duration.ofSeconds(30)), t -> t.size() + " rows");

        out.println();
        out.print(ChangeTable.render(table));
        out.println();
        TradeChange may = table.values().stream()
                .filter(c -> c.getReporter().equals(BundledData.CHINA_TO_US_EXPORTS.getReporter())
                        && c.getPartner().equals(BundledData.CHINA_TO_US_EXPORTS.getPartner())
                        && c.getYear() == 2025 && c.getMonth() == 5)
                .findFirst().orElse(null);
        if (may != null) {
            out.printf(Locale.ROOT, "China -> United States exports, 2025-05: %s vs %s a year earlier = %s %%"
                            + " (GACC reported %s %%; AP: \"down 35 percent\")%n",
                    ChangeTable.money(may.getValue(), may.getCurrency()),
                    ChangeTable.money(may.getPriorYearValue(), may.getCurrency()),
                    ChangeTable.pct(may.getYoyPct()), ChangeTable.reported(may.getReportedYoyPct()));
        }
        Map<SignalKey, TradeSignal> signals = Pipeline.readTable(client, topics.signals(), Duration.ofSeconds(30));
        out.println();
        out.println("Signals on " + topics.signals().name() + " (ACTIVE):");
        signals.values().stream()
                .filter(sig -> sig.getStatus() == SignalStatus.ACTIVE)
                .sorted(Comparator.comparingInt(TradeSignal::getYear).thenComparingInt(TradeSignal::getMonth)
                        .thenComparing(TradeSignal::getType))
                .forEach(sig -> out.printf(Locale.ROOT, "  %d-%02d %-13s %s%s%n", sig.getYear(), sig.getMonth(),
                        sig.getType(), sig.getSummary(), sig.getQuality() == FigureQuality.PUBLISHED ? ""
                                : " [rests on a " + sig.getQuality().name().toLowerCase(Locale.ROOT) + " figure]"));
        out.println();
        int dead = reports.stream().mapToInt(IngestReport::deadLettered).sum();
        out.printf(Locale.ROOT, "Topics: %s -> %s; dead letters at ingest: %d%n", topics.records().name(),
                topics.changes().name(), dead);
    }
}
