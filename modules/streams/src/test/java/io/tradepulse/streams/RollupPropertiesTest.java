package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Roll-ups under arrival order, duplicates and revisions, with both dimensions on: the derived cells end up
 * exactly as if only the final figures had been fed in order, and every derived TOTAL/WLD equals the plain sum
 * of the final HS6 figures (an oracle independent of the topology).
 */
class RollupPropertiesTest {
    private static final String[] CODES = {"851713", "851762", "852852", "847130", "720851"};
    private static final String[] PARTNERS = {"CHN", "MEX", "VNM"};

    @Property(tries = 25)
    void shouldDeriveTheSumOfTheFinalFiguresWhateverTheArrivalOrderRevisionsAndDuplicates(@ForAll long seed) {
        Random random = new Random(seed);
        List<TradeRecord> all = new ArrayList<>();
        Map<String, TradeRecord> finals = new HashMap<>();
        forSomeSeries(random, s -> {
            for (int month = 1; month <= 3; month++) {
                int revisions = 1 + random.nextInt(3);
                for (int r = 0; r < revisions; r++) {
                    TradeRecord rec = RollupsTest.hs(s, 2025, month, (long) random.nextInt(1_000_000),
                            "2025-0" + (month + 1 + r) + "-05");
                    all.add(rec);
                    finals.put(s.getPartner() + s.getCommodity() + month, rec); // later publication wins
                }
            }
        });
        Map<ChangeKey, TradeChange> outcome = runShuffledAsFinals(all, finals.values(), random);

        for (int month = 1; month <= 3; month++) {
            long sum = 0;
            for (TradeRecord r : finals.values()) {
                sum += r.getMonth() == month ? r.getValue() : 0;
            }
            SeriesKey world = new SeriesKey("USA", "WLD", Flow.IMPORT, "TOTAL");
            TradeChange total = outcome.get(TopologyFixture.cell(world, 2025, month));
            if (sum > 0 || total != null) {
                assertThat(total.getValue()).as("TOTAL/WLD 2025-%d", month).isEqualTo(sum);
                assertThat(total.getDerivedFrom()).isNotNull();
            }
        }
    }

    /**
     * What the property above leaves out: sources publishing several levels at once (a heading or a chapter next to
     * its subheadings, an HS8 line next to its HS10 lines), the world total published at some levels (Census'
     * CTY_CODE "-"), an aggregate partner (EUU), and parents derived while their children are still arriving (the
     * emission runs between inputs, so partial sums reach the parents and are replaced). The final figure of every
     * cell must equal an oracle computed from the final published figures alone: a published level as published,
     * else the sum of the level below (partners first for WLD; an HS10 line left out where its HS8 line is there).
     */
    @Property(tries = 15)
    void shouldDeriveEachUnpublishedLevelFromTheLevelBelowWhateverSourcesPublishAndWhenTheEmissionRuns(
            @ForAll long seed) {
        Random random = new Random(seed);
        String[] partners = {"CHN", "MEX", "EUU", Rollups.WORLD};
        Map<SeriesKey, Map<Integer, TradeRecord>> finals = new HashMap<>();
        List<TradeRecord> all = new ArrayList<>();
        for (String partner : partners) {
            for (String code : TREE) {
                // Leaves (national lines, and subheadings without lines) more often than the levels above them.
                boolean leaf = TREE.stream().noneMatch(c -> c.length() > code.length() && c.startsWith(code))
                        || code.length() == 8;
                if (random.nextInt(leaf ? 4 : 3) != 0) {
                    if (!leaf || random.nextInt(5) == 0) {
                        continue;
                    }
                }
                SeriesKey s = new SeriesKey("USA", partner, Flow.IMPORT, code);
                for (int month = 1; month <= 2; month++) {
                    int revisions = 1 + random.nextInt(2);
                    for (int r = 0; r < revisions; r++) {
                        TradeRecord rec = RollupsTest.hs(s, 2025, month, (long) random.nextInt(1_000),
                                "2025-0" + (month + 1 + r) + "-05");
                        all.add(rec);
                        finals.computeIfAbsent(s, k -> new HashMap<>()).put(month, rec); // later publication wins
                    }
                }
            }
        }
        Collections.shuffle(all, random);
        Map<ChangeKey, TradeChange> outcome;
        try (TopologyFixture f = new TopologyFixture(new RollupConfig(true, true))) {
            for (TradeRecord r : all) {
                f.pipe(r);
                if (random.nextInt(4) == 0) {
                    f.settle(); // parents derived from the children so far, corrected by the later ones
                }
            }
            outcome = f.table();
            assertThat(f.deadLetters.readValuesToList()).isEmpty();
        }
        for (String partner : partners) {
            for (String code : TREE) {
                SeriesKey s = new SeriesKey("USA", partner, Flow.IMPORT, code);
                for (int month = 1; month <= 2; month++) {
                    Long expected = oracle(finals, s, month);
                    TradeChange got = outcome.get(TopologyFixture.cell(s, 2025, month));
                    assertThat(got == null ? null : got.getValue()).as("%s 2025-%d", s, month).isEqualTo(expected);
                    if (got != null) {
                        boolean published = finals.containsKey(s) && finals.get(s).containsKey(month);
                        assertThat(got.getDerivedFrom() == null).as("%s published", s).isEqualTo(published);
                    }
                }
            }
        }
    }

