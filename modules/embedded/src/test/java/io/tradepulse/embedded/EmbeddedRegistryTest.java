package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;


import io.tradepulse.embedded.EmbeddedRegistry.RetryableStartFailure;
import io.tradepulse.embedded.EmbeddedRegistry.StartFailure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedRegistryTest {

    @Test
    void systemPropertyWinsOverEnvironment() {
        assertThat(EmbeddedRegistry.resolveHome("/from/property", "/from/env")).isEqualTo(Path.of("/from/property"));
    }

    @Test
    void environmentIsTheFallback() {
        assertThat(EmbeddedRegistry.resolveHome(null, "/from/env")).isEqualTo(Path.of("/from/env"));
        assertThat(EmbeddedRegistry.resolveHome("  ", "/from/env")).isEqualTo(Path.of("/from/env"));
    }

    @Test
    void missingHomeSaysHowToGetIt() {
        assertThatThrownBy(() -> EmbeddedRegistry.resolveHome(null, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tradepulse.apicurio.home")
                .hasMessageContaining("TRADEPULSE_APICURIO_HOME")
                .hasMessageContaining("./mvnw -B package -DskipTests").hasMessageNotContaining("install");
    }

    @Test
    void homeWithoutRunnerJarFailsBeforeLaunchingAnything(@TempDir final Path emptyHome) {
        assertThatThrownBy(() -> EmbeddedRegistry.start(emptyHome))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("apicurio-registry-app-*-runner.jar")
                .hasMessageContaining("./mvnw -B package -DskipTests").hasMessageNotContaining("install");
    }

    @Test
    void servesPlainHttpOnTheChosenPortByDefault() {
        assertThat(EmbeddedRegistry.listenerOptions(1234, null)).containsExactly("-Dquarkus.http.port=1234");
        assertThat(EmbeddedRegistry.listenerEnvironment(null)).isEmpty();
    }

    @Test
    void servesHttpsOnlyWithTheKeystorePasswordInTheEnvironmentNotOnTheCommandLine() {
        final SelfSignedTls tls = new SelfSignedTls(Path.of("/tls/ks.p12"), Path.of("/tls/ts.p12"), "store-secret");

        assertThat(EmbeddedRegistry.listenerOptions(1234, tls)).containsExactly(
                "-Dquarkus.http.ssl-port=1234",
                "-Dquarkus.http.insecure-requests=disabled",
                "-Dquarkus.http.ssl.certificate.key-store-file=/tls/ks.p12",
                "-Dquarkus.http.ssl.certificate.key-store-file-type=PKCS12")
                .noneMatch(option -> option.contains("store-secret"));
        // The process list shows the command line to every local user, not the environment.
        assertThat(EmbeddedRegistry.listenerEnvironment(tls))
                .containsExactly(Map.entry("QUARKUS_HTTP_SSL_CERTIFICATE_KEY_STORE_PASSWORD", "store-secret"));
    }

    @Test
    void findsTheRunnerJarWhateverTheVersion(@TempDir final Path home) throws IOException {
        final Path jar = Files.createFile(home.resolve("apicurio-registry-app-9.9.9.Final-runner.jar"));
        Files.createDirectory(home.resolve("lib"));

        assertThat(EmbeddedRegistry.findRunnerJar(home)).isEqualTo(jar);
    }

    @Test
    void onlyACrashWhileMappingTheArchiveBlamesTheArchive() {
        // 134: the JVM's fatal-error handler aborts after a SIGBUS in a cut archive (EmbeddedRegistryIT makes one);
        // 135/139: SIGBUS/SIGSEGV before that handler exists.
        for (int crash : new int[] {134, 135, 139}) {
            assertThat(EmbeddedRegistry.classifyDeath(crash, "", true, false)).as("exit %d", crash)
                    .isEqualTo(StartFailure.ARCHIVE_DAMAGED);
        }
        assertThat(EmbeddedRegistry.classifyDeath(1, "An error has occurred while processing the shared archive file.", true, false))
                .isEqualTo(StartFailure.ARCHIVE_DAMAGED);
    }

    @Test
    void aChildKilledBySignalNeverCostsTheArchive() {
        // 130 = SIGINT (Ctrl-C reaches the whole process group), 143 = SIGTERM (close, shutdown hook), 137 = SIGKILL:
        // the child was stopped, the archive is fine. Deleting it once made every later start ~40 % slower.
        for (int killed : new int[] {130, 143, 137}) {
            assertThat(EmbeddedRegistry.classifyDeath(killed, "", true, false)).as("exit %d", killed)
                    .isEqualTo(StartFailure.FATAL);
        }
    }

    @Test
    void aCrashWithoutAnArchiveIsNotRetriedAndAPortRaceIs() {
        assertThat(EmbeddedRegistry.classifyDeath(134, "", false, false)).isEqualTo(StartFailure.FATAL);
        assertThat(EmbeddedRegistry.classifyDeath(1, "java.net.BindException: Address already in use", true, false))
                .isEqualTo(StartFailure.PORT_TAKEN);
    }

    @Test
    void shouldRetryWhenApicurioReportsItsPortInUseTheWayQuarkus315Does() {
        // Apicurio 2.6.13's log when its port was taken (no "Port already bound", no "Address already in use").
        final String log = "2026-11-30 18:38:49 ERROR <> [io.quarkus.runtime.ApplicationLifecycleManager] (main) Port"
                + " 34479 seems to be in use by another process. Quarkus may already be running or the port is used by"
                + " another application.\n2026-11-30 18:38:49 WARN <> [io.quarkus.runtime.ApplicationLifecycleManager]"
                + " (main) Use 'ss -anop | grep 34479' or 'netstat -anop | grep 34479' to identify the process"
                + " occupying the port.";

        assertThat(EmbeddedRegistry.classifyDeath(1, log, false, false)).isEqualTo(StartFailure.PORT_TAKEN);
        assertThat(EmbeddedRegistry.classifyDeath(1, log, true, false)).isEqualTo(StartFailure.PORT_TAKEN);
    }

    @Test
    void aChildWeStoppedIsNeverRetriedWhateverItDiedOf() {
        assertThat(EmbeddedRegistry.classifyDeath(134, "", true, true)).isEqualTo(StartFailure.STOPPED);
        assertThat(EmbeddedRegistry.classifyDeath(1, "Port already bound: 8080", true, true)).isEqualTo(StartFailure.STOPPED);
    }

    @Test
    void aDamagedArchiveIsDiscardedAndTheStartRetried(@TempDir final Path home) throws IOException {
        final Path archive = Files.write(AppCdsArchive.plan(home).archive(), new byte[] {1});
        final List<Boolean> readsArchive = new ArrayList<>();

        final String started = EmbeddedRegistry.startWithRetries(() -> AppCdsArchive.plan(home), cds -> {
            readsArchive.add(cds.readsArchive());
            if (readsArchive.size() == 1) {
                throw new RetryableStartFailure("SIGBUS", StartFailure.ARCHIVE_DAMAGED);
            }
            return "registry";
        }, () -> false);

        assertThat(started).isEqualTo("registry");
        assertThat(readsArchive).containsExactly(true, false);
        assertThat(archive).doesNotExist();
    }

    @Test
    void noRetryOnceTheJvmIsShuttingDownAndTheArchiveIsKept(@TempDir final Path home) throws IOException {
        // Ctrl-C during start: the child dies, and a new one started now could not register its shutdown hook
        // (the JDK refuses hooks during shutdown), so nothing would stop it: an orphan Apicurio listening forever.
        final Path archive = Files.write(AppCdsArchive.plan(home).archive(), new byte[] {1});
        final AtomicInteger launches = new AtomicInteger();

        assertThatThrownBy(() -> EmbeddedRegistry.startWithRetries(() -> AppCdsArchive.plan(home), cds -> {
            launches.incrementAndGet();
            throw new RetryableStartFailure("died", StartFailure.ARCHIVE_DAMAGED);
        }, () -> true)).isInstanceOf(IllegalStateException.class).hasMessageContaining("shutting down");

        assertThat(launches).hasValue(1);
        assertThat(archive).exists();
    }

    @Test
    void aPortRaceIsRetriedAFewTimesThenReported(@TempDir final Path home) {
        final AtomicInteger launches = new AtomicInteger();

        assertThatThrownBy(() -> EmbeddedRegistry.startWithRetries(() -> AppCdsArchive.plan(home, "false", "17"), cds -> {
            throw new RetryableStartFailure("port " + launches.incrementAndGet(), StartFailure.PORT_TAKEN);
        }, () -> false)).hasMessage("port 3");
    }

    @Test
    void shouldRemoveItsWorkDirWhenTheStartFailsBeforeTheChildIsLaunched(@TempDir final Path home) throws IOException {
        Files.createFile(home.resolve("apicurio-registry-app-9.9.9.Final-runner.jar"));
        final List<Path> before = apicurioDirsOfThisJvm();
        EmbeddedRegistry.portPicker = n -> {
            throw new UncheckedIOException("Cannot find free ports", new IOException("no port left"));
        };
        try {
            assertThatThrownBy(() -> EmbeddedRegistry.start(home)).hasMessageContaining("Cannot find free ports");
        } finally {
            EmbeddedRegistry.portPicker = EmbeddedKafka::freePorts;
        }

        // No child was started, so no close() or shutdown hook would ever remove the dir made for it.
        assertThat(apicurioDirsOfThisJvm()).isEqualTo(before);
        try (Stream<Path> files = Files.list(home)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    /** The registry work dirs in the temp dir noted as this JVM's (other JVMs may be making and removing theirs). */
    private static List<Path> apicurioDirsOfThisJvm() throws IOException {
        final String self = Long.toString(ProcessHandle.current().pid());
        try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("tradepulse-apicurio-"))
                    .filter(d -> self.equals(ownerPid(d)))
                    .sorted()
                    .toList();
        }
    }

    /** The pid an owned temp dir's note names; null without a (readable) note. Shared with EmbeddedKafkaIT. */
    static String ownerPid(final Path dir) {
        final Properties note = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(OwnedTempDirs.OWNER_FILE))) {
            note.load(in);
        } catch (IOException e) {
            return null; // no note (yet): not ours to count
        }
        return note.getProperty("owner.pid");
    }

    @Test
    void recognisesOnlyTheStartUpLineForItsOwnPortAndScheme() {
        final String log = "2026-11-30 18:27:08 INFO <_> [io.quarkus.bootstrap.runner.Timing] (main) apicurio-registry-app"
                + " 2.6.13.Final on JVM (powered by Quarkus 3.15.3) started in 5.481s. Listening on: http://127.0.0.1:18931\n"
                + "2026-11-30 18:27:08 INFO <_> [io.quarkus.bootstrap.runner.Timing] (main) Profile prod activated.\n";

        assertThat(EmbeddedRegistry.reportsListening(log, "http", 18931)).isTrue();
        assertThat(EmbeddedRegistry.reportsListening(log, "http", 1893)).isFalse();
        assertThat(EmbeddedRegistry.reportsListening(log, "https", 18931)).isFalse();
        assertThat(EmbeddedRegistry.reportsListening("Port already bound: 18931: Address already in use", "http", 18931))
                .isFalse();
    }

    @Test
    void shouldNeverTakeAnotherProcessForTheRegistryWhenItBindsThePortBeforeTheChild(@TempDir final Path dir)
            throws Exception {
        final Properties settings = new Properties();
        settings.setProperty(FakeApicurio.START_DELAY_PROPERTY, "1500"); // Apicurio needs seconds before it binds
        final Path home = FakeApicurio.install(dir, settings);
        final ForeignRegistry foreign = new ForeignRegistry();
        final int foreignPort = foreign.port();
        final AtomicInteger picks = new AtomicInteger();
        EmbeddedRegistry.portPicker = n -> picks.getAndIncrement() == 0 ? new int[] {foreignPort}
                : EmbeddedKafka.freePorts(n);
        try (EmbeddedRegistry registry = withoutCds(() -> EmbeddedRegistry.start(home))) {
            assertThat(registry.url()).doesNotContain(":" + foreignPort + "/");
            assertThat(picks).hasValue(2);
        } finally {
            EmbeddedRegistry.portPicker = EmbeddedKafka::freePorts;
            foreign.close();
        }
        assertThat(foreign.requests()).as("requests that reached the other process").isZero();
    }

    @Test
    void shouldRetryOnAnotherPortWhenThePortIsTakenAndTheChildEndsItsLogWithClassDataSharingWarnings(
            @TempDir final Path dir) throws Exception {
        final Properties settings = new Properties();
        settings.setProperty(FakeApicurio.CDS_LINES_PROPERTY, "100"); // what a child dumping an archive prints at exit
        final Path home = FakeApicurio.install(dir, settings);
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            final AtomicInteger picks = new AtomicInteger();
            EmbeddedRegistry.portPicker = n -> picks.getAndIncrement() == 0 ? new int[] {taken.getLocalPort()}
                    : EmbeddedKafka.freePorts(n);
            try (EmbeddedRegistry registry = withoutCds(() -> EmbeddedRegistry.start(home))) {
                assertThat(picks).hasValue(2);
                assertThat(registry.url()).doesNotContain(":" + taken.getLocalPort() + "/");
            } finally {
                EmbeddedRegistry.portPicker = EmbeddedKafka::freePorts;
            }
        }
    }

    @Test
    void shouldShowTheChildsOwnErrorNotTheJvmsClassDataSharingWarningsWhenTheStartFails(@TempDir final Path dir)
            throws Exception {
        final Properties settings = new Properties();
        settings.setProperty(FakeApicurio.CDS_LINES_PROPERTY, "100");
        final Path home = FakeApicurio.install(dir, settings);
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            EmbeddedRegistry.portPicker = n -> new int[] {taken.getLocalPort()};
            try {
                assertThatThrownBy(() -> withoutCds(() -> EmbeddedRegistry.start(home)))
                        .hasMessageContaining("Port " + taken.getLocalPort() + " seems to be in use by another process")
                        .hasMessageNotContaining("[warning][cds]");
            } finally {
                EmbeddedRegistry.portPicker = EmbeddedKafka::freePorts;
            }
        }
    }

    @Test
    void shouldBecomeReadyWhenTheCallersEnvironmentWouldQuietenQuarkusLogging(@TempDir final Path dir) throws Exception {
        // The child inherits our environment; readiness waits for Quarkus' INFO line "Listening on: ...".
        final Properties settings = new Properties();
        settings.setProperty(FakeApicurio.ENV_LOG_LEVEL_PROPERTY, "WARN");
        settings.setProperty(FakeApicurio.ENV_CONSOLE_ENABLE_PROPERTY, "false");
        final Path home = FakeApicurio.install(dir, settings);

        try (EmbeddedRegistry registry = withoutCds(() -> EmbeddedRegistry.start(home))) {
            assertThat(registry.url()).startsWith("http://127.0.0.1:");
        }
    }

    @Test
    void shouldNotPublishTheArchiveOfAChildThatCrashedAsItStopped(@TempDir final Path dir) throws Exception {
        final Properties settings = new Properties();
        settings.setProperty(FakeApicurio.CRASH_ON_STOP_PROPERTY, "134"); // abort after a crash while dumping
        final Path home = FakeApicurio.install(dir, settings);
        final AppCdsArchive cds = AppCdsArchive.plan(home, null, System.getProperty("java.vm.version"));
        assertThat(cds.pendingDump()).as("this start dumps an archive").isNotNull();

        try (EmbeddedRegistry registry = EmbeddedRegistry.start(home)) {
            assertThat(registry.url()).startsWith("http://127.0.0.1:");
        }

        assertThat(cds.archive()).as("a cut archive would cost the next starts a crash and a retry").doesNotExist();
        try (Stream<Path> files = Files.list(home)) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".tmp"))).as("the cut dump removed").isEmpty();
        }
    }

    @Test
    void shouldPublishTheArchiveOfAChildThatStoppedNormally(@TempDir final Path dir) throws Exception {
        final Path home = FakeApicurio.install(dir, new Properties());
        final AppCdsArchive cds = AppCdsArchive.plan(home, null, System.getProperty("java.vm.version"));
        try (EmbeddedRegistry registry = EmbeddedRegistry.start(home)) {
            assertThat(registry.url()).startsWith("http://127.0.0.1:");
        }
        assertThat(cds.archive()).exists();
    }

    @Test
    void shouldStartWhenTheHomeIsGivenRelativeToTheCallersWorkingDirectory() throws Exception {
        // What an IDE run's TRADEPULSE_APICURIO_HOME=modules/embedded/target/... looks like: relative to our working
        // directory, which the child, started in a work dir of its own, does not share. Made under ours (target/), so
        // that it cannot name the same place from the child's work dir by chance.
        final Path dir = Files.createTempDirectory(Path.of("target"), "relative-apicurio-home-");
        try {
            final Path home = FakeApicurio.install(dir, new Properties());
            final Path relativeHome = Path.of("").toAbsolutePath().relativize(home.toAbsolutePath());
            assertThat(relativeHome.isAbsolute()).isFalse();
            final AppCdsArchive cds = AppCdsArchive.plan(home, null, System.getProperty("java.vm.version"));

            try (EmbeddedRegistry registry = EmbeddedRegistry.start(relativeHome)) {
                assertThat(registry.url()).startsWith("http://127.0.0.1:");
            }

            assertThat(cds.archive()).as("the archive dumped next to the distribution, not in the child's work dir")
                    .exists();
        } finally {
            EmbeddedKafka.deleteRecursively(dir);
        }
    }

    @Test
    void shouldReadTheKeystoreFromWhereTheCallerNamedItWhenTheNameIsRelative() {
        final SelfSignedTls tls = new SelfSignedTls(Path.of("tls/ks.p12"), Path.of("tls/ts.p12"), "store-secret");

        assertThat(EmbeddedRegistry.listenerOptions(1234, tls)).contains(
                "-Dquarkus.http.ssl.certificate.key-store-file=" + Path.of("tls/ks.p12").toAbsolutePath());
    }

    @Test
    void shouldShowTheChildsLastLinesWhenItsLogHoldsBytesThatAreNoUtf8(@TempDir final Path dir) throws Exception {
        final Properties settings = new Properties();
        // A localised JVM message in a Latin-1 or Windows-1252 platform charset: the umlaut is one byte, no UTF-8.
        settings.setProperty(FakeApicurio.LATIN1_EXIT_LINE_PROPERTY,
                "Fehler: Zugriff auf JAR-Datei C:\\Users\\J\u00fcrgen\\apicurio.jar nicht m\u00f6glich");
        final Path home = FakeApicurio.install(dir, settings);

        assertThatThrownBy(() -> withoutCds(() -> EmbeddedRegistry.start(home)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Apicurio exited with code 1 before becoming ready")
                .hasMessageContaining("Fehler: Zugriff auf JAR-Datei")
                .hasMessageNotContaining("log unreadable");
    }

    /** The fake child runs without class-data sharing: dumping an archive at its exit would only cost time. */
    private static <T> T withoutCds(final Supplier<T> start) {
        final String before = System.getProperty(AppCdsArchive.ENABLED_PROPERTY);
        System.setProperty(AppCdsArchive.ENABLED_PROPERTY, "false");
        try {
            return start.get();
        } finally {
            if (before == null) {
                System.clearProperty(AppCdsArchive.ENABLED_PROPERTY);
            } else {
                System.setProperty(AppCdsArchive.ENABLED_PROPERTY, before);
            }
        }
    }

    @Test
    void knowsWhetherTheJvmIsShuttingDown() {
        assertThat(EmbeddedRegistry.jvmShuttingDown()).isFalse();
    }

    @Test
    void shouldStartTheChildThroughTheFirstSetsidWhenThePathHasOne(@TempDir final Path dir) throws IOException {
        final Path empty = Files.createDirectory(dir.resolve("empty"));
        final Path bin = Files.createDirectory(dir.resolve("bin"));
        final Path setsid = Files.createFile(bin.resolve("setsid"));
        assertThat(setsid.toFile().setExecutable(true)).isTrue();
        final String path = String.join(java.io.File.pathSeparator, empty.toString(), bin.toString());

        assertThat(EmbeddedRegistry.ownSessionPrefix(path, "Linux")).containsExactly(setsid.toString());
    }

    @Test
    void shouldStartTheChildDirectlyWhenNoUsableSetsidIsOnThePath(@TempDir final Path dir) throws IOException {
        final Path bin = Files.createDirectory(dir.resolve("bin"));
        Files.createFile(bin.resolve("setsid")); // not executable
        assertThat(EmbeddedRegistry.ownSessionPrefix(bin.toString(), "Mac OS X")).isEmpty();
        assertThat(EmbeddedRegistry.ownSessionPrefix(null, "Linux")).isEmpty();
        // An empty or relative entry names the working directory: a setsid there is never run.
        assertThat(EmbeddedRegistry.ownSessionPrefix(java.io.File.pathSeparator + "bin", "Linux")).isEmpty();
        assertThat(bin.resolve("setsid").toFile().setExecutable(true)).isTrue();
        assertThat(EmbeddedRegistry.ownSessionPrefix(bin.toString(), "Windows 11")).isEmpty();
    }
}
