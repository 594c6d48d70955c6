package io.tradepulse.ingest;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.CsvReader;
import io.tradepulse.core.Economies;
import io.tradepulse.core.FigureQualities;
import io.tradepulse.core.RecordBounds;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a monthly series file in the shape of {@code china-exports-to-us-gacc.csv}:
 * {@code period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag}, one published figure per row,
 * with its citation.
 *
 * <p>Decisions, so that every number stays exact and traceable:
 * <ul>
 *   <li>Values in US$ bn with decimals become whole dollars exactly ({@code 28.8} -> 28,800,000,000) via
 *       {@link BigDecimal}, never through a double.</li>
 *   <li>China customs publishes January and February combined. Such a row stays ONE record with
 *       {@code month=1, months=2}: no published figure says how it divides, so splitting would invent data.
 *       Its YoY compares with the prior year's two-month figure.</li>
 *   <li>Rows with only a YoY % (no level) become records with {@code value=null} and
 *       {@code reportedYoyPct} set: the official growth rate is kept, no level is invented.</li>
 *   <li>{@code publishedAt} is the first ISO date in the citation (e.g. "AP 2025-06-09"); when the citation
 *       has none, the 10th of the month after the period (GACC releases around then), and {@code vintage}
 *       says "estimated". The value is a function of the row alone, so re-reading a file yields identical
 *       records (idempotent downstream).</li>
 *   <li>{@code quality} comes from {@code flag} ({@link #quality}): SECONDARY for the level of a secondary source,
 *       PUBLISHED for China customs' figures and quotations of them; the flag itself stays the {@code note}.</li>
 *   <li>A row with another figure for a starting month and publication date that an earlier row already has is
 *       rejected, naming that line: downstream only one of them would be kept, by tie-break, not by line. The same
 *       level with another quality is another figure: which of the two the file stands behind cannot be told.</li>
 *   <li>A row the processor's validator would refuse (a period before 1988 or after this month, a publication date
 *       ahead of now, ...) is rejected here, so that its dead letter names the file's line and cell.</li>
 * </ul>
 */
public final class GaccSeriesCsv {
    public static final String HEADER = "period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag";
    public static final String SOURCE = "GACC";
    private static final Pattern ISO_DATE = Pattern.compile("(\\d{4}-\\d{2}-\\d{2})");
    /** The first year the processor accepts (its validator's bound). */
    static final int MIN_YEAR = RecordBounds.MIN_YEAR;
    /** How far ahead of the clock a publication date may be (the validator's bound). */
    static final Duration PUBLICATION_SLACK = RecordBounds.PUBLICATION_SLACK;
    /**
     * The processor's default limit of one series' monthly value, here in US dollars: above it, a figure is a unit error
     * (US$ mn in the US$ bn column). A deployment may set another limit; for US dollars none is needed.
     */
    static final long MAX_MONTHLY_VALUE_USD = RecordBounds.MAX_MONTHLY_VALUE_DEFAULT;

    private final SeriesKey series;
    private final Clock clock;
    /** The valuation basis of the series' figures. */
    private final String valuation;

    /**
     * @param series the series every row of the file belongs to (the file itself does not say)
     * @throws IllegalArgumentException if the processor would refuse every record of {@code series}: an economy it does
     *     not know, the same economy twice, or a commodity other than TOTAL (the file's figures are all goods)
     */
    public GaccSeriesCsv(SeriesKey series) {
        this(series, Clock.systemUTC());
    }

    /** @param clock what "now" is for the periods and publication dates that must not be in the future */
    GaccSeriesCsv(SeriesKey series, Clock clock) {
        // Refused here rather than row by row: every record would be published and then dead-lettered by the
        // processor's TradeRecordValidator, each with a topic offset for origin, and the file itself is not at fault.
        for (String economy : List.of(series.getReporter(), series.getPartner())) {
            if (!Economies.isEconomy(economy)) {
                throw new IllegalArgumentException("series " + series + ": unknown economy '" + economy
                        + "' (not an ISO 3166-1 alpha-3 code, nor WLD, EUU or XKX)");
            }
        }
        if (series.getReporter().equals(series.getPartner())) {
            throw new IllegalArgumentException("series " + series + ": reporter and partner are the same economy");
        }
        if (!series.getCommodity().equals("TOTAL")) {
            throw new IllegalArgumentException("series " + series + ": a GACC-format file holds all-goods (TOTAL) "
                    + "figures; its records are written with the commodity level TOTAL");
        }
        this.series = series;
        this.clock = clock;
        // As China customs publishes them: exports FOB, imports CIF. Imports read with this class were labelled FOB,
        // and the valuation is what explains a gap to the partner's mirror figures.
        this.valuation = series.getFlow() == Flow.IMPORT || series.getFlow() == Flow.RE_IMPORT ? "CIF" : "FOB";
    }

    public List<ParseResult<TradeRecord>> parse(Reader reader) throws IOException {
        Map<String, ParseResult.Parsed<TradeRecord>> bySlot = new HashMap<>();
        return CsvRows.parse(reader, HEADER, row -> unlessConflicting(row, parseRow(row), bySlot));
    }

    /**
     * {@code parsed}, or a rejection when an earlier row of the file holds another figure for the same starting month
     * with the same publication date. The processor keeps one figure per starting month and publication, and picks
     * between two such by its tie-break (more months, then the larger value ...), not by their order in the file: a
     * corrected row added below the wrong one (28.8 then 27.9) lost to it silently, and so did a typo's 288 win.
     * The same figure twice (two citations of one number, of one quality) is no conflict.
     *
     * @param bySlot the rows parsed so far, by starting month and publication
     */
    private static ParseResult<TradeRecord> unlessConflicting(CsvReader.Row row, ParseResult<TradeRecord> parsed,
                                                             Map<String, ParseResult.Parsed<TradeRecord>> bySlot) {
        if (!(parsed instanceof ParseResult.Parsed<TradeRecord> p)) {
            return parsed;
        }
        TradeRecord r = p.value();
        String slot = YearMonth.of(r.getYear(), r.getMonth()) + " published " + r.getPublishedAt();
        ParseResult.Parsed<TradeRecord> earlier = bySlot.putIfAbsent(slot, p);
        if (earlier == null) {
            return parsed;
        }
        TradeRecord e = earlier.value();
        if (e.getMonths() == r.getMonths() && Objects.equals(e.getValue(), r.getValue())
                && Objects.equals(e.getReportedYoyPct(), r.getReportedYoyPct()) && e.getQuality() == r.getQuality()) {
            return parsed;
        }
        return new ParseResult.Rejected<>(p.line(), row.text(), "conflicts with line " + earlier.line() + ": another figure "
                + "for the period starting " + YearMonth.of(r.getYear(), r.getMonth()) + " with the same publication date "
                + LocalDate.ofInstant(r.getPublishedAt(), ZoneOffset.UTC) + " (" + r.getVintage() + "), and only one "
                + "is kept, not by line order: remove the wrong one, or cite a correction with its own, later date");
    }

    ParseResult<TradeRecord> parseRow(CsvReader.Row row) {
        long lineNo = row.line();
        String raw = row.text();
        List<String> f = row.fields();
        if (f.size() != 6) {
            return new ParseResult.Rejected<>(lineNo, raw, "expected 6 fields, found " + f.size());
        }
        YearMonth start;
        YearMonth end;
        try {
            start = YearMonth.parse(f.get(0).trim());
            end = YearMonth.parse(f.get(1).trim());
        } catch (DateTimeParseException e) {
            return new ParseResult.Rejected<>(lineNo, raw, "period is not yyyy-MM: " + e.getParsedString());
        }
        long months = start.until(end, java.time.temporal.ChronoUnit.MONTHS) + 1;
        if (months < 1 || months > 12 || start.getYear() != end.getYear()) {
            return new ParseResult.Rejected<>(lineNo, raw, "period_end must be within the same year, on or after period_start");
        }
        // The processor refuses these periods (TradeRecordValidator), but only once they are on trade.records, with a
        // topic offset for origin: refused here, the dead letter names this file's line and cell.
        if (start.getYear() < MIN_YEAR) {
            return new ParseResult.Rejected<>(lineNo, raw, "period_start " + start + " is before " + MIN_YEAR
                    + ": modern (HS-based) trade statistics start then, and the processor refuses earlier periods");
        }
        YearMonth thisMonth = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        if (end.isAfter(thisMonth)) {
            return new ParseResult.Rejected<>(lineNo, raw, "period_end " + end + " is in the future (this month is "
                    + thisMonth + "): no figure for it can be published yet");
        }
        // The rows below the processor would refuse too (TradeRecordValidator), but only after they were published to
        // trade.records for good, and with a topic offset for origin instead of this file's line.
        if (months > 1 && !(start.getMonthValue() == 1 && months == 2)) {
            return new ParseResult.Rejected<>(lineNo, raw, "period " + start + ".." + end + ": the only multi-month "
                    + "period is a combined January+February (China customs publishes no other)");
        }
        Long value;
        Double yoy;
        try {
            value = dollarsFromBillions(f.get(2).trim());
        } catch (IllegalArgumentException e) {
            return new ParseResult.Rejected<>(lineNo, raw, "value_usd_bn " + e.getMessage());
        }
        try {
            // Not Double.valueOf, which took "NaN" and "Infinity" as a reported YoY %.
            yoy = f.get(3).isBlank() ? null : TariffEventsCsv.decimal(f.get(3).trim());
        } catch (NumberFormatException e) {
            return new ParseResult.Rejected<>(lineNo, raw, "reported_yoy_pct is not a number: " + e.getMessage());
        }
        if (yoy != null && yoy < -100) {
            return new ParseResult.Rejected<>(lineNo, raw, "impossible reported_yoy_pct " + f.get(3).trim()
                    + " (trade cannot fall by more than 100 %)");
        }
        if (value != null && value < 0) {
            return new ParseResult.Rejected<>(lineNo, raw, "negative trade value");
        }
        // Per month, as the processor's check: a combined January+February may hold two months' worth.
        if (value != null && value > MAX_MONTHLY_VALUE_USD * months) {
            return new ParseResult.Rejected<>(lineNo, raw, "value_usd_bn " + f.get(2).trim() + " is more than "
                    + BigDecimal.valueOf(MAX_MONTHLY_VALUE_USD).movePointLeft(9).toBigInteger() + " US$ bn a month"
                    + (months > 1 ? " over its " + months + " months" : "") + ": a unit error (US$ mn?); "
                    + "the processor refuses it");
        }
        if (value == null && yoy == null) {
            return new ParseResult.Rejected<>(lineNo, raw, "row has neither a value nor a YoY %");
        }
        String citation = f.get(4).trim();
        if (citation.isEmpty()) {
            return new ParseResult.Rejected<>(lineNo, raw, "row has no source citation");
        }
        Matcher m = ISO_DATE.matcher(citation);
        LocalDate published;
        String vintage;
        if (m.find()) {
            try {
                published = LocalDate.parse(m.group(1));
            } catch (DateTimeParseException e) {
                return new ParseResult.Rejected<>(lineNo, raw, "citation date is not a valid date: " + m.group(1));
            }
            if (published.isBefore(end.atDay(1))) {
                return new ParseResult.Rejected<>(lineNo, raw, "citation date " + published + " is before the period "
                        + end + " began: not the date of this figure's publication");
            }
            vintage = published.toString();
        } else {
            published = end.plusMonths(1).atDay(10);
            vintage = "estimated " + published;
        }
        // A figure cannot be published after now; the processor refuses a publication time more than a day ahead of its
        // clock (it would hold its period for good: the newest publication wins). An estimated date is still ahead for
        // the latest month until the 10th of the next.
        Instant publishedAt = published.atStartOfDay(ZoneOffset.UTC).toInstant();
        if (publishedAt.isAfter(clock.instant().plus(PUBLICATION_SLACK))) {
            LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
            return new ParseResult.Rejected<>(lineNo, raw, vintage.startsWith("estimated")
                    ? "source cites no publication date, and the estimated one, " + published + " (the 10th of the "
                            + "month after the period), is still ahead (today is " + today + "): cite the date the "
                            + "figure was published"
                    : "source: publication date " + published + " is in the future (today is " + today + ")");
        }
        String flag = f.get(5).trim();
        TradeRecord record = TradeRecord.newBuilder()
                .setReporter(series.getReporter())
                .setPartner(series.getPartner())
                .setFlow(series.getFlow())
                .setCommodity(series.getCommodity())
                .setCommodityLevel(CommodityLevel.TOTAL)
                .setYear(start.getYear())
                .setMonth(start.getMonthValue())
                .setMonths((int) months)
                .setValue(value)
                .setCurrency("USD")
                .setValuation(valuation)
                .setReportedYoyPct(yoy)
                .setSource(SOURCE)
                .setSourceRef(citation)
                .setVintage(vintage)
                .setPublishedAt(publishedAt)
                .setRevision(0)
                .setNote(flag.isEmpty() ? null : flag)
                .setQuality(quality(flag))
                .build();
        return new ParseResult.Parsed<>(lineNo, record);
    }

    /**
     * The quality of a row's figure from its {@code flag}: the flag {@code secondary} (the level comes from a secondary
     * source, as July 2025's in the bundled file) makes it SECONDARY, {@code estimated} ESTIMATED, trimmed and in any
     * case; any other flag PUBLISHED. The flags are free text ("published (GACC reports Jan+Feb combined)",
     * "yoy only"), so only a flag that is exactly such a word counts, never one that mentions it: "published; one
     * secondary source says +9.1%" is China customs' level, only a YoY elsewhere is disputed. The file connector maps
     * a quality column by the same rule ({@link FigureQualities#fromFlag}), so the file gives the same records either
     * way.
     */
    static FigureQuality quality(String flag) {
        return FigureQualities.fromFlag(flag);
    }

    /**
     * @throws IllegalArgumentException saying what is wrong with {@code text}, for the dead letter: BigDecimal's own
     *     messages ("Rounding necessary", "Overflow", "Character a is neither a decimal digit...") named neither the
     *     value nor the rule it broke
     */
    private static Long dollarsFromBillions(String text) {
        if (text.isEmpty()) {
            return null;
        }
        BigDecimal dollars;
        try {
            dollars = new BigDecimal(text).movePointRight(9);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("is not a number: '" + text + "' is not a decimal number");
        }
        // More than 9 decimals would be a fraction of a dollar, which no source publishes.
        if (dollars.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("'" + text + "' is a fraction of a dollar: at most 9 decimals in US$ bn");
        }
        try {
            return dollars.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is out of range (at most "
                    + BigDecimal.valueOf(Long.MAX_VALUE).movePointLeft(9).toBigInteger() + " US$ bn)");
        }
    }

}
