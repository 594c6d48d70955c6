package io.tradepulse.core;

import io.tradepulse.avro.CommodityLevel;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The rules a trade record must keep to be processed, each a small check returning the reason it is refused, or null
 * when it keeps the rule. The processor's validator (TradeRecordValidator) refuses a record by them, in its order and
 * with these words, and the file source refuses a row by them first, so that its dead letter names the file, the line
 * and the cell: written once, the two cannot drift apart. Each check is cheap and allocates nothing when the record
 * keeps the rule, since the validator runs on every record of the processor's hot path.
 */
public final class RecordRules {
    /** ISO 4217, as the JDK knows it. */
    private static final Set<String> CURRENCIES = Currency.getAvailableCurrencies().stream()
            .map(Currency::getCurrencyCode).collect(Collectors.toUnmodifiableSet());
    /** HS codes have an even number of digits: chapter (2), heading (4), subheading (6), national lines (8, 10). */
    private static final Pattern COMMODITY = Pattern.compile("TOTAL|\\d{2}|\\d{4}|\\d{6}|\\d{8}|\\d{10}");
    /** The commodity of a reporter's trade in all goods. */
    public static final String TOTAL = "TOTAL";

    private RecordRules() {
    }

    /** Whether {@code code} is an ISO 4217 currency code. */
    public static boolean isCurrency(String code) {
        return CURRENCIES.contains(code);
    }

    /** A reporter that is no {@link Economies economy}. */
    public static String reporter(String reporter) {
        return Economies.isEconomy(reporter) ? null
                : "unknown reporter '" + reporter + "': not an ISO 3166-1 alpha-3 code (or WLD, EUU, XKX)";
    }

    /** A partner that is no {@link Economies economy}. */
    public static String partner(String partner) {
        return Economies.isEconomy(partner) ? null
                : "unknown partner '" + partner + "': not an ISO 3166-1 alpha-3 code (or WLD, EUU, XKX)";
    }

    /** A series of an economy's trade with itself. */
    public static String sameEconomy(String reporter, String partner) {
        return reporter.equals(partner) ? "reporter and partner are the same economy: " + reporter : null;
    }

    /** A commodity that is neither TOTAL nor shaped as an HS code. */
    public static String commodityShape(String commodity) {
        return COMMODITY.matcher(commodity).matches() ? null
                : "commodity must be TOTAL or an HS code of 2, 4, 6, 8 or 10 digits: " + commodity;
    }

    /** An HS code of a chapter that does not exist; {@code commodity} keeps {@link #commodityShape}. */
    public static String hsChapter(String commodity) {
        if (commodity.equals(TOTAL)) {
            return null;
        }
        // Read from the two characters, not parsed: no substring on the valid path.
        int chapter = (commodity.charAt(0) - '0') * 10 + (commodity.charAt(1) - '0');
        if (chapter < 1 || chapter == 77) { // HS chapter 77 is reserved; 00 does not exist
            return "unknown HS chapter " + commodity.substring(0, 2) + " in " + commodity;
        }
        return null;
    }

    /** The HS level of a commodity that keeps {@link #commodityShape} (TOTAL, or 2, 4, 6, 8 or 10 digits). */
    public static CommodityLevel level(String commodity) {
        return switch (commodity.length()) {
            case 2 -> CommodityLevel.HS2;
            case 4 -> CommodityLevel.HS4;
            case 6 -> CommodityLevel.HS6;
            case 8 -> CommodityLevel.HS8;
            case 10 -> CommodityLevel.HS10;
            default -> commodity.equals(TOTAL) ? CommodityLevel.TOTAL
                    : CommodityLevel.valueOf("HS" + commodity.length()); // throws, naming the impossible level
        };
    }

    /** A commodity level other than the {@link #level} of its commodity, which keeps {@link #commodityShape}. */
    public static String commodityLevel(CommodityLevel level, String commodity) {
        CommodityLevel expected = level(commodity);
        return level == expected ? null : "commodityLevel " + level + " does not match commodity " + commodity
                + " (expected " + expected + ")";
    }

