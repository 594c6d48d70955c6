package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.streams.StateStoreType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The data set's header line says what the data set holds. */
class DataSetLineTest {

    private static BackfillBenchmark.Options options(long records, int months) {
        return new BackfillBenchmark.Options(records, months, 1.0, 42L, 2, 6, null, Duration.ofMinutes(30),
                BackfillBenchmark.Rollups.COMMODITY, null, StateStoreType.ROCKSDB, BackfillDataSet.Order.RELEASE);
    }

    /** One month is one release, which revises nothing: the line printed "1.0 % revised per release" all the same. */
    @Test
    void shouldSayNoRevisionsWhenTheDataSetHasOneMonth() {
        BackfillBenchmark.Options one = options(2_000, 1);
        BackfillBenchmark.Options many = options(2_000, 12);

        assertThat(BackfillBenchmark.dataSetLine(BackfillDataSet.ofSize(2_000, 1, 1.0, 42L), one))
                .contains("x 1 months, no revisions (one release), seed 42").doesNotContain("% revised");
        assertThat(BackfillBenchmark.dataSetLine(BackfillDataSet.ofSize(2_000, 12, 1.0, 42L), many))
                .contains("x 12 months, 1.0 % revised per release, seed 42, loaded in release order");
    }
}
