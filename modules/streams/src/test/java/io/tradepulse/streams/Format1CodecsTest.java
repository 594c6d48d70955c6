package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/**
 * The hand-written format-1 codecs against {@link VersionedAvroSerde}, the oracle: they must write its bytes exactly
 * (they are RocksDB and changelog keys of running deployments) and read whatever it reads into equal objects.
 */
class Format1CodecsTest {
    private static final VersionedAvroSerde<SeriesKey> AVRO_SERIES = new VersionedAvroSerde<>(SeriesKey.getClassSchema());
    private static final VersionedAvroSerde<HistoryYearKey> AVRO_YEAR =
            new VersionedAvroSerde<>(HistoryYearKey.getClassSchema());
    private static final VersionedAvroSerde<ChangeKey> AVRO_CELL = new VersionedAvroSerde<>(ChangeKey.getClassSchema());
    private static final VersionedAvroSerde<RollupChildKey> AVRO_CHILD =
            new VersionedAvroSerde<>(RollupChildKey.getClassSchema());
    private static final ContributionOracle AVRO_CONTRIBUTION = new ContributionOracle();

    private static final Format1Codecs.SeriesKeyCodec SERIES = new Format1Codecs.SeriesKeyCodec();
    private static final Format1Codecs.HistoryYearKeyCodec YEAR = new Format1Codecs.HistoryYearKeyCodec();
    private static final Format1Codecs.ChangeKeyCodec CELL = new Format1Codecs.ChangeKeyCodec();
    private static final Format1Codecs.RollupChildKeyCodec CHILD = new Format1Codecs.RollupChildKeyCodec();
    private static final Format1Codecs.RollupContributionCodec CONTRIBUTION = new Format1Codecs.RollupContributionCodec();

    // ---- same bytes, same objects -------------------------------------------------------------------------------

    @Property(tries = 1000)
    void shouldWriteTheAvroSerdesBytesAndReadThemBackForAnySeriesKey(@ForAll("seriesKeys") SeriesKey key) {
        assertSameAsAvro(AVRO_SERIES, SERIES, key);
    }

    @Property(tries = 1000)
    void shouldWriteTheAvroSerdesBytesAndReadThemBackForAnyHistoryYearKey(@ForAll("historyYearKeys") HistoryYearKey key) {
        assertSameAsAvro(AVRO_YEAR, YEAR, key);
    }

    @Property(tries = 1000)
    void shouldWriteTheAvroSerdesBytesAndReadThemBackForAnyChangeKey(@ForAll("changeKeys") ChangeKey key) {
        assertSameAsAvro(AVRO_CELL, CELL, key);
    }

    @Property(tries = 1000)
    void shouldWriteTheAvroSerdesBytesAndReadThemBackForAnyRollupChildKey(@ForAll("childKeys") RollupChildKey key) {
        assertSameAsAvro(AVRO_CHILD, CHILD, key);
    }

    @Property(tries = 1000)
    void shouldWriteTheAvroSerdesBytesAndReadThemBackForAnyRollupContribution(
            @ForAll("contributions") RollupContribution contribution) {
        assertSameAsAvro(AVRO_CONTRIBUTION, CONTRIBUTION, contribution);
    }

    @Test
    void shouldWriteEveryFlowSymbolAsTheAvroSerdeDoes() {
        for (Flow flow : Flow.values()) {
            assertSameAsAvro(AVRO_SERIES, SERIES, new SeriesKey("USA", "CHN", flow, "8501"));
            assertSameAsAvro(AVRO_CELL, CELL, new ChangeKey("USA", "CHN", flow, "8501", 2025, 1));
        }
    }

    /**
     * Equal bytes; the codec reads them into what the Avro serde reads; and that is the value itself when its strings
     * survive UTF-8 (an unpaired surrogate is written as '?' by both, so it cannot come back).
     */
    private static <T> void assertSameAsAvro(Serde<T> avro, Serde<T> codec, T value) {
        byte[] expected = avro.serializer().serialize("t", value);
        assertThat(codec.serializer().serialize("t", value)).as("bytes of %s", value).isEqualTo(expected);
        T decoded = codec.deserializer().deserialize("t", expected);
        assertThat(decoded).isEqualTo(avro.deserializer().deserialize("t", expected));
        if (survivesUtf8(value)) {
            assertThat(decoded).isEqualTo(value);
        }
    }

