package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FRONT_LOADING, PAYBACK and YOY_MOVE on trade.signals, their retraction, and tariff matching. */
class SignalsTest {
    static final TariffEvent AUGUST_RISE = event("us-cn-rise", "USA", "CHN", List.of(), "2025-08-12", TariffEventKind.INCREASE);

    static TariffEvent event(String id, String imposer, String target, List<String> hs, String effective, TariffEventKind kind) {
        return TariffEvent.newBuilder().setId(id).setImposer(imposer).setTarget(target).setScope(hs.isEmpty() ? "ALL" : "HS")
                .setHsScope(hs).setAnnounced(LocalDate.parse(effective).minusDays(30)).setEffective(LocalDate.parse(effective))
                .setRateBeforePct(10.0).setRateAfterPct(30.0).setKind(kind).setSource("test").build();
    }

    static SignalKey key(SeriesKey s, int year, int month, String type) {
        return new SignalKey(s.getReporter(), s.getPartner(), s.getFlow(), s.getCommodity(), year, month, type);
    }

    /** A flat year 2024 at 100, and 2025 months at 100 except June. */
    private static void flatYearAndJune(TopologyFixture f, long june) {
        flatYearAndJune(f, CHN_USA, june);
    }

    private static void flatYearAndJune(TopologyFixture f, SeriesKey s, long june) {
        for (int m = 1; m <= 12; m++) {
            f.pipe(figure(s, 2024, m, 1, 100L, "2024-%02d-20".formatted(m == 12 ? 12 : m + 1), 0));
        }
        for (int m = 1; m <= 5; m++) {
            f.pipe(figure(s, 2025, m, 1, 100L, "2025-%02d-20".formatted(m + 1), 0));
        }
        f.pipe(figure(s, 2025, 6, 1, june, "2025-07-14", 0));
    }

