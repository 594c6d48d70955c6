package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SeriesHistories#MAX_LOOKBACK_MONTHS} bounds what the outputs of a period read, and so which figures
 * {@link SeriesHistories#dependsOn} re-emits and which archived years the processor loads around a figure
 * ({@link SeriesStateProcessor#YEARS_BEFORE}). A figure or window reading further back (a longer trend, a 2-year
 * comparison) must raise the bound, or the processor would compute it from a history cut short and never re-emit it
 * when the month it reads is revised: these tests fail until it does.
 */
class LookbackTest {
    private static final SeriesKey SERIES = new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL");

    @Test
    void shouldComputeEveryOutputOfAPeriodFromTheMonthsWithinTheLookbackAlone() {
        SeriesHistory full = history();
        int checked = 0;
        for (Observation q : full.getObservations()) {
            if (q.getYear() < 2020) {
                continue; // every period checked has its whole lookback in the history
            }
            int q0 = SeriesHistories.index(q);
            SeriesHistory cut = since(full, q0 - SeriesHistories.MAX_LOOKBACK_MONTHS);
            String period = q.getYear() + "-" + q.getMonth() + " (" + q.getMonths() + " months)";

            assertThat(SeriesHistories.change(SERIES, cut, q)).as("trade.changes of %s", period)
                    .isEqualTo(SeriesHistories.change(SERIES, full, q));
            assertThat(Signals.yoy(cut, q)).as("YoY of %s", period).isEqualTo(Signals.yoy(full, q));
            for (int trend = 1; trend <= SeriesHistories.MAX_TREND_MONTHS; trend++) {
                assertThat(Signals.trendOf(cut, q, trend)).as("%d-month trend of %s", trend, period)
                        .isEqualTo(Signals.trendOf(full, q, trend));
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(60);
    }

    @Test
    void shouldReemitAPeriodForEveryMonthWithinTheLookbackOfTheLongestTrendAndNoneBefore() {
        for (Observation q : history().getObservations()) {
            if (q.getYear() < 2020) {
                continue;
            }
            int q0 = SeriesHistories.index(q);
            for (int trend = 1; trend <= SeriesHistories.MAX_TREND_MONTHS; trend++) {
                // The year-earlier base of the trend window's first month: the furthest month the period reads.
                assertThat(SeriesHistories.dependsOn(q, q0 - 12 - trend, q0 - 12 - trend, trend)).isTrue();
                int beyond = q0 - SeriesHistories.MAX_LOOKBACK_MONTHS - 1;
                assertThat(SeriesHistories.dependsOn(q, beyond - 24, beyond, trend))
                        .as("%d-%d with a %d-month trend re-emitted for a month beyond its lookback", q.getYear(),
                                q.getMonth(), trend)
                        .isFalse();
            }
        }
        // The longest trend reads exactly as far back as the bound says.
        assertThat(12 + SeriesHistories.MAX_TREND_MONTHS).isEqualTo(SeriesHistories.MAX_LOOKBACK_MONTHS);
    }

    @Test
    void shouldLoadTheArchivedYearThatAJanuaryFiguresLookbackReaches() {
        // A January reads furthest into earlier years: its lookback's first month must lie in a year loaded with it.
        int january = SeriesHistories.index(2025, 1);
        int furthestYear = (january - SeriesHistories.MAX_LOOKBACK_MONTHS) / 12;

        assertThat(2025 - SeriesStateProcessor.YEARS_BEFORE).isLessThanOrEqualTo(furthestYear);
    }

    /**
     * Monthly figures 2016-2025 of varying levels, with what a real series holds besides: combined Jan+Feb periods
     * next to their single Februaries (2019, 2023), and months with a reported YoY but no level (2021-06, 2024-09).
     */
    private static SeriesHistory history() {
        List<Observation> observations = new ArrayList<>();
        for (int i = SeriesHistories.index(2016, 1); i <= SeriesHistories.index(2025, 12); i++) {
            int year = i / 12;
            int month = i % 12 + 1;
            boolean combined = month == 1 && (year == 2019 || year == 2023);
            boolean levelUnknown = (year == 2021 && month == 6) || (year == 2024 && month == 9);
            long value = 1_000 + (i * 7_919L) % 613;
            observations.add(Observation.newBuilder()
                    .setYear(year).setMonth(month).setMonths(combined ? 2 : 1)
                    .setValue(levelUnknown ? null : combined ? 2 * value : value)
                    .setCurrency("USD").setReportedYoyPct(levelUnknown ? -12.5 : null)
                    .setSource("CENSUS").setVintage("v1").setPublishedAt(0L).setRevision(0)
                    .build());
        }
        return new SeriesHistory(CommodityLevel.TOTAL, observations, 0);
    }

    private static SeriesHistory since(SeriesHistory history, int firstMonth) {
        List<Observation> kept = history.getObservations().stream()
                .filter(o -> SeriesHistories.index(o) >= firstMonth).toList();
        return new SeriesHistory(history.getCommodityLevel(), new ArrayList<>(kept), history.getArchivedBefore());
    }
}
