package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.Observation;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The processor's promise, as properties over generated scenarios: several series over 2019-2025 (more years than a
 * series' entry keeps, so late figures cross the archive; some years missing) with
 * revisions (ties in publication time included), combined Jan+Feb periods (some next to single January or February
 * figures of another source), figures of several sources ranked by the default source precedence, growth-rate-only months, a few figures in another currency, an HS2 level published
 * in some years over its derived sum, and tariff events interleaved with the data.
 *
 * <ul>
 *   <li>the final output (latest value per key on trade.changes; the ACTIVE signals on trade.signals) is
 *   the same whatever the arrival order, duplicates and interleaving;</li>
 *   <li>feeding every revision converges to the result of feeding only the final figure of each cell.</li>
 * </ul>
 * A RETRACTED signal is the compacted form of "no signal": it exists only where a signal was once ACTIVE, which
 * depends on the path, so the comparison is over ACTIVE signals (values included).
 */
class ArrivalOrderPropertiesTest {
    private static final List<SeriesKey> SERIES = List.of(
            new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL"),
            new SeriesKey("USA", "CHN", Flow.IMPORT, "7208"),
            new SeriesKey("USA", "CHN", Flow.IMPORT, "7209"),
            new SeriesKey("USA", "CHN", Flow.IMPORT, "72"),
            new SeriesKey("USA", "MEX", Flow.IMPORT, "TOTAL"));

    /**
     * Sources of the figures: two ranked by the default precedence (CENSUS before COMTRADE, whatever the publication
     * times) and an unlisted one, ranked with COMTRADE (the newest publication wins between them).
     */
    private static final List<String> SOURCES = List.of("GEN", "GEN", "CENSUS", "COMTRADE");

    /** Seven years: more than the four a series' entry keeps, so late figures and revisions cross the archive. */
    private static final int FIRST_YEAR = 2019;

    record Scenario(List<TradeRecord> records, List<TariffEvent> events) {
    }

    record Outcome(Map<ChangeKey, TradeChange> changes, Map<SignalKey, TradeSignal> active) {
    }