    @Test
    void shouldSignalFrontLoadingInTheLeadWindowOfATariffRise() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            TradeSignal s = f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
            assertThat(s.getStatus()).isEqualTo(SignalStatus.ACTIVE);
            assertThat(s.getActual()).isEqualTo(125L);
            assertThat(s.getExpected()).isEqualTo(100L);
            assertThat(s.getExcessPct()).isCloseTo(25.0, within(1e-9));
            assertThat(s.getTariffEventId()).isEqualTo("us-cn-rise");
            assertThat(s.getSummary()).contains("2025-06", "us-cn-rise", "front-loading");
        }
    }

    @Test
    void shouldRetractFrontLoadingSignalWhenMonthIsRevisedDown() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            f.signals.readRecordsToList();
            f.pipe(figure(CHN_USA, 2025, 6, 1, 101L, "2025-08-14", 1));
            Map<SignalKey, TradeSignal> out = f.signalTable();
            assertThat(out).containsOnlyKeys(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
            assertThat(out.get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getStatus()).isEqualTo(SignalStatus.RETRACTED);
        }
    }

    @Test
    void shouldRetractFrontLoadingSignalWhenTheBaseYearIsRevisedUp() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            f.signals.readRecordsToList();
            f.pipe(figure(CHN_USA, 2024, 6, 1, 125L, "2025-08-14", 1));
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getStatus())
                    .isEqualTo(SignalStatus.RETRACTED);
        }
    }

    @Test
    void shouldNotSignalFrontLoadingOutsideTheLeadWindowOrBelowTheThreshold() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(event("far", "USA", "CHN", List.of(), "2025-12-01", TariffEventKind.INCREASE));
            flatYearAndJune(f, 125L);
            assertThat(f.signalTable()).doesNotContainKey(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 109L);
            assertThat(f.signalTable()).isEmpty();
        }
    }

    @Test
    void shouldSignalPaybackAfterTheTariffTakesEffect() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(event("june-rise", "USA", "CHN", List.of(), "2025-06-01", TariffEventKind.INCREASE));
            flatYearAndJune(f, 70L);
            TradeSignal s = f.signalTable().get(key(CHN_USA, 2025, 6, "PAYBACK"));
            assertThat(s.getExcessPct()).isCloseTo(-30.0, within(1e-9));
            assertThat(s.getTariffEventId()).isEqualTo("june-rise");
        }
    }

    @Test
    void shouldSignalPaybackWhenTheShortfallIsExactlyTheThreshold() {
        // 90 against a flat 100 is a shortfall of exactly 10 %, and the threshold is inclusive (excess <= -10).
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(event("june-rise", "USA", "CHN", List.of(), "2025-06-01", TariffEventKind.INCREASE));
            flatYearAndJune(f, 90L);
            TradeSignal s = f.signalTable().get(key(CHN_USA, 2025, 6, "PAYBACK"));
            assertThat(s).isNotNull();
            assertThat(s.getExcessPct()).isEqualTo(-10.0);
        }
    }

    /**
     * The method text names the thresholds as configured: 12.25 printed as "12.3" did not say which parameter was
     * applied. A whole threshold prints as before ("10.0").
     */
    @Test
    void shouldPrintTheConfiguredThresholdsExactlyInTheMethodWhenTheyHaveTwoDecimals() {
        SignalConfig d = SignalConfig.DEFAULTS;
        SignalConfig cfg = new SignalConfig(d.leadMonths(), d.paybackMonths(), d.trendMonths(), 12.25, d.paybackPct(),
                20.05, d.tariffRefresh(), d.refreshBatchSeries());
        try (TopologyFixture f = new TopologyFixture(cfg)) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            Map<SignalKey, TradeSignal> table = f.signalTable();
            assertThat(table.get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getMethod())
                    .startsWith("FRONT_LOADING excess >= 12.25% within 3 months");
            assertThat(table.get(key(CHN_USA, 2025, 6, "YOY_MOVE")).getMethod()).startsWith("YOY_MOVE |yoy| >= 20.05%;");
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 135L);
            Map<SignalKey, TradeSignal> table = f.signalTable();
            assertThat(table.get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getMethod())
                    .startsWith("FRONT_LOADING excess >= 10.0% within 3 months");
            assertThat(table.get(key(CHN_USA, 2025, 6, "YOY_MOVE")).getMethod()).startsWith("YOY_MOVE |yoy| >= 30.0%;");
        }
    }

    @Test
    void shouldSignalFrontLoadingWhenTheExcessIsExactlyTheThreshold() {
        // Thresholds of 15 and 20 %, reached exactly: 115 and 120 against a flat 100, and against a trend (June at
        // 132 against 100 a year earlier, after months at +20 %: 132 / 120 is exactly +10 %).
        SignalConfig d = SignalConfig.DEFAULTS;
        for (double threshold : new double[] {15.0, 20.0}) {
            SignalConfig cfg = new SignalConfig(d.leadMonths(), d.paybackMonths(), d.trendMonths(), threshold,
                    d.paybackPct(), d.yoyMovePct(), d.tariffRefresh(), d.refreshBatchSeries());
            try (TopologyFixture f = new TopologyFixture(cfg)) {
                f.tariff(AUGUST_RISE);
                flatYearAndJune(f, 100L + (long) threshold);
                TradeSignal s = f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
                assertThat(s).as("threshold %s", threshold).isNotNull();
                assertThat(s.getExcessPct()).isEqualTo(threshold);
            }
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            for (int m = 1; m <= 6; m++) {
                f.pipe(figure(CHN_USA, 2024, m, 1, 100L, "2024-%02d-20".formatted(m + 1), 0));
            }
            f.pipe(figure(CHN_USA, 2025, 4, 1, 120L, "2025-05-20", 0));
            f.pipe(figure(CHN_USA, 2025, 5, 1, 120L, "2025-06-20", 0));
            f.pipe(figure(CHN_USA, 2025, 6, 1, 132L, "2025-07-14", 0));
            TradeSignal s = f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
            assertThat(s).isNotNull();
            assertThat(s.getTrendPct()).isEqualTo(20.0);
            assertThat(s.getExcessPct()).isEqualTo(10.0);
        }
    }

    @Test
    void shouldSignalYoyMovesBeyondTheThresholdWithoutAnyTariffEvent() {
        try (TopologyFixture f = new TopologyFixture()) {
            flatYearAndJune(f, 65L);
            Map<SignalKey, TradeSignal> out = f.signalTable();
            assertThat(out).containsOnlyKeys(key(CHN_USA, 2025, 6, "YOY_MOVE"));
            assertThat(out.get(key(CHN_USA, 2025, 6, "YOY_MOVE")).getYoyPct()).isEqualTo(-35.0);
        }
    }

    @Test
    void shouldSignalAReportedFallOfExactlyOneHundredPercentWhenTradeStops() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(TradeRecord.newBuilder(figure(2025, 6, 0L, "2025-07-14")).setReportedYoyPct(-100.0).build());
            Map<SignalKey, TradeSignal> out = f.signalTable();
            assertThat(out).containsOnlyKeys(key(CHN_USA, 2025, 6, "YOY_MOVE"));
            TradeSignal move = out.get(key(CHN_USA, 2025, 6, "YOY_MOVE"));
            assertThat(move.getYoyPct()).isEqualTo(-100.0);
            assertThat(f.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldStillSignalAReportedFallOfNinetyNinePercentWithItsImpliedBase() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(TradeRecord.newBuilder(figure(2025, 6, 1L, "2025-07-14")).setReportedYoyPct(-99.0).build());
            Map<SignalKey, TradeSignal> out = f.signalTable();
            assertThat(out).containsOnlyKeys(key(CHN_USA, 2025, 6, "YOY_MOVE"));
            assertThat(out.get(key(CHN_USA, 2025, 6, "YOY_MOVE")).getYoyPct()).isEqualTo(-99.0);
        }
    }

    @Test
    void shouldEvaluateSignalsAgainWhenATariffEventArrivesAfterTheData() {
        try (TopologyFixture f = new TopologyFixture()) {
            flatYearAndJune(f, 125L);
            assertThat(f.signalTable()).isEmpty();
            f.tariff(AUGUST_RISE);
            assertThat(f.signalTable()).containsOnlyKeys(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
        }
    }

    @Test
    void shouldSayTheTariffCalendarChangedWhenAWithdrawnEventRetractsASignal() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            f.signals.readRecordsToList();
            f.tariffs.pipeInput(AUGUST_RISE.getId(), null); // withdrawn; June's figures are unchanged
            f.refreshCalendarFully();
            TradeSignal retracted = f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING"));
            assertThat(retracted.getStatus()).isEqualTo(SignalStatus.RETRACTED);
            assertThat(retracted.getSummary()).startsWith("RETRACTED (the tariff calendar changed")
                    .doesNotContain("revised data");
        }
    }

    @Test
    void shouldSayRevisedDataWhenARevisionRetractsASignal() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            f.pipe(figure(CHN_USA, 2025, 6, 1, 101L, "2025-08-14", 1));
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getSummary())
                    .startsWith("RETRACTED (revised data no longer meets the condition): ");
        }
    }

    @Test
    void shouldStateAFractionalTariffRateAsPublishedInTheSummary() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(TariffEvent.newBuilder(AUGUST_RISE).setRateBeforePct(7.5).setRateAfterPct(25.0).build());
            flatYearAndJune(f, 125L);
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getSummary())
                    .contains("(INCREASE 7.5 -> 25 % effective 2025-08-12)");
        }
    }

    @Test
    void shouldSayDueNotEffectiveWhenTheEventIsAScheduledExpiry() {
        // A truce's scheduled expiry may never take effect (August 2025's was extended the day before): "effective"
        // read as a duty that applied.
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(TariffEvent.newBuilder(AUGUST_RISE).setKind(TariffEventKind.SCHEDULED_EXPIRY)
                    .setRateBeforePct(30.0).setRateAfterPct(54.0).build());
            flatYearAndJune(f, 125L);
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getSummary())
                    .contains("(SCHEDULED_EXPIRY 30 -> 54 % due 2025-08-12)").doesNotContain("effective");
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(TariffEvent.newBuilder(AUGUST_RISE).setAnnounced(LocalDate.parse("2025-05-01"))
                    .setEffective(LocalDate.parse("2025-06-01")).setKind(TariffEventKind.SCHEDULED_EXPIRY).build());
            flatYearAndJune(f, 140L);
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 6, "YOY_MOVE")).getSummary())
                    .endsWith("; latest tariff event us-cn-rise (due 2025-06-01)");
        }
    }

    @Test
    void shouldSayTheYearEarlierLevelIsImpliedWhenAFrontLoadingRestsOnTheReportedRate() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            // No June 2024 level: "expected" is the level the reported +25 % implies, never published.
            f.pipe(TradeRecord.newBuilder(figure(2025, 6, 125L, "2025-07-14")).setReportedYoyPct(25.0).build());
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getSummary())
                    .contains("vs expected 100 (+25.0 %; year-earlier level implied by the reported rate)");
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(AUGUST_RISE);
            flatYearAndJune(f, 125L);
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 6, "FRONT_LOADING")).getSummary())
                    .as("a published year-earlier level is stated as such").doesNotContain("implied");
        }
    }

    @Test
    void shouldReevaluateTheSeriesOfAChangedImposerTargetPairAndNoOthers() {
        SeriesKey usImportsFromChina = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");
        SeriesKey deImportsFromChina = new SeriesKey("DEU", "CHN", Flow.IMPORT, "TOTAL");
        SeriesKey chinaExportsToDe = new SeriesKey("CHN", "DEU", Flow.EXPORT, "TOTAL");
        List<SeriesKey> all = List.of(CHN_USA, usImportsFromChina, deImportsFromChina, chinaExportsToDe);
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(event("de-cn-rise", "DEU", "CHN", List.of(), "2025-08-12", TariffEventKind.INCREASE));
            for (SeriesKey s : all) {
                flatYearAndJune(f, s, 125L);
            }
            assertThat(f.signalTable()).containsOnlyKeys(key(deImportsFromChina, 2025, 6, "FRONT_LOADING"),
                    key(chinaExportsToDe, 2025, 6, "FRONT_LOADING"));

            f.tariff(AUGUST_RISE); // the United States on China: only the two US-China series are concerned
            Map<SignalKey, TradeSignal> emitted = f.signalTable();
            assertThat(emitted).containsOnlyKeys(key(CHN_USA, 2025, 6, "FRONT_LOADING"),
                    key(usImportsFromChina, 2025, 6, "FRONT_LOADING"));

            f.tariffs.pipeInput(AUGUST_RISE.getId(), null); // withdrawn
            f.refreshCalendar();
            emitted = f.signalTable();
            assertThat(emitted).containsOnlyKeys(key(CHN_USA, 2025, 6, "FRONT_LOADING"),
                    key(usImportsFromChina, 2025, 6, "FRONT_LOADING"));
            assertThat(emitted.values()).extracting(TradeSignal::getStatus).containsOnly(SignalStatus.RETRACTED);
        }
    }

    @Test
    void shouldNameOnlyTheSeriesGroupsOfTheImposerTargetPairsWhoseEventsChanged() {
        TariffEvent usOnCn = event("us-cn", "USA", "CHN", List.of(), "2025-08-01", TariffEventKind.INCREASE);
        TariffEvent cnOnUs = event("cn-us", "CHN", "USA", List.of("27"), "2025-08-01", TariffEventKind.INCREASE);
        TariffEvent deOnCn = event("de-cn", "DEU", "CHN", List.of(), "2025-08-01", TariffEventKind.INCREASE);
        TariffCalendar before = new TariffCalendar(List.of(usOnCn, cnOnUs, deOnCn));

        assertThat(TariffCalendar.affectedSeriesGroups(before, new TariffCalendar(List.of(deOnCn, cnOnUs, usOnCn))))
                .as("the same events in another order").isEmpty();
        TariffEvent usOnCnLater = TariffEvent.newBuilder(usOnCn).setEffective(LocalDate.parse("2025-09-01")).build();
        assertThat(TariffCalendar.affectedSeriesGroups(before, new TariffCalendar(List.of(usOnCnLater, cnOnUs, deOnCn))))
                .containsExactlyInAnyOrder(new SeriesKey("USA", "CHN", Flow.IMPORT, ""), new SeriesKey("CHN", "USA", Flow.EXPORT, ""));
        assertThat(TariffCalendar.affectedSeriesGroups(before, new TariffCalendar(List.of(usOnCn, deOnCn))))
                .as("cn-us withdrawn").containsExactlyInAnyOrder(new SeriesKey("CHN", "USA", Flow.IMPORT, ""),
                        new SeriesKey("USA", "CHN", Flow.EXPORT, ""));
        assertThat(TariffCalendar.affectedSeriesGroups(TariffCalendar.EMPTY, new TariffCalendar(List.of(deOnCn))))
                .containsExactlyInAnyOrder(new SeriesKey("DEU", "CHN", Flow.IMPORT, ""), new SeriesKey("CHN", "DEU", Flow.EXPORT, ""));
    }

    @Test
    void shouldScanExactlyTheKeysOfOneSeriesGroupByPrefix() {
        var keys = StateSerdes.defaults().seriesKey().serializer();
        byte[] prefix = new SeriesStateProcessor.GroupPrefix(keys).serialize("t", new SeriesKey("USA", "CHN", Flow.IMPORT, ""));
        for (SeriesKey member : List.of(new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL"), new SeriesKey("USA", "CHN", Flow.IMPORT, "8501"))) {
            assertThat(keys.serialize("t", member)).as(member.toString()).startsWith(prefix);
        }
        for (SeriesKey other : List.of(new SeriesKey("USA", "CHN", Flow.EXPORT, "TOTAL"), new SeriesKey("USA", "CHNX", Flow.IMPORT, "TOTAL"),
                new SeriesKey("USA", "CH", Flow.IMPORT, "NTOTAL"), new SeriesKey("USAC", "HN", Flow.IMPORT, "TOTAL"))) {
            byte[] bytes = keys.serialize("t", other);
            assertThat(bytes.length >= prefix.length && java.util.Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length))
                    .as(other.toString()).isFalse();
        }
    }

    @Test
    void shouldMatchImportSeriesByImposerReporterAndHsScope() {
        SeriesKey usImportsOfSteel = new SeriesKey("USA", "CHN", Flow.IMPORT, "720810");
        SeriesKey usImportsTotal = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");
        TariffCalendar calendar = new TariffCalendar(List.of(
                event("steel", "USA", "CHN", List.of("72"), "2025-08-01", TariffEventKind.INCREASE),
                event("all", "USA", "CHN", List.of(), "2025-08-01", TariffEventKind.INCREASE),
                event("retaliation", "CHN", "USA", List.of(), "2025-08-01", TariffEventKind.INCREASE)));
        assertThat(calendar.matching(usImportsOfSteel)).extracting(TariffEvent::getId).containsExactly("all", "steel");
        assertThat(calendar.matching(usImportsTotal)).extracting(TariffEvent::getId).containsExactly("all");
        assertThat(calendar.matching(CHN_USA)).extracting(TariffEvent::getId).containsExactly("all");
        assertThat(calendar.matching(new SeriesKey("USA", "CHN", Flow.EXPORT, "TOTAL")))
                .extracting(TariffEvent::getId).containsExactly("retaliation");
    }

    @Test
    void shouldMatchNoSeriesForAPartialScopeDescribedWithoutHsCodes() {
        TariffEvent farm = TariffEvent.newBuilder(event("farm", "CHN", "USA", List.of(), "2025-03-10",
                TariffEventKind.INCREASE)).setScope("US farm goods 10-15%").build();
        TariffCalendar calendar = new TariffCalendar(List.of(farm,
                event("all", "CHN", "USA", List.of(), "2025-04-10", TariffEventKind.INCREASE)));
        for (String commodity : List.of("TOTAL", "854231", "1201", "8703")) {
            assertThat(calendar.matching(new SeriesKey("USA", "CHN", Flow.EXPORT, commodity)))
                    .as(commodity).extracting(TariffEvent::getId).containsExactly("all");
        }
    }

    @Test
    void shouldRaiseAndRetractFrontLoadingForAMemberStateWhenTheEuImposesTheDuty() {
        SeriesKey germanyFromChina = new SeriesKey("DEU", "CHN", Flow.IMPORT, "TOTAL");
        SeriesKey chinaToGermany = new SeriesKey("CHN", "DEU", Flow.EXPORT, "TOTAL");
        TariffEvent euOnChina = event("eu-cn-rise", "EUU", "CHN", List.of(), "2025-08-12", TariffEventKind.INCREASE);
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(euOnChina);
            flatYearAndJune(f, germanyFromChina, 125L);
            flatYearAndJune(f, chinaToGermany, 125L);
            Map<SignalKey, TradeSignal> out = f.signalTable();
            assertThat(out).containsOnlyKeys(key(germanyFromChina, 2025, 6, "FRONT_LOADING"),
                    key(chinaToGermany, 2025, 6, "FRONT_LOADING"));
            assertThat(out.values()).extracting(TradeSignal::getTariffEventId).containsOnly("eu-cn-rise");

            f.tariffs.pipeInput(euOnChina.getId(), null); // withdrawn: the member states' series are re-evaluated
            f.refreshCalendarFully();
            out = f.signalTable();
            assertThat(out).containsOnlyKeys(key(germanyFromChina, 2025, 6, "FRONT_LOADING"),
                    key(chinaToGermany, 2025, 6, "FRONT_LOADING"));
            assertThat(out.values()).extracting(TradeSignal::getStatus).containsOnly(SignalStatus.RETRACTED);
        }
    }

    @Test
    void shouldRaiseFrontLoadingForImportsFromAMemberStateWhenADutyTargetsTheEuArrivingAfterTheData() {
        SeriesKey usFromFrance = new SeriesKey("USA", "FRA", Flow.IMPORT, "TOTAL");
        try (TopologyFixture f = new TopologyFixture()) {
            flatYearAndJune(f, usFromFrance, 125L);
            assertThat(f.signalTable()).isEmpty();
            f.tariff(event("us-eu-rise", "USA", "EUU", List.of(), "2025-08-12", TariffEventKind.INCREASE));
            assertThat(f.signalTable()).containsOnlyKeys(key(usFromFrance, 2025, 6, "FRONT_LOADING"));
        }
    }

    @Test
    void shouldMatchEuEventsForTheEuAndEveryMemberStateButNoOtherEuropeanEconomy() {
        TariffCalendar calendar = new TariffCalendar(List.of(
                event("eu-cn", "EUU", "CHN", List.of("87"), "2025-08-01", TariffEventKind.INCREASE),
                event("us-eu", "USA", "EUU", List.of(), "2025-08-01", TariffEventKind.INCREASE)));
        for (String member : List.of("EUU", "DEU", "FRA", "IRL", "HRV", "CYP")) {
            assertThat(calendar.matching(new SeriesKey(member, "CHN", Flow.IMPORT, "8703")))
                    .as(member + " imports of cars from China").extracting(TariffEvent::getId).containsExactly("eu-cn");
            assertThat(calendar.matching(new SeriesKey("CHN", member, Flow.EXPORT, "870380")))
                    .as("China's car exports to " + member).extracting(TariffEvent::getId).containsExactly("eu-cn");
            assertThat(calendar.matching(new SeriesKey(member, "CHN", Flow.IMPORT, "TOTAL")))
                    .as("HS scope unchanged: " + member + " TOTAL").isEmpty();
            assertThat(calendar.matching(new SeriesKey("USA", member, Flow.IMPORT, "TOTAL")))
                    .as("US imports from " + member).extracting(TariffEvent::getId).containsExactly("us-eu");
            assertThat(calendar.matching(new SeriesKey(member, "USA", Flow.EXPORT, "TOTAL")))
                    .as(member + " exports to the US").extracting(TariffEvent::getId).containsExactly("us-eu");
            assertThat(calendar.matching(new SeriesKey(member, "USA", Flow.IMPORT, "TOTAL")))
                    .as("the US duty is not the EU's: " + member + " imports from the US").isEmpty();
        }
        for (String outside : List.of("GBR", "CHE", "NOR", "TUR")) {
            assertThat(calendar.matching(new SeriesKey(outside, "CHN", Flow.IMPORT, "8703"))).as(outside).isEmpty();
            assertThat(calendar.matching(new SeriesKey("CHN", outside, Flow.EXPORT, "8703"))).as(outside).isEmpty();
            assertThat(calendar.matching(new SeriesKey("USA", outside, Flow.IMPORT, "TOTAL"))).as(outside).isEmpty();
            assertThat(calendar.matching(new SeriesKey(outside, "USA", Flow.EXPORT, "TOTAL"))).as(outside).isEmpty();
        }
    }

    @Test
    void shouldNameTheSeriesGroupsOfEveryMemberStateWhenAnEuEventChanges() {
        TariffEvent euOnChina = event("eu-cn", "EUU", "CHN", List.of(), "2025-08-01", TariffEventKind.INCREASE);
        java.util.Set<SeriesKey> groups = TariffCalendar.affectedSeriesGroups(TariffCalendar.EMPTY,
                new TariffCalendar(List.of(euOnChina)));
        assertThat(groups).contains(new SeriesKey("EUU", "CHN", Flow.IMPORT, ""), new SeriesKey("CHN", "EUU", Flow.EXPORT, ""),
                new SeriesKey("DEU", "CHN", Flow.IMPORT, ""), new SeriesKey("CHN", "SWE", Flow.EXPORT, ""))
                .doesNotContain(new SeriesKey("GBR", "CHN", Flow.IMPORT, ""), new SeriesKey("CHN", "CHE", Flow.EXPORT, ""))
                .hasSize(2 * (1 + EuropeanUnion.MEMBERS.size()));
    }

    @Test
    void shouldMatchEuEventsForTheEuSeriesOnlyUnderTheRulesBeforeTheMemberStates() {
        List<TariffEvent> events = List.of(event("eu-cn", "EUU", "CHN", List.of(), "2025-08-01", TariffEventKind.INCREASE),
                event("us-eu", "USA", "EUU", List.of(), "2025-08-01", TariffEventKind.INCREASE));
        TariffCalendar literal = new TariffCalendar(events, TariffCalendar.RULES_LITERAL);
        TariffCalendar current = new TariffCalendar(events);
        assertThat(literal.matching(new SeriesKey("EUU", "CHN", Flow.IMPORT, "TOTAL")))
                .extracting(TariffEvent::getId).containsExactly("eu-cn");
        assertThat(literal.matching(new SeriesKey("USA", "EUU", Flow.IMPORT, "TOTAL")))
                .extracting(TariffEvent::getId).containsExactly("us-eu");
        assertThat(literal.matching(new SeriesKey("DEU", "CHN", Flow.IMPORT, "TOTAL"))).isEmpty();
        assertThat(literal.matching(new SeriesKey("USA", "FRA", Flow.IMPORT, "TOTAL"))).isEmpty();
        assertThat(current.matching(new SeriesKey("DEU", "CHN", Flow.IMPORT, "TOTAL")))
                .extracting(TariffEvent::getId).containsExactly("eu-cn");
        assertThat(literal).as("the same events under other rules are another calendar").isNotEqualTo(current);
        assertThat(new TariffCalendar(events, TariffCalendar.CURRENT_RULES)).isEqualTo(current)
                .hasSameHashCodeAs(current);
    }

    @Test
    void shouldNameOnlyTheMemberStateGroupsOfTheEuEventsWhenTheSameEventsMoveToTheMemberStatesRules() {
        List<TariffEvent> events = List.of(event("eu-cn", "EUU", "CHN", List.of(), "2025-08-01", TariffEventKind.INCREASE),
                AUGUST_RISE);
        java.util.Set<SeriesKey> groups = TariffCalendar.affectedSeriesGroups(
                new TariffCalendar(events, TariffCalendar.RULES_LITERAL), new TariffCalendar(events));
        assertThat(groups).contains(new SeriesKey("DEU", "CHN", Flow.IMPORT, ""), new SeriesKey("CHN", "SWE", Flow.EXPORT, ""))
                .as("the EU's own series and the US' matched the same events before")
                .doesNotContain(new SeriesKey("EUU", "CHN", Flow.IMPORT, ""), new SeriesKey("CHN", "EUU", Flow.EXPORT, ""),
                        new SeriesKey("USA", "CHN", Flow.IMPORT, ""), new SeriesKey("CHN", "USA", Flow.EXPORT, ""))
                .hasSize(2 * EuropeanUnion.MEMBERS.size());
        assertThat(TariffCalendar.affectedSeriesGroups(new TariffCalendar(List.of(AUGUST_RISE), TariffCalendar.RULES_LITERAL),
                new TariffCalendar(List.of(AUGUST_RISE)))).as("no EU event: nothing to re-evaluate").isEmpty();
    }

    @Test
    void shouldCountFebruaryOnceInTheTrendWhenACombinedJanFebAndASingleFebruaryAreBothHeld() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(event("may-rise", "USA", "CHN", List.of(), "2025-05-01", TariffEventKind.INCREASE));
            for (int m = 1; m <= 12; m++) {
                f.pipe(figure(CHN_USA, 2024, m, 1, 100L, "2024-12-20", 0));
            }
            // China customs' combined Jan+Feb (+20 % on 2024's 200) and another source's single February (-20 %):
            // both stay in the history (they start in different months), and both cover February.
            f.pipe(TradeRecord.newBuilder(figure(CHN_USA, 2025, 1, 2, 240L, "2025-03-07", 0)).setSource("GACC").build());
            f.pipe(TradeRecord.newBuilder(figure(CHN_USA, 2025, 2, 1, 80L, "2025-04-10", 0)).setSource("CENSUS").build());
            f.pipe(figure(CHN_USA, 2025, 3, 1, 160L, "2025-04-13", 0));

            TradeSignal march = f.signalTable().get(key(CHN_USA, 2025, 3, "FRONT_LOADING"));
            // The trend window of March (January and February) is covered once, by the combined figure, as in the
            // window sums; with February counted a second time the median of +20 % and -20 % made it 0.
            assertThat(march.getTrendPct()).isCloseTo(20.0, within(1e-9));
            assertThat(march.getExpected()).isEqualTo(120L);
            assertThat(march.getExcessPct()).isCloseTo((160.0 / 120.0 - 1) * 100.0, within(1e-9));
        }
    }

    @Test
    void shouldTakeTheSingleFebruaryIntoTheTrendWhenTheCombinedJanFebHasNoYoy() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.tariff(event("may-rise", "USA", "CHN", List.of(), "2025-05-01", TariffEventKind.INCREASE));
            for (int m = 2; m <= 12; m++) { // no January 2024: the combined Jan+Feb 2025 has no base, hence no YoY
                f.pipe(figure(CHN_USA, 2024, m, 1, 100L, "2024-12-20", 0));
            }
            f.pipe(TradeRecord.newBuilder(figure(CHN_USA, 2025, 1, 2, 240L, "2025-03-07", 0)).setSource("GACC").build());
            f.pipe(TradeRecord.newBuilder(figure(CHN_USA, 2025, 2, 1, 80L, "2025-04-10", 0)).setSource("CENSUS").build());
            f.pipe(figure(CHN_USA, 2025, 3, 1, 160L, "2025-04-13", 0));

            TradeSignal march = f.signalTable().get(key(CHN_USA, 2025, 3, "FRONT_LOADING"));
            assertThat(march.getTrendPct()).as("February's YoY, the only one of the window").isCloseTo(-20.0, within(1e-9));
            assertThat(march.getExpected()).isEqualTo(80L);
        }
    }

    @Test
    void shouldSayTheYearEarlierLevelIsImpliedWhenAYoyMoveRestsOnTheReportedRate() {
        try (TopologyFixture f = new TopologyFixture()) {
            // No May 2024 level: the year-earlier level is only what the reported -34.5 % implies.
            f.pipe(TradeRecord.newBuilder(figure(2025, 5, 28_800_000_000L, "2025-06-09")).setReportedYoyPct(-34.5).build());
            String summary = f.signalTable().get(key(CHN_USA, 2025, 5, "YOY_MOVE")).getSummary();
            long implied = Math.round(28_800_000_000L / (1 - 0.345));
            assertThat(summary).contains("-34.5 % YoY (reported, 28.800 bn vs " + Signals.money(implied)
                    + " a year earlier implied by the reported rate)");
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2024, 5, 44_000_000_000L, "2024-06-07"));
            f.pipe(TradeRecord.newBuilder(figure(2025, 5, 28_800_000_000L, "2025-06-09")).setReportedYoyPct(-34.5).build());
            assertThat(f.signalTable().get(key(CHN_USA, 2025, 5, "YOY_MOVE")).getSummary())
                    .as("a published prior-year level is stated as such")
                    .contains("YoY (computed, 28.800 bn vs 44.000 bn a year earlier)").doesNotContain("implied");
        }
    }
}
