package io.tradepulse.streams;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
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

    private final KafkaStreams streams;
    private final TopicCatalog topics;
    /** The registry client this instance created (closed with it), null when the caller passed one in. */
    private final SchemaRegistryClient ownClient;

    public ProcessorApp(ProcessorConfig config) {
        this(config, CachedSchemaRegistryClient::new);
    }

    /** As {@link #ProcessorApp(ProcessorConfig)}, creating its own registry client (when it needs one) with {@code newClient}. */
    ProcessorApp(ProcessorConfig config, Function<Map<String, Object>, SchemaRegistryClient> newClient) {
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
            Properties props = new Properties();
            props.putAll(config.streamsConfig());
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
    }

    public static ProcessorApp create(Map<?, ?> config) {
        return new ProcessorApp(new ProcessorConfig(config));
    }

    public void start() {
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
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (ownClient != null) {
            ownClient.close();
        }
    }
}
