package io.tradepulse.launcher;

import java.util.List;

/**
 * {@code tradepulse dlq --replay} (or its dry run) found, once connected and before anything was sent, dead letters it
 * cannot send where they belong: a target topic that does not exist or that the principal may not Describe, an origin
 * partition the topic no longer has (recreated with fewer partitions), a key that names no series for a replay to
 * trade.records, or no key schema of trade.records in the registry to choose the series' partition with (and
 * auto.register.schemas=false). Running the same command again cannot help: the user's to fix like a bad option (exit 2,
 * {@link Main#failed}). Sending would have waited {@code max.block.ms} (60 s) for the partition or topic to appear and
 * then failed with exit 1, naming neither the dead letter nor the fix.
 */
final class ReplayRefusedException extends RuntimeException {
    /**
     * The dead letters named one per line, at most: the others are counted. A --to-topic typo in a replay of the
     * hundreds of thousands of dead letters a wrong value limit writes named every one of them, and the lines were
     * joined by repeated concatenation, in time quadratic in their number: the refusal, meant to come at once, took
     * hours, and would then have printed megabytes of the same cause.
     */
    static final int LISTED = 100;

    /** @param problems one line per dead letter: where it is on trade.dlq, where it would go, and why it cannot */
    ReplayRefusedException(int replayable, List<String> problems) {
        super(problems.size() + " of " + replayable + " dead letter" + (replayable == 1 ? "" : "s")
                + " to replay cannot be sent where " + (replayable == 1 ? "it belongs" : "they belong")
                + "; nothing was sent:" + listed(problems));
    }

    /** A refusal of the whole replay, for one reason: {@code message} says what was not sent. */
    ReplayRefusedException(String message) {
        super(message);
    }

    private static String listed(List<String> problems) {
        StringBuilder lines = new StringBuilder();
        problems.stream().limit(LISTED).forEach(p -> lines.append(System.lineSeparator()).append("  ").append(p));
        if (problems.size() > LISTED) {
            lines.append(System.lineSeparator()).append("  ... and ").append(problems.size() - LISTED)
                    .append(" more, not listed (narrow the replay with --origin-topic, --since, --until ... to see "
                            + "them)");
        }
        return lines.toString();
    }
}
