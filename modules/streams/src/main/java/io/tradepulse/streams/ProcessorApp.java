package io.tradepulse.streams;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lifecycle of the trade processor (the topology itself is {@link TradeTopology#build}).
 *
 * <p>Inputs: {@code trade.records} (SeriesKey -> TradeRecord), {@code trade.records.derived} (its own
 * roll-ups, same types; read only when roll-ups are on) and {@code tariff.events} (String id -> TariffEvent, read whole as a GlobalKTable).
 * Outputs: {@code trade.changes} (ChangeKey -> TradeChange, compacted), {@code trade.signals} (SignalKey ->
 * TradeSignal, compacted), {@code trade.records.derived} and {@code trade.dlq} (String origin -> DeadLetter);
 * internal: the {@code rollup-by-parent} repartition topic (ChangeKey -> RollupContribution). Runs with
 * {@code exactly_once_v2} by default: state, outputs and input offsets commit in one transaction.
 */
public final class ProcessorApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProcessorApp.class);
    private static final Duration DEAD_LETTER_LIMIT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RESTORE_CHECK_EVERY = Duration.ofSeconds(5);

    private final KafkaStreams streams;
    private final TopicCatalog topics;
    /** The registry client this instance created (closed with it), null when the caller passed one in. */
    private final SchemaRegistryClient ownClient;
    /** The Kafka Streams properties, for the admin client that reads the dead-letter topic's limit at start. */
    private final Properties props;
    /** The dead-letter topic's max.message.bytes, read by {@link #start} and shared with the dead-letter handlers. */
    private final DeadLetterTopicLimit deadLetterLimit = new DeadLetterTopicLimit();
    /** Logs the state restoration, which Kafka Streams itself logs only below the levels `run` shows. */
    private final RestoreProgress restoreProgress = new RestoreProgress();
    /** Runs {@link RestoreProgress#check} from {@link #start} to {@link #close}. */
    private volatile ScheduledExecutorService restoreWatch;

    public ProcessorApp(ProcessorConfig config) {
        this(config, CachedSchemaRegistryClient::new);
    }

    /** As {@link #ProcessorApp(ProcessorConfig)}, creating its own registry client (when it needs one) with {@code newClient}. */
    ProcessorApp(ProcessorConfig config, Function<Map<String, Object>, SchemaRegistryClient> newClient) {
        config.checkProcessorTransactionTimeout();
        List<String> unknownSources = config.sourcePrecedence().namesNoBuiltInSourceWrites();
        if (!unknownSources.isEmpty()) {
            log.warn("{} names {}, which no tradepulse connector writes (they write {}): a typo ranks nothing; a file "
                    + "source's file.source.name may write such a name", ProcessorConfig.SOURCE_PRECEDENCE_CONFIG,
                    unknownSources, new TreeSet<>(SourcePrecedence.BUILT_IN_SOURCES));
        }
        // One registry client for the whole instance: the topology's serdes and the dead-letter handlers, which
        // Streams instantiates and configures for every task, and which would otherwise each build a topic catalog
        // with clients of its own (in a 1 M `tradepulse bench` run, 1,320 registry clients, each an HTTP client
        // with its own thread, before this was shared).
        if (config.registryClient() == null) {
            ownClient = newClient.apply(config.serdeConfig());
            config = config.withRegistryClient(ownClient);
        } else {
            ownClient = null;
        }
        try {
            this.topics = config.topicCatalog();
            Topology topology = TradeTopology.build(topics, StateSerdes.defaults(), config.signalConfig(),
                    config.rollupConfig(), config.inputRules(), config.stateStoreType(), Clock.systemUTC());
            this.props = new Properties();
            props.putAll(config.streamsConfig());
            // Streams hands its configuration to the handlers it instantiates: they all fit to this one instance.
            props.put(DeadLetterTopicLimit.CONFIG, deadLetterLimit);
            this.streams = new KafkaStreams(topology, props);
        } catch (RuntimeException | Error e) {
            // No instance to close() comes out of a failed constructor: release the client here, or every retry of a
            // long-lived JVM (the launcher, tests) that catches the error keeps one more (its shared HTTP client's
            // lease, hence its selector thread and connections, is never given back).
            if (ownClient != null) {
                try {
                    ownClient.close();
                } catch (RuntimeException closeError) {
                    e.addSuppressed(closeError);
                }
            }
            throw e;
        }
        // A failed thread under EOS aborts its transaction; replacing it resumes from the last commit, so a
        // transient error costs a retry instead of the whole instance.
        streams.setUncaughtExceptionHandler(e -> {
            if (Thread.currentThread().getName().contains("GlobalStreamThread")) {
                // Streams cannot replace the global thread (it refuses REPLACE_THREAD for it): say what happens.
                log.error("The global (tariff.events) thread failed; the instance stops", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            log.error("Stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> log.info("Processor state {} -> {}", before, now));
        streams.setGlobalStateRestoreListener(restoreProgress);
    }

    public static ProcessorApp create(Map<?, ?> config) {
        return new ProcessorApp(new ProcessorConfig(config));
    }

    /**
     * Reads the dead-letter topic's max.message.bytes (bounded: a broker that cannot answer leaves it unknown, with a
     * warning), then starts Kafka Streams.
     */
    public void start() {
        // Kafka Streams refuses a second start, or a start after close, but only in streams.start(): after the limit
        // read below, which against an unreachable or closed-down cluster waits its whole timeout (15 s, then 5 s
        // for the admin client) and warns that the limit cannot be read before the real error.
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.CREATED) {
            throw new IllegalStateException("The processor cannot start in state " + state
                    + " (already started or closed); create a new ProcessorApp");
        }
        // Before the threads start, so that the first dead letter is already fitted to the topic.
        try {
            // The protected constructor: Kafka Streams logs the whole configuration already, once is enough.
            Admin admin = Admin.create(new StreamsConfig(props, false) {
            }.getAdminConfigs("tradepulse-dlq-limit"));
            try {
                deadLetterLimit.read(admin, topics.deadLetters().name(), DEAD_LETTER_LIMIT_TIMEOUT);
            } finally {
                // Bounded: after a timed-out read the request is still pending, and close() would wait for it.
                admin.close(Duration.ofSeconds(5));
            }
        } catch (RuntimeException e) {
            // Kafka Streams' own admin client was built from the same settings, so this is unexpected; the limit
            // stays unknown (max.request.size alone, as before) rather than the instance not starting.
            log.warn("Cannot read the max.message.bytes of {}: {}", topics.deadLetters().name(), e.toString());
        }
        // A daemon thread: a stall warning must never keep a JVM alive, nor a failed check stop the next one.
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tradepulse-restore-progress");
            t.setDaemon(true);
            return t;
        });
        watch.scheduleWithFixedDelay(() -> {
            try {
                restoreProgress.check();
            } catch (RuntimeException e) {
                log.warn("Restoration progress check failed: {}", e.toString());
            }
        }, RESTORE_CHECK_EVERY.toMillis(), RESTORE_CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        restoreWatch = watch;
        streams.start();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public TopicCatalog topics() {
        return topics;
    }

    /** Commits, closes the stores and leaves the consumer group so partitions move at once. */
    @Override
    public void close() {
        ScheduledExecutorService watch = restoreWatch;
        if (watch != null) {
            watch.shutdownNow();
        }
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (ownClient != null) {
            ownClient.close();
        }
    }
}
