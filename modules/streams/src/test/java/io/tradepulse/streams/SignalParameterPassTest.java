package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.AppliedCalendar;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * A {@code tradepulse.signals.*} parameter changed between two runs of the processor. The stores survive the restart
 * (as a changelog restore gives them back), and a new processor instance with the new parameters must bring the
 * signals it published to them: retract those that no longer hold, publish the new ones, leave the others alone,
 * for series that receive no new data.
 *
 * <p>Three series of China's exports to the US, in store key order HS 01, HS 02, TOTAL: each a flat 2024 and 2025
 * at 100 except June 2025 at 125 (+25 % YoY, an excess of 25 % with no trend), front-loading ahead of the August
 * rise under the default 10 % threshold, and no YOY_MOVE under the default 30 %.
 */
class SignalParameterPassTest {
    private static final List<SeriesKey> SERIES = List.of(
            new SeriesKey("CHN", "USA", Flow.EXPORT, "01"),
            new SeriesKey("CHN", "USA", Flow.EXPORT, "02"),
            TopologyFixture.CHN_USA);
    private static final SeriesKey TOTAL = TopologyFixture.CHN_USA;

    private final SurvivingStores stores = new SurvivingStores();
    private final KeyValueStore<String, TariffEvent> tariffs = stores.tariffs;
    private final KeyValueStore<String, AppliedCalendar> applied = stores.applied;
    private SeriesStateProcessor processor;

    private static SignalConfig withThresholds(double frontLoadingPct, double yoyMovePct) {
        SignalConfig d = SignalConfig.DEFAULTS;
        return new SignalConfig(d.leadMonths(), d.paybackMonths(), d.trendMonths(), frontLoadingPct, d.paybackPct(),
                yoyMovePct, d.tariffRefresh(), 1);
    }

