package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Series longer than the {@value SeriesStateProcessor#HEAD_YEARS} years a series-history entry keeps: the years
 * before go to series-history-archive. Whatever the arrival order and revisions, every period's change and signals
 * must be those computed from the whole history, and the state must hold every period exactly once: in the entry
 * or in the archive entry of its year.
 */
class LongHistoryTest {
    private static final SeriesKey US_IMPORTS = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");
    private static final SeriesKey CN_EXPORTS = new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL");
    private static final List<SeriesKey> SERIES = List.of(US_IMPORTS, CN_EXPORTS);

    enum Order { RELEASE, SHUFFLED, NEWEST_YEAR_FIRST }

    @Property(tries = 12)
    void shouldComputeEveryPeriodAsFromTheWholeHistoryWhateverTheArrivalOrder(@ForAll long seed, @ForAll Order order) {
        Random random = new Random(seed);
        List<TradeRecord> records = records(random, 2006, 2025);
        List<TariffEvent> events = events(random);
        switch (order) {
            case RELEASE -> records.sort(Comparator.comparing(TradeRecord::getPublishedAt));
            case SHUFFLED -> Collections.shuffle(records, random);
            case NEWEST_YEAR_FIRST -> records.sort(Comparator.comparing(TradeRecord::getYear).reversed()
                    .thenComparing(TradeRecord::getPublishedAt));
        }
        // Any lead, payback and trend window the configuration accepts (a 11-month trend reads 23 months back, the
        // archive's widest reach), low thresholds so that signals are many; calendar changes applied in steps of one
        // or a few series, or all at once.
        SignalConfig signals = new SignalConfig(1 + random.nextInt(12), 1 + random.nextInt(12), 1 + random.nextInt(11), 5, 5, 20,
                java.time.Duration.ofSeconds(10), List.of(1, 2, 5_000).get(random.nextInt(3)));
        try (TopologyFixture f = new TopologyFixture(signals, RollupConfig.NONE)) {
            Map<Integer, List<TariffEvent>> eventsAt = new HashMap<>();
            events.forEach(e -> eventsAt.computeIfAbsent(random.nextInt(records.size() + 1), k -> new ArrayList<>()).add(e));
            for (int i = 0; i <= records.size(); i++) {
                eventsAt.getOrDefault(i, List.of()).forEach(e -> f.tariffs.pipeInput(e.getId(), e));
                if (random.nextInt(50) == 0) {
                    f.refreshCalendar();
                }
                if (random.nextInt(20) == 0) {
                    f.driver.advanceWallClockTime(java.time.Duration.ofMillis(SeriesStateProcessor.PASS_STEP_MS));
                }
                if (i < records.size()) {
                    f.pipe(records.get(i));
                }
            }
            f.refreshCalendarFully();

            Map<SeriesKey, SeriesHistory> whole = wholeHistories(records, f.signalConfig);
            assertThat(f.table()).isEqualTo(expectedChanges(whole));
            assertThat(active(f.signalTable())).isEqualTo(expectedSignals(whole, events, f.signalConfig));
            for (SeriesKey s : SERIES) {
                assertStateHoldsEveryPeriodOnce(f, s, whole.get(s));
            }
        }
    }

    @Test
    void shouldSplitAWholeHistoryWrittenByAnEarlierReleaseAtItsNextFigure() {
        Random random = new Random(11);
        List<TradeRecord> records = records(random, 2010, 2024).stream()
                .filter(r -> r.getReporter().equals("USA")).collect(Collectors.toCollection(ArrayList::new));
        try (TopologyFixture f = new TopologyFixture(RollupConfig.NONE)) {
            // What an earlier release restored from its changelog: the whole history in the series' entry.
            SeriesHistory old = wholeHistories(records, f.signalConfig).get(US_IMPORTS);
            KeyValueStore<SeriesKey, SeriesHistory> entries = f.driver.getKeyValueStore(TradeTopology.SERIES_STORE);
            entries.put(US_IMPORTS, old);
            assertThat(old.getArchivedBefore()).isZero();

            TradeRecord january = figure(US_IMPORTS, 2025, 1, 1, 321L, LocalDate.of(2025, 3, 5), 0);
            f.pipe(january);
            records.add(january);
            SeriesHistory entry = entries.get(US_IMPORTS);
            assertThat(entry.getArchivedBefore()).isEqualTo(2022);
            assertThat(entry.getObservations()).allSatisfy(o -> assertThat(o.getYear()).isBetween(2022, 2025));
            assertStateHoldsEveryPeriodOnce(f, US_IMPORTS, wholeHistories(records, f.signalConfig).get(US_IMPORTS));

            // A revision of an archived month, and a tariff event on archived years arriving after the data.
            TradeRecord revision = figure(US_IMPORTS, 2012, 6, 1, 9_999L, LocalDate.of(2014, 1, 2), 1);
            f.pipe(revision);
            records.add(revision);
            TariffEvent event = event("old-tariff", "USA", "CHN", LocalDate.of(2013, 1, 15), TariffEventKind.INCREASE);
            f.tariff(event);

            Map<SeriesKey, SeriesHistory> whole = wholeHistories(records, f.signalConfig);
            Map<ChangeKey, TradeChange> changes = f.table();
            Map<ChangeKey, TradeChange> expected = expectedChanges(whole);
            // The first input re-emits only what it affects; the revision re-emits its own two years: each of those
            // as computed from the whole history.
            assertThat(changes).isNotEmpty();
            changes.forEach((k, v) -> assertThat(v).as("%s", k).isEqualTo(expected.get(k)));
            assertThat(changes.keySet().stream().filter(k -> k.getYear() == 2012 || k.getYear() == 2013))
                    .as("the revision's affected periods").hasSizeGreaterThan(12);
            // Signals are emitted where they change: for the periods the two figures affect, and, with the event, for
            // every period whose signals now name it (the calendar refresh reads the archived years too).
            Map<SignalKey, TradeSignal> signals = active(f.signalTable());
            Map<SignalKey, TradeSignal> expectedSignals = expectedSignals(whole, List.of(event), f.signalConfig);
            signals.forEach((k, v) -> assertThat(v).as("%s", k).isEqualTo(expectedSignals.get(k)));
            Map<SignalKey, TradeSignal> namingTheEvent = expectedSignals.entrySet().stream()
                    .filter(e -> event.getId().equals(e.getValue().getTariffEventId()))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertThat(namingTheEvent.keySet()).anyMatch(k -> k.getYear() < 2022);
            assertThat(signals).containsAllEntriesOf(namingTheEvent);
            assertStateHoldsEveryPeriodOnce(f, US_IMPORTS, whole.get(US_IMPORTS));
        }
    }

    /** The series' entry holds its latest years from archivedBefore on; the archive, each earlier year's periods. */
    private static void assertStateHoldsEveryPeriodOnce(TopologyFixture f, SeriesKey s, SeriesHistory whole) {
        KeyValueStore<SeriesKey, SeriesHistory> entries = f.driver.getKeyValueStore(TradeTopology.SERIES_STORE);
        KeyValueStore<HistoryYearKey, SeriesHistory> archive = f.driver.getKeyValueStore(TradeTopology.SERIES_ARCHIVE_STORE);
        SeriesHistory entry = entries.get(s);
        int newest = entry.getObservations().get(entry.getObservations().size() - 1).getYear();
        assertThat(entry.getObservations()).allSatisfy(o ->
                assertThat(o.getYear()).isGreaterThan(newest - SeriesStateProcessor.HEAD_YEARS)
                        .isGreaterThanOrEqualTo(entry.getArchivedBefore()));
        TreeMap<Integer, SeriesHistory> years = new TreeMap<>();
        try (KeyValueIterator<HistoryYearKey, SeriesHistory> it = archive.all()) {
            it.forEachRemaining(kv -> {
                if (kv.key.getSeries().equals(s)) {
                    assertThat(kv.value.getObservations()).isNotEmpty()
                            .allSatisfy(o -> assertThat(o.getYear()).isEqualTo(kv.key.getYear()));
                    years.put(kv.key.getYear(), kv.value);
                }
            });
        }
        assertThat(years).as("archived years of %s", s).isNotEmpty();
        assertThat(years.lastKey()).isLessThan(entry.getArchivedBefore());
        List<Observation> held = new ArrayList<>();
        years.values().forEach(y -> held.addAll(y.getObservations()));
        held.addAll(entry.getObservations());
        assertThat(held).isEqualTo(whole.getObservations());
    }

    private static Map<SeriesKey, SeriesHistory> wholeHistories(List<TradeRecord> records, SignalConfig config) {
        Map<SeriesKey, SeriesHistory> whole = new HashMap<>();
        for (TradeRecord r : records) {
            SeriesKey s = new SeriesKey(r.getReporter(), r.getPartner(), r.getFlow(), r.getCommodity());
            SeriesHistories.upsert(whole.computeIfAbsent(s, k -> new SeriesHistory(CommodityLevel.TOTAL, new ArrayList<>(), 0)),
                    SeriesHistories.observation(r), config.trendMonths(), SourcePrecedence.DEFAULT);
        }
        return whole;
    }

    private static Map<ChangeKey, TradeChange> expectedChanges(Map<SeriesKey, SeriesHistory> whole) {
        Map<ChangeKey, TradeChange> expected = new HashMap<>();
        whole.forEach((s, h) -> h.getObservations().forEach(q ->
                expected.put(SeriesHistories.changeKey(s, q), SeriesHistories.change(s, h, q))));
        return expected;
    }

    private static Map<SignalKey, TradeSignal> expectedSignals(Map<SeriesKey, SeriesHistory> whole,
                                                              List<TariffEvent> events, SignalConfig config) {
        TariffCalendar calendar = new TariffCalendar(events);
        Map<SignalKey, TradeSignal> expected = new HashMap<>();
        whole.forEach((s, h) -> h.getObservations().forEach(q ->
                Signals.evaluate(s, h, q, calendar.matching(s), config)
                        .forEach((type, signal) -> expected.put(Signals.key(s, q, type), signal))));
        return expected;
    }

    private static Map<SignalKey, TradeSignal> active(Map<SignalKey, TradeSignal> table) {
        return table.entrySet().stream().filter(e -> e.getValue().getStatus() == SignalStatus.ACTIVE)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Both series over the years given, some months missing, 1-3 revisions per month, values moving > 30 % often. */
    private static List<TradeRecord> records(Random r, int fromYear, int toYear) {
        List<TradeRecord> records = new ArrayList<>();
        for (SeriesKey s : SERIES) {
            for (int year = fromYear; year <= toYear; year++) {
                boolean combined = r.nextInt(6) == 0;
                for (int month = combined ? 3 : 1; month <= 12; month++) {
                    if (r.nextInt(10) != 0) {
                        addMonth(records, r, s, year, month, 1);
                    }
                }
                if (combined) {
                    addMonth(records, r, s, year, 1, 2);
                }
            }
        }
        return records;
    }

    private static void addMonth(List<TradeRecord> records, Random r, SeriesKey s, int year, int month, int months) {
        int versions = 1 + r.nextInt(r.nextInt(5) == 0 ? 3 : 1);
        for (int v = 0; v < versions; v++) {
            LocalDate published = LocalDate.of(year, month + months - 1, 1).plusMonths(1 + v + r.nextInt(2));
            records.add(figure(s, year, month, months, (60L + r.nextInt(90)) * months, published, v));
        }
    }

    private static TradeRecord figure(SeriesKey s, int year, int month, int months, long value, LocalDate published,
                                      int revision) {
        Instant at = published.atStartOfDay().toInstant(ZoneOffset.UTC);
        return TradeRecord.newBuilder()
                .setReporter(s.getReporter()).setPartner(s.getPartner()).setFlow(s.getFlow())
                .setCommodity(s.getCommodity()).setCommodityLevel(CommodityLevel.TOTAL)
                .setYear(year).setMonth(month).setMonths(months)
                .setValue(value).setCurrency("USD").setSource("GEN").setVintage("v" + published)
                .setPublishedAt(at).setRevision(revision)
                .build();
    }

    /** Events between 2008 and 2025, so that archived years have signals too. */
    private static List<TariffEvent> events(Random r) {
        List<TariffEvent> events = new ArrayList<>();
        int n = 2 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            boolean usImposes = r.nextBoolean();
            TariffEventKind kind = List.of(TariffEventKind.INCREASE, TariffEventKind.SCHEDULED_EXPIRY,
                    TariffEventKind.DECREASE).get(r.nextInt(3));
            events.add(event("event-" + i, usImposes ? "USA" : "CHN", usImposes ? "CHN" : "USA",
                    LocalDate.of(2008 + r.nextInt(18), 1 + r.nextInt(12), 1 + r.nextInt(28)), kind));
        }
        return events;
    }

    private static TariffEvent event(String id, String imposer, String target, LocalDate effective, TariffEventKind kind) {
        return TariffEvent.newBuilder().setId(id).setImposer(imposer).setTarget(target)
                .setScope(TariffCalendar.ALL_GOODS).setHsScope(List.of())
                .setAnnounced(effective.minusDays(20)).setEffective(effective)
                .setRateBeforePct(10.0).setRateAfterPct(kind == TariffEventKind.DECREASE ? 5.0 : 25.0)
                .setKind(kind).setSource("generated").build();
    }
}
