package io.tradepulse.streams;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Economies;
import io.tradepulse.core.RecordBounds;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a record before it may touch series state. A refused record goes to the dead-letter topic with the
 * reason returned here; it never reaches the state, so one bad row cannot corrupt a series.
 */
public final class TradeRecordValidator {
    private static final Set<String> CURRENCIES = java.util.Currency.getAvailableCurrencies().stream()
            .map(java.util.Currency::getCurrencyCode).collect(java.util.stream.Collectors.toUnmodifiableSet());
    /** HS codes have an even number of digits: chapter (2), heading (4), subheading (6), national lines (8, 10). */
    private static final Pattern COMMODITY = Pattern.compile("TOTAL|\\d{2}|\\d{4}|\\d{6}|\\d{8}|\\d{10}");
    /**
     * The economies the connectors emit that are groups of other economies: WLD (world) and EUU (European Union;
     * Comext's EU27_2020 and Comtrade's 97 map to it). The one list of them: the validator accepts them, and
     * {@link Rollups} keeps them out of world roll-ups, where they would count their members a second time.
     */
    static final Set<String> AGGREGATES = Economies.AGGREGATES;
    /** The economies a series may name ({@link Economies}: ISO 3166-1 alpha-3, {@link #AGGREGATES} and XKX). */
    static final Set<String> ECONOMIES = Economies.ALL;
    /** Modern trade statistics (HS) start in 1988; anything earlier is a unit or parsing error. */
    public static final int MIN_YEAR = RecordBounds.MIN_YEAR;

    /** How far ahead of the clock a publication time may be: see {@link #check}. */
    static final Duration PUBLICATION_SLACK = RecordBounds.PUBLICATION_SLACK;

    private final Clock clock;
    private final ValueLimits limits;

    public TradeRecordValidator(Clock clock) {
        this(clock, ValueLimits.DEFAULT);
    }

    /**
     * @param limits no single series moves more than its currency's limit in one month; a larger value is a unit
     *               error (e.g. thousands read as units twice)
     */
    public TradeRecordValidator(Clock clock, ValueLimits limits) {
        this.clock = clock;
        this.limits = limits;
    }

    /** Whether {@code code} is an ISO 4217 currency code the validator accepts. */
    static boolean isCurrency(String code) {
        return CURRENCIES.contains(code);
    }

    /** {@code limit x months}, or Long.MAX_VALUE when that does not fit a long (no value exceeds it then). */
    private static long saturatedProduct(long limit, int months) {
        return limit > Long.MAX_VALUE / months ? Long.MAX_VALUE : limit * months;
    }