    @Test
    void shouldRetractFrontLoadingSignalWhenThresholdIsRaised() {
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS);
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first); // the refresh applies the rise
        feedFrontLoadingInJune(TOTAL);
        assertThat(june(first, TOTAL, "FRONT_LOADING")).extracting(TradeSignal::getStatus)
                .containsExactly(SignalStatus.ACTIVE);

        // Restarted with the threshold above June's 25 % excess, no new figure.
        MockProcessorContext<SeriesKey, Emission> second = start(withThresholds(30.0, 30.0));
        punctuateUntilNoPass(second);

        List<TradeSignal> emitted = signals(second);
        assertThat(emitted).hasSize(1);
        TradeSignal retracted = emitted.get(0);
        assertThat(retracted.getType()).isEqualTo("FRONT_LOADING");
        assertThat(retracted.getStatus()).isEqualTo(SignalStatus.RETRACTED);
        assertThat(retracted.getSummary()).startsWith("RETRACTED (" + Signals.RETRACTED_BY_PARAMETERS + "): ");

        // Applied once: a further restart with the same parameters emits nothing.
        MockProcessorContext<SeriesKey, Emission> third = start(withThresholds(30.0, 30.0));
        punctuateUntilNoPass(third);
        assertThat(third.forwarded()).isEmpty();
    }

    /** YOY_MOVE does not depend on the calendar: its threshold is applied with no tariff event at all. */
    @Test
    void shouldPublishYoyMoveWhenThresholdIsLowered() {
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS);
        punctuate(first);
        feedFrontLoadingInJune(TOTAL);
        assertThat(signals(first)).isEmpty();

        MockProcessorContext<SeriesKey, Emission> second = start(withThresholds(10.0, 20.0));
        punctuateUntilNoPass(second);

        List<TradeSignal> emitted = signals(second);
        assertThat(emitted).extracting(TradeSignal::getType, TradeSignal::getYear, TradeSignal::getMonth,
                TradeSignal::getStatus).containsExactly(org.assertj.core.groups.Tuple.tuple("YOY_MOVE", 2025, 6,
                SignalStatus.ACTIVE));
        assertThat(emitted.get(0).getYoyPct()).isEqualTo(25.0);
    }

    /** Only the signals whose content changed go out: a YOY_MOVE threshold leaves June's FRONT_LOADING as it was. */
    @Test
    void shouldNotRepublishUnchangedSignalsWhenAnotherTypesThresholdChanges() {
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS);
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first); // the refresh applies the rise
        feedFrontLoadingInJune(TOTAL);

        MockProcessorContext<SeriesKey, Emission> second = start(withThresholds(10.0, 20.0));
        punctuateUntilNoPass(second);

        assertThat(signals(second)).extracting(TradeSignal::getType).containsExactly("YOY_MOVE");
    }

    /**
     * Restarted in the middle of the pass (one series per step: HS 01 and 02 done, TOTAL not reached): the pass is
     * repeated from its start with the parameters it ran to, and ends; TOTAL's June signal is retracted.
     */
    @Test
    void shouldFinishParameterPassAfterRestartMidPass() {
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS);
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first); // the refresh applies the rise
        SERIES.forEach(this::feedFrontLoadingInJune);
        assertThat(signals(first)).filteredOn(s -> s.getType().equals("FRONT_LOADING")).hasSize(3);

        MockProcessorContext<SeriesKey, Emission> second = start(withThresholds(30.0, 30.0));
        punctuate(second); // the refresh starts the pass and takes a step; the step punctuation takes another
        assertThat(targetKeys()).as("the pass is in progress").hasSize(1);
        assertThat(signals(second)).extracting(TradeSignal::getCommodity).doesNotContain("TOTAL");

        // Down in the middle, restarted with the defaults again: the pass to 30 % is finished first.
        MockProcessorContext<SeriesKey, Emission> third = start(SignalConfig.DEFAULTS.withRefreshBatchSeries(1));
        for (int i = 0; i < 10 && !targetKeys().isEmpty(); i++) {
            punctuate(third);
        }
        assertThat(june(third, TOTAL, "FRONT_LOADING")).extracting(TradeSignal::getStatus)
                .contains(SignalStatus.RETRACTED);
        // Then the defaults, which the configuration asks for now, in a pass of their own: every June signal back.
        for (int i = 0; i < 20; i++) {
            punctuate(third);
        }
        assertThat(targetKeys()).isEmpty();
        assertThat(appliedParameterKeys()).containsExactly(SeriesStateProcessor.parametersKey(
                SeriesStateProcessor.APPLIED_PARAMETERS, SignalConfig.DEFAULTS));
        for (SeriesKey s : SERIES) {
            List<TradeSignal> june = june(third, s, "FRONT_LOADING");
            assertThat(june).as(s.getCommodity()).isNotEmpty();
            assertThat(june.get(june.size() - 1).getStatus()).as(s.getCommodity()).isEqualTo(SignalStatus.ACTIVE);
        }
    }

    /**
     * A figure of a series the pass has not reached: the series is brought to the new parameters first (June's
     * signal retracted), then the figure applied under them; the pass then moves past it without a second
     * retraction.
     */
    @Test
    void shouldRetractSignalOfSeriesNotYetReachedWhenItsFigureArrivesDuringParameterPass() {
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS);
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first); // the refresh applies the rise
        SERIES.forEach(this::feedFrontLoadingInJune);

        MockProcessorContext<SeriesKey, Emission> second = start(withThresholds(30.0, 30.0));
        punctuate(second);
        second.resetForwards();
        // July at 140: +40 % against a trend of +12.5 % (May and June), an excess of 24.4 %: front-loading under
        // 10 %, not under 30 %.
        feed(TOTAL, figure(TOTAL, 2025, 7, 1, 140L, "2025-08-14", 0));
        assertThat(june(second, TOTAL, "FRONT_LOADING")).extracting(TradeSignal::getStatus)
                .containsExactly(SignalStatus.RETRACTED);
        assertThat(signals(second)).noneMatch(s -> s.getMonth() == 7 && s.getType().equals("FRONT_LOADING"));

        second.resetForwards();
        punctuateUntilNoPass(second);
        assertThat(signals(second)).isEmpty();
    }

    /**
     * State from a release that recorded no parameters (an upgrade): the current ones are assumed, as that release
     * did (no pass, nothing emitted), and recorded, so that a later change is found.
     */
    @Test
    void shouldAssumeAndRecordTheCurrentParametersWhenNoneWereRecorded() {
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS);
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first); // the refresh applies the rise
        feedFrontLoadingInJune(TOTAL);
        List.copyOf(appliedParameterKeys()).forEach(applied::delete); // as the earlier release left it

        MockProcessorContext<SeriesKey, Emission> upgraded = start(withThresholds(30.0, 30.0));
        punctuateUntilNoPass(upgraded);
        assertThat(upgraded.forwarded()).isEmpty();
        assertThat(appliedParameterKeys()).containsExactly(SeriesStateProcessor.parametersKey(
                SeriesStateProcessor.APPLIED_PARAMETERS, withThresholds(30.0, 30.0)));

        MockProcessorContext<SeriesKey, Emission> changed = start(SignalConfig.DEFAULTS);
        punctuateUntilNoPass(changed);
        assertThat(june(changed, TOTAL, "FRONT_LOADING")).extracting(TradeSignal::getStatus)
                .containsExactly(SignalStatus.ACTIVE);
    }

    /**
     * Upgraded from a release that recorded no parameters, the task ran only a few 100 ms steps (idle: no figure, and
     * restarted before its first refresh) with the unchanged parameters; restarted with a raised threshold, it must
     * know its signals were published under the old ones. Before, nothing was recorded until a figure or the first
     * refresh, so the restart assumed the new ones and June's signal stayed ACTIVE for good.
     */
    @Test
    void shouldRetractSignalWhenAnUpgradedTaskIsRestartedWithOtherParametersBeforeItsFirstRefresh() {
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS);
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first); // the refresh applies the rise
        feedFrontLoadingInJune(TOTAL);
        List.copyOf(appliedParameterKeys()).forEach(applied::delete); // as the earlier release left it

        MockProcessorContext<SeriesKey, Emission> upgraded = start(SignalConfig.DEFAULTS);
        for (int i = 0; i < 5; i++) {
            punctuateSteps(upgraded);
        }
        assertThat(upgraded.forwarded()).isEmpty();

        MockProcessorContext<SeriesKey, Emission> changed = start(withThresholds(30.0, 30.0));
        punctuateUntilNoPass(changed);
        assertThat(june(changed, TOTAL, "FRONT_LOADING")).extracting(TradeSignal::getStatus)
                .containsExactly(SignalStatus.RETRACTED);
    }

    /**
     * Upgraded in the middle of a calendar pass of the earlier release (which recorded no parameters): the refresh
     * does nothing while the pass runs, so before, nothing was recorded for the whole pass (with no figure), and a
     * restart with a raised threshold in the meantime assumed the new one. The change (a tariff cut in December)
     * leaves June's signal as it was, so only the parameter change can retract it.
     */
    @Test
    void shouldRetractSignalWhenAnUpgradedTaskIsRestartedWithOtherParametersDuringTheCalendarPassItResumed() {
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS.withRefreshBatchSeries(1));
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first); // the refresh applies the rise
        SERIES.forEach(this::feedFrontLoadingInJune);
        tariffs.put("us-cn-cut", SignalsTest.event("us-cn-cut", "USA", "CHN", List.of(), "2025-12-01",
                io.tradepulse.avro.TariffEventKind.DECREASE));
        MockProcessorContext<SeriesKey, Emission> earlier = start(SignalConfig.DEFAULTS.withRefreshBatchSeries(1));
        punctuate(earlier); // the refresh starts the calendar pass: two of the three series per punctuate
        assertThat(applied.get(TopologyFixture.TARGET)).as("the calendar pass is in progress").isNotNull();
        List.copyOf(appliedParameterKeys()).forEach(applied::delete); // as the earlier release left it

        MockProcessorContext<SeriesKey, Emission> upgraded = start(SignalConfig.DEFAULTS.withRefreshBatchSeries(1));
        punctuate(upgraded);
        assertThat(applied.get(TopologyFixture.TARGET)).as("the resumed pass is still in progress").isNotNull();
        assertThat(june(upgraded, TOTAL, "FRONT_LOADING")).isEmpty();

        MockProcessorContext<SeriesKey, Emission> changed = start(withThresholds(30.0, 30.0));
        punctuateUntilNoPass(changed);
        assertThat(june(changed, TOTAL, "FRONT_LOADING")).extracting(TradeSignal::getStatus)
                .containsExactly(SignalStatus.RETRACTED);
    }

    private void feedFrontLoadingInJune(SeriesKey series) {
        SurvivingStores.frontLoadingInJune(series).forEach(r -> feed(series, r));
    }

    private void feed(SeriesKey series, TradeRecord r) {
        TradeRecord value = series.getCommodity().equals("TOTAL") ? r
                : TradeRecord.newBuilder(r).setCommodityLevel(CommodityLevel.HS2).build();
        processor.process(new Record<>(series, value, 0L));
    }

    private List<String> targetKeys() {
        return keys(SeriesStateProcessor.TARGET_PARAMETERS);
    }

    private List<String> appliedParameterKeys() {
        return keys(SeriesStateProcessor.APPLIED_PARAMETERS);
    }

    private List<String> keys(String prefix) {
        return stores.appliedKeys(prefix);
    }

    /** A new processor instance over the surviving stores, as after a restart. */
    private MockProcessorContext<SeriesKey, Emission> start(SignalConfig signalConfig) {
        MockProcessorContext<SeriesKey, Emission> context = stores.start(signalConfig);
        processor = stores.processor;
        return context;
    }

    /** Runs the refresh and the pass step punctuations once each. */
    private static void punctuate(MockProcessorContext<SeriesKey, Emission> context) {
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(0L));
    }

    /** Runs the pass step punctuation alone: the first {@value SeriesStateProcessor#PASS_STEP_MS} ms after a start. */
    private static void punctuateSteps(MockProcessorContext<SeriesKey, Emission> context) {
        context.scheduledPunctuators().stream()
                .filter(p -> p.getInterval().equals(java.time.Duration.ofMillis(SeriesStateProcessor.PASS_STEP_MS)))
                .forEach(p -> p.getPunctuator().punctuate(0L));
    }

    /** Punctuates until any pass has ended (a bounded number of times). */
    private void punctuateUntilNoPass(MockProcessorContext<SeriesKey, Emission> context) {
        for (int i = 0; i < 20; i++) {
            punctuate(context);
        }
        assertThat(targetKeys()).as("no parameter pass left in progress").isEmpty();
        assertThat(applied.get(TopologyFixture.TARGET)).as("no calendar pass left in progress").isNull();
    }

    private static List<TradeSignal> signals(MockProcessorContext<SeriesKey, Emission> context) {
        return context.forwarded().stream().map(f -> f.record().value()).filter(Emission::isSignal)
                .map(Emission::signal).toList();
    }

    private static List<TradeSignal> june(MockProcessorContext<SeriesKey, Emission> context, SeriesKey s, String type) {
        return signals(context).stream().filter(x -> x.getType().equals(type) && x.getCommodity().equals(s.getCommodity())
                && x.getYear() == 2025 && x.getMonth() == 6).toList();
    }
}
