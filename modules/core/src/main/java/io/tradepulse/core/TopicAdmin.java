package io.tradepulse.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the catalog's topics that do not exist yet. Existing topics are left as they are, except that existing
 * trade.records and trade.records.derived with different partition counts are refused (they must be co-partitioned);
 * {@link #settingsDrift} tells which of their settings differ from what tradepulse creates them with.
 */
public final class TopicAdmin {
    private TopicAdmin() {
    }

    /**
     * The listing of the cluster's topics failed (typically: the cluster is unreachable), so nothing was created: it
     * was reported as "Could not create topics: Timed out waiting for a node assignment. Call: listTopics".
     */
    public static final class TopicListingException extends IllegalStateException {
        TopicListingException(Throwable cause) {
            super("Could not list the cluster's topics: " + cause.getMessage(), cause);
        }
    }

    /** The names of the cluster's topics; a failure is a {@link TopicListingException}. */
    private static Set<String> existingTopics(Admin admin) throws InterruptedException {
        try {
            return admin.listTopics().names().get();
        } catch (ExecutionException e) {
            throw new TopicListingException(e.getCause());
        }
    }

    /** @return names of the topics that were created by this call */
    public static List<String> ensureTopics(Admin admin, TopicCatalog catalog) throws InterruptedException {
        Set<String> existing = existingTopics(admin);
        try {
            // The derived records must be co-partitioned with trade.records, whatever count it was created with.
            Map<String, Integer> counts = partitionCounts(admin, existing,
                    List.of(catalog.records().name(), catalog.derivedRecords().name()));
            checkCopartitioned(catalog, counts);
            checkCopartitionedOnceCreated(catalog, counts);
            Integer recordsPartitions = counts.get(catalog.records().name());
            List<NewTopic> missing = catalog.all().stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> t == catalog.derivedRecords() && recordsPartitions != null
                            ? t.settings().withPartitions(recordsPartitions).toNewTopic(t.name())
                            : t.settings().toNewTopic(t.name()))
                    .toList();
            List<String> createdElsewhere = new ArrayList<>();
            List<String> created = create(admin, missing, createdElsewhere);
            // Another instance created trade.records or trade.records.derived between our list and our create, with
            // its own partition count (a rolling change of the configured count): the checks above saw neither, and
            // we may just have created the other with ours. Checked again on what now exists.
            if (createdElsewhere.contains(catalog.records().name())
                    || createdElsewhere.contains(catalog.derivedRecords().name())) {
                checkCopartitioned(catalog, partitionCounts(admin, List.of(catalog.records().name(),
                        catalog.derivedRecords().name())));
            }
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * trade.records and trade.records.derived exist with different partition counts. One source reads both, and Kafka
     * Streams checks co-partitioning only for joins: with other counts a series' derived figures would meet another
     * task's per-series state, silently. Found before the processor starts; the topics are the user's to fix.
     */
    public static final class NotCopartitionedException extends IllegalStateException {
        NotCopartitionedException(String message) {
            super(message);
        }
    }

    /**
     * Refuses trade.records and trade.records.derived of different partition counts, given the counts of those that
     * exist ({@link #partitionCounts}; either may be missing: nothing to compare then). {@link #ensureTopics} checks
     * it; a caller that does not create topics ({@code --no-create-topics}) calls it with the counts it read.
     *
     * @throws NotCopartitionedException naming both counts and what to do
     */
    public static void checkCopartitioned(TopicCatalog catalog, Map<String, Integer> counts) {
        String recordsName = catalog.records().name();
        String derivedName = catalog.derivedRecords().name();
        Integer records = counts.get(recordsName);
        Integer derived = counts.get(derivedName);
        if (records != null && derived != null && !derived.equals(records)) {
            throw new NotCopartitionedException("Topic " + derivedName + " has " + derived + " partitions but "
                    + recordsName + " has " + records + ": they must be co-partitioned (the same number of "
                    + "partitions). Delete " + derivedName + " (the processor derives it again from " + recordsName
                    + ") so that it is created again with " + records + " partitions.");
        }
    }

    /**
     * trade.records is missing and would be created with the configured count, but trade.records.derived exists
     * with another (left from an earlier deployment, or trade.records deleted to start over). Created anyway, the two
     * were not co-partitioned from the first record on, and nothing said so before the next start.
     */
    private static void checkCopartitionedOnceCreated(TopicCatalog catalog, Map<String, Integer> counts) {
        String recordsName = catalog.records().name();
        String derivedName = catalog.derivedRecords().name();
        Integer derived = counts.get(derivedName);
        int planned = catalog.records().settings().partitions();
        if (!counts.containsKey(recordsName) && derived != null && derived != planned) {
            throw new NotCopartitionedException("Topic " + derivedName + " has " + derived + " partitions but "
                    + recordsName + ", which does not exist, would be created with " + planned + ": they must be "
                    + "co-partitioned (the same number of partitions). Delete " + derivedName + " (the processor "
                    + "derives it again from " + recordsName + ") so that it is created again with " + planned
                    + " partitions, or configure " + derived + " partitions. Nothing was created.");
        }
    }

    /** Partition counts of those of {@code names} that exist. */
    public static Map<String, Integer> partitionCounts(Admin admin, List<String> names)
            throws InterruptedException, ExecutionException {
        return partitionCounts(admin, admin.listTopics().names().get(), names);
    }

    private static Map<String, Integer> partitionCounts(Admin admin, Set<String> existing, List<String> names)
            throws InterruptedException, ExecutionException {
        List<String> present = names.stream().filter(existing::contains).toList();
        Map<String, Integer> counts = new HashMap<>();
        if (!present.isEmpty()) {
            admin.describeTopics(present).allTopicNames().get().forEach((t, d) -> counts.put(t, d.partitions().size()));
        }
        return counts;
    }

    /**
     * Creates those of {@code topics} that do not exist yet, with the settings given: for topics outside the catalog
     * that take a catalog topic's role (an ingest's own {@code topic} or {@code dlq.topic}), built with that topic's
     * settings, so they do not fall to the broker's defaults (auto-creation, where enabled, would give trade records
     * the broker's retention).
     *
     * @return names of the topics that were created by this call
     */
    public static List<String> ensureTopics(Admin admin, List<NewTopic> topics) throws InterruptedException {
        Set<String> existing = existingTopics(admin);
        try {
            return create(admin, topics.stream().filter(t -> !existing.contains(t.name())).toList(), new ArrayList<>());
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * @param createdElsewhere receives the names of those of {@code missing} that another instance created between the
     *                         caller's list and this create
     */
    private static List<String> create(Admin admin, List<NewTopic> missing, List<String> createdElsewhere)
            throws ExecutionException, InterruptedException {
        if (missing.isEmpty()) {
            return List.of();
        }
        // Each topic's own outcome, not all(): all() fails with one topic's exception, so another instance creating
        // one topic between list and create ("already exists", fine) hid the others' failures, and every topic
        // was reported created.
        Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
        List<String> created = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Throwable firstFailure = null;
        for (NewTopic topic : missing) {
            try {
                results.get(topic.name()).get();
                created.add(topic.name());
            } catch (ExecutionException e) {
                // Another instance may have created it between list and create: that is fine.
                if (e.getCause() instanceof TopicExistsException) {
                    createdElsewhere.add(topic.name());
                    continue;
                }
                failed.add(topic.name());
                firstFailure = firstFailure == null ? e.getCause() : firstFailure;
            }
        }
        if (firstFailure != null) {
            // The broker's reasons do not name the topic ("Unable to replicate the partition 3 time(s) ...", a
            // config's "Invalid value ...", a create policy's refusal of one topic's retention): name it, and the
            // others not created, so the user knows which topic's settings to change.
            String others = failed.size() > 1 ? " (also not created: " + String.join(", ", failed.subList(1, failed.size()))
                    + ")" : "";
            throw new IllegalStateException("Could not create topics: topic " + failed.get(0) + ": "
                    + firstFailure.getMessage() + others, firstFailure);
        }
        // A topic the other instance created a moment ago is as new as ours: its leaders may not serve it yet either.
        List<String> fresh = new ArrayList<>(created);
        fresh.addAll(createdElsewhere);
        awaitHosted(admin, fresh);
        return List.copyOf(created);
    }

    /** How long a created topic may take to be served by its partitions' leaders. */
    static final Duration HOSTED_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Waits, at most {@link #HOSTED_TIMEOUT} and best effort, until every partition of {@code topics} answers a
     * list-offsets request. A create returns once the controller has recorded the topic; its brokers learn of it from
     * the metadata log a moment later, and until then they answer "This server does not host this topic-partition", which Admin does not retry: a caller that read the
     * new topic's end offsets at once failed (seen with an ingest's own topic on the embedded broker).
     */
    private static void awaitHosted(Admin admin, List<String> topics) throws InterruptedException {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + HOSTED_TIMEOUT.toNanos();
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
                admin.describeTopics(topics).allTopicNames().get().forEach((t, d) -> d.partitions().forEach(p ->
                        specs.put(new TopicPartition(t, p.partition()), OffsetSpec.latest())));
                admin.listOffsets(specs).all().get();
                return;
            } catch (ExecutionException e) {
                // Best effort: a principal that may create but not describe the topic, or a topic still not served
                // after the timeout, is left to the caller's own request, which reports it as before.
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    return;
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * A setting of an existing topic that differs from the one tradepulse creates the topic with.
     *
     * @param actual the topic's effective value (its own, or the broker's default it inherits)
     */
    public record SettingDrift(String topic, String key, String actual, String expected) {
        /** The kafka-configs command that gives the topic tradepulse's value. */
        public String fixCommand() {
            return "kafka-configs.sh --bootstrap-server <brokers> --alter --entity-type topics --entity-name " + topic
                    + " --add-config " + key + "=" + expected;
        }

        @Override
        public String toString() {
            return topic + ": " + key + "=" + actual + ", tradepulse creates it with " + expected;
        }
    }

    /**
     * The settings of the catalog's existing topics that differ from what {@link #ensureTopics} would create them
     * with (cleanup policy, retention, {@code min.insync.replicas} of topics with 3 replicas or more, not when
     * stricter). Existing topics are never altered: a topic made by an earlier release, by hand or by a platform team
     * keeps its settings, and some differences are deliberate (a shorter dead-letter retention). But some lose data silently (trade.records
     * inheriting a broker's {@code log.retention.bytes}; trade.changes with the delete policy is no longer a table), so
     * the caller reports them, each with the command that fixes it. Missing topics are not reported.
     */
    public static List<SettingDrift> settingsDrift(Admin admin, TopicCatalog catalog) throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get();
            Map<String, Map<String, String>> expected = new java.util.LinkedHashMap<>();
            for (Topic<?, ?> t : catalog.all()) {
                if (existing.contains(t.name())) {
                    expected.put(t.name(), new HashMap<>(t.settings().toNewTopic(t.name()).configs()));
                }
            }
            if (expected.isEmpty()) {
                return List.of();
            }
            Map<String, Integer> replicas = dropMinInSyncReplicasAboveReplicas(admin, expected);
            List<ConfigResource> resources = expected.keySet().stream()
                    .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
            List<SettingDrift> drift = new ArrayList<>();
            for (ConfigResource r : resources) {
                Config config = configs.get(r);
                for (Map.Entry<String, String> e : new java.util.TreeMap<>(expected.get(r.name())).entrySet()) {
                    ConfigEntry entry = config == null ? null : config.get(e.getKey());
                    String actual = entry == null ? null : entry.value();
                    if (!e.getValue().equals(actual) && !stricterInSyncReplicas(e.getKey(), actual, e.getValue(),
                            replicas.getOrDefault(r.name(), 0))) {
                        drift.add(new SettingDrift(r.name(), e.getKey(), actual, e.getValue()));
                    }
                }
            }
            return List.copyOf(drift);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not read the topics' settings: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * tradepulse sets {@code min.insync.replicas=2} only on topics it creates with 3 replicas or more. An existing
     * topic with fewer replicas (made before replication was raised, or by hand) was told to take 2 all the same,
     * with the command to do it: on a single replica that makes every acks=all write fail (NOT_ENOUGH_REPLICAS),
     * on two it stops writes whenever one broker is down. Such a topic is not compared on that key; its replication
     * factor is a matter of partition reassignment, not of kafka-configs. Asks for the replica counts only when a
     * topic expects the key (a catalog with 3 replicas or more).
     */
    private static Map<String, Integer> dropMinInSyncReplicasAboveReplicas(Admin admin,
            Map<String, Map<String, String>> expected) throws InterruptedException, ExecutionException {
        String key = org.apache.kafka.common.config.TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG;
        List<String> names = expected.entrySet().stream().filter(e -> e.getValue().containsKey(key))
                .map(Map.Entry::getKey).toList();
        Map<String, Integer> counts = new HashMap<>();
        if (names.isEmpty()) {
            return counts;
        }
        admin.describeTopics(names).allTopicNames().get().forEach((name, d) -> {
            int replicas = d.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
            counts.put(name, replicas);
            if (replicas < 3) {
                expected.get(name).remove(key);
            }
        });
        return counts;
    }

    /**
     * An existing topic's {@code min.insync.replicas} above tradepulse's 2 and still within its replicas (3 of 5, set
     * by a platform team): every acknowledged write is on more brokers than tradepulse asks for, so nothing is lost.
     * It was reported all the same, with the command that lowers it to 2, at every start. Above the replica count
     * every acks=all write fails (NOT_ENOUGH_REPLICAS), so that is still reported.
     */
    private static boolean stricterInSyncReplicas(String key, String actual, String expected, int replicas) {
        if (!key.equals(org.apache.kafka.common.config.TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG) || actual == null) {
            return false;
        }
        try {
            int value = Integer.parseInt(actual.trim());
            return value > Integer.parseInt(expected) && value <= replicas;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
