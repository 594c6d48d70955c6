package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
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
 * {@link #REVISION_ORDER}, not by arrival), so the last output per (series, period) is the same whatever
 * the arrival order, duplicates or interleaving.
 */
public final class SeriesHistories {

    /**
     * Total order on figures of one period: newest publication, then highest revision; the rest only breaks
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
            .thenComparing(Observation::getReportedYoyPct, Comparator.nullsFirst(Comparator.naturalOrder()));

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
                .build();
    }

    /**
     * Outcome of an upsert.
     *
     * @param changed  false when the figure was a duplicate or an older revision than the one held
     * @param affected periods (as {@link #index}) whose outputs must be re-emitted, ascending
     */
    public record Upsert(boolean changed, List<Integer> affected) {
        static final Upsert UNCHANGED = new Upsert(false, List.of());
    }

    /**
     * Puts {@code incoming} into {@code history} (mutated in place, kept sorted by period) if it wins over
     * the figure held for its period, and lists the periods whose outputs depend on it: the period itself
     * and every period whose year-earlier base window overlaps the old or new window of this one.
     */
    public static Upsert upsert(SeriesHistory history, Observation incoming) {
        List<Observation> obs = history.getObservations();
        int at = find(obs, index(incoming));
        Observation previous = null;
        if (at >= 0) {
            previous = obs.get(at);
            if (REVISION_ORDER.compare(incoming, previous) <= 0) {
                return Upsert.UNCHANGED; // duplicate, or an older revision arriving late
            }
            obs.set(at, incoming);
        } else {
            obs.add(-at - 1, incoming);
        }
        int start = index(incoming);
        int span = Math.max(incoming.getMonths(), previous == null ? 1 : previous.getMonths());
        List<Integer> affected = new ArrayList<>();
        for (Observation q : obs) {
            int q0 = index(q);
            int base0 = q0 - 12;
            boolean self = q0 == start;
            boolean usesAsBase = base0 < start + span && start < base0 + q.getMonths();
            if (self || usesAsBase) {
                affected.add(q0);
            }
        }
        return new Upsert(true, affected);
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
        Double yoyPct = value != null && prior != null && prior != 0L
                ? (value - prior) * 100.0 / prior
                : null; // null, never 0: a missing or zero base says nothing about growth
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
                .build();
    }

    /** The year-earlier value of q with its lineage (for a sum of months: the newest publication used). */
    record Base(long value, String vintage, long publishedAt) {
    }

    static Base base(SeriesHistory history, Observation q) {
        int base0 = index(q) - 12;
        Observation same = get(history, base0);
        if (same != null && same.getMonths() == q.getMonths()) {
            return usable(same, q) ? new Base(same.getValue(), same.getVintage(), same.getPublishedAt()) : null;
        }
        if (q.getMonths() == 1) {
            return null; // the base month is missing, or only known combined with another month: cannot split
        }
        // A multi-month period (GACC's Jan+Feb) whose base year reports single months: sum them if all known.
        long sum = 0;
        Observation newest = null;
        for (int m = 0; m < q.getMonths(); m++) {
            Observation part = get(history, base0 + m);
            if (part == null || part.getMonths() != 1 || !usable(part, q)) {
                return null;
            }
            sum = Math.addExact(sum, part.getValue());
            if (newest == null || part.getPublishedAt() > newest.getPublishedAt()) {
                newest = part;
            }
        }
        return new Base(sum, newest.getVintage(), newest.getPublishedAt());
    }

    /** A base is usable when it has a level in the same currency: currencies are never mixed silently. */
    private static boolean usable(Observation base, Observation q) {
        return base.getValue() != null && Objects.equals(base.getCurrency(), q.getCurrency());
    }
}
