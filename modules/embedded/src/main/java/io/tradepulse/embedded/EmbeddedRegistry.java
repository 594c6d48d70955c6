package io.tradepulse.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apicurio Registry (in-memory storage) running as a child JVM, exposing its Confluent-compatible
 * API at {@link #url()}. Started from the Maven Central distribution that the build unpacks into
 * {@code modules/embedded/target/apicurio-registry-<version>/}.
 *
 * <p>It runs out of process because Apicurio is a Quarkus application with its own class path
 * (Kafka 3.9 clients, Jackson, Vert.x…) that would clash with ours in one JVM.
 *
 * <p>Start-up takes ~4 s on an idle 2-core machine, ~2 s once an {@link AppCdsArchive} exists (the
 * first clean run per distribution and JDK writes it). Global compatibility is set to BACKWARD before
 * {@link #start()} returns.
 *
 * <p>{@link #startHttps(SelfSignedTls)} serves the same API over HTTPS only (no plain HTTP port), with a
 * certificate the caller made; clients get the URL and trust store from {@link #clientConfig()}. Apicurio 2.6.13
 * is built on Quarkus 3.15, which fixes {@code quarkus.http.ssl.client-auth} at build time (to {@code NONE} in
 * Apicurio's build: setting it at start only logs "Build time property cannot be changed at runtime"), so this
 * registry cannot require client certificates; put a TLS-terminating proxy that does in front of it.
 *
 * <p>Uses only the JDK's HTTP client on purpose: this module sits below tradepulse-registry-client.
 */
public final class EmbeddedRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRegistry.class);

    public static final String HOME_PROPERTY = "tradepulse.apicurio.home";
    public static final String HOME_ENV = "TRADEPULSE_APICURIO_HOME";

    private static final String HOST = "127.0.0.1";
    /** Quarkus reads this from the environment: a password in a -D option would show in the process list. */
    static final String KEY_STORE_PASSWORD_ENV = "QUARKUS_HTTP_SSL_CERTIFICATE_KEY_STORE_PASSWORD";
    private static final String CCOMPAT_PATH = "/apis/ccompat/v7";
    private static final String CCOMPAT_JSON = "application/vnd.schemaregistry.v1+json";
    /** Apicurio's default compatibility is NONE; Confluent's (and our contract) is BACKWARD. */
    private static final String COMPATIBILITY = "BACKWARD";
    private static final Pattern BACKWARD_LEVEL =
            Pattern.compile("\"compatibilityLevel\"\\s*:\\s*\"" + COMPATIBILITY + "\"");
    /** ~4 s on an idle 2-core box; generous because CI may be compiling or running a broker meanwhile. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    /**
     * Normally under a second; generous because the first stop writes the class-data-sharing archive, which
     * took over 10 s on the 2-core box at load 11-16 (the child was killed and the archive lost:
     * EmbeddedRegistryIT failed twice that way). A child that does exit costs nothing extra.
     */
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    /**
     * How long our shutdown hook waits for the {@link Resources} keeping this registry to begin its close: the caller's
     * hook does so within milliseconds (it prints "Stopping ..." first). A keeper that no hook closes (a main method's
     * try-with-resources) then costs the exit no more than this.
     */
    static final Duration ORDERED_STOP_START = Duration.ofSeconds(5);
    /**
     * How long our shutdown hook then waits for that close to reach this registry, after what was started after it
     * (demo's processor: up to 30 s) has closed. Beyond it the caller's stop is taken for hung.
     */
    static final Duration ORDERED_STOP_MAX = Duration.ofMinutes(3);
    /** The exit codes of a child JVM that ran its exit normally; see {@link #destroyProcess}. */
    private static final Set<Integer> CLEAN_EXIT_CODES = Set.of(0, 130, 143);
    private static final int START_ATTEMPTS = 3;
    private static final int LOG_TAIL_LINES = 40;
    /** A warning of the JVM's class-data-sharing code, e.g. "[6.057s][warning][cds] Skipping ...". */
    private static final Pattern CDS_WARNING = Pattern.compile("^\\[[^]]*]\\[warning]\\[cds");
    /** Where a start gets its port ({@link EmbeddedKafka#freePorts}); replaced only by tests. */
    static volatile IntFunction<int[]> portPicker = EmbeddedKafka::freePorts;

    private final Process process;
    private final int port;
    private final Path workDir;
    private final Path logFile;
    private final AppCdsArchive cds;
    /** The server certificate; null when serving plain HTTP. */
    private final SelfSignedTls tls;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Counted down once close() has stopped the child, whoever called it: our shutdown hook waits on it while a keeper
     * stops in order. Not when close() begins: one running on a thread that is no shutdown hook (a command's normal
     * path, its own hook removed) dies with the JVM as soon as the hooks have ended, maybe before its SIGTERM.
     */
    private final CountDownLatch closeDone = new CountDownLatch(1);
    /** The {@link Resources} that closes this registry after what uses it; null when none keeps it. */
    private volatile Resources keeper;
    /** Set by close() and the shutdown hook before they kill the child: its death is then no reason to retry. */
    private volatile boolean stopped;
    /** Set once fully started: only then is a class-data-sharing dump worth keeping (it saw every start-up class). */
    private volatile boolean ready;

    private EmbeddedRegistry(final Process process, final int port, final Path workDir, final Path logFile,
                             final AppCdsArchive cds, final SelfSignedTls tls) {
        this.process = process;
        this.port = port;
        this.workDir = workDir;
        this.logFile = logFile;
        this.cds = cds;
        this.tls = tls;
        // Without this, a test JVM that exits without close() (failed @AfterAll, Ctrl-C, System.exit in
        // the launcher) would leave a 256 MB Apicurio running forever. A SIGKILLed parent runs no hook (the JDK
        // offers no parent-death signal): the next start stops its child (OwnedTempDirs).
        this.shutdownHook = new Thread(() -> {
            if (closedInOrder()) {
                return; // close() stops the child, after what used it
            }
            stopped = true; // before the kill: awaitReady must see why the child died
            terminate();
        }, "embedded-registry-shutdown-" + process.pid());
    }

    /** Starts the registry from the distribution named by {@link #resolveHome()}. */
    public static EmbeddedRegistry start() {
        return start(resolveHome());
    }

    /** Starts the registry from the unpacked Apicurio distribution at {@code apicurioHome}. */
    public static EmbeddedRegistry start(final Path apicurioHome) {
        return start(apicurioHome, null);
    }

    /**
     * Starts the registry (distribution from {@link #resolveHome()}) serving HTTPS only, with the key and
     * certificate in {@code tls}'s keystore (a {@link SelfSignedTls#generate server certificate}: SANs 127.0.0.1
     * and localhost, so host name verification stays on). No plain HTTP port is opened
     * ({@code quarkus.http.insecure-requests=disabled}). The stores belong to the caller, who deletes them.
     */
    public static EmbeddedRegistry startHttps(final SelfSignedTls tls) {
        return start(resolveHome(), Objects.requireNonNull(tls, "tls"));
    }

    private static EmbeddedRegistry start(final Path apicurioHome, final SelfSignedTls tls) {
        final long startedAt = System.nanoTime();
        // Absolute: the child runs in its own work dir, where a home given relative to ours (an IDE run's
        // TRADEPULSE_APICURIO_HOME=modules/embedded/target/...) named nothing: the jar found here was then
        // "Unable to access jarfile" there, and the class-data-sharing archive was looked for and dumped there too.
        final Path home = apicurioHome.toAbsolutePath();
        final Path runnerJar = findRunnerJar(home);
        final EmbeddedRegistry registry = startWithRetries(() -> AppCdsArchive.plan(home),
                cds -> launch(runnerJar, cds, tls), EmbeddedRegistry::jvmShuttingDown);
        LOG.info("Embedded Apicurio Registry ready at {} (pid {}) in {} ms", registry.url(),
                registry.pid(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
        return registry;
    }

    /**
     * Up to {@value #START_ATTEMPTS} launches; only a {@link RetryableStartFailure} is retried, and never once the
     * JVM is shutting down: Ctrl-C during start kills the child (our shutdown hook, or the terminal's SIGINT to the
     * whole process group), and a new child started then could no longer register a shutdown hook, so nothing would
     * ever stop it. Generic and package-private so the unit test can drive it without a child JVM.
     */
    static <T> T startWithRetries(final Supplier<AppCdsArchive> plan, final Function<AppCdsArchive, T> launch,
                                  final BooleanSupplier shuttingDown) {
        RetryableStartFailure lastFailure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            final AppCdsArchive cds = plan.get();
            try {
                return launch.apply(cds);
            } catch (RetryableStartFailure e) {
                lastFailure = e;
                if (shuttingDown.getAsBoolean()) {
                    // Checked before the archive is touched: a child that died because the JVM is exiting says
                    // nothing about the archive, and deleting a good one costs every later start ~40 %.
                    throw new IllegalStateException("Apicurio did not start: the JVM is shutting down", e);
                }
                if (e.reason == StartFailure.ARCHIVE_DAMAGED) {
                    // A damaged archive crashes the JVM while mapping it (SIGBUS), before any of our
                    // checks can run. Drop it; the next clean run writes a new one.
                    LOG.warn("Apicurio crashed at start-up while using class-data-sharing archive {}; deleting"
                            + " it and retrying without (attempt {}/{})", cds.archive(), attempt, START_ATTEMPTS);
                    cds.discard();
                } else {
                    // The port was free when picked but someone bound it before Quarkus did; pick another.
                    LOG.warn("Apicurio could not bind its port (attempt {}/{}), retrying", attempt, START_ATTEMPTS);
                }
            }
        }
        throw lastFailure;
    }

    /**
     * Why a child died before it was ready, from its exit code and its whole log. Package-private for the unit
     * test. The archive is blamed only for a crash (134 = SIGABRT, what the JVM's fatal-error handler ends with after
     * a SIGBUS while mapping a cut archive; 135 = SIGBUS and 139 = SIGSEGV before that handler is installed) or the
     * JVM's own "error ... processing the shared archive file"; never for 130/143/137 (SIGINT from Ctrl-C, SIGTERM
     * from our close or shutdown hook, SIGKILL), which say the child was stopped, not that it crashed. A child that
     * was {@code stopped} by us is never retried, whatever it died of.
     */
    static StartFailure classifyDeath(final int exitCode, final String log, final boolean readsArchive,
                                      final boolean stopped) {
        if (stopped) {
            return StartFailure.STOPPED;
        }
        // Quarkus 3.15 (Apicurio 2.6.13) logs only "Port N seems to be in use by another process"; older
        // Quarkus versions logged "Port already bound", the JDK's BindException "Address already in use".
        if (log.contains("seems to be in use by another process") || log.contains("Port already bound")
                || log.contains("Address already in use")) {
            return StartFailure.PORT_TAKEN;
        }
        final boolean crashed = exitCode == 134 || exitCode == 135 || exitCode == 139;
        if (readsArchive && (crashed || log.contains("processing the shared archive file"))) {
            return StartFailure.ARCHIVE_DAMAGED;
        }
        return StartFailure.FATAL;
    }

    /** Whether JVM shutdown has begun (hooks running): the JDK refuses new hooks from then on. */
    static boolean jvmShuttingDown() {
        final Thread probe = new Thread(() -> { }, "embedded-registry-shutdown-probe");
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException shutdownInProgress) {
            return true;
        }
    }

    /**
     * The Apicurio home from system property {@value #HOME_PROPERTY} (set by the build for Surefire
     * and Failsafe), else environment variable {@value #HOME_ENV}.
     */
    public static Path resolveHome() {
        return resolveHome(System.getProperty(HOME_PROPERTY), System.getenv(HOME_ENV));
    }

    static Path resolveHome(final String property, final String env) {
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        throw new IllegalStateException("Apicurio Registry home is not set. Set system property "
                + HOME_PROPERTY + " or environment variable " + HOME_ENV
                + " to the unpacked apicurio-registry-app distribution. Run `./mvnw -B package -DskipTests`"
                // package, not install: unpacking needs no more, and install also overwrites ~/.m2's tradepulse jars.
                + " once to have the build unpack it into modules/embedded/target/apicurio-registry-<version>/.");
    }

    static Path findRunnerJar(final Path apicurioHome) {
        final List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(apicurioHome)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(apicurioHome, "apicurio-registry-app-*-runner.jar")) {
                ds.forEach(jars::add);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list " + apicurioHome, e);
            }
        }
        if (jars.size() != 1) {
            throw new IllegalStateException("Expected exactly one apicurio-registry-app-*-runner.jar in "
                    + apicurioHome.toAbsolutePath() + " but found " + jars.size()
                    + ". Run `./mvnw -B package -DskipTests` to unpack the distribution, or point "
                    + HOME_PROPERTY + " / " + HOME_ENV + " at an unpacked apicurio-registry-app zip.");
        }
        return jars.get(0);
    }

    private static EmbeddedRegistry launch(final Path runnerJar, final AppCdsArchive cds, final SelfSignedTls tls) {
        final Path workDir;
        try {
            // Noted as this JVM's; also removes the dirs, and stops the children, of JVMs killed before they could.
            workDir = OwnedTempDirs.create("tradepulse-apicurio-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temp dir for Apicurio", e);
        }
        final Path logFile = workDir.resolve("apicurio.log");
        final int port;
        final Process process;
        try {
            port = portPicker.apply(1)[0];
            process = startChild(runnerJar, cds, tls, port, workDir, logFile);
        } catch (RuntimeException | Error e) {
            // No child runs yet, so neither close() nor the shutdown hook will ever see this dir: remove it (and
            // release its lock) here, or every failed start left one behind for as long as this JVM lives.
            EmbeddedKafka.deleteRecursively(workDir);
            cds.publish(false);
            throw e;
        }
        // The shutdown hook stops the child when this JVM exits, but a SIGKILLed JVM runs no hook: the next start
        // (OwnedTempDirs.create) stops a child noted in the dir of a JVM that is gone.
        OwnedTempDirs.recordChild(workDir, process.toHandle(), tmpDirOption(workDir));
        final EmbeddedRegistry registry = new EmbeddedRegistry(process, port, workDir, logFile, cds, tls);
        try {
            // Inside the try: during JVM shutdown (Ctrl-C while starting) this throws "Shutdown in progress", and
            // the child just started must then be stopped here, as no hook ever will.
            Runtime.getRuntime().addShutdownHook(registry.shutdownHook);
            final HttpClient http = httpClient(tls);
            registry.awaitReady(http);
            registry.setBackwardCompatibility(http);
            registry.ready = true;
            return registry;
        } catch (RuntimeException | Error e) {
            registry.close();
            throw e;
        }
    }

    /** Starts the child JVM serving on {@code port}, its output going to {@code logFile}. */
    private static Process startChild(final Path runnerJar, final AppCdsArchive cds, final SelfSignedTls tls,
                                      final int port, final Path workDir, final Path logFile) {
        final List<String> command = new ArrayList<>(ownSessionPrefix(System.getenv("PATH"),
                System.getProperty("os.name")));
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Small heap and a simple collector: in-memory storage holds a handful of schemas, and CI
                // runs this next to a broker and Kafka Streams on 2 cores.
                "-Xmx256m", "-XX:+UseSerialGC",
                // C1 only: roughly halves start-up CPU; the registry never gets hot enough to need C2.
                "-XX:TieredStopAtLevel=1",
                // Vert.x caches files under java.io.tmpdir; keep them in our dir so close() removes them.
                tmpDirOption(workDir),
                // Loopback only: a dev/test registry without auth must not be reachable from the network.
                "-Dquarkus.http.host=" + HOST,
                // awaitReady waits for the INFO line "Listening on: ..."; the child inherits our environment, and a
                // QUARKUS_LOG_LEVEL=WARN or QUARKUS_LOG_CONSOLE_ENABLE=false there would hide it (system properties
                // win over the environment in Quarkus). INFO and the console are Apicurio's defaults anyway.
                "-Dquarkus.log.level=INFO",
                "-Dquarkus.log.console.enable=true"));
        command.addAll(listenerOptions(port, tls));
        command.addAll(cds.jvmOptions());
        command.addAll(List.of("-jar", runnerJar.toString()));
        try {
            final ProcessBuilder builder = new ProcessBuilder(command)
                    // Relative paths the app may write (e.g. transaction object stores) land in workDir.
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
            builder.environment().putAll(listenerEnvironment(tls));
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start Apicurio with " + command, e);
        }
    }

    /**
     * The command that runs the child in a session (and process group) of its own: {@code setsid} where it is on the
     * {@code PATH}, else nothing. In our process group the child got the terminal's Ctrl-C (SIGINT goes to the whole
     * foreground group) and died at once, while the caller's shutdown hook was still stopping what uses the registry
     * (demo's processor, whose stream threads then retried a dead registry for up to its 30 s close). In its own
     * session only our close() or shutdown hook stops it. setsid forks only when started as a process group leader, which
     * a child of this JVM never is, so it executes java in place: {@link Process#pid()} and the destroy signals stay
     * the JVM's, and its command line (the sweep's marker) is java's. macOS has no setsid by default and Windows none
     * at all: there the child stays in our group and still gets the terminal's Ctrl-C, as before. Package-private for
     * the unit test.
     */
    static List<String> ownSessionPrefix(final String path, final String osName) {
        if (path == null || osName == null || osName.startsWith("Windows")) {
            return List.of();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            final Path setsid;
            try {
                setsid = Path.of(dir, "setsid");
            } catch (java.nio.file.InvalidPathException notAPath) {
                continue;
            }
            // Absolute entries only: an empty or relative one names the working directory, never a place to run from.
            if (setsid.isAbsolute() && Files.isRegularFile(setsid) && Files.isExecutable(setsid)) {
                return List.of(setsid.toString());
            }
        }
        return List.of();
    }

    /** The child's java.io.tmpdir option; naming its own work dir, it also tells the child from any other process. */
    private static String tmpDirOption(final Path workDir) {
        return "-Djava.io.tmpdir=" + workDir;
    }

    /**
     * The Quarkus options that open the registry's one port: plain HTTP, or (with {@code tls}) HTTPS only, the
     * keystore named here and its password passed by {@link #listenerEnvironment}. Package-private for the unit
     * test.
     */
    static List<String> listenerOptions(final int port, final SelfSignedTls tls) {
        if (tls == null) {
            return List.of("-Dquarkus.http.port=" + port);
        }
        return List.of("-Dquarkus.http.ssl-port=" + port,
                // Without this Quarkus would also serve plain HTTP on quarkus.http.port (8080 by default).
                "-Dquarkus.http.insecure-requests=disabled",
                // Absolute: a relative one would be read from the child's work dir, not the caller's.
                "-Dquarkus.http.ssl.certificate.key-store-file=" + tls.keystore().toAbsolutePath(),
                "-Dquarkus.http.ssl.certificate.key-store-file-type=" + SelfSignedTls.STORE_TYPE);
    }

    /** The child's extra environment: the keystore password for HTTPS, nothing for HTTP. */
    static Map<String, String> listenerEnvironment(final SelfSignedTls tls) {
        return tls == null ? Map.of() : Map.of(KEY_STORE_PASSWORD_ENV, tls.password());
    }

    /**
     * Confluent-compatible base URL, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}, or {@code https://...}
     * when started by {@link #startHttps}.
     */
    public String url() {
        return (tls == null ? "http" : "https") + "://" + HOST + ":" + port + CCOMPAT_PATH;
    }

    /**
     * The serde/registry client keys to reach this registry: {@code schema.registry.url}, plus for HTTPS the
     * trust store holding its certificate ({@code schema.registry.ssl.truststore.location/password/type}), as a
     * properties file would hold them.
     */
    public Map<String, String> clientConfig() {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("schema.registry.url", url());
        if (tls != null) {
            c.put("schema.registry.ssl.truststore.location", tls.truststore().toString());
            c.put("schema.registry.ssl.truststore.password", tls.password());
            c.put("schema.registry.ssl.truststore.type", SelfSignedTls.STORE_TYPE);
        }
        return c;
    }

    /** Process id of the child JVM. */
    public long pid() {
        return process.pid();
    }

    /** Combined stdout/stderr of the child; deleted by {@link #close()}. */
    public Path logFile() {
        return logFile;
    }

    /** Kills the child JVM (and anything it spawned), waits for it, deletes the temp dir. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopped = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // close() called from another shutdown hook: ours runs anyway, destroying twice is harmless
        }
        try {
            terminate();
        } finally {
            closeDone.countDown();
        }
        LOG.info("Embedded Apicurio Registry (pid {}) stopped", process.pid());
    }

    /**
     * Called by the {@link Resources} that keeps this registry: it closes it on Ctrl-C from the caller's shutdown hook,
     * after what was started after it.
     */
    void keptBy(final Resources resources) {
        keeper = resources;
    }

    /**
     * Whether, the JVM shutting down, this registry was closed by the keeper's ordered stop, waited for here. The JDK
     * runs every shutdown hook at once, and ours killed the child at the first moment of a Ctrl-C, while the caller's
     * hook was still closing demo's processor: its stream threads then retried a dead registry until the processor's
     * 30 s close gave up. A registry nobody keeps (tests, the platform extension) is stopped at once, as before.
     */
    private boolean closedInOrder() {
        final Resources owner = keeper;
        if (owner == null) {
            return false;
        }
        try {
            return owner.awaitCloseBegun(ORDERED_STOP_START)
                    && closeDone.await(ORDERED_STOP_MAX.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return closed.get();
        }
    }

    @Override
    public String toString() {
        return "EmbeddedRegistry[" + url() + ", pid " + process.pid() + "]";
    }

    private void terminate() {
        final boolean exitedCleanly = destroyProcess();
        cds.publish(exitedCleanly && ready);
        EmbeddedKafka.deleteRecursively(workDir);
    }

    /**
     * Returns whether the child exited on SIGTERM within the grace period (rather than being killed), and as a JVM
     * that ran its exit normally does: 143 (SIGTERM), 130 (SIGINT from Ctrl-C to the process group) or 0. A child that
     * crashed on its way out, e.g. while dumping the class-data-sharing archive (134, after its fatal-error handler's
     * abort), also exited within the grace, and its cut archive was published: every later start crashed on it once
     * and retried without.
     */
    private boolean destroyProcess() {
        // Snapshot descendants first: once the parent is gone they are re-parented and unreachable.
        final List<ProcessHandle> descendants = process.descendants().toList();
        // SIGTERM first: Quarkus stops in well under a second (plus ~1 s the first time, when the JVM
        // writes the class-data-sharing archive on its way out).
        process.destroy();
        boolean exitedCleanly = false;
        try {
            final boolean exited = process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            exitedCleanly = exited && CLEAN_EXIT_CODES.contains(process.exitValue());
            if (!exited) {
                process.destroyForcibly();
                process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        return exitedCleanly;
    }

    /**
     * Waits until our child serves the API. The port was free when picked, but another process may bind it before
     * the child does; the child then dies ("Port N seems to be in use", retried on another port), yet for the seconds
     * it takes to get there a probe of the port reaches that other process, and a foreign registry (or anything else
     * answering 200) was taken for ours: the caller then registered its schemas there. So the port is probed only
     * once the child has logged that it listens on it, which it does only after binding it itself.
     */
    private void awaitReady(final HttpClient http) {
        final long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        final HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/subjects"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        boolean listening = false;
        while (true) {
            if (!process.isAlive()) {
                final String tail = logTail();
                final int exitCode = process.exitValue();
                // The whole log, not the tail: a child that dumps a class-data-sharing archive at exit (the first
                // run per distribution and JDK) ends its log with dozens of the JVM's [cds] warnings, which pushed
                // the bind error out of the tail; the port race was then taken for a fatal error.
                final StartFailure reason = classifyDeath(exitCode, logText(), cds.readsArchive(), stopped);
                if (reason == StartFailure.STOPPED) {
                    throw new IllegalStateException("Apicurio was stopped (closed, or the JVM is shutting down) before"
                            + " it became ready; exit code " + exitCode);
                }
                final String failure = "Apicurio exited with code " + exitCode
                        + " before becoming ready. Last lines of " + logFile + ":\n" + tail;
                if (reason == StartFailure.FATAL) {
                    throw new IllegalStateException(failure);
                }
                throw new RetryableStartFailure(failure, reason);
            }
            listening = listening || reportsListening(logText(), tls == null ? "http" : "https", port);
            if (listening) {
                try {
                    final HttpResponse<String> response = http.send(probe, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                } catch (ConnectException notListeningYet) {
                    // not expected once the child said it listens, but harmless: probe again
                } catch (IOException e) {
                    LOG.debug("Apicurio not ready yet: {}", e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for Apicurio", e);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Apicurio did not become ready at " + url() + " within "
                        + READY_TIMEOUT + (listening ? "" : " (it never logged that it listens on port " + port + ")")
                        + ". Last lines of " + logFile + ":\n" + logTail());
            }
            sleep(100);
        }
    }

    private void setBackwardCompatibility(final HttpClient http) {
        final URI config = URI.create(url() + "/config");
        final HttpRequest put = HttpRequest.newBuilder(config)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", CCOMPAT_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + COMPATIBILITY + "\"}"))
                .build();
        final HttpRequest get = HttpRequest.newBuilder(config).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            final HttpResponse<String> putResponse = http.send(put, HttpResponse.BodyHandlers.ofString());
            if (putResponse.statusCode() != 200) {
                throw new IllegalStateException("PUT " + config + " returned " + putResponse.statusCode()
                        + ": " + putResponse.body());
            }
            final HttpResponse<String> getResponse = http.send(get, HttpResponse.BodyHandlers.ofString());
            if (getResponse.statusCode() != 200 || !BACKWARD_LEVEL.matcher(getResponse.body()).find()) {
                throw new IllegalStateException("Apicurio did not keep global compatibility " + COMPATIBILITY
                        + ": GET " + config + " returned " + getResponse.statusCode() + ": " + getResponse.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot set global compatibility on " + config, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while configuring Apicurio", e);
        }
    }

    /**
     * Whether the child's log has Quarkus' start-up line for our port, e.g. "... started in 2.104s. Listening on:
     * http://127.0.0.1:41234". Package-private for the unit test.
     */
    static boolean reportsListening(final String log, final String scheme, final int port) {
        return Pattern.compile("Listening on: [^\\n]*" + Pattern.quote(scheme + "://" + HOST + ":" + port) + "(?![0-9])")
                .matcher(log).find();
    }

    /** The child's log so far; undecodable bytes replaced, not fatal. */
    private String logText() {
        try {
            return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The last lines of the child's log, undecodable bytes replaced as in {@link #logText}: the child writes in its
     * platform charset (Windows-1252, ISO-8859-1), and one byte that is no UTF-8 there (a user name with an umlaut in a
     * path, a localised JVM message) made a strict read throw, and the start's error showed no line of the child's own.
     */
    private String logTail() {
        try {
            return tail(new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList());
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /**
     * The last lines of the child's log, without the JVM's class-data-sharing warnings: a child dumping an archive
     * prints dozens of them as it exits, and they filled the tail in place of the error that made it exit.
     */
    private static String tail(final List<String> lines) {
        final List<String> own = lines.stream().filter(line -> !CDS_WARNING.matcher(line).find()).toList();
        return String.join("\n", own.subList(Math.max(0, own.size() - LOG_TAIL_LINES), own.size()));
    }

    private static HttpClient httpClient(final SelfSignedTls tls) {
        // HTTP/1.1: the default HTTP/2 would send an h2c upgrade on every cleartext request for nothing.
        final HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2));
        if (tls != null) {
            // Trusts exactly the registry's certificate, with the JDK's host name verification on.
            builder.sslContext(tls.trustingContext());
        }
        return builder.build();
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Apicurio", e);
        }
    }

    /** Why a child died before it was ready ({@link #classifyDeath}). */
    enum StartFailure {
        /** A port race: another attempt picks another port. */
        PORT_TAKEN,
        /** A crash while mapping the class-data-sharing archive: another attempt runs without it. */
        ARCHIVE_DAMAGED,
        /** Killed by close() or the shutdown hook: nothing to retry. */
        STOPPED,
        /** Anything else: another attempt would fail the same way. */
        FATAL
    }

    /** The child died for a reason another attempt can fix: a port race, or a damaged CDS archive. */
    static final class RetryableStartFailure extends IllegalStateException {
        final StartFailure reason;

        RetryableStartFailure(final String message, final StartFailure reason) {
            super(message);
            this.reason = reason;
        }
    }
}
