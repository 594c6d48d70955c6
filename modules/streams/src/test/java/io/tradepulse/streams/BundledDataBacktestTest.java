package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.ParseResult;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backtest of docs/signals.md: the real China -> US export series (China customs, 2023-2025) and the real
 * 2025 US-China tariff timeline through the real topology with the default parameters. Each row of the doc's
 * table is one assertion here; the whole set of ACTIVE signals is asserted too, so a signal that starts (or
 * stops) firing breaks the test and the doc must be updated.
 */
class BundledDataBacktestTest {
    private static Map<String, TradeSignal> active;
    /** The change rows by first month of their period ("2024-01" for Jan+Feb 2024), the series being the only one. */
    private static Map<String, TradeChange> changes;

    @BeforeAll
    static void runBacktest() {
        try (TopologyFixture f = new TopologyFixture()) {
            for (ParseResult<TariffEvent> e : BundledData.tariffEvents()) {
                f.tariffs.pipeInput(((ParseResult.Parsed<TariffEvent>) e).value().getId(), ((ParseResult.Parsed<TariffEvent>) e).value());
            }
            f.refreshCalendar();
            for (ParseResult<TradeRecord> row : BundledData.chinaExportsToUs()) {
                f.pipe(((ParseResult.Parsed<TradeRecord>) row).value());
            }
            changes = f.table().values().stream()
                    .collect(Collectors.toMap(c -> "%d-%02d".formatted(c.getYear(), c.getMonth()), c -> c));
            Map<SignalKey, TradeSignal> table = f.signalTable();
            active = table.entrySet().stream().filter(e -> e.getValue().getStatus() == SignalStatus.ACTIVE)
                    .collect(Collectors.toMap(e -> id(e.getKey()), Map.Entry::getValue));
        }
        active.values().stream().sorted(Comparator.comparing(TradeSignal::getYear).thenComparing(TradeSignal::getMonth))
                .forEach(s -> System.out.println("BACKTEST " + s.getType() + " | " + s.getSummary() + " | " + s.getMethod()));
    }

    private static String id(SignalKey k) {
        return "%d-%02d %s".formatted(k.getYear(), k.getMonth(), k.getType());
    }

    @Test
    void shouldFlagDecember2024FrontLoadingAheadOfTheFebruary2025Tariff() {
        TradeSignal s = active.get("2024-12 FRONT_LOADING");
        assertThat(s).isNotNull();
        assertThat(s.getTariffEventId()).isEqualTo("us-cn-2025-02-fentanyl");
        assertThat(s.getExcessPct()).isCloseTo(16.0, within(0.01)); // no Dec 2023 level: GACC's +16 %, trend 0
        assertThat(s.getTrendPct()).as("no Oct/Nov 2024 figures: no trend").isNull();
        assertThat(s.getYoyBasis()).isEqualTo("REPORTED");
        assertThat(s.getActual()).isEqualTo(48_800_000_000L);
        assertThat(s.getExpected()).as("48.8 bn / 1.16").isCloseTo(42_069_000_000L, within(1_000_000L));
        assertThat(s.getSummary()).contains("48.800 bn vs expected 42.069 bn (+16.0 %; year-earlier level implied by "
                + "the reported rate) in the 3 months before us-cn-2025-02-fentanyl (INCREASE 0 -> 10 % effective 2025-02-04)");
    }

    @Test
    void shouldFlagJune2025ReboundAheadOfTheAugustTruceExpiry() {
        TradeSignal s = active.get("2025-06 FRONT_LOADING");
        assertThat(s).isNotNull();
        assertThat(s.getTariffEventId()).isEqualTo("us-cn-2025-08-truce-expiry");
        assertThat(s.getTrendPct()).isCloseTo(-34.545, within(0.01)); // May 2025, the only trailing month with a YoY
        assertThat(s.getExcessPct()).as("0.839 / 0.65455 - 1").isCloseTo(28.18, within(0.01));
        assertThat(s.getYoyPct()).isCloseTo(-16.1, within(0.001));
        assertThat(s.getExpected()).as("38.17 bn / 0.839 x 0.65455").isCloseTo(29_778_000_000L, within(1_000_000L));
        // The truce expiry was due 2025-08-12 and extended the day before: "due", never "effective".
        assertThat(s.getSummary()).contains("(SCHEDULED_EXPIRY 30 -> 54 % due 2025-08-12)");
    }

    @Test
    void shouldFlagMay2025AsTheDropAfterTheAprilEscalation() {
        TradeSignal payback = active.get("2025-05 PAYBACK");
        assertThat(payback).isNotNull();
        assertThat(payback.getTariffEventId()).isEqualTo("us-cn-2025-04-escalation");
        assertThat(payback.getExcessPct()).as("0.65455 / 1.045 - 1").isCloseTo(-37.36, within(0.01));
        assertThat(payback.getExpected()).as("44.0 bn x 1.045").isEqualTo(45_980_000_000L);
        TradeSignal move = active.get("2025-05 YOY_MOVE");
        assertThat(move.getYoyPct()).isCloseTo(-34.545, within(0.001));
        assertThat(move.getYoyBasis()).isEqualTo("COMPUTED");
        assertThat(move.getTariffEventId()).isEqualTo("us-cn-2025-05-geneva");
    }

