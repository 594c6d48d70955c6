package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.RollupCell;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Not a test (no Surefire pattern matches it): the measurement behind docs/benchmarks.md, "Roll-up emission per
 * punctuation". One roll-up task with RocksDB stores receives {@code cells} parent cells of {@code children}
 * children each, all contributed at once (as when a large release has been read), then the emission punctuation
 * runs until nothing is pending; each punctuation is timed (one punctuation is part of one transaction in
 * production).
 *
 * <pre>
 * java -Xmx2g -cp modules/streams/target/test-classes:modules/streams/target/classes:$(./mvnw -q -o -pl modules/streams \
 *   dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout) io.tradepulse.streams.RollupEmissionScale 200000 5
 * </pre>
 */
public final class RollupEmissionScale {
    private RollupEmissionScale() {
    }

    public static void main(String[] args) throws Exception {
        int cells = Integer.parseInt(args[0]);
        int children = Integer.parseInt(args[1]);
        File dir = Files.createTempDirectory("rollup-scale").toFile();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "rollup-scale");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        MockProcessorContext<SeriesKey, TradeRecord> context = new MockProcessorContext<>(props, new TaskId(0, 0), dir);
        StateSerdes serdes = StateSerdes.defaults();
        List<KeyValueStore<?, ?>> stores = List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TradeTopology.ROLLUP_CHILD_STORE),
                        serdes.childKey(), serdes.contribution()).withLoggingDisabled().build(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TradeTopology.LEGACY_ROLLUP_CELL_STORE),
                        serdes.cellKey(), serdes.rollupCell()).withLoggingDisabled().build(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TradeTopology.ROLLUP_PENDING_STORE),
                        serdes.cellKey(), Serdes.ByteArray()).withLoggingDisabled().build());
        for (KeyValueStore<?, ?> store : stores) {
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
        }
        RollupConfig config = new RollupConfig(true, false, Duration.ofSeconds(5));
        RollupProcessor processor = new RollupProcessor(TradeTopology.ROLLUP_CHILD_STORE,
                TradeTopology.LEGACY_ROLLUP_CELL_STORE, TradeTopology.ROLLUP_PENDING_STORE, config,
                serdes.cellKey().serializer());
        context.setCurrentSystemTimeMs(0);
        processor.init(context);
        long start = System.nanoTime();
        for (int c = 0; c < cells; c++) {
            // HS4 parents of US imports from 230 partners (ISO-like codes), 12 months
            ChangeKey cell = new ChangeKey("USA", String.format(Locale.ROOT, "P%02d", c / 12 / 1200 % 230),
                    Flow.IMPORT, String.format(Locale.ROOT, "%04d", 101 + c / 12 % 1200), 2025, 1 + c % 12);
            for (int k = 0; k < children; k++) {
                processor.process(new Record<>(cell, new RollupContribution(
                        "C:" + cell.getCommodity() + String.format(Locale.ROOT, "%02d", 10 * (k + 1)), 1, 1_000L + k,
                        "USD", "CENSUS", "2026-02-05", 1_770_000_000_000L, null, FigureQuality.PUBLISHED), 0L));
            }
        }
        System.out.printf("%d cells x %d children contributed in %.1f s%n", cells, children, (System.nanoTime() - start) / 1e9);
        // The full punctuation once the cells are quiet, then the step punctuation every 100 ms, one at a time.
        long now = config.emitInterval().toMillis();
        int emitted = 0;
        double longest = 0;
        long all = System.nanoTime();
        int punctuations = 0;
        for (long interval = config.emitInterval().toMillis(); emitted < cells && punctuations < 10_000;
             interval = RollupProcessor.STEP_MS, now += RollupProcessor.STEP_MS) {
            context.setCurrentSystemTimeMs(now);
            long t = System.nanoTime();
            final long at = now;
            final long which = interval;
            context.scheduledPunctuators().stream().filter(p -> p.getInterval().toMillis() == which)
                    .forEach(p -> p.getPunctuator().punctuate(at));
            double ms = (System.nanoTime() - t) / 1e6;
            longest = Math.max(longest, ms);
            emitted += context.forwarded().size();
            context.resetForwards();
            punctuations++;
        }
        System.out.printf("%d cells emitted by %d punctuations in %.1f ms, the longest %.1f ms (at most %d cells each)%n",
                emitted, punctuations, (System.nanoTime() - all) / 1e6, longest, RollupProcessor.MAX_EMIT_PER_STEP);
        for (KeyValueStore<?, ?> store : stores) {
            store.close();
        }
    }
}
