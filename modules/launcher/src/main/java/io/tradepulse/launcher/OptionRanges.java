package io.tradepulse.launcher;

import java.time.Duration;
import picocli.CommandLine;

/**
 * Range checks of the verbs' durations and counts, made before anything starts. Without them `demo --timeout -PT1S`
 * started the broker and the registry, ingested, and only then failed ("did not catch up within PT-1S"), and
 * `bench --threads 0` loaded its data set and then waited its whole --timeout (30 minutes) for Streams apps that
 * had no thread to process with.
 */
final class OptionRanges {
    private OptionRanges() {
    }

    static void positive(CommandLine cmd, String option, Duration value) {
        if (value.isZero() || value.isNegative()) {
            throw new CommandLine.ParameterException(cmd, option + " must be a positive duration (ISO-8601, e.g. PT2M): "
                    + value);
        }
    }

    /** {@code value} may be null: the option was not given and its default applies. */
    static void atLeast(CommandLine cmd, String option, Number value, long min) {
        if (value != null && value.longValue() < min) {
            throw new CommandLine.ParameterException(cmd, option + " must be at least " + min + ": " + value);
        }
    }

    static void percent(CommandLine cmd, String option, double value) {
        if (!(value >= 0 && value <= 100)) { // also refuses NaN
            throw new CommandLine.ParameterException(cmd, option + " must be 0..100 (percent): " + value);
        }
    }
}
