package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tradepulse demo}'s stop after its start-up, without a broker (the start-up is replaced). */
class DemoCommandTest {

    /**
     * Ctrl-C once the last start-up step had ended, before the dashboard served: the hook closed everything, the
     * dashboard's start threw Resources' "Stopped (Ctrl-C or SIGTERM) while starting", and the run printed "tradepulse
     * demo failed: Stopped ..." and a stack trace (exit 1) instead of the quiet stop of the steps.
     */
    @Test
    void shouldStopQuietlyWithExitCode130WhenCtrlCComesBetweenTheStartUpAndTheDashboard() {
        DemoCommand demo = new DemoCommand();
        AtomicBoolean started = new AtomicBoolean();
        demo.startUp = () -> started.set(true);
        demo.dashboard = () -> {
            // What the shutdown hook does first; the real dashboard then keeps its results view in the closed resources.
            demo.progress.interrupt("Stopping ...");
            demo.resources.close();
            demo.resources.keep(() -> { });
            throw new AssertionError("Resources kept something after close");
        };
        StringWriter err = new StringWriter();

        int code = new CommandLine(demo).setExecutionExceptionHandler(Main::failed).setErr(new PrintWriter(err))
                .execute("--port", "0");

        assertThat(started).as("the replaced start-up ran").isTrue();
        assertThat(err.toString()).as("no 'failed:' line, no stack trace").isEmpty();
        assertThat(code).isEqualTo(130);
    }
}
