package io.tradepulse.streams;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEventKind;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * Not a test (no Surefire pattern matches it): the measurement behind docs/benchmarks.md, "Tariff calendar changes".
 * Fills the processor's RocksDB series store (TopologyTestDriver, roll-ups off) with {@code pairs} (reporter, partner)
 * pairs x 2 flows of TOTAL series, {@code months} months each (ending 2025-12), then publishes a United States -> China tariff event
 * and times the calendar refresh that re-evaluates the signals (one punctuation, one transaction in production).
 *
 * <pre>
 * ./mvnw -B -o -q -pl modules/streams test-compile
 * java -Xmx1g -cp modules/streams/target/test-classes:modules/streams/target/classes:$(./mvnw -q -o -pl modules/streams \
 *   dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout) io.tradepulse.streams.CalendarRefreshScale 40000 3
 * </pre>
 */
public final class CalendarRefreshScale {
    private CalendarRefreshScale() {
    }

    public static void main(String[] args) {
        if (args[0].equals("group")) {
            group(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        if (args[0].equals("params")) {
            params(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int pairs = Integer.parseInt(args[0]);
        int months = Integer.parseInt(args[1]);
        List<String> economies = new ArrayList<>(TradeRecordValidator.ECONOMIES);
        economies.sort(null);
        try (TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.NONE, StateStoreType.ROCKSDB)) {
            long start = System.nanoTime();
            int series = 0;
            List<SeriesKey> keys = new ArrayList<>();
            keys.add(new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL"));
            keys.add(TopologyFixture.CHN_USA);
            outer:
            for (String reporter : economies) {
                for (String partner : economies) {
                    if (keys.size() >= 2 * pairs) {
                        break outer;
                    }
                    if (!reporter.equals(partner) && !(reporter.equals("USA") && partner.equals("CHN"))
                            && !(reporter.equals("CHN") && partner.equals("USA"))) {
                        keys.add(new SeriesKey(reporter, partner, Flow.IMPORT, "TOTAL"));
                        keys.add(new SeriesKey(reporter, partner, Flow.EXPORT, "TOTAL"));
                    }
                }
            }
            for (int m = 0; m < months; m++) {
                YearMonth period = YearMonth.of(2025, 12).minusMonths(months - 1 - m);
                String published = period.plusMonths(1).atDay(20).toString();
                for (SeriesKey k : keys) {
                    f.pipe(TopologyFixture.figure(k, period.getYear(), period.getMonthValue(), 1, 1_000_000L + m, published, 0));
                }
                // the driver keeps every output until read: drop them, only the store matters here
                f.changes.readRecordsToList();
                f.signals.readRecordsToList();
            }
            series = keys.size();
            f.signalTable();
            System.out.printf("%d series x %d months loaded in %.1f s%n", series, months, (System.nanoTime() - start) / 1e9);
            for (int round = 0; round < 3; round++) {
                long t = System.nanoTime();
                f.tariff(SignalsTest.event("us-cn-" + round, "USA", "CHN", List.of(), "2025-0" + (7 + round) + "-12",
                        TariffEventKind.INCREASE));
                System.out.printf("round %d: a US -> China event added: calendar refresh %.1f ms (%d series in the task's store)%n",
                        round + 1, (System.nanoTime() - t) / 1e6, series);
            }
        }
    }

    /**
     * {@code group <codes> <months>}: the other extreme, every series concerned. {@code codes} HS6 series of United
     * States imports from China and as many of China's exports to the United States (the two groups a US -> China
     * event concerns), {@code months} months each, all in the one task of the driver. Times the whole pass and its
     * longest step (the default {@code tradepulse.signals.tariff.refresh.batch.series}).
     */
    private static void group(int codes, int months) {
        List<SeriesKey> keys = hs6Keys(codes);
        try (TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.NONE, StateStoreType.ROCKSDB)) {
            long start = System.nanoTime();
            java.util.Random r = new java.util.Random(42);
            for (int m = 0; m < months; m++) {
                YearMonth period = YearMonth.of(2025, 12).minusMonths(months - 1 - m);
                java.time.Instant published = period.plusMonths(1).atDay(20).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
                for (SeriesKey k : keys) {
                    f.pipe(hs6Figure(k, period, published, 1_000_000L + r.nextInt(600_000)));
                }
                f.changes.readRecordsToList();
                f.signals.readRecordsToList();
            }
            System.out.printf("%d series x %d months loaded in %.1f s%n", keys.size(), months, (System.nanoTime() - start) / 1e9);
            org.apache.kafka.streams.state.KeyValueStore<String, io.tradepulse.avro.state.AppliedCalendar> applied =
                    f.driver.getKeyValueStore(TradeTopology.APPLIED_CALENDAR_STORE);
            for (int round = 0; round < 3; round++) {
                f.tariffs.pipeInput("us-cn-" + round, SignalsTest.event("us-cn-" + round, "USA", "CHN", List.of(),
                        "2025-0" + (7 + round) + "-12", TariffEventKind.INCREASE));
                // The refresh (its first step, and the step punctuation's), then one step per 100 ms until done:
                // each advance of the driver's clock is one punctuation of each kind, as one commit in production.
                long t = System.nanoTime();
                f.refreshCalendar();
                double longest = (System.nanoTime() - t) / 1e6;
                int advances = 1;
                while (applied.get(TopologyFixture.TARGET) != null) {
                    long s = System.nanoTime();
                    f.driver.advanceWallClockTime(java.time.Duration.ofMillis(SeriesStateProcessor.PASS_STEP_MS));
                    longest = Math.max(longest, (System.nanoTime() - s) / 1e6);
                    advances++;
                }
                int emitted = f.signals.readRecordsToList().size();
                System.out.printf("round %d: a US -> China event added: pass of %d series x %d months in %.1f ms, "
                        + "%d clock advances, the longest %.1f ms; %d signal records (batch %d series)%n", round + 1,
                        keys.size(), months, (System.nanoTime() - t) / 1e6, advances, longest, emitted,
                        SignalConfig.DEFAULTS.refreshBatchSeries());
            }
        }
    }

    /** {@code codes} HS6 codes, each as a United States import from China and a Chinese export to the United States. */
    private static List<SeriesKey> hs6Keys(int codes) {
        List<SeriesKey> keys = new ArrayList<>();
        for (int i = 0; keys.size() < 2 * codes; i++) {
            int chapter = 1 + i % 96;
            String code = String.format(java.util.Locale.ROOT, "%02d%02d%02d", chapter >= 77 ? chapter + 1 : chapter,
                    1 + (i / 96) % 99, 10 * (1 + i / (96 * 99)));
            keys.add(new SeriesKey("USA", "CHN", Flow.IMPORT, code));
            keys.add(new SeriesKey("CHN", "USA", Flow.EXPORT, code));
        }
        return keys;
    }

    /**
     * {@code params <codes> <months>}: a signal parameter change, which re-evaluates every period of every series of
     * the task. The series of {@code group}, with a US -> China event applied, in the processor's stores kept across
     * instances ({@link SurvivingStores}: in memory, as a TopologyTestDriver cannot restart with another
     * configuration); then three restarts, each with other FRONT_LOADING and YOY_MOVE thresholds, each timing its
     * pass until the target is gone (each round of punctuations is one commit in production) and its longest round.
     */
    private static void params(int codes, int months) {
        List<SeriesKey> keys = hs6Keys(codes);
        SurvivingStores stores = new SurvivingStores();
        org.apache.kafka.streams.processor.api.MockProcessorContext<SeriesKey, Emission> context =
                stores.start(SignalConfig.DEFAULTS);
        stores.tariffs.put("us-cn-0", SignalsTest.event("us-cn-0", "USA", "CHN", List.of(), "2025-07-12",
                TariffEventKind.INCREASE));
        punctuate(context);
        long start = System.nanoTime();
        java.util.Random r = new java.util.Random(42);
        for (int m = 0; m < months; m++) {
            YearMonth period = YearMonth.of(2025, 12).minusMonths(months - 1 - m);
            java.time.Instant published = period.plusMonths(1).atDay(20).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            for (SeriesKey k : keys) {
                stores.processor.process(new org.apache.kafka.streams.processor.api.Record<>(k,
                        hs6Figure(k, period, published, 1_000_000L + r.nextInt(600_000)), 0L));
            }
            context.resetForwards();
        }
        System.out.printf("%d series x %d months loaded in %.1f s%n", keys.size(), months, (System.nanoTime() - start) / 1e9);
        double[][] thresholds = {{12.5, 20.0}, {10.0, 30.0}, {15.0, 25.0}};
        for (int round = 0; round < thresholds.length; round++) {
            SignalConfig d = SignalConfig.DEFAULTS;
            SignalConfig next = new SignalConfig(d.leadMonths(), d.paybackMonths(), d.trendMonths(), thresholds[round][0],
                    d.paybackPct(), thresholds[round][1], d.tariffRefresh(), d.refreshBatchSeries());
            context = stores.start(next);
            long t = System.nanoTime();
            double longest = 0;
            int rounds = 0;
            do {
                long s = System.nanoTime();
                punctuate(context);
                longest = Math.max(longest, (System.nanoTime() - s) / 1e6);
                rounds++;
            } while (!stores.appliedKeys(SeriesStateProcessor.TARGET_PARAMETERS).isEmpty());
            long emitted = context.forwarded().stream().filter(f -> f.record().value().isSignal()).count();
            System.out.printf("round %d: thresholds FRONT_LOADING %.1f %%, YOY_MOVE %.1f %%: pass of %d series x %d months"
                    + " in %.1f ms, %d punctuation rounds, the longest %.1f ms; %d signal records (batch %d)%n",
                    round + 1, thresholds[round][0], thresholds[round][1], keys.size(), months,
                    (System.nanoTime() - t) / 1e6, rounds, longest, emitted, d.refreshBatchSeries());
        }
    }

    /** The refresh and the pass step punctuations, once each (one commit in production). */
    private static void punctuate(org.apache.kafka.streams.processor.api.MockProcessorContext<SeriesKey, Emission> c) {
        c.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(0L));
    }

    /** One month's HS6 figure of {@code k}. */
    private static io.tradepulse.avro.TradeRecord hs6Figure(SeriesKey k, YearMonth period, java.time.Instant published,
                                                           long value) {
        return io.tradepulse.avro.TradeRecord.newBuilder()
                .setReporter(k.getReporter()).setPartner(k.getPartner()).setFlow(k.getFlow())
                .setCommodity(k.getCommodity()).setCommodityLevel(io.tradepulse.avro.CommodityLevel.HS6)
                .setYear(period.getYear()).setMonth(period.getMonthValue()).setMonths(1)
                .setValue(value).setCurrency("USD").setSource("SCALE")
                .setVintage(published.toString()).setPublishedAt(published).build();
    }
}