    /** Two chapters down to national lines: 85171300 has HS10 lines of its own, 85176200 only HS10 lines. */
    private static final List<String> TREE = List.of("TOTAL", "85", "8517", "851713", "85171300", "8517130010",
            "8517130020", "851762", "8517620010", "84", "8471", "847130");

    /** The figure of a cell from the final published figures alone: null when it has none. */
    private static Long oracle(Map<SeriesKey, Map<Integer, TradeRecord>> finals, SeriesKey s, int month) {
        TradeRecord published = finals.getOrDefault(s, Map.of()).get(month);
        if (published != null) {
            return published.getValue();
        }
        if (s.getPartner().equals(Rollups.WORLD)) {
            Long fromPartners = null;
            for (String partner : new String[] {"CHN", "MEX"}) { // EUU is an aggregate: never in a world total
                fromPartners = plus(fromPartners,
                        oracle(finals, new SeriesKey(s.getReporter(), partner, s.getFlow(), s.getCommodity()), month));
            }
            if (fromPartners != null) {
                return fromPartners;
            }
        }
        Long sum = null;
        for (String child : TREE) {
            boolean national = child.length() > 6;
            if (s.getCommodity().length() == 6 ? national && child.startsWith(s.getCommodity())
                    : !national && !child.equals("TOTAL") && Rollups.parentCommodity(child).equals(s.getCommodity())) {
                SeriesKey c = new SeriesKey(s.getReporter(), s.getPartner(), s.getFlow(), child);
                Long value = oracle(finals, c, month);
                boolean covered = child.length() == 10 && value != null && oracle(finals,
                        new SeriesKey(s.getReporter(), s.getPartner(), s.getFlow(), child.substring(0, 8)), month) != null;
                sum = covered ? sum : plus(sum, value);
            }
        }
        return sum;
    }

    private static Long plus(Long a, Long b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return a + b;
    }

    /**
     * Children that mix China customs' combined January+February with single months, and releases that switch a child
     * from one convention to the other: a child whose February is inside its combined figure is sent to the parents'
     * February cell too, and taken back when a single January replaces it (Rollups.changesFebruaryCover). The cells
     * must end up as if only the final figures had been fed, and the world total's February must have a value
     * exactly when no child's February is inside a combined figure: the plain sum of the single Februaries.
     */
    @Property(tries = 25)
    void shouldDeriveTheSameFebruaryWhateverOrderCombinedAndSingleMonthsArriveIn(@ForAll long seed) {
        Random random = new Random(seed);
        List<TradeRecord> all = new ArrayList<>();
        Map<String, TradeRecord> finals = new HashMap<>();
        forSomeSeries(random, s -> mixConventions(random, s, all, finals));
        Map<ChangeKey, TradeChange> outcome = runShuffledAsFinals(all, finals.values(), random);

        long februaries = 0;
        int singles = 0;
        boolean insideJanuary = false;
        for (Map.Entry<String, TradeRecord> e : finals.entrySet()) {
            TradeRecord r = e.getValue();
            if (r.getMonth() == 2) {
                februaries += r.getValue();
                singles++;
            } else if (r.getMonths() == 2 && !finals.containsKey(e.getKey().substring(0, e.getKey().length() - 1) + 2)) {
                insideJanuary = true;
            }
        }
        ChangeKey february = TopologyFixture.cell(new SeriesKey("USA", "WLD", Flow.IMPORT, "TOTAL"), 2025, 2);
        if (singles == 0) {
            assertThat(outcome).as("no single February anywhere").doesNotContainKey(february);
        } else {
            assertThat(outcome.get(february).getValue()).as("TOTAL/WLD 2025-02")
                    .isEqualTo(insideJanuary ? null : februaries);
        }
    }

