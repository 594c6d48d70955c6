package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static io.tradepulse.streams.TopologyFixture.cell;
import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.SignalType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Figure quality on the real topology: a figure's own quality on its row, the weakest quality its metrics read
 * ({@code metricsQuality}), on signals, on derived roll-ups, and back to PUBLISHED when a revision replaces the weak
 * figure.
 */
class FigureQualityTest {
    private static final SeriesKey PHONES_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "851713");
    private static final SeriesKey PARTS_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "851762");
    private static final SeriesKey HEADING_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "8517");
    private static final SeriesKey TOTAL_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");

    @Test
    void shouldCarryASecondarySourceLevelToEveryRowWhoseMetricsReadIt() {
        try (TopologyFixture f = new TopologyFixture()) {
            for (int m = 1; m <= 12; m++) {
                f.pipe(figure(2024, m, 40_000L + m, "2024-" + String.format("%02d", m) + "-01"));
            }
            f.pipe(figure(2025, 6, 38_170L, "2025-07-14"));
            f.pipe(quality(figure(2025, 7, 35_800L, "2025-08-07"), FigureQuality.SECONDARY));
            f.pipe(figure(2025, 8, 30_000L, "2025-09-08"));
            f.pipe(figure(2026, 7, 36_000L, "2026-08-07"));
            Map<ChangeKey, TradeChange> t = f.table();

            TradeChange july = t.get(cell(CHN_USA, 2025, 7));
            assertThat(july.getQuality()).isEqualTo(FigureQuality.SECONDARY);
            assertThat(july.getMetricsQuality()).isEqualTo(FigureQuality.SECONDARY);
            // August's own figure is published, but its MoM and its YTD read July's level
            TradeChange august = t.get(cell(CHN_USA, 2025, 8));
            assertThat(august.getQuality()).isEqualTo(FigureQuality.PUBLISHED);
            assertThat(august.getMomPct()).isNotNull();
            assertThat(august.getMetricsQuality()).isEqualTo(FigureQuality.SECONDARY);
            // June comes before July: nothing it reads is weak
            assertThat(t.get(cell(CHN_USA, 2025, 6)).getMetricsQuality()).isEqualTo(FigureQuality.PUBLISHED);
            // a year later July 2025 is the base of the YoY
            TradeChange july2026 = t.get(cell(CHN_USA, 2026, 7));
            assertThat(july2026.getPriorYearValue()).isEqualTo(35_800L);
            assertThat(july2026.getQuality()).isEqualTo(FigureQuality.PUBLISHED);
            assertThat(july2026.getMetricsQuality()).isEqualTo(FigureQuality.SECONDARY);
            // the prior year's rows never read 2025
            assertThat(t.get(cell(CHN_USA, 2024, 12)).getMetricsQuality()).isEqualTo(FigureQuality.PUBLISHED);
        }
    }

    @Test
    void shouldReemitThePublishedQualityWhenTheAuthorityRevisesASecondaryLevel() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2025, 6, 38_170L, "2025-07-14"));
            f.pipe(quality(figure(2025, 7, 35_800L, "2025-08-07"), FigureQuality.SECONDARY));
            f.pipe(figure(2025, 8, 30_000L, "2025-09-08"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 8)).getMetricsQuality()).isEqualTo(FigureQuality.SECONDARY);

            f.pipe(figure(2025, 7, 35_810L, "2025-09-20")); // the authority's own level, published later
            Map<ChangeKey, TradeChange> t = f.table();
            assertThat(t.get(cell(CHN_USA, 2025, 7)).getQuality()).isEqualTo(FigureQuality.PUBLISHED);
            assertThat(t.get(cell(CHN_USA, 2025, 7)).getMetricsQuality()).isEqualTo(FigureQuality.PUBLISHED);
            assertThat(t.get(cell(CHN_USA, 2025, 8)).getMetricsQuality()).isEqualTo(FigureQuality.PUBLISHED);
        }
    }

    @Test
    void shouldNotWeakenARowByAMonthItsPublishedMetricsDoNotUse() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(quality(figure(2024, 12, 50L, "2025-01-10"), FigureQuality.ESTIMATED));
            f.pipe(figure(2025, 1, 40L, "2025-02-10"));
            f.pipe(figure(2025, 2, 45L, "2025-03-10"));
            Map<ChangeKey, TradeChange> t = f.table();
            // January's MoM reads December
            assertThat(t.get(cell(CHN_USA, 2025, 1)).getMomPct()).isNotNull();
            assertThat(t.get(cell(CHN_USA, 2025, 1)).getMetricsQuality()).isEqualTo(FigureQuality.ESTIMATED);
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(quality(figure(2024, 12, 50L, "2025-01-10"), FigureQuality.ESTIMATED));
            f.pipe(figure(2025, 2, 45L, "2025-03-10"));
            // February without January: December is in its rolling window (Dec-Feb), but the window is incomplete, so
            // no rolling sum is published; its YTD reads February alone, and it has no MoM
            TradeChange feb = f.table().get(cell(CHN_USA, 2025, 2));
            assertThat(feb.getRolling3mValue()).isNull();
            assertThat(feb.getMetricsQuality()).isEqualTo(FigureQuality.PUBLISHED);
        }
    }

    @Test
    void shouldWeakenARowWhoseRollingSumReadsAWeakMonthEvenWithoutARollingYoy() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(quality(figure(2024, 12, 50L, "2025-01-10"), FigureQuality.ESTIMATED));
            f.pipe(figure(2025, 1, 40L, "2025-02-10"));
            f.pipe(figure(2025, 2, 45L, "2025-03-10"));
            // February's rolling window (Dec-Feb) is complete, a year earlier's is not: no rolling YoY, but the row
            // publishes the sum, and the sum holds the estimated December
            TradeChange feb = f.table().get(cell(CHN_USA, 2025, 2));
            assertThat(feb.getRolling3mValue()).isEqualTo(135L);
            assertThat(feb.getRolling3mYoyPct()).isNull();
            assertThat(feb.getMetricsQuality()).isEqualTo(FigureQuality.ESTIMATED);
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(quality(figure(2023, 12, 50L, "2024-01-10"), FigureQuality.ESTIMATED));
            f.pipe(figure(2024, 1, 40L, "2024-02-10"));
            f.pipe(figure(2024, 2, 45L, "2024-03-10"));
            f.pipe(figure(2025, 2, 47L, "2025-03-10"));
            // a year later the same window is the prior one: February 2025 publishes its sum (rolling3mPriorValue)
            // while its own window (no January 2025) is incomplete; its YoY and prior YTD read only 2024's months
            TradeChange feb = f.table().get(cell(CHN_USA, 2025, 2));
            assertThat(feb.getRolling3mPriorValue()).isEqualTo(135L);
            assertThat(feb.getRolling3mValue()).isNull();
            assertThat(feb.getMetricsQuality()).isEqualTo(FigureQuality.ESTIMATED);
        }
    }

    @Test
    void shouldGiveASignalTheWeakestQualityOfTheFiguresItsYoyReads() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(quality(figure(2024, 5, 44_000L, "2024-06-07"), FigureQuality.ESTIMATED));
            f.pipe(figure(2025, 5, 28_800L, "2025-06-09")); // -34.5 %: a YOY_MOVE
            f.pipe(figure(2024, 6, 45_000L, "2024-07-14"));
            f.pipe(quality(figure(2025, 6, 30_000L, "2025-07-14"), FigureQuality.SECONDARY)); // -33.3 %
            f.pipe(figure(2024, 3, 38_000L, "2024-04-13"));
            f.pipe(figure(2025, 3, 20_000L, "2025-04-13")); // -47 %, both published
            Map<SignalKey, TradeSignal> signals = f.signalTable();

            assertThat(yoyMove(signals, 2025, 5).getQuality()).as("its base").isEqualTo(FigureQuality.ESTIMATED);
            assertThat(yoyMove(signals, 2025, 6).getQuality()).as("its own level").isEqualTo(FigureQuality.SECONDARY);
            assertThat(yoyMove(signals, 2025, 3).getQuality()).isEqualTo(FigureQuality.PUBLISHED);
        }
    }

    @Test
    void shouldDeriveARollUpWithTheWeakestQualityOfItsChildren() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(RollupsTest.hs(PHONES_CHN, 2025, 5, 60L, "2025-07-03"));
            f.pipe(quality(RollupsTest.hs(PARTS_CHN, 2025, 5, 45L, "2025-07-03"), FigureQuality.ESTIMATED));
            Map<ChangeKey, TradeChange> t = f.table();
            for (SeriesKey parent : new SeriesKey[] {HEADING_CHN, TOTAL_CHN}) {
                TradeChange may = t.get(cell(parent, 2025, 5));
                assertThat(may.getDerivedFrom()).as(parent.getCommodity()).isNotNull();
                assertThat(may.getValue()).isEqualTo(105L);
                assertThat(may.getQuality()).as(parent.getCommodity()).isEqualTo(FigureQuality.ESTIMATED);
            }

            // the estimated child is replaced by the figure the country reported: the parents are published again
            f.pipe(RollupsTest.hs(PARTS_CHN, 2025, 5, 46L, "2025-08-03"));
            t = f.table();
            assertThat(t.get(cell(HEADING_CHN, 2025, 5)).getValue()).isEqualTo(106L);
            assertThat(t.get(cell(HEADING_CHN, 2025, 5)).getQuality()).isEqualTo(FigureQuality.PUBLISHED);
            assertThat(t.get(cell(TOTAL_CHN, 2025, 5)).getQuality()).isEqualTo(FigureQuality.PUBLISHED);
            assertThat(f.deadLetters.isEmpty()).isTrue();
        }
    }

    private static TradeSignal yoyMove(Map<SignalKey, TradeSignal> signals, int year, int month) {
        TradeSignal s = signals.get(new SignalKey(CHN_USA.getReporter(), CHN_USA.getPartner(), CHN_USA.getFlow(),
                CHN_USA.getCommodity(), year, month, SignalType.YOY_MOVE.name()));
        assertThat(s).as("YOY_MOVE %d-%02d", year, month).isNotNull();
        return s;
    }

    private static TradeRecord quality(TradeRecord r, FigureQuality q) {
        return TradeRecord.newBuilder(r).setQuality(q).build();
    }
}
