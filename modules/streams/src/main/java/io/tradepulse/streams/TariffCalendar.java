package io.tradepulse.streams;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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
    /**
     * The events that can match a series at all ({@link #canMatch}), by the (imposer, target) economies of the series
     * they apply to ({@link #byPair}: an EU event under the EU and each member state), in calendar order. Built once
     * per calendar so that {@link #matching}, run for every input, is two hash lookups and a scope check of the few
     * events of the series' pair, whatever the number of events and member states.
     */
    private final Map<String, Map<String, List<TariffEvent>>> matchable;

    TariffCalendar(List<TariffEvent> events) {
        List<TariffEvent> sorted = new ArrayList<>(events);
        sorted.sort(ORDER);
        this.events = List.copyOf(sorted);
        Map<String, Map<String, List<TariffEvent>>> index = new HashMap<>();
        byPair(this.events.stream().filter(TariffCalendar::canMatch).toList()).forEach((pair, list) -> index
                .computeIfAbsent(pair.get(0), k -> new HashMap<>()).put(pair.get(1), List.copyOf(list)));
        this.matchable = index;
    }

    List<TariffEvent> events() {
        return events;
    }

    /**
     * The (reporter, partner, flow) groups of series whose {@link #matching} events may differ between two calendars,
     * as keys with an empty commodity: for every (imposer, target) pair whose events differ, imports of the imposer
     * from the target and exports of the target to the imposer, an EU imposer or target standing for the EU and each
     * member state ({@link #byPair}). No other series matches a different event list, so a calendar change need only
     * look at these.
     */
    static Set<SeriesKey> affectedSeriesGroups(TariffCalendar before, TariffCalendar after) {
        Map<List<String>, List<TariffEvent>> was = byPair(before.events);
        Map<List<String>, List<TariffEvent>> now = byPair(after.events);
        Set<List<String>> pairs = new TreeSet<>(Comparator.<List<String>, String>comparing(p -> p.get(0))
                .thenComparing(p -> p.get(1)));
        pairs.addAll(was.keySet());
        pairs.addAll(now.keySet());
        Set<SeriesKey> out = new LinkedHashSet<>();
        for (List<String> pair : pairs) {
            if (!was.getOrDefault(pair, List.of()).equals(now.getOrDefault(pair, List.of()))) {
                out.add(new SeriesKey(pair.get(0), pair.get(1), Flow.IMPORT, ""));
                out.add(new SeriesKey(pair.get(1), pair.get(0), Flow.EXPORT, ""));
            }
        }
        return out;
    }

    /**
     * The events by the (imposer, target) economies of the series they apply to. An event imposed by the EU is imposed
     * at every member state's border, and one on the EU hits every member state's goods (a customs union): it is
     * listed under the EU code and under each member state ({@link EuropeanUnion#economiesOf}), with the HS scope
     * unchanged. A pair of one economy with itself (an EU event on a member state) is no series and is left out.
     */
    private static Map<List<String>, List<TariffEvent>> byPair(List<TariffEvent> events) {
        Map<List<String>, List<TariffEvent>> out = new HashMap<>();
        for (TariffEvent e : events) { // in calendar order, so equal sets give equal lists
            for (String imposer : EuropeanUnion.economiesOf(e.getImposer())) {
                for (String target : EuropeanUnion.economiesOf(e.getTarget())) {
                    if (!imposer.equals(target)) {
                        out.computeIfAbsent(List.of(imposer, target), k -> new ArrayList<>()).add(e);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Events that apply to a series. Imports of reporter R from partner P are hit by duties R imposes on P;
     * exports of R to P by duties P imposes on R. HS scope: empty = all goods (with the scope ALL only:
     * {@link #canMatch}); otherwise the series' commodity must lie inside one of the prefixes (a TOTAL or a broader
     * chapter is NOT matched by a partial-scope event: a duty on HS27 says little about all goods, and would be
     * diluted in them). Re-exports and re-imports are not matched. An event imposed by or on the EU (EUU) applies
     * to the EU's series and to each member state's ({@link EuropeanUnion}).
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
        Map<String, List<TariffEvent>> byTarget = matchable.get(imposer);
        List<TariffEvent> candidates = byTarget == null ? null : byTarget.get(target);
        if (candidates == null) {
            return List.of();
        }
        // The candidates themselves (immutable) when all are in scope, the common case: no list per input.
        List<TariffEvent> out = null;
        for (int i = 0; i < candidates.size(); i++) {
            TariffEvent e = candidates.get(i);
            if (!inScope(e, series.getCommodity())) {
                if (out == null) {
                    out = new ArrayList<>(candidates.subList(0, i));
                }
            } else if (out != null) {
                out.add(e);
            }
        }
        return out == null ? candidates : out;
    }

    /** The published scope of an event on all goods. */
    static final String ALL_GOODS = "ALL";

    /**
     * No HS prefixes means all goods only when the published scope says ALL. A scope described in words ("US farm
     * goods 10-15%") also has no prefixes, but it is partial, and which series it concerns is unknown: it matches
     * none, rather than every commodity and the TOTAL (which would name it in signals of series it never touched).
     */
    private static boolean canMatch(TariffEvent e) {
        return !e.getHsScope().isEmpty() || ALL_GOODS.equalsIgnoreCase(e.getScope().trim());
    }

    /** Of an event that {@link #canMatch}: whether its HS scope covers the commodity. */
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
