package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One registry for the class (a child JVM start costs ~4 s on CI), closed by the last test, which is
 * the one that checks close(). Order matters only for that reason.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedRegistryIT {

    private static final String JSON = "application/vnd.schemaregistry.v1+json";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static EmbeddedRegistry registry;

    @BeforeAll
    static void startRegistry() {
        registry = EmbeddedRegistry.start();
    }

    @AfterAll
    static void closeRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    @Order(1)
    void isReadyOnLoopbackWithTheConfluentCompatibleBaseUrl() throws Exception {
        assertThat(registry.url()).matches("http://127\\.0\\.0\\.1:\\d+/apis/ccompat/v7");
        assertThat(ProcessHandle.of(registry.pid())).get().matches(ProcessHandle::isAlive);

        final HttpResponse<String> subjects = get("/subjects");
        assertThat(subjects.statusCode()).isEqualTo(200);
        assertThat(subjects.body()).isEqualTo("[]");
    }

    @Test
    @Order(2)
    void globalCompatibilityIsBackward() throws Exception {
        final HttpResponse<String> config = get("/config");

        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(config.body()).contains("\"compatibilityLevel\":\"BACKWARD\"");
    }

    @Test
    @Order(3)
    void registersSchemasAndRejectsABackwardIncompatibleChange() throws Exception {
        final String v1 = schema("{\"type\":\"record\",\"name\":\"Trade\",\"namespace\":\"t\",\"fields\":["
                + "{\"name\":\"a\",\"type\":\"int\"}]}");
        // Adding a field WITHOUT a default: a v2 reader cannot read v1 data, so BACKWARD must refuse it.
        final String incompatible = schema("{\"type\":\"record\",\"name\":\"Trade\",\"namespace\":\"t\",\"fields\":["
                + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}]}");
        final String compatible = schema("{\"type\":\"record\",\"name\":\"Trade\",\"namespace\":\"t\",\"fields\":["
                + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}]}");

        final HttpResponse<String> first = post("/subjects/trades-value/versions", v1);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).matches("\\{\"id\":\\d+}");

        final HttpResponse<String> rejected = post("/subjects/trades-value/versions", incompatible);
        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(409);

        final HttpResponse<String> second = post("/subjects/trades-value/versions", compatible);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);

        assertThat(get("/subjects").body()).isEqualTo("[\"trades-value\"]");
        assertThat(get("/subjects/trades-value/versions").body()).isEqualTo("[1,2]");
    }

    @Test
    @Order(4)
    void closeKillsTheChildProcessAndRemovesItsFilesAndIsIdempotent() {
        final long pid = registry.pid();
        final Path workDir = registry.logFile().getParent();

        registry.close();

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(Files.exists(workDir)).isFalse();
        registry.close();
    }

    @Test
    void shutdownHookKillsTheRegistryWhenTheParentJvmExitsWithoutClose() throws Exception {
        final Process probe = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", // C1 only, as every IT JVM (the parent pom's it.argLine)
                "-cp", System.getProperty("java.class.path"),
                "-D" + EmbeddedRegistry.HOME_PROPERTY + "=" + EmbeddedRegistry.resolveHome(),
                RegistryOrphanProbe.class.getName())
                .redirectErrorStream(true)
                .start();
        long pid = -1;
        Path workDir = null;
        final StringBuilder output = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                output.append(line).append('\n');
                if (line.startsWith(RegistryOrphanProbe.PID_PREFIX)) {
                    final String[] parts = line.split(" ");
                    pid = Long.parseLong(parts[0].substring(RegistryOrphanProbe.PID_PREFIX.length()));
                    workDir = Path.of(parts[1].substring("WORKDIR=".length()));
                }
            }
        } finally {
            if (!probe.waitFor(60, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
            }
        }
        assertThat(pid).as("probe output:\n%s", output).isPositive();
        final Optional<ProcessHandle> child = ProcessHandle.of(pid);
        try {
            assertThat(child.filter(ProcessHandle::isAlive)).as("Apicurio pid %d after its parent exited", pid).isEmpty();
            assertThat(workDir).doesNotExist();
        } finally {
            child.ifPresent(ProcessHandle::destroyForcibly); // never leave an orphan, even when failing
        }
    }

    /**
     * Ctrl-C while Apicurio starts: the terminal signals the whole foreground process group, our JVM and the child
     * alike. The child's death must not be taken for a damaged archive (which was deleted, and a new child started
     * that could no longer register a shutdown hook: an orphan Apicurio listening after the launcher had exited, its
     * temp dir and a half-written .jsa.*.tmp left behind). Sent as SIGTERM, which runs the same shutdown hooks: a JVM
     * started from a background job inherits SIGINT ignored, and the probe would then start the registry and exit
     * normally, passing for nothing; its exit code (143) shows it was interrupted.
     */
    @Test
    void ctrlCWhileStartingLeavesNoRegistryRunningAndKeepsTheArchive(@TempDir final Path home, @TempDir final Path tmp)
            throws Exception {
        linkDistribution(home);
        final Path archive = AppCdsArchive.plan(home).archive();
        dumpTinyArchive(archive); // valid, for another class path: the child runs without it, we think it maps it
        final long archiveSize = Files.size(archive);
        final Path probeTmp = Files.createDirectory(tmp.resolve("probe-tmp"));
        final Process probe = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", // C1 only, as every IT JVM (the parent pom's it.argLine)
                "-cp", System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + probeTmp, // the registry's work dir, and so its child's command line, name it
                "-D" + EmbeddedRegistry.HOME_PROPERTY + "=" + home,
                // A shutdown hook of 3 s besides the registry's, as the launcher's (stopping the broker) takes.
                RegistryOrphanProbe.class.getName(), "3000")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("probe.log").toFile())
                .start();
        try {
            final ProcessHandle child = awaitChild(probe, Duration.ofSeconds(30));
            Thread.sleep(300); // the parent now polls the child for readiness, its shutdown hook registered
            final Process ctrlC = new ProcessBuilder("kill", "-TERM", Long.toString(probe.pid()), Long.toString(child.pid()))
                    .inheritIO().start();
            assertThat(ctrlC.waitFor(10, TimeUnit.SECONDS)).isTrue();

            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("probe exits on the signal").isTrue();
            assertThat(probe.exitValue()).as("interrupted while starting; probe log:%n%s",
                    Files.readString(tmp.resolve("probe.log"))).isEqualTo(143);
            Thread.sleep(1_000); // an orphan started during shutdown would be up by now
            assertThat(registryChildren(probeTmp)).as("Apicurio JVMs left running; probe log:%n%s",
                    Files.readString(tmp.resolve("probe.log"))).isEmpty();
            try (var left = Files.list(probeTmp)) {
                assertThat(left).as("registry work dirs left").isEmpty();
            }
            assertThat(archive).as("a child killed by Ctrl-C says nothing about the archive").exists();
            assertThat(Files.size(archive)).isEqualTo(archiveSize);
            try (var files = Files.list(home)) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
            }
        } finally {
            probe.destroyForcibly();
            registryChildren(probeTmp).forEach(ProcessHandle::destroyForcibly); // never leave an orphan, even when failing
        }
    }

    private static ProcessHandle awaitChild(final Process parent, final Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            final Optional<ProcessHandle> child = parent.descendants().findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            assertThat(parent.isAlive()).as("probe still starting the registry").isTrue();
            Thread.sleep(20);
        }
        throw new AssertionError("no Apicurio child within " + timeout);
    }

    /** Live processes whose command line names {@code dir}: the children of a registry started with that temp dir. */
    private static List<ProcessHandle> registryChildren(final Path dir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> String.join(" ", args).contains(dir.toString())).orElse(false))
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .toList();
    }

    /** A private home (links to the real distribution) so a test owns its archive. */
    private static void linkDistribution(final Path home) throws IOException {
        final Path realHome = EmbeddedRegistry.resolveHome();
        final Path runner = EmbeddedRegistry.findRunnerJar(realHome);
        Files.createSymbolicLink(home.resolve(runner.getFileName()), runner.toAbsolutePath());
        Files.createSymbolicLink(home.resolve("lib"), realHome.resolve("lib").toAbsolutePath());
    }

    /** A real (tiny) archive from this JDK, of {@code java -version}'s classes. */
    private static void dumpTinyArchive(final Path archive) throws IOException, InterruptedException {
        final Process dump = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ArchiveClassesAtExit=" + archive, "-version").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(dump.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(archive).isRegularFile();
    }

    @Test
    void aDamagedClassDataSharingArchiveIsReplacedInsteadOfCrashingStartUp(@TempDir final Path home) throws Exception {
        linkDistribution(home);
        final Path archive = AppCdsArchive.plan(home).archive();
        // A real (tiny) archive from this JDK, cut in half like an interrupted write: JDK 17 dies with
        // SIGBUS while mapping such a file, before any Java code runs.
        dumpTinyArchive(archive);
        archive.toFile().setWritable(true);
        final long damagedSize;
        try (FileChannel channel = FileChannel.open(archive, StandardOpenOption.WRITE)) {
            damagedSize = channel.size() / 2;
            channel.truncate(damagedSize);
        }

        try (EmbeddedRegistry registry = EmbeddedRegistry.start(home)) {
            final HttpResponse<String> config = HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/config"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(config.body()).contains("BACKWARD");
        }
        assertThat(Files.size(archive)).as("damaged archive replaced by a fresh dump").isGreaterThan(damagedSize);
    }

    /**
     * Another process binds the port picked for the registry before the child does, and answers like a registry
     * (any 200, compatibility BACKWARD). Our child then dies ("Port N seems to be in use by another process") and the
     * start is repeated on another port; until it died, probing the port reached the other process, taken for ours.
     */
    @Test
    void shouldNeverTalkToAnotherProcessWhenItTakesTheRegistrysPortBeforeTheChildBindsIt() throws Exception {
        final ForeignRegistry foreign = new ForeignRegistry();
        final int foreignPort = foreign.port();
        final AtomicInteger picks = new AtomicInteger();
        EmbeddedRegistry.portPicker = n -> picks.getAndIncrement() == 0 ? new int[] {foreignPort}
                : EmbeddedKafka.freePorts(n);
        try (EmbeddedRegistry ours = EmbeddedRegistry.start()) {
            assertThat(ours.url()).doesNotContain(":" + foreignPort + "/");
            assertThat(picks).hasValue(2);
            final HttpResponse<String> subjects = HTTP.send(HttpRequest.newBuilder(URI.create(ours.url() + "/subjects"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(subjects.body()).isEqualTo("[]");
        } finally {
            EmbeddedRegistry.portPicker = EmbeddedKafka::freePorts;
            foreign.close();
        }
        assertThat(foreign.requests()).as("requests that reached the other process").isZero();
    }

    @Test
    void servesTheApiOverHttpsOnlyWithTheCallersCertificate(@TempDir final Path tlsDir) throws Exception {
        final SelfSignedTls tls = SelfSignedTls.generate(tlsDir);
        try (EmbeddedRegistry https = EmbeddedRegistry.startHttps(tls)) {
            assertThat(https.url()).startsWith("https://127.0.0.1:");
            final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(tls.trustingContext()).build();
            final HttpResponse<String> config = client.send(HttpRequest.newBuilder(URI.create(https.url() + "/config"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(config.body()).contains("\"compatibilityLevel\":\"BACKWARD\"");
        }
    }

    private static String schema(final String avro) {
        return "{\"schema\":" + quote(avro) + "}";
    }

    private static String quote(final String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static HttpResponse<String> get(final String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(final String path, final String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
