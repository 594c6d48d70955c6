package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import io.tradepulse.core.FigureQualities;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The per-series logic, free of Kafka: upsert a published figure into a series' history, and compute the
 * change metrics of a period from the history alone.
 *
 * <p>Why outputs are computed from the history and never from the arriving record: the history after any
 * sequence of inputs depends only on the SET of inputs (the winner per period is chosen by a total order,
 * {@link SourcePrecedence#order()}: the source's rank, then {@link #REVISION_ORDER}; not by arrival), so the last output per (series, period) is the same whatever
 * the arrival order, duplicates or interleaving.
 */
public final class SeriesHistories {

    /**
     * Total order on figures of one period from equally ranked sources ({@link SourcePrecedence} ranks sources first):
     * newest publication, then highest revision; the rest only breaks
     * ties between conflicting figures with the same publication time so that the winner never depends on
     * arrival order. Two figures comparing equal are identical.
     */
    public static final Comparator<Observation> REVISION_ORDER = Comparator
            .comparingLong(Observation::getPublishedAt)
            .thenComparingInt(Observation::getRevision)
            .thenComparing(Observation::getSource)
            .thenComparing(Observation::getVintage)
            .thenComparingInt(Observation::getMonths)
            .thenComparing(Observation::getValue, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(Observation::getCurrency)
            .thenComparing(Observation::getReportedYoyPct, Comparator.nullsFirst(Comparator.naturalOrder()))
            // last: two releases alike in all else but quality keep the weaker claim (the larger ordinal)
            .thenComparing(Observation::getQuality);

    /** The longest trailing trend a signal may use: the upper bound of {@code tradepulse.signals.trend.months}. */
    public static final int MAX_TREND_MONTHS = 11;

    /**
     * How far back from its first month any output of a period reads: the year-earlier base of the trend window's
     * first month, 12 + {@link #MAX_TREND_MONTHS} = 23 (the prior-year YTD of a December reads 23 back too, the prior
     * rolling 3 months 14). {@link #dependsOn}, {@code SeriesStateProcessor.YEARS_BEFORE} (the archived years loaded
     * around a figure) and the trend's month bits ({@link Signals#trendOf}) are bound by it: a new figure reading further
     * back raises it, and {@code LookbackTest} fails until it does.
     */
    public static final int MAX_LOOKBACK_MONTHS = 12 + MAX_TREND_MONTHS;

    private SeriesHistories() {
    }

    /** Months since year 0: makes "12 months earlier" and window overlaps plain integer arithmetic. */
    static int index(int year, int month) {
        return year * 12 + month - 1;
    }

    static int index(Observation o) {
        return index(o.getYear(), o.getMonth());
    }

    public static Observation observation(TradeRecord r) {
        return Observation.newBuilder()
                .setYear(r.getYear())
                .setMonth(r.getMonth())
                .setMonths(r.getMonths())
                .setValue(r.getValue())
                .setCurrency(r.getCurrency())
                .setReportedYoyPct(r.getReportedYoyPct())
                .setSource(r.getSource())
                .setVintage(r.getVintage())
                .setPublishedAt(r.getPublishedAt().toEpochMilli())
                .setRevision(r.getRevision())
                .setDerivedFrom(r.getDerivedFrom())
                .setQuality(r.getQuality())
                .build();
    }

    /**
     * Outcome of an upsert.
     *
     * @param changed  false when the figure was a duplicate or an older revision than the one held
     * @param affected periods (as {@link #index}) whose outputs must be re-emitted, ascending
     * @param previous the figure the incoming one replaced, or null when its period was new (lets the caller
     *                 rebuild the history as it was before, to retract signals that no longer hold)
     */
    public record Upsert(boolean changed, List<Integer> affected, Observation previous) {
        static final Upsert UNCHANGED = new Upsert(false, List.of(), null);
    }

    /** {@link #upsert(SeriesHistory, Observation, int, SourcePrecedence)} with the default trend window and precedence. */
    public static Upsert upsert(SeriesHistory history, Observation incoming) {
        return upsert(history, incoming, SignalConfig.DEFAULTS.trendMonths(), SourcePrecedence.DEFAULT);
    }

    /**
     * Puts {@code incoming} into {@code history} (mutated in place, kept sorted by period) if it wins over
     * the figure held for its period, and lists every held period whose outputs read the changed months:
     * see {@link #dependsOn}. Still one store read and one write per input: only the in-memory history is
     * scanned.
     *
     * @param trendMonths the signals' trailing trend window (it widens what a period depends on)
     * @param sources     which source's figure a period keeps when several publish it
     */
    public static Upsert upsert(SeriesHistory history, Observation incoming, int trendMonths, SourcePrecedence sources) {
        List<Observation> obs = history.getObservations();
        int at = find(obs, index(incoming));
        Observation previous = null;
        if (at >= 0) {
            previous = obs.get(at);
            if (!wins(incoming, previous, sources)) {
                return Upsert.UNCHANGED;
            }
            obs.set(at, incoming);
        } else {
            obs.add(-at - 1, incoming);
        }
        int start = index(incoming);
        // The old and the new figure may cover different months (a combined Jan+Feb replaced by a single
        // January): whatever read either window must be recomputed.
        int end = start + Math.max(incoming.getMonths(), previous == null ? 1 : previous.getMonths()) - 1;
        List<Integer> affected = new ArrayList<>();
        for (Observation q : obs) {
            if (dependsOn(q, start, end, trendMonths)) {
                affected.add(index(q));
            }
        }
        return new Upsert(true, affected, previous);
    }

    /**
     * Whether {@code incoming} replaces {@code held} for their period. Published figures follow the source
     * precedence, then {@link #REVISION_ORDER} (a duplicate or an older revision arriving late loses; a figure of a
     * less preferred source loses, see {@link SourcePrecedence}). A published figure always
     * beats a derived roll-up, so a level the source reports is never replaced by (or added to) a sum of its
     * children. Between two derived figures the later one wins: they come, in order, from the single task that
     * owns the parent's roll-up cell, and each one is the sum of the latest contribution of every child.
     */
    static boolean wins(Observation incoming, Observation held, SourcePrecedence sources) {
        boolean incomingDerived = incoming.getDerivedFrom() != null;
        boolean heldDerived = held.getDerivedFrom() != null;
        if (incomingDerived != heldDerived) {
            return heldDerived;
        }
        return incomingDerived ? !incoming.equals(held) : sources.order().compare(incoming, held) > 0;
    }

    /**
     * Whether the outputs of period {@code q} read any month in {@code [from, to]}. The outputs of q read:
     * q itself; the month before (MoM); January of q's year through q's last month and the same window a
     * year earlier (YTD); the three months ending with q and a year earlier (rolling 3-month YoY); the
     * {@code trendMonths} before q and their year-earlier bases (signal trend). Taken as two contiguous
     * ranges, this year's and a year earlier's, which is a (slight) superset: re-emitting a period whose
     * output did not change is harmless, missing one is not.
     */
    static boolean dependsOn(Observation q, int from, int to, int trendMonths) {
        int q0 = index(q);
        int q1 = q0 + q.getMonths() - 1;
        int january = q.getYear() * 12;
        int lo = Math.min(Math.min(january, q1 - 2), q0 - trendMonths);
        return overlaps(lo, q1, from, to) || overlaps(lo - 12, q1 - 12, from, to);
    }

    private static boolean overlaps(int a0, int a1, int b0, int b1) {
        return a0 <= b1 && b0 <= a1;
    }

    /** The history as it was before {@code upsert} changed it (a copy; {@code history} is untouched). */
    public static SeriesHistory before(SeriesHistory history, Observation incoming, Upsert upsert) {
        List<Observation> copy = new ArrayList<>(history.getObservations());
        int at = find(copy, index(incoming));
        if (upsert.previous() != null) {
            copy.set(at, upsert.previous());
        } else {
            copy.remove(at);
        }
        return new SeriesHistory(history.getCommodityLevel(), copy, history.getArchivedBefore());
    }

    public static Observation get(SeriesHistory history, int periodIndex) {
        int at = find(history.getObservations(), periodIndex);
        return at >= 0 ? history.getObservations().get(at) : null;
    }

    /** Binary search by period; returns the position, or {@code -(insertion point) - 1}. */
    private static int find(List<Observation> obs, int periodIndex) {
        int lo = 0;
        int hi = obs.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Integer.compare(index(obs.get(mid)), periodIndex);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    public static ChangeKey changeKey(SeriesKey series, Observation o) {
        return new ChangeKey(series.getReporter(), series.getPartner(), series.getFlow(), series.getCommodity(),
                o.getYear(), o.getMonth());
    }

    /** The change metrics of period {@code q}, from the history alone. */
    public static TradeChange change(SeriesKey series, SeriesHistory history, Observation q) {
        Base base = base(history, q);
        Long value = q.getValue();
        Long prior = base == null ? null : base.value();
        Double yoyPct = pct(value, prior);
        Observation prevMonth = q.getMonths() == 1 ? get(history, index(q) - 1) : null;
        Long priorMonth = prevMonth != null && prevMonth.getMonths() == 1 && usable(prevMonth, q) ? prevMonth.getValue() : null;
        int q1 = index(q) + q.getMonths() - 1;
        int january = q.getYear() * 12;
        WindowSum ytd = windowSum(history, january, q1, q.getCurrency());
        WindowSum priorYtd = windowSum(history, january - 12, q1 - 12, q.getCurrency());
        WindowSum rolling = windowSum(history, q1 - 2, q1, q.getCurrency());
        WindowSum priorRolling = windowSum(history, q1 - 14, q1 - 12, q.getCurrency());
        Long rollingValue = rolling.complete() ? rolling.sum() : null;
        Long rollingPrior = priorRolling.complete() ? priorRolling.sum() : null;
        // The weakest figure any metric of the row reads: only figures that went into a published number count (a
        // rolling window that is incomplete gives no sum, so its months do not weaken the row). Each complete rolling
        // window counts on its own, as each YTD window does: its sum is published (rolling3mValue, rolling3mPriorValue)
        // even when the other year's window is incomplete and there is no rolling YoY. Counted only with the YoY, a
        // February's rolling3mValue summed an estimated December under metricsQuality PUBLISHED.
        int weakest = q.getQuality().ordinal();
        if (base != null) {
            weakest = Math.max(weakest, base.weakest());
        }
        if (priorMonth != null) {
            weakest = Math.max(weakest, prevMonth.getQuality().ordinal());
        }
        weakest = Math.max(weakest, Math.max(ytd.weakest(), priorYtd.weakest()));
        if (rollingValue != null) {
            weakest = Math.max(weakest, rolling.weakest());
        }
        if (rollingPrior != null) {
            weakest = Math.max(weakest, priorRolling.weakest());
        }
        return TradeChange.newBuilder()
                .setReporter(series.getReporter())
                .setPartner(series.getPartner())
                .setFlow(series.getFlow())
                .setCommodity(series.getCommodity())
                .setCommodityLevel(history.getCommodityLevel())
                .setYear(q.getYear())
                .setMonth(q.getMonth())
                .setMonths(q.getMonths())
                .setValue(value)
                .setCurrency(q.getCurrency())
                .setPriorYearValue(prior)
                .setYoyPct(yoyPct)
                .setYoyChange(value != null && prior != null ? value - prior : null)
                .setReportedYoyPct(q.getReportedYoyPct())
                .setSource(q.getSource())
                .setVintage(q.getVintage())
                .setPublishedAt(Instant.ofEpochMilli(q.getPublishedAt()))
                .setPriorYearVintage(base == null ? null : base.vintage())
                .setPriorYearPublishedAt(base == null ? null : Instant.ofEpochMilli(base.publishedAt()))
                .setRevision(q.getRevision())
                .setPriorYearRevision(base == null ? null : base.revision())
                .setPriorMonthValue(priorMonth)
                .setMomPct(pct(value, priorMonth))
                .setYtdValue(ytd.covered() > 0 ? ytd.sum() : null)
                .setPriorYtdValue(priorYtd.covered() > 0 ? priorYtd.sum() : null)
                // Only like for like: a YTD YoY over windows that cover different months (January known this year,
                // missing a year earlier) would measure the gap in coverage, not trade.
                .setYtdYoyPct(ytd.covered() > 0 && ytd.months() == priorYtd.months() ? pct(ytd.sum(), priorYtd.sum()) : null)
                .setYtdPartial(!ytd.complete() || !priorYtd.complete())
                .setRolling3mValue(rollingValue)
                .setRolling3mPriorValue(rollingPrior)
                .setRolling3mYoyPct(pct(rollingValue, rollingPrior))
                .setDerivedFrom(q.getDerivedFrom())
                .setQuality(q.getQuality())
                .setMetricsQuality(FigureQualities.ofOrdinal(weakest))
                .build();
    }

    /** Percent change of {@code value} over {@code base}; null, never 0, when either is missing or the base is 0. */
    static Double pct(Long value, Long base) {
        return value != null && base != null && base != 0L ? (value - base) * 100.0 / base : null;
    }

    /**
     * Sum of a window of months {@code [from, to]} (period indexes): only periods lying fully inside it, with
     * a level in {@code currency}, count; a period straddling an edge (a combined Jan+Feb when the window
     * ends in January) leaves its months uncovered rather than being split. Each month is counted once: a period
     * overlapping one already counted (a single February next to the combined Jan+Feb that includes it, which
     * both stay in the history since they start in different months) is left out. Which one counts depends only
     * on the history (the earlier-starting one, in period order), never on arrival order.
     *
     * @param covered months covered by the summed periods
     * @param length  months in the window
     * @param months  which months of the window are covered: bit i for month {@code from + i} (a window is at
     *                most a year long), so two windows can be compared month by month
     * @param weakest the weakest {@link FigureQuality} (largest ordinal) among the summed periods; PUBLISHED's
     *                ordinal when none was summed
     */
    record WindowSum(long sum, int covered, int length, int months, int weakest) {
        boolean complete() {
            return covered == length;
        }
    }

    static WindowSum windowSum(SeriesHistory history, int from, int to, String currency) {
        // The months covered are bits of an int, and Java takes a shift count mod 32: a longer window would wrap and
        // count a month twice, silently. Today's windows are at most a year long; a new figure over a longer one
        // (a 3-year comparison, say) must change WindowSum first.
        if (to - from >= Integer.SIZE) {
            throw new IllegalArgumentException("window of " + (to - from + 1) + " months: WindowSum holds at most "
                    + Integer.SIZE + " (its months are bits of an int)");
        }
        List<Observation> obs = history.getObservations();
        int at = find(obs, from);
        int i = at >= 0 ? at : -at - 1;
        long sum = 0;
        int covered = 0;
        int months = 0;
        int weakest = 0;
        for (; i < obs.size(); i++) {
            Observation o = obs.get(i);
            int o0 = index(o);
            if (o0 > to) {
                break;
            }
            if (o0 + o.getMonths() - 1 <= to && o.getValue() != null && Objects.equals(o.getCurrency(), currency)) {
                int bits = ((1 << o.getMonths()) - 1) << (o0 - from);
                if ((months & bits) != 0) {
                    continue; // some of its months are counted already
                }
                sum = Math.addExact(sum, o.getValue());
                covered += o.getMonths();
                months |= bits;
                weakest = Math.max(weakest, o.getQuality().ordinal());
            }
        }
        return new WindowSum(sum, covered, to - from + 1, months, weakest);
    }

    /**
     * The year-earlier value of q with its lineage (for a sum of months: the newest part used, by publication time,
     * then revision) and the weakest {@link FigureQuality} ordinal among the figures used.
     */
    record Base(long value, String vintage, long publishedAt, int revision, int weakest) {
    }

    static Base base(SeriesHistory history, Observation q) {
        int base0 = index(q) - 12;
        Observation same = get(history, base0);
        if (same != null && same.getMonths() == q.getMonths()) {
            return usable(same, q) ? new Base(same.getValue(), same.getVintage(), same.getPublishedAt(), same.getRevision(),
                    same.getQuality().ordinal()) : null;
        }
        if (q.getMonths() == 1) {
            return null; // the base month is missing, or only known combined with another month: cannot split
        }
        // A multi-month period (GACC's Jan+Feb) whose base year reports single months: sum them if all known.
        long sum = 0;
        int weakest = 0;
        Observation newest = null;
        for (int m = 0; m < q.getMonths(); m++) {
            Observation part = get(history, base0 + m);
            if (part == null || part.getMonths() != 1 || !usable(part, q)) {
                return null;
            }
            sum = Math.addExact(sum, part.getValue());
            weakest = Math.max(weakest, part.getQuality().ordinal());
            // Newest as revisions are ordered: publication time, then revision. By publication time alone, a part
            // revised within its publication time (revision 1) lost to the other part of that release, and the
            // lineage named revision 0 for a base that had taken the revision.
            if (newest == null || part.getPublishedAt() > newest.getPublishedAt()
                    || (part.getPublishedAt() == newest.getPublishedAt() && part.getRevision() > newest.getRevision())) {
                newest = part;
            }
        }
        return new Base(sum, newest.getVintage(), newest.getPublishedAt(), newest.getRevision(), weakest);
    }

    /** A base is usable when it has a level in the same currency: currencies are never mixed silently. */
    private static boolean usable(Observation base, Observation q) {
        return base.getValue() != null && Objects.equals(base.getCurrency(), q.getCurrency());
    }
}
