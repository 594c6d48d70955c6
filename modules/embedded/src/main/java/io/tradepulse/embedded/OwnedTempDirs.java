package io.tradepulse.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temp dirs of the embedded broker and registry (and of the launcher's verbs), each holding a note of the JVM that
 * made it and of the child process it started there (the registry). {@code close()} and the shutdown hooks remove
 * them; a JVM killed with SIGKILL (kill -9, the OOM killer, a CI timeout) runs neither, and its broker dir (log
 * segments: gigabytes after {@code tradepulse bench}) stayed in the temp dir for good while its Apicurio child
 * (256 MB heap) kept running without a parent, listening on its port. {@link #create} first removes the dirs of JVMs
 * that are gone and stops the children they left.
 *
 * <p>Only dirs named {@code tradepulse-*} that hold the note are touched, and only when its JVM is gone: the pid is
 * not running, or runs a process started at another time (a reused pid). Notes written in another pid namespace
 * (another container sharing the temp dir) are left alone, as their pids mean nothing here.
 */
public final class OwnedTempDirs {
    private static final Logger LOG = LoggerFactory.getLogger(OwnedTempDirs.class);

    static final String OWNER_FILE = ".tradepulse-owner";
    private static final String NAME_PREFIX = "tradepulse-";

    private OwnedTempDirs() {
    }

    /**
     * A new temp dir {@code prefix<random>} (prefix {@code tradepulse-...}) noted as this JVM's, after removing the
     * dirs (and stopping the children) that JVMs which are gone left next to it.
     */
    public static Path create(final String prefix) throws IOException {
        final Path dir = Files.createTempDirectory(prefix);
        final ProcessHandle self = ProcessHandle.current();
        final Properties note = new Properties();
        note.setProperty("owner.pid", Long.toString(self.pid()));
        startMillis(self).ifPresent(t -> note.setProperty("owner.start", Long.toString(t)));
        note.setProperty("pid.namespace", pidNamespace());
        write(dir, note);
        sweep(dir.getParent());
        return dir;
    }

    /** Notes {@code child}, started by this JVM with {@code dir} as its work dir, to be stopped should this JVM die first. */
    static void recordChild(final Path dir, final ProcessHandle child) {
        try {
            final Properties note = read(dir.resolve(OWNER_FILE));
            note.setProperty("child.pid", Long.toString(child.pid()));
            startMillis(child).ifPresent(t -> note.setProperty("child.start", Long.toString(t)));
            write(dir, note);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot note child process {} in {}: {}", child.pid(), dir, e.toString());
        }
    }

    /**
     * Removes the {@code tradepulse-*} dirs in {@code root} whose noting JVM is gone, stopping the child each one
     * notes first (it may still write there). Returns them.
     */
    static List<Path> sweep(final Path root) {
        final List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, NAME_PREFIX + "*")) {
            for (Path dir : dirs) {
                final Path noteFile = dir.resolve(OWNER_FILE);
                if (!Files.isRegularFile(noteFile)) {
                    continue; // not ours, or its maker is still writing the note
                }
                final Properties note;
                try {
                    note = read(noteFile);
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                if (!pidNamespace().equals(note.getProperty("pid.namespace", "")) || isRunning(note, "owner")) {
                    continue;
                }
                if (note.getProperty("child.start") != null && isRunning(note, "child")) {
                    // Only with its start time known: a pid alone may have been reused by an unrelated process.
                    final long child = Long.parseLong(note.getProperty("child.pid"));
                    LOG.warn("Stopping process {} left running by a tradepulse JVM that is gone (pid {})", child,
                            note.getProperty("owner.pid"));
                    ProcessHandle.of(child).ifPresent(OwnedTempDirs::stop);
                }
                LOG.warn("Removing {}, left by a tradepulse JVM that is gone (pid {}: killed, or crashed)", dir,
                        note.getProperty("owner.pid"));
                EmbeddedKafka.deleteRecursively(dir);
                removed.add(dir);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot look for temp dirs left by stopped tradepulse JVMs in {}: {}", root, e.toString());
        }
        return removed;
    }

    /** Whether the process {@code role}.pid noted is running and, where the note has it, started when noted. */
    static boolean isRunning(final Properties note, final String role) {
        final Optional<ProcessHandle> process;
        try {
            process = ProcessHandle.of(Long.parseLong(note.getProperty(role + ".pid", "")));
        } catch (NumberFormatException e) {
            return true; // an unreadable note: leave the dir alone
        }
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        final String noted = note.getProperty(role + ".start");
        final Optional<Long> actual = startMillis(process.get());
        // Start times come from the same clock ticks each time; a second apart is another process under a reused pid.
        return noted == null || actual.isEmpty() || Math.abs(actual.get() - Long.parseLong(noted)) < 1000;
    }

    private static void stop(final ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
        }
    }

    private static Optional<Long> startMillis(final ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli);
    }

    /** This JVM's pid namespace on Linux ({@code pid:[4026531836]}); "" where there is none to read. */
    static String pidNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "";
        }
    }

    private static Properties read(final Path file) throws IOException {
        final Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    /** Written to a temp file and moved into place: a sweeping JVM never reads half a note. */
    private static void write(final Path dir, final Properties note) throws IOException {
        final Path tmp = dir.resolve(OWNER_FILE + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            note.store(out, "the JVM that made this dir; a tradepulse JVM removes the dir once that one is gone");
        }
        Files.move(tmp, dir.resolve(OWNER_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