    private static boolean survivesUtf8(Object value) {
        if (value instanceof String s) {
            return s.equals(new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
        if (value instanceof SpecificRecord r) {
            for (int i = 0; i < r.getSchema().getFields().size(); i++) {
                if (!survivesUtf8(r.get(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---- reads what the Avro serde reads, refuses what it refuses ---------------------------------------------

    /** What a codec is compared with: {@link VersionedAvroSerde}, or for contributions {@link ContributionOracle}. */
    interface Oracle<T> extends Serde<T>, Serializer<T>, Deserializer<T> {
        @Override
        default void configure(Map<String, ?> configs, boolean isKey) {
            // nothing to configure
        }

        @Override
        default void close() {
            // no resources
        }

        @Override
        default Serializer<T> serializer() {
            return this;
        }

        @Override
        default Deserializer<T> deserializer() {
            return this;
        }
    }

    static <T extends SpecificRecord> Oracle<T> oracle(VersionedAvroSerde<T> serde) {
        return new Oracle<>() {
            @Override
            public byte[] serialize(String topic, T value) {
                return serde.serialize(topic, value);
            }

            @Override
            public T deserialize(String topic, byte[] bytes) {
                return serde.deserialize(topic, bytes);
            }
        };
    }

    /**
     * The oracle of {@link Format1Codecs.RollupContributionCodec}, from Avro's own serde: format 1 is the Avro binary of
     * {@code history/RollupContribution/v1.avsc} (what earlier releases wrote, and what the codec still writes for a
     * published figure), read into the current schema (quality PUBLISHED); format 2 is the Avro binary of the current
     * schema (a quality other than PUBLISHED).
     */
    static final class ContributionOracle implements Oracle<RollupContribution> {
        static final Schema V1 = parseV1();
        private final VersionedAvroSerde<RollupContribution> v1Writer = new VersionedAvroSerde<>(V1);
        private final VersionedAvroSerde<RollupContribution> v1Reader =
                new VersionedAvroSerde<>(RollupContribution.getClassSchema(), V1);
        private final VersionedAvroSerde<RollupContribution> current =
                new VersionedAvroSerde<>(RollupContribution.getClassSchema());

        private static Schema parseV1() {
            try {
                return new Schema.Parser().parse(
                        Files.readString(Path.of("../../schemas/history/RollupContribution/v1.avsc")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public byte[] serialize(String topic, RollupContribution c) {
            if (c == null || c.getQuality() == FigureQuality.PUBLISHED) {
                return v1Writer.serialize(topic, c);
            }
            byte[] b = current.serialize(topic, c);
            b[0] = Format1Codecs.RollupContributionCodec.FORMAT_V2;
            return b;
        }

        @Override
        public RollupContribution deserialize(String topic, byte[] bytes) {
            if (bytes != null && bytes.length > 0 && bytes[0] == Format1Codecs.RollupContributionCodec.FORMAT_V2) {
                byte[] asV1 = bytes.clone();
                asV1[0] = VersionedAvroSerde.FORMAT_V1;
                return current.deserialize(topic, asV1);
            }
            return v1Reader.deserialize(topic, bytes);
        }
    }

    /** One codec with its oracle and a value of its type. */
    record Case<T extends SpecificRecord>(String name, Oracle<T> avro, Format1Codec<T> codec, T value) {
        @Override
        public String toString() {
            return name + " " + value;
        }
    }

    @Provide
    Arbitrary<Case<?>> cases() {
        return Arbitraries.oneOf(
                seriesKeys().map(v -> new Case<>("SeriesKey", oracle(AVRO_SERIES), SERIES, v)),
                historyYearKeys().map(v -> new Case<>("HistoryYearKey", oracle(AVRO_YEAR), YEAR, v)),
                changeKeys().map(v -> new Case<>("ChangeKey", oracle(AVRO_CELL), CELL, v)),
                childKeys().map(v -> new Case<>("RollupChildKey", oracle(AVRO_CHILD), CHILD, v)),
                contributions().map(v -> new Case<>("RollupContribution", AVRO_CONTRIBUTION, CONTRIBUTION, v)));
    }

    /**
     * Entries written by the Avro serde, then altered (truncated, extended, a byte replaced or inserted, a varint
     * re-encoded non-minimally): whatever the Avro serde made of the bytes, a value or a refusal, the codec makes the
     * same.
     */
    @Property(tries = 3000)
    void shouldReadAlteredBytesExactlyAsTheAvroSerdeDoes(@ForAll("cases") Case<?> c, @ForAll long seed) {
        assertSameDecoding(c, seed);
    }

    private static <T extends SpecificRecord> void assertSameDecoding(Case<T> c, long seed) {
        Random random = new Random(seed);
        byte[] bytes = c.avro().serialize("t", c.value());
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            bytes = alter(bytes, random);
        }
        boolean accepted = assertReadAlike(c.avro(), c.codec(), bytes);
        // shows in the report that both outcomes are exercised (about a third of the altered entries still read)
        Statistics.collect(accepted ? "read" : "refused");
    }

    /** @return whether the bytes were read (not refused) */
    private static <T> boolean assertReadAlike(Serde<T> avro, Serde<T> codec, byte[] bytes) {
        Object expected;
        try {
            expected = avro.deserializer().deserialize("t", bytes);
        } catch (SerializationException e) {
            expected = "refused: " + e.getMessage();
        } catch (OutOfMemoryError e) {
            // Avro allocates a string's declared length before it finds the bytes missing: an altered length can ask
            // for more than the heap. It refuses such bytes given the memory; the codec checks the length first.
            expected = null;
        }
        Object actual;
        try {
            actual = codec.deserializer().deserialize("t", bytes);
        } catch (SerializationException e) {
            actual = "refused: " + e.getMessage();
        }
        if (expected == null) {
            assertThat(actual).as("bytes %s", Arrays.toString(bytes)).asString().startsWith("refused: Cannot decode");
        } else {
            assertThat(actual).as("bytes %s", Arrays.toString(bytes)).isEqualTo(expected);
        }
        return !(actual instanceof String);
    }

    private static byte[] alter(byte[] bytes, Random random) {
        int at = 1 + random.nextInt(Math.max(1, bytes.length - 1)); // never the format byte
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (random.nextInt(5)) {
            case 0 -> { // truncated
                return Arrays.copyOf(bytes, Math.min(at, bytes.length));
            }
            case 1 -> { // trailing bytes
                out.writeBytes(bytes);
                for (int i = random.nextInt(4); i >= 0; i--) {
                    out.write(random.nextInt(256));
                }
            }
            case 2 -> { // one byte replaced: small values mostly, so the rest still parses now and then
                byte[] copy = bytes.clone();
                if (at < copy.length) {
                    copy[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : random.nextInt(8));
                }
                return copy;
            }
            case 3 -> { // one byte inserted
                out.write(bytes, 0, Math.min(at, bytes.length));
                out.write(random.nextBoolean() ? random.nextInt(256) : random.nextInt(8));
                out.write(bytes, Math.min(at, bytes.length), bytes.length - Math.min(at, bytes.length));
            }
            default -> { // a one-byte varint at `at` re-encoded non-minimally, same value, in 2 to 11 bytes
                if (at >= bytes.length || bytes[at] < 0) {
                    return bytes;
                }
                out.write(bytes, 0, at);
                out.write(bytes[at] | 0x80);
                for (int i = random.nextInt(10); i > 0; i--) {
                    out.write(0x80);
                }
                out.write(0);
                out.write(bytes, at + 1, bytes.length - at - 1);
            }
        }
        return out.toByteArray();
    }

    @Test
    void shouldReadNonMinimalVarintsMalformedUtf8AndTrailingBytesAsTheAvroSerdeDoes() {
        // flow IMPORT as the two-byte varint 0x82 0x00
        assertReadAlike(AVRO_SERIES, SERIES, bytes(1, 6, 'U', 'S', 'A', 6, 'C', 'H', 'N', 0x82, 0x00, 0));
        // year as five bytes whose last carries bits beyond 32 (Avro drops them), then with a sixth byte (refused)
        byte[] year = {(byte) 0xD2, (byte) 0x9F, (byte) 0x80, (byte) 0x80, 0x70};
        assertReadAlike(AVRO_CELL, CELL, concat(bytes(1, 0, 0, 2, 0), year, bytes(2)));
        assertReadAlike(AVRO_CELL, CELL, concat(bytes(1, 0, 0, 2, 0), bytes(0xD2, 0x9F, 0x80, 0x80, 0xF0, 0x01), bytes(2)));
        // publishedAt as ten bytes, the last with stray bits; then with an eleventh (refused)
        byte[] head = bytes(1, 2, 'x', 2, 0, 0, 0, 0);
        assertReadAlike(AVRO_CONTRIBUTION, CONTRIBUTION,
                concat(head, bytes(0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F), bytes(2, 8)));
        assertReadAlike(AVRO_CONTRIBUTION, CONTRIBUTION,
                concat(head, bytes(0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0xFF, 0x01), bytes(2, 8)));
        // a string length written non-minimally, and a string that is not valid UTF-8
        assertReadAlike(AVRO_SERIES, SERIES, bytes(1, 0x86, 0x80, 0x00, 'U', 'S', 'A', 4, 0xC3, 0x28, 0, 0));
        assertReadAlike(AVRO_SERIES, SERIES, bytes(1, 2, 0xFF, 0, 0, 6, 0xED, 0xA0, 0x80));
        // bytes after the record (Avro never looks at them)
        assertReadAlike(AVRO_SERIES, SERIES, bytes(1, 0, 0, 0, 0, 0x55, 0xFF));
        // refusals: a negative length, an enum index out of range (negative or past the end), a union branch 2
        assertReadAlike(AVRO_SERIES, SERIES, bytes(1, 1, 0, 0, 0));
        assertReadAlike(AVRO_SERIES, SERIES, bytes(1, 0, 0, 1, 0));
        assertReadAlike(AVRO_SERIES, SERIES, bytes(1, 0, 0, 8, 0));
        assertReadAlike(AVRO_CONTRIBUTION, CONTRIBUTION, bytes(1, 0, 2, 4, 0, 0, 0, 0, 0, 0));
        // and these read the same as what they would be without the alteration: the oracle really accepts them
        assertThat(SERIES.deserialize("t", bytes(1, 6, 'U', 'S', 'A', 6, 'C', 'H', 'N', 0x82, 0x00, 0)))
                .isEqualTo(new SeriesKey("USA", "CHN", Flow.IMPORT, ""));
        assertThat(CELL.deserialize("t", concat(bytes(1, 0, 0, 2, 0), year, bytes(2))).getYear()).isEqualTo(2025);
    }

    @Property(tries = 300)
    void shouldRefuseAnUnknownFormatByteWithTheAvroSerdesMessage(@ForAll("cases") Case<?> c, @ForAll byte format) {
        assertSameFormatCheck(c, format);
    }

    private static <T extends SpecificRecord> void assertSameFormatCheck(Case<T> c, byte format) {
        byte[] bytes = c.avro().serialize("t", c.value());
        bytes[0] = format;
        assertReadAlike(c.avro(), c.codec(), bytes);
        if (!c.codec().reads(format)) {
            assertThatThrownBy(() -> c.codec().deserialize("t", bytes)).isInstanceOf(SerializationException.class)
                    .hasMessageStartingWith("Unknown state format version " + format + " for ");
        }
        assertThatThrownBy(() -> c.codec().deserialize("t", new byte[0])).isInstanceOf(SerializationException.class)
                .hasMessage(messageOf(() -> c.avro().deserialize("t", new byte[0])));
    }

    @Test
    void shouldPassNullsThroughAndRefuseANullFieldAsTheAvroSerdeDoes() {
        assertThat(SERIES.serialize("t", null)).isNull();
        assertThat(SERIES.deserialize("t", null)).isNull();
        assertThat(CONTRIBUTION.serialize("t", null)).isNull();
        assertThat(CONTRIBUTION.deserialize("t", null)).isNull();
        SeriesKey noReporter = new SeriesKey(null, "CHN", Flow.IMPORT, "TOTAL");
        assertThatThrownBy(() -> SERIES.serialize("t", noReporter)).isInstanceOf(SerializationException.class)
                .hasMessage(messageOf(() -> AVRO_SERIES.serialize("t", noReporter)));
        SeriesKey noFlow = new SeriesKey("USA", "CHN", null, "TOTAL");
        assertThatThrownBy(() -> SERIES.serialize("t", noFlow)).isInstanceOf(SerializationException.class)
                .hasMessage(messageOf(() -> AVRO_SERIES.serialize("t", noFlow)));
        HistoryYearKey noSeries = new HistoryYearKey(null, 2025);
        assertThatThrownBy(() -> YEAR.serialize("t", noSeries)).isInstanceOf(SerializationException.class)
                .hasMessage(messageOf(() -> AVRO_YEAR.serialize("t", noSeries)));
        RollupContribution noVintage = new RollupContribution("C:01", 1, null, "USD", "CENSUS", null, 0L, null,
                FigureQuality.PUBLISHED);
        assertThatThrownBy(() -> CONTRIBUTION.serialize("t", noVintage)).isInstanceOf(SerializationException.class)
                .hasMessage(messageOf(() -> AVRO_CONTRIBUTION.serialize("t", noVintage)));
        // nothing of a refused entry stays in the thread's buffer (VersionedAvroSerde once prefixed the next entry)
        SeriesKey next = new SeriesKey("DEU", "FRA", Flow.EXPORT, "TOTAL");
        assertThat(SERIES.serialize("t", next))
                .isEqualTo(new VersionedAvroSerde<SeriesKey>(SeriesKey.getClassSchema()).serialize("t", next));
    }

    private static String messageOf(Runnable call) {
        try {
            call.run();
        } catch (SerializationException e) {
            return e.getMessage();
        }
        throw new AssertionError("the Avro serde did not refuse");
    }

    // ---- the roll-up emission's prefix scan ---------------------------------------------------------------------

    /**
     * RollupProcessor reads a cell's children with a prefix scan of rollup-children by the cell's key bytes: every
     * child key of the cell must start with them, and no child key of another cell may (each field is
     * length-prefixed or a varint, so "USA"+"CHN" is not "USAC"+"HN").
     */
    @Property(tries = 1000)
    void shouldStartExactlyTheChildKeysOfACellWithTheCellsKey(@ForAll("changeKeys") ChangeKey cell,
                                                              @ForAll("changeKeys") ChangeKey unrelated,
                                                              @ForAll("strings") String child,
                                                              @ForAll @IntRange(min = 0, max = 5) int variant) {
        ChangeKey other = switch (variant) {
            case 0 -> unrelated;
            case 1 -> cell.getPartner().isEmpty() ? unrelated : new ChangeKey(cell.getReporter() + cell.getPartner().charAt(0),
                    cell.getPartner().substring(1), cell.getFlow(), cell.getCommodity(), cell.getYear(), cell.getMonth());
            case 2 -> new ChangeKey(cell.getReporter(), cell.getPartner(), cell.getFlow(), cell.getCommodity(),
                    cell.getYear(), cell.getMonth() + 1);
            case 3 -> new ChangeKey(cell.getReporter(), cell.getPartner(), cell.getFlow(), cell.getCommodity() + "0",
                    cell.getYear(), cell.getMonth());
            case 4 -> new ChangeKey(cell.getReporter(), cell.getPartner(), cell.getFlow(), cell.getCommodity(),
                    cell.getYear() - 1, cell.getMonth());
            default -> cell;
        };
        byte[] prefix = CELL.serialize("t", cell);
        assertThat(CHILD.serialize("t", new RollupChildKey(cell, child))).startsWith(prefix);
        byte[] otherChild = CHILD.serialize("t", new RollupChildKey(other, child));
        boolean matches = otherChild.length >= prefix.length
                && Arrays.equals(otherChild, 0, prefix.length, prefix, 0, prefix.length);
        assertThat(matches).as("%s under the prefix of %s", other, cell)
                .isEqualTo(Arrays.equals(CELL.serialize("t", other), prefix));
    }

    // ---- the schemas the codecs are written for ----------------------------------------------------------------

    /**
     * Each codec is written for one schema's field list. A schema change (a field added, removed, renamed,
     * reordered, retyped, an enum symbol added or moved) would make the codec silently write and read something
     * else than Avro would: this fails first. The fix is in the codec and its tests, and if the bytes change, a new
     * format version (VersionedAvroSerde's comment) because the old keys are in running deployments' stores.
     */
    @Test
    void shouldFailTheBuildWhenASchemaACodecIsWrittenForChanges() {
        String flow = "io.tradepulse.avro.Flow[EXPORT, IMPORT, RE_EXPORT, RE_IMPORT]";
        String seriesKey = "io.tradepulse.avro.SeriesKey{reporter:string, partner:string, flow:" + flow
                + ", commodity:string}";
        String changeKey = "io.tradepulse.avro.ChangeKey{reporter:string, partner:string, flow:" + flow
                + ", commodity:string, year:int, month:int}";
        assertPinned(SERIES, SeriesKey.getClassSchema(), seriesKey);
        assertPinned(YEAR, HistoryYearKey.getClassSchema(),
                "io.tradepulse.avro.state.HistoryYearKey{series:" + seriesKey + ", year:int}");
        assertPinned(CELL, ChangeKey.getClassSchema(), changeKey);
        assertPinned(CHILD, RollupChildKey.getClassSchema(),
                "io.tradepulse.avro.state.RollupChildKey{cell:" + changeKey + ", child:string}");
        assertPinned(CONTRIBUTION, RollupContribution.getClassSchema(),
                "io.tradepulse.avro.state.RollupContribution{child:string, months:int, value:union[null, long], "
                        + "currency:string, source:string, vintage:string, publishedAt:long, derivedFrom:union[null, int], "
                        + "quality:io.tradepulse.avro.FigureQuality[PUBLISHED, ESTIMATED, SECONDARY, UNKNOWN]}");
    }

    private static void assertPinned(Format1Codec<?> codec, Schema schema, String pinned) {
        assertThat(describe(schema))
                .withFailMessage("The schema %s changed: update %s and its tests (Format1CodecsTest), and keep the "
                                + "bytes of existing entries readable.%nwas:  %s%nnow:  %s",
                        schema.getFullName(), codec.getClass().getSimpleName(), pinned, describe(schema))
                .isEqualTo(pinned);
    }

    private static String describe(Schema s) {
        return switch (s.getType()) {
            case RECORD -> s.getFullName() + s.getFields().stream().map(f -> f.name() + ":" + describe(f.schema()))
                    .collect(Collectors.joining(", ", "{", "}"));
            case ENUM -> s.getFullName() + s.getEnumSymbols();
            case UNION -> "union" + s.getTypes().stream().map(Format1CodecsTest::describe)
                    .collect(Collectors.joining(", ", "[", "]"));
            default -> s.getType().getName();
        };
    }

    // ---- values --------------------------------------------------------------------------------------------------

    /**
     * Short ASCII (the codes in practice), any chars (unpaired surrogates included), valid code points beyond the
     * BMP, long strings (two- and three-byte length varints, a grown buffer), and the usual suspects.
     */
    @Provide
    Arbitrary<String> strings() {
        Arbitrary<String> codePoints = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
                .list().ofMaxSize(12)
                .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().ascii().ofMaxLength(12)),
                Tuple.of(3, Arbitraries.strings().all().ofMaxLength(40)),
                Tuple.of(2, codePoints),
                Tuple.of(1, Arbitraries.strings().ascii().ofMinLength(60).ofMaxLength(200)),
                Tuple.of(1, Arbitraries.strings().all().ofMinLength(2000).ofMaxLength(9000)),
                Tuple.of(2, Arbitraries.of("", "USA", "WLD", "TOTAL", "C:850440", "P:CHN", "caf\u00e9", "\u4e2d\u56fd",
                        "\ud83d\ude00", "\ud800", "a\udc00b", "\u0000", "\u007f\u0080\u07ff\u0800\uffff")));
    }

    @Provide
    Arbitrary<SeriesKey> seriesKeys() {
        return Combinators.combine(strings(), strings(), Arbitraries.of(Flow.class), strings()).as(SeriesKey::new);
    }

    @Provide
    Arbitrary<HistoryYearKey> historyYearKeys() {
        return Combinators.combine(seriesKeys(), Arbitraries.integers()).as(HistoryYearKey::new);
    }

    @Provide
    Arbitrary<ChangeKey> changeKeys() {
        return Combinators.combine(strings(), strings(), Arbitraries.of(Flow.class), strings(), Arbitraries.integers(),
                Arbitraries.integers()).as(ChangeKey::new);
    }

    @Provide
    Arbitrary<RollupChildKey> childKeys() {
        return Combinators.combine(changeKeys(), strings()).as(RollupChildKey::new);
    }

    @Provide
    Arbitrary<RollupContribution> contributions() {
        // Mostly PUBLISHED (format 1, as every figure a source publishes), the other qualities in format 2.
        Arbitrary<FigureQuality> qualities = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(FigureQuality.PUBLISHED)),
                Tuple.of(2, Arbitraries.of(FigureQuality.class)));
        return Combinators.combine(strings(), Arbitraries.integers(), Arbitraries.longs().injectNull(0.3), strings(),
                strings(), strings(), Arbitraries.longs(), Arbitraries.integers().injectNull(0.5))
                .as((child, months, value, currency, source, vintage, publishedAt, derivedFrom) -> new Object[] {
                        child, months, value, currency, source, vintage, publishedAt, derivedFrom})
                .flatMap(f -> qualities.map(q -> new RollupContribution((String) f[0], (Integer) f[1], (Long) f[2],
                        (String) f[3], (String) f[4], (String) f[5], (Long) f[6], (Integer) f[7], q)));
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
