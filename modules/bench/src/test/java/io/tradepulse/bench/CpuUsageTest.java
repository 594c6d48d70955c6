package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuUsageTest {

    @Test
    void shouldCountOnlyTheStreamThreadsOfTheAppAndThreadsStartedDuringThePhaseFromZero() {
        String app = "bench-processor";
        String client = app + "-46f4e4ae-1c8f-40cd-a624-b72220301b07";
        CpuUsage.Snapshot before = new CpuUsage.Snapshot(1_000_000_000L, Map.of(
                1L, new CpuUsage.ThreadCpu(client + "-StreamThread-1", 200_000_000L),
                2L, new CpuUsage.ThreadCpu("bench-passthrough-1234-StreamThread-1", 900_000_000L)));
        CpuUsage.Snapshot after = new CpuUsage.Snapshot(9_000_000_000L, Map.of(
                1L, new CpuUsage.ThreadCpu(client + "-StreamThread-1", 2_200_000_000L),
                2L, new CpuUsage.ThreadCpu("bench-passthrough-1234-StreamThread-1", 950_000_000L),
                3L, new CpuUsage.ThreadCpu(client + "-StreamThread-2", 1_500_000_000L),
                4L, new CpuUsage.ThreadCpu(client + "-GlobalStreamThread", 100_000_000L),
                5L, new CpuUsage.ThreadCpu("kafka-producer-network-thread | " + client + "-StreamThread-1-producer", 700_000_000L),
                6L, new CpuUsage.ThreadCpu("data-plane-kafka-request-handler-0", 400_000_000L)));

        CpuUsage.Split split = CpuUsage.between(before, after, app);

        // 2.0 s more on thread 1, 1.5 s on the new thread 2, 0.1 s on the global thread; not the other app's thread,
        // the producer's I/O thread or the broker's
        assertThat(split.appSeconds()).isEqualTo(3.6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(split.processSeconds()).isEqualTo(8.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void shouldNotTakeAnotherAppWhoseIdExtendsThisOneForThisOne() {
        assertThat(CpuUsage.isStreamThreadOf("bench-processor-x-StreamThread-1", "bench-processor")).isTrue();
        assertThat(CpuUsage.isStreamThreadOf("bench-processors2-x-StreamThread-1", "bench-processor")).isFalse();
        assertThat(CpuUsage.isStreamThreadOf("bench-processor-x-StateUpdater-1", "bench-processor")).isFalse();
    }

    @Test
    void shouldMeasureThisThreadsOwnWork() {
        CpuUsage.Snapshot before = CpuUsage.take();
        long sink = 0;
        long until = System.nanoTime() + 200_000_000L;
        while (System.nanoTime() < until) {
            sink += Long.numberOfTrailingZeros(sink + System.nanoTime());
        }
        CpuUsage.Snapshot after = CpuUsage.take();
        long id = Thread.currentThread().getId();
        assertThat(CpuUsage.supported()).isTrue();
        assertThat(after.threads().get(id).nanos() - before.threads().get(id).nanos()).as("spun ~200 ms (%d)", sink)
                .isGreaterThan(50_000_000L);
        assertThat(after.processNanos()).isGreaterThan(before.processNanos());
    }
}