    /** A month that is not 1-12. */
    public static String month(int month) {
        return month < 1 || month > 12 ? "month must be 1-12: " + month : null;
    }

    /** A period of no month, or one that runs past December; {@code month} keeps {@link #month}. */
    public static String months(int month, int months) {
        // In long: month + months overflowed an int for a months near Integer.MAX_VALUE (a file's period.end in the
        // far future), and such a period was said to stay within the year.
        return months < 1 || month + (long) months - 1 > 12
                ? "months must be >= 1 and stay within the year: month " + month + ", months " + months : null;
    }

    /**
     * A period of several months other than a combined January+February. The history keeps one figure per starting
     * month, so a multi-month figure competes with the single month it starts in (the newer publication wins the
     * slot). That is the documented behaviour for China customs' combined January+February; a quarter or a year
     * starting in January would replace a January, and a Feb+Mar a February, with a figure of another kind.
     */
    public static String multiMonth(int month, int months) {
        return months > 1 && !(month == 1 && months == 2)
                ? "months " + months + " from month " + month + ": the only multi-month period "
                        + "is a combined January+February (month 1, months 2)"
                : null;
    }

    /**
     * The last month of a period, its year held to 0-9999 (a year beyond them is refused by {@link #period}, which
     * must not fail on it).
     */
    public static YearMonth lastMonth(int year, int month, int months) {
        return YearMonth.of(year < 0 ? 0 : Math.min(year, 9999), 1).plusMonths(month + months - 2L);
    }

    /**
     * A period before {@link RecordBounds#MIN_YEAR} or ending after {@code now} (the current month, UTC); {@code month}
     * and {@code months} keep {@link #month} and {@link #months}.
     */
    public static String period(int year, int month, int months, YearMonth now) {
        if (year < RecordBounds.MIN_YEAR || lastMonth(year, month, months).isAfter(now)) {
            return "period " + year + "-" + month + " is before " + RecordBounds.MIN_YEAR + " or in the future";
        }
        return null;
    }

    /** A negative value (null: none). */
    public static String negativeValue(Long value) {
        return value != null && value < 0 ? "negative trade value: " + value : null;
    }

    /** A reported YoY % that is not a number, infinite or below -100 (null: none). */
    public static String reportedYoyPct(Double yoy) {
        return yoy != null && (yoy.isNaN() || yoy.isInfinite() || yoy < -100.0)
                ? "impossible reported YoY % " + yoy + " (trade cannot fall by more than 100 %)" : null;
    }

    /** A publication before the last month of its period began; the period keeps {@link #period}. */
    public static String publishedBeforePeriod(Instant publishedAt, int year, int month, int months) {
        YearMonth lastPeriodMonth = YearMonth.of(year, month).plusMonths(months - 1L);
        if (publishedAt.isBefore(lastPeriodMonth.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant())) {
            return "published " + publishedAt + " before its period " + lastPeriodMonth + " began";
        }
        return null;
    }

    /**
     * A publication time after {@code now} plus {@link RecordBounds#PUBLICATION_SLACK}: a unit or date error (epoch
     * microseconds read as milliseconds land tens of thousands of years ahead). Accepted, it would hold its period for
     * good: the newest publication wins, so no true revision could ever replace it. A day of slack: sources stamp a
     * release with its local date (UTC midnight of a day that starts up to 14 hours earlier east of UTC).
     */
    public static String publishedAfterNow(Instant publishedAt, Instant now) {
        return publishedAt.isAfter(now.plus(RecordBounds.PUBLICATION_SLACK))
                ? "published " + publishedAt + ", after now (" + now + "): a unit or date error?" : null;
    }

    /** A currency that is not ISO 4217. */
    public static String currency(String currency) {
        return isCurrency(currency) ? null : "unknown currency '" + currency + "': not an ISO 4217 code";
    }
}
