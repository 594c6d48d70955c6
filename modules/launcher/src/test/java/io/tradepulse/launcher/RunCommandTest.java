package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tradepulse.core.TopicAdmin;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.serving.ResultsView;
import io.tradepulse.streams.ProcessorConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Option parsing of {@code tradepulse run} (no broker: nothing is started). */
class RunCommandTest {

    private static RunCommand parse(String... args) {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    /**
     * A processor whose global thread failed is in state ERROR for good ("the instance stops"); run waited for
     * Ctrl-C alone, so the process ran on processing nothing and a supervisor never saw a failure.
     */
    @Test
    void shouldFailTheRunWhenTheProcessorStopsInStateError() {
        AtomicInteger looks = new AtomicInteger();
        CountDownLatch stopped = new CountDownLatch(1);

        assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                RunCommand.awaitStopOrError(stopped, () -> looks.incrementAndGet() < 3 ? KafkaStreams.State.RUNNING
                        : KafkaStreams.State.ERROR, Duration.ofMillis(5))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ERROR");
    }

    /** Ctrl-C/SIGTERM still ends the wait normally (exit 130/143 from the JVM), whatever the state on the way. */
    @Test
    void shouldEndTheWaitWithoutAFailureWhenStoppedBySignal() {
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicInteger looks = new AtomicInteger();

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> RunCommand.awaitStopOrError(stopped, () -> {
            if (looks.incrementAndGet() == 3) {
                stopped.countDown(); // the hook closed the processor
            }
            return KafkaStreams.State.PENDING_SHUTDOWN;
        }, Duration.ofMillis(5)));
        assertThat(looks.get()).isGreaterThanOrEqualTo(3);
    }

