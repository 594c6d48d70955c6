package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./tradepulse} script, run from a copy in a temp dir that looks built (a launcher jar, an unpacked
 * registry) with a fake {@code java}: nothing is built or started. The copy's {@code mvnw} only records that it ran.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "./tradepulse is a POSIX sh script, and the test fakes java and mvnw"
        + " as sh scripts made executable with POSIX permissions; Windows has neither (use WSL, where it runs)")
class LauncherScriptTest {

    @TempDir
    Path tmp;

    private Path repo;

    @BeforeEach
    void copyTheScriptIntoARepoThatLooksBuilt() throws IOException {
        repo = Files.createDirectories(tmp.resolve("repo"));
        Path script = repo.resolve("tradepulse");
        Files.copy(Path.of("").toAbsolutePath().resolve("../../tradepulse").normalize(), script,
                StandardCopyOption.COPY_ATTRIBUTES);
        Path jar = repo.resolve("modules/launcher/target/tradepulse-launcher.jar");
        Files.createDirectories(jar.getParent());
        Files.createDirectories(repo.resolve("modules/embedded/target/apicurio-registry-2.6.13.Final"));
        Files.write(jar, new byte[0]);
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(3600))); // newer than every source
        executable(repo.resolve("mvnw"), "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/mvnw-ran\"\nexit 1\n");
    }

    /** A JAVA_HOME whose java reports {@code version} and records any other run. */
    private Path javaHome(String versionLine) throws IOException {
        Path home = Files.createDirectories(tmp.resolve("jdk"));
        executable(home.resolve("bin/java"), "#!/bin/sh\n"
                + "for a in \"$@\"; do [ \"$a\" = -version ] && { echo '" + versionLine + "' >&2; exit 0; }; done\n"
                + "touch \"" + tmp.resolve("java-ran") + "\"\n"
                + "echo 'Error: LinkageError occurred while loading main class io.tradepulse.launcher.Main' >&2\n"
                + "echo 'java.lang.UnsupportedClassVersionError: io/tradepulse/launcher/Main has been compiled by a more"
                + " recent version of the Java Runtime (class file version 61.0)' >&2\nexit 1\n");
        return home;
    }

    private static void executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private record Result(int code, String err) {
    }

    private Result run(Path javaHome, String... args) throws Exception {
        return runScript(repo.resolve("tradepulse"), javaHome, args);
    }

    private Result runScript(Path script, Path javaHome, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = script.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().put("PATH", "/usr/bin:/bin"); // a java on PATH must not be used instead of JAVA_HOME's
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), err);
    }

    @Test
    void aJavaOlderThan17IsRefusedNamingTheVersionFoundAndWhatIsNeeded() throws Exception {
        Result r = run(javaHome("openjdk version \"11.0.22\" 2024-01-16"), "demo");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("needs Java 17 or later", "11.0.22", tmp.resolve("jdk/bin/java").toString());
        assertThat(tmp.resolve("java-ran")).as("the CLI is not started on it").doesNotExist();
        assertThat(repo.resolve("mvnw-ran")).as("nor a build").doesNotExist();
    }

    @Test
    void aJava8VersionStringIsReadAsJava8() throws Exception {
        Result r = run(javaHome("java version \"1.8.0_392\""), "help");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("needs Java 17 or later", "1.8.0_392");
    }

    @Test
    void aJavaHomeWithoutJavaIsNamed() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("no-jdk"));

        Result r = run(empty, "help");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("needs Java 17 or later", empty.resolve("bin/java").toString());
    }

    @Test
    void java17AndLaterStartTheCli() throws Exception {
        for (String version : new String[] {"openjdk version \"17.0.15\" 2025-04-15", "openjdk version \"25\" 2025-09-16",
            "openjdk version \"21-ea\" 2023-09-19"}) {
            Files.deleteIfExists(tmp.resolve("java-ran"));
            Result r = run(javaHome(version), "help");

            assertThat(tmp.resolve("java-ran")).as(version + ": " + r.err()).exists();
        }
    }

    /**
     * A symlink on the PATH to the script (a relative one, to another symlink): the checkout is where the script
     * lives. It was taken to be the symlink's directory, which has no jar and no mvnw, and the start failed with
     * "./mvnw: No such file or directory".
     */
    @Test
    void shouldStartTheCliOfTheCheckoutWhenStartedThroughASymlink() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path relative = Files.createSymbolicLink(bin.resolve("tradepulse-relative"), Path.of("../repo/tradepulse"));
        Path onPath = Files.createSymbolicLink(tmp.resolve("tradepulse"), relative);

        Result r = runScript(onPath, javaHome("openjdk version \"17.0.15\" 2025-04-15"), "help");

        assertThat(tmp.resolve("java-ran")).as(r.err()).exists();
        assertThat(repo.resolve("mvnw-ran")).as("the checkout looks built: nothing to build").doesNotExist();
        assertThat(r.err()).doesNotContain("No such file");
    }

    /**
     * The build the script makes when a source changed must stay in the checkout: it ran `mvnw install`, which also
     * wrote every module into ~/.m2, where it replaced what any other checkout or project had installed there.
     */
    @Test
    void aSourceNewerThanTheJarIsBuiltInTheCheckoutWithoutInstallingIntoTheMavenRepository() throws Exception {
        changedSource("modules/ingest/src/main/java/Changed.java");

        run(javaHome("openjdk version \"17.0.15\" 2025-04-15"), "help");

        assertThat(repo.resolve("mvnw-ran")).exists();
        assertThat(Files.readString(repo.resolve("mvnw-ran"))).contains("package").doesNotContain("install");
    }

    /**
     * A source saved while the build runs may not be in the jar it makes: the next start must build again. The jar was
     * stamped when the build ended, newer than that source, so no start rebuilt it and the change never ran.
     */
    @Test
    void shouldBuildAgainWhenASourceChangedWhileTheBuildRan() throws Exception {
        changedSource("modules/connectors/src/main/java/Changed.java");
        // The build first makes the checkout current (the change it read older than any stamp), then the developer
        // saves the source again while the build still runs.
        executable(repo.resolve("mvnw"), "#!/bin/sh\ndir=\"$(dirname \"$0\")\"\n"
                + "echo run >> \"$dir/mvnw-runs\"\n"
                + "touch -t 200001010000 \"$dir/modules/connectors/src/main/java/Changed.java\"\n"
                + "sleep 1.1\ntouch \"$dir/modules/connectors/src/main/java/Changed.java\"\nsleep 1.1\nexit 0\n");
        Path javaHome = javaHome("openjdk version \"17.0.15\" 2025-04-15");

        run(javaHome, "help");
        assertThat(Files.readAllLines(repo.resolve("mvnw-runs"))).as("the first start builds").hasSize(1);
        run(javaHome, "help");

        assertThat(Files.readAllLines(repo.resolve("mvnw-runs"))).as("the next start builds the saved change")
                .hasSize(2);
    }

    /** A main source of the checkout, saved after the launcher jar was built (the checkout is stale). */
    private void changedSource(String relativePath) throws IOException {
        Path source = repo.resolve(relativePath);
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class Changed {}");
        Files.setLastModifiedTime(source, FileTime.from(Instant.now().plusSeconds(7200)));
    }

    /** A file of the checkout made newer than the launcher jar; returns whether the script then built. */
    private boolean buildsAfterChanging(String relativePath) throws Exception {
        Path changed = repo.resolve(relativePath);
        Files.createDirectories(changed.getParent());
        Files.writeString(changed, "changed");
        Files.setLastModifiedTime(changed, FileTime.from(Instant.now().plusSeconds(7200)));
        Files.deleteIfExists(repo.resolve("mvnw-ran"));

        run(javaHome("openjdk version \"17.0.15\" 2025-04-15"), "help");

        boolean built = Files.exists(repo.resolve("mvnw-ran"));
        Files.delete(changed);
        return built;
    }

    /**
     * Only what goes into the launcher's runtime makes the script build: the poms, the modules' main sources and
     * resources, and the Avro schemas. A changed test or doc cost a full build for nothing.
     */
    @Test
    void onlyAChangeToWhatTheLauncherRunsMakesTheScriptBuild() throws Exception {
        for (String runtime : new String[] {"pom.xml", "modules/streams/pom.xml", "schemas/pom.xml",
            "modules/streams/src/main/java/io/tradepulse/streams/Changed.java",
            "modules/ingest/src/main/resources/demo-data/changed.csv", "schemas/avro/TradeRecord.avsc"}) {
            assertThat(buildsAfterChanging(runtime)).as(runtime).isTrue();
        }
        for (String notRuntime : new String[] {"modules/streams/src/test/java/io/tradepulse/streams/ChangedTest.java",
            "modules/launcher/src/test/resources/app.properties", "modules/registry-client/README.md",
            "schemas/src/test/java/io/tradepulse/avro/ChangedTest.java", "schemas/history/TradeRecord/v9.avsc",
            "docs/operations.md", "README.md", "modules/streams/target/classes/Built.class"}) {
            assertThat(buildsAfterChanging(notRuntime)).as(notRuntime).isFalse();
        }
    }

    /**
     * Two launchers of one checkout that both find it stale: they built into the same target dirs at once, and one
     * failed ("package io.tradepulse.ingest does not exist"). One builds; the other waits, finds the checkout built and
     * starts without building again.
     */
    @Test
    void shouldBuildOnceAndNotAtTheSameTimeWhenTwoLaunchersFindTheCheckoutStale() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")) || Files.isExecutable(Path.of("/bin/flock")),
                "the script locks its build with util-linux's flock, which this system lacks");
        changedSource("modules/ingest/src/main/java/Changed.java");
        // A build that takes a while and leaves the checkout current (its sources older than the jar it touches).
        executable(repo.resolve("mvnw"), "#!/bin/sh\ndir=\"$(dirname \"$0\")\"\n"
                + "[ -e \"$dir/building\" ] && echo overlap >> \"$dir/mvnw-overlap\"\n"
                + "touch \"$dir/building\"\necho run >> \"$dir/mvnw-runs\"\nsleep 3\n"
                + "touch -t 200001010000 \"$dir/modules/ingest/src/main/java/Changed.java\"\n"
                + "rm \"$dir/building\"\nexit 0\n");
        Path javaHome = javaHome("openjdk version \"17.0.15\" 2025-04-15");

        List<CompletableFuture<Result>> launchers = List.of(
                CompletableFuture.supplyAsync(() -> runUnchecked(javaHome)),
                CompletableFuture.supplyAsync(() -> runUnchecked(javaHome)));
        List<String> errs = launchers.stream().map(CompletableFuture::join).map(Result::err).toList();

        assertThat(Files.readAllLines(repo.resolve("mvnw-runs"))).as(String.join("\n", errs)).hasSize(1);
        assertThat(repo.resolve("mvnw-overlap")).as("two builds at once").doesNotExist();
        assertThat(errs).anySatisfy(e -> assertThat(e).contains("Waiting for another tradepulse build"));
    }

    private Result runUnchecked(Path javaHome) {
        try {
            return run(javaHome, "help");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