    /** @return the reason the record is refused, or empty when it is valid */
    public Optional<String> check(SeriesKey key, TradeRecord r) {
        if (key == null) {
            return Optional.of("record has no key");
        }
        if (r == null) {
            return Optional.of("record has no value (tombstones are not accepted on the records topic)");
        }
        if (!key.getReporter().equals(r.getReporter()) || !key.getPartner().equals(r.getPartner())
                || key.getFlow() != r.getFlow() || !key.getCommodity().equals(r.getCommodity())) {
            return Optional.of("key " + key + " does not match the series of the value");
        }
        if (!ECONOMIES.contains(r.getReporter())) {
            return Optional.of("unknown reporter '" + r.getReporter() + "': not an ISO 3166-1 alpha-3 code (or WLD, EUU, XKX)");
        }
        if (!ECONOMIES.contains(r.getPartner())) {
            return Optional.of("unknown partner '" + r.getPartner() + "': not an ISO 3166-1 alpha-3 code (or WLD, EUU, XKX)");
        }
        if (r.getReporter().equals(r.getPartner())) {
            return Optional.of("reporter and partner are the same economy: " + r.getReporter());
        }
        if (!COMMODITY.matcher(r.getCommodity()).matches()) {
            return Optional.of("commodity must be TOTAL or an HS code of 2, 4, 6, 8 or 10 digits: " + r.getCommodity());
        }
        if (!r.getCommodity().equals("TOTAL")) {
            int chapter = Integer.parseInt(r.getCommodity().substring(0, 2));
            if (chapter < 1 || chapter == 77) { // HS chapter 77 is reserved; 00 does not exist
                return Optional.of("unknown HS chapter " + r.getCommodity().substring(0, 2) + " in " + r.getCommodity());
            }
        }
        CommodityLevel expected = Rollups.level(r.getCommodity());
        if (r.getCommodityLevel() != expected) {
            return Optional.of("commodityLevel " + r.getCommodityLevel() + " does not match commodity " + r.getCommodity()
                    + " (expected " + expected + ")");
        }
        if (r.getMonth() < 1 || r.getMonth() > 12) {
            return Optional.of("month must be 1-12: " + r.getMonth());
        }
        if (r.getMonths() < 1 || r.getMonth() + r.getMonths() - 1 > 12) {
            return Optional.of("months must be >= 1 and stay within the year: month " + r.getMonth()
                    + ", months " + r.getMonths());
        }
        // The history keeps one figure per starting month, so a multi-month figure competes with the single month
        // it starts in (the newer publication wins the slot). That is the documented behaviour for China customs'
        // combined January+February; a quarter or a year starting in January would replace a January, and a Feb+Mar
        // a February, with a figure of another kind.
        if (r.getMonths() > 1 && !(r.getMonth() == 1 && r.getMonths() == 2)) {
            return Optional.of("months " + r.getMonths() + " from month " + r.getMonth() + ": the only multi-month period "
                    + "is a combined January+February (month 1, months 2)");
        }
        YearMonth now = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        YearMonth lastMonth = YearMonth.of(r.getYear() < 0 ? 0 : Math.min(r.getYear(), 9999), 1)
                .plusMonths(r.getMonth() + r.getMonths() - 2L);
        if (r.getYear() < MIN_YEAR || lastMonth.isAfter(now)) {
            return Optional.of("period " + r.getYear() + "-" + r.getMonth() + " is before " + MIN_YEAR
                    + " or in the future");
        }
        if (r.getValue() != null && r.getValue() < 0) {
            return Optional.of("negative trade value: " + r.getValue());
        }
        // Not for a derived roll-up: each child passed this check on its way in, and a sum of them refused here
        // would leave the parent with its previous derived figure, a sum of fewer children, for good.
        // The limit is per month: a combined Jan+Feb covers two, so it may hold twice as much. Held to one month's
        // limit, China customs' two-month figures were refused as unit errors first as a limit neared real totals.
        if (r.getValue() != null && r.getDerivedFrom() == null
                && r.getValue() > saturatedProduct(limits.limit(r.getCurrency()), r.getMonths())) {
            return Optional.of("absurd trade value " + r.getValue() + " " + r.getCurrency() + " (more than "
                    + limits.limit(r.getCurrency()) + " in one month for one series"
                    + (r.getMonths() > 1 ? ", " + saturatedProduct(limits.limit(r.getCurrency()), r.getMonths())
                            + " over its " + r.getMonths() + " months" : "")
                    + ": a unit error? For a currency worth "
                    + "far less than a US dollar, give it a limit of its own in "
                    + ProcessorConfig.MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG + ")");
        }
        Double yoy = r.getReportedYoyPct();
        if (yoy != null && (yoy.isNaN() || yoy.isInfinite() || yoy < -100.0)) {
            return Optional.of("impossible reported YoY % " + yoy + " (trade cannot fall by more than 100 %)");
        }
        YearMonth lastPeriodMonth = YearMonth.of(r.getYear(), r.getMonth()).plusMonths(r.getMonths() - 1L);
        if (r.getPublishedAt().isBefore(lastPeriodMonth.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant())) {
            return Optional.of("published " + r.getPublishedAt() + " before its period " + lastPeriodMonth + " began");
        }
        // A publication time after now is a unit or date error (epoch microseconds read as milliseconds land tens of
        // thousands of years ahead). Accepted, it would hold its period for good: the newest publication wins, so no
        // true revision could ever replace it. A day of slack: sources stamp a release with its local date (UTC
        // midnight of a day that starts up to 14 hours earlier east of UTC).
        if (r.getPublishedAt().isAfter(clock.instant().plus(PUBLICATION_SLACK))) {
            return Optional.of("published " + r.getPublishedAt() + ", after now (" + clock.instant()
                    + "): a unit or date error?");
        }
        if (r.getDerivedFrom() != null && r.getDerivedFrom() < 1) {
            return Optional.of("derivedFrom must be the number of child series summed (>= 1): " + r.getDerivedFrom());
        }
        // A derived roll-up may lack a value (its children cannot be summed: see Rollups.derive); it still
        // replaces the parent's earlier derived figure, so it must not be refused.
        if (r.getValue() == null && r.getReportedYoyPct() == null && r.getDerivedFrom() == null) {
            return Optional.of("record has neither a value nor a reported YoY %");
        }
        if (!CURRENCIES.contains(r.getCurrency())) {
            return Optional.of("unknown currency '" + r.getCurrency() + "': not an ISO 4217 code");
        }
        return Optional.empty();
    }
}
