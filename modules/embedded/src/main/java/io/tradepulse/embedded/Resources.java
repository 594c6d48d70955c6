package io.tradepulse.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What a command started (broker, registry, processor, temp dirs), closed in reverse start order (processor before
 * registry before broker), once, from the normal path or the Ctrl-C shutdown hook, whichever comes first. A failure
 * to close one resource is reported and does not keep the others open. Used by the launcher's verbs and by
 * {@code tradepulse bench}'s benchmark.
 *
 * <p>A resource that takes seconds to start (the broker formats and starts a KRaft node in a temp dir) is started
 * through {@link #start}: a Ctrl-C meanwhile makes {@link #close()} wait for that start (at most the grace given
 * to the constructor) and close what it returns, where registering it only once started would leave it, and its
 * temp dir, behind. Anything started or kept after close() is closed at once, and the caller stopped with an
 * {@link IllegalStateException}.
 */
public final class Resources implements AutoCloseable {
    /**
     * How long close() waits for a start in progress: a normal start takes seconds. One still running then (the
     * broker's own bound is 3 min, server.max.startup.time.ms, plus 60 s to be ready) is abandoned: closed when it
     * ends, or, when the JVM exits first (Ctrl-C), its temp dir is swept by a later start (OwnedTempDirs).
     */
    static final Duration DEFAULT_START_GRACE = Duration.ofSeconds(90);

    private final Deque<AutoCloseable> stack = new ArrayDeque<>();
    /** Counted down when close() begins: a kept registry's own shutdown hook waits for it (see {@link #push}). */
    private final CountDownLatch closeBegun = new CountDownLatch(1);
    private final Duration startGrace;
    private int starting;
    private boolean closing;
    private boolean closed;

    public Resources() {
        this(DEFAULT_START_GRACE);
    }

    /** @param startGrace how long {@link #close()} waits for starts in progress */
    public Resources(Duration startGrace) {
        this.startGrace = startGrace;
    }

    /**
     * Registers {@code resource} to be closed before everything registered earlier. After {@link #close()} it is
     * closed at once and this throws: the command is being stopped.
     */
    public <T extends AutoCloseable> T keep(T resource) {
        synchronized (this) {
            if (!closed) {
                push(resource);
                return resource;
            }
        }
        closeQuietly(resource);
        throw stopped();
    }

    /**
     * Starts a resource and {@link #keep keeps} it. Should {@link #close()} run meanwhile (Ctrl-C), it waits for this
     * start and closes the result with the rest; once close() has begun no new start is made.
     */
    public <T extends AutoCloseable> T start(Callable<T> starter) throws Exception {
        synchronized (this) {
            if (closing) {
                throw stopped();
            }
            starting++;
        }
        T resource;
        try {
            resource = starter.call();
        } catch (Exception | Error e) {
            finishedStarting();
            throw e;
        }
        synchronized (this) {
            // One step with the count: a close() waiting for this start must find the resource on the stack.
            finishedStarting();
            if (!closed) {
                push(resource);
                return resource;
            }
        }
        closeQuietly(resource); // close() gave up waiting for this start
        throw stopped();
    }

    /**
     * Deletes {@code dir} after everything else was closed (e.g. temp files a closing worker still writes). After
     * {@link #close()} it is deleted at once and this throws, as {@link #keep} does: added to a stack nobody closes any
     * more, a dir made while Ctrl-C stopped the command (ingest --embedded's offsets) stayed behind.
     */
    public void deleteLast(Path dir) {
        synchronized (this) {
            if (!closed) {
                stack.addLast(() -> deleteRecursively(dir));
                return;
            }
        }
        closeQuietly(() -> deleteRecursively(dir));
        throw stopped();
    }

    /**
     * Keeps {@code resource} on the stack. A registry kept here is told so: on Ctrl-C its own shutdown hook, which the
     * JDK runs at the same moment as the caller's, then leaves its child to this close(), after what uses it.
     */
    private void push(final AutoCloseable resource) {
        if (resource instanceof EmbeddedRegistry registry) {
            registry.keptBy(this);
        }
        stack.push(resource);
    }

    /** Whether {@link #close()} began within {@code timeout}. */
    boolean awaitCloseBegun(final Duration timeout) throws InterruptedException {
        return closeBegun.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes everything kept, newest first, after waiting (at most the start grace) for starts in progress. */
    @Override
    public synchronized void close() {
        closing = true;
        closeBegun.countDown();
        long deadline = System.nanoTime() + startGrace.toNanos();
        while (starting > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                System.err.println("while stopping: gave up waiting " + startGrace + " for " + starting
                        + " start(s) in progress");
                break;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        while (!stack.isEmpty()) {
            closeQuietly(stack.pop());
        }
        closed = true;
    }

    private synchronized void finishedStarting() {
        starting--;
        notifyAll();
    }

    private static IllegalStateException stopped() {
        return new IllegalStateException("Stopped (Ctrl-C or SIGTERM) while starting");
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            System.err.println("while stopping: " + e);
        }
    }

    /**
     * Removes a command's shutdown hook on its normal or failing path. Once the JVM is shutting down (Ctrl-C while the
     * command failed or finished) the JDK refuses with "Shutdown in progress": the hook then runs anyway, and that
     * exception must not replace the command's own error.
     */
    public static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running or about to: it closes what this command started
        }
    }

    public static void deleteRecursively(Path dir) throws IOException {
        OwnedTempDirs.release(dir);
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
