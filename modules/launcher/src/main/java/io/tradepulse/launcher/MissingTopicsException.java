package io.tradepulse.launcher;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Topics a command reads or writes do not exist, and it was told not to create them ({@code --no-create-topics}).
 * Found before anything is written, and running the same command again cannot help: like an invalid option, the
 * user's to fix (exit 2, {@link Main#failed}), not a failure to retry. {@code tariffs} once exited 1 for it, {@code run}
 * exited 1 once its processor was starting, and {@code ingest} once its Connect worker had started.
 */
final class MissingTopicsException extends RuntimeException {
    /**
     * @param missing     the topics as tradepulse would create them (the message gives the command that does)
     * @param nothingDone what was not done, for the message (e.g. "nothing was sent")
     */
    MissingTopicsException(List<NewTopic> missing, String nothingDone) {
        super(message(missing, nothingDone));
    }

    private static String message(List<NewTopic> missing, String nothingDone) {
        List<String> names = missing.stream().map(NewTopic::name).toList();
        boolean one = names.size() == 1;
        String them = one ? "it" : "them";
        StringBuilder m = new StringBuilder((one ? "topic " : "topics ") + String.join(", ", names)
                + (one ? " does" : " do") + " not exist (or the principal may not Describe " + them + "), and with "
                + "--no-create-topics tradepulse does not create " + them + "; " + nothingDone + ". Run without "
                + "--no-create-topics to have " + them + " created, or create " + them + " first:");
        for (NewTopic t : missing) {
            m.append(System.lineSeparator()).append("  ").append(createCommand(t));
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
