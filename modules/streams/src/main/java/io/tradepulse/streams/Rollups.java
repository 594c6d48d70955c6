package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.RollupContribution;
import io.tradepulse.core.Economies;
import io.tradepulse.core.FigureQualities;
import io.tradepulse.core.RecordRules;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Roll-ups, free of Kafka: which parents a series feeds, what a child contributes, and the derived figure of a
 * parent period from the latest contribution of each of its children.
 *
 * <p>Two dimensions. Along the commodity dimension every series feeds its immediate parent HS level only
 * (HS10/HS8 -> HS6 -> HS4 -> HS2 -> TOTAL, same reporter/partner/flow); a parent feeds its own parent with its
 * winning figure, published or derived. So each level is summed from the level just below it and never from two
 * levels at once: no double counting when a source publishes several levels, and a published parent always
 * replaces the derived one (in the parent's series history, see {@link SeriesHistories#upsert}). The two national
 * levels both feed HS6 (no HS8 is derived), so within an HS6 cell an HS10 line whose 8-digit line is also in the
 * cell is left out: the HS8 figure already covers it. Along the
 * partner dimension every series whose partner is a single economy feeds the WLD series of the same (reporter,
 * flow, commodity). Aggregate partners ({@link TradeRecordValidator#AGGREGATES}: WLD itself, EUU) do not: EUU is
 * the sum of partners that also feed WLD on their own, so adding it would count the EU twice.
 *
 * <p>A WLD parent below TOTAL can be reached both ways (HS4/WLD = sum of the partners' HS4 = sum of HS6/WLD's
 * sub-codes); it is summed from its partners when it has any, else from its sub-codes, never from both.
 *
 * <p>A derived figure is only as complete as its children: a WLD total over the 40 partners a source covers is
 * not the world. {@code derivedFrom} (the number of children summed) travels with it to trade.changes.
 */
public final class Rollups {
    static final String COMMODITY_CHILD = "C:";
    static final String PARTNER_CHILD = "P:";
    public static final String WORLD = Economies.WORLD;
    private static final String TOTAL = "TOTAL";

    private Rollups() {
    }

    /** A parent series and the id under which the child contributes to it. */
    record Parent(SeriesKey series, String child) {
    }

    static List<Parent> parents(SeriesKey s, RollupConfig config) {
        List<Parent> parents = new ArrayList<>(2);
        if (config.commodity() && !s.getCommodity().equals(TOTAL)) {
            parents.add(new Parent(new SeriesKey(s.getReporter(), s.getPartner(), s.getFlow(),
                    parentCommodity(s.getCommodity())), COMMODITY_CHILD + s.getCommodity()));
        }
        // A series reported by WLD itself (world imports from CHN, as some sources publish) has no world series:
        // WLD -> WLD names one economy twice, the validator refuses it, and every emission of its cells was a dead letter.
        if (config.world() && !TradeRecordValidator.AGGREGATES.contains(s.getPartner()) && !WORLD.equals(s.getReporter())) {
            parents.add(new Parent(new SeriesKey(s.getReporter(), WORLD, s.getFlow(), s.getCommodity()),
                    PARTNER_CHILD + s.getPartner()));
        }
        return parents;
    }

    /** The next HS level up: national lines (8 or 10 digits) roll up into their HS6 subheading. */
    static String parentCommodity(String code) {
        return switch (code.length()) {
            case 10, 8 -> code.substring(0, 6);
            case 6 -> code.substring(0, 4);
            case 4 -> code.substring(0, 2);
            case 2 -> TOTAL;
            default -> throw new IllegalArgumentException("no parent HS level for " + code);
        };
    }

    /** The HS level of a valid commodity code (TOTAL, or 2, 4, 6, 8 or 10 digits): {@link RecordRules#level}. */
    static CommodityLevel level(String commodity) {
        return RecordRules.level(commodity);
    }

    /**
     * A string naming the series of a cell (all its periods share it): what the rollup-by-parent repartition
     * hashes and what RollupProcessor groups pending cells by.
     */
    static String seriesId(ChangeKey cell) {
        return cell.getReporter() + '|' + cell.getPartner() + '|' + cell.getFlow() + '|' + cell.getCommodity();
    }

    static SeriesKey series(ChangeKey cell) {
        return new SeriesKey(cell.getReporter(), cell.getPartner(), cell.getFlow(), cell.getCommodity());
    }

    static RollupContribution contribution(String child, Observation o) {
        return new RollupContribution(child, o.getMonths(), o.getValue(), o.getCurrency(), o.getSource(),
                o.getVintage(), o.getPublishedAt(), o.getDerivedFrom(), o.getQuality());
    }

    /**
     * Whether a child's new winning January {@code incoming} (replacing {@code previous}, null if none) changes what
     * the child tells its parents' February cell, given that the child has no February figure of its own: a combined
     * January+February (China customs' release) covers February too, so it is sent there as well
     * ({@link #februaryCover}), and a single January replacing a combined one takes that back.
     *
     * <p>Why: without it a parent February was summed from the children that report a single February only, the
     * children with a combined figure being in the January cell alone. That February was smaller than the parent's
     * whole February, and its YoY against a complete February a year earlier looked like a collapse (a YOY_MOVE or
     * PAYBACK that no trade behind it made). Now such a February has no value and its note names the child, as any
     * other cell whose children cover different months. A child's own February, whenever it arrives, replaces what
     * it told the cell before (one entry per child), and one that exists already means nothing is sent: the cell holds
     * the same whatever the order the child's figures arrive in.
     */
    static boolean changesFebruaryCover(Observation incoming, Observation previous) {
        return incoming.getMonth() == 1
                && (incoming.getMonths() == 2 || previous != null && previous.getMonths() == 2);
    }

    /** The February cell of the same parent series and year as {@code januaryCell}. */
    static ChangeKey februaryCell(ChangeKey januaryCell) {
        return ChangeKey.newBuilder(januaryCell).setMonth(2).build();
    }

    /**
     * What a child with no February figure of its own tells its parents' February cell, given its winning January
     * {@code january} (see {@link #changesFebruaryCover}). Two forms, told apart by {@code months}, neither of which a
     * published figure can take in a February cell (the only period of several months is a January+February starting
     * in January: {@link RecordRules#multiMonth}), so no field is added to the contribution's format:
     * <ul>
     *   <li>{@code months} 2 (the combined figure's own, with its lineage and no value): the child's February is
     *       inside its combined January+February; the cell's figure has no value ({@link #derive});</li>
     *   <li>{@code months} 0: it no longer is (a single January replaced the combined one); the child is left out of
     *       the cell, as if it had never contributed there.</li>
     * </ul>
     */
    static RollupContribution februaryCover(String child, Observation january) {
        return new RollupContribution(child, january.getMonths() == 2 ? 2 : 0, null, january.getCurrency(),
                january.getSource(), january.getVintage(), january.getPublishedAt(), january.getDerivedFrom(),
                january.getQuality());
    }

    /** A child's February that is inside its combined January+February ({@link #februaryCover}). */
    private static boolean isFebruaryInsideJanuary(ChangeKey parent, RollupContribution c) {
        return parent.getMonth() == 2 && c.getMonths() == 2;
    }

    /** Not a {@link #februaryCover} that took an earlier one back: a child left out of its cell. */
    private static boolean contributes(RollupContribution c) {
        return c.getMonths() > 0;
    }

    /**
     * The derived figure of a parent period, a pure function of the set of latest contributions (so the same
     * whatever their arrival order). Its value is the sum of the children's values when they all have one, in
     * one currency and over the same months; otherwise null, with the reason in {@code note}: currencies and
     * periods are never mixed silently, and a sum missing a child's value would understate the parent.
     * Lineage: publishedAt and vintage of the newest child figure; quality: the weakest of the children's (a sum is
     * no more solid than its least solid part).
     *
     * @param cell the latest contribution of each child of the cell, by {@link RollupContribution#getChild()}
     * @return null when no child contributes along the chosen dimension, or every child of the cell is one whose
     *     February is inside a combined January+February
     */
    static TradeRecord derive(ChangeKey parent, Map<String, RollupContribution> cell) {
        String dimension = parent.getPartner().equals(WORLD) && hasChild(cell, PARTNER_CHILD) ? PARTNER_CHILD : COMMODITY_CHILD;
        TreeMap<String, RollupContribution> children = new TreeMap<>(); // sorted: deterministic lineage ties
        boolean ownFigure = false;
        for (Map.Entry<String, RollupContribution> e : cell.entrySet()) {
            String k = e.getKey();
            RollupContribution v = e.getValue();
            if (isAggregatePartner(k) || !contributes(v)) {
                continue;
            }
            // Over every child, not only those summed: see below.
            ownFigure |= !isFebruaryInsideJanuary(parent, v);
            if (k.startsWith(dimension) && !isCoveredNationalLine(k, cell)) {
                children.put(k, v);
            }
        }
        if (children.isEmpty() || !ownFigure) {
            // No child, or only children whose February is inside a combined January+February (as every child of
            // China customs' series): no February to derive, as before the combined figures were sent here. Decided
            // over all the cell's children, not only those summed: a February inside a combined figure can take the
            // place of children already summed (an HS8 line's leaves out its HS10 lines; a partner's makes a WLD cell
            // sum partners, not sub-codes), and the figure already derived from them must then be replaced by one with
            // no value, not left as it was because nothing is sent. A child with a February of its own keeps it (its
            // figure never leaves its history), so once the cell has one it always derives a figure, in any order.
            return null;
        }
        RollupContribution first = children.firstEntry().getValue();
        RollupContribution newest = first;
        TreeSet<String> sources = new TreeSet<>();
        long sum = 0;
        String problem = null;
        int months = 1;
        FigureQuality quality = FigureQuality.PUBLISHED;
        for (RollupContribution c : children.values()) {
            sources.add(c.getSource());
            quality = FigureQualities.weaker(quality, c.getQuality());
            if (c.getPublishedAt() > newest.getPublishedAt()) {
                newest = c;
            }
            boolean insideJanuary = isFebruaryInsideJanuary(parent, c);
            if (!insideJanuary) {
                months = Math.max(months, c.getMonths());
            }
            if (problem != null) {
                continue;
            }
            if (insideJanuary) {
                problem = "child " + child(c) + " reports February only inside a combined January+February";
            } else if (c.getValue() == null) {
                problem = "child " + child(c) + " has no value";
            } else if (!c.getCurrency().equals(first.getCurrency())) {
                problem = "children in different currencies (" + first.getCurrency() + ", " + c.getCurrency() + ")";
            } else if (c.getMonths() != first.getMonths()) {
                problem = "children cover different months (" + first.getMonths() + ", " + c.getMonths() + ")";
            } else {
                sum = Math.addExact(sum, c.getValue());
            }
        }
        String what = dimension.equals(PARTNER_CHILD) ? "partners" : "sub-codes";
        return TradeRecord.newBuilder()
                .setReporter(parent.getReporter())
                .setPartner(parent.getPartner())
                .setFlow(parent.getFlow())
                .setCommodity(parent.getCommodity())
                .setCommodityLevel(level(parent.getCommodity()))
                .setYear(parent.getYear())
                .setMonth(parent.getMonth())
                .setMonths(months)
                .setValue(problem == null ? sum : null)
                .setCurrency(first.getCurrency())
                .setSource(String.join("+", sources))
                .setVintage(newest.getVintage())
                .setPublishedAt(Instant.ofEpochMilli(newest.getPublishedAt()))
                .setRevision(0)
                .setNote(problem == null ? "derived: sum of " + children.size() + " " + what
                        : "derived: no value, " + problem)
                .setDerivedFrom(children.size())
                .setQuality(quality)
                .build();
    }

    private static boolean hasChild(Map<String, RollupContribution> cell, String dimension) {
        for (Map.Entry<String, RollupContribution> e : cell.entrySet()) {
            if (e.getKey().startsWith(dimension) && contributes(e.getValue()) && !isAggregatePartner(e.getKey())) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@link #parents} no longer sends an aggregate partner's contribution, but a store written before it did may
     * still hold one (P:EUU): ignoring it here corrects such a cell the next time it is derived.
     */
    private static boolean isAggregatePartner(String child) {
        return child.startsWith(PARTNER_CHILD) && TradeRecordValidator.AGGREGATES.contains(child.substring(2));
    }

    /**
     * An HS10 sub-code whose HS8 line also contributes to the same HS6 cell (a source publishing both national
     * levels): the HS8 figure includes it, so summing both would count it twice.
     */
    private static boolean isCoveredNationalLine(String child, Map<String, RollupContribution> cell) {
        if (child.length() != COMMODITY_CHILD.length() + 10 || !child.startsWith(COMMODITY_CHILD)) {
            return false;
        }
        RollupContribution line = cell.get(child.substring(0, COMMODITY_CHILD.length() + 8));
        return line != null && contributes(line);
    }

    private static String child(RollupContribution c) {
        return c.getChild().substring(2);
    }
}
