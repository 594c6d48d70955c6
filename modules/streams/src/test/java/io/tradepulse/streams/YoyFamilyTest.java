package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static io.tradepulse.streams.TopologyFixture.cell;
import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.TradeChange;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** MoM, YTD, rolling 3-month YoY and lineage on trade.changes, and which months a change re-emits. */
class YoyFamilyTest {

    @Test
    void shouldComputeMonthOverMonthFromThePreviousSingleMonth() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2025, 4, 40L, "2025-05-09"));
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            TradeChange may = f.table().get(cell(CHN_USA, 2025, 5));
            assertThat(may.getPriorMonthValue()).isEqualTo(40L);
            assertThat(may.getMomPct()).isEqualTo(-25.0);
        }
    }

    @Test
    void shouldReemitTheNextMonthsMomWhenAMonthArrivesLate() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2025, 5, 30L, "2025-06-09"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getMomPct()).isNull();
            f.pipe(figure(2025, 4, 20L, "2025-05-09"));
            List<TestRecord<ChangeKey, TradeChange>> out = f.changes.readRecordsToList();
            assertThat(out).extracting(r -> r.key().getMonth()).containsExactly(4, 5);
            assertThat(out.get(1).value().getMomPct()).isEqualTo(50.0);
        }
    }

    @Test
    void shouldNotComputeMomAcrossACombinedJanuaryFebruary() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(CHN_USA, 2025, 1, 2, 100L, "2025-03-07", 0));
            f.pipe(figure(2025, 3, 60L, "2025-04-13"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 3)).getMomPct()).isNull();
        }
    }

    @Test
    void shouldFlagYearToDatePartialUntilEveryMonthOfBothYearsIsPresent() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2024, 1, 10L, "2024-02-09"));
            f.pipe(figure(2024, 2, 10L, "2024-03-09"));
            f.pipe(figure(2025, 1, 12L, "2025-02-09"));
            f.pipe(figure(2025, 2, 13L, "2025-03-09"));
            TradeChange feb = f.table().get(cell(CHN_USA, 2025, 2));
            assertThat(feb.getYtdValue()).isEqualTo(25L);
            assertThat(feb.getPriorYtdValue()).isEqualTo(20L);
            assertThat(feb.getYtdYoyPct()).isEqualTo(25.0);
            assertThat(feb.getYtdPartial()).isFalse();

            f.pipe(figure(2025, 4, 10L, "2025-05-09")); // March missing in both years
            TradeChange apr = f.table().get(cell(CHN_USA, 2025, 4));
            assertThat(apr.getYtdValue()).isEqualTo(35L);
            assertThat(apr.getPriorYtdValue()).isEqualTo(20L);
            assertThat(apr.getYtdPartial()).isTrue();
        }
    }

    @Test
    void shouldCountFebruaryOnceWhenBothACombinedJanuaryFebruaryAndASingleFebruaryAreKnown() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(CHN_USA, 2024, 1, 2, 200L, "2024-03-07", 0));
            f.pipe(figure(CHN_USA, 2024, 3, 1, 100L, "2024-04-13", 0));
            f.pipe(figure(CHN_USA, 2025, 1, 2, 220L, "2025-03-07", 0)); // China customs: Jan+Feb together
            f.pipe(figure(CHN_USA, 2025, 2, 1, 120L, "2025-06-01", 0)); // another source: February alone
            f.pipe(figure(CHN_USA, 2025, 3, 1, 110L, "2025-04-13", 0));
            Map<ChangeKey, TradeChange> table = f.table();
            TradeChange mar = table.get(cell(CHN_USA, 2025, 3));
            assertThat(mar.getYtdValue()).as("Jan+Feb 220 + Mar 110, February not added again").isEqualTo(330L);
            assertThat(mar.getPriorYtdValue()).isEqualTo(300L);
            assertThat(mar.getYtdPartial()).isFalse();
            assertThat(mar.getYtdYoyPct()).isCloseTo(10.0, within(1e-9));
            // the single February keeps its own figure, and rolls into windows without the combined period
            assertThat(table.get(cell(CHN_USA, 2025, 2)).getValue()).isEqualTo(120L);
            assertThat(mar.getRolling3mValue()).isEqualTo(330L);
            assertThat(mar.getRolling3mYoyPct()).isCloseTo(10.0, within(1e-9));
        }
    }

    @Test
    void shouldNotCompareYearToDateWindowsThatCoverDifferentMonths() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(2024, 2, 10L, "2024-03-09")); // January 2024 missing
            f.pipe(figure(2025, 1, 12L, "2025-02-09"));
            f.pipe(figure(2025, 2, 13L, "2025-03-09"));
            TradeChange feb = f.table().get(cell(CHN_USA, 2025, 2));
            assertThat(feb.getYtdValue()).isEqualTo(25L);
            assertThat(feb.getPriorYtdValue()).isEqualTo(10L);
            assertThat(feb.getYtdPartial()).isTrue();
            assertThat(feb.getYtdYoyPct()).as("two months against one is no growth rate").isNull();

            f.pipe(figure(2024, 1, 10L, "2024-02-09"));
            f.pipe(figure(2025, 4, 11L, "2025-05-09"));
            f.pipe(figure(2024, 4, 10L, "2024-05-09")); // March missing in both years: like for like, still partial
            TradeChange apr = f.table().get(cell(CHN_USA, 2025, 4));
            assertThat(apr.getYtdPartial()).isTrue();
            assertThat(apr.getYtdYoyPct()).isCloseTo(20.0, within(1e-9)); // 36 against 30
        }
    }

    @Test
    void shouldReemitTheRestOfTheYearsYtdWhenAnEarlyMonthIsRevised() {
        try (TopologyFixture f = new TopologyFixture()) {
            for (int m = 1; m <= 6; m++) {
                f.pipe(figure(2025, m, 10L, "2025-%02d-20".formatted(m + 1)));
            }
            f.changes.readRecordsToList();
            f.pipe(figure(CHN_USA, 2025, 2, 1, 20L, "2025-12-01", 1));
            List<TestRecord<ChangeKey, TradeChange>> out = f.changes.readRecordsToList();
            assertThat(out).extracting(r -> r.key().getMonth()).containsExactly(2, 3, 4, 5, 6);
            assertThat(out.get(4).value().getYtdValue()).isEqualTo(70L);
            assertThat(out.get(1).value().getMomPct()).isEqualTo(-50.0);
        }
    }

    @Test
    void shouldComputeRolling3MonthYoyOnlyWhenBothWindowsAreComplete() {
        try (TopologyFixture f = new TopologyFixture()) {
            for (int m = 3; m <= 5; m++) {
                f.pipe(figure(2024, m, 10L, "2024-%02d-20".formatted(m + 1)));
            }
            f.pipe(figure(2025, 3, 12L, "2025-04-20"));
            f.pipe(figure(2025, 5, 12L, "2025-06-20"));
            assertThat(f.table().get(cell(CHN_USA, 2025, 5)).getRolling3mYoyPct()).isNull(); // April 2025 missing
            f.pipe(figure(2025, 4, 12L, "2025-05-20"));
            TradeChange may = f.table().get(cell(CHN_USA, 2025, 5));
            assertThat(may.getRolling3mValue()).isEqualTo(36L);
            assertThat(may.getRolling3mPriorValue()).isEqualTo(30L);
            assertThat(may.getRolling3mYoyPct()).isCloseTo(20.0, within(1e-9));
        }
    }

    @Test
    void shouldCarryTheRevisionOfBothMonthsAsLineage() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(figure(CHN_USA, 2024, 5, 1, 40L, "2024-06-09", 2));
            f.pipe(figure(CHN_USA, 2025, 5, 1, 30L, "2025-06-09", 1));
            TradeChange may = f.table().get(cell(CHN_USA, 2025, 5));
            assertThat(may.getRevision()).isEqualTo(1);
            assertThat(may.getPriorYearRevision()).isEqualTo(2);
            assertThat(may.getPriorYearVintage()).isEqualTo("2024-06-09");
        }
    }

    @Test
    void shouldNameTheRevisedPartAsTheBaseLineageWhenAPartOfASummedBaseIsRevisedAtTheSamePublicationTime() {
        try (TopologyFixture f = new TopologyFixture()) {
            // China customs' combined Jan+Feb 2025 against the single months of 2024, both of one release
            f.pipe(figure(CHN_USA, 2024, 1, 1, 50L, "2024-03-09", 0));
            f.pipe(figure(CHN_USA, 2024, 2, 1, 50L, "2024-03-09", 0));
            f.pipe(figure(CHN_USA, 2025, 1, 2, 120L, "2025-03-07", 0));
            assertThat(f.table().get(cell(CHN_USA, 2025, 1)).getPriorYearRevision()).isEqualTo(0);
            // February 2024 revised within the same publication time (revision 1): the base now uses it
            f.pipe(figure(CHN_USA, 2024, 2, 1, 70L, "2024-03-09", 1));
            TradeChange janFeb = f.table().get(cell(CHN_USA, 2025, 1));
            assertThat(janFeb.getPriorYearValue()).isEqualTo(120L);
            assertThat(janFeb.getPriorYearRevision()).as("revision of the newest part: the revised February").isEqualTo(1);
        }
    }
}
