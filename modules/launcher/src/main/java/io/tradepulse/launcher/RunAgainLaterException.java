package io.tradepulse.launcher;

/**
 * A run that stopped because the source cannot be read now, and will be later: a one-shot {@code ingest} whose source
 * ran out of its call quota, or whose server asked (Retry-After) not to be called for longer than http.backoff.max.ms.
 * A failure while running (exit 1, {@link Main#failed}) like any other, but nothing to
 * debug: the message says what happened and when to run again, on one line, without a stack trace.
 */
final class RunAgainLaterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RunAgainLaterException(String message, Throwable cause) {
        super(message, cause);
    }
}
