package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.TradeRecord;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class BackfillDataSetTest {

    private static TreeSet<YearMonth> periods(BackfillDataSet data) {
        TreeSet<YearMonth> periods = new TreeSet<>();
        data.forEach((k, r) -> periods.add(YearMonth.of(r.getYear(), r.getMonth())));
        return periods;
    }

    @Test
    void shouldCoverTheThirtySixMonthsOf2023To2025ByDefault() {
        TreeSet<YearMonth> periods = periods(BackfillDataSet.ofSize(2_000, 36, 1.0, 42L));
        assertThat(periods).hasSize(36);
        assertThat(periods.first()).isEqualTo(YearMonth.of(2023, 1));
        assertThat(periods.last()).isEqualTo(YearMonth.of(2025, 12));
    }

    @Test
    void shouldGrowALongerHistoryBackwardsNotIntoTheFuture() {
        TreeSet<YearMonth> periods = periods(BackfillDataSet.ofSize(2_000, 240, 1.0, 42L));
        assertThat(periods).hasSize(240);
        assertThat(periods.first()).isEqualTo(YearMonth.of(2006, 1));
        assertThat(periods.last()).isEqualTo(YearMonth.of(2025, 12));
    }

    @Test
    void shouldLoadTheSameRecordsNewestYearFirst() {
        BackfillDataSet data = BackfillDataSet.ofSize(3_000, 60, 5.0, 42L);
        List<TradeRecord> release = new ArrayList<>();
        data.forEach((k, r) -> release.add(r));
        List<TradeRecord> newestFirst = new ArrayList<>();
        data.inOrder(BackfillDataSet.Order.NEWEST_YEAR_FIRST).forEach((k, r) -> newestFirst.add(r));

        assertThat(newestFirst).hasSameSizeAs(release).containsExactlyInAnyOrderElementsOf(release);
        List<Integer> releaseYears = newestFirst.stream()
                .map(r -> r.getPublishedAt().atZone(ZoneOffset.UTC).getYear()).distinct().toList();
        assertThat(releaseYears).containsExactly(2026, 2025, 2024, 2023, 2022, 2021);
        // within a year, in release order: exactly RELEASE's records of that year
        assertThat(newestFirst.stream().filter(r -> r.getPublishedAt().atZone(ZoneOffset.UTC).getYear() == 2024).toList())
                .containsExactlyElementsOf(release.stream()
                        .filter(r -> r.getPublishedAt().atZone(ZoneOffset.UTC).getYear() == 2024).toList());
    }

    @Test
    void shouldRefuseMoreMonthsThanTheValidatorAccepts() {
        assertThat(BackfillDataSet.MAX_MONTHS).isEqualTo(456);
        assertThat(periods(BackfillDataSet.ofSize(1_000, 456, 0.0, 42L)).first()).isEqualTo(YearMonth.of(1988, 1));
        assertThatThrownBy(() -> BackfillDataSet.ofSize(1_000, 457, 1.0, 42L))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("months must be 1..456");
        assertThatThrownBy(() -> BackfillDataSet.ofSize(1_000, 0, 1.0, 42L)).isInstanceOf(IllegalArgumentException.class);
    }
}