    /**
     * The results view's close waits up to 10 s for its thread and deletes its on-disk store: it ran before the
     * processor's, taking that time from the orchestrator's grace period before Streams had even begun to commit.
     */
    @Test
    void shouldCloseTheProcessorBeforeTheResultsViewWhenStopping() {
        List<String> closed = new java.util.ArrayList<>();

        RunCommand.stop(() -> closed.add("server"), () -> closed.add("processor"), () -> KafkaStreams.State.NOT_RUNNING,
                () -> closed.add("view"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertThat(closed).containsExactly("server", "processor", "view");
    }

    /**
     * A step that failed skipped the rest: a results view whose directory could not be deleted (UncheckedIOException)
     * left Kafka Streams unclosed, so no final commit and the member stayed in the group until session.timeout.ms, and
     * on the ERROR path its exception replaced "the processor stopped".
     */
    @Test
    void shouldCloseEveryPartAndWarnWhenClosingTheServerOrTheViewFails() {
        List<String> closed = new java.util.ArrayList<>();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        RunCommand.stop(() -> {
            throw new IllegalStateException("server stuck");
        }, () -> closed.add("processor"), () -> KafkaStreams.State.NOT_RUNNING, () -> {
            throw new java.io.UncheckedIOException("Cannot delete /state/app-results-view",
                    new java.nio.file.AccessDeniedException("/state/app-results-view/000012.sst"));
        }, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(closed).containsExactly("processor");
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "Warning: closing the HTTP server failed: server stuck",
                "Warning: closing the results view failed: Cannot delete /state/app-results-view: "
                        + "/state/app-results-view/000012.sst");
    }

    /**
     * Kafka Streams' close gives up after its timeout, leaving the instance PENDING_SHUTDOWN: run said nothing, and the
     * process exited 143 ("after a clean shutdown") without its last commit or leaving the group.
     */
    @Test
    void shouldWarnWhenTheProcessorsCloseGaveUpBeforeItStopped() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream clean = new ByteArrayOutputStream();

        RunCommand.stop(null, () -> { }, () -> KafkaStreams.State.PENDING_SHUTDOWN, null,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        RunCommand.stop(null, () -> { }, () -> KafkaStreams.State.NOT_RUNNING, null,
                new PrintStream(clean, true, StandardCharsets.UTF_8));

        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("Warning: the processor had not stopped when its"
                + " close gave up after ").contains("(state PENDING_SHUTDOWN)", "session.timeout.ms");
        assertThat(clean.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    /**
     * SIGTERM while the processor starts (a rollout replacing a pod still starting): the hook closes it, and its start
     * then fails. That was "tradepulse run failed: ..." with a stack trace above the 143 of a clean stop; a stop asked
     * for is no failure (exit 130 from Main.failed, nothing printed; the JVM exits with the signal's status).
     */
    @Test
    void shouldEndAsStoppedWithoutAFailureWhenTheStopCameWhileTheProcessorStarted() {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", "localhost:1");
        props.setProperty("schema.registry.url", "http://localhost:2");
        props.setProperty("state.dir", tmp.resolve("state").toString());
        io.tradepulse.streams.ProcessorApp app = new io.tradepulse.streams.ProcessorApp(new ProcessorConfig(props));
        app.close(); // what the shutdown hook does meanwhile

        Exception stopped = catchException(() -> RunCommand.start(app::start, () -> true));
        Exception failed = catchException(() -> RunCommand.start(app::start, () -> false));

        StringWriter err = new StringWriter();
        int code = Main.failed(stopped, new CommandLine(new RunCommand()).setErr(new PrintWriter(err)), null);
        assertThat(code).isEqualTo(130);
        assertThat(err.toString()).isEmpty();
        assertThat(failed).as("no stop asked for: the start's own failure").isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot start in state NOT_RUNNING");
    }

    /**
     * The JDK takes an empty host for the loopback address: {@code --http-host "$HOST"} with HOST unset served on
     * 127.0.0.1 alone, which a Kubernetes probe never reaches, and nothing said so.
     */
    @Test
    void shouldRefuseAnEmptyHttpHostNamingTheOption() {
        CommandLine cmd = new CommandLine(new RunCommand());
        for (String host : List.of("", " ")) {
            assertThatThrownBy(() -> HttpOptions.resolve(cmd, "--http-host", host))
                    .isInstanceOf(CommandLine.ParameterException.class)
                    .hasMessageStartingWith("--http-host is empty: give an address");
        }
    }

    /**
     * Kafka Streams hands admin.-prefixed keys to its admin client; run's own admin client, which creates the topics,
     * took only the plain keys, so the principal given for it (admin.sasl.jaas.config) never reached it.
     */
    @Test
    void shouldGiveRunsAdminClientTheAdminPrefixedKeysOfTheConfigWhenTheFileHasThem() {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", "b:9093");
        props.setProperty("security.protocol", "SASL_SSL");
        props.setProperty("sasl.jaas.config", "ScramLoginModule required username=\"processor\" password=\"p\";");
        props.setProperty("admin.sasl.jaas.config", "ScramLoginModule required username=\"creator\" password=\"c\";");
        props.setProperty("admin.request.timeout.ms", "90000");
        props.setProperty("producer.acks", "all"); // another client's: not the admin's
        props.setProperty("tradepulse.topic.prefix", "x."); // no client's

        Map<String, Object> admin = RunCommand.adminSettings(props);

        assertThat(admin).containsEntry("bootstrap.servers", "b:9093").containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", props.getProperty("admin.sasl.jaas.config"))
                .containsEntry("request.timeout.ms", "90000")
                .doesNotContainKeys("acks", "producer.acks", "admin.sasl.jaas.config", "tradepulse.topic.prefix");
    }

    /**
     * The topic check's first line named bootstrap.servers even with admin.bootstrap.servers set, though the admin
     * client doing the check uses the prefixed one: a minute's wait on an unreachable admin address looked like one on
     * the cluster named, which was up. The cluster of this test is never reached (short timeouts; the check fails).
     */
    @Test
    void shouldNameTheAdminClientsBootstrapServersInTheTopicCheckLineWhenAdminPrefixedOnesAreSet() throws Exception {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", "127.0.0.1:1");
        props.setProperty("admin.bootstrap.servers", "127.0.0.1:2");
        props.setProperty("schema.registry.url", "http://127.0.0.1:3");
        props.setProperty("default.api.timeout.ms", "1000");
        props.setProperty("request.timeout.ms", "500");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);

        assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                parse("--config", "app.properties").prepareTopics(props, new ProcessorConfig(props), print, print)))
                .isNotInstanceOf(org.opentest4j.AssertionFailedError.class);

        assertThat(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow())
                .startsWith("Checking the tradepulse topics on 127.0.0.1:2 (missing ones are created)");
    }

    /**
     * The REST view's consumer takes the consumer.-prefixed keys over the plain ones, as Streams' consumers do with the
     * same file, and not the main.consumer. ones (Streams' main consumer's alone; the view is a consumer of its own).
     */
    @Test
    void shouldGiveTheViewsConsumerTheConsumerPrefixedKeysOfTheConfigWhenTheFileHasThem() {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", "b:9093");
        props.setProperty("sasl.jaas.config", "ScramLoginModule required username=\"processor\" password=\"p\";");
        props.setProperty("consumer.sasl.jaas.config", "ScramLoginModule required username=\"reader\" password=\"r\";");
        props.setProperty("consumer.fetch.max.bytes", "1048576");
        props.setProperty("main.consumer.fetch.max.bytes", "2097152"); // Streams' main consumer's only
        props.setProperty("producer.acks", "all"); // another client's

        Map<String, Object> view = RunCommand.viewSettings(props);

        assertThat(view).containsEntry("bootstrap.servers", "b:9093")
                .containsEntry("sasl.jaas.config", props.getProperty("consumer.sasl.jaas.config"))
                .containsEntry("fetch.max.bytes", "1048576")
                .doesNotContainKeys("acks", "consumer.sasl.jaas.config", "main.consumer.fetch.max.bytes");
    }

    @Test
    void shouldCreateTopicsByDefaultAndNotWithNoCreateTopics() {
        assertThat(parse("--config", "app.properties").createTopics).isTrue();
        assertThat(parse("--config", "app.properties", "--create-topics").createTopics).isTrue();
        // picocli inverts a default-true negatable flag unless fallbackValue is set: this once parsed as true
        assertThat(parse("--config", "app.properties", "--no-create-topics").createTopics).isFalse();
    }

    @TempDir
    Path tmp;

    /** Runs {@code tradepulse run --config <file>} as main does; returns what it wrote to stderr. */
    private String runWith(String properties, int expectedExitCode) throws Exception {
        Path file = tmp.resolve("app.properties");
        Files.writeString(file, "bootstrap.servers=localhost:1\nschema.registry.url=http://localhost:2\n" + properties);
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setErr(new PrintWriter(err)).execute("run", "--config", file.toString());
        assertThat(code).isEqualTo(expectedExitCode);
        return err.toString();
    }

    /**
     * Runs {@code run} on a config refused before Kafka is contacted: short admin timeouts, so without the check the run
     * fails on the unreachable cluster (exit 1) within seconds. Asserts exit 2 and one line; returns stderr.
     */
    private String refusedBeforeKafka(String properties) throws Exception {
        Path file = tmp.resolve("refused.properties");
        Files.writeString(file, "bootstrap.servers=localhost:1\nschema.registry.url=http://localhost:2\n"
                + "default.api.timeout.ms=2000\nrequest.timeout.ms=1000\n" + properties);
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setErr(new PrintWriter(err))
                .execute("run", "--config", file.toString(), "--http-port", "-1");

        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().strip().lines()).hasSize(1);
        return err.toString();
    }

