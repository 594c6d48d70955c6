package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which dirs a start removes: only those noted by a JVM that is gone, in this pid namespace. */
class OwnedTempDirsTest {

    @TempDir
    Path root;

    private Path dir(final String name, final Properties note) throws IOException {
        final Path dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve("data.log"), "x");
        if (note != null) {
            try (OutputStream out = Files.newOutputStream(dir.resolve(OwnedTempDirs.OWNER_FILE))) {
                note.store(out, null);
            }
        }
        return dir;
    }

    private static Properties note(final long pid, final Long start, final String namespace) {
        final Properties p = new Properties();
        p.setProperty("owner.pid", Long.toString(pid));
        if (start != null) {
            p.setProperty("owner.start", Long.toString(start));
        }
        p.setProperty("pid.namespace", namespace);
        return p;
    }

    private static long exitedPid() throws Exception {
        final Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void removesOnlyTheDirsOfJvmsThatAreGone() throws Exception {
        final String ns = OwnedTempDirs.pidNamespace();
        final ProcessHandle self = ProcessHandle.current();
        final long selfStart = self.info().startInstant().orElseThrow().toEpochMilli();

        final Path gone = dir("tradepulse-kafka-1", note(exitedPid(), null, ns));
        final Path reusedPid = dir("tradepulse-kafka-2", note(self.pid(), selfStart - 60_000, ns));
        final Path live = dir("tradepulse-kafka-3", note(self.pid(), selfStart, ns));
        final Path noNote = dir("tradepulse-kafka-4", null);
        final Path otherNamespace = dir("tradepulse-kafka-5", note(exitedPid(), null, "pid:[1]" + ns));
        final Path notOurs = dir("other-kafka-6", note(exitedPid(), null, ns));

        assertThat(OwnedTempDirs.sweep(root)).containsExactlyInAnyOrder(gone, reusedPid);

        assertThat(gone).doesNotExist();
        assertThat(reusedPid).doesNotExist();
        assertThat(live).exists();
        assertThat(noNote).exists();
        assertThat(otherNamespace).exists();
        assertThat(notOurs).exists();
    }

    /** A dir whose maker locked it but could not write its note (disk full), or was killed in between. */
    private Path noteLessLockedDir(final String name, final Duration lockFileAge) throws IOException {
        final Path dir = dir(name, null);
        final Path lockFile = Files.createFile(dir.resolve(OwnedTempDirs.LOCK_FILE));
        Files.setLastModifiedTime(lockFile, FileTime.from(Instant.now().minus(lockFileAge)));
        return dir;
    }

    @Test
    void shouldRemoveADirWithoutItsNoteWhenItsOldLockFileIsHeldByNobody() throws Exception {
        final Duration old = OwnedTempDirs.NOTE_GRACE.plusMinutes(5);
        final Path abandoned = noteLessLockedDir("tradepulse-kafka-7", old);
        final Path fresh = noteLessLockedDir("tradepulse-kafka-8", Duration.ofSeconds(1)); // maker may not lock it yet
        final Path noLockFile = dir("tradepulse-kafka-9", null);
        Files.setLastModifiedTime(noLockFile, FileTime.from(Instant.now().minus(old)));
        final Path notOurs = noteLessLockedDir("other-kafka-10", old);

        assertThat(OwnedTempDirs.sweep(root)).containsExactly(abandoned);

        assertThat(abandoned).doesNotExist();
        assertThat(fresh).exists();
        assertThat(noLockFile).exists();
        assertThat(notOurs).exists();
    }

    /** A dir {@code age} old holding only {@code entries}: what a maker that could make no lock file left. */
    private Path lockLessDir(final String name, final Duration age, final String... entries) throws IOException {
        final Path dir = Files.createDirectories(root.resolve(name));
        for (String entry : entries) {
            Files.createFile(dir.resolve(entry));
        }
        Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minus(age)));
        return dir;
    }

    @Test
    void shouldRemoveADirWithoutNoteOrLockFileWhenItIsOldAndEmpty() throws Exception {
        final Duration old = OwnedTempDirs.NOTE_GRACE.plusMinutes(5);
        // Its maker could create no file at all (no inode left), or was killed right after making the dir.
        final Path empty = lockLessDir("tradepulse-kafka-11", old);
        // Its maker could create the note's temp file but not fill it.
        final Path halfNoted = lockLessDir("tradepulse-kafka-12", old, OwnedTempDirs.OWNER_FILE + ".tmp");
        final Path fresh = lockLessDir("tradepulse-kafka-13", Duration.ofSeconds(1)); // its maker may lock it yet
        final Path withData = lockLessDir("tradepulse-kafka-14", old, "data.log");
        final Path notOurs = lockLessDir("other-kafka-15", old);
        final Path file = Files.createFile(root.resolve("tradepulse-appcds-1.jsa"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(old)));

        assertThat(OwnedTempDirs.sweep(root)).containsExactlyInAnyOrder(empty, halfNoted);

        assertThat(empty).doesNotExist();
        assertThat(halfNoted).doesNotExist();
        assertThat(fresh).exists();
        assertThat(withData.resolve("data.log")).exists();
        assertThat(notOurs).exists();
        assertThat(file).exists();
    }

    @Test
    void stopsTheChildNotedInTheDirOfAJvmThatIsGone() throws Exception {
        final Process child = new ProcessBuilder("sleep", "600").start();
        try {
            final Properties note = note(exitedPid(), null, OwnedTempDirs.pidNamespace());
            note.setProperty("child.pid", Long.toString(child.pid()));
            note.setProperty("child.start", Long.toString(child.info().startInstant().orElseThrow().toEpochMilli()));
            final Path dir = dir("tradepulse-apicurio-1", note);

            OwnedTempDirs.sweep(root);

            assertThat(child.isAlive()).isFalse();
            assertThat(dir).doesNotExist();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void shouldStopTheChildOfAJvmThatIsGoneWhenItsStartLooksOffAfterAClockStep() throws Exception {
        final Path dir = dir("tradepulse-apicurio-4", null);
        // An argument naming its dir, as the registry child's -Djava.io.tmpdir=<dir> does.
        final String marker = dir.resolve("data.log").toString();
        final Process child = new ProcessBuilder("tail", "-f", marker).start();
        try {
            final Properties note = note(exitedPid(), null, OwnedTempDirs.pidNamespace());
            note.setProperty("child.pid", Long.toString(child.pid()));
            // What a JVM started after a 5 s step of the wall clock computes for the child's start.
            note.setProperty("child.start",
                    Long.toString(child.info().startInstant().orElseThrow().toEpochMilli() - 5_000));
            note.setProperty("child.marker", marker);
            try (OutputStream out = Files.newOutputStream(dir.resolve(OwnedTempDirs.OWNER_FILE))) {
                note.store(out, null);
            }

            OwnedTempDirs.sweep(root);

            assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("stopped").isTrue();
            assertThat(dir).doesNotExist();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void leavesAChildWhosePidNowNamesAnotherProcessRunning() throws Exception {
        final Process unrelated = new ProcessBuilder("sleep", "600").start();
        try {
            final Properties note = note(exitedPid(), null, OwnedTempDirs.pidNamespace());
            note.setProperty("child.pid", Long.toString(unrelated.pid()));
            note.setProperty("child.start",
                    Long.toString(unrelated.info().startInstant().orElseThrow().toEpochMilli() - 60_000));
            note.setProperty("child.marker", "-Djava.io.tmpdir=" + root.resolve("tradepulse-apicurio-2"));
            dir("tradepulse-apicurio-2", note);

            OwnedTempDirs.sweep(root);

            assertThat(unrelated.isAlive()).isTrue();
        } finally {
            unrelated.destroyForcibly();
        }
    }

    @Test
    void aNewDirIsNotedAsThisJvms() throws Exception {
        final Path dir = OwnedTempDirs.create("tradepulse-owned-test-");
        try {
            final Properties note = new Properties();
            try (var in = Files.newInputStream(dir.resolve(OwnedTempDirs.OWNER_FILE))) {
                note.load(in);
            }
            assertThat(note.getProperty("owner.pid")).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            assertThat(OwnedTempDirs.isRunning(note, "owner")).isTrue();
        } finally {
            EmbeddedKafka.deleteRecursively(dir);
        }
    }

    @Test
    void shouldRemoveTheNewDirAndSayWhyWhenItsOwnerNoteCannotBeWritten() throws Exception {
        final Path dir = Files.createDirectory(root.resolve("tradepulse-owned-test-1"));

        assertThatThrownBy(() -> OwnedTempDirs.create(dir, (d, note) -> {
            // As a full disk does: the temp file is made, its content cannot be written.
            Files.createFile(d.resolve(OwnedTempDirs.OWNER_FILE + ".tmp"));
            throw new IOException("No space left on device");
        }))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Cannot write the owner note of the new temp dir " + dir)
                .hasMessageContaining("No space left on device")
                .hasMessageContaining("the dir was removed");

        assertThat(dir).doesNotExist();
        assertThat(OwnedTempDirs.ownerLock(dir.resolve(OwnedTempDirs.LOCK_FILE))).as("lock given up")
                .isEqualTo(OwnedTempDirs.OwnerLock.UNKNOWN);
    }

    /** The note of {@code dir} with its owner's start moved by {@code millis}. */
    private static void shiftOwnerStart(final Path dir, final long millis) throws IOException {
        final Path file = dir.resolve(OwnedTempDirs.OWNER_FILE);
        final Properties note = new Properties();
        try (var in = Files.newInputStream(file)) {
            note.load(in);
        }
        note.setProperty("owner.start", Long.toString(Long.parseLong(note.getProperty("owner.start")) + millis));
        try (OutputStream out = Files.newOutputStream(file)) {
            note.store(out, null);
        }
    }

    /**
     * The JDK computes a process's start from the boot time it read once, at its own start, and the boot time moves
     * with each step of the wall clock (NTP after a laptop resumed): a JVM started later sees a live JVM's start a few
     * seconds off what that JVM noted. Its broker dir was then removed under it.
     */
    @Test
    void shouldKeepTheDirOfALiveJvmWhenItsStartLooksOffAfterAClockStep() throws Exception {
        final Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Djava.io.tmpdir=" + root, "-cp", System.getProperty("java.class.path"),
                OwnedDirHolder.class.getName())
                .redirectErrorStream(true)
                .start();
        try {
            final StringBuilder output = new StringBuilder();
            Path dir = null;
            final BufferedReader out = new BufferedReader(
                    new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            while (dir == null) {
                final String line = out.readLine();
                if (line == null) {
                    break;
                }
                output.append(line).append('\n');
                if (line.startsWith(OwnedDirHolder.PREFIX)) {
                    dir = Path.of(line.substring(OwnedDirHolder.PREFIX.length()));
                }
            }
            assertThat(dir).as("holder output:\n%s", output).isNotNull();
            shiftOwnerStart(dir, -5_000); // what this JVM computes once the wall clock was stepped 5 s

            assertThat(OwnedTempDirs.sweep(root)).as("the holder is alive").isEmpty();
            assertThat(dir.resolve(OwnedTempDirs.OWNER_FILE)).exists();

            holder.destroyForcibly(); // SIGKILL: the kernel drops its lock
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(OwnedTempDirs.sweep(root)).as("the holder is gone").containsExactly(dir);
            assertThat(dir).doesNotExist();
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void shouldKeepADirWithoutItsNoteWhileTheJvmThatLockedItIsAlive() throws Exception {
        final Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Djava.io.tmpdir=" + root, "-cp", System.getProperty("java.class.path"),
                OwnedDirHolder.class.getName())
                .redirectErrorStream(true)
                .start();
        try {
            final Path dir = heldDir(holder);
            // As if the holder could not write its note (disk full), long ago.
            Files.delete(dir.resolve(OwnedTempDirs.OWNER_FILE));
            Files.setLastModifiedTime(dir.resolve(OwnedTempDirs.LOCK_FILE),
                    FileTime.from(Instant.now().minus(OwnedTempDirs.NOTE_GRACE.plusMinutes(5))));

            assertThat(OwnedTempDirs.sweep(root)).as("the holder is alive").isEmpty();
            assertThat(dir).exists();

            holder.destroyForcibly(); // SIGKILL: the kernel drops its lock
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(OwnedTempDirs.sweep(root)).as("the holder is gone").containsExactly(dir);
        } finally {
            holder.destroyForcibly();
        }
    }

    /** The dir an {@link OwnedDirHolder} reports it made. */
    private static Path heldDir(final Process holder) throws IOException {
        final StringBuilder output = new StringBuilder();
        final BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            output.append(line).append('\n');
            if (line.startsWith(OwnedDirHolder.PREFIX)) {
                return Path.of(line.substring(OwnedDirHolder.PREFIX.length()));
            }
        }
        throw new AssertionError("holder output:\n" + output);
    }

    @Test
    void shouldKeepADirOfThisJvmWhenItsStartLooksOffAfterAClockStep() throws Exception {
        final Path dir = OwnedTempDirs.create("tradepulse-owned-test-");
        try {
            shiftOwnerStart(dir, -5_000);

            assertThat(OwnedTempDirs.sweep(dir.getParent())).doesNotContain(dir);
            assertThat(dir.resolve(OwnedTempDirs.OWNER_FILE)).exists();
        } finally {
            EmbeddedKafka.deleteRecursively(dir);
        }
    }

    @Test
    void shouldKeepTheCallersInterruptWhenInterruptedWhileStoppingALeftChild() throws Exception {
        // Ignores SIGTERM, so the sweep has to wait for it (up to 10 s) and is interrupted while it does.
        final Process child = new ProcessBuilder("sh", "-c", "trap '' TERM; exec sleep 600").start();
        try {
            Thread.sleep(300); // the trap is set before the sweep's SIGTERM
            final Properties note = note(exitedPid(), null, OwnedTempDirs.pidNamespace());
            note.setProperty("child.pid", Long.toString(child.pid()));
            note.setProperty("child.start", Long.toString(child.info().startInstant().orElseThrow().toEpochMilli()));
            final Path dir = dir("tradepulse-apicurio-3", note);

            Thread.currentThread().interrupt();
            OwnedTempDirs.sweep(root);

            assertThat(Thread.interrupted()).as("still interrupted").isTrue();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("killed instead").isTrue();
            assertThat(dir).doesNotExist();
        } finally {
            Thread.interrupted();
            child.destroyForcibly();
        }
    }
}
