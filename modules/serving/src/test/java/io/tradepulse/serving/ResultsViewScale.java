package io.tradepulse.serving;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.serving.Results.SeriesFilter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Not a test (no Surefire pattern matches it): the measurement behind docs/benchmarks.md, "REST view at
 * backfill size". Fills the results view's store with the changes of the backfill benchmark's shape (3 reporters x
 * partners x HS6 codes x 36 months from 2023-01, or {@code -Dtradepulse.scale.months=N}; every field set) and prints
 * the time per change, heap after GC, disk, and the latency of the API's queries (filters without a reporter, and
 * from/to ranges: every page, following the cursor). With {@code map} as the fourth argument it instead keeps the
 * same changes as objects in a HashMap, as the view did before 2026-11-29, and prints the heap per change.
 *
 * <pre>
 * ./mvnw -B -o -q -pl modules/serving test-compile
 * java -Xmx256m -XX:+UseParallelGC -cp modules/serving/target/test-classes:modules/serving/target/classes:$(./mvnw -q -o \
 *   -pl modules/serving dependency:build-classpath -Dmdep.outputFile=/dev/stdout) io.tradepulse.serving.ResultsViewScale 230 400 /tmp/view-scale
 * </pre>
 */
public final class ResultsViewScale {
    private ResultsViewScale() {
    }

