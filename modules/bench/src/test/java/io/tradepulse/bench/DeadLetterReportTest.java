package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's dead-letter warning names the Streams phases during which the dead letters were written. */
class DeadLetterReportTest {
    private static final String PASS_THROUGH = "pass-through Streams (EOS v2)";
    private static final String STATEFUL = "stateful pass-through (EOS v2)";
    private static final String PROCESSORS = "tradepulse processors (EOS v2)";
    private static final List<String> ORDER = List.of(PASS_THROUGH, STATEFUL, PROCESSORS);

    @Test
    void shouldNameThePassThroughWhenOnlyItWroteDeadLetters() {
        String warning = BackfillBenchmark.deadLetterWarning(Map.of(PASS_THROUGH, 12L, STATEFUL, 0L, PROCESSORS, 0L),
                ORDER);

        assertThat(warning).contains("WARNING: 12 offsets on trade.dlq", "12 during " + PASS_THROUGH)
                .doesNotContain(PROCESSORS).doesNotContain("processors' rate");
    }

    @Test
    void shouldNameEveryPhaseThatWroteDeadLettersWhenSeveralDid() {
        String warning = BackfillBenchmark.deadLetterWarning(Map.of(PASS_THROUGH, 0L, STATEFUL, 3L, PROCESSORS, 1_500L),
                ORDER);

        assertThat(warning).contains("WARNING: 1,503 offsets on trade.dlq",
                "3 during " + STATEFUL + ", 1,500 during " + PROCESSORS, "those phases").doesNotContain(PASS_THROUGH);
    }

    @Test
    void shouldWarnOfNothingWhenNoPhaseWroteDeadLetters() {
        assertThat(BackfillBenchmark.deadLetterWarning(Map.of(PASS_THROUGH, 0L, STATEFUL, 0L, PROCESSORS, 0L), ORDER))
                .isNull();
    }
}
