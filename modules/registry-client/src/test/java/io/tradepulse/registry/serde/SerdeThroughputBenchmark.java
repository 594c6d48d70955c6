package io.tradepulse.registry.serde;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntSupplier;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;

/**
 * In-JVM throughput harness (not a test) for {@link KafkaAvroSerializer} / {@link KafkaAvroDeserializer}
 * with generated classes: TradeChange as the Streams processor builds it and TradeRecord as the
 * connectors build it, through the in-memory registry, single thread. Measures the current serde and
 * the same serde with the precompiled writer/reader switched off ({@link Uncompiled}: Avro's own
 * SpecificDatumWriter/Reader, as before the performance work) in the same JVM, round by round alternately so that load from other processes on a
 * shared machine hits both alike, and prints records/s per operation (median of the measured rounds,
 * after warm-up rounds). From the repository root:
 *
 * <pre>
 * ./mvnw -B -o -q -pl modules/registry-client test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.tradepulse.registry.serde.SerdeThroughputBenchmark [-Dexec.args="--warmup 5 --rounds 5 --seconds 2"]
 * </pre>
 */
public final class SerdeThroughputBenchmark {

    private static final int POOL = 1024;

    private SerdeThroughputBenchmark() {
    }

    public static void main(String[] args) {
        int warmup = 5;
        int rounds = 5;
        double seconds = 2.0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--warmup N --rounds N --seconds S)");
            }
        }
        System.out.printf("java %s, %d cpu(s), warm-up %d x %.1f s, measured %d x %.1f s%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), warmup, seconds, rounds, seconds);

        MemorySchemaRegistryClient client = new MemorySchemaRegistryClient();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(client);
        serializer.configure(Map.of(), false);
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(client);
        deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
        KafkaAvroSerializer baselineSerializer = Uncompiled.serializer(client);
        baselineSerializer.configure(Map.of(), false);
        KafkaAvroDeserializer baselineDeserializer = Uncompiled.deserializer(client);
        baselineDeserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);

        Random random = new Random(42);
        List<TradeChange> changes = new ArrayList<>();
        List<TradeRecord> records = new ArrayList<>();
        for (int i = 0; i < POOL; i++) {
            changes.add(tradeChange(random, i));
            records.add(tradeRecord(random, i));
        }
        byte[][] changeBytes = changes.stream().map(c -> serializer.serialize("trade.changes", c)).toArray(byte[][]::new);
        byte[][] recordBytes = records.stream().map(r -> serializer.serialize("trade.records", r)).toArray(byte[][]::new);
        for (int i = 0; i < POOL; i++) { // sanity: the harness measures correct, identical round trips
            if (!changes.get(i).equals(deserializer.deserialize("trade.changes", changeBytes[i]))
                    || !records.get(i).equals(deserializer.deserialize("trade.records", recordBytes[i]))
                    || !Arrays.equals(changeBytes[i], baselineSerializer.serialize("trade.changes", changes.get(i)))
                    || !Arrays.equals(recordBytes[i], baselineSerializer.serialize("trade.records", records.get(i)))
                    || !changes.get(i).equals(baselineDeserializer.deserialize("trade.changes", changeBytes[i]))) {
                throw new IllegalStateException("round trip or byte comparison failed for record " + i);
            }
        }
        System.out.printf("bytes/record: TradeChange %.1f, TradeRecord %.1f%n", Arrays.stream(changeBytes).mapToInt(b -> b.length).average().orElse(0),
                Arrays.stream(recordBytes).mapToInt(b -> b.length).average().orElse(0));

        // The checksums touch the result cheaply (a record's hashCode() walks its schema and would dominate).
        int[] cursor = new int[1];
        Map<String, IntSupplier[]> ops = new LinkedHashMap<>();
        ops.put("TradeChange serialize", new IntSupplier[] {
            () -> baselineSerializer.serialize("trade.changes", changes.get(cursor[0]++ & (POOL - 1))).length,
            () -> serializer.serialize("trade.changes", changes.get(cursor[0]++ & (POOL - 1))).length});
        ops.put("TradeChange deserialize", new IntSupplier[] {
            () -> ((TradeChange) baselineDeserializer.deserialize("trade.changes", changeBytes[cursor[0]++ & (POOL - 1)])).getMonth(),
            () -> ((TradeChange) deserializer.deserialize("trade.changes", changeBytes[cursor[0]++ & (POOL - 1)])).getMonth()});
        ops.put("TradeRecord serialize", new IntSupplier[] {
            () -> baselineSerializer.serialize("trade.records", records.get(cursor[0]++ & (POOL - 1))).length,
            () -> serializer.serialize("trade.records", records.get(cursor[0]++ & (POOL - 1))).length});
        ops.put("TradeRecord deserialize", new IntSupplier[] {
            () -> ((TradeRecord) baselineDeserializer.deserialize("trade.records", recordBytes[cursor[0]++ & (POOL - 1)])).getMonth(),
            () -> ((TradeRecord) deserializer.deserialize("trade.records", recordBytes[cursor[0]++ & (POOL - 1)])).getMonth()});

        long sink = 0;
        for (int w = 0; w < warmup; w++) {
            for (IntSupplier[] op : ops.values()) {
                for (IntSupplier variant : op) {
                    sink += run(variant, seconds / 2)[1];
                }
            }
        }
        System.out.printf("%-24s %14s %14s %8s   (records/s, median of %d interleaved rounds; min-max)%n", "", "baseline", "current", "speed-up",
                rounds);
        for (Map.Entry<String, IntSupplier[]> op : ops.entrySet()) {
            double[][] rates = new double[2][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int v = 0; v < 2; v++) { // alternate, so load from other processes hits both alike
                    long[] result = run(op.getValue()[v], seconds);
                    rates[v][r] = result[0];
                    sink += result[1];
                }
            }
            Arrays.sort(rates[0]);
            Arrays.sort(rates[1]);
            double before = rates[0][rounds / 2];
            double after = rates[1][rounds / 2];
            System.out.printf("%-24s %,14.0f %,14.0f %7.2fx   (baseline %,.0f-%,.0f; current %,.0f-%,.0f)%n", op.getKey(), before, after,
                    after / before, rates[0][0], rates[0][rounds - 1], rates[1][0], rates[1][rounds - 1]);
        }
        System.out.println("(checksum " + sink + ")");
    }

    /** Runs {@code op} for about {@code seconds}; returns {records per second, checksum}. */
    private static long[] run(IntSupplier op, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        long count = 0;
        long sink = 0;
        long elapsed;
        do {
            for (int i = 0; i < 1000; i++) {
                sink += op.getAsInt();
            }
            count += 1000;
            elapsed = System.nanoTime() - start;
        } while (elapsed < budget);
        return new long[] {(long) (count * 1e9 / elapsed), sink};
    }

    private static final String[] REPORTERS = {"CHN", "USA", "DEU", "JPN", "KOR", "MEX", "CAN", "VNM"};
    private static final String[] COMMODITIES = {"TOTAL", "85", "8517", "851713", "84", "8471300100", "87", "27"};

    /** A TradeChange as SeriesHistories builds it: most optional fields filled once the series has history. */
    static TradeChange tradeChange(Random random, int i) {
        long value = 1_000_000_000L + (long) (random.nextDouble() * 60_000_000_000L);
        long prior = 1_000_000_000L + (long) (random.nextDouble() * 60_000_000_000L);
        long priorMonth = value + random.nextInt(1_000_000_000) - 500_000_000;
        long ytd = value * (1 + random.nextInt(11));
        long priorYtd = prior * (1 + random.nextInt(11));
        long rolling = value * 3 + random.nextInt(100_000);
        long rollingPrior = prior * 3 + random.nextInt(100_000);
        boolean hasBase = i % 10 != 0; // the first year of a series has no base
        Instant published = Instant.parse("2025-06-09T03:00:00Z").plusSeconds(i * 3600L);
        return TradeChange.newBuilder()
                .setReporter(REPORTERS[i & 7]).setPartner(REPORTERS[(i >> 3) & 7]).setFlow(i % 2 == 0 ? Flow.EXPORT : Flow.IMPORT)
                .setCommodity(COMMODITIES[i % COMMODITIES.length]).setCommodityLevel(CommodityLevel.values()[i % CommodityLevel.values().length])
                .setYear(2023 + i % 3).setMonth(1 + i % 12).setMonths(i % 12 == 0 ? 2 : 1)
                .setValue(value).setCurrency("USD")
                .setPriorYearValue(hasBase ? prior : null)
                .setYoyPct(hasBase ? (value - prior) * 100.0 / prior : null)
                .setYoyChange(hasBase ? value - prior : null)
                .setReportedYoyPct(i % 3 == 0 ? null : Math.round(random.nextGaussian() * 200) / 10.0)
                .setSource("GACC").setVintage("2025-06-09").setPublishedAt(published)
                .setPriorYearVintage(hasBase ? "2024-06-07" : null)
                .setPriorYearPublishedAt(hasBase ? published.minusSeconds(366L * 86400) : null)
                .setRevision(i % 4)
                .setPriorYearRevision(hasBase ? 0 : null)
                .setPriorMonthValue(priorMonth)
                .setMomPct((value - priorMonth) * 100.0 / priorMonth)
                .setYtdValue(ytd).setPriorYtdValue(hasBase ? priorYtd : null)
                .setYtdYoyPct(hasBase ? (ytd - priorYtd) * 100.0 / priorYtd : null)
                .setYtdPartial(i % 5 == 0)
                .setRolling3mValue(rolling).setRolling3mPriorValue(hasBase ? rollingPrior : null)
                .setRolling3mYoyPct(hasBase ? (rolling - rollingPrior) * 100.0 / rollingPrior : null)
                .build();
    }

    /** A TradeRecord as the source connectors build it. */
    static TradeRecord tradeRecord(Random random, int i) {
        return TradeRecord.newBuilder()
                .setReporter(REPORTERS[i & 7]).setPartner(REPORTERS[(i >> 3) & 7]).setFlow(i % 2 == 0 ? Flow.EXPORT : Flow.IMPORT)
                .setCommodity(COMMODITIES[i % COMMODITIES.length]).setCommodityLevel(CommodityLevel.values()[i % CommodityLevel.values().length])
                .setYear(2023 + i % 3).setMonth(1 + i % 12).setMonths(i % 12 == 0 ? 2 : 1)
                .setValue(1_000_000_000L + (long) (random.nextDouble() * 60_000_000_000L)).setCurrency("USD")
                .setValuation(i % 2 == 0 ? "FOB" : "CIF")
                .setReportedYoyPct(i % 3 == 0 ? null : Math.round(random.nextGaussian() * 200) / 10.0)
                .setSource("GACC").setSourceRef("http://english.customs.gov.cn/Statics/" + (i * 7919))
                .setVintage("2025-06-09").setPublishedAt(Instant.parse("2025-06-09T03:00:00Z").plusSeconds(i * 60L))
                .setRevision(i % 3)
                .setNote(i % 4 == 0 ? "secondary source" : null)
                .build();
    }
}
