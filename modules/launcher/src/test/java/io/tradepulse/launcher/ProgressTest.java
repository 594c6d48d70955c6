package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ProgressTest {

    /**
     * Ctrl-C while a step runs: the shutdown hook's message goes on a line of its own, and the step's result, printed
     * when the step ends after it, names the step again instead of standing alone below "Stopping ...".
     */
    @Test
    void shouldEndTheStepsLineAndNameTheStepWithItsResultWhenInterruptedDuringAStep() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Progress progress = new Progress(out, 2);

        progress.step("Starting Kafka broker", () -> {
            progress.interrupt("Stopping ..."); // what the shutdown hook does, from its own thread
            return "localhost:9092";
        }, r -> r);

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("[1/2] Starting Kafka broker ...").doesNotContain("Stopping", "localhost");
        assertThat(lines.get(1)).isEqualTo("Stopping ...");
        assertThat(lines.get(2)).startsWith("[1/2] Starting Kafka broker ...").endsWith("s  localhost:9092");
    }

    /**
     * Ctrl-C while the broker started: its step ended late, and the next one still began, "[2/6] Starting schema
     * registry (Apicurio, child JVM) ... stopped after 0.2 s" (ingest's "[5/7] Starting connector" likewise), below
     * "Stopping ...". Once a stop was asked for, no step starts: nothing is run or printed, and the command is stopped.
     */
    @Test
    void shouldStartNoStepWhenAStopWasRequestedBeforeIt() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 2);
        progress.step("Starting Kafka broker", () -> {
            progress.interrupt("Stopping ...");
            return "localhost:9092";
        }, r -> r);
        AtomicBoolean ran = new AtomicBoolean();

        Throwable thrown = catchThrowable(() -> progress.step("Starting schema registry", () -> {
            ran.set(true);
            return "http://localhost:8081";
        }, r -> r));

        assertThat(ran).as("the step's action").isFalse();
        assertThat(thrown).isInstanceOf(StoppedException.class);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("[2/2]", "schema registry");
        StringWriter err = new StringWriter();
        assertThat(Main.failed((Exception) thrown, new CommandLine(new DemoCommand()).setErr(new PrintWriter(err)), null))
                .isEqualTo(130);
        assertThat(err.toString()).as("no 'failed:' line").isEmpty();
    }

    /**
     * Ctrl-C while the registry started: the hook stopped it, the step threw, and the run printed "FAILED after 0.5 s:
     * Apicurio was stopped ...", then "tradepulse demo failed: ..." and a stack trace above the exit code 130 of a
     * clean stop. What the step throws once a stop was requested is a stop: said on its line, and nothing on stderr.
     */
    @Test
    void shouldReportTheStepStoppedAndPrintNoFailureWhenItThrowsAfterCtrlC() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 6);

        Throwable thrown = catchThrowable(() -> progress.<String>step("Starting schema registry (Apicurio, child JVM)", () -> {
            progress.interrupt("Stopping ..."); // the shutdown hook, which then closes the registry being started
            throw new IllegalStateException("Apicurio was stopped before it was ready; exit code 130");
        }, r -> r));
        StringWriter err = new StringWriter();
        int code = Main.failed((Exception) thrown, new CommandLine(new DemoCommand()).setErr(new PrintWriter(err)), null);

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(lines.size() - 1)).startsWith("[1/6] Starting schema registry (Apicurio, child JVM) ...")
                .containsPattern(" stopped after \\d+\\.\\d s$").doesNotContain("FAILED", "Apicurio was stopped");
        assertThat(err.toString()).as("no 'failed:' line, no stack trace").isEmpty();
        assertThat(code).isEqualTo(130);
    }

    /**
     * Ctrl-C at ~1 s of demo: Kafka's metrics class could not add its shutdown hook while the broker started, and its
     * ExceptionInInitializerError (an Error) went past the step to the JVM's "Exception in thread main" stack trace.
     */
    @Test
    void shouldReportTheStepStoppedWhenItThrowsAnErrorAfterCtrlC() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 6);

        Throwable thrown = catchThrowable(() -> progress.<String>step("Starting Kafka broker (KRaft, in-process)", () -> {
            progress.interrupt("Stopping ...");
            throw new ExceptionInInitializerError(new IllegalStateException("Shutdown in progress"));
        }, r -> r));

        assertThat(thrown).isInstanceOf(StoppedException.class).hasCauseInstanceOf(ExceptionInInitializerError.class);
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(lines.size() - 1)).startsWith("[1/6] Starting Kafka broker (KRaft, in-process) ...")
                .containsPattern(" stopped after \\d+\\.\\d s$");
    }

    /**
     * Ctrl-C during "[5/6] Running the processor until caught up": the hook closed the processor, registry and broker,
     * and the JVM exited when it ended, before the step's thread printed " stopped after N s": the line had no end. The
     * hook waits (bounded) for the step to end its line; with no step running it does not wait.
     */
    @Test
    void shouldLetTheHookWaitForTheStepsLineToEndWhenAStepIsCutShort() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 6);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        ExecutorService main = Executors.newSingleThreadExecutor();
        try {
            Future<?> run = main.submit(() -> progress.<String>step("Running the processor until caught up", () -> {
                started.countDown();
                closed.await();
                return "caught up"; // its own ending, late: what the hook waits for
            }, r -> r));
            started.await();

            // The shutdown hook, on this thread: says it stops, closes what the step uses, waits for the step's line.
            progress.interrupt("Stopping ...");
            closed.countDown();
            boolean ended = progress.awaitStepEnded(Duration.ofMinutes(5));

            List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
            assertThat(ended).isTrue();
            assertThat(lines.get(lines.size() - 1)).startsWith("[1/6] Running the processor until caught up ...")
                    .endsWith("s  caught up");
            run.get();
            assertThat(progress.awaitStepEnded(Duration.ZERO)).as("no step runs").isTrue();
        } finally {
            main.shutdownNow();
        }
    }

    /**
     * Ctrl-C at 9 s of demo: "[5/6] Running the processor until caught up ..." waits on the broker's offsets, whose
     * client retries for a minute once the broker is closed, so the step did not end within the hook's wait and the
     * line had no end. The hook ends it, once: the step ending later prints nothing more.
     */
    @Test
    void shouldEndTheStepsLineFromTheHookWhenTheStepOutlastsItsWait() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 6);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        ExecutorService main = Executors.newSingleThreadExecutor();
        try {
            Future<?> run = main.submit(() -> progress.<String>step("Running the processor until caught up", () -> {
                started.countDown();
                released.await();
                throw new IllegalStateException("cannot read offsets: the broker is gone");
            }, r -> r));
            started.await();

            progress.interrupt("Stopping ...");
            boolean ended = progress.awaitStepEnded(Duration.ZERO);

            List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
            assertThat(ended).as("the step still runs").isFalse();
            assertThat(lines).hasSize(3);
            assertThat(lines.get(2)).startsWith("[1/6] Running the processor until caught up ...")
                    .containsPattern(" stopped after \\d+\\.\\d s$");
            released.countDown();
            assertThat(catchThrowable(run::get)).hasCauseInstanceOf(StoppedException.class);
            assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList()).as("ended once").isEqualTo(lines);
        } finally {
            main.shutdownNow();
        }
    }

    @Test
    void shouldStillReportAFailureWhenNoStopWasRequested() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 1);

        Throwable thrown = catchThrowable(() -> progress.<String>step("Creating topics", () -> {
            throw new IllegalStateException("Could not create topics: broken");
        }, r -> r));

        assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessage("Could not create topics: broken");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("FAILED after", "Could not create topics: broken");
    }

    @Test
    void shouldPrintEachStepAndItsResultOnOneLineWhenNotInterrupted() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 1);

        progress.step("Creating topics", () -> "none", r -> r);

        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList()).singleElement().asString()
                .startsWith("[1/1] Creating topics ...").endsWith("s  none");
    }
}
