package io.tradepulse.streams;

import static io.tradepulse.streams.SignalsTest.AUGUST_RISE;
import static io.tradepulse.streams.SignalsTest.event;
import static io.tradepulse.streams.SignalsTest.key;
import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static io.tradepulse.streams.TopologyFixture.figure;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.avro.state.SeriesHistory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * A calendar change applied in steps (here one series per step): figures and further changes that arrive while the
 * pass is in progress. Three series of the group the change concerns (China's exports to the US: HS 01, HS 02 and
 * TOTAL, in that store key order), so one refresh (its own step, then the step punctuation) leaves TOTAL to do.
 */
class CalendarPassTest {
    private static final SeriesKey LIVE_ANIMALS = new SeriesKey("CHN", "USA", CHN_USA.getFlow(), "01");
    private static final SeriesKey MEAT = new SeriesKey("CHN", "USA", CHN_USA.getFlow(), "02");
    private static final SignalKey JUNE_FRONT_LOADING = key(CHN_USA, 2025, 6, "FRONT_LOADING");

    /** A flat 2024 and 2025 at 100 but June at 125: front-loading ahead of the August rise, while it exists. */
    private static TopologyFixture withFrontLoadingInJune() {
        TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS.withRefreshBatchSeries(1));
        f.tariff(AUGUST_RISE);
        for (SeriesKey other : List.of(LIVE_ANIMALS, MEAT)) {
            f.pipe(TradeRecord.newBuilder(figure(other, 2025, 1, 1, 100L, "2025-02-20", 0))
                    .setCommodityLevel(CommodityLevel.HS2).build());
        }
        for (int m = 1; m <= 12; m++) {
            f.pipe(figure(CHN_USA, 2024, m, 1, 100L, "2024-%02d-20".formatted(m == 12 ? 12 : m + 1), 0));
        }
        for (int m = 1; m <= 5; m++) {
            f.pipe(figure(CHN_USA, 2025, m, 1, 100L, "2025-%02d-20".formatted(m + 1), 0));
        }
        f.pipe(figure(CHN_USA, 2025, 6, 1, 125L, "2025-07-14", 0));
        assertThat(f.signalTable().get(JUNE_FRONT_LOADING).getStatus()).isEqualTo(SignalStatus.ACTIVE);
        assertThat(f.deadLetters.readRecordsToList()).isEmpty();
        return f;
    }

    /** Withdraws the rise and lets one refresh run: the pass stops before TOTAL. */
    private static void withdrawRiseAndStopBeforeTotal(TopologyFixture f) {
        f.tariffs.pipeInput(AUGUST_RISE.getId(), null);
        f.refreshCalendar();
        KeyValueStore<String, AppliedCalendar> applied = f.driver.getKeyValueStore(TradeTopology.APPLIED_CALENDAR_STORE);
        assertThat(applied.get(TopologyFixture.TARGET)).as("the pass is still in progress").isNotNull();
        assertThat(f.signalTable()).as("TOTAL not reached yet").doesNotContainKey(JUNE_FRONT_LOADING);
    }

    /** The records written since the last read: the June signal withdrawn (the compacted topic keeps this one). */
    private static void assertRetracted(Map<SignalKey, TradeSignal> written) {
        assertThat(written).as("a record for June's FRONT_LOADING").containsKey(JUNE_FRONT_LOADING);
        assertThat(written.get(JUNE_FRONT_LOADING).getStatus()).isEqualTo(SignalStatus.RETRACTED);
    }

    @Test
    void shouldRetractASignalOfASeriesNotYetReachedWhenItsFigureIsRevisedDuringThePass() {
        try (TopologyFixture f = withFrontLoadingInJune()) {
            withdrawRiseAndStopBeforeTotal(f);

            // June revised down: under the new calendar (no rise) June has no signal before or after the revision,
            // and under the old one it has none after it either; the series still shows the old calendar's signal.
            f.pipe(figure(CHN_USA, 2025, 6, 1, 101L, "2025-08-14", 1));
            f.refreshCalendarFully();

            assertRetracted(f.signalTable());
        }
    }

    @Test
    void shouldNotEvaluateASeriesAgainWhenThePassReachesItAfterItsFigureBroughtItToTheNewCalendar() {
        try (TopologyFixture f = withFrontLoadingInJune()) {
            withdrawRiseAndStopBeforeTotal(f);

            // July arrives before the pass reaches TOTAL: the series is brought to the new calendar (June's signal
            // retracted), then July is applied. Under the withdrawn calendar July would be front-loading too.
            f.pipe(figure(CHN_USA, 2025, 7, 1, 130L, "2025-08-14", 0));
            assertRetracted(f.signalTable());
            f.refreshCalendarFully();

            // Evaluated again, the withdrawn calendar's signals of the new history (July's, never published) would
            // go out as RETRACTED, and June's retraction a second time.
            assertThat(f.signals.readRecordsToList()).isEmpty();
        }
    }

    /**
     * A second figure of a series that a first one brought to the new calendar ahead of the pass: the series already
     * reflects that calendar. Evaluated from the old one again, the withdrawn calendar's signals of its new history
     * (July's, never published) went out as RETRACTED, and June's retraction a second time.
     */
    @Test
    void shouldNotEvaluateASeriesAgainForItsNextFigureWhenAnEarlierFigureBroughtItToTheNewCalendar() {
        try (TopologyFixture f = withFrontLoadingInJune()) {
            withdrawRiseAndStopBeforeTotal(f);
            f.pipe(figure(CHN_USA, 2025, 7, 1, 130L, "2025-08-14", 0));
            assertRetracted(f.signals.readKeyValuesToMap());

            // Still before the pass reaches TOTAL: August, flat, signals nothing under either calendar.
            f.pipe(figure(CHN_USA, 2025, 8, 1, 100L, "2025-09-14", 0));

            assertThat(f.signals.readRecordsToList()).isEmpty();
            f.refreshCalendarFully();
            assertThat(f.signals.readRecordsToList()).isEmpty();
        }
    }

    /**
     * A series whose signals cannot be computed (its state holds a combined Jan+Feb 2026 whose base, January plus
     * February 2025, overflows a long) is skipped with one dead letter naming it, and the pass goes on to TOTAL and
     * ends. Before, the step failed at the series, the next one started from it again, and the pass never ended.
     */
    @Test
    void shouldSkipASeriesWhoseSignalsCannotBeComputedWithOneDeadLetterAndFinishThePass() {
        try (TopologyFixture f = withFrontLoadingInJune()) {
            long half = Long.MAX_VALUE / 2 + 1;
            KeyValueStore<SeriesKey, SeriesHistory> histories = f.driver.getKeyValueStore(TradeTopology.SERIES_STORE);
            histories.put(MEAT, new SeriesHistory(CommodityLevel.HS2, List.of(
                    SeriesHistories.observation(figure(MEAT, 2025, 1, 1, half, "2025-02-20", 0)),
                    SeriesHistories.observation(figure(MEAT, 2025, 2, 1, half, "2025-03-20", 0)),
                    SeriesHistories.observation(figure(MEAT, 2026, 1, 2, 10L, "2026-03-20", 0))), 0));
            KeyValueStore<String, AppliedCalendar> applied = f.driver.getKeyValueStore(TradeTopology.APPLIED_CALENDAR_STORE);

            f.tariffs.pipeInput(AUGUST_RISE.getId(), null);
            f.refreshCalendar();
            for (int step = 0; step < 20 && applied.get(TopologyFixture.TARGET) != null; step++) {
                f.driver.advanceWallClockTime(Duration.ofMillis(SeriesStateProcessor.PASS_STEP_MS));
            }

            assertThat(applied.get(TopologyFixture.TARGET)).as("the pass ended").isNull();
            assertThat(applied.get(TopologyFixture.APPLIED).getEvents()).isEmpty();
            assertRetracted(f.signalTable());
            List<TestRecord<String, DeadLetter>> letters = f.deadLetters.readRecordsToList();
            assertThat(letters).extracting(TestRecord::key).containsExactly("series:CHN|USA|EXPORT|02");
            DeadLetter dl = letters.get(0).value();
            assertThat(dl.getStage()).isEqualTo(DeadLetterStage.PROCESSING);
            assertThat(dl.getSource()).isEqualTo("series-state");
            assertThat(dl.getPosition()).isEqualTo("series:CHN|USA|EXPORT|02");
            assertThat(dl.getErrorClass()).isEqualTo(ArithmeticException.class.getName());
            assertThat(dl.getReason()).contains("tariff calendar").contains("java.lang.ArithmeticException");
            for (int step = 0; step < 20; step++) {
                f.driver.advanceWallClockTime(Duration.ofMillis(SeriesStateProcessor.PASS_STEP_MS));
            }
            f.refreshCalendar();
            assertThat(f.deadLetters.readRecordsToList()).as("not tried again").isEmpty();
        }
    }

    @Test
    void shouldFinishThePassInProgressBeforeApplyingALaterChange() {
        try (TopologyFixture f = withFrontLoadingInJune()) {
            withdrawRiseAndStopBeforeTotal(f);

            // A later change that does not bring the signal back: the series still to be reached must lose the
            // signal of the calendar it was evaluated with, not be moved from the pass' target to the newer one.
            f.tariffs.pipeInput("us-cn-cut", event("us-cn-cut", "USA", "CHN", List.of(), "2025-09-01",
                    TariffEventKind.DECREASE));
            f.refreshCalendarFully();

            assertRetracted(f.signalTable());
            KeyValueStore<String, AppliedCalendar> applied =
                    f.driver.getKeyValueStore(TradeTopology.APPLIED_CALENDAR_STORE);
            assertThat(applied.get(TopologyFixture.APPLIED).getEvents()).extracting(e -> e.getId())
                    .containsExactly("us-cn-cut");
            assertThat(applied.get(TopologyFixture.TARGET)).isNull();
        }
    }
}
