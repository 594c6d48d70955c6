package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
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

    /**
     * demo --exit-when-done stops once it printed the results and serves no dashboard: a --port or --http-cors-origins
     * given with it was taken and silently not used. Refused before anything starts (the start-up is never run).
     */
    @Test
    void shouldRefuseAPortOrCorsOriginsGivenWithExitWhenDoneBeforeAnythingStarts() {
        for (String[] options : new String[][] {{"--port", "8080"}, {"--http-cors-origins", "https://bi.example.com"},
                {"--port", "0", "--http-cors-origins", "*"}}) {
            DemoCommand demo = new DemoCommand();
            AtomicBoolean started = new AtomicBoolean();
            demo.startUp = () -> started.set(true);
            StringWriter err = new StringWriter();
            String[] args = new String[options.length + 1];
            args[0] = "--exit-when-done";
            System.arraycopy(options, 0, args, 1, options.length);

            int code = new CommandLine(demo).setExecutionExceptionHandler(Main::failed).setErr(new PrintWriter(err))
                    .execute(args);

            String given = options.length == 2 ? options[0] + " is" : "--port and --http-cors-origins are";
            assertThat(code).as(err.toString()).isEqualTo(2);
            assertThat(err.toString().lines().findFirst().orElseThrow()).isEqualTo(given + " not used with"
                    + " --exit-when-done (no dashboard is served); drop " + (options.length == 2 ? "it" : "them")
                    + " or drop --exit-when-done to serve the dashboard");
            assertThat(started).as("the start-up (broker, registry, ...) did not run").isFalse();
        }
    }

    /** Only options given count: --port's default (8080) is no reason to refuse --exit-when-done. */
    @Test
    void shouldStartWithExitWhenDoneWhenThePortAndCorsOriginsAreTheirDefaults() {
        DemoCommand demo = new DemoCommand();
        AtomicBoolean started = new AtomicBoolean();
        demo.startUp = () -> started.set(true);
        StringWriter err = new StringWriter();

        int code = new CommandLine(demo).setExecutionExceptionHandler(Main::failed).setErr(new PrintWriter(err))
                .execute("--exit-when-done");

        assertThat(code).as(err.toString()).isZero();
        assertThat(started).as("the replaced start-up ran").isTrue();
    }

    /**
     * Ctrl-C while the processor step waited for the processor to catch up: the hook closed the broker, and the step's
     * thread stayed in an admin call to it (retried by the client for a minute) until the hook's grace of 5 s was over;
     * the demo took some 7 s to stop. The hook now interrupts the step, which ends at once, quietly ("stopped after").
     */
    @Test
    void shouldEndTheProcessorStepWithinTwoSecondsWhenStoppedWhileItWaitsOnABrokerThatIsGone() throws Exception {
        // The broker the hook closed: nothing listens on its port any more.
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + PipelineTest.closedPort());
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        DemoCommand demo;
        try {
            demo = new DemoCommand(); // its steps print on the System.out of its creation
        } finally {
            System.setOut(originalOut);
        }
        CompletableFuture<Void> waiting = new CompletableFuture<>();
        CompletableFuture<Throwable> stepEnded = CompletableFuture.supplyAsync(() -> {
            try {
                demo.progress.step("Running the processor until caught up", () -> {
                    waiting.complete(null);
                    Pipeline.awaitCaughtUp(client, "tradepulse-processor", "trade.records", Duration.ofMinutes(2),
                            "trade.changes");
                    return "caught up";
                }, r -> r);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        waiting.get(10, TimeUnit.SECONDS);
        Thread.sleep(500); // in the admin call by now

        long started = System.nanoTime();
        demo.stop(); // what the shutdown hook runs
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).as("the hook, waiting for the step to end its line").isLessThan(Duration.ofSeconds(2));
        assertThat(stepEnded.get(1, TimeUnit.SECONDS)).as("what the step threw: a stop, exit 130, no failure")
                .isInstanceOf(StoppedException.class);
        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines().toList()).as(printed).hasSize(3);
        assertThat(printed.lines().toList().get(1)).isEqualTo("Stopping ...");
        assertThat(printed.lines().toList().get(2)).startsWith("[1/6] Running the processor until caught up ...")
                .contains(" stopped after ");
    }
}
