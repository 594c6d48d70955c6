package io.tradepulse.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;

/**
 * What a verb started, closed in reverse start order (processor before registry before broker), once, from
 * the normal path or the Ctrl-C shutdown hook, whichever comes first. A failure to close one resource is
 * reported and does not keep the others open.
 */
final class Resources implements AutoCloseable {
    private final Deque<AutoCloseable> stack = new ArrayDeque<>();

    /** Registers {@code resource} to be closed before everything registered earlier. */
    synchronized <T extends AutoCloseable> T keep(T resource) {
        stack.push(resource);
        return resource;
    }

    /** Deletes {@code dir} after everything else was closed (e.g. temp files a closing worker still writes). */
    synchronized void deleteLast(Path dir) {
        stack.addLast(() -> deleteRecursively(dir));
    }

    @Override
    public synchronized void close() {
        while (!stack.isEmpty()) {
            try {
                stack.pop().close();
            } catch (Exception e) {
                System.err.println("while stopping: " + e);
            }
        }
    }

    /**
     * Removes a verb's shutdown hook on its normal or failing path. Once the JVM is shutting down (Ctrl-C while the
     * verb failed or finished) the JDK refuses with "Shutdown in progress": the hook then runs anyway, and that
     * exception must not replace the verb's own error.
     */
    static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running or about to: it closes what this verb started
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
