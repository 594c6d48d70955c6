package io.tradepulse.launcher;

import io.tradepulse.bench.BackfillBenchmark;
import io.tradepulse.bench.BackfillDataSet;
import io.tradepulse.embedded.Resources;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.streams.StateStoreType;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tradepulse bench}: the backfill benchmark (see docs/benchmarks.md, "Backfill (processor vs
 * pass-through)"). Starts the embedded broker and registry, loads a seeded HS6 data set into trade.records,
 * and measures over that one topic a raw consumer, a pass-through Streams app, a stateful pass-through (one state
 * read and write per input) and the processors, the three apps under exactly_once_v2. Everything is stopped and
 * removed at the end.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILED, Main.EXIT_USAGE,
                Main.EXIT_SIGNAL},
        description = "Backfill benchmark: raw consumer vs pass-through Kafka Streams (stateless, and with one state "
                + "read and write per input) vs the tradepulse processors (exactly_once_v2).",
        footer = {"", "Examples:", "  tradepulse bench --records 1000000     # a quick run",
                "  tradepulse bench                       # 10 M records: HS6 x 230 partners x",
                "                                         # 3 reporters x 36 months",
                "  tradepulse bench --rollups OFF --state-store IN_MEMORY",
                "  # 20 years, the latest loaded first:",
                "  tradepulse bench --records 1000000 --months 240 --order NEWEST_YEAR_FIRST"})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--records", defaultValue = "10000000", description = "Approximate number of input records (default ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--months", defaultValue = "36", description = "Months per series, ending 2025-12 (default ${DEFAULT-VALUE}: from 2023-01; at most 456, from 1988-01).")
    int months;

    @Option(names = "--revisions-pct", defaultValue = "1.0", description = "Share of series whose previous month each release revises, percent (default ${DEFAULT-VALUE}).")
    double revisionPct;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated data set (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "Stream threads of both Streams apps (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the trade topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--commit-interval-ms", description = "commit.interval.ms of both Streams apps (default: the Streams default for exactly_once_v2, 100).")
    Long commitIntervalMs;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "Longest wait for one phase to catch up (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--rollups", defaultValue = "COMMODITY", description = "Roll-ups the processors derive: OFF, "
            + "COMMODITY (parent HS levels, the processor's default) or ALL (also WLD totals) (default ${DEFAULT-VALUE}).")
    BackfillBenchmark.Rollups rollups;

    @Option(names = "--rollup-emit-interval-ms", description = "tradepulse.rollup.emit.interval.ms of the processors (default: the processor's default).")
    Long rollupEmitIntervalMs;

    @Option(names = "--state-store", defaultValue = "ROCKSDB", description = "tradepulse.state.store.type of the "
            + "processors: ROCKSDB (the processor's default) or IN_MEMORY (default ${DEFAULT-VALUE}).")
    StateStoreType stateStore;

    @Option(names = "--order", defaultValue = "RELEASE", description = "Order the releases are loaded in: RELEASE "
            + "(oldest first) or NEWEST_YEAR_FIRST (the latest year's releases first, then the year before ...) "
            + "(default ${DEFAULT-VALUE}).")
    BackfillDataSet.Order order;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (months < 1 || months > BackfillDataSet.MAX_MONTHS) {
            // Before the broker starts: the data set ends 2025-12 and the validator refuses months before 1988.
            throw new CommandLine.ParameterException(spec.commandLine(), "--months must be 1.." + BackfillDataSet.MAX_MONTHS
                    + " (the data set ends 2025-12; trade records before 1988 are refused): " + months);
        }
        CommandLine cmd = spec.commandLine();
        OptionRanges.atLeast(cmd, "--records", records, 1);
        OptionRanges.atLeast(cmd, "--threads", threads, 1);
        OptionRanges.atLeast(cmd, "--partitions", partitions, 1);
        OptionRanges.positive(cmd, "--timeout", timeout);
        OptionRanges.percent(cmd, "--revisions-pct", revisionPct);
        OptionRanges.atLeast(cmd, "--commit-interval-ms", commitIntervalMs, 0);
        // The processors' own range (ProcessorConfig): 0-9 or above it passed here and failed once the broker was up
        // and the data set loaded, when the processors' phase started.
        OptionRanges.between(cmd, "--rollup-emit-interval-ms", rollupEmitIntervalMs,
                ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_MIN, ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_MAX);
        if (rollupEmitIntervalMs != null && rollups == BackfillBenchmark.Rollups.OFF) {
            // Taken and ignored: a run meant to measure an interval measured none, and said nothing.
            throw new CommandLine.ParameterException(cmd, "--rollup-emit-interval-ms sets how often roll-ups are emitted;"
                    + " with --rollups OFF there are none: drop one of the two");
        }
        try {
            // Sizes the generator cannot draw (more HS6 codes per pair than it has) failed after the checks, with a
            // stack trace and exit 1.
            BackfillDataSet.checkSize(records, months, revisionPct);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--records " + records + " --months " + months + ": "
                    + e.getMessage());
        }
        BackfillBenchmark.Options options = new BackfillBenchmark.Options(records, months, revisionPct, seed, threads,
                partitions, commitIntervalMs, timeout, rollups, rollupEmitIntervalMs, stateStore, order);
        // As demo: Ctrl-C stops the apps and the broker and removes their temp dirs (gigabytes after a full load),
        // which the benchmark's own clean-up at the end never gets to do when the JVM is interrupted.
        Resources resources = new Resources();
        Thread hook = new Thread(() -> {
            System.out.println();
            System.out.println("Stopping (removing the broker's and the apps' temp dirs) ...");
            resources.close();
        }, "tradepulse-bench-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        BackfillBenchmark.Result r;
        try {
            r = new BackfillBenchmark(System.out).run(options, resources);
        } finally {
            Resources.removeShutdownHook(hook);
            resources.close();
        }
        return r.ratio() > 0 ? 0 : 1;
    }
}
