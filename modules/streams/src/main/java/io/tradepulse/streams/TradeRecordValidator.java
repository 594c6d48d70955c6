package io.tradepulse.streams;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Economies;
import io.tradepulse.core.RecordBounds;
import io.tradepulse.core.RecordRules;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a record before it may touch series state. The rules that depend on no setting of the processor are
 * {@link RecordRules} (core), which the file source also refuses its rows by; the value limit is the processor's own.
 * A refused record goes to the dead-letter topic with the reason returned here; it never reaches the state, so one
 * bad row cannot corrupt a series.
 */
public final class TradeRecordValidator {
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
        return RecordRules.isCurrency(code);
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
        // The rules of every record (core: the file source refuses its rows by them too), in the order of their
        // reasons; the first broken one is the reason.
        String refused;
        if ((refused = RecordRules.reporter(r.getReporter())) != null
                || (refused = RecordRules.partner(r.getPartner())) != null
                || (refused = RecordRules.sameEconomy(r.getReporter(), r.getPartner())) != null
                || (refused = RecordRules.commodityShape(r.getCommodity())) != null
                || (refused = RecordRules.hsChapter(r.getCommodity())) != null
                || (refused = RecordRules.commodityLevel(r.getCommodityLevel(), r.getCommodity())) != null
                || (refused = RecordRules.month(r.getMonth())) != null
                || (refused = RecordRules.months(r.getMonth(), r.getMonths())) != null
                || (refused = RecordRules.multiMonth(r.getMonth(), r.getMonths())) != null
                || (refused = RecordRules.period(r.getYear(), r.getMonth(), r.getMonths(),
                        YearMonth.now(clock.withZone(ZoneOffset.UTC)))) != null
                || (refused = RecordRules.negativeValue(r.getValue())) != null) {
            return Optional.of(refused);
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
        if ((refused = RecordRules.reportedYoyPct(r.getReportedYoyPct())) != null
                || (refused = RecordRules.publishedBeforePeriod(r.getPublishedAt(), r.getYear(), r.getMonth(),
                        r.getMonths())) != null
                || (refused = RecordRules.publishedAfterNow(r.getPublishedAt(), clock.instant())) != null) {
            return Optional.of(refused);
        }
        if (r.getDerivedFrom() != null && r.getDerivedFrom() < 1) {
            return Optional.of("derivedFrom must be the number of child series summed (>= 1): " + r.getDerivedFrom());
        }
        // A derived roll-up may lack a value (its children cannot be summed: see Rollups.derive); it still
        // replaces the parent's earlier derived figure, so it must not be refused.
        if (r.getValue() == null && r.getReportedYoyPct() == null && r.getDerivedFrom() == null) {
            return Optional.of("record has neither a value nor a reported YoY %");
        }
        return Optional.ofNullable(RecordRules.currency(r.getCurrency()));
    }
}
