package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeapUsageTest {
    private static final long MB = 1L << 20;
    private static final String EDEN = "PS Eden Space";
    private static final String SURVIVOR = "PS Survivor Space";
    private static final String OLD = "PS Old Gen";

    private static MemoryUsage used(long megabytes) {
        return new MemoryUsage(0, megabytes * MB, 2048 * MB, 2048 * MB);
    }

    private static Map<String, MemoryUsage> heap(long eden, long survivor, long old) {
        return Map.of(EDEN, used(eden), SURVIVOR, used(survivor), OLD, used(old));
    }

    /**
     * The pools peak at different instants: eden just before a collection, the old generation after the collections
     * that promoted into it. The heap reached 460 MB (just before the second collection); the pools' own peaks
     * (400 + 20 + 120 MB) sum to 540 MB, what the harness printed until 2026-11-29.
     */
    @Test
    void shouldReportTheMostHeapInUseAtOneInstantNotTheSumOfThePoolsOwnPeaks() {
        HeapUsage heap = new HeapUsage(Set.of(EDEN, SURVIVOR, OLD), 1_000);

        heap.sample(heap(300, 10, 50));
        heap.collected(1_100, heap(320, 10, 50), heap(0, 20, 60));
        heap.sample(heap(250, 20, 60));
        heap.collected(1_200, heap(400, 20, 40), heap(0, 10, 120)); // eden's peak, old's lowest: not in step
        heap.sample(heap(200, 10, 120));

        HeapUsage.Reading r = heap.reading();
        assertThat(r.peakBytes()).isEqualTo(460 * MB).isLessThan((400 + 20 + 120) * MB);
        assertThat(r.maxAfterGcBytes()).as("the most a collection left: 10 + 120 MB").isEqualTo(130 * MB);
        assertThat(r.collections()).isEqualTo(2);
    }

    /** What the phase before left is not the phase's: the raw consumer's peak heap was the load's garbage. */
    @Test
    void shouldNotCountThePreviousPhasesGarbageWhenAPhaseStarts() {
        List<byte[]> previousPhase = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            previousPhase.add(new byte[(int) MB]);
        }
        long usedWithGarbage = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        previousPhase.clear(); // garbage now, not collected yet

        HeapUsage heap = HeapUsage.startCollected();
        heap.close();

        assertThat(usedWithGarbage).isGreaterThan(256 * MB);
        assertThat(heap.reading().peakBytes()).as("the phase's peak, the previous phase's 256 MB of garbage collected")
                .isPositive().isLessThan(usedWithGarbage - 128 * MB);
    }

    @Test
    void shouldCountHeapPoolsOnlyAndNoCollectionThatStartedBeforeThePhase() {
        HeapUsage heap = new HeapUsage(Set.of(EDEN, OLD), 1_000);

        // the harness' System.gc() before the phase, reported once the phase has started: the previous phase's heap
        heap.collected(999, heap(900, 0, 900), heap(0, 0, 100));
        assertThat(heap.reading()).isEqualTo(new HeapUsage.Reading(0, -1, 0));

        // a GcInfo also lists the non-heap pools
        heap.collected(1_000, Map.of(EDEN, used(70), OLD, used(100), "Metaspace", used(80), "CodeHeap 'non-nmethods'",
                used(5)), Map.of(EDEN, used(0), OLD, used(90), "Metaspace", used(80)));
        heap.sample(Map.of(EDEN, used(10), OLD, used(90), "Compressed Class Space", used(500)));

        assertThat(heap.reading()).isEqualTo(new HeapUsage.Reading(170 * MB, 90 * MB, 1));
    }

    @Test
    void shouldPrintBothFiguresPerPhaseAndSayWhenNoCollectionRan() {
        BackfillBenchmark.Phase collected = new BackfillBenchmark.Phase("p", 10, 1, 0, 1157 * MB + 1, 612 * MB, null);
        BackfillBenchmark.Phase none = new BackfillBenchmark.Phase("p", 10, 1, 0, 80 * MB, -1, null);

        assertThat(BackfillBenchmark.heap(collected)).isEqualTo("peak heap 1157 MB (up to 612 MB after GC)");
        assertThat(BackfillBenchmark.heap(none)).isEqualTo("peak heap 80 MB (no GC)");
    }

    /** On this JVM's own pools and collectors; nothing here depends on when the sampler or a collection runs. */
    @Test
    void shouldMeasureThisJvmsHeap() {
        List<long[]> held = new ArrayList<>();
        HeapUsage heap = HeapUsage.start();
        for (int i = 0; i < 64; i++) {
            held.add(new long[128 * 1024]); // 64 MB, still referenced when close() takes its last sample
        }
        heap.close();

        HeapUsage.Reading r = heap.reading();
        assertThat(held).hasSize(64);
        assertThat(r.peakBytes()).isGreaterThanOrEqualTo(64 * MB);
        if (r.collections() > 0) {
            assertThat(r.maxAfterGcBytes()).isBetween(0L, r.peakBytes());
        } else {
            assertThat(r.maxAfterGcBytes()).isEqualTo(-1);
        }
    }
}
