package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.CommodityLevel;
import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/** The record rules the processor's validator and the file source share, in the validator's words. */
class RecordRulesTest {
    static final YearMonth NOW = YearMonth.of(2026, 1);

    @Test
    void shouldRefuseEconomiesWhenTheyAreNoIsoCodeAggregateOrKosovoOrTheSameOnBothSides() {
        assertThat(RecordRules.reporter("AAA"))
                .isEqualTo("unknown reporter 'AAA': not an ISO 3166-1 alpha-3 code (or WLD, EUU, XKX)");
        assertThat(RecordRules.partner("chn"))
                .isEqualTo("unknown partner 'chn': not an ISO 3166-1 alpha-3 code (or WLD, EUU, XKX)");
        assertThat(RecordRules.sameEconomy("CHN", "CHN")).isEqualTo("reporter and partner are the same economy: CHN");
        assertThat(RecordRules.reporter("XKX")).isNull();
        assertThat(RecordRules.partner("EUU")).isNull();
        assertThat(RecordRules.sameEconomy("CHN", "WLD")).isNull();
    }

    @Test
    void shouldRefuseACommodityWhenItsShapeChapterOrLevelIsNoHsCodes() {
        assertThat(RecordRules.commodityShape("123"))
                .isEqualTo("commodity must be TOTAL or an HS code of 2, 4, 6, 8 or 10 digits: 123");
        assertThat(RecordRules.hsChapter("0012")).isEqualTo("unknown HS chapter 00 in 0012");
        assertThat(RecordRules.hsChapter("77")).isEqualTo("unknown HS chapter 77 in 77");
        assertThat(RecordRules.hsChapter("TOTAL")).isNull();
        assertThat(RecordRules.hsChapter("9701")).isNull();
        assertThat(RecordRules.level("720410")).isEqualTo(CommodityLevel.HS6);
        assertThat(RecordRules.commodityLevel(CommodityLevel.HS4, "720410"))
                .isEqualTo("commodityLevel HS4 does not match commodity 720410 (expected HS6)");
    }

    @Test
    void shouldRefusePeriodsWhenTheProcessorCannotHoldThem() {
        assertThat(RecordRules.month(13)).isEqualTo("month must be 1-12: 13");
        assertThat(RecordRules.months(12, 2))
                .isEqualTo("months must be >= 1 and stay within the year: month 12, months 2");
        assertThat(RecordRules.multiMonth(1, 3)).isEqualTo("months 3 from month 1: the only multi-month period is a "
                + "combined January+February (month 1, months 2)");
        assertThat(RecordRules.multiMonth(1, 2)).isNull();
        assertThat(RecordRules.period(1987, 12, 1, NOW)).isEqualTo("period 1987-12 is before 1988 or in the future");
        assertThat(RecordRules.period(2026, 2, 1, NOW)).isEqualTo("period 2026-2 is before 1988 or in the future");
        assertThat(RecordRules.period(99999, 1, 1, NOW)).as("beyond a YearMonth: refused, not thrown").isNotNull();
        assertThat(RecordRules.period(2026, 1, 1, NOW)).isNull();
    }

    /** month + months overflowed an int: a period running billions of months past December kept the rule. */
    @Test
    void shouldRefuseAPeriodRunningPastDecemberWhenMonthPlusMonthsOverflowsAnInt() {
        assertThat(RecordRules.months(12, Integer.MAX_VALUE))
                .isEqualTo("months must be >= 1 and stay within the year: month 12, months 2147483647");
        assertThat(RecordRules.months(2, Integer.MAX_VALUE)).isNotNull();
        assertThat(RecordRules.months(1, 12)).isNull();
    }

    @Test
    void shouldRefuseValuesRatesPublicationTimesAndCurrenciesWhenImpossible() {
        assertThat(RecordRules.negativeValue(-1L)).isEqualTo("negative trade value: -1");
        assertThat(RecordRules.negativeValue(null)).isNull();
        assertThat(RecordRules.reportedYoyPct(-100.5))
                .isEqualTo("impossible reported YoY % -100.5 (trade cannot fall by more than 100 %)");
        assertThat(RecordRules.reportedYoyPct(Double.NaN)).isNotNull();
        assertThat(RecordRules.reportedYoyPct(-100.0)).isNull();
        assertThat(RecordRules.publishedBeforePeriod(Instant.parse("2025-01-31T23:59:59Z"), 2025, 1, 2))
                .isEqualTo("published 2025-01-31T23:59:59Z before its period 2025-02 began");
        assertThat(RecordRules.publishedBeforePeriod(Instant.parse("2025-02-01T00:00:00Z"), 2025, 1, 2)).isNull();
        Instant now = Instant.parse("2026-01-20T12:00:00Z");
        assertThat(RecordRules.publishedAfterNow(Instant.parse("2026-01-21T12:00:01Z"), now))
                .isEqualTo("published 2026-01-21T12:00:01Z, after now (2026-01-20T12:00:00Z): a unit or date error?");
        assertThat(RecordRules.publishedAfterNow(Instant.parse("2026-01-21T12:00:00Z"), now)).isNull();
        assertThat(RecordRules.currency("RMB")).isEqualTo("unknown currency 'RMB': not an ISO 4217 code");
        assertThat(RecordRules.currency("CNY")).isNull();
    }
}
