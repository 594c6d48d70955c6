package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void transactionalWritesAreReadCommittedAndSurviveRestart() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            final String bootstrap = kafka.bootstrapServers();
            createTopic(bootstrap, "trades", 2);

            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, "tx-1")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("trades", "k1", "aborted-1"));
                producer.flush();
                producer.abortTransaction();

                producer.beginTransaction();
                producer.send(new ProducerRecord<>("trades", "k1", "committed-1"));
                producer.send(new ProducerRecord<>("trades", "k2", "committed-2"));
                producer.commitTransaction();
            }
            assertThat(readCommitted(bootstrap, "trades", 2)).containsExactlyInAnyOrder("committed-1", "committed-2");

            kafka.restart();

            assertThat(kafka.bootstrapServers()).as("same ports after restart").isEqualTo(bootstrap);
            assertThat(kafka.isRunning()).isTrue();
            assertThat(readCommitted(bootstrap, "trades", 2))
                    .as("data written before restart").containsExactlyInAnyOrder("committed-1", "committed-2");
            // Transactions still work after a restart: the coordinator reloads __transaction_state and
            // fences the old epoch of the same transactional.id.
            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, "tx-1")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("trades", "k3", "committed-3"));
                producer.commitTransaction();
            }
            assertThat(readCommitted(bootstrap, "trades", 3))
                    .containsExactlyInAnyOrder("committed-1", "committed-2", "committed-3");
        }
    }

    @Test
    void shouldStartWithNewPortsWhenAPortFoundFreeIsTakenBeforeTheBrokerBindsIt() throws Exception {
        // the race made to happen: the first start is handed a CLIENT port that another socket holds
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            final AtomicInteger calls = new AtomicInteger();
            EmbeddedKafka.portPicker = n -> {
                final int[] ports = EmbeddedKafka.freePorts(n);
                if (calls.getAndIncrement() == 0) {
                    ports[0] = taken.getLocalPort();
                }
                return ports;
            };
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                assertThat(calls.get()).isEqualTo(2);
                assertThat(kafka.bootstrapServers()).doesNotEndWith(":" + taken.getLocalPort());
                createTopic(kafka.bootstrapServers(), "after-a-port-race", 1);
            } finally {
                EmbeddedKafka.portPicker = EmbeddedKafka::freePorts;
            }
        }
    }

    @Test
    void shouldStartWithNewPortsNotHaltTheJvmWhenTheControllerPortIsTakenBeforeTheBrokerBindsIt() throws Exception {
        // The controller binds its port inside a start whose failures Kafka hands to Exit.halt(1): this race ended
        // the whole JVM instead of being retried.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            final AtomicInteger calls = new AtomicInteger();
            EmbeddedKafka.portPicker = n -> {
                final int[] ports = EmbeddedKafka.freePorts(n);
                if (calls.getAndIncrement() == 0) {
                    ports[2] = taken.getLocalPort();
                }
                return ports;
            };
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                assertThat(calls.get()).isEqualTo(2);
                createTopic(kafka.bootstrapServers(), "after-a-controller-port-race", 1);
            } finally {
                EmbeddedKafka.portPicker = EmbeddedKafka::freePorts;
            }
        }
    }

    @Test
    void shouldNotRetryAStartThatFailedForAnotherReason() {
        final AtomicInteger calls = new AtomicInteger();
        EmbeddedKafka.portPicker = n -> {
            calls.incrementAndGet();
            return EmbeddedKafka.freePorts(n);
        };
        try {
            assertThatThrownBy(() -> EmbeddedKafka.start(Map.of("num.network.threads", "0")))
                    .isInstanceOf(RuntimeException.class);
            assertThat(calls.get()).isEqualTo(1);
        } finally {
            EmbeddedKafka.portPicker = EmbeddedKafka::freePorts;
        }
    }

    @Test
    void shouldFailTheStartNotHaltTheJvmWhenTheControllerQuorumCannotBeReachedWithinTheStartUpBound() throws Exception {
        final int[] ports = EmbeddedKafka.freePorts(4);
        EmbeddedKafka.portPicker = n -> Arrays.copyOf(ports, n);
        // A second voter nobody runs: one vote of two is no majority, so the node never gets a leader and its
        // start never completes.
        final Map<String, String> unreachableQuorum = Map.of(
                "controller.quorum.voters", "1@127.0.0.1:" + ports[2] + ",2@127.0.0.1:" + ports[3],
                EmbeddedKafka.MAX_STARTUP_TIME_CONFIG, "3000");
        final Set<Path> dirsBefore = brokerDirs();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(90), () ->
                    assertThatThrownBy(() -> EmbeddedKafka.start(unreachableQuorum))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining(EmbeddedKafka.MAX_STARTUP_TIME_CONFIG + "=3000")
                            .hasRootCauseInstanceOf(TimeoutException.class));
        } finally {
            EmbeddedKafka.portPicker = EmbeddedKafka::freePorts;
        }
        assertThat(brokerDirs()).as("the failed start's temp dir removed").isSubsetOf(dirsBefore);
    }

    /**
     * The broker dirs in the temp dir that this JVM made (their owner note names its pid): the build runs other
     * modules' tests beside this one (-T 1C), whose brokers come and go in the same temp dir.
     */
    private static Set<Path> brokerDirs() throws IOException {
        final String self = Long.toString(ProcessHandle.current().pid());
        try (var dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("tradepulse-kafka-"))
                    .filter(d -> self.equals(EmbeddedRegistryTest.ownerPid(d)))
                    .collect(Collectors.toSet());
        }
    }

    @Test
    void closeStopsTheBrokerAndRemovesItsDirectoryAndIsIdempotent() {
        final EmbeddedKafka kafka = EmbeddedKafka.start();
        final Path dir = kafka.dataDir();
        assertThat(dir).isDirectory();
        assertThat(dir.resolve("data")).isDirectory();

        kafka.close();

        assertThat(Files.exists(dir)).isFalse();
        assertThat(kafka.isRunning()).isFalse();
        kafka.close();
        assertThatThrownBy(kafka::restart).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stopThenRestartResumesOnTheSameAddress() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            createTopic(kafka.bootstrapServers(), "kept", 1);

            kafka.stop();
            assertThat(kafka.isRunning()).isFalse();
            kafka.restart();

            try (Admin admin = admin(kafka.bootstrapServers())) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("kept");
            }
        }
    }

    @Test
    void overridesReachTheBrokerAndTopicsAreNotAutoCreated() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("num.partitions", "3"));
             Admin admin = admin(kafka.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("defaulted", Optional.empty(), Optional.empty())))
                    .all().get(30, TimeUnit.SECONDS);
            awaitTopic(admin, "defaulted");
            assertThat(admin.describeTopics(List.of("defaulted")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("defaulted").partitions()).hasSize(3);

            final ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            final Config config = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
            assertThat(config.get("auto.create.topics.enable").value()).isEqualTo("false");

            // A producer to a missing topic must not create it.
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000),
                    new StringSerializer(), new StringSerializer())) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("typo-topic", "v")).get())
                        .isInstanceOf(ExecutionException.class);
            }
            assertThatThrownBy(() -> admin.describeTopics(List.of("typo-topic")).allTopicNames().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }

    @Test
    void clientListenerCanBeSecuredByOverridesWithoutBreakingStartUp() throws Exception {
        // SASL_PLAINTEXT stands in for SASL_SSL here (no certificates needed); the mechanics are the same:
        // only CLIENT changes protocol, INTERNAL (readiness probe, txn markers) stays PLAINTEXT.
        final Map<String, String> sasl = Map.of(
                "listener.security.protocol.map", "CLIENT:SASL_PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "listener.name.client.sasl.enabled.mechanisms", "PLAIN",
                "listener.name.client.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"alice-secret\";");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(sasl)) {
            try (Admin alice = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                    "sasl.mechanism", "PLAIN",
                    "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                            + " username=\"alice\" password=\"alice-secret\";"))) {
                assertThat(alice.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
            }
            try (Admin anonymous = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000))) {
                assertThatThrownBy(() -> anonymous.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class);
            }
        }
    }

    private static void createTopic(final String bootstrap, final String topic, final int partitions) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            awaitTopic(admin, topic);
        }
    }

    /**
     * createTopics completes when the controller commits the topic; the broker's metadata cache
     * applies it a few milliseconds later, so the next request may not see it yet.
     */
    private static void awaitTopic(final Admin admin, final String topic) throws Exception {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("topic " + topic + " not visible after " + TIMEOUT);
            }
            Thread.sleep(50);
        }
    }

    private static Admin admin(final String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static KafkaProducer<String, String> transactionalProducer(final String bootstrap, final String txId) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), new StringSerializer());
    }

    /** Reads from the beginning with a fresh group until {@code expected} values arrived or the timeout hit. */
    private static List<String> readCommitted(final String bootstrap, final String topic, final int expected) {
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            final long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            // One more short poll: catches anything beyond `expected` (e.g. aborted records leaking).
            consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
        }
        return values;
    }
}
