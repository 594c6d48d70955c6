package io.tradepulse.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process, single-node Apache Kafka broker in KRaft combined mode (broker and controller in one
 * server), for local runs and the {@code *IT} test tier.
 *
 * <p>The node has three listeners, each on a loopback port picked when {@link #start()} runs and kept
 * for the life of the instance (so {@link #restart()} comes back on the same address):
 * <ul>
 *   <li>{@code CLIENT}: what {@link #bootstrapServers()} returns. PLAINTEXT by default;
 *       {@link #startSecured(SecuritySettings)} makes it SASL_SSL with SCRAM-SHA-512 and a self-signed
 *       certificate (clients get their settings from {@link #clientSecurityConfig(String)});
 *       {@link #startMutualTls(MutualTlsSettings)} makes it SSL requiring a client certificate (clients get
 *       theirs from {@link #clientCertificateConfig(String)}). Any other protocol can be set by overriding
 *       {@code listener.security.protocol.map} plus the matching {@code listener.name.client.*} settings.</li>
 *   <li>{@code INTERNAL}: inter-broker traffic. Even a single node talks to itself over it (the
 *       transaction coordinator sends WriteTxnMarkers to partition leaders through it), so keeping it
 *       PLAINTEXT on loopback means securing {@code CLIENT} never breaks transactions. This class also
 *       probes readiness through it. It is advertised, so anything that can reach 127.0.0.1 can use
 *       it: acceptable for a local/test broker, not a production pattern.</li>
 *   <li>{@code CONTROLLER}: the KRaft quorum listener, never advertised to clients.</li>
 * </ul>
 *
 * <p>Instances are thread-safe; lifecycle methods are serialised.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** Loopback by IP, not "localhost": avoids clients trying ::1 first and keeps SSL SANs simple. */
    static final String HOST = "127.0.0.1";
    static final int NODE_ID = 1;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    static final String MAX_STARTUP_TIME_CONFIG = "server.max.startup.time.ms";
    /** How long the node's own start ({@link KafkaRaftServer#startup()}) may take; overridable. */
    static final Duration MAX_STARTUP_TIME = Duration.ofMinutes(3);

    private final int clientPort;
    private final int internalPort;
    private final int controllerPort;
    private final Path baseDir;
    private final Map<String, String> brokerConfig;
    /** Null unless started by {@link #startSecured}. */
    private final SecuritySettings security;
    /** Null unless started by {@link #startMutualTls}. */
    private final MutualTlsSettings mutualTls;
    /** The broker's certificate; null for a PLAINTEXT broker. */
    private final SelfSignedTls tls;
    /** Client name to its certificate; empty unless started by {@link #startMutualTls}. */
    private final Map<String, SelfSignedTls> clientCertificates;

    private KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafka(final int clientPort, final int internalPort, final int controllerPort,
                          final Path baseDir, final Map<String, String> brokerConfig,
                          final SecuritySettings security, final MutualTlsSettings mutualTls,
                          final SelfSignedTls tls, final Map<String, SelfSignedTls> clientCertificates) {
        this.clientPort = clientPort;
        this.internalPort = internalPort;
        this.controllerPort = controllerPort;
        this.baseDir = baseDir;
        this.brokerConfig = brokerConfig;
        this.security = security;
        this.mutualTls = mutualTls;
        this.tls = tls;
        this.clientCertificates = clientCertificates;
    }

    /** Starts a broker with this class's single-node defaults. */
    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /**
     * Starts a broker; {@code brokerConfigOverrides} are applied last and win over every default here,
     * including listeners and the security protocol map (see the class comment for the listener names).
     */
    public static EmbeddedKafka start(final Map<String, String> brokerConfigOverrides) {
        return start(brokerConfigOverrides, null, null);
    }

    /**
     * Starts a broker whose CLIENT listener is SASL_SSL with SCRAM-SHA-512 only: TLS with a self-signed
     * certificate generated for this broker (SANs 127.0.0.1 and localhost) and the SCRAM users of
     * {@code security}, created in the cluster metadata when the storage is formatted. INTERNAL and
     * CONTROLLER stay PLAINTEXT on loopback (see the class comment). Clients connect with
     * {@link #clientSecurityConfig(String)}.
     */
    public static EmbeddedKafka startSecured(final SecuritySettings security) {
        return startSecured(security, Map.of());
    }

    /** {@link #startSecured(SecuritySettings)} with broker overrides applied last. */
    public static EmbeddedKafka startSecured(final SecuritySettings security,
                                             final Map<String, String> brokerConfigOverrides) {
        return start(brokerConfigOverrides, Objects.requireNonNull(security, "security"), null);
    }

    /**
     * Starts a broker whose CLIENT listener is SSL and requires a client certificate
     * ({@code ssl.client.auth=required}): the broker's self-signed certificate as with
     * {@link #startSecured(SecuritySettings)}, plus one self-signed client certificate per name in
     * {@code clients} (subject {@code CN=<name>}), all trusted by the broker's trust store and by nothing else.
     * A client without a certificate, or with one the broker does not trust, fails the handshake. The principal
     * is taken from the certificate (see {@link MutualTlsSettings}). INTERNAL and CONTROLLER stay PLAINTEXT on
     * loopback, so the node itself acts as {@code User:ANONYMOUS} ({@link #authorizerConfig} names it a super
     * user). Clients connect with {@link #clientCertificateConfig(String)}.
     */
    public static EmbeddedKafka startMutualTls(final MutualTlsSettings clients) {
        return startMutualTls(clients, Map.of());
    }

    /**
     * {@link #startMutualTls(MutualTlsSettings)} with broker overrides applied last, e.g. an authorizer or
     * {@code listener.name.client.ssl.principal.mapping.rules}.
     */
    public static EmbeddedKafka startMutualTls(final MutualTlsSettings clients,
                                               final Map<String, String> brokerConfigOverrides) {
        return start(brokerConfigOverrides, null, Objects.requireNonNull(clients, "clients"));
    }

    /**
     * Broker overrides that turn on KRaft's StandardAuthorizer with nothing allowed without an ACL
     * ({@code allow.everyone.if.no.acl.found=false}) and {@code superUsers} (principals, e.g. {@code User:admin}) as
     * super users. {@code User:ANONYMOUS} is always one of them: INTERNAL and CONTROLLER are PLAINTEXT, so the node
     * itself (controller, transaction markers, the readiness probe) is ANONYMOUS, and refusing it would stop the
     * broker from working at all. Give these to {@link #startSecured(SecuritySettings, Map)} or
     * {@link #startMutualTls(MutualTlsSettings, Map)}.
     */
    public static Map<String, String> authorizerConfig(final String... superUsers) {
        final List<String> principals = new ArrayList<>(List.of(superUsers));
        principals.add("User:ANONYMOUS");
        return Map.of("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users", String.join(";", principals),
                "allow.everyone.if.no.acl.found", "false");
    }

    /** Attempts at starting, each with new ports; see {@link #start(Map, SecuritySettings, MutualTlsSettings)}. */
    static final int START_ATTEMPTS = 3;
    /** Where a start gets its ports ({@link #freePorts}); replaced only by a test that makes a port race happen. */
    static volatile IntFunction<int[]> portPicker = EmbeddedKafka::freePorts;

    /**
     * The ports are found free and then handed to the broker, which binds them a moment later; in between any other
     * process on the machine may take one (an ephemeral port of an outgoing connection, another build's broker), and
     * the broker then fails with "Address already in use". Seen in a test run next to another build. Such a start is
     * repeated with new ports, as {@link EmbeddedRegistry} does for its own port; any other failure is not.
     */
    private static EmbeddedKafka start(final Map<String, String> brokerConfigOverrides, final SecuritySettings security,
                                       final MutualTlsSettings mutualTls) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(brokerConfigOverrides, security, mutualTls);
            } catch (RuntimeException e) {
                if (attempt >= START_ATTEMPTS || !portTaken(e)) {
                    throw e;
                }
                LOG.warn("Embedded Kafka could not bind a port (attempt {}/{}): {}; retrying with new ports", attempt,
                        START_ATTEMPTS, e.toString());
            }
        }
    }

    /** Whether a start failed because a port found free was taken before the broker bound it. */
    static boolean portTaken(final Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) {
                return true;
            }
        }
        return false;
    }

    private static EmbeddedKafka startOnce(final Map<String, String> brokerConfigOverrides,
                                           final SecuritySettings security, final MutualTlsSettings mutualTls) {
        final long startedAt = System.nanoTime();
        final Path baseDir;
        try {
            // Noted as this JVM's; also removes the dirs of JVMs killed before they could (OwnedTempDirs).
            baseDir = OwnedTempDirs.create("tradepulse-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temp dir for the embedded broker", e);
        }
        final EmbeddedKafka kafka;
        try {
            final int[] ports = portPicker.apply(3);
            final Path tlsDir = baseDir.resolve("tls");
            final SelfSignedTls tls = security == null && mutualTls == null ? null : SelfSignedTls.generate(tlsDir);
            final Map<String, SelfSignedTls> clientCertificates = new LinkedHashMap<>();
            final Map<String, String> overrides = new LinkedHashMap<>();
            if (security != null) {
                overrides.putAll(securedClientListener(tls));
            }
            if (mutualTls != null) {
                mutualTls.clients().forEach(name ->
                        clientCertificates.put(name, SelfSignedTls.generateClient(tlsDir.resolve("clients"), name)));
                final Path brokerTruststore = SelfSignedTls.writeTruststore(tlsDir.resolve("broker.truststore.p12"),
                        tls.password(), clientCertificates.values());
                overrides.putAll(mutualTlsClientListener(tls, brokerTruststore));
            }
            overrides.putAll(brokerConfigOverrides);
            final Map<String, String> config = brokerConfig(ports[0], ports[1], ports[2],
                    baseDir.resolve("data"), overrides);
            kafka = new EmbeddedKafka(ports[0], ports[1], ports[2], baseDir, config, security, mutualTls, tls,
                    Map.copyOf(clientCertificates));
            kafka.format();
            kafka.startServer();
        } catch (RuntimeException | Error e) {
            deleteRecursively(baseDir);
            throw e;
        }
        LOG.info("Embedded Kafka ready at {} ({}) in {} ms (data in {})", kafka.bootstrapServers(),
                kafka.describeClientListener(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), baseDir);
        return kafka;
    }

    /**
     * Broker settings that make CLIENT SASL_SSL with SCRAM-SHA-512 and the given keystore; INTERNAL and
     * CONTROLLER keep PLAINTEXT. Package-private for the unit test.
     */
    static Map<String, String> securedClientListener(final SelfSignedTls tls) {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("listener.security.protocol.map", "CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
        // Only SCRAM-SHA-512 on CLIENT: a client asking for PLAIN or SCRAM-SHA-256 is refused at handshake.
        c.put("sasl.enabled.mechanisms", SecuritySettings.MECHANISM);
        c.put("listener.name.client.sasl.enabled.mechanisms", SecuritySettings.MECHANISM);
        // The broker side of SCRAM needs no credentials of its own: it checks clients against the
        // SCRAM records in the metadata log.
        c.put("listener.name.client.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        c.putAll(clientListenerKeystore(tls));
        return c;
    }

    /**
     * Broker settings that make CLIENT SSL with a required client certificate, the broker's keystore and a trust
     * store holding the accepted client certificates; INTERNAL and CONTROLLER keep PLAINTEXT. Package-private for
     * the unit test.
     */
    static Map<String, String> mutualTlsClientListener(final SelfSignedTls tls, final Path brokerTruststore) {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("listener.security.protocol.map", "CLIENT:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
        // "required", not "requested": a client without a certificate must fail the handshake rather than
        // get in as User:ANONYMOUS.
        c.put("listener.name.client.ssl.client.auth", "required");
        c.putAll(clientListenerKeystore(tls));
        c.put("listener.name.client.ssl.truststore.type", SelfSignedTls.STORE_TYPE);
        c.put("listener.name.client.ssl.truststore.location", brokerTruststore.toString());
        c.put("listener.name.client.ssl.truststore.password", tls.password());
        return c;
    }

    private static Map<String, String> clientListenerKeystore(final SelfSignedTls tls) {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("listener.name.client.ssl.keystore.type", SelfSignedTls.STORE_TYPE);
        c.put("listener.name.client.ssl.keystore.location", tls.keystore().toString());
        c.put("listener.name.client.ssl.keystore.password", tls.password());
        c.put("listener.name.client.ssl.key.password", tls.password());
        return c;
    }

    /** Whether this broker was started by {@link #startSecured}. */
    public boolean isSecured() {
        return security != null;
    }

    /** The client certificates of a broker started by {@link #startMutualTls}; empty otherwise. */
    public Optional<MutualTlsSettings> mutualTls() {
        return Optional.ofNullable(mutualTls);
    }

    /** The settings of a secured broker; empty for a PLAINTEXT one. */
    public Optional<SecuritySettings> security() {
        return Optional.ofNullable(security);
    }

    /**
     * Client settings to connect to a secured broker's CLIENT listener as {@code user} (one of the
     * {@link SecuritySettings}): bootstrap servers, {@code security.protocol=SASL_SSL},
     * {@code sasl.mechanism=SCRAM-SHA-512}, {@code sasl.jaas.config} and the PKCS12 truststore holding this
     * broker's certificate. Plain string keys and values, as a properties file would hold them.
     */
    public Map<String, String> clientSecurityConfig(final String user) {
        return clientSecurityConfig(user, requireSecured().passwordOf(user));
    }

    /** Like {@link #clientSecurityConfig(String)} with any password, e.g. a wrong one to test refusal. */
    public Map<String, String> clientSecurityConfig(final String user, final String password) {
        requireSecured();
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("bootstrap.servers", bootstrapServers());
        c.put("security.protocol", "SASL_SSL");
        c.put("sasl.mechanism", SecuritySettings.MECHANISM);
        c.put("sasl.jaas.config", SecuritySettings.jaasConfig(user, password));
        c.putAll(clientTruststore());
        return c;
    }

    /**
     * Client settings to connect to a mutual-TLS broker's CLIENT listener with the certificate of {@code client}
     * (one of the {@link MutualTlsSettings}): bootstrap servers, {@code security.protocol=SSL}, the client's
     * PKCS12 keystore ({@code ssl.keystore.type/location/password}, {@code ssl.key.password}) and the PKCS12
     * truststore holding this broker's certificate ({@code ssl.truststore.*}). Only standard Kafka client keys,
     * plain strings, as a properties file would hold them.
     */
    public Map<String, String> clientCertificateConfig(final String client) {
        if (mutualTls == null) {
            throw new IllegalStateException("EmbeddedKafka at " + bootstrapServers()
                    + " does not take client certificates; start it with EmbeddedKafka.startMutualTls(...)");
        }
        final SelfSignedTls certificate = clientCertificates.get(client);
        if (certificate == null) {
            throw new IllegalArgumentException("no client certificate " + client + " (known: "
                    + mutualTls.clients() + ")");
        }
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("bootstrap.servers", bootstrapServers());
        c.put("security.protocol", "SSL");
        c.put("ssl.keystore.type", SelfSignedTls.STORE_TYPE);
        c.put("ssl.keystore.location", certificate.keystore().toString());
        c.put("ssl.keystore.password", certificate.password());
        c.put("ssl.key.password", certificate.password());
        c.putAll(clientTruststore());
        return c;
    }

    private Map<String, String> clientTruststore() {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("ssl.truststore.type", SelfSignedTls.STORE_TYPE);
        c.put("ssl.truststore.location", truststore().toString());
        c.put("ssl.truststore.password", truststorePassword());
        return c;
    }

    /** PKCS12 truststore holding the self-signed certificate of this secured or mutual-TLS broker. */
    public Path truststore() {
        return requireTls().truststore();
    }

    /** Password of {@link #truststore()}. */
    public String truststorePassword() {
        return requireTls().password();
    }

    private SelfSignedTls requireTls() {
        if (tls == null) {
            throw new IllegalStateException("EmbeddedKafka at " + bootstrapServers()
                    + " is PLAINTEXT; start it with EmbeddedKafka.startSecured(...) or startMutualTls(...)");
        }
        return tls;
    }

    private SecuritySettings requireSecured() {
        if (security == null) {
            throw new IllegalStateException("EmbeddedKafka at " + bootstrapServers()
                    + " is PLAINTEXT; start it with EmbeddedKafka.startSecured(...)");
        }
        return security;
    }

    /**
     * The full broker configuration for a single combined node. Package-private so the defaults and the
     * override semantics are unit-testable without starting anything.
     */
    static Map<String, String> brokerConfig(final int clientPort, final int internalPort,
                                            final int controllerPort, final Path logDir,
                                            final Map<String, String> overrides) {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", Integer.toString(NODE_ID));
        // Static voter set: a one-voter quorum elects itself immediately, and the controller port never
        // changes across restart(), so the dynamic-quorum (--standalone) machinery buys nothing here.
        c.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listeners", "CLIENT://" + HOST + ":" + clientPort
                + ",INTERNAL://" + HOST + ":" + internalPort
                + ",CONTROLLER://" + HOST + ":" + controllerPort);
        c.put("advertised.listeners", "CLIENT://" + HOST + ":" + clientPort
                + ",INTERNAL://" + HOST + ":" + internalPort);
        c.put("listener.security.protocol.map", "CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
        c.put("inter.broker.listener.name", "INTERNAL");
        c.put("log.dirs", logDir.toString());

        // Topics come from the project's topic catalog with explicit partitions, configs and
        // compaction. Auto-creation would silently create a wrongly-configured topic on the first typo
        // or on a consumer racing the creator, and tests would pass against a shape production never has.
        c.put("auto.create.topics.enable", "false");

        // Internal topics default to replication factor 3 / min ISR 2, which one node cannot satisfy:
        // the first consumer group, transaction or share group would hang until it times out.
        c.put("offsets.topic.replication.factor", "1");
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        // 50 partitions each by default: creating and loading them costs seconds on a 2-core CI box the
        // first time a group or transactional producer appears, and one node gains nothing from them.
        c.put("offsets.topic.num.partitions", "1");
        c.put("transaction.state.log.num.partitions", "1");
        c.put("share.coordinator.state.topic.num.partitions", "1");
        c.put("default.replication.factor", "1");
        c.put("min.insync.replicas", "1");

        // No point waiting 3 s for more members to join a classic group: tests and the local launcher
        // start their consumers/streams instances at once.
        c.put("group.initial.rebalance.delay.ms", "0");
        // Same for the streams rebalance protocol (KIP-1071), in case an app opts into it.
        c.put("group.streams.initial.rebalance.delay.ms", "0");

        // The log cleaner allocates its whole dedupe buffer (128 MiB by default) on the heap it shares
        // with the tests and Kafka Streams (-Xmx1g); compacted changelogs here are tiny.
        c.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        // Fewer request/network threads than a production broker: CI has 2 cores, and idle threads
        // still cost stacks and wake-ups.
        c.put("num.network.threads", "2");
        c.put("num.io.threads", "4");
        c.put("background.threads", "4");

        // Kafka's default is Long.MAX_VALUE: a node that cannot complete its start (e.g. a controller quorum
        // overridden to voters it cannot reach) waited in startup() for ever, and so did the caller. Minutes,
        // not the seconds a start takes, so a loaded 2-core box never hits it.
        c.put(MAX_STARTUP_TIME_CONFIG, Long.toString(MAX_STARTUP_TIME.toMillis()));

        c.putAll(overrides);
        return Map.copyOf(c);
    }

    /** {@code host:port} of the CLIENT listener; stable across {@link #restart()}. */
    public String bootstrapServers() {
        return HOST + ":" + clientPort;
    }

    /** Root of this broker's files (config and {@code data/} log dir); removed by {@link #close()}. */
    public Path dataDir() {
        return baseDir;
    }

    /** Whether the broker is currently running (false after {@link #stop()} and {@link #close()}). */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Shuts the broker down cleanly but keeps its ports and data, so {@link #restart()} can resume. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        final long t0 = System.nanoTime();
        final KafkaRaftServer s = server;
        server = null;
        s.shutdown();
        s.awaitShutdown();
        LOG.info("Embedded Kafka at {} stopped in {} ms", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Stops the broker (if running) and starts it again on the same ports with the same data. */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("EmbeddedKafka at " + bootstrapServers() + " is closed");
        }
        stop();
        final long t0 = System.nanoTime();
        startServer();
        LOG.info("Embedded Kafka at {} restarted in {} ms", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Stops the broker and deletes its directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            deleteRecursively(baseDir);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + (tls == null ? "" : " " + describeClientListener())
                + ", " + baseDir + "]";
    }

    /** The CLIENT listener's protocol and who may log in; never a password. */
    private String describeClientListener() {
        if (security != null) {
            return "SASL_SSL/" + SecuritySettings.MECHANISM + ", users " + security.users().keySet();
        }
        if (mutualTls != null) {
            return "SSL with required client certificates, clients " + mutualTls.clients();
        }
        return "PLAINTEXT";
    }

    private Properties properties() {
        final Properties p = new Properties();
        p.putAll(brokerConfig);
        return p;
    }

    /** Formats the log dir like {@code kafka-storage format}, via the API that does not System.exit. */
    private void format() {
        final Path configFile = baseDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(configFile)) {
            properties().store(out, "tradepulse embedded broker");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + configFile, e);
        }
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        final int rc;
        final List<String> args = new ArrayList<>(List.of("format",
                "--config", configFile.toString(),
                "--cluster-id", Uuid.randomUuid().toString()));
        if (security != null) {
            // SCRAM credentials are metadata records; adding them at format time means they exist before
            // the first client connects, with no bootstrap PLAINTEXT window to create them over.
            security.users().forEach((name, password) -> {
                args.add("--add-scram");
                args.add(SecuritySettings.MECHANISM + "=[name=" + name + ",password=" + password + "]");
            });
        }
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(args.toArray(String[]::new), out);
        } catch (Exception e) {
            throw new IllegalStateException("Formatting the embedded broker's storage failed: "
                    + withoutSecrets(buffer.toString(StandardCharsets.UTF_8)), e);
        }
        if (rc != 0) {
            throw new IllegalStateException("Formatting the embedded broker's storage failed (rc=" + rc
                    + "): " + withoutSecrets(buffer.toString(StandardCharsets.UTF_8)));
        }
    }

    /** StorageTool may echo a bad --add-scram argument; our messages must not carry its password. */
    private String withoutSecrets(final String text) {
        String result = text;
        if (security != null) {
            for (String password : security.users().values()) {
                result = result.replace(password, "[hidden]");
            }
        }
        if (tls != null) {
            result = result.replace(tls.password(), "[hidden]");
        }
        for (SelfSignedTls certificate : clientCertificates.values()) {
            result = result.replace(certificate.password(), "[hidden]");
        }
        return result;
    }

    private void startServer() {
        final KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(properties(), false), Time.SYSTEM);
        final long t0 = System.nanoTime();
        startOrCleanUp(() -> {
            try {
                haltReturnsWhileStarting(s::startup);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                // Scala throws checked exceptions undeclared, e.g. the TimeoutException of a start that ran out
                // of server.max.startup.time.ms: as such it passed startOrCleanUp (the half-started node was not
                // shut down) and startOnce (the temp dir stayed).
                throw startFailure(e, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
            awaitReady();
        }, () -> {
            s.shutdown();
            s.awaitShutdown();
        });
        server = s;
    }

    private IllegalStateException startFailure(final Exception e, final long tookMs) {
        final long maxStartupMs = Long.parseLong(brokerConfig.get(MAX_STARTUP_TIME_CONFIG));
        if (e instanceof TimeoutException && tookMs >= maxStartupMs) {
            return new IllegalStateException("Embedded broker did not start within " + MAX_STARTUP_TIME_CONFIG + "="
                    + maxStartupMs + " ms (e.g. its controller quorum, controller.quorum.voters="
                    + brokerConfig.get("controller.quorum.voters") + ", has no reachable majority)", e);
        }
        return new IllegalStateException("Embedded broker failed to start after " + tookMs + " ms: " + e, e);
    }

    private static final Object HALT_LOCK = new Object();
    /** The threads inside {@link #haltReturnsWhileStarting}; guarded by HALT_LOCK. */
    private static final Set<Thread> STARTING = new HashSet<>();
    /** Those of them for which Kafka asked to halt; guarded by HALT_LOCK. */
    private static final Set<Thread> HALT_ASKED = new HashSet<>();
    /** Kafka's halt procedure before the first of them; null when it could not be read. Guarded by HALT_LOCK. */
    private static Exit.Procedure haltBefore;
    private static final Exit.Procedure HALT_UNLESS_STARTING = (code, message) -> {
        final Exit.Procedure before;
        synchronized (HALT_LOCK) {
            if (STARTING.contains(Thread.currentThread())) {
                HALT_ASKED.add(Thread.currentThread());
                return;
            }
            before = haltBefore;
        }
        if (before != null) {
            before.execute(code, message);
        } else {
            Runtime.getRuntime().halt(code);
        }
    };

    /**
     * Runs a node's {@code startup()} with Kafka's JVM-wide halt procedure returning in this thread. The controller
     * hands any failure of its start (a {@value #MAX_STARTUP_TIME_CONFIG} that ran out, a port taken, a bad config)
     * to a fault handler that calls {@code Exit.halt(1)}: right for a broker process, but here it ended the whole
     * launcher or test JVM at once, without its shutdown hooks (the registry child and the temp dirs stayed behind),
     * instead of failing the start. When the halt returns, the controller shuts itself down and rethrows the failure
     * (as Kafka's own tests have it), so the caller gets it with its cause. Other threads' halts go to the procedure
     * that was there before; the last start out puts it back. Package-private for the unit test.
     */
    static void haltReturnsWhileStarting(final Runnable startup) {
        final Thread self = Thread.currentThread();
        synchronized (HALT_LOCK) {
            if (STARTING.isEmpty()) {
                haltBefore = currentHaltProcedure();
                Exit.setHaltProcedure(HALT_UNLESS_STARTING);
            }
            STARTING.add(self);
        }
        boolean haltAsked;
        try {
            startup.run();
        } finally {
            synchronized (HALT_LOCK) {
                STARTING.remove(self);
                haltAsked = HALT_ASKED.remove(self);
                if (STARTING.isEmpty()) {
                    if (haltBefore != null) {
                        Exit.setHaltProcedure(haltBefore);
                    } else {
                        Exit.resetHaltProcedure();
                    }
                    haltBefore = null;
                }
            }
        }
        if (haltAsked) {
            // A start that carried on after its halt returned: not one to hand out as started.
            throw new IllegalStateException("Kafka asked to halt the JVM while the embedded broker started"
                    + " (its log has the fatal fault)");
        }
    }

    /** Kafka 4.4's Exit has no getter; null (and the default put back) should a later Kafka rename the field. */
    static Exit.Procedure currentHaltProcedure() {
        try {
            final Field field = Exit.class.getDeclaredField("haltProcedure");
            field.setAccessible(true);
            return (Exit.Procedure) field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Cannot read Kafka's current halt procedure ({}); the default is put back after a start",
                    e.toString());
            return null;
        }
    }

    /**
     * Runs {@code start}; should it fail, runs {@code cleanUp} and rethrows the start's own failure, any failure of
     * the clean-up added to it as suppressed. Shutting down a half-started server can fail too, and that failure
     * used to replace the start's: the caller lost why the broker did not start, and a port race (a BindException
     * in the start's causes) was no longer recognised, so the start was not repeated with new ports.
     * Package-private for the unit test.
     */
    static void startOrCleanUp(final Runnable start, final Runnable cleanUp) {
        try {
            start.run();
        } catch (RuntimeException | Error e) {
            try {
                cleanUp.run();
            } catch (RuntimeException | Error cleanUpFailure) {
                e.addSuppressed(cleanUpFailure);
            }
            throw e;
        }
    }

    /**
     * startup() already blocks until the broker is unfenced; this extra round trip proves the listener
     * answers requests, through INTERNAL so it keeps working when CLIENT is secured.
     */
    private void awaitReady() {
        final Map<String, Object> adminConfig = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + internalPort,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) READY_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(adminConfig)) {
            final int brokers = admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
            if (brokers != 1) {
                throw new IllegalStateException("Expected 1 live broker, cluster reports " + brokers);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the embedded broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("Embedded broker did not become ready within " + READY_TIMEOUT, e);
        }
    }

    /**
     * Picks ports by binding to port 0. All sockets are held open until every port is chosen so the
     * kernel cannot hand out the same port twice; the broker binds them right after (a small race with
     * other processes: a start that loses it is repeated with new ports).
     */
    static int[] freePorts(final int count) {
        final ServerSocket[] sockets = new ServerSocket[count];
        try {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 50, InetAddress.getByName(HOST));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find free ports", e);
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // nothing useful to do: the port is released when the JVM exits anyway
                    }
                }
            }
        }
    }

    static void deleteRecursively(final Path dir) {
        OwnedTempDirs.release(dir);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not fully delete {}: {}", dir, e.toString());
        }
    }
}
