package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.RollupCell;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** When roll-up cells emit: once quiet, oldest period first per parent, and nothing pending is lost on restart. */
class RollupProcessorTest {
    private static final RollupConfig CONFIG = new RollupConfig(true, false, Duration.ofSeconds(5));
    private static final ChangeKey MAY = new ChangeKey("USA", "CHN", Flow.IMPORT, "8517", 2025, 5);
    private static final ChangeKey JUNE = new ChangeKey("USA", "CHN", Flow.IMPORT, "8517", 2025, 6);
    private static final ChangeKey OTHER_PARENT = new ChangeKey("USA", "CHN", Flow.IMPORT, "8501", 2025, 4);
    private static final ChangeKey HS2_PARENT = new ChangeKey("USA", "CHN", Flow.IMPORT, "85", 2025, 4);

    private final StateSerdes serdes = StateSerdes.defaults();
    private final KeyValueStore<RollupChildKey, RollupContribution> children = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(TradeTopology.ROLLUP_CHILD_STORE), serdes.childKey(), serdes.contribution())
            .withLoggingDisabled().build();
    private final KeyValueStore<ChangeKey, RollupCell> legacyCells = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(TradeTopology.LEGACY_ROLLUP_CELL_STORE), serdes.cellKey(), serdes.rollupCell())
            .withLoggingDisabled().build();
    private final KeyValueStore<ChangeKey, byte[]> pending = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(TradeTopology.ROLLUP_PENDING_STORE), serdes.cellKey(), Serdes.ByteArray())
            .withLoggingDisabled().build();
    private MockProcessorContext<SeriesKey, TradeRecord> context;
    private RollupProcessor processor;

    @Test
    void shouldEmitOnceQuietOldestPeriodFirstAndWaitForAnEarlierPeriodStillChanging() {
        start(0);
        contribute(JUNE, "C:851713", 60L, 0);
        contribute(MAY, "C:851713", 50L, 0);
        contribute(MAY, "C:851762", 20L, 4_000); // May still changing at 4 s
        punctuate(5_000);
        assertThat(context.forwarded()).as("June is quiet but waits for May").isEmpty();
        punctuate(9_000);
        assertThat(emitted()).extracting(TradeRecord::getMonth, TradeRecord::getValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(5, 70L), org.assertj.core.groups.Tuple.tuple(6, 60L));
        assertThat(emitted()).allSatisfy(r -> assertThat(r.getDerivedFrom()).isNotNull());
        context.resetForwards();
        punctuate(20_000);
        assertThat(context.forwarded()).as("emitted once").isEmpty();
        contribute(MAY, "C:851762", 20L, 21_000); // replayed, unchanged
        punctuate(30_000);
        assertThat(context.forwarded()).isEmpty();
    }

    @Test
    void shouldEmitACellWhoseChildrenNeverStopChangingAfterTenIntervals() {
        start(0);
        for (long t = 0; t <= 50_000; t += 1_000) {
            contribute(MAY, "C:851713", 50L + t, t);
            punctuate(t);
        }
        assertThat(emitted()).hasSize(1);
    }

    @Test
    void shouldEmitWhatWasPendingBeforeARestart() {
        start(0);
        contribute(MAY, "C:851713", 50L, 0);
        start(1_000); // a new instance over the restored stores: nothing was emitted yet
        punctuate(6_000);
        assertThat(emitted()).extracting(TradeRecord::getValue).containsExactly(50L);
    }

    @Test
    void shouldWaitForAnUpstreamTaskStillSendingThatHasNotReachedTheCellsNewestContribution() {
        start(0);
        // Task 0 has read up to May's figures (ingest time 1,000); task 1 is behind (500) and still sending.
        contribute(MAY, "C:851713", 50L, 0, 0, 1_000);
        contribute(OTHER_PARENT, "C:850110", 1L, 4_000, 1, 500);
        punctuate(5_000);
        assertThat(context.forwarded()).as("May is quiet, but task 1 may still hold a child of it").isEmpty();
        contribute(MAY, "C:851762", 20L, 6_000, 1, 900);
        contribute(OTHER_PARENT, "C:850110", 2L, 9_000, 1, 1_200); // task 1 has now read past May's newest
        punctuate(11_000);
        assertThat(emitted()).extracting(TradeRecord::getMonth, TradeRecord::getValue, TradeRecord::getDerivedFrom)
                .contains(org.assertj.core.groups.Tuple.tuple(5, 70L, 2));
        assertThat(emitted()).filteredOn(r -> r.getCommodity().equals("8517")).hasSize(1);
    }

    @Test
    void shouldStopWaitingForAnUpstreamTaskOnceItHasBeenSilentForAnInterval() {
        start(0);
        contribute(MAY, "C:851713", 50L, 0, 0, 1_000);
        contribute(OTHER_PARENT, "C:850110", 1L, 0, 1, 500); // behind, then silent (caught up or idle)
        punctuate(4_999);
        assertThat(context.forwarded()).isEmpty();
        punctuate(5_000);
        assertThat(emitted()).extracting(TradeRecord::getCommodity).contains("8517");
    }

    @Test
    void shouldNotWaitForATaskBehindOnlyAtAnotherLevel() {
        start(0);
        // Task 1 is behind at HS2 (its parents are derived later, with their own clock), not at HS4.
        contribute(MAY, "C:851713", 50L, 0, 0, 1_000);
        contribute(HS2_PARENT, "C:8501", 1L, 4_000, 1, 500);
        punctuate(5_000);
        assertThat(emitted()).extracting(TradeRecord::getCommodity).containsExactly("8517");
    }

    @Test
    void shouldWaitForALaggardPastTheUsualCapButNotForever() {
        start(0);
        contribute(MAY, "C:851713", 50L, 0, 0, 1_000);
        long cap = RollupProcessor.MAX_LAGGARD_WAIT_INTERVALS * 5_000L;
        for (long t = 0; t < cap; t += 1_000) {
            contribute(OTHER_PARENT, "C:850110", 1L, t, 1, 500); // task 1 keeps sending but never gets further
            punctuate(t);
        }
        assertThat(emitted()).extracting(TradeRecord::getCommodity).as("past ten intervals, May still waits")
                .doesNotContain("8517");
        punctuate(cap);
        assertThat(emitted()).extracting(TradeRecord::getCommodity).contains("8517");
    }

    @Test
    void shouldSumOnlyTheCellsOwnChildrenWhenOtherCellsKeysAreAlike() {
        // Cells whose fields are prefixes of each other's ("US"/"USA", "85"/"8517", month 1/12): a child key
        // that only started with another cell's bytes would be summed into it.
        ChangeKey us = new ChangeKey("USA", "US", Flow.IMPORT, "85", 2025, 1);
        ChangeKey usa = new ChangeKey("USA", "USA", Flow.IMPORT, "85", 2025, 1);
        ChangeKey longerCode = new ChangeKey("USA", "US", Flow.IMPORT, "8517", 2025, 1);
        ChangeKey december = new ChangeKey("USA", "US", Flow.IMPORT, "85", 2025, 12);
        start(0);
        contribute(us, "C:8501", 1L, 0);
        contribute(us, "C:8502", 2L, 0);
        contribute(usa, "C:8501", 10L, 0);
        contribute(longerCode, "C:851713", 100L, 0);
        contribute(december, "C:8501", 1_000L, 0);
        punctuate(5_000);
        assertThat(emitted()).extracting(TradeRecord::getPartner, TradeRecord::getCommodity, TradeRecord::getMonth,
                TradeRecord::getValue, TradeRecord::getDerivedFrom).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("US", "85", 1, 3L, 2),
                org.assertj.core.groups.Tuple.tuple("USA", "85", 1, 10L, 1),
                org.assertj.core.groups.Tuple.tuple("US", "8517", 1, 100L, 1),
                org.assertj.core.groups.Tuple.tuple("US", "85", 12, 1_000L, 1));
    }

    @Test
    void shouldKeepEveryChildOfACellWrittenByAnEarlierReleaseWhenOneChildIsRevised() {
        // An earlier release kept all children of a cell in one entry of rollup-contributions.
        legacyCells.init(MockContexts.context().getStateStoreContext(), legacyCells);
        legacyCells.put(MAY, new RollupCell(java.util.Map.of(
                "C:851713", contribution("C:851713", 50L), "C:851762", contribution("C:851762", 20L))));
        start(0);
        contribute(MAY, "C:851762", 25L, 0); // a revision after the upgrade
        punctuate(5_000);
        assertThat(emitted()).extracting(TradeRecord::getValue, TradeRecord::getDerivedFrom)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(75L, 2));
        assertThat(legacyCells.get(MAY)).as("moved, not copied").isNull();
        assertThat(children.get(new RollupChildKey(MAY, "C:851713"))).isEqualTo(contribution("C:851713", 50L));
    }

    @Test
    void shouldDeriveACellPendingBeforeTheUpgradeFromItsLegacyEntry() {
        legacyCells.init(MockContexts.context().getStateStoreContext(), legacyCells);
        legacyCells.put(JUNE, new RollupCell(java.util.Map.of("C:851713", contribution("C:851713", 60L))));
        pending.init(MockContexts.context().getStateStoreContext(), pending);
        pending.put(JUNE, java.nio.ByteBuffer.allocate(16).putLong(0).putLong(0).array()); // a 16-byte entry: older release
        start(1_000);
        punctuate(6_000);
        assertThat(emitted()).extracting(TradeRecord::getMonth, TradeRecord::getValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(6, 60L));
        assertThat(legacyCells.get(JUNE)).isNull();
    }

    @Test
    void shouldMoveOldCellsNobodyTouchesInTheBackgroundABoundedNumberPerPunctuationWithoutReEmittingThem() {
        legacyCells.init(MockContexts.context().getStateStoreContext(), legacyCells);
        int cells = 2 * RollupProcessor.LEGACY_CELLS_PER_PUNCTUATION + 500;
        for (int i = 0; i < cells; i++) {
            legacyCells.put(new ChangeKey("USA", "CHN", Flow.IMPORT, String.format("%04d", i), 2025, 5),
                    new RollupCell(java.util.Map.of("C:" + i, contribution("C:" + i, i))));
        }
        start(0);
        punctuate(5_000);
        assertThat(legacyCells.approximateNumEntries()).isEqualTo(cells - RollupProcessor.LEGACY_CELLS_PER_PUNCTUATION);
        assertThat(children.approximateNumEntries()).isEqualTo(RollupProcessor.LEGACY_CELLS_PER_PUNCTUATION);
        punctuate(10_000);
        punctuate(15_000);
        punctuate(20_000);
        assertThat(legacyCells.approximateNumEntries()).isZero();
        assertThat(children.approximateNumEntries()).isEqualTo(cells);
        assertThat(children.get(new RollupChildKey(new ChangeKey("USA", "CHN", Flow.IMPORT, "0042", 2025, 5), "C:42")))
                .isEqualTo(contribution("C:42", 42));
        assertThat(context.forwarded()).as("moving changes no cell's content: nothing to derive again").isEmpty();
    }

    private static RollupContribution contribution(String child, long value) {
        return new RollupContribution(child, 1, value, "USD", "CENSUS", "2025-07-03", 1_751_500_000_000L, null,
                FigureQuality.PUBLISHED);
    }

    @Test
    void shouldEmitALargeBacklogInStepsInTheSameOrder() {
        start(0, 2);
        ChangeKey july = new ChangeKey("USA", "CHN", Flow.IMPORT, "8517", 2025, 7);
        for (ChangeKey cell : List.of(july, JUNE, MAY, OTHER_PARENT, HS2_PARENT)) {
            contribute(cell, "C:" + cell.getCommodity() + "99", 10L, 0);
        }
        full(5_000); // the full punctuation: five cells ready, two emitted
        assertThat(emitted()).extracting(TradeRecord::getCommodity, TradeRecord::getMonth).containsExactly(
                org.assertj.core.groups.Tuple.tuple("85", 4), org.assertj.core.groups.Tuple.tuple("8501", 4));
        context.resetForwards();
        step(5_100);
        assertThat(emitted()).extracting(TradeRecord::getCommodity, TradeRecord::getMonth).containsExactly(
                org.assertj.core.groups.Tuple.tuple("8517", 5), org.assertj.core.groups.Tuple.tuple("8517", 6));
        context.resetForwards();
        step(5_200);
        assertThat(emitted()).extracting(TradeRecord::getMonth).containsExactly(7);
        context.resetForwards();
        step(5_300);
        full(10_000);
        assertThat(context.forwarded()).as("each cell once").isEmpty();
        assertThat(pending.approximateNumEntries()).isZero();
    }

    @Test
    void shouldLeaveAWaitingCellThatChangesAgainAndItsLaterPeriodsToTheNextPunctuation() {
        start(0, 1);
        contribute(MAY, "C:851713", 50L, 0);
        contribute(JUNE, "C:851713", 60L, 0);
        contribute(OTHER_PARENT, "C:850110", 5L, 0);
        full(5_000); // 8501 emitted; 8517 May and June wait
        assertThat(emitted()).extracting(TradeRecord::getCommodity).containsExactly("8501");
        context.resetForwards();
        contribute(MAY, "C:851762", 20L, 5_050); // May changes while waiting
        step(5_100);
        assertThat(context.forwarded()).as("May changed: neither May nor June (oldest period first)").isEmpty();
        full(10_000); // changed at 5.05 s: not quiet for an interval yet
        assertThat(context.forwarded()).isEmpty();
        full(15_000);
        step(15_100);
        assertThat(emitted()).extracting(TradeRecord::getMonth, TradeRecord::getValue).containsExactly(
                org.assertj.core.groups.Tuple.tuple(5, 70L), org.assertj.core.groups.Tuple.tuple(6, 60L));
    }

    @Test
    void shouldExamineABoundedNumberOfCellsPerPunctuationAndResumeTheWalkWhereItStopped() {
        start(0, 1); // one cell emitted, ten examined per punctuation at most
        for (int c = 1; c <= 11; c++) { // eleven parents still changing, ahead of the quiet one in cell order
            contribute(new ChangeKey("USA", "CHN", Flow.IMPORT, String.format("85%02d", c), 2025, 4), "C:x", 1L, 4_000);
        }
        contribute(new ChangeKey("USA", "CHN", Flow.IMPORT, "8599", 2025, 4), "C:859910", 7L, 0);
        full(5_000);
        assertThat(context.forwarded()).as("ten cells examined, none ready").isEmpty();
        step(5_100);
        assertThat(emitted()).extracting(TradeRecord::getCommodity, TradeRecord::getValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("8599", 7L));
    }

    @Test
    void shouldHoldLaterPeriodsBackWhenAnEarlierPeriodChangesBehindTheWalk() {
        start(0, 1);
        ChangeKey july = new ChangeKey("USA", "CHN", Flow.IMPORT, "8517", 2025, 7);
        for (ChangeKey cell : List.of(MAY, JUNE, july)) {
            contribute(cell, "C:851713", 10L * cell.getMonth(), 0);
        }
        full(5_000);
        assertThat(emitted()).extracting(TradeRecord::getMonth).containsExactly(5);
        context.resetForwards();
        contribute(MAY, "C:851762", 1L, 5_050); // May revised after the walk passed it
        step(5_100);
        step(5_200);
        assertThat(context.forwarded()).as("June and July wait for May").isEmpty();
        full(10_000); // May changed at 5.05 s: not quiet yet
        assertThat(context.forwarded()).isEmpty();
        full(15_000);
        step(15_100);
        step(15_200);
        assertThat(emitted()).extracting(TradeRecord::getMonth, TradeRecord::getValue).containsExactly(
                org.assertj.core.groups.Tuple.tuple(5, 51L), org.assertj.core.groups.Tuple.tuple(6, 60L),
                org.assertj.core.groups.Tuple.tuple(7, 70L));
    }

    /**
     * A poisoned cell (its children's sum overflows a long) is skipped with one failure naming it, at the end of the
     * punctuation: the other cells, before and after it, are emitted, and later walks do not meet it again. Before,
     * the exception left the punctuation at the cell, which stayed pending: a dead letter at every walk, for ever.
     */
    @Test
    void shouldSkipACellThatCannotBeDerivedOnceAndGoOnWithTheOthers() {
        start(0);
        long half = Long.MAX_VALUE / 2 + 1;
        contribute(OTHER_PARENT, "C:850110", 1L, 0); // its parent (8501) sorts before May's (8517)
        contribute(MAY, "C:851713", half, 0);
        contribute(MAY, "C:851762", half, 0);
        contribute(JUNE, "C:851713", 60L, 0);

        List<PunctuationFailures.Item> skipped = punctuateSkipping(5_000);

        assertThat(skipped).extracting(PunctuationFailures.Item::origin)
                .containsExactly("rollup-cell:USA|CHN|IMPORT|8517/2025-05");
        assertThat(skipped.get(0).error()).isInstanceOf(ArithmeticException.class);
        assertThat(skipped.get(0).key()).isEqualTo(serdes.cellKey().serializer().serialize(null, MAY));
        assertThat(emitted()).extracting(TradeRecord::getCommodity, TradeRecord::getMonth).containsExactly(
                org.assertj.core.groups.Tuple.tuple("8501", 4), org.assertj.core.groups.Tuple.tuple("8517", 6));
        assertThat(pending.get(MAY)).as("no longer pending").isNull();
        context.resetForwards();
        for (long t = 5_100; t <= 60_000; t += RollupProcessor.STEP_MS) {
            assertThat(punctuateSkipping(t)).as("at %d ms", t).isEmpty();
        }
        assertThat(context.forwarded()).isEmpty();

        // Its children were kept: the next contribution makes it pending again, derived from all of them.
        contribute(MAY, "C:851762", 5L, 61_000);
        assertThat(punctuateSkipping(66_000)).isEmpty();
        assertThat(emitted()).extracting(TradeRecord::getMonth, TradeRecord::getValue, TradeRecord::getDerivedFrom)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(5, half + 5, 2));
    }

    private void start(long now) {
        start(now, RollupProcessor.MAX_EMIT_PER_STEP);
    }

    /** Runs every punctuation, as {@link #punctuate}, and returns the cells they skipped. */
    private List<PunctuationFailures.Item> punctuateSkipping(long now) {
        context.setCurrentSystemTimeMs(now);
        List<PunctuationFailures.Item> skipped = new java.util.ArrayList<>();
        for (var p : context.scheduledPunctuators()) {
            try {
                p.getPunctuator().punctuate(now);
            } catch (PunctuationFailures e) {
                skipped.addAll(e.items());
            }
        }
        return skipped;
    }

    /** Runs only the punctuation that decides which cells are ready (every emit interval) and emits the first. */
    private void full(long now) {
        only(CONFIG.emitInterval().toMillis(), now);
    }

    /** Runs only the punctuation that continues the cells found ready (every {@value RollupProcessor#STEP_MS} ms). */
    private void step(long now) {
        only(RollupProcessor.STEP_MS, now);
    }

    private void only(long intervalMs, long now) {
        context.setCurrentSystemTimeMs(now);
        context.scheduledPunctuators().stream().filter(p -> p.getInterval().toMillis() == intervalMs)
                .forEach(p -> p.getPunctuator().punctuate(now));
    }

    private void start(long now, int maxEmitPerStep) {
        context = MockContexts.context();
        context.setCurrentSystemTimeMs(now);
        for (KeyValueStore<?, ?> store : List.of(children, legacyCells, pending)) {
            if (!store.isOpen()) {
                store.init(context.getStateStoreContext(), store);
            }
            context.addStateStore(store);
        }
        processor = new RollupProcessor(TradeTopology.ROLLUP_CHILD_STORE, TradeTopology.LEGACY_ROLLUP_CELL_STORE,
                TradeTopology.ROLLUP_PENDING_STORE, CONFIG, serdes.cellKey().serializer(), maxEmitPerStep);
        processor.init(context);
    }

    private void contribute(ChangeKey cell, String child, long value, long now) {
        context.setCurrentSystemTimeMs(now);
        processor.process(new Record<>(cell, contribution(child, value), now));
    }

    /** A contribution from the series-state task of {@code upstream}, for a figure ingested at {@code ingested}. */
    private void contribute(ChangeKey cell, String child, long value, long now, int upstream, long ingested) {
        context.setCurrentSystemTimeMs(now);
        Record<ChangeKey, RollupContribution> record = new Record<>(cell, new RollupContribution(child, 1, value, "USD",
                "CENSUS", "2025-07-03", 1_751_500_000_000L, null, FigureQuality.PUBLISHED), ingested);
        record.headers().add(RollupProcessor.upstreamHeader(upstream));
        processor.process(record);
    }

    private void punctuate(long now) {
        context.setCurrentSystemTimeMs(now);
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(now));
    }

    private List<TradeRecord> emitted() {
        return context.forwarded().stream().map(f -> (TradeRecord) f.record().value()).toList();
    }
}
