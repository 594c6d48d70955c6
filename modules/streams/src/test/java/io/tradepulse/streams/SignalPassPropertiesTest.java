package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Figures, tariff calendar changes, restarts with other signal parameters (also in the middle of a calendar or a
 * parameter pass) and upgrades from a release that recorded no parameters, interleaved at random; the stores survive
 * each restart, as a changelog restore gives them back. Whenever no pass is in progress, what was published for each
 * signal key (the last record, as the compacted trade.signals keeps it) must be what evaluating the whole history
 * (archived years included) under the applied calendar and parameters gives: each ACTIVE signal as evaluated, every
 * other key RETRACTED or absent. At the end, under tariff.events and the last configuration.
 *
 * <p>Ten years of monthly figures (some combined Jan+Feb, some with a reported YoY and no level, some derived), so
 * a series' history has archived years; events of every scope the series match, rises and cuts.
 */
class SignalPassPropertiesTest {
    private static final List<SeriesKey> SERIES = List.of(
            new SeriesKey("CHN", "USA", Flow.EXPORT, "01"),
            new SeriesKey("CHN", "USA", Flow.EXPORT, "02"),
            new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL"),
            new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL"));
    private static final List<TariffEvent> EVENTS = List.of(
            SignalsTest.event("e1", "USA", "CHN", List.of(), "2024-08-12", TariffEventKind.INCREASE),
            SignalsTest.event("e2", "USA", "CHN", List.of(), "2023-03-01", TariffEventKind.INCREASE),
            SignalsTest.event("e3", "CHN", "USA", List.of(), "2024-05-01", TariffEventKind.INCREASE),
            SignalsTest.event("e4", "USA", "CHN", List.of(), "2019-06-01", TariffEventKind.INCREASE),
            SignalsTest.event("e5", "CHN", "USA", List.of(), "2021-10-01", TariffEventKind.INCREASE),
            SignalsTest.event("e6", "USA", "CHN", List.of("01"), "2022-02-01", TariffEventKind.INCREASE),
            SignalsTest.event("e7", "USA", "CHN", List.of("02"), "2020-11-01", TariffEventKind.DECREASE));
    private static final List<SignalConfig> CONFIGS = List.of(
            SignalConfig.DEFAULTS,
            new SignalConfig(2, 4, 3, 5.0, 5.0, 20.0, Duration.ofSeconds(10), 1),
            new SignalConfig(4, 2, 1, 15.0, 20.0, 40.0, Duration.ofSeconds(10), 1),
            new SignalConfig(3, 3, 5, 1.0E-4, 8.25, 10.0, Duration.ofSeconds(10), 1));

    private SurvivingStores stores;
    private KeyValueStore<SeriesKey, SeriesHistory> histories;
    private KeyValueStore<HistoryYearKey, SeriesHistory> archive;
    private KeyValueStore<String, TariffEvent> tariffs;
    private KeyValueStore<String, AppliedCalendar> applied;
    private SeriesStateProcessor processor;
    private MockProcessorContext<SeriesKey, Emission> context;
    /** The last record written per signal key. */
    private final Map<SignalKey, TradeSignal> published = new HashMap<>();
    private int revision;

    @Property(tries = 60)
    void shouldPublishTheSignalsOfTheAppliedCalendarAndParametersWhateverTheRestartsAndChanges(@ForAll long seed) {
        Random r = new Random(seed);
        newStores();
        SignalConfig config = CONFIGS.get(r.nextInt(CONFIGS.size()));
        start(config);
        List<String> log = new ArrayList<>();
        int steps = 200 + r.nextInt(200);
        for (int i = 0; i < steps; i++) {
            assertThat(mismatches(config)).as("after %s", log).isEmpty();
            int action = r.nextInt(100);
            if (action < 60) {
                feed(r);
            } else if (action < 80) {
                punctuate();
            } else if (action < 90) {
                TariffEvent e = EVENTS.get(r.nextInt(EVENTS.size()));
                if (tariffs.get(e.getId()) != null) {
                    tariffs.delete(e.getId());
                } else {
                    tariffs.put(e.getId(), e);
                }
                log.add("event " + e.getId());
            } else if (action < 93) {
                // Upgraded from a release that recorded no parameters, with the ones it ran with, which then runs
                // for a step: only when no parameter pass is in progress (that release ran none).
                String key = keys(SeriesStateProcessor.APPLIED_PARAMETERS).stream().findFirst().orElse(null);
                if (key != null && keys(SeriesStateProcessor.TARGET_PARAMETERS).isEmpty()) {
                    config = config.withParameters(key.substring(SeriesStateProcessor.APPLIED_PARAMETERS.length()));
                    applied.delete(key);
                    log.add("upgrade " + config.parameters());
                    start(config);
                    punctuate();
                }
            } else {
                config = CONFIGS.get(r.nextInt(CONFIGS.size()))
                        .withRefreshBatchSeries(r.nextInt(4) == 0 ? 5000 : 1 + r.nextInt(3));
                log.add("restart " + config.parameters() + " batch " + config.refreshBatchSeries());
                start(config);
            }
        }
        for (int i = 0; i < 200; i++) {
            punctuate();
        }
        assertThat(keys(SeriesStateProcessor.TARGET_PARAMETERS)).as("no parameter pass left").isEmpty();
        assertThat(differences(expected(new TariffCalendar(events()), config))).as("at the end, after %s", log)
                .isEmpty();
    }

    private void feed(Random r) {
        SeriesKey s = SERIES.get(r.nextInt(SERIES.size()));
        int month = 1 + r.nextInt(12);
        TradeRecord.Builder b = TradeRecord.newBuilder(figure(s, 2016 + r.nextInt(10), month,
                month == 1 && r.nextInt(5) == 0 ? 2 : 1, 50L + r.nextInt(150), "2026-01-01", ++revision));
        if (r.nextInt(5) == 0) {
            b.setReportedYoyPct(-60.0 + r.nextInt(130)).setValue(r.nextBoolean() ? null : b.getValue());
        }
        if (r.nextInt(6) == 0) {
            b.setDerivedFrom(1 + r.nextInt(3));
        }
        if (!s.getCommodity().equals("TOTAL")) {
            b.setCommodityLevel(CommodityLevel.HS2);
        }
        processor.process(new Record<>(s, b.build(), 0L));
        collect();
    }

    /**
     * Where the published signals differ from the evaluation under the applied calendar and parameters; none checked
     * while a pass is in progress, or before the task recorded a calendar.
     */
    private List<String> mismatches(SignalConfig config) {
        if (!keys("target").isEmpty() || !keys(SeriesStateProcessor.TARGET_PARAMETERS).isEmpty()) {
            return List.of();
        }
        AppliedCalendar calendar = applied.get(TopologyFixture.APPLIED);
        if (calendar == null) {
            return List.of();
        }
        SignalConfig params = keys(SeriesStateProcessor.APPLIED_PARAMETERS).stream().findFirst()
                .map(k -> config.withParameters(k.substring(SeriesStateProcessor.APPLIED_PARAMETERS.length())))
                .orElse(config);
        return differences(expected(new TariffCalendar(calendar.getEvents()), params));
    }

    private List<String> differences(Map<SignalKey, TradeSignal> expected) {
        List<String> out = new ArrayList<>();
        expected.forEach((k, v) -> {
            if (!v.equals(published.get(k))) {
                out.add("not published as evaluated: " + k);
            }
        });
        published.forEach((k, v) -> {
            if (!expected.containsKey(k) && v.getStatus() == SignalStatus.ACTIVE) {
                out.add("stale ACTIVE: " + k);
            }
        });
        return out;
    }

    /** Every ACTIVE signal of every period of every series, from its whole history. */
    private Map<SignalKey, TradeSignal> expected(TariffCalendar calendar, SignalConfig params) {
        Map<SignalKey, TradeSignal> out = new HashMap<>();
        try (var all = histories.all()) {
            while (all.hasNext()) {
                KeyValue<SeriesKey, SeriesHistory> kv = all.next();
                List<Observation> obs = new ArrayList<>();
                for (int y = TradeRecordValidator.MIN_YEAR; y < kv.value.getArchivedBefore(); y++) {
                    SeriesHistory year = archive.get(new HistoryYearKey(kv.key, y));
                    if (year != null) {
                        obs.addAll(year.getObservations());
                    }
                }
                obs.addAll(kv.value.getObservations());
                SeriesHistory whole = new SeriesHistory(kv.value.getCommodityLevel(), obs, kv.value.getArchivedBefore());
                for (Observation q : obs) {
                    Signals.evaluate(kv.key, whole, q, calendar.matching(kv.key), params)
                            .forEach((type, signal) -> out.put(Signals.key(kv.key, q, type), signal));
                }
            }
        }
        return out;
    }

    private void newStores() {
        stores = new SurvivingStores();
        histories = stores.histories;
        archive = stores.archive;
        tariffs = stores.tariffs;
        applied = stores.applied;
        published.clear();
        context = null;
        revision = 0;
    }

    /** A new processor instance over the surviving stores, as after a restart. */
    private void start(SignalConfig config) {
        context = stores.start(config);
        processor = stores.processor;
    }

    /** The refresh and the pass step punctuations, once each. */
    private void punctuate() {
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(0L));
        collect();
    }

    private void collect() {
        for (var f : context.forwarded()) {
            Emission e = f.record().value();
            if (e.isSignal()) {
                published.put(e.signalKey(), e.signal());
            }
        }
        context.resetForwards();
    }

    private List<String> keys(String prefix) {
        return stores.appliedKeys(prefix);
    }

    private List<TariffEvent> events() {
        List<TariffEvent> out = new ArrayList<>();
        try (var all = tariffs.all()) {
            all.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }
}
