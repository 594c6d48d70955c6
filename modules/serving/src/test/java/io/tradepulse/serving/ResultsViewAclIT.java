package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.TradeChange;
import io.tradepulse.core.AvroSerdes;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.SecuritySettings;
import io.tradepulse.serving.Results.SeriesFilter;
import io.tradepulse.testsupport.Acls;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.LogCapture;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The results view on a broker that enforces ACLs (StandardAuthorizer, SASL_SSL/SCRAM, nothing allowed without an
 * ACL): what an operator sees when the view's principal lacks Read on the output topics, and how soon it reads once
 * Read is granted, without a restart.
 */
@WithEmbeddedPlatform
class ResultsViewAclIT {
    private static final String ADMIN = "admin";
    private static final String VIEWER = "viewer";
    private static final String PASSWORD = "scram-" + UUID.randomUUID();
    private static final String CANNOT_ADVANCE = "Results view cannot advance";
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startAuthorizingBroker() {
        kafka = EmbeddedKafka.startSecured(new SecuritySettings(Map.of(ADMIN, PASSWORD, VIEWER, PASSWORD)),
                EmbeddedKafka.authorizerConfig("User:" + ADMIN));
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldReadWithinSecondsOnceReadIsGrantedWhenEveryPartitionWasRefused(EmbeddedPlatform platform,
            @TempDir Path tmp) throws Exception {
        String prefix = "it.view-acl." + UUID.randomUUID().toString().substring(0, 8) + ".";
        // The default partition count: each fetch the broker refuses leaves the consumer one error per partition,
        // 12 here, and it hands them out one per poll.
        TopicCatalog topics = new TopicCatalog(prefix, TopicCatalog.DEFAULT_PARTITIONS, (short) 1,
                new AvroSerdes(Map.of("schema.registry.url", platform.registryUrl()), null));
        try (Admin admin = Admin.create(client(ADMIN))) {
            admin.createTopics(List.of(new NewTopic(topics.changes().name(), TopicCatalog.DEFAULT_PARTITIONS, (short) 1),
                    new NewTopic(topics.signals().name(), TopicCatalog.DEFAULT_PARTITIONS, (short) 1))).all().get();
        }
        TradeChange may = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 28_800_000_000L);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client(ADMIN), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            Topic<?, TradeChange> changes = topics.changes();
            producer.send(new ProducerRecord<>(changes.name(),
                    topics.changes().keySerde().serializer().serialize(changes.name(), ResultsStoreTest.key(may)),
                    changes.valueSerde().serializer().serialize(changes.name(), may))).get();
        }
        // Describe only: the view finds the partitions and their offsets, and every fetch is refused.
        List<AclBinding> describe = new ArrayList<>();
        List<AclBinding> read = new ArrayList<>();
        for (String topic : List.of(topics.changes().name(), topics.signals().name())) {
            describe.addAll(Acls.allow(VIEWER, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.DESCRIBE));
            read.addAll(Acls.allow(VIEWER, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ));
        }
        Acls.create(client(ADMIN), describe);

        try (LogCapture logs = LogCapture.warnings();
             ResultsView view = new ResultsView(client(VIEWER), topics, tmp.resolve("view")).start()) {
            long started = System.nanoTime();
            // Five failed reads: the back-off has grown past its first steps, and the consumer still holds errors
            // from the refused fetch for most partitions.
            assertThat(await(() -> failures(logs) >= 5, Duration.ofSeconds(60)))
                    .as("five failed reads within 60 s; view failure: %s", view.failure()).isTrue();
            Duration refusedFor = Duration.ofNanos(System.nanoTime() - started);
            assertThat(view.failure()).as("not ready while Read is missing")
                    .hasValueSatisfying(f -> assertThat(f).contains("TopicAuthorizationException"));
            assertThat(view.caughtUp()).isFalse();
            // It waits between attempts (at least the first back-off, 500 ms) rather than spinning on the error.
            assertThat((long) failures(logs)).as("failed reads in %s", refusedFor)
                    .isLessThanOrEqualTo(refusedFor.toMillis() / 500 + 1);

            Acls.create(client(ADMIN), read); // returns once the broker enforces the grant
            long granted = System.nanoTime();
            boolean recovered = await(() -> view.caughtUp() && view.failure().isEmpty(), Duration.ofSeconds(60));
            Duration recovery = Duration.ofNanos(System.nanoTime() - granted);
            System.out.printf("ResultsViewAclIT: %d failed reads in %d ms while refused; read %d ms after the grant%n",
                    failures(logs), refusedFor.toMillis(), recovery.toMillis());
            assertThat(recovered).as("read again within 60 s of the grant; view failure: %s", view.failure()).isTrue();
            // Within one capped back-off and a poll; before, each error still held cost a back-off growing to
            // 30 s, some minutes in all.
            assertThat(recovery).as("time from the grant to reading").isLessThan(Duration.ofSeconds(20));
            assertThat(view.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, 10).rows()).containsExactly(may);
        }
    }

    private static int failures(LogCapture logs) {
        return (int) logs.events().stream().filter(e -> e.contains(CANNOT_ADVANCE)).count();
    }

    private static Map<String, Object> client(String user) {
        return new HashMap<>(kafka.clientSecurityConfig(user, PASSWORD));
    }

    private static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
