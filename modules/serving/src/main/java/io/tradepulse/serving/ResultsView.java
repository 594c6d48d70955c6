package io.tradepulse.serving;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live, read-only view of the output topics for the REST API and the dashboard: a background consumer
 * tails {@code trade.changes} (ChangeKey -> TradeChange) and {@code trade.signals} (SignalKey -> TradeSignal)
 * from the beginning with {@code isolation.level=read_committed} and keeps the latest value per key, exactly
 * what a BI consumer of the compacted topics sees. No consumer group: every instance reads everything, and
 * nothing is committed (the view is rebuilt from the topics on start).
 */
public final class ResultsView implements Results, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResultsView.class);

    private final Map<ChangeKey, TradeChange> changes = new ConcurrentHashMap<>();
    private final Map<SignalKey, TradeSignal> signals = new ConcurrentHashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topic<ChangeKey, TradeChange> changesTopic;
    private final Topic<SignalKey, TradeSignal> signalsTopic;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile boolean caughtUp;

    public ResultsView(Map<String, Object> clientConfig, TopicCatalog topics) {
        Map<String, Object> props = new HashMap<>(clientConfig);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.changesTopic = topics.changes();
        this.signalsTopic = topics.signals();
        this.thread = new Thread(this::loop, "tradepulse-results-view");
        this.thread.setDaemon(true);
    }

    public ResultsView start() {
        thread.start();
        return this;
    }

    private void loop() {
        try {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : List.of(changesTopic.name(), signalsTopic.name())) {
                consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> initialEnds = consumer.endOffsets(parts);
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    apply(r);
                }
                if (!caughtUp && parts.stream().allMatch(tp -> consumer.position(tp) >= initialEnds.get(tp))) {
                    caughtUp = true;
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            log.error("Results view stopped: {}", e.getMessage(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.topic().equals(changesTopic.name())) {
            upsert(changes, changesTopic, r);
        } else {
            upsert(signals, signalsTopic, r);
        }
    }

    private static <K, V> void upsert(Map<K, V> table, Topic<K, V> topic, ConsumerRecord<byte[], byte[]> r) {
        K key = topic.keySerde().deserializer().deserialize(r.topic(), r.key());
        V value = topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
        if (value == null) {
            table.remove(key); // tombstone
        } else {
            table.put(key, value);
        }
    }

    @Override
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public List<TradeChange> changes() {
        return List.copyOf(changes.values());
    }

    @Override
    public List<TradeSignal> signals() {
        return List.copyOf(signals.values());
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
