package io.tradepulse.launcher;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.TradeChange;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;

/** Renders trade.changes as a readable fixed-width table, sorted by series and period. */
final class ChangeTable {
    private static final String ROW = "%-26s %-11s %12s %14s %9s %12s%n"; // period: up to 2025-01..02

    private ChangeTable() {
    }

    static String render(Map<ChangeKey, TradeChange> table) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, ROW, "series", "period", "value", "prior-year", "YoY %", "reported %"));
        table.values().stream()
                .sorted(Comparator.comparing(ChangeTable::series).thenComparingInt(TradeChange::getYear)
                        .thenComparingInt(TradeChange::getMonth))
                .forEach(c -> out.append(String.format(Locale.ROOT, ROW, series(c), period(c),
                        money(c.getValue(), c.getCurrency()), money(c.getPriorYearValue(), c.getCurrency()),
                        pct(c.getYoyPct()), pct(c.getReportedYoyPct()))));
        return out.toString();
    }

    /** A derived roll-up is marked with the number of child series it sums, e.g. {@code TOTAL (sum of 12)}. */
    static String series(TradeChange c) {
        return c.getReporter() + "->" + c.getPartner() + " " + c.getFlow() + " " + c.getCommodity()
                + (c.getDerivedFrom() == null ? "" : " (sum of " + c.getDerivedFrom() + ")");
    }

    static String period(TradeChange c) {
        String start = String.format(Locale.ROOT, "%d-%02d", c.getYear(), c.getMonth());
        return c.getMonths() == 1 ? start : start + String.format(Locale.ROOT, "..%02d", c.getMonth() + c.getMonths() - 1);
    }

    /** Billions with three decimals: the precision the sources publish. */
    static String money(Long v, String currency) {
        if (v == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.3f bn%s", v / 1e9, "USD".equals(currency) ? "" : " " + currency);
    }

    static String pct(Double p) {
        return p == null ? "-" : String.format(Locale.ROOT, "%+.1f", p);
    }
}
