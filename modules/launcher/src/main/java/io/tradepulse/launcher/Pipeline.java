package io.tradepulse.launcher;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicAdmin;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.core.TopicSettings;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.ingest.IngestReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The steps of the pipeline that the demo runs and the end-to-end test checks: the same code for both.
 * Each step takes plain client settings (bootstrap servers, security), so it works against any cluster.
 */
public final class Pipeline {
    private Pipeline() {
    }

    public static List<String> createTopics(Map<String, Object> clientConfig, TopicCatalog topics) throws InterruptedException {
        return createTopics(clientConfig, topics, List.of());
    }

    /**
     * A topic a command needs: its name, the settings it is created with, and the topic whose partition count it
     * takes when that one exists ({@code partitionsOf}; null: the settings' count). trade.records.derived takes
     * trade.records' (they must be co-partitioned); an ingest's own {@code topic} and {@code dlq.topic} take those of
     * trade.records and trade.dlq, whose roles they take, so the records of a series land in the same partition
     * number on both (the configured {@code --partitions} is only the count of a topic created from nothing).
     */
    public record Needed(String name, TopicSettings settings, String partitionsOf) {
        /** A topic created as {@code role} is, under {@code name}, with the partition count of {@code role} if it exists. */
        public static Needed inRoleOf(Topic<?, ?> role, String name) {
            return new Needed(name, role.settings(), name.equals(role.name()) ? null : role.name());
        }

        /** The topic as it would be created, given the partition counts of the topics that exist. */
        NewTopic toNewTopic(Map<String, Integer> counts) {
            Integer count = partitionsOf == null ? null : counts.get(partitionsOf);
            return (count == null ? settings : settings.withPartitions(count)).toNewTopic(name);
        }
    }

    /**
     * The catalog's topics and {@code extra} ones (an ingest's own {@code topic} and {@code dlq.topic}), each created
     * if missing. Extra topics named as a catalog topic (the default) are the catalog's, created with it: no second
     * round of admin calls for them (start-up listed and described the topics twice). One set apart from the catalog's
     * names is created with the partition count its role's topic has now (created or not just before).
     *
     * @return names of the topics that were created by this call
     */
    public static List<String> createTopics(Map<String, Object> clientConfig, TopicCatalog topics, List<Needed> extra)
            throws InterruptedException {
        try (Admin admin = Admin.create(clientConfig)) {
            return createTopics(admin, topics, extra);
        }
    }

    /** {@link #createTopics(Map, TopicCatalog, List)} with a client of the caller's. */
    static List<String> createTopics(Admin admin, TopicCatalog topics, List<Needed> extra) throws InterruptedException {
        List<String> created = new ArrayList<>(TopicAdmin.ensureTopics(admin, topics));
        Set<String> catalogNames = topics.all().stream().map(Topic::name).collect(Collectors.toSet());
        List<Needed> apart = extra.stream().filter(t -> !catalogNames.contains(t.name())).toList();
        if (apart.isEmpty()) {
            return created;
        }
        List<String> roles = apart.stream().map(Needed::partitionsOf).filter(Objects::nonNull).distinct().toList();
        try {
            // The roles' topics are the catalog's, which exist now: their counts, for the topics set apart.
            Map<String, Integer> counts = roles.isEmpty() ? Map.of() : partitionCounts(admin.describeTopics(roles)
                    .allTopicNames().get());
            created.addAll(TopicAdmin.ensureTopics(admin, apart.stream().map(t -> t.toNewTopic(counts)).toList()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create topics: " + e.getCause().getMessage(), e.getCause());
        }
        return created;
    }

    private static Map<String, Integer> partitionCounts(Map<String, TopicDescription> described) {
        Map<String, Integer> counts = new HashMap<>();
        described.forEach((t, d) -> counts.put(t, d.partitions().size()));
        return counts;
    }

    /** Partition counts of those of {@code names} that exist. */
    public static Map<String, Integer> partitionCounts(Map<String, Object> clientConfig, List<String> names)
            throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(clientConfig)) {
            return TopicAdmin.partitionCounts(admin, names);
        }
    }

