package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.avro.state.SeriesHistory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;

/**
 * A tariff event that appears while the processor is down. The stores survive the restart (as a changelog
 * restore gives them back); a new processor instance must find that its signals were computed without the
 * event and emit the difference for a series that receives no new data.
 */
class TariffCalendarRestartTest {
    private final SurvivingStores stores = new SurvivingStores();
    private final KeyValueStore<SeriesKey, SeriesHistory> histories = stores.histories;
    private final KeyValueStore<String, TariffEvent> tariffs = stores.tariffs;
    private final KeyValueStore<String, AppliedCalendar> applied = stores.applied;

    @Test
    void shouldSignalForSeriesWithoutNewDataWhenATariffEventArrivedWhileDown() {
        MockProcessorContext<SeriesKey, Emission> first = start();
        feedFrontLoadingInJune(first);
        punctuate(first); // the running processor saves the calendar its signals reflect (empty)
        assertThat(signals(first)).noneMatch(s -> s.getType().equals("FRONT_LOADING"));

        // Down: the August rise is published on tariff.events; the global store is restored with it.
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        MockProcessorContext<SeriesKey, Emission> second = start();
        assertThat(second.forwarded()).isEmpty();
        punctuate(second); // the first refresh after the restart, no new record for the series

        List<TradeSignal> emitted = signals(second);
        assertThat(emitted).anySatisfy(s -> {
            assertThat(s.getType()).isEqualTo("FRONT_LOADING");
            assertThat(s.getYear()).isEqualTo(2025);
            assertThat(s.getMonth()).isEqualTo(6);
            assertThat(s.getStatus()).isEqualTo(SignalStatus.ACTIVE);
            assertThat(s.getTariffEventId()).isEqualTo("us-cn-rise");
        });

        // Applied once: a further restart and refresh emit nothing again.
        MockProcessorContext<SeriesKey, Emission> third = start();
        punctuate(third);
        assertThat(third.forwarded()).isEmpty();

        // Removed while down: the signal is retracted.
        tariffs.delete(SignalsTest.AUGUST_RISE.getId());
        MockProcessorContext<SeriesKey, Emission> fourth = start();
        punctuate(fourth);
        assertThat(signals(fourth)).anySatisfy(s -> {
            assertThat(s.getType()).isEqualTo("FRONT_LOADING");
            assertThat(s.getStatus()).isEqualTo(SignalStatus.RETRACTED);
        });
    }

    @Test
    void shouldKeepAnAppliedEventWhoseUpdateTheRestoredGlobalStoreCannotDecode() {
        MockProcessorContext<SeriesKey, Emission> first = start();
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first); // the refresh applies (and saves) the calendar with the rise
        feedFrontLoadingInJune(first);
        assertThat(signals(first)).anySatisfy(s -> {
            assertThat(s.getType()).isEqualTo("FRONT_LOADING");
            assertThat(s.getStatus()).isEqualTo(SignalStatus.ACTIVE);
        });

        // A bad update of the event on tariff.events: the running instance skipped it (dead letter) and kept the
        // event as it was. A restart restores the global store from the topic's bytes, the bad update's included.
        rawTariffs().put(Bytes.wrap(SignalsTest.AUGUST_RISE.getId().getBytes(StandardCharsets.UTF_8)),
                "not avro".getBytes(StandardCharsets.UTF_8));
        MockProcessorContext<SeriesKey, Emission> second = start();
        punctuate(second);
        assertThat(signals(second)).as("nothing retracted: the event keeps its previous version").isEmpty();

