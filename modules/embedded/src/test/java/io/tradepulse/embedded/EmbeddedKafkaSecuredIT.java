package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One SASL_SSL/SCRAM-SHA-512 broker for the class (start ~3 s incl. certificate generation). Proves the
 * listener really is TLS + SCRAM: the right user gets in (transactions included, which need the INTERNAL
 * listener for their markers), a wrong password and a PLAINTEXT client do not, and both the users and the
 * certificate survive a restart.
 */
class EmbeddedKafkaSecuredIT {

    private static final String USER = "tradepulse";
    private static final String PASSWORD = "scram-" + UUID.randomUUID();
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startSecuredBroker() {
        kafka = EmbeddedKafka.startSecured(new SecuritySettings(Map.of(USER, PASSWORD, "reader", "reader-" + UUID.randomUUID())));
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void scramUserCreatedAtFormatTimeWritesAndReadsTransactionallyOverTlsAndAfterRestart() throws Exception {
        assertThat(kafka.isSecured()).isTrue();
        final Map<String, Object> client = new HashMap<>(kafka.clientSecurityConfig(USER));
        assertThat(client).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic("secured", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        produceTransactionally(client, "k1", "before-restart");

        kafka.restart();

        // SCRAM credentials live in the metadata log and the keystore in the broker dir: both survive.
        produceTransactionally(client, "k2", "after-restart");
        assertThat(readCommitted(client, "secured", 2)).containsExactly("before-restart", "after-restart");
        // The second user works too: every --add-scram reached the metadata.
        try (Admin reader = Admin.create(new HashMap<>(kafka.clientSecurityConfig("reader")))) {
            assertThat(reader.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void wrongPasswordIsRefusedWithAnAuthenticationError() {
        final Map<String, Object> wrong = new HashMap<>(kafka.clientSecurityConfig(USER, "not-" + PASSWORD));
        wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(wrong)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class)
                    .cause().hasMessageContaining("SCRAM-SHA-512");
        }
    }

    @Test
    void plaintextClientCannotTalkToTheTlsListener() {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void describesItselfWithoutItsPasswords() {
        assertThat(kafka.toString()).contains("SASL_SSL").doesNotContain(PASSWORD).doesNotContain(kafka.truststorePassword());
        assertThat(kafka.security()).get().asString().doesNotContain(PASSWORD);
    }

    private static void produceTransactionally(final Map<String, Object> client, final String key, final String value)
            throws Exception {
        final Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "secured-tx");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("secured", key, value));
            producer.commitTransaction();
        }
    }

    private static List<String> readCommitted(final Map<String, Object> client, final String topic, final int expected) {
        final Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "secured-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
