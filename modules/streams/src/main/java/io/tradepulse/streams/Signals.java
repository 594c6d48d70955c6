package io.tradepulse.streams;

import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import io.tradepulse.core.FigureQualities;
import io.tradepulse.core.SignalType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The signal methods, free of Kafka (method and parameters: docs/signals.md). Like the change metrics, a
 * signal is a function of the series history and the tariff calendar only, never of the arriving record, so
 * the set of ACTIVE signals after any sequence of inputs depends only on the set of inputs.
 *
 * <p>For period q: y = YoY % of q (computed from levels, else the source's reported YoY); g = median YoY of
 * the periods starting in the {@code trendMonths} before q (0 when none); excess = ((1 + y) / (1 + g) - 1) *
 * 100, i.e. actual versus "same period a year earlier times the trailing trend".
 */
public final class Signals {
    static final String COMPUTED = "COMPUTED";
    static final String REPORTED = "REPORTED";

    private Signals() {
    }

    /** The YoY of a period and where it came from. */
    /** @param weakest the weakest {@link FigureQuality} ordinal among the figures the YoY was read from */
    record Yoy(double pct, String basis, Long baseLevel, int weakest) {
    }

    /** @param pct the median trailing YoY, null if none; @param weakest as {@link Yoy#weakest}, over every YoY taken */
    record Trend(Double pct, int weakest) {
    }

    static Yoy yoy(SeriesHistory history, Observation q) {
        SeriesHistories.Base base = SeriesHistories.base(history, q);
        Double computed = SeriesHistories.pct(q.getValue(), base == null ? null : base.value());
        if (computed != null) {
            return new Yoy(computed, COMPUTED, base.value(), Math.max(q.getQuality().ordinal(), base.weakest()));
        }
        if (q.getReportedYoyPct() != null) {
            // The base level is unknown to us (missing month, or a revised base the source used): the
            // baseline implied by the source's own growth rate. A fall of exactly 100 % (trade stopped) is still
            // the period's YoY and must still signal; only its base cannot be implied (value 0 / 0).
            double growth = 1 + q.getReportedYoyPct() / 100.0;
            Long implied = q.getValue() == null || growth == 0.0 ? null : Math.round(q.getValue() / growth);
            return new Yoy(q.getReportedYoyPct(), REPORTED, implied, q.getQuality().ordinal());
        }
        return null;
    }

    /**
     * Median YoY of the periods starting in the trend window before q and ending before it; null if none. Each month
     * counts once: a period overlapping one whose YoY is already taken (a single February next to the combined Jan+Feb
     * that includes it, both held when two sources publish them) is left out, so the earlier-starting one counts, as
     * in {@link SeriesHistories#windowSum}. Taking both weighed February twice against the other months.
     */
    static Trend trendOf(SeriesHistory history, Observation q, int trendMonths) {
        int q0 = SeriesHistories.index(q);
        int weakest = 0;
        int from = q0 - trendMonths;
        int taken = 0; // bit i: month from + i is covered by a period whose YoY is taken (trendMonths <= MAX_TREND_MONTHS)
        List<Double> ys = new ArrayList<>();
        for (int i = from; i < q0; i++) {
            Observation p = SeriesHistories.get(history, i);
            if (p != null && i + p.getMonths() - 1 < q0) {
                int bits = ((1 << p.getMonths()) - 1) << (i - from);
                if ((taken & bits) != 0) {
                    continue;
                }
                Yoy y = yoy(history, p);
                if (y != null) {
                    ys.add(y.pct());
                    taken |= bits;
                    weakest = Math.max(weakest, y.weakest());
                }
            }
        }
        if (ys.isEmpty()) {
            return new Trend(null, 0);
        }
        ys.sort(Double::compare);
        int n = ys.size();
        return new Trend(n % 2 == 1 ? ys.get(n / 2) : (ys.get(n / 2 - 1) + ys.get(n / 2)) / 2.0, weakest);
    }

    /**
     * The first period (as {@link SeriesHistories#index}) whose signals can depend on any of {@code changed}, the
     * events that differ between two calendars; {@link Integer#MAX_VALUE} when none. Derived from what
     * {@link #evaluate} reads of the calendar for a period q (first month q0, last q1): YOY_MOVE names the latest
     * event effective by q1; FRONT_LOADING the next duty rise effective after q1 with q0 in its lead window; PAYBACK
     * the latest duty rise effective by q0. So an event effective at e concerns only periods with q1 >= e - leadMonths,
     * and every period whose q1 lies before the earliest changed event's e - leadMonths has the same signals under
     * both calendars.
     */
    static int firstPeriodAffectedBy(List<TariffEvent> changed, SignalConfig cfg) {
        int first = Integer.MAX_VALUE;
        for (TariffEvent e : changed) {
            first = Math.min(first, TariffCalendar.effectiveIndex(e) - cfg.leadMonths());
        }
        return first;
    }

    /** The ACTIVE signals of period q under the given calendar (at most one per type). */
    static Map<SignalType, TradeSignal> evaluate(SeriesKey series, SeriesHistory history, Observation q,
                                                 List<TariffEvent> events, SignalConfig cfg) {
        Map<SignalType, TradeSignal> out = new EnumMap<>(SignalType.class);
        Yoy y = yoy(history, q);
        if (y == null) {
            return out;
        }
        int q0 = SeriesHistories.index(q);
        int q1 = q0 + q.getMonths() - 1;
        if (Math.abs(y.pct()) >= cfg.yoyMovePct()) {
            TariffEvent last = null; // context for the alert: the latest matching event in force by the period's end
            for (TariffEvent e : events) {
                if (TariffCalendar.effectiveIndex(e) <= q1) {
                    last = e;
                }
            }
            // Plain concatenation, not String.format: this runs for every input whose |YoY| crosses the threshold
            // (about one in ten in a backfill), and Formatter was 5 % of the processor's CPU. On a reported rate the
            // year-earlier level was not published: it is only what the rate implies, and the reader must know.
            String summary = label(series) + " " + period(q) + ": " + signed(y.pct()) + " YoY ("
                    + y.basis().toLowerCase(Locale.ROOT) + (y.baseLevel() == null ? ""
                            : ", " + money(q.getValue()) + " vs " + money(y.baseLevel()) + " a year earlier"
                            + (REPORTED.equals(y.basis()) ? " implied by the reported rate" : "")) + ")"
                    + (last == null ? "" : "; latest tariff event " + last.getId() + " (" + when(last) + ")");
            out.put(SignalType.YOY_MOVE, signal(SignalType.YOY_MOVE, series, q, y.baseLevel(), y.pct(), y, null, y.weakest(),
                    last, summary,
                    YOY_METHODS.computeIfAbsent(cfg.yoyMovePct() + "|" + y.basis(), k -> String.format(Locale.ROOT,
                            "YOY_MOVE |yoy| >= %s%%; yoy basis %s", threshold(cfg.yoyMovePct()), y.basis()))));
        }
        if (events.isEmpty()) {
            return out;
        }
        Trend t = trendOf(history, q, cfg.trendMonths());
        Double g = t.pct();
        int weakest = Math.max(y.weakest(), t.weakest()); // the baseline reads the trailing months too
        double trendPct = g == null ? 0.0 : g;
        double trendFactor = 1 + trendPct / 100.0;
        if (trendFactor <= 0) {
            return out;
        }
        // ((1 + y) / (1 + g) - 1) x 100 written as (y - g) / (100 + g) x 100, in percent: the same quantity, but exact
        // whenever it can be (whole percents in, a whole percent out). Computed through the factors, a shortfall of
        // exactly 10 % came out as -9.999999999999998 and missed the inclusive threshold it meets (likewise +15 %
        // against a 15 % threshold). Without a trend the excess is the YoY itself.
        double excess = trendPct == 0.0 ? y.pct() : (y.pct() - trendPct) * 100.0 / (100.0 + trendPct);
        Long expected = y.baseLevel() == null ? null : Math.round(y.baseLevel() * trendFactor);

        TariffEvent ahead = null; // nearest duty rise taking effect after q, with q inside its lead window
        for (TariffEvent e : events) {
            int eff = TariffCalendar.effectiveIndex(e);
            if (TariffCalendar.raisesDuty(e) && q1 < eff && q0 >= eff - cfg.leadMonths()) {
                ahead = e;
                break; // events are sorted by effective date
            }
        }
        if (ahead != null && excess >= cfg.frontLoadingPct()) {
            String summary = String.format(Locale.ROOT, "%s %s: %s in the %d months before %s "
                            + "(%s %s -> %s %% %s): possible front-loading", label(series), period(q),
                    versus(q, expected, excess, y, g), cfg.leadMonths(), ahead.getId(),
                    ahead.getKind(), rate(ahead.getRateBeforePct()), rate(ahead.getRateAfterPct()), when(ahead));
            out.put(SignalType.FRONT_LOADING, signal(SignalType.FRONT_LOADING, series, q, expected, excess, y, g, weakest,
                    ahead, summary,
                    String.format(Locale.ROOT, "FRONT_LOADING excess >= %s%% within %d months before a duty rise; %s",
                            threshold(cfg.frontLoadingPct()), cfg.leadMonths(), method(cfg, g, y))));
        }
        TariffEvent behind = null; // latest duty rise in force since at most paybackMonths
        for (TariffEvent e : events) {
            int eff = TariffCalendar.effectiveIndex(e);
            if (TariffCalendar.raisesDuty(e) && eff <= q0 && q0 <= eff + cfg.paybackMonths() - 1) {
                behind = e;
            }
        }
        if (behind != null && excess <= -cfg.paybackPct()) {
            String summary = String.format(Locale.ROOT, "%s %s: %s within %d months after %s "
                            + "(%s %s -> %s %% %s): payback / tariff drop", label(series), period(q),
                    versus(q, expected, excess, y, g), cfg.paybackMonths(), behind.getId(),
                    behind.getKind(), rate(behind.getRateBeforePct()), rate(behind.getRateAfterPct()), when(behind));
            out.put(SignalType.PAYBACK, signal(SignalType.PAYBACK, series, q, expected, excess, y, g, weakest,
                    behind, summary,
                    String.format(Locale.ROOT, "PAYBACK shortfall >= %s%% within %d months from a duty rise; %s",
                            threshold(cfg.paybackPct()), cfg.paybackMonths(), method(cfg, g, y))));
        }
        return out;
    }

    private static TradeSignal signal(SignalType type, SeriesKey s, Observation q, Long expected, double excess, Yoy y,
                                      Double trend, int weakest, TariffEvent event, String summary, String method) {
        return TradeSignal.newBuilder()
                .setType(type.name()).setStatus(SignalStatus.ACTIVE)
                .setReporter(s.getReporter()).setPartner(s.getPartner()).setFlow(s.getFlow()).setCommodity(s.getCommodity())
                .setYear(q.getYear()).setMonth(q.getMonth()).setMonths(q.getMonths())
                .setActual(q.getValue()).setExpected(expected).setExcessPct(excess).setYoyPct(y.pct())
                .setCurrency(q.getCurrency())
                .setTariffEventId(event == null ? null : event.getId())
                .setSummary(summary).setMethod(method).setTrendPct(trend).setYoyBasis(y.basis())
                .setDerivedFrom(q.getDerivedFrom())
                .setQuality(FigureQualities.ofOrdinal(weakest))
                .build();
    }


    /** Why a signal was withdrawn: its series' data changed (a figure arrived or was revised). */
    static final String RETRACTED_BY_DATA = "revised data no longer meets the condition";
    /**
     * Why a signal was withdrawn: the tariff calendar changed (an event withdrawn, moved, re-scoped or no longer a
     * rise) while the series' data stayed as it was. Said apart because an alert reading "revised data" sends its
     * reader to look for a revision that never happened.
     */
    static final String RETRACTED_BY_CALENDAR = "the tariff calendar changed and the condition no longer holds";
    /**
     * Why a signal was withdrawn: a {@code tradepulse.signals.*} parameter changed (a threshold raised, a window
     * shortened) while the series' data and the calendar stayed as they were.
     */
    static final String RETRACTED_BY_PARAMETERS = "the signal parameters changed and the condition no longer holds";

    /** The same signal, withdrawn because its condition no longer holds, for the given reason. */
    static TradeSignal retracted(TradeSignal active, String reason) {
        return TradeSignal.newBuilder(active).setStatus(SignalStatus.RETRACTED)
                .setSummary("RETRACTED (" + reason + "): " + active.getSummary()).build();
    }

    public static SignalKey key(SeriesKey s, Observation q, SignalType type) {
        return new SignalKey(s.getReporter(), s.getPartner(), s.getFlow(), s.getCommodity(), q.getYear(), q.getMonth(),
                type.name());
    }

    /** The YOY_MOVE method text per (threshold, basis): a handful of distinct strings, formatted once. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> YOY_METHODS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static String label(SeriesKey s) {
        return s.getReporter() + "->" + s.getPartner() + " " + s.getFlow() + " " + s.getCommodity();
    }

    /**
     * Actual against expected in a signal's summary: the levels when both are known ("48.800 bn vs expected
     * 42.069 bn (+16.0 %)"); otherwise the growth rates the excess was computed from, as when a source publishes
     * only its YoY for the month ("-33.1 % YoY (reported) vs a trend of -18.9 % (-17.5 %)"), instead of levels
     * that would both read n/a.
     */
    private static String versus(Observation q, Long expected, double excess, Yoy y, Double trend) {
        if (q.getValue() != null && expected != null) {
            // On a reported rate the year-earlier level under "expected" was never published, only implied by the
            // rate: said as YOY_MOVE's summary says it, so that a reader does not quote it as a published level.
            return money(q.getValue()) + " vs expected " + money(expected) + " (" + signed(excess)
                    + (REPORTED.equals(y.basis()) ? "; year-earlier level implied by the reported rate" : "") + ")";
        }
        return signed(y.pct()) + " YoY (" + y.basis().toLowerCase(Locale.ROOT) + ") vs "
                + (trend == null ? "no trend" : "a trend of " + signed(trend)) + " (" + signed(excess) + ")";
    }

    /**
     * When a signal's tariff event applies, as its summary says it: "effective 2025-02-04"; a scheduled expiry only
     * "due 2025-08-12", since it may never take effect (the August 2025 truce expiry was extended the day before), and
     * "effective" read as a duty that did apply.
     */
    static String when(TariffEvent e) {
        return (e.getKind() == TariffEventKind.SCHEDULED_EXPIRY ? "due " : "effective ") + e.getEffective();
    }

    /** Formatted only when a FRONT_LOADING or PAYBACK signal holds. */
    private static String method(SignalConfig cfg, Double g, Yoy y) {
        return String.format(Locale.ROOT, "expected = year-earlier level x (1 + median YoY of the %d "
                + "preceding months%s); yoy basis %s", cfg.trendMonths(), g == null ? ": none, trend 0" : "", y.basis());
    }

    /**
     * A configured threshold in a signal's method text, exactly as configured: "10.0", "12.25", "7.5". Rounded to one
     * decimal (as it was), 12.25 printed as "12.3", so the text did not say which parameter was applied, and two
     * configurations that raise different signals read the same. At least one decimal, so the usual whole thresholds
     * print as before ("10.0"). Only when a signal holds (YOY_MOVE's once per threshold and basis, cached).
     */
    static String threshold(double pct) {
        if (!Double.isFinite(pct)) {
            return String.valueOf(pct);
        }
        BigDecimal exact = BigDecimal.valueOf(pct).stripTrailingZeros();
        return (exact.scale() < 1 ? exact.setScale(1) : exact).toPlainString();
    }

    /** "2025-05", or "2025-01..02" for a combined period. */
    private static String period(Observation q) {
        String start = q.getYear() + "-" + twoDigits(q.getMonth());
        return q.getMonths() == 1 ? start : start + ".." + twoDigits(q.getMonth() + q.getMonths() - 1);
    }

    private static String twoDigits(int month) {
        return month < 10 ? "0" + month : Integer.toString(month);
    }

    /** {@code String.format(Locale.ROOT, "%+.1f %%", pct)}, without Formatter (see {@link #fixed}). */
    static String signed(double pct) {
        return fixed(pct, 1, true) + " %";
    }

    /**
     * A duty rate as published: "25", "7.5". Not rounded to a whole percent: that printed the 7.5 % of a real US
     * tariff list as "8". Formatted only when a FRONT_LOADING or PAYBACK signal holds.
     */
    static String rate(Double r) {
        if (r == null) {
            return "?";
        }
        return Double.isFinite(r) ? BigDecimal.valueOf(r).stripTrailingZeros().toPlainString() : String.valueOf(r);
    }

    /**
     * From here on a level is printed in bn: millions are printed to the thousand (3 decimals, half up), so from
     * 999,999,500 they would read "1000.000 mn". Below a million the level is printed whole (no rounding), so the
     * mn threshold is the million itself. bn is the largest unit.
     */
    private static final long BN_FROM = 1_000_000_000L - 500L;

    static String money(Long v) {
        if (v == null) {
            return "n/a";
        }
        return v >= BN_FROM ? fixed(v / 1e9, 3, false) + " bn"
                : v >= 1_000_000L ? fixed(v / 1e6, 3, false) + " mn" : Long.toString(v);
    }

    /**
     * Exactly what {@code String.format(Locale.ROOT, plus ? "%+.Nf" : "%.Nf", x)} prints (N = {@code decimals}),
     * for the YOY_MOVE summary that about one input in ten gets: java.util.Formatter parses its pattern with a
     * regular expression and looks up locale symbols on every call, and was 6 % of the stream threads' CPU in the
     * backfill. Formatter rounds the shortest decimal form of the double (the digits of {@link Double#toString})
     * half-up and prints a minus for every negative value, -0.0 included; so does this (SignalsFormatTest checks
     * it against Formatter). Outside [1e-3, 1e7) Formatter's digits may differ from Double.toString's (it asks for
     * them in a non-"compatible" mode), so those rare values, and NaN and infinities, still go through Formatter.
     */
    static String fixed(double x, int decimals, boolean plus) {
        double abs = Math.abs(x);
        if (!(abs == 0.0 || abs >= 1e-3 && abs < 1e7)) {
            return String.format(Locale.ROOT, (plus ? "%+." : "%.") + decimals + "f", x);
        }
        String digits = new BigDecimal(Double.toString(abs)).setScale(decimals, RoundingMode.HALF_UP)
                .toPlainString();
        return Double.compare(x, 0.0) < 0 ? "-" + digits : plus ? "+" + digits : digits;
    }
}
