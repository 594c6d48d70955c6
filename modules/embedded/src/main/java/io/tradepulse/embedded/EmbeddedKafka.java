package io.tradepulse.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process, single-node Apache Kafka broker in KRaft combined mode (broker and controller in one
 * server), for local runs and the {@code *IT} test tier.
 *
 * <p>The node has three listeners, each on a loopback port picked when {@link #start()} runs and kept
 * for the life of the instance (so {@link #restart()} comes back on the same address):
 * <ul>
 *   <li>{@code CLIENT}: what {@link #bootstrapServers()} returns. PLAINTEXT by default; make it
 *       SASL_SSL by overriding {@code listener.security.protocol.map} (e.g.
 *       {@code CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT}) plus the matching
 *       {@code listener.name.client.*} settings.</li>
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

    private final int clientPort;
    private final int internalPort;
    private final int controllerPort;
    private final Path baseDir;
    private final Map<String, String> brokerConfig;

    private KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafka(final int clientPort, final int internalPort, final int controllerPort,
                          final Path baseDir, final Map<String, String> brokerConfig) {
        this.clientPort = clientPort;
        this.internalPort = internalPort;
        this.controllerPort = controllerPort;
        this.baseDir = baseDir;
        this.brokerConfig = brokerConfig;
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
        final long startedAt = System.nanoTime();
        final Path baseDir;
        try {
            baseDir = Files.createTempDirectory("tradepulse-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temp dir for the embedded broker", e);
        }
        final EmbeddedKafka kafka;
        try {
            final int[] ports = freePorts(3);
            final Map<String, String> config = brokerConfig(ports[0], ports[1], ports[2],
                    baseDir.resolve("data"), brokerConfigOverrides);
            kafka = new EmbeddedKafka(ports[0], ports[1], ports[2], baseDir, config);
            kafka.format();
            kafka.startServer();
        } catch (RuntimeException | Error e) {
            deleteRecursively(baseDir);
            throw e;
        }
        LOG.info("Embedded Kafka ready at {} in {} ms (data in {})", kafka.bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), baseDir);
        return kafka;
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
        return "EmbeddedKafka[" + bootstrapServers() + ", " + baseDir + "]";
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
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {"format",
                    "--config", configFile.toString(),
                    "--cluster-id", Uuid.randomUuid().toString()}, out);
        } catch (Exception e) {
            throw new IllegalStateException("Formatting the embedded broker's storage failed: "
                    + buffer.toString(StandardCharsets.UTF_8), e);
        }
        if (rc != 0) {
            throw new IllegalStateException("Formatting the embedded broker's storage failed (rc=" + rc
                    + "): " + buffer.toString(StandardCharsets.UTF_8));
        }
    }

    private void startServer() {
        final KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(properties(), false), Time.SYSTEM);
        try {
            s.startup();
            awaitReady();
        } catch (RuntimeException | Error e) {
            s.shutdown();
            s.awaitShutdown();
            throw e;
        }
        server = s;
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
     * kernel cannot hand out the same port twice; the broker binds them right after (small race with
     * other processes, acceptable for tests and local runs).
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
