package io.tradepulse.core;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import java.util.List;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one typed catalog of tradepulse topics. Topology, producers, consumers and topic creation all take
 * their names and serdes from here; nothing else spells a topic name.
 *
 * <p>Keys: {@code trade.records} is keyed by {@link SeriesKey} so every month of a series lands in one
 * partition and meets the per-series state without a repartition; {@code trade.changes} and
 * {@code trade.signals} are keyed per (series, month) and compacted, so BI reads the latest value of each
 * cell. {@code trade.records.derived} carries the processor's roll-ups back to it, keyed and partitioned like
 * {@code trade.records}. {@code tariff.events} is keyed by the event id as a plain UTF-8 string; {@code trade.dlq} by
 * the origin as an Avro string in the wire format (subject {@code trade.dlq-key}), as Kafka Connect's Avro converter
 * writes the connectors' dead letters.
 */
public final class TopicCatalog {
    public static final String RECORDS = "trade.records";
    public static final String DERIVED_RECORDS = "trade.records.derived";
    public static final String TARIFF_EVENTS = "tariff.events";
    public static final String CHANGES = "trade.changes";
    public static final String SIGNALS = "trade.signals";
    public static final String DLQ = "trade.dlq";
    /** Every catalog topic's name without the prefix. */
    public static final List<String> NAMES = List.of(RECORDS, DERIVED_RECORDS, TARIFF_EVENTS, CHANGES, SIGNALS, DLQ);

    /**
     * Checks that {@code prefix} (null or empty: none) makes a valid Kafka topic name of every catalog topic. Only the
     * broker checked them, when the topics were created or first used: after a start had set up everything else.
     *
     * @throws InvalidTopicException naming the first name that is not valid, and why (its characters, its length)
     */
    public static void validatePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return;
        }
        for (String name : NAMES) {
            org.apache.kafka.common.internals.Topic.validate(prefix + name);
        }
    }

    /** Default partition count of the trade topics: the scale-out unit of the Streams instances. */
    public static final int DEFAULT_PARTITIONS = 6;

    private final Topic<SeriesKey, TradeRecord> records;
    private final Topic<SeriesKey, TradeRecord> derivedRecords;
    private final Topic<String, TariffEvent> tariffEvents;
    private final Topic<ChangeKey, TradeChange> changes;
    private final Topic<SignalKey, TradeSignal> signals;
    private final Topic<String, DeadLetter> deadLetters;

    /**
     * @param prefix            prepended to every topic name (empty for the defaults), e.g. {@code test-42.}
     * @param partitions        partitions of the trade topics
     * @param replicationFactor replication factor of every topic (-1 = broker default)
     * @param serdes            factory of the registry-backed Avro serdes
     */
    public TopicCatalog(String prefix, int partitions, short replicationFactor, AvroSerdes serdes) {
        // Raw records are the replayable source of truth (revisions included): keep them.
        TopicSettings source = TopicSettings.retained(partitions, replicationFactor, -1L);
        TopicSettings table = TopicSettings.compacted(partitions, replicationFactor);
        this.records = new Topic<>(prefix + RECORDS, serdes.key(SeriesKey.class), serdes.value(TradeRecord.class), source);
        // The processor's own roll-ups, fed back to it. Co-partitioned with trade.records (same partition count,
        // same partition per series; TopicAdmin matches an existing trade.records). A week is plenty: they are
        // read within seconds, and a reprocessing from trade.records derives them again.
        this.derivedRecords = new Topic<>(prefix + DERIVED_RECORDS, serdes.key(SeriesKey.class),
                serdes.value(TradeRecord.class), TopicSettings.retained(partitions, replicationFactor, 7L * 24 * 3600 * 1000));
        // Small and read whole by every instance (GlobalKTable): one partition, compacted by event id.
        this.tariffEvents = new Topic<>(prefix + TARIFF_EVENTS, Serdes.String(), serdes.value(TariffEvent.class),
                TopicSettings.compacted(1, replicationFactor));
        this.changes = new Topic<>(prefix + CHANGES, serdes.key(ChangeKey.class), serdes.value(TradeChange.class), table);
        this.signals = new Topic<>(prefix + SIGNALS, serdes.key(SignalKey.class), serdes.value(TradeSignal.class), table);
        // Dead letters are for people to inspect and replay; 30 days is long enough to notice and act.
        // Keys are Avro strings in the wire format, as Kafka Connect's Avro converter writes them: the
        // connectors and the processor both write here, and a consumer must see one key encoding.
        this.deadLetters = new Topic<>(prefix + DLQ, serdes.stringKey(), serdes.value(DeadLetter.class),
                TopicSettings.retained(1, replicationFactor, 30L * 24 * 3600 * 1000));
    }

    /** The default names, {@value #DEFAULT_PARTITIONS} partitions, broker-default replication. */
    public static TopicCatalog defaults(AvroSerdes serdes) {
        return new TopicCatalog("", DEFAULT_PARTITIONS, (short) -1, serdes);
    }

    public Topic<SeriesKey, TradeRecord> records() {
        return records;
    }

    /** Roll-ups the processor derives (parent HS levels, WLD totals), flagged by TradeRecord.derivedFrom. */
    public Topic<SeriesKey, TradeRecord> derivedRecords() {
        return derivedRecords;
    }

    public Topic<String, TariffEvent> tariffEvents() {
        return tariffEvents;
    }

    public Topic<ChangeKey, TradeChange> changes() {
        return changes;
    }

    public Topic<SignalKey, TradeSignal> signals() {
        return signals;
    }

    public Topic<String, DeadLetter> deadLetters() {
        return deadLetters;
    }

    public List<Topic<?, ?>> all() {
        return List.of(records, derivedRecords, tariffEvents, changes, signals, deadLetters);
    }
}
