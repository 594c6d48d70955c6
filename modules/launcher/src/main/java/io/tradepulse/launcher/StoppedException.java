package io.tradepulse.launcher;

/**
 * A command cut short by the stop the user asked for (Ctrl-C, SIGTERM): the shutdown hook closed what a step was using,
 * and the step ended with whatever that made it throw. No failure: the exit code is the signal's (130/143, "after a
 * clean shutdown"), and {@link Main#failed} prints nothing for it (it printed "tradepulse demo failed: ..." and the
 * stack trace of, say, the registry being stopped).
 */
final class StoppedException extends RuntimeException {
    StoppedException(Throwable cutShort) {
        super("stopped (Ctrl-C or SIGTERM): " + cutShort.getMessage(), cutShort);
    }

    /** A step not started: the stop was asked for before it. */
    StoppedException(String what) {
        super("stopped (Ctrl-C or SIGTERM) " + what);
    }
}
