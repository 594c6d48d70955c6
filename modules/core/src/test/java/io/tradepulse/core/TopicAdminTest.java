package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

/** TopicAdmin against a scripted Admin: the race with another instance creating topics between list and create. */
class TopicAdminTest {

    private static final TopicCatalog CATALOG = new TopicCatalog("t.", 6, (short) 3,
            new AvroSerdes(Map.of(), new InMemorySchemaRegistryClient()));

    /**
     * Another instance created trade.records between our list and our create, and the broker refused the others
     * (here: too few brokers for 3 replicas). The refusal must surface; the "already exists" of one topic hid it,
     * and every topic was reported created.
     */
    /**
     * An unreachable cluster failed the listing, before anything was created, and was reported as "Could not create
     * topics: Timed out waiting for a node assignment. Call: listTopics".
     */
    @Test
    void shouldSayTheListingFailedWhenTheClusterCannotListItsTopics() {
        Admin admin = (Admin) Proxy.newProxyInstance(TopicAdminTest.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "listTopics" -> failedListing();
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        for (org.junit.jupiter.api.function.Executable ensure : List.<org.junit.jupiter.api.function.Executable>of(
                () -> TopicAdmin.ensureTopics(admin, CATALOG),
                () -> TopicAdmin.ensureTopics(admin, List.of(new NewTopic("t", 1, (short) 1))))) {
            assertThatThrownBy(ensure::execute).isInstanceOf(TopicAdmin.TopicListingException.class)
                    .hasMessage("Could not list the cluster's topics: Timed out waiting for a node assignment. "
                            + "Call: listTopics")
                    .hasMessageNotContaining("create");
        }
    }

    @Test
    void shouldReportAFailedCreationEvenWhenAnotherTopicAlreadyExists() {
        Admin admin = admin(name -> name.equals(CATALOG.records().name())
                ? new TopicExistsException("Topic '" + name + "' already exists.")
                : new InvalidReplicationFactorException("Replication factor: 3 larger than available brokers: 1."));
        assertThatThrownBy(() -> TopicAdmin.ensureTopics(admin, CATALOG))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Replication factor: 3");
    }

    /**
     * A create policy (managed clusters) refuses one topic's settings: the broker's reason does not name the topic, so
     * "Could not create topics: retention.ms=-1 is not allowed" left the user to guess which of six topics to change.
     */
    @Test
    void shouldNameTheTopicWhoseCreationFailedWhenTheBrokersReasonDoesNot() {
        Admin admin = admin(name -> name.equals(CATALOG.records().name()) || name.equals(CATALOG.deadLetters().name())
                ? new org.apache.kafka.common.errors.PolicyViolationException("retention.ms=-1 is not allowed") : null);
        assertThatThrownBy(() -> TopicAdmin.ensureTopics(admin, CATALOG))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("topic " + CATALOG.records().name() + ": retention.ms=-1 is not allowed")
                .hasMessageContaining("also not created: " + CATALOG.deadLetters().name())
                .hasCauseInstanceOf(org.apache.kafka.common.errors.PolicyViolationException.class);
    }

    @Test
    void shouldReportOnlyTheTopicsThisCallCreated() throws Exception {
        Admin admin = admin(name -> name.equals(CATALOG.records().name())
                ? new TopicExistsException("Topic '" + name + "' already exists.") : null);
        assertThat(TopicAdmin.ensureTopics(admin, CATALOG)).doesNotContain(CATALOG.records().name())
                .hasSize(CATALOG.all().size() - 1);
    }

    /**
     * A created topic's leader may not serve it yet ("This server does not host this topic-partition", which Admin does
     * not retry): ensureTopics returns only once every created partition answers, so the caller's first request on it
     * does not fail.
     */
    @Test
    void shouldReturnOnlyOnceTheCreatedTopicsAreServed() throws Exception {
        AtomicInteger notHostedAnswers = new AtomicInteger(3);
        Admin admin = admin(name -> null, notHostedAnswers);
        assertThat(TopicAdmin.ensureTopics(admin, List.of(new NewTopic("t.own", 2, (short) 1)))).containsExactly("t.own");
        assertThat(notHostedAnswers).as("asked until served").hasValue(-1);
    }

    /**
     * Two instances started together: the other created the topic between our list and our create. It is as new as
     * one we create, so its leaders may not serve it yet; ensureTopics returned at once, and the caller's first
     * request on it failed with "This server does not host this topic-partition".
     */
    @Test
    void shouldReturnOnlyOnceServedWhenAnotherInstanceCreatedTheTopicMeanwhile() throws Exception {
        AtomicInteger notHostedAnswers = new AtomicInteger(3);
        Admin admin = admin(name -> new TopicExistsException("Topic '" + name + "' already exists."), notHostedAnswers);
        assertThat(TopicAdmin.ensureTopics(admin, List.of(new NewTopic("t.own", 2, (short) 1)))).isEmpty();
        assertThat(notHostedAnswers).as("asked until served").hasValue(-1);
    }

    /**
     * Another instance, configured with 12 partitions, created trade.records between our list and our create; we
     * created trade.records.derived with our 6. The two were then read as one source without being co-partitioned,
     * and nothing said so before the next start.
     */
    @Test
    void shouldRefuseWhenAnotherInstanceCreatedTheRecordsWithAnotherPartitionCountMeanwhile() {
        String records = CATALOG.records().name();
        String derived = CATALOG.derivedRecords().name();
        AtomicInteger lists = new AtomicInteger();
        Admin admin = (Admin) Proxy.newProxyInstance(TopicAdminTest.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> switch (method.getName()) {
                    // none at our list; both once the other instance's create and ours are done
                    case "listTopics" -> listTopics(lists.getAndIncrement() == 0 ? List.of() : List.of(records, derived));
                    case "createTopics" -> createTopics((Collection<?>) args[0], name -> name.equals(records)
                            ? new TopicExistsException("Topic '" + name + "' already exists.") : null);
                    case "describeTopics" -> {
                        Map<String, KafkaFuture<TopicDescription>> futures = new LinkedHashMap<>();
                        for (Object name : (Collection<?>) args[0]) {
                            int count = name.equals(records) ? 12 : name.equals(derived) ? 6 : 1;
                            futures.put((String) name, KafkaFuture.completedFuture(new TopicDescription((String) name,
                                    false, java.util.stream.IntStream.range(0, count)
                                    .mapToObj(p -> new TopicPartitionInfo(p, null, List.of(), List.of())).toList())));
                        }
                        yield new DescribeTopicsResult(null, futures) {
                        };
                    }
                    case "listOffsets" -> listOffsets((Map<?, ?>) args[0], false);
                    default -> throw new UnsupportedOperationException(method.getName());
                });

        assertThatThrownBy(() -> TopicAdmin.ensureTopics(admin, CATALOG))
                .isInstanceOf(TopicAdmin.NotCopartitionedException.class)
                .hasMessageContaining(derived + " has 6 partitions but " + records + " has 12");
    }

    /**
     * trade.records.derived is left with 1 partition (trade.records deleted to start over): trade.records was created
     * with the configured 6, and the two were read as one source without being co-partitioned.
     */
    @Test
    void shouldRefuseToCreateTheRecordsWhenTheExistingDerivedRecordsHaveAnotherPartitionCount() throws Exception {
        String derived = CATALOG.derivedRecords().name();
        AtomicInteger creates = new AtomicInteger();
        Admin admin = (Admin) Proxy.newProxyInstance(TopicAdminTest.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "listTopics" -> listTopics(List.of(derived));
                    case "describeTopics" -> describeTopics((Collection<?>) args[0]); // one partition each
                    case "createTopics" -> {
                        creates.incrementAndGet();
                        yield createTopics((Collection<?>) args[0], name -> null);
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });

        assertThatThrownBy(() -> TopicAdmin.ensureTopics(admin, CATALOG))
                .isInstanceOf(TopicAdmin.NotCopartitionedException.class)
                .hasMessageContaining(derived + " has 1 partitions")
                .hasMessageContaining(CATALOG.records().name() + ", which does not exist, would be created with 6");
        assertThat(creates).as("nothing created").hasValue(0);
    }

    /**
     * replication.factor=3, but trade.records exists with a single replica (made before replication was raised): it
     * was told to take min.insync.replicas=2, with the command to do it, which makes every acks=all write to it fail.
     * The topics with 3 replicas are still told.
     */
    @Test
    void shouldNotAskForTwoInSyncReplicasWhenAnExistingTopicHasFewerThanThreeReplicas() throws Exception {
        String records = CATALOG.records().name();
        Admin admin = existingTopics(name -> name.equals(records) ? 1 : 3, Map.of("min.insync.replicas", "1"));

        List<TopicAdmin.SettingDrift> drift = TopicAdmin.settingsDrift(admin, CATALOG);

        assertThat(drift).extracting(TopicAdmin.SettingDrift::topic).doesNotContain(records)
                .containsExactlyInAnyOrderElementsOf(CATALOG.all().stream().map(Topic::name)
                        .filter(n -> !n.equals(records)).toList());
        assertThat(drift).allSatisfy(d -> assertThat(d.key()).isEqualTo("min.insync.replicas"));
    }

    /**
     * A platform team set min.insync.replicas=3 on topics with 5 replicas: every acknowledged write is on more brokers
     * than tradepulse asks for. It was reported at every start with the command lowering it to 2. A value above the
     * replica count (every acks=all write refused) is still reported.
     */
    @Test
    void shouldNotAskToLowerMinInSyncReplicasWhenAnExistingTopicHasAStricterOne() throws Exception {
        String records = CATALOG.records().name();

        assertThat(TopicAdmin.settingsDrift(existingTopics(name -> 5, Map.of("min.insync.replicas", "3")), CATALOG))
                .isEmpty();
        assertThat(TopicAdmin.settingsDrift(existingTopics(name -> name.equals(records) ? 3 : 5,
                Map.of("min.insync.replicas", "4")), CATALOG))
                .extracting(TopicAdmin.SettingDrift::topic).containsExactly(records);
    }

    /**
     * An Admin listing every catalog topic, each with {@code replicas.apply(name)} replicas on its one partition and
     * the configs tradepulse creates it with, {@code override} put over them.
     */
    private static Admin existingTopics(Function<String, Integer> replicas, Map<String, String> override) {
        return (Admin) Proxy.newProxyInstance(TopicAdminTest.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "listTopics" -> listTopics(CATALOG.all().stream().map(Topic::name).toList());
                    case "describeTopics" -> {
                        Map<String, KafkaFuture<TopicDescription>> futures = new LinkedHashMap<>();
                        for (Object name : (Collection<?>) args[0]) {
                            List<Node> nodes = java.util.stream.IntStream.range(0, replicas.apply((String) name))
                                    .mapToObj(i -> new Node(i, "b" + i, 9092)).toList();
                            futures.put((String) name, KafkaFuture.completedFuture(new TopicDescription((String) name,
                                    false, List.of(new TopicPartitionInfo(0, nodes.get(0), nodes, nodes)))));
                        }
                        yield new DescribeTopicsResult(null, futures) {
                        };
                    }
                    case "describeConfigs" -> {
                        Map<ConfigResource, KafkaFuture<Config>> futures = new LinkedHashMap<>();
                        for (Object r : (Collection<?>) args[0]) {
                            ConfigResource resource = (ConfigResource) r;
                            Map<String, String> configs = new LinkedHashMap<>(CATALOG.all().stream()
                                    .filter(t -> t.name().equals(resource.name())).findFirst().orElseThrow()
                                    .settings().toNewTopic(resource.name()).configs());
                            configs.putAll(override);
                            futures.put(resource, KafkaFuture.completedFuture(new Config(configs.entrySet().stream()
                                    .map(e -> new ConfigEntry(e.getKey(), e.getValue())).toList())));
                        }
                        yield new DescribeConfigsResult(futures) {
                        };
                    }
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** An Admin with no topics listed, whose createTopics fails each topic with {@code failure.apply(name)} (null: created). */
    private static Admin admin(Function<String, RuntimeException> failure) {
        return admin(failure, new AtomicInteger(0));
    }

    /**
     * The same, whose created topics have one partition each and answer list-offsets "not hosted" while
     * {@code notHosted} (decremented by each list-offsets request) is above zero.
     */
    private static Admin admin(Function<String, RuntimeException> failure, AtomicInteger notHosted) {
        return (Admin) Proxy.newProxyInstance(TopicAdminTest.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "listTopics" -> listTopics();
                    case "createTopics" -> createTopics((Collection<?>) args[0], failure);
                    case "describeTopics" -> describeTopics((Collection<?>) args[0]);
                    case "listOffsets" -> listOffsets((Map<?, ?>) args[0], notHosted.getAndDecrement() > 0);
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static DescribeTopicsResult describeTopics(Collection<?> names) {
        Map<String, KafkaFuture<TopicDescription>> futures = new LinkedHashMap<>();
        for (Object name : names) {
            futures.put((String) name, KafkaFuture.completedFuture(new TopicDescription((String) name, false,
                    List.of(new TopicPartitionInfo(0, null, List.of(), List.of())))));
        }
        return new DescribeTopicsResult(null, futures) {
        };
    }

    private static ListOffsetsResult listOffsets(Map<?, ?> specs, boolean notHosted) {
        Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> futures = new LinkedHashMap<>();
        for (Object tp : specs.keySet()) {
            KafkaFutureImpl<ListOffsetsResult.ListOffsetsResultInfo> future = new KafkaFutureImpl<>();
            if (notHosted) {
                future.completeExceptionally(new UnknownTopicOrPartitionException("This server does not host this topic-partition."));
            } else {
                future.complete(new ListOffsetsResult.ListOffsetsResultInfo(0L, -1L, java.util.Optional.empty()));
            }
            futures.put((TopicPartition) tp, future);
        }
        return new ListOffsetsResult(futures);
    }

    private static ListTopicsResult failedListing() throws Exception {
        Constructor<ListTopicsResult> constructor = ListTopicsResult.class.getDeclaredConstructor(KafkaFuture.class);
        constructor.setAccessible(true);
        return constructor.newInstance(KafkaFuture.<Map<String, TopicListing>>completedFuture(null)
                .thenApply(ignored -> {
                    throw new org.apache.kafka.common.errors.TimeoutException(
                            "Timed out waiting for a node assignment. Call: listTopics");
                }));
    }

    private static ListTopicsResult listTopics() throws Exception {
        return listTopics(List.of());
    }

    private static ListTopicsResult listTopics(List<String> names) throws Exception {
        Constructor<ListTopicsResult> constructor = ListTopicsResult.class.getDeclaredConstructor(KafkaFuture.class);
        constructor.setAccessible(true);
        Map<String, TopicListing> listings = new LinkedHashMap<>();
        names.forEach(n -> listings.put(n, new TopicListing(n, org.apache.kafka.common.Uuid.randomUuid(), false)));
        return constructor.newInstance(KafkaFuture.completedFuture(listings));
    }

    private static CreateTopicsResult createTopics(Collection<?> topics, Function<String, RuntimeException> failure) {
        Map<String, KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig>> futures = new LinkedHashMap<>();
        for (Object topic : topics) {
            String name = ((NewTopic) topic).name();
            KafkaFutureImpl<CreateTopicsResult.TopicMetadataAndConfig> future = new KafkaFutureImpl<>();
            RuntimeException error = failure.apply(name);
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(null);
            }
            futures.put(name, future);
        }
        return new CreateTopicsResult(futures) {
        };
    }
}
