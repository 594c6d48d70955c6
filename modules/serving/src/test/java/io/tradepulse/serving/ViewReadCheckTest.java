package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.TradeChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read readiness makes of the view: bounded in time however the view's database behaves. */
class ViewReadCheckTest {
    @TempDir
    Path tmp;

    @Test
    void shouldReportAReadThatHangsAsAFailureWithoutHoldingTheProbe() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        DashboardServerTest.StoreResults hanging = new DashboardServerTest.StoreResults(tmp.resolve("view")) {
            @Override
            public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after,
                    int limit) {
                try {
                    release.await(); // a volume that does not answer
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.changes(filter, fromPeriod, toPeriod, after, limit);
            }
        };
        try {
            ViewReadCheck check = new ViewReadCheck(hanging, Duration.ZERO, Duration.ofMillis(50),
                    Duration.ofMillis(400));
            long start = System.nanoTime();
            assertThat(check.failure()).as("slow, not hung yet: as before (nothing found wrong)").isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the probe waited about the wait, not for the read")
                    .isLessThan(Duration.ofSeconds(2)); // the read itself never returns here
            Thread.sleep(450);
            assertThat(check.failure()).hasValueSatisfying(f -> assertThat(f)
                    .startsWith("a read of the results view's database has not returned for"));
            release.countDown();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (check.failure().isPresent()) {
                assertThat(System.nanoTime()).as("readable again within 10 s").isLessThan(deadline);
                Thread.sleep(20);
            }
        } finally {
            release.countDown();
            hanging.store.close();
        }
    }
}