    /**
     * Refuses when a topic of {@code needed} does not exist and the command may not create it
     * ({@code --no-create-topics}): checked once connected, before anything is written. The cluster lists only the
     * topics the principal may Describe, so the topics not listed are described by name: the broker answers
     * "unknown topic" for one that does not exist and "not authorized" for one the principal may not Describe
     * (whether it exists or not), so the message tells a missing topic from a missing ACL. One round of admin calls
     * (a list, then one describe): the same describe reads the partition counts the suggested commands take
     * ({@link Needed#partitionsOf}) and those of {@code countsOf}, for the caller's own checks (co-partitioning).
     *
     * @param nothingDone what the refusal leaves undone, for the message (e.g. "nothing was sent")
     * @return the partition counts of those of {@code countsOf} and of the {@code partitionsOf} topics that exist
     * @throws MissingTopicsException naming every missing topic with the command that creates it, and every topic the
     *                                principal may not Describe
     */
    public static Map<String, Integer> requireTopics(Map<String, Object> clientConfig, List<Needed> needed,
            List<String> countsOf, String nothingDone) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(clientConfig)) {
            return requireTopics(admin, needed, countsOf, nothingDone);
        }
    }

    /** {@link #requireTopics(Map, List, List, String)} with a client of the caller's. */
    static Map<String, Integer> requireTopics(Admin admin, List<Needed> needed, List<String> countsOf,
            String nothingDone) throws InterruptedException, ExecutionException {
        Set<String> existing = admin.listTopics().names().get();
        Set<String> unlisted = needed.stream().map(Needed::name).filter(n -> !existing.contains(n))
                .collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> described = new LinkedHashSet<>(unlisted);
        Stream.concat(countsOf.stream(), needed.stream().map(Needed::partitionsOf).filter(Objects::nonNull))
                .filter(existing::contains).forEach(described::add);
        Map<String, Integer> counts = new HashMap<>();
        Set<String> absent = new HashSet<>();
        List<String> notDescribable = new ArrayList<>();
        if (!described.isEmpty()) {
            Map<String, KafkaFuture<TopicDescription>> descriptions = admin.describeTopics(described).topicNameValues();
            for (String name : described) {
                try {
                    // Listed a moment ago or not, it exists now (created meanwhile): nothing to refuse.
                    counts.put(name, descriptions.get(name).get().partitions().size());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        absent.add(name);
                    } else if (e.getCause() instanceof TopicAuthorizationException && unlisted.contains(name)) {
                        notDescribable.add(name);
                    } else {
                        throw e;
                    }
                }
            }
        }
        List<NewTopic> missing = needed.stream().filter(t -> absent.contains(t.name())).map(t -> t.toNewTopic(counts))
                .toList();
        if (!missing.isEmpty() || !notDescribable.isEmpty()) {
            throw new MissingTopicsException(missing, notDescribable, nothingDone);
        }
        return counts;
    }

    /**
     * Says, for every setting of an existing topic that differs from what tradepulse creates it with
     * ({@link TopicAdmin#settingsDrift}), one warning with the command that fixes it; existing topics are never
     * altered. Best effort, whether tradepulse created the topics or not: it never throws (but when interrupted),
     * so the caller goes on whatever happens here. Reading the settings needs DescribeConfigs on the topics, an
     * optional ACL (docs/operations.md, "Security"): a principal without it (or a cluster without the API) gets one
     * {@code info} line saying the check was skipped and why. Any other failure (the cluster unreachable) is one
     * warning.
     */
    public static void checkTopicSettings(Map<String, Object> clientConfig, TopicCatalog topics, Consumer<String> warn,
            Consumer<String> info) throws InterruptedException {
        try (Admin admin = Admin.create(clientConfig)) {
            checkTopicSettings(admin, topics, warn, info);
        } catch (RuntimeException e) { // creating or closing the client
            warn.accept("Warning: could not check the topics' settings: " + Main.messages(e));
        }
    }

    /** {@link #checkTopicSettings(Map, TopicCatalog, Consumer, Consumer)} with a client of the caller's. */
    static void checkTopicSettings(Admin admin, TopicCatalog topics, Consumer<String> warn, Consumer<String> info)
            throws InterruptedException {
        List<TopicAdmin.SettingDrift> drift;
        try {
            drift = TopicAdmin.settingsDrift(admin, topics);
        } catch (RuntimeException e) {
            Throwable refused = describeConfigsRefusal(e);
            if (refused == null) {
                warn.accept("Warning: could not check the topics' settings: " + Main.messages(e));
            } else {
                info.accept("Topic settings not checked: " + (refused instanceof UnsupportedVersionException
                        ? "the cluster does not support DescribeConfigs" : "the principal may not DescribeConfigs on the topics")
                        + " (" + refused.getClass().getSimpleName() + ": " + refused.getMessage() + "); grant it to have "
                        + "their cleanup.policy, retention and min.insync.replicas compared with tradepulse's.");
            }
            return;
        }
        drift.forEach(d -> warn.accept("Warning: topic " + d + " (existing topics are not altered); to change it: "
                + d.fixCommand()));
    }

    /**
     * The authorization or version error in {@code e}'s cause chain, if any: the cluster refused to describe the
     * topics' configs to this principal. Null for anything else (a timeout, the cluster unreachable).
     */
    private static Throwable describeConfigsRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // AuthorizationException: TopicAuthorizationException, ClusterAuthorizationException and their siblings
            if (t instanceof AuthorizationException || t instanceof UnsupportedVersionException) {
                return t;
            }
        }
        return null;
    }

    /** Publishes the bundled real data set; every row ends up published or dead-lettered. */
    public static List<IngestReport> ingestBundledData(Map<String, Object> clientConfig, TopicCatalog topics) {
        try (CatalogProducer producer = new CatalogProducer(clientConfig)) {
            FileIngest ingest = new FileIngest(producer, topics);
            IngestReport trade = ingest.publishTradeRecords(BundledData.CHINA_EXPORTS_TO_US, BundledData.chinaExportsToUs());
            IngestReport tariffs = ingest.publishTariffEvents(BundledData.TARIFF_EVENTS, BundledData.tariffEvents());
            return List.of(trade, tariffs); // each publish* flushed and checked its sends before reporting
        }
    }

    /**
     * Waits until consumer group {@code groupId} has committed, on every partition of {@code topic}, the
     * offset at the end of that partition: the processor has processed (and under exactly_once_v2 committed)
     * everything written before this call; then until every partition of {@code outputs} is stable (its last stable
     * offset is its high watermark: no transaction on it open or still being completed).
     *
     * <p>The second wait is what makes a read_committed read of the outputs right after this call see the last
     * transaction's results. The group's offsets become visible when that transaction's commit marker is written on
     * __consumer_offsets, and the transaction coordinator writes its markers on the output partitions independently, so
     * a read that starts just then ends at the last stable offset before them and misses the newest rows.
     */
    public static void awaitCaughtUp(Map<String, Object> clientConfig, String groupId, String topic, Duration timeout,
                                     String... outputs) throws InterruptedException, TimeoutException {
        long deadline = deadline(timeout);
        Admin admin = Admin.create(clientConfig);
        try {
            Map<TopicPartition, Long> ends = endOffsets(admin, topic, deadline, timeout);
            // The last answer, for the message of a deadline that passes while the cluster is asked again.
            AtomicReference<Map<TopicPartition, OffsetAndMetadata>> last = new AtomicReference<>();
            Supplier<String> notCaughtUp = () -> "processor group " + groupId + " did not catch up on " + topic
                    + " within " + timeout + "; committed " + (last.get() == null ? "unknown (the cluster did not answer)"
                            : last.get()) + ", end offsets " + ends;
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = await(
                        admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata(), deadline, notCaughtUp);
                last.set(committed);
                boolean done = ends.entrySet().stream().allMatch(e -> e.getValue() == 0L
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
                if (done) {
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new TimeoutException(notCaughtUp.get());
                }
                Thread.sleep(200);
            }
            awaitStable(admin, List.of(outputs), deadline, timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read offsets: " + e.getCause().getMessage(), e.getCause());
        } finally {
            abandonPendingCalls(admin);
        }
    }

    /**
     * The longest wait the launcher counts: about 73 years, a quarter of what a long holds in nanoseconds. The verbs'
     * --timeout takes any positive duration (bench's waits compare durations), and one beyond ~292 years (P200000D,
     * meant as "never") has no nanosecond count at all: `demo --timeout P200000D` and `ingest --timeout P200000D`
     * started everything and then failed with ArithmeticException "long overflow" (exit 1, a stack trace), and a count
     * just short of it made {@code nanoTime() + timeout} overflow into the past (no wait at all). A longer wait is
     * waited as this one, which no run outlives; messages still name the --timeout given.
     */
    static final Duration LONGEST_WAIT = Duration.ofNanos(Long.MAX_VALUE / 4);

    /** {@code timeout}, or {@link #LONGEST_WAIT} when it is longer: a wait that can be counted in nanoseconds. */
    static Duration countable(Duration timeout) {
        return timeout.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : timeout;
    }

    /**
     * The {@link System#nanoTime} at which a wait of {@code timeout} from now ends; compare as {@code nanoTime() -
     * deadline > 0}, which stays right where the sum wraps.
     */
    static long deadline(Duration timeout) {
        return System.nanoTime() + countable(timeout).toNanos();
    }

    /**
     * Waits until every partition of {@code topics} has its last stable offset at its high watermark: every transaction
     * written on them so far is decided and its markers are written, so a read_committed read sees all of it.
     */
    static void awaitStable(Map<String, Object> clientConfig, List<String> topics, Duration timeout)
            throws InterruptedException, TimeoutException {
        Admin admin = Admin.create(clientConfig);
        try {
            awaitStable(admin, topics, deadline(timeout), timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read offsets: " + e.getCause().getMessage(), e.getCause());
        } finally {
            abandonPendingCalls(admin);
        }
    }

    /** Waits until every partition of {@code topics} has its last stable offset at its high watermark. */
    static void awaitStable(Admin admin, List<String> topics, long deadline, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (topics.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : topics) {
            endOffsets(admin, topic, deadline, timeout).keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        }
        // The last answers, for the message of a deadline that passes while the cluster is asked again.
        AtomicReference<Map<TopicPartition, Long>> lastStable = new AtomicReference<>();
        AtomicReference<Map<TopicPartition, Long>> lastWritten = new AtomicReference<>();
        Supplier<String> stillOpen = () -> lastWritten.get() == null
                ? "the transactions on " + topics + " were not seen completed within " + timeout + ": the cluster did"
                        + " not answer for their offsets"
                : "a transaction on " + topics + " was still open or being completed after " + timeout
                        + ": last stable offsets " + lastStable.get() + ", high watermarks " + lastWritten.get();
        while (true) {
            Map<TopicPartition, Long> stable = offsets(admin, latest, IsolationLevel.READ_COMMITTED, deadline, stillOpen);
            Map<TopicPartition, Long> written = offsets(admin, latest, IsolationLevel.READ_UNCOMMITTED, deadline,
                    stillOpen);
            if (stable.equals(written)) {
                return;
            }
            lastStable.set(stable);
            lastWritten.set(written);
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException(stillOpen.get());
            }
            Thread.sleep(20);
        }
    }

    /**
     * The result of an admin call, waited for until {@code deadline} at most, and no longer than this thread is not
     * interrupted. A plain get() waited for the admin client's own default.api.timeout.ms (60 s) whatever the
     * caller's --timeout; and the demo's Ctrl-C, which closes the broker under the processor step's calls, left the
     * step's thread in that get() until the shutdown hook gave up on it (Progress.STEP_END_GRACE, 5 s): the hook now
     * interrupts the step ({@link Progress#interruptRunningStep}).
     *
     * @throws TimeoutException saying {@code pending} when the deadline passes first
     */
    private static <T> T await(KafkaFuture<T> call, long deadline, Supplier<String> pending)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException(pending.get());
        }
    }

    /**
     * Closes an admin client of the waits above without waiting for its calls still pending: they only read, and after
     * a timeout or an interrupt (Ctrl-C) nobody wants their answer. close() waited for them until they timed out
     * themselves (default.api.timeout.ms, 60 s) against a broker that is gone.
     */
    private static void abandonPendingCalls(Admin admin) {
        admin.close(Duration.ZERO);
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, Map<TopicPartition, OffsetSpec> request,
                                                     IsolationLevel isolation, long deadline,
                                                     Supplier<String> pending)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info =
                await(admin.listOffsets(request, new ListOffsetsOptions(isolation)).all(), deadline, pending);
        return info.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, long deadline, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        Supplier<String> noAnswer = () -> "the end offsets of " + topic + " were not read within "
                + timeout + ": the cluster did not answer";
        int partitions = await(admin.describeTopics(Set.of(topic)).allTopicNames(), deadline, noAnswer).get(topic)
                .partitions().size();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info =
                await(admin.listOffsets(request).all(), deadline, noAnswer);
        return info.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /**
     * Reads a compacted topic to its end as a table (latest value per key), with
     * {@code isolation.level=read_committed}: only results of committed transactions are seen.
     */
    public static <K, V> Map<K, V> readTable(Map<String, Object> clientConfig, Topic<K, V> topic, Duration timeout) {
        Map<K, V> table = new LinkedHashMap<>();
        readToEnd(clientConfig, topic.name(), timeout, r -> {
            K key = topic.keySerde().deserializer().deserialize(r.topic(), r.key());
            V value = topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
            if (value == null) {
                table.remove(key);
            } else {
                table.put(key, value);
            }
        });
        return table;
    }

    /**
     * Hands every record of {@code topic} from its beginning up to the end offsets taken at the start to {@code each}
     * (raw bytes, in offset order within a partition), with {@code isolation.level=read_committed}: only committed
     * transactions' records, and the end offsets are the last stable offsets, so the read always terminates. Records
     * committed after the start are left for the next read.
     *
     * @param timeout how long the read may go without progress (no partition's position moving): a bound on a stall,
     *     not on the whole read, which a large topic (hundreds of thousands of dead letters of up to 1 MB each on a
     *     remote cluster) may need longer for while it moves all along
     * @throws IllegalStateException when the position stops moving for {@code timeout} before the end
     */
    public static void readToEnd(Map<String, Object> clientConfig, String topic, Duration timeout,
                                 Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Map<String, Object> props = new HashMap<>(clientConfig);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            readToEnd(consumer, topic, timeout, System::nanoTime, each);
        }
    }

    /** {@link #readToEnd(Map, String, Duration, Consumer)} with {@code consumer}, timed by {@code nanoTime}. */
    static void readToEnd(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, String topic,
                          Duration timeout, LongSupplier nanoTime, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        List<TopicPartition> parts = consumer.partitionsFor(topic, timeout).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
        long timeoutNanos = timeout.toNanos();
        long lastProgress = nanoTime.getAsLong();
        long read = positionsSum(consumer, parts);
        while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
            // Measured from the last progress, not from the start: a whole-read deadline failed the read of a large
            // dead-letter topic ("did not reach the end of trade.dlq within PT2M") while it was moving all along.
            if (nanoTime.getAsLong() - lastProgress > timeoutNanos) {
                throw new IllegalStateException("stopped making progress reading " + topic + ": no record for "
                        + timeout + " at " + positions(consumer, parts) + ", the end being " + ends);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < ends.get(new TopicPartition(r.topic(), r.partition()))) {
                    each.accept(r);
                }
            }
            long now = positionsSum(consumer, parts);
            if (now != read) {
                read = now;
                lastProgress = nanoTime.getAsLong();
            }
        }
    }

    private static long positionsSum(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer,
                                     List<TopicPartition> parts) {
        return parts.stream().mapToLong(consumer::position).sum();
    }

    private static Map<TopicPartition, Long> positions(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer,
                                                       List<TopicPartition> parts) {
        Map<TopicPartition, Long> out = new TreeMap<>(Comparator.comparing(TopicPartition::partition));
        parts.forEach(tp -> out.put(tp, consumer.position(tp)));
        return out;
    }

    /** Convenience for the processor's output table. */
    public static Map<ChangeKey, TradeChange> readChanges(Map<String, Object> clientConfig, TopicCatalog topics, Duration timeout) {
        return readTable(clientConfig, topics.changes(), timeout);
    }
}
