package io.tradepulse.streams;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable snapshot of the tariff events (the tariff.events GlobalKTable), sorted by effective date then
 * id so that every lookup is deterministic. Two snapshots with the same events are equal: the processor
 * compares snapshots to know when it must re-evaluate signals.
 */
final class TariffCalendar {
    static final TariffCalendar EMPTY = new TariffCalendar(List.of());
    private static final Comparator<TariffEvent> ORDER = Comparator
            .comparing(TariffEvent::getEffective).thenComparing(TariffEvent::getId);

    private final List<TariffEvent> events;

    TariffCalendar(List<TariffEvent> events) {
        List<TariffEvent> sorted = new ArrayList<>(events);
        sorted.sort(ORDER);
        this.events = List.copyOf(sorted);
    }

    List<TariffEvent> events() {
        return events;
    }

    /**
     * Events that apply to a series. Imports of reporter R from partner P are hit by duties R imposes on P;
     * exports of R to P by duties P imposes on R. HS scope: empty = all goods; otherwise the series' commodity
     * must lie inside one of the prefixes (a TOTAL or a broader chapter is NOT matched by a partial-scope
     * event: a duty on HS27 says little about all goods, and would be diluted in them). Re-exports and
     * re-imports are not matched.
     */
    List<TariffEvent> matching(SeriesKey series) {
        String imposer;
        String target;
        if (series.getFlow() == Flow.IMPORT) {
            imposer = series.getReporter();
            target = series.getPartner();
        } else if (series.getFlow() == Flow.EXPORT) {
            imposer = series.getPartner();
            target = series.getReporter();
        } else {
            return List.of();
        }
        List<TariffEvent> out = new ArrayList<>(2);
        for (TariffEvent e : events) {
            if (e.getImposer().equals(imposer) && e.getTarget().equals(target) && inScope(e, series.getCommodity())) {
                out.add(e);
            }
        }
        return out;
    }

    private static boolean inScope(TariffEvent e, String commodity) {
        if (e.getHsScope().isEmpty()) {
            return true;
        }
        for (String prefix : e.getHsScope()) {
            if (!commodity.equals("TOTAL") && commodity.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** An increase importers would front-load ahead of: INCREASE, SCHEDULED_EXPIRY, or OTHER with a higher rate after. */
    static boolean raisesDuty(TariffEvent e) {
        return e.getKind() == TariffEventKind.INCREASE || e.getKind() == TariffEventKind.SCHEDULED_EXPIRY
                || (e.getKind() == TariffEventKind.OTHER && e.getRateAfterPct() != null && e.getRateBeforePct() != null
                && e.getRateAfterPct() > e.getRateBeforePct());
    }

    static int effectiveIndex(TariffEvent e) {
        return SeriesHistories.index(e.getEffective().getYear(), e.getEffective().getMonthValue());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TariffCalendar c && c.events.equals(events);
    }

    @Override
    public int hashCode() {
        return events.hashCode();
    }
}
