package io.tradepulse.connect.runner;

import java.io.PrintWriter;
import java.io.StringWriter;

/** A {@link ConnectorFailedException} as EmbeddedConnect makes it, for the launcher's tests (its constructor is the package's). */
public final class FailedTasks {
    private FailedTasks() {
    }

    /** Task {@code task} of {@code connector} failed with {@code thrown}, its trace recorded as the worker does. */
    public static ConnectorFailedException taskFailed(String connector, int task, Throwable thrown) {
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace, true));
        return new ConnectorFailedException(connector, task, trace.toString());
    }
}
