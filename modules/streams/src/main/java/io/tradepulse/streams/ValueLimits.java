package io.tradepulse.streams;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The largest monthly value a published figure of one series may have, per currency ({@code
 * tradepulse.validation.max.monthly.value} and {@code ...by.currency}): a larger one is a unit error (thousands read as
 * units, twice) and goes to the dead-letter topic instead of holding its month.
 *
 * <p>Why per currency: the default is set for currencies near the US dollar (world merchandise trade is about US$ 2
 * trillion a month), and a currency worth far less than a dollar crosses it with real figures (Korea's monthly exports
 * are about 80 trillion won, Japan's about 9 trillion yen), which would all be refused. A deployment that ingests such
 * a currency lists it with a limit of its own, about the default times the currency's units per dollar; no exchange
 * rates are kept here, so no default guesses one.
 *
 * @param defaultLimit  the limit of every currency not listed
 * @param byCurrency    ISO 4217 code -> its own limit
 */
public record ValueLimits(long defaultLimit, Map<String, Long> byCurrency) {
    public static final ValueLimits DEFAULT = new ValueLimits(ProcessorConfig.MAX_MONTHLY_VALUE_DEFAULT, Map.of());

    public ValueLimits {
        if (defaultLimit < 1) {
            throw new IllegalArgumentException("the limit must be at least 1: " + defaultLimit);
        }
        byCurrency = Map.copyOf(byCurrency);
        byCurrency.forEach((c, l) -> {
            if (l < 1) {
                throw new IllegalArgumentException("the limit of " + c + " must be at least 1: " + l);
            }
        });
    }

    /** The limit of figures in {@code currency}. */
    public long limit(String currency) {
        Long own = currency == null ? null : byCurrency.get(currency);
        return own == null ? defaultLimit : own;
    }

    /**
     * @param entries {@code CUR=limit} (an ISO 4217 code, a whole number at least 1), each currency at most once
     * @throws IllegalArgumentException naming the entry that is not of that form
     */
    public static ValueLimits of(long defaultLimit, List<String> entries) {
        Map<String, Long> byCurrency = new HashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            String currency = eq < 0 ? entry : entry.substring(0, eq).strip();
            if (eq < 0 || !TradeRecordValidator.isCurrency(currency)) {
                throw new IllegalArgumentException("'" + entry + "' is not CUR=limit with an ISO 4217 currency code");
            }
            long limit;
            try {
                limit = Long.parseLong(entry.substring(eq + 1).strip().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + entry + "': the limit is not a whole number");
            }
            if (byCurrency.put(currency, limit) != null) {
                throw new IllegalArgumentException("currency " + currency + " listed twice");
            }
        }
        return new ValueLimits(defaultLimit, byCurrency);
    }
}