    public static void main(String[] args) throws Exception {
        int partners = Integer.parseInt(args[0]);
        int codes = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        boolean map = args.length > 3 && args[3].equals("map");
        // 36 as in the backfill benchmark; longer histories (-Dtradepulse.scale.months=120) for the from/to queries,
        // whose cost depended on the months of each series before from/to were sought.
        int months = Integer.getInteger("tradepulse.scale.months", 36);
        Random rnd = new Random(1);
        Map<ChangeKey, TradeChange> heapMap = new HashMap<>();
        long heapBefore = heapAfterGc();
        long start = System.nanoTime();
        long n = 0;
        try (ResultsStore store = map ? null : ResultsStore.open(dir)) {
            for (int m = 0; m < months; m++) {
                for (String reporter : new String[] {"USA", "CHN", "DEU"}) {
                    for (int p = 0; p < partners; p++) {
                        for (int c = 0; c < codes; c++) {
                            TradeChange change = change(rnd, reporter, String.format(Locale.ROOT, "P%03d", p), String.valueOf(100000 + c), m, n);
                            ChangeKey key = new ChangeKey(reporter, change.getPartner(), Flow.IMPORT, change.getCommodity(),
                                    change.getYear(), change.getMonth());
                            if (map) {
                                heapMap.put(copy(key), copy(change)); // distinct strings, as deserialized records have
                            } else {
                                store.putChange(key, change);
                            }
                            n++;
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long heap = heapAfterGc() - heapBefore;
            if (map) {
                System.out.printf("%d changes in a HashMap: %.0f MB of heap, %d bytes per change%n", heapMap.size(), heap / 1e6,
                        heap / heapMap.size());
                return;
            }
            long disk;
            try (var files = Files.walk(dir)) {
                disk = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            }
            System.out.printf("%d changes: %.1f s to store (%.1f us each), heap after GC %.0f MB, disk %.0f MB%n", n, seconds,
                    seconds * 1e6 / n, heap / 1e6, disk / 1e6);
            for (int round = 0; round < 3; round++) {
                long t = System.nanoTime();
                int one = store.changes(new SeriesFilter("CHN", "P007", "IMPORT", "100042"), Integer.MIN_VALUE,
                        Integer.MAX_VALUE, 1000).rows().size();
                double oneMs = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                int pair = store.series(new SeriesFilter("CHN", "P007", null, null), 1000).rows().size();
                double pairMs = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                int first = store.series(SeriesFilter.ALL, 1000).rows().size();
                double firstMs = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                Results.Page<TradeChange> wide = store.changes(new SeriesFilter(null, "P007", null, "100042"),
                        Integer.MIN_VALUE, Integer.MAX_VALUE, 1000);
                double wideMs = (System.nanoTime() - t) / 1e6;
                System.out.printf("round %d: one series (%d months) %.1f ms; series of one reporter and partner (%d) %.1f ms; "
                        + "first %d series %.1f ms; partner + commodity without reporter (%d rows, truncated %s) %.0f ms%n",
                        round + 1, one, oneMs, pair, pairMs, first, firstMs, wide.rows().size(), wide.truncated(), wideMs);
                // Filters without a reporter, every page of 1,000 following the cursor: the pages a BI load reads.
                SeriesFilter partner = new SeriesFilter(null, "P007", null, null);
                SeriesFilter commodity = new SeriesFilter(null, null, null, "100042");
                SeriesFilter both = new SeriesFilter(null, "P007", null, "100042");
                for (SeriesFilter f : new SeriesFilter[] {partner, commodity, both}) {
                    String what = (f.partner() != null ? "partner " : "") + (f.commodity() != null ? "commodity " : "");
                    pass("  " + what + "changes", after -> store.changes(f, Integer.MIN_VALUE, Integer.MAX_VALUE, after, 1000));
                    pass("  " + what + "series", after -> store.series(f, after, 1000));
                }
                // A narrow period range (from/to) of each matching series, which holds 36 months: every page.
                int june = Results.period(2025, 6);
                int april = Results.period(2025, 4);
                SeriesFilter oneSeries = new SeriesFilter("CHN", "P007", "IMPORT", "100042");
                SeriesFilter reporterAndPartner = new SeriesFilter("CHN", "P007", null, null);
                SeriesFilter reporter = new SeriesFilter("CHN", null, null, null);
                pass("  one series 2025-04..06", after -> store.changes(oneSeries, april, june, after, 1000));
                pass("  reporter+partner 2025-06", after -> store.changes(reporterAndPartner, june, june, after, 1000));
                pass("  reporter+partner 2025-04..06", after -> store.changes(reporterAndPartner, april, june, after, 1000));
                pass("  partner 2025-06", after -> store.changes(partner, june, june, after, 1000));
                pass("  reporter 2025-06", after -> store.changes(reporter, june, june, after, 1000));
                // Nearly every month: one left out at either end of each series (which start in 2023-01).
                int second = Results.period(2023, 2);
                int lastButOne = Results.period(2023, 1) + months - 2;
                pass("  reporter all but 2 months", after -> store.changes(reporter, second, lastButOne, after, 1000));
                pass("  reporter all months", after -> store.changes(reporter, Integer.MIN_VALUE, Integer.MAX_VALUE,
                        after, 1000));
            }
        }
    }

    /** Reads every page of a query, following the cursor, and prints the pages, rows and time (first page and all). */
    private static void pass(String what, java.util.function.Function<Results.Cursor, Results.Page<?>> query) {
        long t = System.nanoTime();
        double firstMs = 0;
        int pages = 0;
        long rows = 0;
        Results.Cursor after = null;
        do {
            Results.Page<?> page = query.apply(after);
            if (pages++ == 0) {
                firstMs = (System.nanoTime() - t) / 1e6;
            }
            rows += page.rows().size();
            after = page.next();
        } while (after != null);
        System.out.printf("%-28s %3d pages, %6d rows: first page %8.1f ms, all %8.1f ms%n", what, pages, rows, firstMs,
                (System.nanoTime() - t) / 1e6);
    }

    static TradeChange change(Random rnd, String reporter, String partner, String commodity, int m, long n) {
        return TradeChange.newBuilder().setReporter(reporter).setPartner(partner).setFlow(Flow.IMPORT).setCommodity(commodity)
                .setCommodityLevel(CommodityLevel.HS6).setYear(2023 + m / 12).setMonth(m % 12 + 1)
                .setValue(rnd.nextLong() & 0xffffffffL).setPriorYearValue(rnd.nextLong() & 0xffffffffL)
                .setYoyPct(rnd.nextDouble()).setYoyChange(123456L).setMomPct(rnd.nextDouble()).setPriorMonthValue(55555L)
                .setYtdValue(999999L).setPriorYtdValue(888888L).setYtdYoyPct(rnd.nextDouble()).setYtdPartial(false)
                .setRolling3mValue(7777777L).setRolling3mPriorValue(6666666L).setRolling3mYoyPct(rnd.nextDouble())
                .setSource("US-CENSUS").setVintage("FT-900 2025-0" + (m % 9 + 1)).setPriorYearVintage("FT-900 2024-0" + (m % 9 + 1))
                .setRevision(0).setPriorYearRevision(0).setCurrency("USD")
                .setPublishedAt(Instant.ofEpochMilli(1_700_000_000_000L + n))
                .setPriorYearPublishedAt(Instant.ofEpochMilli(1_600_000_000_000L + n)).build();
    }

    @SuppressWarnings("unchecked")
    private static <T extends org.apache.avro.specific.SpecificRecord> T copy(T record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<T>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return new SpecificDatumReader<T>(record.getSchema()).read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
