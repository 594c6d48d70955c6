package io.tradepulse.launcher;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Topics a command reads or writes do not exist, and it was told not to create them ({@code --no-create-topics}).
 * Found before anything is written, and running the same command again cannot help: like an invalid option, the
 * user's to fix (exit 2, {@link Main#failed}), not a failure to retry. {@code tariffs} once exited 1 for it, {@code run}
 * exited 1 once its processor was starting, and {@code ingest} once its Connect worker had started. A topic the
 * principal may not Describe is refused the same way, named apart: the fix is an ACL, not creating it.
 */
final class MissingTopicsException extends RuntimeException {
    /**
     * @param missing        the topics that do not exist, as tradepulse would create them (the message gives the
     *                       command that does)
     * @param notDescribable topics the principal may not Describe: the cluster does not say whether they exist
     * @param nothingDone    what was not done, for the message (e.g. "nothing was sent")
     */
    MissingTopicsException(List<NewTopic> missing, List<String> notDescribable, String nothingDone) {
        super(message(missing, notDescribable, nothingDone));
    }

    private static String message(List<NewTopic> missing, List<String> notDescribable, String nothingDone) {
        StringBuilder m = new StringBuilder();
        if (!missing.isEmpty()) {
            List<String> names = missing.stream().map(NewTopic::name).toList();
            boolean one = names.size() == 1;
            String them = one ? "it" : "them";
            m.append(one ? "topic " : "topics ").append(String.join(", ", names)).append(one ? " does" : " do")
                    .append(" not exist, and with --no-create-topics tradepulse does not create ").append(them)
                    .append("; ").append(nothingDone).append(". Run without --no-create-topics to have ").append(them)
                    .append(" created, or create ").append(them).append(" first:");
            for (NewTopic t : missing) {
                m.append(System.lineSeparator()).append("  ").append(createCommand(t));
            }
        }
        if (!notDescribable.isEmpty()) {
            boolean one = notDescribable.size() == 1;
            if (m.length() > 0) {
                m.append(System.lineSeparator());
            }
            // Kafka answers "not authorized" for a topic the principal may not Describe whether it exists or not (so
            // as not to reveal which topics exist): creating it would not help, the ACL would.
            m.append("the principal may not Describe ").append(one ? "topic " : "topics ")
                    .append(String.join(", ", notDescribable)).append(" (TopicAuthorizationException; the cluster does "
                            + "not say whether ").append(one ? "it exists" : "they exist").append(")");
            if (missing.isEmpty()) {
                m.append("; ").append(nothingDone);
            }
            m.append(". Grant the principal the ACLs docs/operations.md (\"Security\") lists for this command, "
                    + "Describe included.");
        }
        return m.toString();
    }

    /** The kafka-topics command that creates the topic as tradepulse would (partitions, replication, configs). */
    static String createCommand(NewTopic topic) {
        StringBuilder c = new StringBuilder("kafka-topics.sh --bootstrap-server <brokers> --create --topic ")
                .append(topic.name()).append(" --partitions ").append(topic.numPartitions());
        if (topic.replicationFactor() > 0) { // -1: the broker's default.replication.factor, as tradepulse creates it
            c.append(" --replication-factor ").append(topic.replicationFactor());
        }
        Map<String, String> configs = topic.configs() == null ? Map.of() : new TreeMap<>(topic.configs());
        configs.forEach((k, v) -> c.append(" --config ").append(k).append('=').append(v));
        return c.toString();
    }
}
