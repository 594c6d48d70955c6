package io.tradepulse.launcher;

/**
 * A one-shot {@code ingest} that had not delivered everything (or caught up) when its --timeout ran out: a failure
 * while running (exit 1, {@link Main#failed}) with nothing of tradepulse's to debug. The message says what was still
 * pending and how to see more, on one line, without a stack trace (it was the launcher's own, and pointed to a log
 * that a one-shot run keeps quiet).
 */
final class NotDoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotDoneException(String message) {
        super(message);
    }
}
