package io.tradepulse.launcher;

/**
 * An {@code ingest} that published what it read but whose worker could not write the resume point to the offsets
 * file (disk full, an unwritable directory): a failure while running (exit 1, {@link Main#failed}), on one line
 * saying what the next run will send again, without a stack trace (Connect's own error is in the log).
 */
final class ResumePointNotSavedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ResumePointNotSavedException(String message) {
        super(message);
    }
}
