package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.streams.StateStoreType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code tradepulse bench} at a small size, end to end on the embedded broker and registry: every phase reads the
 * whole loaded topic, the processors write a change per input, and the CPU accounting attributes time to each
 * app's stream threads (the processors do more work per input than a pass-through).
 */
class BackfillBenchmarkIT {

    @Test
    void shouldMeasureEveryPhaseOverTheWholeTopicAndAttributeCpuToTheStreamThreads() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        BackfillBenchmark.Result r = new BackfillBenchmark(out).run(new BackfillBenchmark.Options(30_000, 36, 1.0, 42L,
                1, 3, null, Duration.ofMinutes(5), BackfillBenchmark.Rollups.OFF, null, StateStoreType.IN_MEMORY,
                BackfillDataSet.Order.RELEASE));

        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(r.records()).isGreaterThan(25_000);
        assertThat(r.load().records()).isEqualTo(r.records());
        assertThat(r.raw().records()).isEqualTo(r.records());
        // every input is a new or revised figure: at least one change each (the rest are transaction markers)
        assertThat(r.changesWritten()).isGreaterThanOrEqualTo(r.records());
        assertThat(r.deadLettersWritten()).as("offsets on trade.dlq: every generated record is valid").isZero();
        assertThat(r.deadLettersByPhase()).as("counted for each Streams phase").containsOnlyKeys(r.passThrough().name(),
                r.statefulPassThrough().name(), r.processors().name()).allSatisfy((phase, n) -> assertThat(n).isZero());
        for (BackfillBenchmark.Phase p : new BackfillBenchmark.Phase[] {r.passThrough(), r.statefulPassThrough(), r.processors()}) {
            assertThat(p.cpu()).as(p.name()).isNotNull();
            assertThat(p.cpu().appSeconds()).as(p.name()).isPositive();
            assertThat(p.cpu().processSeconds()).as(p.name()).isGreaterThanOrEqualTo(p.cpu().appSeconds());
        }
        for (BackfillBenchmark.Phase p : new BackfillBenchmark.Phase[] {r.load(), r.raw(), r.passThrough(),
                r.statefulPassThrough(), r.processors()}) {
            // one instant's heap (HeapUsage): a collection never leaves more than was in use before it
            assertThat(p.peakHeapBytes()).as(p.name()).isPositive().isGreaterThanOrEqualTo(p.maxHeapAfterGcBytes());
            assertThat(printed).contains(BackfillBenchmark.heap(p));
        }
        assertThat(r.cpuRatio()).as("processors' stream-thread CPU per input over the pass-through's").isGreaterThan(1.0);
        // a state read and write per input is a part of the processors' per-input work (not compared with the
        // stateless pass-through: at this size it runs first and pays most of the JIT's warm-up)
        assertThat(r.statefulPassThrough().streamThreadMicrosPerInput()).as("stateful pass-through's CPU per input")
                .isLessThan(r.processors().streamThreadMicrosPerInput());
        assertThat(printed).contains("ratio processors / pass-through:", "stream-thread CPU per input, processors / pass-through:",
                "stream threads", "ratio processors / stateful pass-through");
    }

    @Test
    void shouldProcessEveryRecordOfALongHistory() throws Exception {
        // 20 years per series: the data set once ran from 2023-01 into the future, and the processors refused (and
        // dead-lettered) every month after the current one, so the run measured refusals. Loaded newest year first,
        // so the earlier years go through the archived-years path of the processors.
        BackfillBenchmark.Result r = new BackfillBenchmark(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .run(new BackfillBenchmark.Options(20_000, 240, 1.0, 42L, 1, 3, null, Duration.ofMinutes(5),
                        BackfillBenchmark.Rollups.OFF, null, StateStoreType.IN_MEMORY, BackfillDataSet.Order.NEWEST_YEAR_FIRST));

        assertThat(r.deadLettersWritten()).isZero();
        assertThat(r.changesWritten()).isGreaterThanOrEqualTo(r.records());
    }
}
