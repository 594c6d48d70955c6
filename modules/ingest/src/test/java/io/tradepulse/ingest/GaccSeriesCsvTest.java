package io.tradepulse.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import java.io.IOException;
import java.io.StringReader;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GaccSeriesCsvTest {
    private final GaccSeriesCsv parser = new GaccSeriesCsv(BundledData.CHINA_TO_US_EXPORTS);

    private List<ParseResult<TradeRecord>> parse(String... rows) throws IOException {
        return parser.parse(new StringReader(GaccSeriesCsv.HEADER + "\n" + String.join("\n", rows) + "\n"));
    }

    @Test
    void shouldParseEveryRowOfTheBundledFileWithoutRejections() {
        List<ParseResult<TradeRecord>> rows = BundledData.chinaExportsToUs();
        assertThat(rows).hasSize(16).allMatch(r -> r instanceof ParseResult.Parsed);
    }

    @Test
    void shouldConvertBillionsToExactWholeDollars() throws IOException {
        TradeRecord r = value(parse("2023-03,2023-03,43.678,,RIA Novosti quoting GACC (Q1 2023 total 115.237),published").get(0));
        assertThat(r.getValue()).isEqualTo(43_678_000_000L);
        assertThat(r.getCurrency()).isEqualTo("USD");
        assertThat(r.getReporter()).isEqualTo("CHN");
        assertThat(r.getPartner()).isEqualTo("USA");
    }

    /** China customs values exports FOB and imports CIF: imports read here were labelled FOB. */
    @Test
    void shouldLabelTheFiguresCifWhenTheSeriesIsOfImports() throws IOException {
        String row = GaccSeriesCsv.HEADER + "\n2025-05,2025-05,10.8,,AP 2025-06-09 quoting GACC,published\n";
        TradeRecord imports = value(new GaccSeriesCsv(new SeriesKey("CHN", "USA", Flow.IMPORT, "TOTAL"))
                .parse(new StringReader(row)).get(0));
        TradeRecord exports = value(parser.parse(new StringReader(row)).get(0));

        assertThat(imports.getValuation()).isEqualTo("CIF");
        assertThat(exports.getValuation()).isEqualTo("FOB");
    }

    @Test
    void shouldKeepCombinedJanuaryFebruaryAsOneTwoMonthRecord() throws IOException {
        TradeRecord r = value(parse("2024-01,2024-02,73.41,5.0,Sputnik 2024-03-07 quoting GACC,published").get(0));
        assertThat(r.getMonth()).isEqualTo(1);
        assertThat(r.getMonths()).isEqualTo(2);
        assertThat(r.getReportedYoyPct()).isEqualTo(5.0);
    }

    @Test
    void shouldTakePublicationDateFromTheCitationOrEstimateIt() throws IOException {
        var rows = parse("2025-05,2025-05,28.8,-34.5,AP 2025-06-09 quoting GACC,published",
                "2023-04,2023-04,43.02,,TASS quoting GACC,published");
        assertThat(value(rows.get(0)).getPublishedAt()).isEqualTo(Instant.parse("2025-06-09T00:00:00Z"));
        assertThat(value(rows.get(0)).getVintage()).isEqualTo("2025-06-09");
        assertThat(value(rows.get(1)).getPublishedAt()).isEqualTo(Instant.parse("2023-05-10T00:00:00Z"));
        assertThat(value(rows.get(1)).getVintage()).startsWith("estimated");
    }

    @Test
    void shouldKeepYoyOnlyRowsWithoutInventingALevel() throws IOException {
        TradeRecord r = value(parse("2025-08,2025-08,,-33.1,CNBC 2025-09-08,yoy only").get(0));
        assertThat(r.getValue()).isNull();
        assertThat(r.getReportedYoyPct()).isEqualTo(-33.1);
        assertThat(r.getNote()).isEqualTo("yoy only");
    }

    /**
     * In the bundled file one level only, July 2025's, comes from a secondary source (flag {@code secondary}); the
     * others are China customs' figures or quotations of them, March 2025's too, whose flag only says that a secondary
     * source gives another YoY. The flag stays the note.
     */
    @Test
    void shouldMarkTheSecondarySourceLevelOfJuly2025Secondary() {
        Map<YearMonth, TradeRecord> byMonth = new TreeMap<>();
        BundledData.chinaExportsToUs().forEach(r -> byMonth.put(YearMonth.of(value(r).getYear(), value(r).getMonth()),
                value(r)));

        assertThat(byMonth).hasSize(16);
        assertThat(byMonth.entrySet()).filteredOn(e -> e.getValue().getQuality() != FigureQuality.PUBLISHED)
                .extracting(e -> e.getKey() + " " + e.getValue().getQuality()).containsExactly("2025-07 SECONDARY");
        assertThat(byMonth.get(YearMonth.of(2025, 7)).getNote()).isEqualTo("secondary");
        assertThat(byMonth.get(YearMonth.of(2025, 3)).getNote())
                .isEqualTo("published; one secondary source says +9.1%");
    }

    /** The flags are free text: only one that is exactly a quality's word, trimmed and in any case, lowers it. */
    @Test
    void shouldTakeTheQualityFromTheFlagOnlyWhenItIsExactlySecondaryOrEstimated() throws IOException {
        var rows = parse("2025-03,2025-03,40.1,4.5,AP 2025-04-13; RFI,published; one secondary source says +9.1%",
                "2025-05,2025-05,28.8,-34.5,AP 2025-06-09 quoting GACC,published (news rounded to -35%)",
                "2025-06,2025-06,38.17,-16.1,TASS 2025-07-14; WSJ, Secondary ",
                "2025-07,2025-07,35.8,-21.67,Reuters,ESTIMATED",
                "2025-08,2025-08,,-33.1,CNBC 2025-09-08,",
                "2025-10,2025-10,,-25.17,Reuters 2025-11-07,secondary source");

        assertThat(rows).extracting(r -> value(r).getQuality()).containsExactly(FigureQuality.PUBLISHED,
                FigureQuality.PUBLISHED, FigureQuality.SECONDARY, FigureQuality.ESTIMATED, FigureQuality.PUBLISHED,
                FigureQuality.PUBLISHED);
    }

    @Test
    void shouldYieldIdenticalRecordsWhenTheSameFileIsReadTwice() {
        assertThat(BundledData.chinaExportsToUs()).isEqualTo(BundledData.chinaExportsToUs());
    }

    @Test
    void shouldRejectBadRowsWithLineAndReasonAndKeepGoing() throws IOException {
        var rows = parse("2025-05,2025-05,abc,,AP 2025-06-09,published",
                "2025-05,2025-05,,,AP 2025-06-09,published",
                "2025-13,2025-13,1,,AP,published",
                "2025-05,2025-05,-1,,AP,published",
                "2025-05,2025-05,1,,AP",
                "2025-06,2025-06,38.17,-16.1,TASS 2025-07-14; WSJ,published");
        assertThat(rows).hasSize(6);
        assertThat(rows.subList(0, 5)).allMatch(r -> r instanceof ParseResult.Rejected);
        assertThat(((ParseResult.Rejected<TradeRecord>) rows.get(0)).reason()).contains("not a number");
        assertThat(((ParseResult.Rejected<TradeRecord>) rows.get(1)).reason()).contains("neither");
        assertThat(((ParseResult.Rejected<TradeRecord>) rows.get(2)).reason()).contains("yyyy-MM");
        assertThat(((ParseResult.Rejected<TradeRecord>) rows.get(3)).reason()).contains("negative");
        assertThat(((ParseResult.Rejected<TradeRecord>) rows.get(4)).reason()).contains("expected 6 fields");
        assertThat(rows.get(0).line()).isEqualTo(2);
        assertThat(rows.get(5)).isInstanceOf(ParseResult.Parsed.class);
    }

    @Test
    void shouldRejectEveryRowOfAFileWithAnUnexpectedHeader() throws IOException {
        var rows = parser.parse(new StringReader("month,value\n2025-05,28.8\n"));
        assertThat(rows).hasSize(2).allMatch(r -> r instanceof ParseResult.Rejected);
    }

    /** Double.valueOf took "NaN" and "Infinity": such a reported YoY % was published as a record. */
    @Test
    void shouldRejectAReportedYoyThatIsNotAFiniteDecimalNumber() throws IOException {
        for (String yoy : List.of("NaN", "Infinity", "-Infinity", "0x1p4", "5d", "1e400")) {
            ParseResult<TradeRecord> row = parse("2025-05,2025-05,28.8," + yoy + ",AP 2025-06-09,published").get(0);
            assertThat(row).as(yoy).isInstanceOf(ParseResult.Rejected.class);
            assertThat(((ParseResult.Rejected<TradeRecord>) row).reason()).as(yoy).contains("not a number").contains(yoy);
        }
    }

    /** BigDecimal's "Rounding necessary" and "Overflow" were the whole reason: they named neither value nor rule. */
    @Test
    void shouldNameTheValueAndTheRuleWhenAValueIsAFractionOfADollarOrOutOfRange() throws IOException {
        var rows = parse("2025-05,2025-05,28.8000000001,,AP 2025-06-09,published",
                "2025-05,2025-05,1e10,,AP 2025-06-09,published",
                "2025-05,2025-05,28.800000000000,,AP 2025-06-09,published");
        assertThat(((ParseResult.Rejected<TradeRecord>) rows.get(0)).reason())
                .contains("value_usd_bn", "28.8000000001", "fraction of a dollar");
        assertThat(((ParseResult.Rejected<TradeRecord>) rows.get(1)).reason()).contains("value_usd_bn", "1e10", "out of range");
        assertThat(value(rows.get(2)).getValue()).as("trailing zeros are no fraction").isEqualTo(28_800_000_000L);
    }

    /** The processor refused these rows too, but only once they were on trade.records, with no file line to find them. */
    @Test
    void shouldRejectRowsTheProcessorWouldRefuseWhenTheyAreStillInTheFile() throws IOException {
        var rows = parse("2025-02,2025-03,60.1,,AP 2025-04-13,published",
                "2025-01,2025-03,90.1,,AP 2025-04-13,published",
                "2025-05,2025-05,28.8,-134.5,AP 2025-06-09,published",
                "2025-05,2025-05,28.8,-34.5,AP 2025-04-13,published",
                "2025-05,2025-05,28.8,-100,AP 2025-05-01,published");
        assertThat(reason(rows.get(0))).contains("2025-02..2025-03", "January+February");
        assertThat(reason(rows.get(1))).contains("2025-01..2025-03", "January+February");
        assertThat(reason(rows.get(2))).contains("-134.5", "more than 100 %");
        assertThat(reason(rows.get(3))).contains("2025-04-13", "before the period 2025-05");
        assertThat(rows.get(4)).as("a fall of 100 %, published on the period's first day").isInstanceOf(ParseResult.Parsed.class);
    }

    /**
     * The processor keeps one figure per starting month and publication, chosen by its tie-break (more months, then the
     * larger value), not by line: a correction added below the wrong row (28.8, then 27.9, both AP 2025-06-09) lost to
     * it silently, published and never used.
     */
    @Test
    void shouldRejectALaterRowWhenItGivesAnotherFigureForThePeriodWithTheSamePublicationDate() throws IOException {
        var rows = parse("2025-05,2025-05,28.8,-34.5,AP 2025-06-09 quoting GACC,published",
                "2025-05,2025-05,27.9,-34.5,AP 2025-06-09 corrected,published",
                "2025-05,2025-05,28.8,-34.5,Reuters 2025-06-09,published",
                "2025-05,2025-05,28.9,-34.4,TASS 2025-07-14,revised",
                "2025-06,2025-06,38.17,,TASS,published",
                "2025-06,2025-06,,-16.1,WSJ,yoy only",
                "2025-01,2025-01,30.1,,AP 2025-03-07,published",
                "2025-01,2025-02,60.1,,AP 2025-03-07,published");

        assertThat(reason(rows.get(1))).contains("conflicts with line 2", "2025-05", "2025-06-09");
        assertThat(value(rows.get(2)).getValue()).as("the same figure cited twice").isEqualTo(28_800_000_000L);
        assertThat(value(rows.get(3)).getValue()).as("a revision with its own date").isEqualTo(28_900_000_000L);
        assertThat(reason(rows.get(5))).as("the same estimated publication date").contains("conflicts with line 6");
        assertThat(reason(rows.get(7))).as("January alone, then January+February, published together")
                .contains("conflicts with line 8");
        assertThat(rows.get(0)).isInstanceOf(ParseResult.Parsed.class);
        assertThat(rows.get(4)).isInstanceOf(ParseResult.Parsed.class);
        assertThat(rows.get(6)).isInstanceOf(ParseResult.Parsed.class);
    }

    /**
     * One level cited on the same date as China customs' and as a secondary source's: downstream keeps one of the two
     * records by tie-break, and which quality the file gives it cannot be told.
     */
    @Test
    void shouldRejectALaterRowWhenItGivesTheSameLevelWithAnotherQuality() throws IOException {
        var rows = parse("2025-07,2025-07,35.8,-21.67,Reuters 2025-08-07 quoting GACC,published",
                "2025-07,2025-07,35.8,-21.67,Reuters 2025-08-07; level from a secondary source,secondary",
                "2025-07,2025-07,35.8,-21.67,AP 2025-08-07 quoting GACC,published");

        assertThat(reason(rows.get(1))).contains("conflicts with line 2", "2025-07", "2025-08-07");
        assertThat(value(rows.get(2)).getQuality()).as("the same figure cited twice")
                .isEqualTo(FigureQuality.PUBLISHED);
    }

    /**
     * The processor refuses a period before 1988 or after the current month, and a publication date more than a day
     * ahead of its clock (TradeRecordValidator); these rows were published to trade.records all the same and
     * dead-lettered there, with a topic offset for origin instead of this file's line and cell.
     */
    @Test
    void shouldRejectRowsWhenTheirPeriodOrPublicationIsOutsideTheValidatorsBounds() throws IOException {
        GaccSeriesCsv at = new GaccSeriesCsv(BundledData.CHINA_TO_US_EXPORTS,
                Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC));
        var rows = at.parse(new StringReader(GaccSeriesCsv.HEADER + "\n" + String.join("\n",
                "1987-12,1987-12,5.1,,AP 1988-01-10,published",
                "1988-01,1988-02,9.1,,AP 1988-03-10,published",
                "2026-12,2026-12,40.1,,AP 2026-11-30,published",
                "2026-11,2026-11,40.1,,AP 2026-11-30,published",
                "2026-10,2026-10,40.1,,AP 2026-12-02,published",
                "2026-10,2026-10,41.1,,AP 2026-12-01,published",
                "2026-11,2026-11,40.2,,TASS quoting GACC,published",
                "2026-10,2026-10,40.3,,TASS quoting GACC,published") + "\n"));

        assertThat(reason(rows.get(0))).contains("period_start", "1987-12", "1988");
        assertThat(rows.get(1)).as("the first month the processor accepts").isInstanceOf(ParseResult.Parsed.class);
        assertThat(reason(rows.get(2))).contains("period_end", "2026-12", "future");
        assertThat(rows.get(3)).as("the current month, published today").isInstanceOf(ParseResult.Parsed.class);
        assertThat(reason(rows.get(4))).contains("source", "2026-12-02", "future");
        assertThat(rows.get(5)).as("tomorrow: within the validator's day of slack").isInstanceOf(ParseResult.Parsed.class);
        assertThat(reason(rows.get(6))).as("no cited date, and the estimated release is still ahead")
                .contains("source", "no publication date", "2026-12-10");
        assertThat(rows.get(7)).as("estimated release 2026-11-10, passed").isInstanceOf(ParseResult.Parsed.class);
    }

    /**
     * The processor refuses a value above its monthly limit (US$ 5,000 bn by default, twice that for a January+February)
     * as a unit error; a figure in US$ mn typed into the US$ bn column was published all the same and dead-lettered on
     * trade.records, far from the file line that holds it.
     */
    @Test
    void shouldRejectAValueWhenItIsAboveTheProcessorsMonthlyLimit() throws IOException {
        var rows = parse("2025-05,2025-05,43678,,AP 2025-06-09,published in US$ mn",
                "2025-06,2025-06,5000.000000001,,AP 2025-07-09,published",
                "2025-07,2025-07,5000,,AP 2025-08-09,published",
                "2025-01,2025-02,10000.000000001,,AP 2025-03-09,published",
                "2024-01,2024-02,10000,,AP 2024-03-09,published");

        assertThat(reason(rows.get(0))).contains("value_usd_bn", "43678", "5000", "unit");
        assertThat(reason(rows.get(1))).contains("value_usd_bn", "5000.000000001");
        assertThat(value(rows.get(2)).getValue()).as("the limit itself").isEqualTo(5_000_000_000_000L);
        assertThat(reason(rows.get(3))).contains("value_usd_bn", "10000.000000001", "2 months");
        assertThat(value(rows.get(4)).getValue()).as("two months' limit").isEqualTo(10_000_000_000_000L);
    }

    /**
     * Every record of such a series was published, then refused by the processor (unknown economy, the same economy
     * twice, a commodity whose level is not the TOTAL the reader writes), each dead letter with a topic offset.
     */
    @Test
    void shouldRefuseTheSeriesWhenTheProcessorWouldRefuseEveryRecordOfIt() {
        assertThatThrownBy(() -> new GaccSeriesCsv(new SeriesKey("CHA", "USA", Flow.EXPORT, "TOTAL")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'CHA'");
        assertThatThrownBy(() -> new GaccSeriesCsv(new SeriesKey("CHN", "usa", Flow.EXPORT, "TOTAL")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'usa'");
        assertThatThrownBy(() -> new GaccSeriesCsv(new SeriesKey("CHN", "CHN", Flow.EXPORT, "TOTAL")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same economy");
        assertThatThrownBy(() -> new GaccSeriesCsv(new SeriesKey("CHN", "USA", Flow.EXPORT, "85")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TOTAL");
        assertThat(new GaccSeriesCsv(new SeriesKey("CHN", "WLD", Flow.IMPORT, "TOTAL"))).isNotNull();
    }

    private static String reason(ParseResult<TradeRecord> r) {
        assertThat(r).isInstanceOf(ParseResult.Rejected.class);
        return ((ParseResult.Rejected<TradeRecord>) r).reason();
    }

    private static TradeRecord value(ParseResult<TradeRecord> r) {
        assertThat(r).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed<TradeRecord>) r).value();
    }
}
