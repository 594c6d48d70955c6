package io.tradepulse.launcher;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

/**
 * One in-process run of the command line, as a user would type it, with what it printed on stderr. Preemptive
 * time limit: the tests that use it check options refused before anything starts, and without the check a command
 * starts a broker and a registry and then waits (for a file, or for its --timeout).
 */
record CliRun(int code, String err) {

    static CliRun execute(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            StringWriter err = new StringWriter();
            int code = Main.commandLine().setErr(new PrintWriter(err)).execute(args);
            return new CliRun(code, err.toString());
        });
    }
}
