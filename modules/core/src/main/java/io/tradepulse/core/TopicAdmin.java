package io.tradepulse.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the catalog's topics that do not exist yet. Existing topics are left as they are, except that existing
 * trade.records and trade.records.derived with different partition counts are refused (they must be co-partitioned).
 */
public final class TopicAdmin {
    private TopicAdmin() {
    }

    /** @return names of the topics that were created by this call */
    public static List<String> ensureTopics(Admin admin, TopicCatalog catalog) throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get();
            // The derived records must be co-partitioned with trade.records, whatever count it was created with.
            String recordsName = catalog.records().name();
            String derivedName = catalog.derivedRecords().name();
            List<String> described = existing.contains(recordsName)
                    ? existing.contains(derivedName) ? List.of(recordsName, derivedName) : List.of(recordsName) : List.of();
            Map<String, TopicDescription> descriptions = described.isEmpty() ? Map.of()
                    : admin.describeTopics(described).allTopicNames().get();
            Integer recordsPartitions = descriptions.containsKey(recordsName)
                    ? descriptions.get(recordsName).partitions().size() : null;
            if (recordsPartitions != null && descriptions.containsKey(derivedName)
                    && descriptions.get(derivedName).partitions().size() != recordsPartitions) {
                // One source reads both, and Kafka Streams checks co-partitioning only for joins: with other counts a
                // series' derived figures would meet another task's per-series state, silently. Refuse to start.
                throw new IllegalStateException("Topic " + derivedName + " has " + descriptions.get(derivedName).partitions().size()
                        + " partitions but " + recordsName + " has " + recordsPartitions + ": they must be co-partitioned "
                        + "(the same number of partitions). Delete " + derivedName + " (the processor derives it again "
                        + "from " + recordsName + ") so that it is created again with " + recordsPartitions + " partitions.");
            }
            List<NewTopic> missing = catalog.all().stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> t == catalog.derivedRecords() && recordsPartitions != null
                            ? t.settings().withPartitions(recordsPartitions).toNewTopic(t.name())
                            : t.settings().toNewTopic(t.name()))
                    .toList();
            if (missing.isEmpty()) {
                return List.of();
            }
            // Each topic's own outcome, not all(): all() fails with one topic's exception, so another instance creating
            // one topic between list and create ("already exists", fine) hid the others' failures, and every topic
            // was reported created.
            Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
            List<String> created = new ArrayList<>();
            for (NewTopic topic : missing) {
                try {
                    results.get(topic.name()).get();
                    created.add(topic.name());
                } catch (ExecutionException e) {
                    // Another instance may have created it between list and create: that is fine.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            return List.copyOf(created);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
