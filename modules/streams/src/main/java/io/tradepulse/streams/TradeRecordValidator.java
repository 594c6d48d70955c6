package io.tradepulse.streams;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a record before it may touch series state. A refused record goes to the dead-letter topic with the
 * reason returned here; it never reaches the state, so one bad row cannot corrupt a series.
 */
public final class TradeRecordValidator {
    private static final Pattern ISO3 = Pattern.compile("[A-Z]{3}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Pattern COMMODITY = Pattern.compile("TOTAL|\\d{2,10}");
    /** Modern trade statistics (HS) start in 1988; anything earlier is a unit or parsing error. */
    static final int MIN_YEAR = 1988;

    private final Clock clock;

    public TradeRecordValidator(Clock clock) {
        this.clock = clock;
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
        if (!ISO3.matcher(r.getReporter()).matches() || !ISO3.matcher(r.getPartner()).matches()) {
            return Optional.of("reporter/partner must be ISO 3166-1 alpha-3: " + r.getReporter() + "/" + r.getPartner());
        }
        if (!COMMODITY.matcher(r.getCommodity()).matches()) {
            return Optional.of("commodity must be TOTAL or 2-10 HS digits: " + r.getCommodity());
        }
        if (r.getMonth() < 1 || r.getMonth() > 12) {
            return Optional.of("month must be 1-12: " + r.getMonth());
        }
        if (r.getMonths() < 1 || r.getMonth() + r.getMonths() - 1 > 12) {
            return Optional.of("months must be >= 1 and stay within the year: month " + r.getMonth()
                    + ", months " + r.getMonths());
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
        if (r.getValue() == null && r.getReportedYoyPct() == null) {
            return Optional.of("record has neither a value nor a reported YoY %");
        }
        if (!CURRENCY.matcher(r.getCurrency()).matches()) {
            return Optional.of("currency must be an ISO 4217 code: " + r.getCurrency());
        }
        return Optional.empty();
    }
}
