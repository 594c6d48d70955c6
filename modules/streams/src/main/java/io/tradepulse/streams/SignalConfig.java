package io.tradepulse.streams;

import java.time.Duration;

/**
 * Parameters of the signal methods (see docs/signals.md), read from {@link ProcessorConfig}'s
 * {@code tradepulse.signals.*} keys. Part of the topology seam: {@link TradeTopology#build} takes it, so tests
 * build the real topology with explicit parameters.
 *
 * @param leadMonths          FRONT_LOADING looks at the months strictly before the month a tariff increase or a
 *                            truce expiry takes effect, this many of them
 * @param paybackMonths       PAYBACK looks at the effective month and the months after it, this many in all
 * @param trendMonths         trailing months whose YoY (median) scales the year-earlier baseline
 * @param frontLoadingPct     minimum excess over the baseline, in percent, for FRONT_LOADING
 * @param paybackPct          minimum shortfall below the baseline, in percent, for PAYBACK
 * @param yoyMovePct          minimum |YoY| in percent for YOY_MOVE
 * @param tariffRefresh       how often the processor re-reads the tariff calendar (GlobalKTable) and, if it
 *                            changed, re-evaluates the signals of the series the changed events concern
 * @param refreshBatchSeries  series re-evaluated per punctuation while a calendar change is applied
 */
public record SignalConfig(int leadMonths, int paybackMonths, int trendMonths, double frontLoadingPct,
                           double paybackPct, double yoyMovePct, Duration tariffRefresh, int refreshBatchSeries) {
    public static final SignalConfig DEFAULTS = new SignalConfig(
            ProcessorConfig.SIGNALS_LEAD_MONTHS_DEFAULT, ProcessorConfig.SIGNALS_PAYBACK_MONTHS_DEFAULT,
            ProcessorConfig.SIGNALS_TREND_MONTHS_DEFAULT, ProcessorConfig.SIGNALS_FRONT_LOADING_PCT_DEFAULT,
            ProcessorConfig.SIGNALS_PAYBACK_PCT_DEFAULT, ProcessorConfig.SIGNALS_YOY_MOVE_PCT_DEFAULT,
            Duration.ofMillis(ProcessorConfig.SIGNALS_TARIFF_REFRESH_MS_DEFAULT),
            ProcessorConfig.SIGNALS_TARIFF_REFRESH_BATCH_DEFAULT);

    public SignalConfig {
        if (leadMonths < 1 || paybackMonths < 1 || trendMonths < 1 || trendMonths > SeriesHistories.MAX_TREND_MONTHS) {
            throw new IllegalArgumentException("lead/payback months must be >= 1 and trend months 1-"
                    + SeriesHistories.MAX_TREND_MONTHS);
        }
        if (frontLoadingPct < 0 || paybackPct < 0 || yoyMovePct < 0 || tariffRefresh.isNegative() || tariffRefresh.isZero()
                || refreshBatchSeries < 1) {
            throw new IllegalArgumentException("thresholds must be >= 0, the refresh interval and batch positive");
        }
    }

    /**
     * The parameters the signals depend on (not the refresh interval or batch), as text that {@link #withParameters}
     * reads back exactly: {@code lead.months=3;payback.months=3;trend.months=2;front.loading.min.excess.pct=10.0;
     * payback.min.drop.pct=10.0;yoy.move.threshold.pct=30.0}. The processor records it per task (in the key of an
     * applied-tariff-calendar entry, see {@link SeriesStateProcessor#parametersKey}), to find that the signals it
     * published were computed under other parameters. {@link Double#toString} is exact (it reads back as the same
     * double), so a threshold moved by 0.01 is a change.
     */
    public String parameters() {
        return "lead.months=" + leadMonths + ";payback.months=" + paybackMonths + ";trend.months=" + trendMonths
                + ";front.loading.min.excess.pct=" + frontLoadingPct + ";payback.min.drop.pct=" + paybackPct
                + ";yoy.move.threshold.pct=" + yoyMovePct;
    }

    /**
     * These settings with the signal parameters of {@code text} (as {@link #parameters} writes it).
     *
     * @throws IllegalArgumentException when the text is not in that form (a key written by another release)
     */
    public SignalConfig withParameters(String text) {
        String[] parts = text.split(";", -1);
        String[] names = {"lead.months", "payback.months", "trend.months", "front.loading.min.excess.pct",
                "payback.min.drop.pct", "yoy.move.threshold.pct"};
        if (parts.length != names.length) {
            throw new IllegalArgumentException("not signal parameters: " + text);
        }
        String[] values = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            if (!parts[i].startsWith(names[i] + "=")) {
                throw new IllegalArgumentException("not signal parameters: " + text);
            }
            values[i] = parts[i].substring(names[i].length() + 1);
        }
        return new SignalConfig(Integer.parseInt(values[0]), Integer.parseInt(values[1]), Integer.parseInt(values[2]),
                Double.parseDouble(values[3]), Double.parseDouble(values[4]), Double.parseDouble(values[5]),
                tariffRefresh, refreshBatchSeries);
    }

    /** The same parameters with another number of series re-evaluated per punctuation. */
    public SignalConfig withRefreshBatchSeries(int series) {
        return new SignalConfig(leadMonths, paybackMonths, trendMonths, frontLoadingPct, paybackPct, yoyMovePct,
                tariffRefresh, series);
    }
}
