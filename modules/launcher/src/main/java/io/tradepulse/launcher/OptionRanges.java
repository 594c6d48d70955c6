package io.tradepulse.launcher;

import io.tradepulse.core.TopicCatalog;
import java.time.Duration;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
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

    /** {@code value} may be null: the option was not given and its default applies. */
    static void between(CommandLine cmd, String option, Number value, long min, long max) {
        if (value != null && (value.longValue() < min || value.longValue() > max)) {
            throw new CommandLine.ParameterException(cmd, option + " must be " + min + ".." + max + ": " + value);
        }
    }

    static void percent(CommandLine cmd, String option, double value) {
        if (!(value >= 0 && value <= 100)) { // also refuses NaN
            throw new CommandLine.ParameterException(cmd, option + " must be 0..100 (percent): " + value);
        }
    }

    /**
     * {@code prefix} (null or empty: none) must make valid topic names of every tradepulse topic. Only the broker
     * checked them: `ingest --embedded --topic-prefix "team a/"` started the broker and the registry and then failed
     * creating the topics (exit 1, a stack trace), and `tariffs` and `dlq` failed once connected.
     */
    static void topicPrefix(CommandLine cmd, String option, String prefix) {
        try {
            TopicCatalog.validatePrefix(prefix);
        } catch (InvalidTopicException e) {
            throw new CommandLine.ParameterException(cmd, option + " " + prefix + ": " + e.getMessage());
        }
    }

    /** {@code name} must be a valid Kafka topic name; {@code what} says where it came from. */
    static void topicName(CommandLine cmd, String what, String name) {
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            throw new CommandLine.ParameterException(cmd, what + ": " + e.getMessage());
        }
    }
}
