package io.tradepulse.core;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the catalog's topics that do not exist yet. Existing topics are left as they are. */
public final class TopicAdmin {
    private TopicAdmin() {
    }

    /** @return names of the topics that were created by this call */
    public static List<String> ensureTopics(Admin admin, TopicCatalog catalog) throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get();
            // The derived records must be co-partitioned with trade.records, whatever count it was created with.
            Integer recordsPartitions = existing.contains(catalog.records().name())
                    ? admin.describeTopics(List.of(catalog.records().name())).allTopicNames().get()
                            .get(catalog.records().name()).partitions().size()
                    : null;
            List<NewTopic> missing = catalog.all().stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> t == catalog.derivedRecords() && recordsPartitions != null
                            ? t.settings().withPartitions(recordsPartitions).toNewTopic(t.name())
                            : t.settings().toNewTopic(t.name()))
                    .toList();
            if (missing.isEmpty()) {
                return List.of();
            }
            try {
                admin.createTopics(missing).all().get();
            } catch (ExecutionException e) {
                // Another instance may have created it between list and create: that is fine.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