    @Property(tries = 40)
    void shouldReachTheSameFinalOutputWhateverTheArrivalOrderDuplicatesAndInterleaving(
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 30) int duplicates) {
        Scenario scenario = scenario(new Random(seed));
        Outcome reference = run(scenario.events(), scenario.records(), new Random(0), false, SignalConfig.DEFAULTS);

        Random random = new Random(seed ^ 0x5DEECE66DL);
        List<TradeRecord> shuffled = new ArrayList<>(scenario.records());
        for (int i = 0; i < duplicates; i++) {
            shuffled.add(scenario.records().get(random.nextInt(scenario.records().size())));
        }
        Collections.shuffle(shuffled, random);
        // Calendar changes applied a series or two per step, so figures arrive in the middle of passes.
        Outcome outcome = run(scenario.events(), shuffled, random, true,
                SignalConfig.DEFAULTS.withRefreshBatchSeries(1 + random.nextInt(2)));

        OutputDiff.assertSameOutputs(outcome.changes(), reference.changes(), "changes");
        OutputDiff.assertSameOutputs(outcome.active(), reference.active(), "active signals");
    }

    @Property(tries = 40)
    void shouldConvergeToTheResultOfFeedingOnlyTheFinalFigures(@ForAll long seed) {
        Scenario scenario = scenario(new Random(seed));
        Map<String, TradeRecord> finals = new HashMap<>();
        for (TradeRecord r : scenario.records()) {
            finals.merge(r.getReporter() + r.getPartner() + r.getFlow() + r.getCommodity() + r.getYear() + "-" + r.getMonth(), r,
                    (a, b) -> SourcePrecedence.DEFAULT.order().compare(obs(a), obs(b)) >= 0 ? a : b);
        }
        Outcome onlyFinal = run(scenario.events(), new ArrayList<>(finals.values()), new Random(seed), false,
                SignalConfig.DEFAULTS);
        Outcome withRevisions = run(scenario.events(), scenario.records(), new Random(seed), true,
                SignalConfig.DEFAULTS.withRefreshBatchSeries(1));

        OutputDiff.assertSameOutputs(withRevisions.changes(), onlyFinal.changes(), "changes");
        OutputDiff.assertSameOutputs(withRevisions.active(), onlyFinal.active(), "active signals");
        // one published row per (series, period); the rest are roll-ups (USA<-CHN 7208 -> 72 -> TOTAL)
        assertThat(onlyFinal.changes().values().stream().filter(c -> c.getDerivedFrom() == null)).hasSize(finals.size());
    }

    private static Observation obs(TradeRecord r) {
        return SeriesHistories.observation(r);
    }

    /**
     * @param interleave when true, the tariff events arrive at random points among the records and the
     *                   calendar refresh and its pass steps run at random points too; otherwise the calendar is
     *                   complete first
     */
    private static Outcome run(List<TariffEvent> events, List<TradeRecord> records, Random random, boolean interleave,
                               SignalConfig signals) {
        try (TopologyFixture f = new TopologyFixture(signals)) {
            Map<Integer, List<TariffEvent>> eventsAt = new HashMap<>();
            if (interleave) {
                for (TariffEvent e : events) {
                    eventsAt.computeIfAbsent(random.nextInt(records.size() + 1), k -> new ArrayList<>()).add(e);
                }
            } else {
                events.forEach(f::tariff);
            }
            for (int i = 0; i <= records.size(); i++) {
                for (TariffEvent e : eventsAt.getOrDefault(i, List.of())) {
                    f.tariffs.pipeInput(e.getId(), e);
                }
                if (interleave && random.nextInt(10) == 0) {
                    f.refreshCalendar();
                }
                if (interleave && random.nextInt(4) == 0) {
                    f.driver.advanceWallClockTime(java.time.Duration.ofMillis(SeriesStateProcessor.PASS_STEP_MS));
                }
                if (i < records.size()) {
                    f.pipe(records.get(i));
                }
            }
            f.refreshCalendarFully(); // the processor's periodic refresh eventually runs, and its passes end
            Map<SignalKey, TradeSignal> active = f.signalTable().entrySet().stream()
                    .filter(e -> e.getValue().getStatus() == SignalStatus.ACTIVE)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            return new Outcome(f.table(), active);
        }
    }

    /** Figures of 5 series over 2019-2025 with 0-2 revisions per cell, values that often move > 30 %. */
    private static Scenario scenario(Random r) {
        List<TradeRecord> records = new ArrayList<>();
        for (SeriesKey s : SERIES) {
            for (int year = FIRST_YEAR; year <= 2025; year++) {
                if (r.nextInt(s.getCommodity().equals("72") ? 2 : 6) == 0) {
                    continue; // a year never published (a published HS2 over its derived sum only some years)
                }
                boolean combined = r.nextInt(3) == 0;
                for (int month = combined ? 3 : 1; month <= 12; month++) {
                    if (r.nextInt(8) == 0) {
                        continue; // a month never published
                    }
                    addCell(records, r, s, year, month, 1);
                }
                if (combined) {
                    addCell(records, r, s, year, 1, 2);
                    // Another source with single months too: a February inside the combined period (both kept, each
                    // month counted once), a January in the combined period's slot (the newer figure wins it).
                    if (r.nextInt(3) == 0) {
                        addCell(records, r, s, year, 2, 1);
                    }
                    if (r.nextInt(4) == 0) {
                        addCell(records, r, s, year, 1, 1);
                    }
                }
            }
        }
        List<TariffEvent> events = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            boolean usImposes = r.nextBoolean();
            LocalDate effective = LocalDate.of(FIRST_YEAR + 1 + r.nextInt(2025 - FIRST_YEAR), 1 + r.nextInt(12), 1 + r.nextInt(28));
            TariffEventKind kind = List.of(TariffEventKind.INCREASE, TariffEventKind.SCHEDULED_EXPIRY,
                    TariffEventKind.DECREASE).get(r.nextInt(3));
            events.add(TariffEvent.newBuilder().setId("event-" + i)
                    .setImposer(usImposes ? "USA" : "CHN").setTarget(usImposes ? (r.nextBoolean() ? "CHN" : "MEX") : "USA")
                    .setScope(TariffCalendar.ALL_GOODS).setHsScope(r.nextBoolean() ? List.of() : List.of("72"))
                    .setAnnounced(effective.minusDays(20)).setEffective(effective)
                    .setRateBeforePct(10.0).setRateAfterPct(kind == TariffEventKind.DECREASE ? 5.0 : 25.0)
                    .setKind(kind).setSource("generated").build());
        }
        return new Scenario(records, events);
    }

    private static final FigureQuality[] QUALITIES = FigureQuality.values();

    private static void addCell(List<TradeRecord> records, Random r, SeriesKey s, int year, int month, int months) {
        int versions = 1 + r.nextInt(3);
        for (int v = 0; v < versions; v++) {
            boolean levelKnown = r.nextInt(12) != 0;
            // Publication days from a small set, so equal publishedAt with different revisions or values occur.
            Instant published = LocalDate.of(year, month + months - 1, 1).plusMonths(1 + r.nextInt(3))
                    .atStartOfDay().toInstant(java.time.ZoneOffset.UTC);
            records.add(TradeRecord.newBuilder()
                    .setReporter(s.getReporter()).setPartner(s.getPartner()).setFlow(s.getFlow())
                    .setCommodity(s.getCommodity())
                    .setCommodityLevel(Rollups.level(s.getCommodity()))
                    .setYear(year).setMonth(month).setMonths(months)
                    .setValue(levelKnown ? (60L + r.nextInt(90)) * months : null)
                    .setReportedYoyPct(levelKnown && r.nextBoolean() ? null : (double) (r.nextInt(81) - 40))
                    .setCurrency(r.nextInt(20) == 0 ? "EUR" : "USD").setSource(SOURCES.get(r.nextInt(SOURCES.size())))
                    .setVintage("v" + published)
                    .setPublishedAt(published).setRevision(r.nextInt(2))
                    .setQuality(r.nextInt(5) == 0 ? QUALITIES[r.nextInt(QUALITIES.length)] : FigureQuality.PUBLISHED)
                    .build());
        }
    }
}
