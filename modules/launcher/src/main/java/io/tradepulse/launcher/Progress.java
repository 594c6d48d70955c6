package io.tradepulse.launcher;

import java.io.PrintStream;
import java.util.Locale;

/** Prints numbered steps with how long each took, so a user sees where start-up time goes. */
final class Progress {
    private final PrintStream out;
    private final int total;
    private int step;
    /** A step's line is printed up to its label, its result not yet: guarded by this. */
    private boolean lineOpen;
    /** Set by {@link #interrupt} (the shutdown hook), read by the step's thread. */
    private volatile boolean stopRequested;
    /** A step's body runs or its line is not yet ended: guarded by this, waited for by {@link #awaitStepEnded}. */
    private boolean stepRunning;
    /** The running step's header and start (System.nanoTime), for a hook that ends its line: guarded by this. */
    private String runningHeader;
    private long runningSince;
    /** The running step's line was ended by {@link #awaitStepEnded} ("stopped after"): guarded by this. */
    private boolean endedByStop;
    /** The thread running the step's body, for {@link #interruptRunningStep}: guarded by this. */
    private Thread runningThread;

    Progress(PrintStream out, int total) {
        this.out = out;
        this.total = total;
    }

    interface Step<T> {
        T run() throws Exception;
    }

    /** Runs one step; {@code detail} renders its result for the status line. */
    <T> T step(String label, Step<T> body, java.util.function.Function<T, String> detail) throws Exception {
        String header;
        synchronized (this) {
            if (stopRequested) {
                // The shutdown hook closed (or is closing) what the command started: a step begun now started the
                // registry's child JVM or the connector after "Stopping ...", only for the hook to miss it.
                throw new StoppedException("before: " + label);
            }
            stepRunning = true;
            step++;
            header = String.format(Locale.ROOT, "[%d/%d] %-48s", step, total, label + " ...");
            out.print(header);
            out.flush();
            lineOpen = true;
            runningHeader = header;
            runningSince = System.nanoTime();
            endedByStop = false;
            runningThread = Thread.currentThread();
        }
        long t0 = runningSince;
        try {
            T result = body.run();
            finish(header, String.format(Locale.ROOT, " %5.1f s  %s", (System.nanoTime() - t0) / 1e9, detail.apply(result)));
            return result;
        } catch (Exception | Error e) {
            // Errors too: Ctrl-C during the broker's start failed a class initializer of Kafka's (its shutdown hook
            // refused, "Shutdown in progress"), and the ExceptionInInitializerError left the step's line open and
            // reached the JVM's "Exception in thread main" with a 30-line stack trace.
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (stopRequested) {
                // The shutdown hook closed what the step was using: it was cut short, it did not fail ("FAILED after
                // 0.5 s: Apicurio was stopped ..." above an exit code 130 of a clean stop).
                finish(header, String.format(Locale.ROOT, " stopped after %.1f s", seconds));
                if (e instanceof StoppedException stopped) {
                    throw stopped;
                }
                throw new StoppedException(e);
            }
            finish(header, String.format(Locale.ROOT, " FAILED after %.1f s: %s", seconds, failure(e)));
            throw e;
        } finally {
            synchronized (this) {
                stepRunning = false;
                runningThread = null;
                notifyAll();
            }
        }
    }

    /**
     * What a step's line says of its failure, on one line: the message, but for a failed connector or task, whose
     * message is the worker's whole trace (some 60 stack frames on stdout), the messages of what it threw and its causes.
     */
    static String failure(Throwable e) {
        if (e instanceof io.tradepulse.connect.runner.ConnectorFailedException failed) {
            return ConnectorFailures.oneLine(failed);
        }
        // A message on several lines (Connect's list of a connector's invalid settings) ended the step's line at its
        // first line break, the rest standing alone below it.
        return e.getMessage() == null ? String.valueOf(e) : ConnectorFailures.collapse(e.getMessage());
    }

    /**
     * How long a shutdown hook waits, once it closed what the command started, for the step's thread to end its line:
     * a step ends within a second or two of what it used being closed; bounded, as a step still waiting on something
     * (a network call) must not hold the exit up.
     */
    static final java.time.Duration STEP_END_GRACE = java.time.Duration.ofSeconds(5);

    /**
     * Waits, at most {@code max}, for the step running on another thread to end its line: for the shutdown hook, once
     * it closed what the step used. The JVM exits as soon as the hooks end, and it did before the step's thread printed
     * " stopped after N s", leaving the line without its end. A step still running after {@code max} (waiting on a
     * broker that is gone: its client retries for a minute) gets its line ended here, with " stopped after N s".
     *
     * @return whether no step is running (false: still running after {@code max}, or this thread was interrupted)
     */
    synchronized boolean awaitStepEnded(java.time.Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (stepRunning) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                endRunningStep();
                return false;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                endRunningStep();
                return false;
            }
        }
        return true;
    }

    /**
     * Interrupts the thread of the step that runs, if one does: for a shutdown hook, once it closed what the step used,
     * before it waits for the step to end ({@link #awaitStepEnded}). The demo's processor step waited on an admin call
     * to the broker the hook had just closed, which its client retries for a minute: the hook's whole grace went by
     * (Ctrl-C took some 7 s) before the step's line was ended for it. Not part of {@link #interrupt}: a hook whose
     * steps must end their own way (ingest's worker, committing its final offsets) does not call it.
     */
    synchronized void interruptRunningStep() {
        if (stepRunning && runningThread != null && runningThread != Thread.currentThread()) {
            runningThread.interrupt();
        }
    }

    private synchronized void endRunningStep() {
        if (endedByStop) {
            return;
        }
        if (!lineOpen) {
            out.print(runningHeader);
        }
        out.println(String.format(Locale.ROOT, " stopped after %.1f s", (System.nanoTime() - runningSince) / 1e9));
        out.flush();
        lineOpen = false;
        endedByStop = true;
    }

    /** Whether the user asked to stop ({@link #interrupt} was called): what fails from then on was cut short by it. */
    boolean stopRequested() {
        return stopRequested;
    }

    private synchronized void finish(String header, String result) {
        if (endedByStop) {
            // The hook gave up waiting and ended this step's line itself: a second ending would stand alone.
            return;
        }
        if (!lineOpen) {
            // The line was ended meanwhile (Ctrl-C's "Stopping ..." is below it): the result on a line of its own
            // would say neither which step it is nor that it is one.
            out.print(header);
        }
        out.println(result);
        out.flush();
        lineOpen = false;
    }

    /**
     * Prints {@code message} on a line of its own, after an empty one (the terminal's "^C" is on the line before):
     * from a shutdown hook, while a step may be running on another thread. The hooks printed it with their own
     * println, unsynchronized with the step: the step's result could come between the two, or after the message, on a
     * line that named no step.
     */
    synchronized void interrupt(String message) {
        stopRequested = true;
        lineOpen = false;
        out.println();
        out.println(message);
        out.flush();
    }
}
