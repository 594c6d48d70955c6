package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaConfigTest {

    private static final Path LOG_DIR = Path.of("/tmp/x/data");

    @Test
    void singleNodeDefaultsCanBeSatisfiedByOneBroker() {
        final Map<String, String> c = EmbeddedKafka.brokerConfig(1001, 1002, 1003, LOG_DIR, Map.of());

        assertThat(c).containsEntry("process.roles", "broker,controller")
                .containsEntry("controller.quorum.voters", "1@127.0.0.1:1003")
                .containsEntry("auto.create.topics.enable", "false")
                .containsEntry("group.initial.rebalance.delay.ms", "0")
                .containsEntry("log.dirs", LOG_DIR.toString());
        // Every internal-topic replication factor / min ISR must be 1, or the coordinator that owns the
        // topic never comes up on one node.
        c.forEach((key, value) -> {
            if (key.endsWith("replication.factor") || key.endsWith("min.isr") || key.equals("min.insync.replicas")) {
                assertThat(value).as(key).isEqualTo("1");
            }
        });
        assertThat(c).containsKeys("offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "transaction.state.log.min.isr", "share.coordinator.state.topic.replication.factor",
                "share.coordinator.state.topic.min.isr");
    }

    @Test
    void listenersUseTheChosenPortsAndOnlyClientAndInternalAreAdvertised() {
        final Map<String, String> c = EmbeddedKafka.brokerConfig(1001, 1002, 1003, LOG_DIR, Map.of());

        assertThat(c.get("listeners"))
                .isEqualTo("CLIENT://127.0.0.1:1001,INTERNAL://127.0.0.1:1002,CONTROLLER://127.0.0.1:1003");
        assertThat(c.get("advertised.listeners")).isEqualTo("CLIENT://127.0.0.1:1001,INTERNAL://127.0.0.1:1002");
        assertThat(c).containsEntry("inter.broker.listener.name", "INTERNAL")
                .containsEntry("controller.listener.names", "CONTROLLER");
        // Every listener name must have a security protocol, or KafkaConfig rejects the config.
        assertThat(c.get("listener.security.protocol.map"))
                .contains("CLIENT:", "INTERNAL:", "CONTROLLER:");
    }

    @Test
    void overridesWinOverEveryDefaultIncludingSecurityProtocolMap() {
        final Map<String, String> c = EmbeddedKafka.brokerConfig(1001, 1002, 1003, LOG_DIR, Map.of(
                "listener.security.protocol.map", "CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "auto.create.topics.enable", "true",
                "num.partitions", "3"));

        assertThat(c).containsEntry("listener.security.protocol.map",
                        "CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT")
                .containsEntry("auto.create.topics.enable", "true")
                .containsEntry("num.partitions", "3")
                // untouched defaults survive
                .containsEntry("offsets.topic.replication.factor", "1");
    }

    @Test
    void shouldReportTheStartFailureWithTheCleanUpFailureSuppressedWhenShuttingDownTheHalfStartedBrokerFailsToo() {
        final IllegalStateException startFailure = new IllegalStateException("broker did not start",
                new BindException("Address already in use"));
        final IllegalStateException shutdownFailure = new IllegalStateException("shutdown of a half-started server");
        final AtomicBoolean cleanedUp = new AtomicBoolean();

        assertThatThrownBy(() -> EmbeddedKafka.startOrCleanUp(() -> {
            throw startFailure;
        }, () -> {
            cleanedUp.set(true);
            throw shutdownFailure;
        })).isSameAs(startFailure).hasSuppressedException(shutdownFailure)
                // still seen as a port race, so the start is repeated with new ports
                .satisfies(thrown -> assertThat(EmbeddedKafka.portTaken(thrown)).isTrue());
        assertThat(cleanedUp).isTrue();
    }

    @Test
    void shouldNotCleanUpWhenTheStartSucceeds() {
        final AtomicBoolean cleanedUp = new AtomicBoolean();

        EmbeddedKafka.startOrCleanUp(() -> { }, () -> cleanedUp.set(true));

        assertThat(cleanedUp).isFalse();
    }

    @Test
    void shouldBoundTheNodesStartUpByDefaultAndLetAnOverrideChangeTheBound() {
        final Map<String, String> c = EmbeddedKafka.brokerConfig(1001, 1002, 1003, LOG_DIR, Map.of());
        final Map<String, String> overridden = EmbeddedKafka.brokerConfig(1001, 1002, 1003, LOG_DIR,
                Map.of("server.max.startup.time.ms", "5000"));

        // Kafka's own default is Long.MAX_VALUE: a start that cannot complete waited for ever.
        assertThat(Long.parseLong(c.get("server.max.startup.time.ms")))
                .isBetween(Duration.ofMinutes(1).toMillis(), Duration.ofMinutes(10).toMillis());
        assertThat(overridden).containsEntry("server.max.startup.time.ms", "5000");
    }

    @Test
    void shouldLetKafkasHaltReturnInTheStartingThreadAndPutBackTheCallersProcedureWhenTheStartEnds()
            throws Exception {
        final List<String> callersHalts = new CopyOnWriteArrayList<>();
        final Exit.Procedure callers = (code, message) -> callersHalts.add(Thread.currentThread().getName());
        Exit.setHaltProcedure(callers);
        try {
            final String otherThreadsHalt = "another thread's halt";
            assertThatThrownBy(() -> EmbeddedKafka.haltReturnsWhileStarting(() -> {
                // What the controller's start-up fault handler does; the controller then rethrows its failure.
                Exit.halt(1);
                final Thread other = new Thread(() -> Exit.halt(1), otherThreadsHalt);
                other.start();
                try {
                    other.join();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            })).isInstanceOf(IllegalStateException.class).hasMessageContaining("halt");

            assertThat(callersHalts).as("only the other thread's halt reached the JVM's procedure")
                    .containsExactly(otherThreadsHalt);
            assertThat(EmbeddedKafka.currentHaltProcedure()).as("put back").isSameAs(callers);
        } finally {
            Exit.resetHaltProcedure();
        }
    }

    @Test
    void freePortsAreDistinctAndNonZero() {
        final int[] ports = EmbeddedKafka.freePorts(3);

        assertThat(ports).hasSize(3).doesNotContain(0);
        assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(3);
    }

    @Test
    void securedClientListenerIsSaslSslWithScramSha512OnlyAndLeavesInternalAndControllerPlaintext() {
        final SelfSignedTls tls = new SelfSignedTls(Path.of("/tls/ks.p12"), Path.of("/tls/ts.p12"), "store-secret");
        final Map<String, String> c = EmbeddedKafka.brokerConfig(1001, 1002, 1003, LOG_DIR,
                EmbeddedKafka.securedClientListener(tls));

        assertThat(c).containsEntry("listener.security.protocol.map", "CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT")
                .containsEntry("listener.name.client.sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .containsEntry("listener.name.client.ssl.keystore.location", "/tls/ks.p12")
                .containsEntry("listener.name.client.ssl.keystore.type", "PKCS12")
                .containsEntry("inter.broker.listener.name", "INTERNAL");
        assertThat(c.get("listener.name.client.scram-sha-512.sasl.jaas.config")).contains("ScramLoginModule required");
    }

    @Test
    void mutualTlsClientListenerIsSslRequiringAClientCertificateAndLeavesInternalAndControllerPlaintext() {
        final SelfSignedTls tls = new SelfSignedTls(Path.of("/tls/ks.p12"), Path.of("/tls/ts.p12"), "store-secret");
        final Map<String, String> c = EmbeddedKafka.brokerConfig(1001, 1002, 1003, LOG_DIR,
                EmbeddedKafka.mutualTlsClientListener(tls, Path.of("/tls/clients.p12")));

        assertThat(c).containsEntry("listener.security.protocol.map", "CLIENT:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT")
                .containsEntry("listener.name.client.ssl.client.auth", "required")
                .containsEntry("listener.name.client.ssl.keystore.location", "/tls/ks.p12")
                .containsEntry("listener.name.client.ssl.truststore.location", "/tls/clients.p12")
                .containsEntry("listener.name.client.ssl.truststore.type", "PKCS12")
                .containsEntry("inter.broker.listener.name", "INTERNAL");
        // No SASL on an SSL listener: the certificate is the only credential.
        assertThat(c.keySet()).noneMatch(key -> key.contains("sasl"));
    }

    @Test
    void authorizerConfigAllowsNothingWithoutAnAclButKeepsTheNodeItselfASuperUser() {
        assertThat(EmbeddedKafka.authorizerConfig("User:admin", "User:CN=ops"))
                .containsEntry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .containsEntry("allow.everyone.if.no.acl.found", "false")
                // INTERNAL and CONTROLLER are PLAINTEXT: the node talks to itself as User:ANONYMOUS.
                .containsEntry("super.users", "User:admin;User:CN=ops;User:ANONYMOUS");
    }

    @Test
    void mutualTlsSettingsNameTheDefaultPrincipalAndRefuseNoClients() {
        assertThat(MutualTlsSettings.of("tradepulse", "reader").clients()).containsExactlyInAnyOrder("tradepulse", "reader");
        assertThat(MutualTlsSettings.defaultPrincipal("tradepulse")).isEqualTo("User:CN=tradepulse");
        assertThatThrownBy(MutualTlsSettings::of).isInstanceOf(IllegalArgumentException.class);
        // The name becomes a file name and a distinguished name: nothing that needs escaping.
        assertThatThrownBy(() -> SelfSignedTls.generateClient(LOG_DIR, "CN=x,O=y"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void securitySettingsNeverPrintPasswordsAndRefuseOnesStorageToolWouldCut() {
        final SecuritySettings settings = SecuritySettings.scramUser("tradepulse", "s3cret-Pa55");

        assertThat(settings.toString()).contains("tradepulse").doesNotContain("s3cret-Pa55");
        assertThat(settings.passwordOf("tradepulse")).isEqualTo("s3cret-Pa55");
        assertThat(new SelfSignedTls(Path.of("k"), Path.of("t"), "store-secret").toString()).doesNotContain("store-secret");
        // ',' ']' and '=' are StorageTool's separators inside --add-scram: the password would be truncated.
        assertThatThrownBy(() -> SecuritySettings.scramUser("tradepulse", "a,b]c=d"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("a,b]c=d");
        assertThatThrownBy(() -> new SecuritySettings(Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
