package io.tradepulse.serving;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.serving.Results.Cursor;
import io.tradepulse.serving.Results.Page;
import io.tradepulse.serving.Results.SeriesFilter;
import io.tradepulse.serving.ResultsStore.SignalPlan;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Not a test (no Surefire pattern matches it): the measurement behind docs/benchmarks.md, "REST view at backfill
 * size" (signals). Fills the store with 1.38 M signals of the backfill's shape (3 reporters x 230 partners x 400 HS6
 * codes x 5 signals over 36 months, a quarter RETRACTED) and times a 1,000-row page of ACTIVE signals by each plan
 * of {@link ResultsStore#signals} (the time index and each field index a filter can use), three rounds; then a type
 * and a status alone, every page: PAYBACK tested on each value (the plan before 2026-11-30) and sought as a key
 * field, RETRACTED by the time index. {@code -Dtradepulse.scale.payback=F} keeps only that share of the PAYBACK draws
 * (the others become YOY_MOVE) and {@code -Dtradepulse.scale.retracted=F} sets the RETRACTED share (0.25), so that
 * either is rare; both draw from a Random of their own, so the defaults write the same signals as before.
 *
 * <pre>
 * ./mvnw -B -o -q -pl modules/serving test-compile
 * java -Xmx256m -XX:+UseParallelGC -cp modules/serving/target/test-classes:modules/serving/target/classes:$(./mvnw -q -o \
 *   -pl modules/serving dependency:build-classpath -Dmdep.outputFile=/dev/stdout) io.tradepulse.serving.SignalsViewScale /tmp/signals-scale
 * </pre>
 */
public final class SignalsViewScale {
    private SignalsViewScale() {
    }

    private interface Query {
        Page<TradeSignal> run(Cursor after);
    }

    public static void main(String[] args) throws Exception {
        ResultsStore store = ResultsStore.open(Path.of(args[0]));
        Random r = new Random(1);
        Random rare = new Random(2);
        double paybackKept = Double.parseDouble(System.getProperty("tradepulse.scale.payback", "1"));
        double retractedShare = Double.parseDouble(System.getProperty("tradepulse.scale.retracted", "0.25"));
        String[] types = {"YOY_MOVE", "FRONT_LOADING", "PAYBACK"};
        long t0 = System.nanoTime();
        int n = 0;
        for (String rep : new String[] {"CHN", "DEU", "USA"}) {
            for (int p = 0; p < 230; p++) {
                String partner = String.format("P%02d", p);
                for (int c = 0; c < 400; c++) {
                    String com = String.format("%06d", 100000 + c * 37);
                    for (int k = 0; k < 5; k++) {
                        int year = 2022 + r.nextInt(3);
                        int month = 1 + r.nextInt(12);
                        String type = types[r.nextInt(3)];
                        boolean retracted = r.nextInt(4) == 0;
                        if (type.equals("PAYBACK") && paybackKept < 1 && rare.nextDouble() >= paybackKept) {
                            type = "YOY_MOVE";
                        }
                        if (retractedShare != 0.25) {
                            retracted = rare.nextDouble() < retractedShare;
                        }
                        TradeSignal s = TradeSignal.newBuilder().setType(type)
                                .setStatus(retracted ? SignalStatus.RETRACTED : SignalStatus.ACTIVE)
                                .setReporter(rep).setPartner(partner).setFlow(Flow.EXPORT).setCommodity(com)
                                .setYear(year).setMonth(month).setSummary("YoY -34.5 % against 2024-05 (USD 1,234,567)")
                                .setMethod("|YoY| >= 30 %").build();
                        store.putSignal(new SignalKey(rep, partner, Flow.EXPORT, com, year, month, type), s);
                        n++;
                    }
                }
            }
        }
        System.out.printf("wrote %d signal records in %.1f s (%.1f us each)%n", n, (System.nanoTime() - t0) / 1e9,
                (System.nanoTime() - t0) / 1e3 / n);
        Predicate<TradeSignal> any = s -> true;
        Predicate<TradeSignal> active = s -> s.getStatus() == SignalStatus.ACTIVE;
        System.out.printf("store directory after the writes: %.1f MB (memtables not flushed yet excluded)%n",
                size(Path.of(args[0])) / 1e6);
        SeriesFilter all = SeriesFilter.ALL, usa = new SeriesFilter("USA", null, null, null),
                pair = new SeriesFilter("USA", "P07", null, null), pc = new SeriesFilter(null, "P07", null, "100037"),
                partner = new SeriesFilter(null, "P07", null, null), commodity = new SeriesFilter(null, null, null, "100037");
        for (int round = 0; round < 3; round++) {
            System.out.println("round " + round);
            time("all, by time, first page", () -> store.signalsByTime(all, active, null, 1000));
            time("all, by time, pages 1-10", tenth(after -> store.signalsByTime(all, active, after, 1000)));
            time("reporter, by time", () -> store.signalsByTime(usa, active, null, 1000));
            time("reporter, by reporter", () -> store.signalsBy(SignalPlan.REPORTER, usa, active, null, 1000));
            time("pair, by time", () -> store.signalsByTime(pair, active, null, 1000));
            time("pair, by pair", () -> store.signalsBy(SignalPlan.PAIR, pair, active, null, 1000));
            time("partner, by time", () -> store.signalsByTime(partner, active, null, 1000));
            time("partner, by partner", () -> store.signalsBy(SignalPlan.PARTNER, partner, active, null, 1000));
            time("partner, by partner, pages 1-10",
                    tenth(after -> store.signalsBy(SignalPlan.PARTNER, partner, active, after, 1000)));
            time("commodity, by time", () -> store.signalsByTime(commodity, active, null, 1000));
            time("commodity, by commodity", () -> store.signalsBy(SignalPlan.COMMODITY, commodity, active, null, 1000));
            time("partner+commodity, by time", () -> store.signalsByTime(pc, active, null, 1000));
            time("partner+commodity, by partner", () -> store.signalsBy(SignalPlan.PARTNER, pc, active, null, 1000));
            time("partner+commodity, by commodity",
                    () -> store.signalsBy(SignalPlan.COMMODITY, pc, active, null, 1000));
            Predicate<TradeSignal> payback = s -> s.getType().equals("PAYBACK");
            time("PAYBACK, tested, first page", () -> store.signalsByTime(all, payback, null, 1000));
            pass("PAYBACK, tested, every page", after -> store.signalsByTime(all, payback, after, 1000));
            time("PAYBACK, sought, first page",
                    () -> store.signalsBy(SignalPlan.TIME, all, "PAYBACK", any, null, 1000));
            pass("PAYBACK, sought, every page",
                    after -> store.signalsBy(SignalPlan.TIME, all, "PAYBACK", any, after, 1000));
            pass("PAYBACK ACTIVE, tested, every page",
                    after -> store.signalsByTime(all, payback.and(active), after, 1000));
            pass("PAYBACK ACTIVE, sought, every page",
                    after -> store.signalsBy(SignalPlan.TIME, all, "PAYBACK", active, after, 1000));
            pass("partner PAYBACK, tested, every page",
                    after -> store.signalsBy(SignalPlan.PARTNER, partner, payback, after, 1000));
            pass("partner PAYBACK, sought, every page",
                    after -> store.signalsBy(SignalPlan.PARTNER, partner, "PAYBACK", any, after, 1000));
            Predicate<TradeSignal> retracted = s -> s.getStatus() == SignalStatus.RETRACTED;
            time("RETRACTED, first page", () -> store.signalsByTime(all, retracted, null, 1000));
            pass("RETRACTED, every page", after -> store.signalsByTime(all, retracted, after, 1000));
        }
        store.close();
    }

    private static long size(Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(dir)) {
            return files.filter(java.nio.file.Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static java.util.function.Supplier<Page<TradeSignal>> tenth(Query q) {
        return () -> {
            Cursor c = null;
            Page<TradeSignal> p = null;
            for (int i = 0; i < 10; i++) {
                p = q.run(c);
                c = p.next();
            }
            return p;
        };
    }

    /** Every page of a query, following the cursor: the pages, the rows and the time of the whole pass. */
    private static void pass(String what, Query q) {
        long t = System.nanoTime();
        int pages = 0;
        int rows = 0;
        Cursor c = null;
        do {
            Page<TradeSignal> p = q.run(c);
            pages++;
            rows += p.rows().size();
            c = p.next();
        } while (c != null);
        System.out.printf("  %-36s rows %6d pages %4d %8.1f ms%n", what, rows, pages, (System.nanoTime() - t) / 1e6);
    }

    private static void time(String what, java.util.function.Supplier<Page<TradeSignal>> q) {
        long t = System.nanoTime();
        Page<TradeSignal> p = q.get();
        System.out.printf("  %-36s rows %5d truncated %-5s next %-5s %8.1f ms%n", what, p.rows().size(), p.truncated(),
                p.next() != null, (System.nanoTime() - t) / 1e6);
    }
}