    @Test
    void shouldRefuseAnUnknownKeyInOneLineNamingItWithoutAStackTrace() throws Exception {
        String err = runWith("tradepulse.rollup.levels=HS4\n", 2); // a usage error: it exited 1, as for a cluster down
        assertThat(err).startsWith("Invalid configuration: Unknown key 'tradepulse.rollup.levels' in the processor configuration");
        assertThat(err.strip().lines()).hasSize(1);
    }

    @Test
    void shouldRefuseAnInvalidValueNamingTheKeyAndTheAllowedValues() throws Exception {
        String err = runWith("tradepulse.state.store.type=memory\n", 2);
        assertThat(err).startsWith("Invalid configuration: ").contains("tradepulse.state.store.type").contains("memory")
                .containsIgnoringCase("rocksdb").containsIgnoringCase("in_memory");
        assertThat(err.strip().lines()).hasSize(1);
    }

    /**
     * Kafka's producer takes a transaction.timeout.ms of 0 or less: the processor started and its producers' first
     * request failed in their I/O thread, so it never processed. Refused at start, before Kafka is contacted (short
     * admin timeouts: without the check the run fails on the unreachable cluster, exit 1, within seconds).
     */
    @Test
    void shouldRefuseANonPositiveTransactionTimeoutNamingTheKeyWhenPlainOrProducerPrefixed() throws Exception {
        for (String key : List.of("transaction.timeout.ms", "producer.transaction.timeout.ms")) {
            assertThat(refusedBeforeKafka(key + "=0\n"))
                    .startsWith("Invalid configuration: Invalid value 0 for configuration " + key).contains("at least 1");
        }
    }

