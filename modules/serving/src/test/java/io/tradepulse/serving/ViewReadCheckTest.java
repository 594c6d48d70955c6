package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.TradeChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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
            // Hung after 2 s: the first probe, which waits 50 ms, must come back before that even on a loaded machine.
            Duration hung = Duration.ofSeconds(2);
            ViewReadCheck check = new ViewReadCheck(hanging, Duration.ZERO, Duration.ofMillis(50), hung);
            long start = System.nanoTime();
            assertThat(check.failure()).as("slow, not hung yet: as before (nothing found wrong)").isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the probe waited about the wait, not for the read")
                    .isLessThan(hung); // the read itself never returns here
            // Probes go on until the read has been outstanding for the hung time: then they report it.
            Optional<String> failure = check.failure();
            long hungDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (failure.isEmpty()) {
                assertThat(System.nanoTime()).as("reported as hung within 30 s").isLessThan(hungDeadline);
                Thread.sleep(20);
                failure = check.failure();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not reported before the hung time")
                    .isGreaterThanOrEqualTo(hung);
            assertThat(failure).hasValueSatisfying(f -> assertThat(f)
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
