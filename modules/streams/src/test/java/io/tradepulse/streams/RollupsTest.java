package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.cell;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.RollupContribution;
import io.tradepulse.core.SignalType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Roll-ups on the real topology: derived parent HS levels and WLD totals, and what must never happen to them. */
class RollupsTest {
    private static final SeriesKey PHONES_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "851713");
    private static final SeriesKey PARTS_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "851762");
    private static final SeriesKey HEADING_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "8517");
    private static final SeriesKey CHAPTER_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "85");
    private static final SeriesKey TOTAL_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");
    private static final SeriesKey PHONES_MEX = new SeriesKey("USA", "MEX", Flow.IMPORT, "851713");
    private static final SeriesKey PHONES_WLD = new SeriesKey("USA", "WLD", Flow.IMPORT, "851713");
    private static final SeriesKey HEADING_WLD = new SeriesKey("USA", "WLD", Flow.IMPORT, "8517");
    private static final SeriesKey TOTAL_WLD = new SeriesKey("USA", "WLD", Flow.IMPORT, "TOTAL");

    @Test
    void shouldDeriveEveryParentHsLevelFromTheSubCodesAndFlagIt() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(hs(PHONES_CHN, 2024, 5, 100L, "2024-07-03"));
            f.pipe(hs(PARTS_CHN, 2024, 5, 50L, "2024-07-03"));
            f.pipe(hs(PHONES_CHN, 2025, 5, 60L, "2025-07-03"));
            f.pipe(hs(PARTS_CHN, 2025, 5, 45L, "2025-07-03"));
            Map<ChangeKey, TradeChange> t = f.table();

            for (SeriesKey parent : new SeriesKey[] {HEADING_CHN, CHAPTER_CHN, TOTAL_CHN}) {
                TradeChange may = t.get(cell(parent, 2025, 5));
                assertThat(may).as(parent.getCommodity()).isNotNull();
                assertThat(may.getValue()).isEqualTo(105L);
                assertThat(may.getPriorYearValue()).isEqualTo(150L);
                assertThat(may.getYoyPct()).isCloseTo(-30.0, org.assertj.core.data.Offset.offset(1e-9));
                assertThat(may.getCommodityLevel()).isEqualTo(Rollups.level(parent.getCommodity()));
            }
            // derivedFrom counts the children of the level just below: 2 subheadings, then 1 heading, 1 chapter
            assertThat(t.get(cell(HEADING_CHN, 2025, 5)).getDerivedFrom()).isEqualTo(2);
            assertThat(t.get(cell(CHAPTER_CHN, 2025, 5)).getDerivedFrom()).isEqualTo(1);
            assertThat(t.get(cell(TOTAL_CHN, 2025, 5)).getDerivedFrom()).isEqualTo(1);
            assertThat(t.get(cell(PHONES_CHN, 2025, 5)).getDerivedFrom()).isNull(); // published
            assertThat(t.get(cell(HEADING_CHN, 2025, 5)).getVintage()).isEqualTo("2025-07-03"); // newest child's
            assertThat(t).doesNotContainKey(cell(PHONES_WLD, 2025, 5)); // world roll-ups are off by default
            assertThat(f.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldFlagSignalsOnDerivedFiguresWithTheirChildCount() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(hs(PHONES_CHN, 2024, 5, 100L, "2024-07-03"));
            f.pipe(hs(PARTS_CHN, 2024, 5, 100L, "2024-07-03"));
            f.pipe(hs(PHONES_CHN, 2025, 5, 50L, "2025-07-03")); // -50 % YoY
            f.pipe(hs(PARTS_CHN, 2025, 5, 40L, "2025-07-03")); // -60 % YoY: the heading is -55 %
            f.table();
            Map<SignalKey, TradeSignal> signals = f.signalTable();

            TradeSignal heading = signals.get(yoyMoveMay2025(HEADING_CHN));
            assertThat(heading).isNotNull();
            assertThat(heading.getYoyPct()).isCloseTo(-55.0, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(heading.getDerivedFrom()).isEqualTo(2);
            assertThat(signals.get(yoyMoveMay2025(TOTAL_CHN)).getDerivedFrom()).isEqualTo(1);
            assertThat(signals.get(yoyMoveMay2025(PHONES_CHN)).getDerivedFrom()).isNull();
        }
    }

    private static SignalKey yoyMoveMay2025(SeriesKey s) {
        return new SignalKey(s.getReporter(), s.getPartner(), s.getFlow(), s.getCommodity(), 2025, 5,
                SignalType.YOY_MOVE.name());
    }

    @Test
    void shouldReplaceAChildsShareWhenItIsRevisedNeverAddIt() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(hs(PHONES_CHN, 2025, 5, 60L, "2025-07-03"));
            f.pipe(hs(PARTS_CHN, 2025, 5, 45L, "2025-07-03"));
            f.pipe(hs(PHONES_CHN, 2025, 5, 70L, "2025-08-05")); // revision
            f.pipe(hs(PHONES_CHN, 2025, 5, 70L, "2025-08-05")); // duplicate
            f.pipe(hs(PHONES_CHN, 2025, 5, 10L, "2025-07-03")); // older revision arriving late
            Map<ChangeKey, TradeChange> t = f.table();
            assertThat(t.get(cell(HEADING_CHN, 2025, 5)).getValue()).isEqualTo(115L);
            assertThat(t.get(cell(TOTAL_CHN, 2025, 5)).getValue()).isEqualTo(115L);
            assertThat(t.get(cell(TOTAL_CHN, 2025, 5)).getVintage()).isEqualTo("2025-08-05");
        }
    }

    @Test
    void shouldKeepAPublishedParentLevelWhicheverArrivesFirst() {
        for (boolean parentFirst : new boolean[] {true, false}) {
            try (TopologyFixture f = new TopologyFixture()) {
                TradeRecord heading = hs(HEADING_CHN, 2025, 5, 130L, "2025-07-03"); // e.g. incl. codes not delivered
                if (parentFirst) {
                    f.pipe(heading);
                }
                f.pipe(hs(PHONES_CHN, 2025, 5, 60L, "2025-07-03"));
                f.pipe(hs(PARTS_CHN, 2025, 5, 45L, "2025-07-03"));
                if (!parentFirst) {
                    f.pipe(heading);
                }
                Map<ChangeKey, TradeChange> t = f.table();
                TradeChange h = t.get(cell(HEADING_CHN, 2025, 5));
                assertThat(h.getValue()).as("parent first: " + parentFirst).isEqualTo(130L);
                assertThat(h.getDerivedFrom()).isNull();
                // the chapter sums the heading as published, not the heading plus its subheadings
                assertThat(t.get(cell(CHAPTER_CHN, 2025, 5)).getValue()).isEqualTo(130L);
                assertThat(t.get(cell(TOTAL_CHN, 2025, 5)).getValue()).isEqualTo(130L);
            }
        }
    }

    @Test
    void shouldCountAnHs10LineOnceWhenTheSourceAlsoPublishesItsHs8Line() {
        // A source publishing both national levels: 85171300 (HS8) = 85171300 10 + 85171300 20; 85176200 only at HS10.
        SeriesKey line = new SeriesKey("USA", "CHN", Flow.IMPORT, "85171300");
        SeriesKey suffix10 = new SeriesKey("USA", "CHN", Flow.IMPORT, "8517130010");
        SeriesKey suffix20 = new SeriesKey("USA", "CHN", Flow.IMPORT, "8517130020");
        SeriesKey partsOnly10 = new SeriesKey("USA", "CHN", Flow.IMPORT, "8517620010");
        for (boolean lineFirst : new boolean[] {true, false}) {
            try (TopologyFixture f = new TopologyFixture()) {
                if (lineFirst) {
                    f.pipe(hs(line, 2025, 5, 60L, "2025-07-03"));
                }
                f.pipe(hs(suffix10, 2025, 5, 40L, "2025-07-03"));
                f.pipe(hs(suffix20, 2025, 5, 20L, "2025-07-03"));
                f.pipe(hs(partsOnly10, 2025, 5, 45L, "2025-07-03"));
                if (!lineFirst) {
                    f.pipe(hs(line, 2025, 5, 60L, "2025-07-03"));
                }
                Map<ChangeKey, TradeChange> t = f.table();
                assertThat(t.get(cell(PHONES_CHN, 2025, 5)).getValue()).as("HS8 first: " + lineFirst).isEqualTo(60L);
                assertThat(t.get(cell(PHONES_CHN, 2025, 5)).getDerivedFrom()).isEqualTo(1); // the HS8 line
                assertThat(t.get(cell(PARTS_CHN, 2025, 5)).getValue()).isEqualTo(45L);
                assertThat(t.get(cell(HEADING_CHN, 2025, 5)).getValue()).isEqualTo(105L);
                assertThat(t.get(cell(TOTAL_CHN, 2025, 5)).getValue()).isEqualTo(105L);
            }
        }
    }

    @Test
    void shouldKeepADerivedSumLargerThanTheLimitForOneSeries() {
        // Each child is under the validator's 5e12 a month for one series; their sum is not, and is still a sum of
        // valid figures. Refused, it would leave the parent with its earlier derived figure (here: none at all).
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(hs(PHONES_CHN, 2025, 5, 3_000_000_000_000L, "2025-07-03"));
            f.pipe(hs(PARTS_CHN, 2025, 5, 2_500_000_000_000L, "2025-07-03"));
            assertThat(f.table().get(cell(HEADING_CHN, 2025, 5)).getValue()).isEqualTo(5_500_000_000_000L);
            assertThat(f.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldDeriveWorldTotalsFromThePartnersOnceWhenEnabled() {
        try (TopologyFixture f = new TopologyFixture(new RollupConfig(true, true))) {
            f.pipe(hs(PHONES_CHN, 2025, 5, 60L, "2025-07-03"));
            f.pipe(hs(PARTS_CHN, 2025, 5, 45L, "2025-07-03"));
            f.pipe(hs(PHONES_MEX, 2025, 5, 30L, "2025-07-03"));
            Map<ChangeKey, TradeChange> t = f.table();
            assertThat(t.get(cell(PHONES_WLD, 2025, 5)).getValue()).isEqualTo(90L);
            assertThat(t.get(cell(PHONES_WLD, 2025, 5)).getDerivedFrom()).isEqualTo(2); // CHN and MEX
            // 8517/WLD is reachable from its partners (8517/CHN 105 + 8517/MEX 30) and from its sub-codes
            // (851713/WLD 90 + 851762/WLD 45): summed once, from the partners
            assertThat(t.get(cell(HEADING_WLD, 2025, 5)).getValue()).isEqualTo(135L);
            assertThat(t.get(cell(HEADING_WLD, 2025, 5)).getDerivedFrom()).isEqualTo(2);
            assertThat(t.get(cell(TOTAL_WLD, 2025, 5)).getValue()).isEqualTo(135L);
        }
    }

    @Test
    void shouldLeaveAggregatePartnersOutOfWorldTotalsSoTheirMembersAreNotCountedTwice() {
        SeriesKey deu = new SeriesKey("USA", "DEU", Flow.IMPORT, "TOTAL");
        SeriesKey fra = new SeriesKey("USA", "FRA", Flow.IMPORT, "TOTAL");
        SeriesKey eu = new SeriesKey("USA", "EUU", Flow.IMPORT, "TOTAL");
        try (TopologyFixture f = new TopologyFixture(new RollupConfig(true, true))) {
            f.pipe(hs(deu, 2025, 5, 100L, "2025-07-03"));
            f.pipe(hs(fra, 2025, 5, 50L, "2025-07-03"));
            f.pipe(hs(eu, 2025, 5, 150L, "2025-07-03")); // the EU aggregate: DEU + FRA (+ the other members)
            Map<ChangeKey, TradeChange> t = f.table();
            assertThat(t.get(cell(TOTAL_WLD, 2025, 5)).getValue()).isEqualTo(150L);
            assertThat(t.get(cell(TOTAL_WLD, 2025, 5)).getDerivedFrom()).isEqualTo(2);
            assertThat(t.get(cell(eu, 2025, 5)).getValue()).isEqualTo(150L); // the aggregate itself is kept
        }
    }

    @Test
    void shouldNotSendAnAggregatePartnerToTheWorldSeries() {
        RollupConfig both = new RollupConfig(true, true);
        assertThat(Rollups.parents(new SeriesKey("USA", "EUU", Flow.IMPORT, "8517"), both))
                .extracting(p -> p.series().getPartner()).containsExactly("EUU"); // its HS parent only
        assertThat(Rollups.parents(new SeriesKey("USA", "DEU", Flow.IMPORT, "8517"), both))
                .extracting(p -> p.series().getPartner()).containsExactly("DEU", Rollups.WORLD);
    }

    @Test
    void shouldDeriveNoWorldSeriesForAWorldReporterWhosePartnerWouldBeItself() {
        SeriesKey worldFromChina = new SeriesKey(Rollups.WORLD, "CHN", Flow.IMPORT, "8517");
        assertThat(Rollups.parents(worldFromChina, new RollupConfig(true, true)))
                .extracting(p -> p.series().getPartner()).containsExactly("CHN"); // its HS parent only
        try (TopologyFixture f = new TopologyFixture(new RollupConfig(true, true))) {
            f.pipe(hs(worldFromChina, 2025, 5, 70L, "2025-07-03"));
            f.pipe(hs(worldFromChina, 2025, 6, 80L, "2025-08-03"));
            Map<ChangeKey, TradeChange> t = f.table();
            assertThat(t.get(cell(new SeriesKey(Rollups.WORLD, "CHN", Flow.IMPORT, "TOTAL"), 2025, 6)).getValue())
                    .isEqualTo(80L);
            // a WLD -> WLD figure is refused by validation: every emission of its cells was a dead letter
            assertThat(f.deadLetters.readValuesToList()).isEmpty();
        }
    }

    @Test
    void shouldIgnoreAnAggregatePartnerContributionAlreadyInTheStore() {
        ChangeKey world = cell(TOTAL_WLD, 2025, 5);
        Map<String, RollupContribution> children = Map.of(
                Rollups.PARTNER_CHILD + "DEU", contribution("DEU", 100L),
                Rollups.PARTNER_CHILD + "FRA", contribution("FRA", 50L),
                Rollups.PARTNER_CHILD + "EUU", contribution("EUU", 150L));
        TradeRecord derived = Rollups.derive(world, children);
        assertThat(derived.getValue()).isEqualTo(150L);
        assertThat(derived.getDerivedFrom()).isEqualTo(2);
    }

    private static RollupContribution contribution(String partner, long value) {
        TradeRecord r = hs(new SeriesKey("USA", partner, Flow.IMPORT, "TOTAL"), 2025, 5, value, "2025-07-03");
        return Rollups.contribution(Rollups.PARTNER_CHILD + partner, SeriesHistories.observation(r));
    }

    @Test
    void shouldNotSumChildrenInDifferentCurrencies() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(hs(PHONES_CHN, 2025, 5, 60L, "2025-07-03"));
            f.pipe(TradeRecord.newBuilder(hs(PARTS_CHN, 2025, 5, 45L, "2025-07-03")).setCurrency("EUR").build());
            TradeChange h = f.table().get(cell(HEADING_CHN, 2025, 5));
            assertThat(h.getValue()).isNull();
            assertThat(h.getDerivedFrom()).isEqualTo(2);
            assertThat(f.deadLetters.isEmpty()).isTrue();
        }
    }

    /**
     * A parent whose children mix the two conventions: phones report 2025 as China customs does (January and February
     * together), parts month by month. Summed from parts alone, the heading's February 2025 was 100 against 200 a year
     * earlier: -50 %, a YOY_MOVE on the heading, chapter and total that no trade behind it made.
     */
    @Test
    void shouldLeaveAParentFebruaryWithoutValueWhenAChildReportsItOnlyInsideACombinedJanuaryFebruary() {
        try (TopologyFixture f = new TopologyFixture()) {
            pipeMixedConventions(f);
            Map<ChangeKey, TradeChange> t = f.table();

            for (SeriesKey parent : new SeriesKey[] {HEADING_CHN, CHAPTER_CHN, TOTAL_CHN}) {
                TradeChange feb = t.get(cell(parent, 2025, 2));
                assertThat(feb).as(parent.getCommodity()).isNotNull();
                assertThat(feb.getValue()).as("not parts' February alone").isNull();
                assertThat(feb.getYoyPct()).isNull();
                assertThat(feb.getMonths()).isEqualTo(1);
                assertThat(t.get(cell(parent, 2025, 1)).getValue()).as("January: children cover different months").isNull();
                assertThat(t.get(cell(parent, 2024, 2)).getValue()).isEqualTo(200L);
            }
            assertThat(t.get(cell(HEADING_CHN, 2025, 2)).getDerivedFrom()).isEqualTo(2);
            assertThat(f.signalTable().values())
                    .noneMatch(s -> s.getYear() == 2025 && s.getStatus() == io.tradepulse.avro.SignalStatus.ACTIVE);
            assertThat(f.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldSumAParentFebruaryOnceTheChildReportsAFebruaryOfItsOwnWhicheverArrivesFirst() {
        for (boolean ownFebruaryFirst : new boolean[] {true, false}) {
            try (TopologyFixture f = new TopologyFixture()) {
                if (ownFebruaryFirst) {
                    f.pipe(hs(PHONES_CHN, 2025, 2, 95L, "2025-04-07"));
                }
                pipeMixedConventions(f);
                if (!ownFebruaryFirst) {
                    f.pipe(hs(PHONES_CHN, 2025, 2, 95L, "2025-04-07"));
                }
                TradeChange feb = f.table().get(cell(HEADING_CHN, 2025, 2));
                assertThat(feb.getValue()).as("own February first: " + ownFebruaryFirst).isEqualTo(195L);
                assertThat(feb.getDerivedFrom()).isEqualTo(2);
            }
        }
    }

    @Test
    void shouldSumAParentFebruaryAgainWhenASingleJanuaryReplacesTheCombinedOne() {
        try (TopologyFixture f = new TopologyFixture()) {
            pipeMixedConventions(f);
            assertThat(f.table().get(cell(HEADING_CHN, 2025, 2)).getValue()).isNull();
            f.pipe(hs(PHONES_CHN, 2025, 1, 105L, "2025-04-07")); // a later release gives January alone
            Map<ChangeKey, TradeChange> t = f.table();
            assertThat(t.get(cell(HEADING_CHN, 2025, 1)).getValue()).isEqualTo(205L);
            TradeChange feb = t.get(cell(HEADING_CHN, 2025, 2));
            assertThat(feb.getValue()).as("phones have no February now: a missing child, as any other").isEqualTo(100L);
            assertThat(feb.getDerivedFrom()).isEqualTo(1);
        }
    }

    @Test
    void shouldDeriveNoFebruaryWhenEveryChildReportsJanuaryAndFebruaryTogether() {
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(janFeb(PHONES_CHN, 2025, 210L, "2025-03-07"));
            f.pipe(janFeb(PARTS_CHN, 2025, 190L, "2025-03-07"));
            Map<ChangeKey, TradeChange> t = f.table();
            assertThat(t.get(cell(HEADING_CHN, 2025, 1)).getValue()).isEqualTo(400L);
            assertThat(t.get(cell(HEADING_CHN, 2025, 1)).getMonths()).isEqualTo(2);
            assertThat(t).doesNotContainKey(cell(HEADING_CHN, 2025, 2));
        }
    }

    /**
     * A February inside a combined figure can take the place of children already summed: an HS8 line's leaves its
     * HS10 lines out of the HS6 cell, and a partner's makes a WLD cell sum partners instead of sub-codes. The February
     * derived from them before it came (here 30, -88 % on a year earlier: a YOY_MOVE on every level up to TOTAL) must be
     * replaced by one with no value, as when it comes first.
     */
    @Test
    void shouldReplaceAFebruaryAlreadyDerivedWhenAFebruaryInsideACombinedFigureTakesThePlaceOfItsChildren() {
        SeriesKey line = new SeriesKey("USA", "CHN", Flow.IMPORT, "85171300");
        SeriesKey leaf = new SeriesKey("USA", "CHN", Flow.IMPORT, "8517130010");
        for (boolean combinedFirst : new boolean[] {true, false}) {
            try (TopologyFixture f = new TopologyFixture()) {
                f.pipe(hs(line, 2024, 1, 250L, "2024-03-07"));
                f.pipe(hs(line, 2024, 2, 250L, "2024-03-07"));
                if (combinedFirst) {
                    f.pipe(janFeb(line, 2025, 500L, "2025-03-07"));
                    f.settle();
                }
                f.pipe(hs(leaf, 2025, 1, 40L, "2025-03-07"));
                f.pipe(hs(leaf, 2025, 2, 30L, "2025-03-07"));
                f.settle(); // the HS10 line's February alone is derived (30) when it comes first
                if (!combinedFirst) {
                    f.pipe(janFeb(line, 2025, 500L, "2025-03-07"));
                }
                Map<ChangeKey, TradeChange> t = f.table();
                for (SeriesKey parent : new SeriesKey[] {PHONES_CHN, HEADING_CHN, TOTAL_CHN}) {
                    assertThat(t.get(cell(parent, 2025, 1)).getValue()).as("%s", parent).isEqualTo(500L);
                    assertThat(t.get(cell(parent, 2025, 2)).getValue()).as("%s, combined first: %s", parent,
                            combinedFirst).isNull();
                }
                assertThat(f.signalTable().values()).as("combined first: " + combinedFirst)
                        .noneMatch(x -> x.getYear() == 2025 && x.getStatus() == io.tradepulse.avro.SignalStatus.ACTIVE);
            }
        }
        SeriesKey chinaHeading = HEADING_CHN;
        for (boolean combinedFirst : new boolean[] {true, false}) {
            try (TopologyFixture f = new TopologyFixture(new RollupConfig(true, true))) {
                if (combinedFirst) {
                    f.pipe(janFeb(chinaHeading, 2025, 500L, "2025-03-07"));
                    f.settle();
                }
                f.pipe(hs(PHONES_WLD, 2025, 1, 700L, "2025-03-07")); // the world's subheading, as published
                f.pipe(hs(PHONES_WLD, 2025, 2, 600L, "2025-03-07"));
                f.settle(); // HS4/WLD February summed from its sub-code alone (600) when it comes first
                if (!combinedFirst) {
                    f.pipe(janFeb(chinaHeading, 2025, 500L, "2025-03-07"));
                }
                Map<ChangeKey, TradeChange> t = f.table();
                assertThat(t.get(cell(HEADING_WLD, 2025, 1)).getValue()).as("partners first").isEqualTo(500L);
                assertThat(t.get(cell(HEADING_WLD, 2025, 2)).getValue()).as("combined first: " + combinedFirst).isNull();
                assertThat(t.get(cell(TOTAL_WLD, 2025, 2)).getValue()).isNull();
            }
        }
    }

    @Test
    void shouldNameTheChildWhoseFebruaryIsInsideItsCombinedJanuaryFebruary() {
        ChangeKey february = cell(HEADING_CHN, 2025, 2);
        RollupContribution parts = Rollups.contribution("C:851762",
                SeriesHistories.observation(hs(PARTS_CHN, 2025, 2, 100L, "2025-03-07")));
        RollupContribution phones = Rollups.februaryCover("C:851713",
                SeriesHistories.observation(janFeb(PHONES_CHN, 2025, 210L, "2025-03-07")));
        TradeRecord derived = Rollups.derive(february, Map.of("C:851762", parts, "C:851713", phones));
        assertThat(derived.getValue()).isNull();
        assertThat(derived.getMonths()).isEqualTo(1);
        assertThat(derived.getNote()).isEqualTo(
                "derived: no value, child 851713 reports February only inside a combined January+February");
        RollupContribution takenBack = Rollups.februaryCover("C:851713",
                SeriesHistories.observation(hs(PHONES_CHN, 2025, 1, 105L, "2025-04-07")));
        assertThat(takenBack.getMonths()).isZero();
        TradeRecord summed = Rollups.derive(february, Map.of("C:851762", parts, "C:851713", takenBack));
        assertThat(summed.getValue()).isEqualTo(100L);
        assertThat(summed.getDerivedFrom()).isEqualTo(1);
        assertThat(Rollups.derive(february, Map.of("C:851713", phones))).as("only combined children").isNull();
    }

    /** 2024 month by month for both children; 2025: phones Jan+Feb together (210), parts month by month (100, 100). */
    private static void pipeMixedConventions(TopologyFixture f) {
        for (SeriesKey s : new SeriesKey[] {PHONES_CHN, PARTS_CHN}) {
            f.pipe(hs(s, 2024, 1, 100L, "2024-03-07"));
            f.pipe(hs(s, 2024, 2, 100L, "2024-03-07"));
        }
        f.pipe(janFeb(PHONES_CHN, 2025, 210L, "2025-03-07"));
        f.pipe(hs(PARTS_CHN, 2025, 1, 100L, "2025-03-07"));
        f.pipe(hs(PARTS_CHN, 2025, 2, 100L, "2025-03-07"));
    }

    private static TradeRecord janFeb(SeriesKey s, int year, long value, String published) {
        return TradeRecord.newBuilder(hs(s, year, 1, value, published)).setMonths(2).build();
    }

    @Test
    void shouldDeriveNothingWhenRollupsAreOff() {
        try (TopologyFixture f = new TopologyFixture(RollupConfig.NONE)) {
            f.pipe(hs(PHONES_CHN, 2025, 5, 60L, "2025-07-03"));
            f.pipe(hs(PHONES_MEX, 2025, 5, 30L, "2025-07-03"));
            assertThat(f.table()).containsOnlyKeys(cell(PHONES_CHN, 2025, 5), cell(PHONES_MEX, 2025, 5));
        }
    }

    static TradeRecord hs(SeriesKey s, int year, int month, Long value, String published) {
        return TradeRecord.newBuilder(TopologyFixture.figure(s, year, month, 1, value, published, 0))
                .setCommodityLevel(s.getCommodity().equals("TOTAL") ? CommodityLevel.TOTAL
                        : CommodityLevel.valueOf("HS" + s.getCommodity().length()))
                .build();
    }
}
