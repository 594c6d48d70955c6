package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.streams.StateStoreType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code tradepulse bench --rollups COMMODITY} at a small size, end to end on the embedded broker and registry: the
 * processors' phase covers the derived parent levels too. A class of its own (not in {@link BackfillBenchmarkIT}) so
 * that its half minute runs in a second IT JVM beside the other runs.
 */
class BackfillRollupPhaseIT {

    /**
     * With roll-ups the processors' phase ends only once every parent has been derived, not when the topics are
     * caught up: the cells wait for a quiet period that no topic shows (here 2 s, at each of the three levels
     * above HS6), so a phase that stopped at the last input would miss the upper levels of the last months.
     */
    @Test
    void shouldEndTheRollupPhaseOnlyOnceEveryParentCellIsDerived() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        BackfillBenchmark.Result r = new BackfillBenchmark(out).run(new BackfillBenchmark.Options(20_000, 12, 1.0, 42L,
                1, 3, null, Duration.ofMinutes(5), BackfillBenchmark.Rollups.COMMODITY, 2_000L, StateStoreType.IN_MEMORY,
                BackfillDataSet.Order.RELEASE));

        BackfillDataSet data = BackfillDataSet.ofSize(20_000, 12, 1.0, 42L);
        Set<String> parents = new HashSet<>();
        for (String hs6 : data.hs6Codes()) {
            parents.add(hs6.substring(0, 4));
            parents.add(hs6.substring(0, 2));
        }
        parents.add("TOTAL");
        long cells = (long) data.reporters().size() * data.partners().size() * data.months() * parents.size();
        assertThat(r.derived().cells()).as("distinct (parent series, month) cells derived").isEqualTo(cells);
        assertThat(r.derived().figures()).isGreaterThanOrEqualTo(cells);
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("derived figures for " + String.format("%,d", cells));
    }
}
