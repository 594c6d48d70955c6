package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.streams.StateStoreType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The benchmark's options refuse, without the command line, what the command line refuses. */
class OptionsTest {

    private static BackfillBenchmark.Options options(long records, double revisionPct, int threads, int partitions,
                                                     Duration timeout) {
        return new BackfillBenchmark.Options(records, 36, revisionPct, 42L, threads, partitions, null, timeout,
                BackfillBenchmark.Rollups.COMMODITY, null, StateStoreType.ROCKSDB, BackfillDataSet.Order.RELEASE);
    }

    /**
     * {@code BackfillBenchmark 0} (its main, without the launcher) drew a data set of three series and ran; with zero
     * threads every Streams phase waited out its 30 minutes.
     */
    @Test
    void shouldRefuseRecordsThreadsPartitionsAndTimeoutsTheCommandLineRefusesWhenRunWithoutIt() {
        assertThatCode(() -> options(300_000, 1.0, 2, 6, Duration.ofMinutes(30))).doesNotThrowAnyException();
        assertThatThrownBy(() -> options(0, 1.0, 2, 6, Duration.ofMinutes(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("records must be at least 1: 0");
        assertThatThrownBy(() -> options(-5, 1.0, 2, 6, Duration.ofMinutes(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("records");
        assertThatThrownBy(() -> options(300_000, Double.NaN, 2, 6, Duration.ofMinutes(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0..100");
        assertThatThrownBy(() -> options(300_000, 101, 2, 6, Duration.ofMinutes(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0..100");
        assertThatThrownBy(() -> options(300_000, 1.0, 0, 6, Duration.ofMinutes(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads");
        assertThatThrownBy(() -> options(300_000, 1.0, 2, 0, Duration.ofMinutes(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitions");
        assertThatThrownBy(() -> options(300_000, 1.0, 2, 6, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> new BackfillBenchmark.Options(20_000_000, 1, 1.0, 42L, 2, 6, null, Duration.ofMinutes(30),
                BackfillBenchmark.Rollups.COMMODITY, null, StateStoreType.ROCKSDB, BackfillDataSet.Order.RELEASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HS6 codes");
        assertThatThrownBy(() -> new BackfillBenchmark.Options(300_000, 36, 1.0, 42L, 2, 6, null, Duration.ofMinutes(30),
                BackfillBenchmark.Rollups.COMMODITY, 9L, StateStoreType.ROCKSDB, BackfillDataSet.Order.RELEASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("roll-up emit interval must be 10..");
        assertThatCode(() -> new BackfillBenchmark.Options(300_000, 36, 1.0, 42L, 2, 6, null, Duration.ofMinutes(30),
                BackfillBenchmark.Rollups.COMMODITY, 10L, StateStoreType.ROCKSDB, BackfillDataSet.Order.RELEASE))
                .doesNotThrowAnyException();
        // the data set itself, as the launcher's check calls it
        assertThatThrownBy(() -> BackfillDataSet.ofSize(0, 36, 1.0, 42L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BackfillDataSet.checkSize(10_000, 36, -1.0)).isInstanceOf(IllegalArgumentException.class);
    }
}
