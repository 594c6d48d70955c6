package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/** A TopologyTestDriver over the real topology, real config path and an in-memory registry. */
final class TopologyFixture implements AutoCloseable {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T00:00:00Z"), ZoneOffset.UTC);
    static final SeriesKey CHN_USA = new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL");
    static final java.time.Duration ROLLUP_EMIT = java.time.Duration.ofMillis(1);
    /** Keys of the applied-tariff-calendar store under the current matching rules: the applied calendar, a pass' target. */
    static final String APPLIED = SeriesStateProcessor.appliedKey(TariffCalendar.CURRENT_RULES);
    static final String TARGET = SeriesStateProcessor.targetKey(TariffCalendar.CURRENT_RULES);
    /** Levels a figure can climb: HS10 -> HS6 -> HS4 -> HS2 -> TOTAL, then WLD, plus one to spare. */
    private static final int ROLLUP_LEVELS = 7;

    final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    final TopicCatalog topics;
    final TopologyTestDriver driver;
    final TestInputTopic<SeriesKey, TradeRecord> records;
    final TestInputTopic<byte[], byte[]> rawRecords;
    final TestOutputTopic<ChangeKey, TradeChange> changes;
    final TestOutputTopic<String, DeadLetter> deadLetters;
    final TestOutputTopic<SignalKey, TradeSignal> signals;
    final TestInputTopic<String, TariffEvent> tariffs;
    final SignalConfig signalConfig;
    private final Path stateDir;

    TopologyFixture() {
        this(SignalConfig.DEFAULTS);
    }

    TopologyFixture(SignalConfig signalConfig) {
        this(signalConfig, RollupConfig.DEFAULTS);
    }

    TopologyFixture(RollupConfig rollups) {
        this(SignalConfig.DEFAULTS, rollups);
    }

    TopologyFixture(SignalConfig signalConfig, RollupConfig rollups) {
        this(signalConfig, rollups, StateStoreType.fromConfig(ProcessorConfig.STATE_STORE_TYPE_DEFAULT));
    }

    TopologyFixture(SignalConfig signalConfig, RollupConfig rollups, StateStoreType storeType) {
        this(signalConfig, rollups, storeType, InputRules.DEFAULTS);
    }

    TopologyFixture(SignalConfig signalConfig, RollupConfig rollups, StateStoreType storeType, InputRules inputs) {
        this(signalConfig, rollups, storeType, inputs, Map.of());
    }

