package io.tradepulse.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
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
 * (another container sharing the temp dir) are left alone, as their pids mean nothing here. A dir without a note
 * (its JVM could not write it, e.g. disk full) is removed only if it has our lock file, over an hour old, that no
 * process holds ({@link #abandonedWithoutNote}), or if it is empty and has not changed for an hour
 * ({@link #removeIfLeftEmpty}).
 *
 * <p>The pid and start time alone cannot prove a JVM alive: the JDK turns a process's start (clock ticks since boot)
 * into epoch millis with the boot time it read once, at its own start, from {@code /proc/stat}, and that boot time
 * moves with every step of the wall clock (NTP or timesyncd correcting the clock after a laptop resumes, a VM
 * migration). A JVM started after such steps computes another start time for a JVM still running, which then looked
 * gone: its live broker dir was deleted under it. So each JVM also holds an exclusive lock on {@value #LOCK_FILE} in
 * its dirs for as long as it lives (the kernel drops it when the process dies, SIGKILL included); a dir whose lock is
 * held is never touched, whatever the note says. The pid check remains for dirs without a lock file (made before
 * 2026-11-30) and file systems without locks.
 */
public final class OwnedTempDirs {
    private static final Logger LOG = LoggerFactory.getLogger(OwnedTempDirs.class);

    static final String OWNER_FILE = ".tradepulse-owner";
    static final String LOCK_FILE = ".tradepulse-lock";
    /**
     * The locks this JVM holds on its dirs' {@value #LOCK_FILE}, by lock file. A lock file held here is never opened
     * a second time: closing any other channel to it would release this JVM's lock (POSIX record locks are per
     * process).
     */
    private static final Map<Path, FileChannel> HELD = new ConcurrentHashMap<>();
    private static final String NAME_PREFIX = "tradepulse-";
    /** How old the lock file of a dir without a note must be before the dir may be removed; see abandonedWithoutNote. */
    static final Duration NOTE_GRACE = Duration.ofHours(1);

    private OwnedTempDirs() {
    }

    /**
     * A new temp dir {@code prefix<random>} (prefix {@code tradepulse-...}) noted as this JVM's, after removing the
     * dirs (and stopping the children) that JVMs which are gone left next to it.
     */
    public static Path create(final String prefix) throws IOException {
        return create(Files.createTempDirectory(prefix), OwnedTempDirs::write);
    }

    /** Writes a dir's owner note; a parameter only so a test can make it fail as a full disk does. */
    @FunctionalInterface
    interface NoteWriter {
        void write(Path dir, Properties note) throws IOException;
    }

    /** Notes the new, still empty {@code dir} as this JVM's with {@code noteWriter}, then sweeps next to it. */
    static Path create(final Path dir, final NoteWriter noteWriter) throws IOException {
        releaseLocksOfRemovedDirs();
        // Before the note: a sweeper looks at a dir only once it has its note, and by then the lock is held.
        lock(dir);
        final ProcessHandle self = ProcessHandle.current();
        final Properties note = new Properties();
        note.setProperty("owner.pid", Long.toString(self.pid()));
        startMillis(self).ifPresent(t -> note.setProperty("owner.start", Long.toString(t)));
        note.setProperty("pid.namespace", pidNamespace());
        try {
            noteWriter.write(dir, note);
        } catch (IOException | RuntimeException e) {
            // Nothing else knows this dir and nobody would remove it: a sweep can tell it abandoned only from its lock
            // file, an hour after this JVM is gone, and never if the lock file could not be made either.
            EmbeddedKafka.deleteRecursively(dir);
            throw new IOException("Cannot write the owner note of the new temp dir " + dir + " (disk full?): " + e
                    + (Files.exists(dir) ? "; the dir could not be removed either" : "; the dir was removed"), e);
        }
        sweep(dir.getParent());
        return dir;
    }

    /**
     * Notes {@code child}, started by this JVM with {@code dir} as its work dir, to be stopped should this JVM die
     * first. {@code marker} is an argument of its command line that no other process has (one naming {@code dir}).
     */
    static void recordChild(final Path dir, final ProcessHandle child, final String marker) {
        try {
            final Properties note = read(dir.resolve(OWNER_FILE));
            note.setProperty("child.pid", Long.toString(child.pid()));
            startMillis(child).ifPresent(t -> note.setProperty("child.start", Long.toString(t)));
            note.setProperty("child.marker", marker);
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
                    // Not ours, or its maker is still writing the note; or it never could (disk full) and is gone.
                    if (abandonedWithoutNote(dir)) {
                        LOG.warn("Removing {}, left without its owner note by a tradepulse JVM that is gone", dir);
                        EmbeddedKafka.deleteRecursively(dir);
                        removed.add(dir);
                    } else if (removeIfLeftEmpty(dir)) {
                        removed.add(dir);
                    }
                    continue;
                }
                final Properties note;
                try {
                    note = read(noteFile);
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                if (!pidNamespace().equals(note.getProperty("pid.namespace", ""))) {
                    continue;
                }
                if (notedByThisJvm(note)) {
                    // Not even probed: closing the probe's channel would drop this JVM's own lock (POSIX locks
                    // are per process), should another copy of this class (another class loader) hold it.
                    continue;
                }
                final OwnerLock owner = ownerLock(dir.resolve(LOCK_FILE));
                if (owner == OwnerLock.HELD || owner == OwnerLock.UNKNOWN && isRunning(note, "owner")) {
                    continue;
                }
                if (childRunning(note)) {
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

    /**
     * Whether a dir without a note was made by a JVM that is gone. {@link #create} locks the dir before it writes the
     * note; a JVM that could not write it (disk full: create() fails, and nothing else knows the dir) or was killed in
     * between left a dir no sweep ever removed. Such a dir is provably ours only by our lock file, and abandoned only
     * if nobody holds that lock. The lock file must also be older than {@link #NOTE_GRACE}: between creating it and
     * locking it its maker does not hold it yet, and a probe then must not even open it (closing the probe would drop
     * a lock another copy of this class in the same JVM just took). No lock file (a dir made before lock files, a file
     * system without locks, or not ours): left alone, as before.
     */
    static boolean abandonedWithoutNote(final Path dir) {
        final Path lockFile = dir.resolve(LOCK_FILE);
        try {
            if (!Files.isRegularFile(lockFile)
                    || Files.getLastModifiedTime(lockFile).toInstant().isAfter(Instant.now().minus(NOTE_GRACE))) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        return ownerLock(lockFile) == OwnerLock.RELEASED;
    }

    /**
     * Removes a dir left with neither note nor lock file: its maker could create neither (no inode left, a quota) or was
     * killed right after making the dir. {@link #lock} deletes a lock file it cannot lock and makes none it cannot
     * create, so {@link #abandonedWithoutNote} never knew such a dir as ours, and it stayed for good. Nothing proves
     * whose it is, so it is removed only if it holds nothing (or only our half-written note) and has not changed for
     * {@link #NOTE_GRACE}: a JVM that makes a dir locks it or notes it at once, and one that cannot write the note
     * removes it ({@link #create}). Deleted entry by entry, never recursively: a dir that gains an entry meanwhile
     * cannot be deleted and is left alone.
     */
    static boolean removeIfLeftEmpty(final Path dir) {
        final Path tmpNote = dir.resolve(OWNER_FILE + ".tmp");
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    || Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toInstant()
                            .isAfter(Instant.now().minus(NOTE_GRACE))) {
                return false;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    if (!entry.equals(tmpNote) || !Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                        return false;
                    }
                }
            }
            Files.deleteIfExists(tmpNote);
            Files.delete(dir);
        } catch (IOException | RuntimeException e) {
            return false;
        }
        LOG.warn("Removed {}, left empty without its owner note or lock file by a tradepulse JVM", dir);
        return true;
    }

    /**
     * Whether the child noted is still running. A pid alone may have been reused by an unrelated process, so the
     * process must also be the one noted: its command line has the noted marker, or (a note without one, a command line
     * that cannot be read) it started when noted. The start time alone missed a child still running once the wall
     * clock had been stepped (see the class comment: a JVM started after the step computes another start for it), and
     * a killed JVM's registry child then ran on for good.
     */
    static boolean childRunning(final Properties note) {
        final String marker = note.getProperty("child.marker");
        if (marker != null) {
            try {
                final Optional<ProcessHandle> child = ProcessHandle.of(Long.parseLong(note.getProperty("child.pid", "")));
                if (child.isPresent() && child.get().isAlive()
                        && child.get().info().arguments().map(args -> List.of(args).contains(marker)).orElse(false)) {
                    return true;
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return note.getProperty("child.start") != null && isRunning(note, "child");
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

    /** Whether the note names this very JVM: its pid, and the start it notes itself (same boot time, same value). */
    private static boolean notedByThisJvm(final Properties note) {
        final ProcessHandle self = ProcessHandle.current();
        if (!Long.toString(self.pid()).equals(note.getProperty("owner.pid"))) {
            return false;
        }
        final String noted = note.getProperty("owner.start");
        return noted == null || startMillis(self).map(t -> Long.toString(t).equals(noted)).orElse(true);
    }

    /** What the lock file of a dir says of the JVM that made it. */
    enum OwnerLock {
        /** Locked: its JVM is alive. */
        HELD,
        /** Lockable: its JVM is gone (the kernel released the lock when it died). */
        RELEASED,
        /** No lock file (an older dir), or a file system without locks: only the note's pid can tell. */
        UNKNOWN
    }

    /** Whether the JVM that locked {@code lockFile} still holds it; never opens a lock file this JVM holds. */
    static OwnerLock ownerLock(final Path lockFile) {
        if (HELD.containsKey(lockFile.toAbsolutePath())) {
            return OwnerLock.HELD;
        }
        if (!Files.isRegularFile(lockFile)) {
            return OwnerLock.UNKNOWN;
        }
        // Closing the channel releases the probe's lock at once: the dir is gone or left alone right after.
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            final FileLock probe = channel.tryLock();
            return probe == null ? OwnerLock.HELD : OwnerLock.RELEASED;
        } catch (OverlappingFileLockException heldHere) {
            return OwnerLock.HELD;
        } catch (IOException | UnsupportedOperationException e) {
            return OwnerLock.UNKNOWN;
        }
    }

    /** Locks {@code dir}'s lock file for the life of this JVM, or until the dir is removed. */
    private static void lock(final Path dir) {
        final Path lockFile = dir.resolve(LOCK_FILE).toAbsolutePath();
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            if (channel.tryLock() != null) {
                HELD.put(lockFile, channel);
                return;
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Cannot lock {}: {}; other JVMs tell whether this one runs by its pid alone", lockFile, e.toString());
        }
        closeQuietly(channel);
        try {
            // A lock file nobody holds would say this JVM is gone.
            Files.deleteIfExists(lockFile);
        } catch (IOException ignored) {
            // then the pid check of the note decides, as before lock files
        }
    }

    /**
     * Gives up this JVM's lock on {@code dir}, which is about to be deleted: a file held open cannot be deleted on
     * Windows. A no-op for a dir this JVM did not make.
     */
    static void release(final Path dir) {
        closeQuietly(HELD.remove(dir.resolve(LOCK_FILE).toAbsolutePath()));
    }

    /** Closes the locks of dirs that are gone (closed brokers and registries), so the file descriptors do not pile up. */
    private static void releaseLocksOfRemovedDirs() {
        HELD.entrySet().removeIf(held -> {
            if (Files.exists(held.getKey())) {
                return false;
            }
            closeQuietly(held.getValue());
            return true;
        });
    }

    private static void closeQuietly(final FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the descriptor goes with the JVM anyway
            }
        }
    }

    private static void stop(final ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            // The caller's start is being cancelled: it must still see that once the sweep returns.
            Thread.currentThread().interrupt();
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