    /**
     * The same over the levels a source may publish together (headings and chapters next to their subheadings, HS8
     * lines next to their HS10 lines), the world total published at some levels and an aggregate partner, where a
     * February inside a combined figure can take the place of children already summed (an HS8 line's leaves its HS10
     * lines out; a partner's makes a WLD cell sum partners).
     */
    @Property(tries = 40)
    void shouldDeriveTheSameFebruaryOverPublishedLevelsAndWorldTotalsWhateverTheOrder(@ForAll long seed) {
        Random random = new Random(seed);
        List<TradeRecord> all = new ArrayList<>();
        Map<String, TradeRecord> finals = new HashMap<>();
        for (String partner : new String[] {"CHN", "MEX", "EUU", Rollups.WORLD}) {
            for (String code : TREE) {
                // Leaves (national lines, and subheadings without lines) more often than the levels above them.
                boolean leaf = TREE.stream().noneMatch(c -> c.length() > code.length() && c.startsWith(code))
                        || code.length() == 8;
                if (leaf ? random.nextInt(5) != 0 : random.nextInt(3) == 0) {
                    mixConventions(random, new SeriesKey("USA", partner, Flow.IMPORT, code), all, finals);
                }
            }
        }
        if (!all.isEmpty()) {
            runShuffledAsFinals(all, finals.values(), random);
        }
    }

    /**
     * One to three releases of a series' January and February 2025, each later than the one before: a combined
     * Jan+Feb, or a single January and (two in three) a single February. {@code finals} keeps each slot's latest.
     */
    private static void mixConventions(Random random, SeriesKey s, List<TradeRecord> all, Map<String, TradeRecord> finals) {
        int releases = 1 + random.nextInt(3);
        for (int r = 0; r < releases; r++) {
            String published = "2025-0" + (3 + r) + "-07"; // each release later than the one before
            boolean combined = random.nextBoolean();
            TradeRecord january = TradeRecord.newBuilder(
                    RollupsTest.hs(s, 2025, 1, (long) random.nextInt(1_000_000), published))
                    .setMonths(combined ? 2 : 1).build();
            all.add(january);
            finals.put(s.getPartner() + s.getCommodity() + 1, january);
            if (!combined && random.nextInt(3) > 0) {
                TradeRecord february = RollupsTest.hs(s, 2025, 2, (long) random.nextInt(1_000_000), published);
                all.add(february);
                finals.put(s.getPartner() + s.getCommodity() + 2, february);
            }
        }
    }

    /** Calls {@code body} for three in four of the (partner, code) series: not every partner trades every code. */
    private static void forSomeSeries(Random random, Consumer<SeriesKey> body) {
        for (String partner : PARTNERS) {
            for (String code : CODES) {
                if (random.nextInt(4) != 0) {
                    body.accept(new SeriesKey("USA", partner, Flow.IMPORT, code));
                }
            }
        }
    }

    /**
     * Runs {@code all} shuffled, with ten of them duplicated, and asserts the cells end up as when only {@code finals}
     * are fed, in order; returns the shuffled run's cells.
     */
    private static Map<ChangeKey, TradeChange> runShuffledAsFinals(List<TradeRecord> all,
            Collection<TradeRecord> finals, Random random) {
        List<TradeRecord> shuffled = new ArrayList<>(all);
        for (int i = 0; i < 10; i++) {
            shuffled.add(all.get(random.nextInt(all.size())));
        }
        Collections.shuffle(shuffled, random);

        Map<ChangeKey, TradeChange> reference = run(new ArrayList<>(finals), null);
        Map<ChangeKey, TradeChange> outcome = run(shuffled, random);
        assertThat(outcome).isEqualTo(reference);
        return outcome;
    }

    /**
     * Feeds {@code records} with both roll-up dimensions on; with {@code random}, the roll-ups also run between inputs
     * (one in four), so parents are derived from the children so far and corrected by later ones.
     */
    private static Map<ChangeKey, TradeChange> run(List<TradeRecord> records, Random random) {
        try (TopologyFixture f = new TopologyFixture(new RollupConfig(true, true))) {
            for (TradeRecord r : records) {
                f.pipe(r);
                if (random != null && random.nextInt(4) == 0) {
                    f.settle();
                }
            }
            Map<ChangeKey, TradeChange> table = f.table();
            assertThat(f.deadLetters.readValuesToList()).isEmpty();
            return table;
        }
    }
}