    /** With processor settings of the test's own on top of the fixture's (e.g. another processing.guarantee). */
    TopologyFixture(SignalConfig signalConfig, RollupConfig rollups, StateStoreType storeType, InputRules inputs,
                    Map<String, Object> settings) {
        this.signalConfig = signalConfig;
        // Roll-ups emit on a wall-clock punctuation; a 1 ms interval lets settle() run it without also
        // reaching the 10 s tariff calendar refresh (which tests trigger explicitly).
        rollups = new RollupConfig(rollups.commodity(), rollups.world(), ROLLUP_EMIT);
        try {
            stateDir = Files.createTempDirectory("tp-ttd");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        cfg.put(ProcessorConfig.REGISTRY_CLIENT_INSTANCE, registry);
        cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
        cfg.putAll(settings);
        ProcessorConfig config = new ProcessorConfig(cfg);
        topics = config.topicCatalog();
        Properties props = new Properties();
        props.putAll(config.streamsConfig());
        driver = new TopologyTestDriver(TradeTopology.build(topics, StateSerdes.defaults(), signalConfig, rollups, inputs, storeType, CLOCK), props);
        records = driver.createInputTopic(topics.records().name(), topics.records().keySerde().serializer(),
                topics.records().valueSerde().serializer());
        rawRecords = driver.createInputTopic(topics.records().name(), new ByteArraySerializer(), new ByteArraySerializer());
        changes = driver.createOutputTopic(topics.changes().name(), topics.changes().keySerde().deserializer(),
                topics.changes().valueSerde().deserializer());
        signals = driver.createOutputTopic(topics.signals().name(), topics.signals().keySerde().deserializer(),
                topics.signals().valueSerde().deserializer());
        tariffs = driver.createInputTopic(topics.tariffEvents().name(), topics.tariffEvents().keySerde().serializer(),
                topics.tariffEvents().valueSerde().serializer());
        deadLetters = driver.createOutputTopic(topics.deadLetters().name(), topics.deadLetters().keySerde().deserializer(),
                topics.deadLetters().valueSerde().deserializer());
    }

    void pipe(TradeRecord r) {
        records.pipeInput(new SeriesKey(r.getReporter(), r.getPartner(), r.getFlow(), r.getCommodity()), r);
    }

    /** Publishes a tariff event and lets the processor's calendar refresh (its wall-clock punctuation) run. */
    void tariff(TariffEvent e) {
        tariffs.pipeInput(e.getId(), e);
        refreshCalendar();
    }

    /** Advances wall-clock time past the calendar refresh interval, so the processor re-reads tariff.events. */
    void refreshCalendar() {
        driver.advanceWallClockTime(signalConfig.tariffRefresh());
    }

    /**
     * Lets the processor apply every calendar change: a refresh, then pass steps until no pass is in progress, twice
     * (a change that arrived during a pass waits for it and starts a pass of its own).
     */
    void refreshCalendarFully() {
        KeyValueStore<String, AppliedCalendar> applied = driver.getKeyValueStore(TradeTopology.APPLIED_CALENDAR_STORE);
        for (int round = 0; round < 2; round++) {
            refreshCalendar();
            while (applied.get(TARGET) != null) {
                driver.advanceWallClockTime(java.time.Duration.ofMillis(SeriesStateProcessor.PASS_STEP_MS));
            }
        }
    }

    /** The latest TradeSignal per key, as the compacted trade.signals would keep it (drains the topic). */
    Map<SignalKey, TradeSignal> signalTable() {
        settle();
        return signals.readKeyValuesToMap();
    }

    /** The latest TradeChange per key, as a compacted topic would keep it. */
    Map<ChangeKey, TradeChange> table() {
        settle();
        return changes.readKeyValuesToMap();
    }

    /**
     * Lets the roll-ups run to the top: each wall-clock tick emits the pending cells of one level, whose
     * derived figures (fed back through trade.records.derived) make the next level's cells pending.
     */
    void settle() {
        for (int i = 0; i < ROLLUP_LEVELS; i++) {
            driver.advanceWallClockTime(ROLLUP_EMIT);
        }
    }

    static ChangeKey cell(SeriesKey s, int year, int month) {
        return new ChangeKey(s.getReporter(), s.getPartner(), s.getFlow(), s.getCommodity(), year, month);
    }

    /** A single-month USD figure of series CHN->USA exports, published on the given date. */
    static TradeRecord figure(int year, int month, Long value, String published) {
        return figure(CHN_USA, year, month, 1, value, published, 0);
    }

    static TradeRecord figure(SeriesKey s, int year, int month, int months, Long value, String published, int revision) {
        return TradeRecord.newBuilder()
                .setReporter(s.getReporter()).setPartner(s.getPartner()).setFlow(s.getFlow())
                .setCommodity(s.getCommodity()).setCommodityLevel(CommodityLevel.TOTAL)
                .setYear(year).setMonth(month).setMonths(months)
                .setValue(value).setCurrency("USD")
                .setSource("TEST").setVintage(published)
                .setPublishedAt(LocalDate.parse(published).atStartOfDay(ZoneOffset.UTC).toInstant())
                .setRevision(revision)
                .build();
    }

    @Override
    public void close() {
        driver.close();
        try (var walk = Files.walk(stateDir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // best effort: a temp dir
        }
    }
}
