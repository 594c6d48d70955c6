package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
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
    void leavesAChildWhosePidNowNamesAnotherProcessRunning() throws Exception {
        final Process unrelated = new ProcessBuilder("sleep", "600").start();
        try {
            final Properties note = note(exitedPid(), null, OwnedTempDirs.pidNamespace());
            note.setProperty("child.pid", Long.toString(unrelated.pid()));
            note.setProperty("child.start",
                    Long.toString(unrelated.info().startInstant().orElseThrow().toEpochMilli() - 60_000));
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
}
