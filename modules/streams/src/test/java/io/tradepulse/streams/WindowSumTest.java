package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SeriesHistories#windowSum}'s months are bits of an int: the longest window it can hold is 32 months. Today's
 * figures read windows of at most a year; these tests keep a longer one (a new multi-year figure) from wrapping.
 */
class WindowSumTest {

    @Test
    void shouldCountEveryMonthOnceInAWindowOf32Months() {
        SeriesHistory history = monthly(2020, 1, 32, 10L);
        int from = SeriesHistories.index(2020, 1);

        SeriesHistories.WindowSum sum = SeriesHistories.windowSum(history, from, from + 31, "USD");

        assertThat(sum.sum()).isEqualTo(320L);
        assertThat(sum.covered()).isEqualTo(32);
        assertThat(sum.complete()).isTrue();
        assertThat(sum.months()).isEqualTo(-1); // all 32 bits
    }

    @Test
    void shouldRefuseAWindowLongerThanItsMonthBitsCanHold() {
        // 33 months: the last month's bit would be 1 << 32, which Java reads as 1 << 0, so that month would be taken
        // for the first one (already counted) and left out while the window still looked complete but for it.
        SeriesHistory history = monthly(2020, 1, 33, 10L);
        int from = SeriesHistories.index(2020, 1);

        assertThatThrownBy(() -> SeriesHistories.windowSum(history, from, from + 32, "USD"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window of 33 months: WindowSum holds at most 32 (its months are bits of an int)");
    }

    private static SeriesHistory monthly(int year, int month, int count, long value) {
        List<Observation> observations = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = SeriesHistories.index(year, month) + i;
            observations.add(Observation.newBuilder()
                    .setYear(index / 12).setMonth(index % 12 + 1).setMonths(1)
                    .setValue(value).setCurrency("USD").setReportedYoyPct(null)
                    .setSource("CENSUS").setVintage("v1").setPublishedAt(0L).setRevision(0)
                    .build());
        }
        return new SeriesHistory(CommodityLevel.TOTAL, observations, 0);
    }
}
