package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Not a test (no Surefire pattern matches it): the measurement behind docs/benchmarks.md, "Hand-written state key
 * codecs". Serializes {@code n} distinct values of each hot state type with the generic {@link VersionedAvroSerde}
 * and with its {@link Format1Codecs} codec, then deserializes the bytes, in one thread; each pass is repeated
 * {@code rounds} times (the first ones warm the JIT) and the best is printed, in ns per value.
 *
 * <pre>
 * java -Xmx1g -cp modules/streams/target/test-classes:modules/streams/target/classes:$(./mvnw -q -o -pl modules/streams \
 *   dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout) io.tradepulse.streams.StateCodecScale 1000000 7
 * </pre>
 */
public final class StateCodecScale {
    private static final String[] REPORTERS = {"USA", "CHN", "DEU", "FRA", "JPN", "EUU", "GBR", "MEX"};
    private static volatile long sink;

    private StateCodecScale() {
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        System.out.printf(Locale.ROOT, "%d values per type, best of %d rounds, ns per value%n", n, rounds);
        System.out.printf(Locale.ROOT, "%-20s %12s %12s %12s %12s%n", "type", "avro ser", "codec ser", "avro deser",
                "codec deser");
        run("SeriesKey", n, rounds, StateCodecScale::series, SeriesKey.getClassSchema(), new Format1Codecs.SeriesKeyCodec());
        run("HistoryYearKey", n, rounds, i -> new HistoryYearKey(series(i), 2000 + i % 26),
                HistoryYearKey.getClassSchema(), new Format1Codecs.HistoryYearKeyCodec());
        run("ChangeKey", n, rounds, StateCodecScale::cell, ChangeKey.getClassSchema(), new Format1Codecs.ChangeKeyCodec());
        run("RollupChildKey", n, rounds, i -> new RollupChildKey(cell(i), "C:" + cell(i).getCommodity() + (10 + i % 90)),
                RollupChildKey.getClassSchema(), new Format1Codecs.RollupChildKeyCodec());
        run("RollupContribution", n, rounds, i -> new RollupContribution("C:" + (850110 + i % 9000), 1,
                        i % 17 == 0 ? null : 1_000L * i, "USD", "US-CENSUS", "2026-02-05", 1_770_000_000_000L + i,
                        i % 5 == 0 ? (Integer) 3 : null, FigureQuality.PUBLISHED),
                RollupContribution.getClassSchema(), new Format1Codecs.RollupContributionCodec());
        System.out.println("(checksum " + sink + ")");
    }

    private static SeriesKey series(int i) {
        return new SeriesKey(REPORTERS[i % REPORTERS.length], String.format(Locale.ROOT, "P%02d", i / 8 % 230),
                Flow.values()[i % 4], String.format(Locale.ROOT, "%06d", 10_000 + i / 1840 % 900_000));
    }

    private static ChangeKey cell(int i) {
        SeriesKey s = series(i / 12);
        return new ChangeKey(s.getReporter(), s.getPartner(), s.getFlow(), s.getCommodity(), 2015 + i / 12 % 11,
                1 + i % 12);
    }

    private static <T extends SpecificRecord> void run(String name, int n, int rounds, IntFunction<T> make,
                                                       org.apache.avro.Schema schema, Serde<T> codec) {
        List<T> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(make.apply(i));
        }
        Serde<T> avro = new VersionedAvroSerde<>(schema);
        byte[][] bytes = new byte[n][];
        long[] best = new long[4];
        Arrays.fill(best, Long.MAX_VALUE);
        for (int r = 0; r < rounds; r++) {
            best[0] = Math.min(best[0], serialize(avro, values, bytes));
            best[1] = Math.min(best[1], serialize(codec, values, bytes));
            best[2] = Math.min(best[2], deserialize(avro, bytes));
            best[3] = Math.min(best[3], deserialize(codec, bytes));
        }
        System.out.printf(Locale.ROOT, "%-20s %12.1f %12.1f %12.1f %12.1f%n", name, best[0] / (double) n,
                best[1] / (double) n, best[2] / (double) n, best[3] / (double) n);
    }

    private static <T> long serialize(Serde<T> serde, List<T> values, byte[][] out) {
        long start = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = serde.serializer().serialize("t", values.get(i));
            sum += out[i].length;
        }
        long took = System.nanoTime() - start;
        sink += sum;
        return took;
    }

    private static <T> long deserialize(Serde<T> serde, byte[][] in) {
        long start = System.nanoTime();
        long sum = 0;
        for (byte[] b : in) {
            // not hashCode(): a record's is schema-driven and would cost more than the decoding measured
            sum += System.identityHashCode(serde.deserializer().deserialize("t", b));
        }
        long took = System.nanoTime() - start;
        sink += sum;
        return took;
    }
}
