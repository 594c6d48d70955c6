package io.tradepulse.launcher;

import java.io.PrintStream;
import java.util.Locale;

/** Prints numbered steps with how long each took, so a user sees where start-up time goes. */
final class Progress {
    private final PrintStream out;
    private final int total;
    private int step;

    Progress(PrintStream out, int total) {
        this.out = out;
        this.total = total;
    }

    interface Step<T> {
        T run() throws Exception;
    }

    /** Runs one step; {@code detail} renders its result for the status line. */
    <T> T step(String label, Step<T> body, java.util.function.Function<T, String> detail) throws Exception {
        step++;
        out.printf(Locale.ROOT, "[%d/%d] %-48s", step, total, label + " ...");
        out.flush();
        long t0 = System.nanoTime();
        try {
            T result = body.run();
            out.printf(Locale.ROOT, " %5.1f s  %s%n", (System.nanoTime() - t0) / 1e9, detail.apply(result));
            return result;
        } catch (Exception e) {
            out.printf(Locale.ROOT, " FAILED after %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, e.getMessage());
            throw e;
        }
    }
}