        // Deleted later (a tombstone): it leaves the calendar as before, and its signal is retracted.
        rawTariffs().delete(Bytes.wrap(SignalsTest.AUGUST_RISE.getId().getBytes(StandardCharsets.UTF_8)));
        MockProcessorContext<SeriesKey, Emission> third = start();
        punctuate(third);
        assertThat(signals(third)).anySatisfy(s -> {
            assertThat(s.getType()).isEqualTo("FRONT_LOADING");
            assertThat(s.getStatus()).isEqualTo(SignalStatus.RETRACTED);
        });
    }

    /** The bytes under the tariff store, as a restore writes them: undecoded. */
    @SuppressWarnings("unchecked")
    private KeyValueStore<Bytes, byte[]> rawTariffs() {
        return (KeyValueStore<Bytes, byte[]>) ((WrappedStateStore<?, ?, ?>) tariffs).wrapped();
    }

    @Test
    void shouldApplyAnEventPublishedWhileDownWhenTheTaskStoppedBeforeItsFirstRefresh() {
        // A new task processes (and commits) figures and stops before its first calendar refresh ran.
        MockProcessorContext<SeriesKey, Emission> first = start();
        feedFrontLoadingInJune(first);
        assertThat(signals(first)).noneMatch(s -> s.getType().equals("FRONT_LOADING"));

        // Down: the August rise is published. The restarted task must know its signals were computed without it.
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        MockProcessorContext<SeriesKey, Emission> second = start();
        punctuate(second);
        assertThat(signals(second)).anySatisfy(s -> {
            assertThat(s.getType()).isEqualTo("FRONT_LOADING");
            assertThat(s.getStatus()).isEqualTo(SignalStatus.ACTIVE);
        });
    }

    @Test
    void shouldRepeatAPassInterruptedByARestartBeforeApplyingTheChangeMadeWhileDown() {
        // Three series of China's exports to the US, in store key order: HS 01 (front-loading in June 2025 ahead of
        // the August rise), HS 02 and HS 03. One series per pass step.
        SeriesKey live = new SeriesKey("CHN", "USA", Flow.EXPORT, "01");
        MockProcessorContext<SeriesKey, Emission> first = start(SignalConfig.DEFAULTS.withRefreshBatchSeries(1));
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        punctuate(first);
        for (int m = 1; m <= 12; m++) {
            feed(live, hs2(figure(2024, m, 100L, "2024-%02d-20".formatted(m == 12 ? 12 : m + 1))));
        }
        for (int m = 1; m <= 5; m++) {
            feed(live, hs2(figure(2025, m, 100L, "2025-%02d-20".formatted(m + 1))));
        }
        feed(live, hs2(figure(2025, 6, 125L, "2025-07-14")));
        feed(new SeriesKey("CHN", "USA", Flow.EXPORT, "02"), hs2(figure(2025, 1, 100L, "2025-02-20")));
        feed(new SeriesKey("CHN", "USA", Flow.EXPORT, "03"), hs2(figure(2025, 1, 100L, "2025-02-20")));
        assertThat(frontLoadingInJune(first)).extracting(TradeSignal::getStatus).containsExactly(SignalStatus.ACTIVE);

        // The rise is withdrawn; the pass retracts HS 01's signal and does HS 02, then the processor stops.
        tariffs.delete(SignalsTest.AUGUST_RISE.getId());
        punctuate(first);
        assertThat(frontLoadingInJune(first)).extracting(TradeSignal::getStatus)
                .containsExactly(SignalStatus.ACTIVE, SignalStatus.RETRACTED);
        assertThat(applied.get(TopologyFixture.TARGET)).as("HS 03 still to do").isNotNull();

        // While down, the rise is published again. HS 01 shows the withdrawn calendar, HS 03 the first one: the
        // restarted task must finish the pass and then apply the rise again, not compare the first calendar with
        // the current one (they are equal, and HS 01 would keep its retraction).
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
        MockProcessorContext<SeriesKey, Emission> second = start(SignalConfig.DEFAULTS.withRefreshBatchSeries(1));
        for (int i = 0; i < 10; i++) {
            punctuate(second);
        }

        List<TradeSignal> after = frontLoadingInJune(second);
        assertThat(after).isNotEmpty();
        assertThat(after.get(after.size() - 1).getStatus()).isEqualTo(SignalStatus.ACTIVE);
        assertThat(applied.get(TopologyFixture.TARGET)).isNull();
        assertThat(applied.get(TopologyFixture.APPLIED).getEvents()).containsExactly(SignalsTest.AUGUST_RISE);
    }

    /**
     * Keys under which releases before the member states' matching rules (2026-11-30) saved the applied calendar and a
     * pass' target: written here literally, as those releases wrote them, not through the code under test.
     */
    private static final String OLD_RELEASE_APPLIED = "applied";
    private static final String OLD_RELEASE_TARGET = "target";
    private static final TariffEvent EU_ON_CHINA = SignalsTest.event("eu-cn-rise", "EUU", "CHN", List.of(), "2025-08-12",
            TariffEventKind.INCREASE);
    private static final SeriesKey GERMANY_FROM_CHINA = new SeriesKey("DEU", "CHN", Flow.IMPORT, "TOTAL");
    private static final SeriesKey EU_FROM_CHINA = new SeriesKey("EUU", "CHN", Flow.IMPORT, "TOTAL");

    /**
     * State as a release before the member states' rules left it: the EU's duty on China applied (saved under the old
     * key, through the same store and serde), and the histories of the EU's, Germany's imports from China and China's
     * exports to the US (under the US rise). That release gave the EU series its front-loading signal and Germany's
     * none: the EU event did not match DEU. The histories do not depend on the calendar; they are fed with none, so
     * that nothing here evaluates a member state under the EU event.
     */
    private void oldReleaseStateWithEuEventApplied() {
        start();
        feedFrontLoadingInJune(EU_FROM_CHINA);
        feedFrontLoadingInJune(GERMANY_FROM_CHINA);
        feedFrontLoadingInJune(CHN_USA);
        clearCalendarKeys();
        applied.put(OLD_RELEASE_APPLIED, new AppliedCalendar(List.of(EU_ON_CHINA, SignalsTest.AUGUST_RISE)));
        tariffs.put(EU_ON_CHINA.getId(), EU_ON_CHINA);
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);
    }

    @Test
    void shouldReevaluateMemberStateSeriesWhenCalendarWasSavedUnderOldRules() {
        oldReleaseStateWithEuEventApplied();

        // The upgrade: a restart with the same events on tariff.events, and no new figure for any series.
        MockProcessorContext<SeriesKey, Emission> upgraded = start();
        assertThat(upgraded.forwarded()).isEmpty();
        punctuate(upgraded);

        List<TradeSignal> emitted = signals(upgraded);
        assertThat(emitted).as("Germany's imports from China only: the EU's and the US' signals were already right")
                .allSatisfy(s -> assertThat(List.of(s.getReporter(), s.getPartner())).containsExactly("DEU", "CHN"))
                .anySatisfy(s -> {
                    assertThat(s.getType()).isEqualTo("FRONT_LOADING");
                    assertThat(s.getYear()).isEqualTo(2025);
                    assertThat(s.getMonth()).isEqualTo(6);
                    assertThat(s.getStatus()).isEqualTo(SignalStatus.ACTIVE);
                    assertThat(s.getTariffEventId()).isEqualTo(EU_ON_CHINA.getId());
                });
        assertThat(applied.get(OLD_RELEASE_APPLIED)).as("the old key is gone once the rules are applied").isNull();
        assertThat(applied.get(TopologyFixture.APPLIED).getEvents()).containsExactly(EU_ON_CHINA, SignalsTest.AUGUST_RISE);
        assertThat(applied.get(TopologyFixture.TARGET)).isNull();

        // Applied once: a further restart and refresh emit nothing.
        MockProcessorContext<SeriesKey, Emission> again = start();
        punctuate(again);
        assertThat(again.forwarded()).isEmpty();
    }

    @Test
    void shouldNotRunAPassWhenTheCalendarWasSavedUnderTheCurrentRules() {
        MockProcessorContext<SeriesKey, Emission> first = start();
        tariffs.put(EU_ON_CHINA.getId(), EU_ON_CHINA);
        punctuate(first);
        feedFrontLoadingInJune(GERMANY_FROM_CHINA);
        assertThat(signals(first)).anySatisfy(s -> {
            assertThat(s.getType()).isEqualTo("FRONT_LOADING");
            assertThat(s.getTariffEventId()).isEqualTo(EU_ON_CHINA.getId());
        });
        assertThat(applied.get(OLD_RELEASE_APPLIED)).as("a new task saves under the current rules").isNull();

        MockProcessorContext<SeriesKey, Emission> second = start();
        punctuate(second);
        punctuate(second);
        assertThat(second.forwarded()).isEmpty();
        assertThat(applied.get(TopologyFixture.APPLIED).getEvents()).containsExactly(EU_ON_CHINA);
    }

    @Test
    void shouldFinishAPassOfAnOldReleaseThenApplyTheCurrentRulesWhenRestartedMidPass() {
        // An old release had applied the EU duty on China under its rules (the EU series only) and was applying the
        // US rise on China when it stopped, before China's exports to the US: the calendar before the pass and the
        // pass' target, under the old keys.
        start();
        feedFrontLoadingInJune(EU_FROM_CHINA);
        feedFrontLoadingInJune(GERMANY_FROM_CHINA);
        feedFrontLoadingInJune(CHN_USA);
        clearCalendarKeys();
        applied.put(OLD_RELEASE_APPLIED, new AppliedCalendar(List.of(EU_ON_CHINA)));
        applied.put(OLD_RELEASE_TARGET, new AppliedCalendar(List.of(EU_ON_CHINA, SignalsTest.AUGUST_RISE)));
        tariffs.put(EU_ON_CHINA.getId(), EU_ON_CHINA);
        tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE);

        MockProcessorContext<SeriesKey, Emission> upgraded = start(SignalConfig.DEFAULTS.withRefreshBatchSeries(1));
        for (int i = 0; i < 10; i++) {
            punctuate(upgraded);
        }

        // The pass ends (China's exports to the US get the rise's signal), then the rules change reaches Germany.
        // Taken as a pass between the two calendars under the current rules, it concerned only China and the US,
        // and Germany never got the EU duty's signal it lacked under the old rules.
        assertThat(signals(upgraded)).filteredOn(s -> s.getType().equals("FRONT_LOADING"))
                .extracting(TradeSignal::getReporter, TradeSignal::getStatus, TradeSignal::getTariffEventId)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("CHN", SignalStatus.ACTIVE, SignalsTest.AUGUST_RISE.getId()),
                        org.assertj.core.groups.Tuple.tuple("DEU", SignalStatus.ACTIVE, EU_ON_CHINA.getId()));
        assertThat(applied.get(OLD_RELEASE_APPLIED)).isNull();
        assertThat(applied.get(OLD_RELEASE_TARGET)).isNull();
        assertThat(applied.get(TopologyFixture.TARGET)).isNull();
        assertThat(applied.get(TopologyFixture.APPLIED).getEvents()).containsExactly(EU_ON_CHINA, SignalsTest.AUGUST_RISE);
    }

    /** Removes whatever calendar the processor saved, to write one as an earlier release did. */
    private void clearCalendarKeys() {
        List<String> keys = new java.util.ArrayList<>();
        try (var all = applied.all()) {
            all.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(applied::delete);
    }

    private void feedFrontLoadingInJune(SeriesKey series) {
        SurvivingStores.frontLoadingInJune(series).forEach(r -> feed(series, r));
    }

    /** A flat 2024 and 2025 at 100 but June 2025 at 125: front-loading ahead of the August rise, once it is known. */
    private void feedFrontLoadingInJune(MockProcessorContext<SeriesKey, Emission> context) {
        for (int m = 1; m <= 12; m++) {
            feed(context, figure(2024, m, 100L, "2024-%02d-20".formatted(m == 12 ? 12 : m + 1)));
        }
        for (int m = 1; m <= 5; m++) {
            feed(context, figure(2025, m, 100L, "2025-%02d-20".formatted(m + 1)));
        }
        feed(context, figure(2025, 6, 125L, "2025-07-14"));
    }

    private static TradeRecord hs2(TradeRecord r) {
        return TradeRecord.newBuilder(r).setCommodity("01").setCommodityLevel(CommodityLevel.HS2).build();
    }

    private static List<TradeSignal> frontLoadingInJune(MockProcessorContext<SeriesKey, Emission> context) {
        return signals(context).stream().filter(s -> s.getType().equals("FRONT_LOADING") && s.getCommodity().equals("01")
                && s.getYear() == 2025 && s.getMonth() == 6).toList();
    }

    private void feed(SeriesKey series, TradeRecord r) {
        processor.process(new Record<>(series, TradeRecord.newBuilder(r).setCommodity(series.getCommodity()).build(), 0L));
    }

    /** A new processor instance over the surviving stores, as after a restart. */
    private MockProcessorContext<SeriesKey, Emission> start() {
        return start(SignalConfig.DEFAULTS);
    }

    private MockProcessorContext<SeriesKey, Emission> start(SignalConfig signalConfig) {
        MockProcessorContext<SeriesKey, Emission> context = stores.start(signalConfig);
        this.processor = stores.processor;
        return context;
    }

    private SeriesStateProcessor processor;

    private void feed(MockProcessorContext<SeriesKey, Emission> context, TradeRecord r) {
        processor.process(new Record<>(CHN_USA, r, 0L));
    }

    private static void punctuate(MockProcessorContext<SeriesKey, Emission> context) {
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(0L));
    }

    private static List<TradeSignal> signals(MockProcessorContext<SeriesKey, Emission> context) {
        return context.forwarded().stream().map(f -> f.record().value()).filter(Emission::isSignal)
                .map(Emission::signal).toList();
    }
}