    @Test
    void shouldAlertOnTheReportedYoyMovesOfAugustAndDecember2025WithTheLatestEventInForce() {
        TradeSignal august = active.get("2025-08 YOY_MOVE");
        assertThat(august.getYoyPct()).isCloseTo(-33.1, within(1e-9));
        assertThat(august.getYoyBasis()).isEqualTo("REPORTED");
        assertThat(august.getTariffEventId()).isEqualTo("us-cn-2025-08-truce-expiry");
        assertThat(august.getSummary()).endsWith("latest tariff event us-cn-2025-08-truce-expiry (due 2025-08-12)");
        TradeSignal december = active.get("2025-12 YOY_MOVE");
        assertThat(december.getYoyPct()).as("exactly on the inclusive 30 % threshold").isCloseTo(-30.0, within(1e-9));
        assertThat(december.getTariffEventId()).isEqualTo("us-cn-2025-11-busan");
    }

    @Test
    void shouldSummariseAMonthWithoutLevelsByItsGrowthRatesNotByMissingLevels() {
        TradeSignal s = active.get("2025-08 PAYBACK"); // GACC published only the YoY for Aug 2025
        assertThat(s).isNotNull();
        assertThat(s.getActual()).isNull();
        assertThat(s.getSummary()).startsWith("CHN->USA EXPORT TOTAL 2025-08: -33.1 % YoY (reported) vs a trend of "
                + "-18.9 % (-17.5 %) within 3 months after us-cn-2025-08-truce-expiry").doesNotContain("n/a");
        assertThat(active.get("2025-05 PAYBACK").getSummary())
                .contains("2025-05: 28.800 bn vs expected 45.980 bn (-37.4 %) within 3 months after");
    }

    /** docs/signals.md: the computed and the reported rate of Jan+Feb 2024 differ, and both are carried. */
    @Test
    void shouldCarryTheComputedAndTheReportedYoyOfJanFeb2024WhenTheyDiffer() {
        TradeChange janFeb = changes.get("2024-01");
        assertThat(janFeb.getMonths()).as("the combined Jan+Feb figure").isEqualTo(2);
        assertThat(janFeb.getValue()).isEqualTo(73_410_000_000L);
        assertThat(janFeb.getPriorYearValue()).isEqualTo(71_560_000_000L);
        assertThat(janFeb.getYoyPct()).as("73.41 / 71.56 - 1").isCloseTo(2.585, within(0.001));
        assertThat(janFeb.getReportedYoyPct()).as("GACC's, against its revised 2023 base").isEqualTo(5.0);
    }

    /**
     * docs/signals.md: July 2025's level is from a secondary source (the file's flag). Its row says so, the later 2025
     * rows whose MoM or YTD read it say so, and so does the one signal whose trend reads July (August's PAYBACK).
     */
    @Test
    void shouldMarkWhatRestsOnTheSecondarySourceLevelOfJuly2025() {
        assertThat(changes.get("2025-07").getQuality()).isEqualTo(FigureQuality.SECONDARY);
        assertThat(changes.get("2025-07").getMetricsQuality()).isEqualTo(FigureQuality.SECONDARY);
        assertThat(changes.get("2025-06").getMetricsQuality()).as("before July").isEqualTo(FigureQuality.PUBLISHED);
        // August 2025 has no level (GACC gave only the YoY), so its YTD sums July's: read, not only neighbouring
        assertThat(changes.get("2025-08").getQuality()).isEqualTo(FigureQuality.PUBLISHED);
        assertThat(changes.get("2025-08").getYtdValue()).isNotNull();
        assertThat(changes.get("2025-08").getMetricsQuality()).isEqualTo(FigureQuality.SECONDARY);
        assertThat(changes.values()).filteredOn(c -> c.getQuality() != FigureQuality.PUBLISHED)
                .extracting(c -> c.getYear() + "-" + c.getMonth()).containsExactly("2025-7");

        assertThat(active.get("2025-08 PAYBACK").getQuality()).as("its trend reads July's YoY")
                .isEqualTo(FigureQuality.SECONDARY);
        assertThat(active.entrySet()).filteredOn(e -> e.getValue().getQuality() != FigureQuality.PUBLISHED)
                .extracting(Map.Entry::getKey).containsExactly("2025-08 PAYBACK");
    }

    @Test
    void shouldFireExactlyTheSignalsOfTheDocsTable() {
        assertThat(active.keySet()).containsExactlyInAnyOrderElementsOf(List.of(
                "2024-12 FRONT_LOADING", "2025-05 PAYBACK", "2025-05 YOY_MOVE", "2025-06 FRONT_LOADING",
                "2025-08 PAYBACK", "2025-08 YOY_MOVE", "2025-12 YOY_MOVE"));
    }
}