    /**
     * Kafka Streams takes num.stream.threads=0 (threads added later through its API): the processor read nothing while
     * /health/ready said RUNNING. Refused at start, before Kafka is contacted (short admin timeouts: without the check
     * the run fails on the unreachable cluster, exit 1, within seconds).
     */
    @Test
    void shouldRefuseZeroStreamThreadsNamingTheKeyBeforeContactingKafka() throws Exception {
        assertThat(refusedBeforeKafka("num.stream.threads=0\n"))
                .startsWith("Invalid configuration: Invalid value 0 for configuration num.stream.threads")
                .contains("at least 1");
    }

    /**
     * Under exactly_once_v2 Kafka Streams refuses a commit.interval.ms above its producers' transaction timeout (10 s by
     * default) only when the processor is built: after the topic check (with this unreachable cluster, a failure on it,
     * exit 1), else with a stack trace and exit 1. Refused at start, naming the keys, before Kafka is contacted.
     */
    @Test
    void shouldRefuseACommitIntervalAboveTheTransactionTimeoutBeforeContactingKafka() throws Exception {
        assertThat(refusedBeforeKafka("commit.interval.ms=30000\n")).startsWith("Invalid configuration: ")
                .contains("commit.interval.ms").contains("producer.transaction.timeout.ms");
    }

    /** Kafka Streams does not compare a plain transaction.timeout.ms with the commit interval; run does, at start. */
    @Test
    void shouldRefuseAPlainTransactionTimeoutBelowTheCommitIntervalBeforeContactingKafka() throws Exception {
        assertThat(refusedBeforeKafka("transaction.timeout.ms=50\n")).startsWith("Invalid configuration: ")
                .contains("transaction.timeout.ms").contains("commit.interval.ms (100 ms)");
    }

