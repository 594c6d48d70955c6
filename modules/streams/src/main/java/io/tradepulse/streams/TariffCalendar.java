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
    /** The events that can match a series at all ({@link #canMatch}): decided once, not at every input. */
    private final List<TariffEvent> matchable;

    TariffCalendar(List<TariffEvent> events) {
        List<TariffEvent> sorted = new ArrayList<>(events);
        sorted.sort(ORDER);
        this.events = List.copyOf(sorted);
        this.matchable = this.events.stream().filter(TariffCalendar::canMatch).toList();
    }

    List<TariffEvent> events() {
        return events;
    }

    /**
     * The (reporter, partner, flow) groups of series whose {@link #matching} events may differ between two calendars,
     * as keys with an empty commodity: for every (imposer, target) pair whose events differ, imports of the imposer
     * from the target and exports of the target to the imposer. No other series matches a different event list, so a
     * calendar change need only look at these.
     */
    static Set<SeriesKey> affectedSeriesGroups(TariffCalendar before, TariffCalendar after) {
        Map<List<String>, List<TariffEvent>> was = byPair(before);
        Map<List<String>, List<TariffEvent>> now = byPair(after);
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

    private static Map<List<String>, List<TariffEvent>> byPair(TariffCalendar calendar) {
        Map<List<String>, List<TariffEvent>> out = new HashMap<>();
        for (TariffEvent e : calendar.events) { // in calendar order, so equal sets give equal lists
            out.computeIfAbsent(List.of(e.getImposer(), e.getTarget()), k -> new ArrayList<>()).add(e);
        }
        return out;
    }

    /**
     * Events that apply to a series. Imports of reporter R from partner P are hit by duties R imposes on P;
     * exports of R to P by duties P imposes on R. HS scope: empty = all goods (with the scope ALL only:
     * {@link #canMatch}); otherwise the series' commodity must lie inside one of the prefixes (a TOTAL or a broader
     * chapter is NOT matched by a partial-scope event: a duty on HS27 says little about all goods, and would be
     * diluted in them). Re-exports and re-imports are not matched.
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
        for (TariffEvent e : matchable) {
            if (e.getImposer().equals(imposer) && e.getTarget().equals(target) && inScope(e, series.getCommodity())) {
                out.add(e);
            }
        }
        return out;
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
