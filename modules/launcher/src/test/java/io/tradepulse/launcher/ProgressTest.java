package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

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
        progress.step("Creating topics", () -> "none", r -> r);

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("[1/2] Starting Kafka broker ...").doesNotContain("Stopping", "localhost");
        assertThat(lines.get(1)).isEqualTo("Stopping ...");
        assertThat(lines.get(2)).startsWith("[1/2] Starting Kafka broker ...").endsWith("s  localhost:9092");
        assertThat(lines.get(3)).startsWith("[2/2] Creating topics ...").endsWith("s  none");
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