    /**
     * A state.dir that is a file (or under one) failed only once Kafka had been contacted and the topics checked, with a
     * stack trace and exit 1. Refused at start naming the key, before Kafka is contacted (the unreachable cluster of
     * this config would otherwise fail the run with exit 1 within seconds).
     */
    @Test
    void shouldRefuseAStateDirThatIsAFileNamingTheKeyBeforeContactingKafka() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("state-file"), "x");
        for (Path stateDir : List.of(notADir, notADir.resolve("below"))) {
            assertThat(refusedBeforeKafka("state.dir=" + stateDir + "\n")).startsWith("Invalid configuration: Invalid value "
                    + stateDir + " for configuration state.dir: ").contains("is a file, not a directory");
        }
    }

    /**
     * A schema.registry.url that answers, but as no registry API (Apicurio's root without /apis/ccompat/v7, that path
     * added to a Confluent URL: a plain 404 to every call) started the processor, which then stopped at every input
     * (a registry it cannot read). Refused at start naming the key, before Kafka is contacted.
     */
    @Test
    void shouldRefuseARegistryUrlThatAnswersAsNoRegistryApiNamingTheKeyBeforeContactingKafka() throws Exception {
        try (NotARegistry notARegistry = new NotARegistry()) {
            String url = notARegistry.url("/apis/registry/v2");
            assertThat(refusedBeforeKafka("schema.registry.url=" + url + "\n")).startsWith("Invalid configuration: "
                    + "schema.registry.url " + url + " answers GET /config with HTTP 404").contains("/apis/ccompat/v7");
        }
    }

    @Test
    void shouldSayWhatFailedAndWhyInTheFirstLineOfAnyOtherFailure() {
        StringWriter err = new StringWriter();
        int code = Main.failed(new IllegalStateException("Could not create topics",
                        new java.util.concurrent.ExecutionException(new RuntimeException("Timed out waiting for a node assignment"))),
                new CommandLine(new RunCommand()).setErr(new PrintWriter(err)), null);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().lines().findFirst()).hasValue(
                "tradepulse run failed: Could not create topics: Timed out waiting for a node assignment");
        assertThat(err.toString()).contains("\tat "); // the stack trace follows, for a bug report
    }

    /**
     * A second {@code run} on the state.dir of one that runs: it exited 1 ("retrying may help") with a stack trace,
     * although only stopping the other or giving this one its own state.dir can help.
     */
    @Test
    void shouldRefuseInOneLineWithExitCode2WhenAnotherInstanceUsesTheStateDir() throws Exception {
        Path dir = tmp.resolve("state/results-view");
        Files.createDirectories(dir.getParent());
        // The other instance's lock, held as its view holds it.
        try (FileChannel other = FileChannel.open(dir.resolveSibling("results-view.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock held = other.lock()) {
            Map<String, Object> client = Map.of("bootstrap.servers", "localhost:1", "schema.registry.url",
                    "http://localhost:2");
            Exception refused = catchException(() -> new ResultsView(client,
                    new ProcessorConfig(client).topicCatalog(), dir));
            StringWriter err = new StringWriter();
            int code = Main.failed(new IllegalStateException("Could not start the results view", refused),
                    new CommandLine(new RunCommand()).setErr(new PrintWriter(err)), null);
            assertThat(code).isEqualTo(2);
            assertThat(err.toString()).startsWith("Refused: Another results view (in this or another process) uses "
                    + "the directory " + dir).contains("give each instance its own state.dir").doesNotContain("\tat ");
        }
    }

    /**
     * Security settings a Kafka client cannot be built from are the user's to fix, found before anything is contacted:
     * they exited 1 with a stack trace ("tradepulse run failed: Failed to create new KafkaAdminClient: ..."), as for
     * a cluster that was down.
     */
    @Test
    void shouldRefuseInOneLineWithExitCode2WhenNoKafkaClientCanBeBuiltFromTheSecuritySettings() throws Exception {
        String base = "bootstrap.servers=localhost:1\nschema.registry.url=http://localhost:2\nstate.dir="
                + tmp.resolve("state").toString().replace("\\", "\\\\") + "\n";
        String[][] cases = {
            {"security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n", "JAAS"},
            {"security.protocol=SSL\nssl.truststore.location=" + tmp.resolve("missing.jks").toString().replace("\\", "\\\\")
                    + "\n", "missing.jks"},
        };
        for (String[] c : cases) {
            Path file = Files.writeString(tmp.resolve("secured.properties"), base + c[0]);
            StringWriter err = new StringWriter();

            int code = Main.commandLine().setErr(new PrintWriter(err))
                    .execute("run", "--config", file.toString(), "--http-port", "-1");

            assertThat(code).as(err.toString()).isEqualTo(2);
            assertThat(err.toString().lines().findFirst().orElseThrow()).as(c[0])
                    .startsWith("Invalid configuration: Failed to create new KafkaAdminClient").contains(c[1]);
            assertThat(err.toString()).doesNotContain("\tat ");
        }
    }

    /** A client whose login failed (an OAuth token endpoint or a KDC down) is a failure to retry: exit 1. */
    @Test
    void shouldExitWith1WhenAKafkaClientCouldNotLogIn() {
        StringWriter err = new StringWriter();
        int code = Main.failed(new org.apache.kafka.common.KafkaException("Failed to create new KafkaAdminClient",
                        new org.apache.kafka.common.KafkaException(new javax.security.auth.login.LoginException(
                                "token endpoint https://idp.example.com/token: HTTP 503"))),
                new CommandLine(new RunCommand()).setErr(new PrintWriter(err)), null);

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("tradepulse run failed: Failed to create new KafkaAdminClient");
    }

    /** Runs {@code tradepulse run} with extra options; the cluster (localhost:1) is never reached by these. */
    private Result runWithOptions(String... options) throws Exception {
        Path file = tmp.resolve("app.properties");
        Files.writeString(file, "bootstrap.servers=localhost:1\nschema.registry.url=http://localhost:2\nstate.dir="
                + tmp.resolve("state").toString().replace("\\", "\\\\") + "\n");
        StringWriter err = new StringWriter();
        String[] args = new String[options.length + 3];
        args[0] = "run";
        args[1] = "--config";
        args[2] = file.toString();
        System.arraycopy(options, 0, args, 3, options.length);
        long t0 = System.nanoTime();
        int code = Main.commandLine().setErr(new PrintWriter(err)).execute(args);
        return new Result(code, err.toString(), Duration.ofNanos(System.nanoTime() - t0));
    }

    record Result(int code, String err, Duration took) {
    }

    // Each of these once failed only after the topic check had waited for the cluster (60 s when it is unreachable),
    // with the JDK's message naming no option; now at once (well before that 60 s), naming it.

    @Test
    void shouldRefuseAPortOutOfRangeBeforeContactingKafka() throws Exception {
        for (String port : new String[] {"70000", "-2"}) {
            Result r = runWithOptions("--http-port", port);
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("--http-port must be -1 (no HTTP), 0 (any free port) or 1..65535: " + port);
            assertThat(r.took()).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void shouldRefuseAnUnknownHostBeforeContactingKafka() throws Exception {
        Result r = runWithOptions("--http-host", "no-such-host.invalid", "--http-port", "0");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("--http-host no-such-host.invalid: unknown host");
        assertThat(r.took()).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void shouldRefuseABusyPortBeforeContactingKafka() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            Result r = runWithOptions("--http-host", "127.0.0.1", "--http-port", Integer.toString(port));

            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("Cannot serve HTTP on --http-host 127.0.0.1 --http-port " + port + ": ",
                    "choose another --http-port");
            assertThat(r.took()).isLessThan(Duration.ofSeconds(30));
        }
        try (var left = Files.list(tmp.resolve("state"))) {
            assertThat(left).as("the results view made for the server is closed again").noneMatch(p -> Files.isDirectory(p));
        }
    }

    @Test
    void shouldRefuseADemoPortOutOfRangeBeforeStartingAnything() {
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();

        int code = Main.commandLine().setErr(new PrintWriter(err)).execute("demo", "--port", "70000");

        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("--port must be 0 (any free port) or 1..65535: 70000");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    /**
     * With --http-port -1 nothing is served: an --http-host or --http-cors-origins given with it was taken and silently
     * not used, so a script meant to serve on them ran with no HTTP at all. Refused before Kafka is contacted.
     */
    @Test
    void shouldRefuseAnHttpHostOrCorsOriginsGivenWhenHttpIsOff() throws Exception {
        Result host = runWithOptions("--http-port", "-1", "--http-host", "127.0.0.1");
        Result cors = runWithOptions("--http-cors-origins", "https://bi.example.com", "--http-port", "-1");
        Result both = runWithOptions("--http-port", "-1", "--http-host", "0.0.0.0", "--http-cors-origins", "*");

        assertThat(host.code()).as(host.err()).isEqualTo(2);
        assertThat(host.err().lines().findFirst().orElseThrow()).isEqualTo(
                "--http-host is not used with --http-port -1 (no HTTP); drop it or give a port");
        assertThat(cors.code()).as(cors.err()).isEqualTo(2);
        assertThat(cors.err().lines().findFirst().orElseThrow()).isEqualTo(
                "--http-cors-origins is not used with --http-port -1 (no HTTP); drop it or give a port");
        assertThat(both.code()).as(both.err()).isEqualTo(2);
        assertThat(both.err().lines().findFirst().orElseThrow()).as("the default's value given is given too")
                .isEqualTo("--http-host and --http-cors-origins are not used with --http-port -1 (no HTTP); drop them"
                        + " or give a port");
        for (Result r : List.of(host, cors, both)) {
            assertThat(r.err()).as("no stack trace for a usage error").doesNotContain("\tat ");
            assertThat(r.took()).isLessThan(Duration.ofSeconds(30));
        }
    }

    /** Only options given count: --http-host's default (0.0.0.0) is no reason to refuse --http-port -1. */
    @Test
    void shouldNotRefuseHttpPortMinusOneWhenTheHttpHostAndCorsOriginsAreTheirDefaults() {
        CommandLine cmd = new CommandLine(new RunCommand());
        cmd.parseArgs("--config", "app.properties", "--http-port", "-1");

        HttpOptions.refuseWithoutHttp(cmd, "--http-port -1 (no HTTP)", "give a port", "--http-host", "--http-cors-origins");

        assertThat(((RunCommand) cmd.getCommand()).httpHost).isEqualTo("0.0.0.0");
    }

    @Test
    void shouldTakeCorsOriginsAsACommaSeparatedListAndNoneByDefault() {
        assertThat(parse("--config", "app.properties").httpCorsOrigins).isNull();
        assertThat(parse("--config", "app.properties", "--http-cors-origins", "https://a.example,http://b.example:3000")
                .httpCorsOrigins).containsExactly("https://a.example", "http://b.example:3000");
    }

    @Test
    void shouldRefuseAnInvalidCorsOriginNamingTheOptionAndTheFormBeforeContactingKafka() throws Exception {
        for (String origins : new String[] {"https://bi.example.com/app", "https://ok.example,bi.example.com", ""}) {
            Result r = runWithOptions("--http-port", "0", "--http-cors-origins", origins);

            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).as(origins).startsWith("--http-cors-origins ").contains("scheme://host[:port]");
            assertThat(r.err()).as("no stack trace for a usage error").doesNotContain("\tat ");
            assertThat(r.took()).isLessThan(Duration.ofSeconds(30));
        }
    }

    private static TopicCatalog catalog() {
        return new ProcessorConfig(Map.of("bootstrap.servers", "localhost:1", "schema.registry.url", "http://localhost:2"))
                .topicCatalog();
    }

    /**
     * With --no-create-topics the partition counts are read before the topics are required to exist (the suggested
     * create command needs the records' count). trade.records.derived created in between was missing from them, the
     * co-partitioning check passed over it and the processor started on topics it never compared (MissingTopicsIT
     * timed out waiting for the refusal on a loaded box).
     */
    @Test
    void shouldReadTheCountsAgainWhenATopicAppearedAfterTheyWereRead() throws Exception {
        TopicCatalog topics = catalog();
        AtomicInteger reads = new AtomicInteger();
        Map<String, Integer> before = Map.of(topics.records().name(), 3); // derived not created yet at the first read
        Map<String, Integer> now = Map.of(topics.records().name(), 3, topics.derivedRecords().name(), 2);

        assertThatThrownBy(() -> RunCommand.checkCopartitioned(topics, before, () -> {
            reads.incrementAndGet();
            return now;
        })).isInstanceOf(TopicAdmin.NotCopartitionedException.class)
                .hasMessageStartingWith("Topic " + topics.derivedRecords().name() + " has 2 partitions but "
                        + topics.records().name() + " has 3");
        assertThat(reads).hasValue(1);
    }

    @Test
    void shouldNotReadTheCountsAgainWhenBothWereRead() throws Exception {
        TopicCatalog topics = catalog();
        Map<String, Integer> both = Map.of(topics.records().name(), 6, topics.derivedRecords().name(), 6);

        RunCommand.checkCopartitioned(topics, both, () -> {
            throw new AssertionError("read again though both counts were known");
        });
    }
}
