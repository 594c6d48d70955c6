package io.tradepulse.launcher;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.TradeChange;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;

/** Renders trade.changes as a readable fixed-width table, sorted by series and period. */
final class ChangeTable {
    private static final String ROW = "%-26s %-11s %12s %14s %9s %12s%s%n"; // period: up to 2025-01..02

    private ChangeTable() {
    }

    static String render(Map<ChangeKey, TradeChange> table) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, ROW, "series", "period", "value", "prior-year", "YoY %", "reported %",
                "  quality"));
        table.values().stream()
                .sorted(Comparator.comparing(ChangeTable::series).thenComparingInt(TradeChange::getYear)
                        .thenComparingInt(TradeChange::getMonth))
                .forEach(c -> out.append(String.format(Locale.ROOT, ROW, series(c), period(c),
                        money(c.getValue(), c.getCurrency()), money(c.getPriorYearValue(), c.getCurrency()),
                        pct(c.getYoyPct()), reported(c.getReportedYoyPct()), quality(c))));
        return out.toString();
    }

    /** A derived roll-up is marked with the number of child series it sums, e.g. {@code TOTAL (sum of 12)}. */
    static String series(TradeChange c) {
        return c.getReporter() + "->" + c.getPartner() + " " + c.getFlow() + " " + c.getCommodity()
                + (c.getDerivedFrom() == null ? "" : " (sum of " + c.getDerivedFrom() + ")");
    }

    /**
     * Empty when the row and everything its metrics read are PUBLISHED (nearly every row); else the figure's own
     * quality ("  secondary"), or what its metrics read ("  reads secondary": a published month whose MoM or YTD sums
     * a weaker one). Two leading spaces: the column has no padding, so a plain row ends without trailing blanks.
     */
    static String quality(TradeChange c) {
        if (c.getQuality() != FigureQuality.PUBLISHED) {
            return "  " + c.getQuality().name().toLowerCase(Locale.ROOT);
        }
        return c.getMetricsQuality() == FigureQuality.PUBLISHED ? ""
                : "  reads " + c.getMetricsQuality().name().toLowerCase(Locale.ROOT);
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

    /**
     * A source's own growth rate as it published it, with its sign and at least one decimal: "-21.67", "+16.0". Rounded
     * to one decimal as the computed YoY is, the table showed -21.7 for the -21.67 % a reader finds in the source
     * (and quotes), while REST and trade.changes carry -21.67.
     */
    static String reported(Double p) {
        if (p == null) {
            return "-";
        }
        BigDecimal published = BigDecimal.valueOf(p).stripTrailingZeros();
        String digits = (published.scale() < 1 ? published.setScale(1) : published).toPlainString();
        return p >= 0 ? "+" + digits : digits;
    }
}
