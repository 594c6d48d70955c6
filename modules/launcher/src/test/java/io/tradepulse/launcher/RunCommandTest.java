package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Option parsing of {@code tradepulse run} (no broker: nothing is started). */
class RunCommandTest {

    private static RunCommand parse(String... args) {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void shouldCreateTopicsByDefaultAndNotWithNoCreateTopics() {
        assertThat(parse("--config", "app.properties").createTopics).isTrue();
        assertThat(parse("--config", "app.properties", "--create-topics").createTopics).isTrue();
        // picocli inverts a default-true negatable flag unless fallbackValue is set: this once parsed as true
        assertThat(parse("--config", "app.properties", "--no-create-topics").createTopics).isFalse();
    }
}
