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
 * id so that every lookup is deterministic, read under one version of the matching rules ({@link #rules}). Two
 * snapshots with the same events and the same rules are equal: the processor compares snapshots to know when it must
 * re-evaluate signals, so a task whose signals were computed under earlier rules re-evaluates them even when the
 * events are unchanged.
 */
final class TariffCalendar {
    /**
     * Matching rules up to the release of 2026-11-30: an event applies to the series of its literal imposer and target
     * only, so an event imposed by or on the EU ({@code EUU}) reaches only the series reported by or with EUU.
     * Kept, not deleted, because a task's saved calendar says which signals it published: comparing it under these
     * rules with the current calendar under the current ones tells which series an upgrade must re-evaluate.
     */
    static final int RULES_LITERAL = 1;
    /** Since 2026-11-30: an EU event also applies to each member state's series ({@link EuropeanUnion}). */
    static final int RULES_EU_MEMBERS = 2;
    /** The rules this release computes signals with. A change to who an event applies to adds a version. */
    static final int CURRENT_RULES = RULES_EU_MEMBERS;
    static final TariffCalendar EMPTY = new TariffCalendar(List.of());
    private static final Comparator<TariffEvent> ORDER = Comparator
            .comparing(TariffEvent::getEffective).thenComparing(TariffEvent::getId);

    private final List<TariffEvent> events;
    private final int rules;
    /**
     * The events that can match a series at all ({@link #canMatch}), by the (imposer, target) economies of the series
     * they apply to ({@link #byPair}: an EU event under the EU and each member state), in calendar order. Built once
     * per calendar so that {@link #matching}, run for every input, is two hash lookups and a scope check of the few
     * events of the series' pair, whatever the number of events and member states.
     */
    private final Map<String, Map<String, List<TariffEvent>>> matchable;

    /** The events under the current rules. */
    TariffCalendar(List<TariffEvent> events) {
        this(events, CURRENT_RULES);
    }

    /** The events under the given rules: the current ones, or those a saved calendar was applied under. */
    TariffCalendar(List<TariffEvent> events, int rules) {
        if (rules < RULES_LITERAL || rules > CURRENT_RULES) {
            // A calendar saved by a later release (rules this one does not know): its signals cannot be compared.
            throw new IllegalArgumentException("tariff matching rules " + rules + " unknown to this release (known: "
                    + RULES_LITERAL + " to " + CURRENT_RULES + ")");
        }
        List<TariffEvent> sorted = new ArrayList<>(events);
        sorted.sort(ORDER);
        this.events = List.copyOf(sorted);
        this.rules = rules;
        Map<String, Map<String, List<TariffEvent>>> index = new HashMap<>();
        byPair(this.events.stream().filter(TariffCalendar::canMatch).toList(), rules).forEach((pair, list) -> index
                .computeIfAbsent(pair.get(0), k -> new HashMap<>()).put(pair.get(1), List.copyOf(list)));
        this.matchable = index;
    }

    List<TariffEvent> events() {
        return events;
    }

    /** The matching rules version ({@link #RULES_LITERAL}, {@link #RULES_EU_MEMBERS}). */
    int rules() {
        return rules;
    }

    /**
     * The (reporter, partner, flow) groups of series whose {@link #matching} events may differ between two calendars,
     * as keys with an empty commodity: for every (imposer, target) pair whose events differ, imports of the imposer
     * from the target and exports of the target to the imposer, an EU imposer or target standing for the EU and each
     * member state ({@link #byPair}). No other series matches a different event list, so a calendar change need only
     * look at these. Each calendar is read under its own rules, so for the same events under {@link #RULES_LITERAL}
     * before and {@link #RULES_EU_MEMBERS} after these are the member states' groups of the EU events: the series an
     * upgrade from a release before the member states' rules must re-evaluate.
     */
    static Set<SeriesKey> affectedSeriesGroups(TariffCalendar before, TariffCalendar after) {
        Map<List<String>, List<TariffEvent>> was = byPair(before.events, before.rules);
        Map<List<String>, List<TariffEvent>> now = byPair(after.events, after.rules);
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
     * Under {@link #RULES_LITERAL} every event is listed under its own imposer and target only, as releases before
     * 2026-11-30 matched it.
     */
    private static Map<List<String>, List<TariffEvent>> byPair(List<TariffEvent> events, int rules) {
        Map<List<String>, List<TariffEvent>> out = new HashMap<>();
        for (TariffEvent e : events) { // in calendar order, so equal sets give equal lists
            for (String imposer : economiesOf(e.getImposer(), rules)) {
                for (String target : economiesOf(e.getTarget(), rules)) {
                    if (!imposer.equals(target)) {
                        out.computeIfAbsent(List.of(imposer, target), k -> new ArrayList<>()).add(e);
                    }
                }
            }
        }
        return out;
    }

    /** The economies an event's imposer or target stands for under the given rules. */
    private static Set<String> economiesOf(String code, int rules) {
        return rules == RULES_LITERAL ? Set.of(code) : EuropeanUnion.economiesOf(code);
    }

    /**
     * Events that apply to a series. Imports of reporter R from partner P are hit by duties R imposes on P;
     * exports of R to P by duties P imposes on R. HS scope: empty = all goods (with the scope ALL only:
     * {@link #canMatch}); otherwise the series' commodity must lie inside one of the prefixes (a TOTAL or a broader
     * chapter is NOT matched by a partial-scope event: a duty on HS27 says little about all goods, and would be
     * diluted in them). Re-exports and re-imports are not matched. An event imposed by or on the EU (EUU) applies
     * to the EU's series and to each member state's ({@link EuropeanUnion}); under {@link #RULES_LITERAL} to the EU's
     * only.
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
        return o instanceof TariffCalendar c && c.rules == rules && c.events.equals(events);
    }

    @Override
    public int hashCode() {
        return 31 * events.hashCode() + rules;
    }
}
