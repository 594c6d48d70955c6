package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SeriesHistoryCodecTest {
    private final SeriesHistoryCodec codec = new SeriesHistoryCodec();
    /** Writes format 1 exactly as earlier releases did: Avro binary of the schema before derivedFrom existed. */
    private final VersionedAvroSerde<SeriesHistory> v1 =
            new VersionedAvroSerde<>(SeriesHistoryCodec.V1_SCHEMA, SeriesHistoryCodec.V1_SCHEMA);

    @Property(tries = 300)
    void roundTripsEveryFieldAndReadsFormat1(@ForAll long seed) {
        SeriesHistory h = random(new Random(seed));
        boolean derived = h.getObservations().stream().anyMatch(o -> o.getDerivedFrom() != null);
        boolean qualified = h.getObservations().stream().anyMatch(o -> o.getQuality() != FigureQuality.PUBLISHED);
        byte[] encoded = codec.serialize("t", h);
        // format 2 unless a derived figure needs format 3, archived years format 4 or a figure that is not PUBLISHED
        // format 5 (older releases can still read every other entry, and refuse these by their format byte)
        assertThat(encoded[0]).isEqualTo(qualified ? SeriesHistoryCodec.FORMAT_V5
                : h.getArchivedBefore() != 0 ? SeriesHistoryCodec.FORMAT_V4
                : derived ? SeriesHistoryCodec.FORMAT_V3 : SeriesHistoryCodec.FORMAT_V2);
        assertThat(codec.deserialize("t", encoded)).isEqualTo(h);
        // format 1 entries (written by earlier releases, which had neither derived figures nor archived years) still
        // restore
        SeriesHistory published = withoutDerived(h);
        byte[] old = v1.serialize("t", published);
        assertThat(old[0]).isEqualTo(VersionedAvroSerde.FORMAT_V1);
        assertThat(codec.deserialize("t", old)).isEqualTo(published);
    }

    private static SeriesHistory withoutDerived(SeriesHistory h) {
        List<Observation> obs = new ArrayList<>();
        for (Observation o : h.getObservations()) {
            obs.add(Observation.newBuilder(o).setDerivedFrom(null).setQuality(FigureQuality.PUBLISHED).build());
        }
        return new SeriesHistory(h.getCommodityLevel(), obs, 0);
    }

    @Test
    void isMuchSmallerThanFormat1ForATypicalHistory() {
        List<Observation> obs = new ArrayList<>();
        for (int i = 0; i < 36; i++) {
            obs.add(new Observation(2023 + i / 12, i % 12 + 1, 1, 1_000_000L + i * 1_234L, "USD", null, "US-CENSUS",
                    "2023-" + (i % 12 + 1), 1_700_000_000_000L + i * 2_592_000_000L, 0, null, FigureQuality.PUBLISHED));
        }
        SeriesHistory h = new SeriesHistory(CommodityLevel.HS6, obs, 0);
        int v2 = codec.serialize("t", h).length;
        int old = v1.serialize("t", h).length;
        assertThat(codec.deserialize("t", codec.serialize("t", h))).isEqualTo(h);
        assertThat(v2).isLessThan(old * 2 / 3);
    }

    @Test
    void readsFormat1WithTheReleasedV1Schema() throws java.io.IOException {
        // schemas/history keeps every released schema (SchemaEvolutionTest); format-1 entries were written with v1,
        // so the writer schema this codec resolves them with must be exactly that one.
        org.apache.avro.Schema released = new org.apache.avro.Schema.Parser().parse(
                java.nio.file.Files.readString(java.nio.file.Path.of("../../schemas/history/SeriesHistory/v1.avsc")));
        assertThat(org.apache.avro.SchemaNormalization.toParsingForm(SeriesHistoryCodec.V1_SCHEMA))
                .isEqualTo(org.apache.avro.SchemaNormalization.toParsingForm(released));
    }

    @Test
    void shouldKeepTheBytesOfAHistoryWhoseFiguresAreAllPublished() {
        // Series of published figures are by far the most (every figure of a backfill): their entries must stay
        // readable by the release before qualities, so the codec writes them as it did.
        Random r = new Random(11);
        for (int i = 0; i < 200; i++) {
            SeriesHistory h = random(r);
            List<Observation> obs = new ArrayList<>();
            for (Observation o : h.getObservations()) {
                obs.add(Observation.newBuilder(o).setQuality(FigureQuality.PUBLISHED).build());
            }
            byte[] bytes = codec.serialize("t", new SeriesHistory(h.getCommodityLevel(), obs, h.getArchivedBefore()));
            assertThat(bytes[0]).isLessThan(SeriesHistoryCodec.FORMAT_V5);
        }
    }

    @Test
    void shouldRefuseAQualityIndexItDoesNotKnow() {
        List<Observation> obs = List.of(new Observation(2025, 7, 1, 35_800_000_000L, "USD", -21.67, "GACC", "v", 0L, 0,
                null, FigureQuality.SECONDARY));
        byte[] bytes = codec.serialize("t", new SeriesHistory(CommodityLevel.TOTAL, obs, 0));
        assertThat(bytes[0]).isEqualTo(SeriesHistoryCodec.FORMAT_V5);
        assertThat(bytes[bytes.length - 1]).isEqualTo((byte) FigureQuality.SECONDARY.ordinal()); // the last field
        bytes[bytes.length - 1] = (byte) FigureQuality.values().length;
        assertThatThrownBy(() -> codec.deserialize("t", bytes)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("format 5");
    }

    private static FigureQuality quality(Random r) {
        FigureQuality[] all = FigureQuality.values();
        return r.nextInt(8) == 0 ? all[1 + r.nextInt(all.length - 1)] : FigureQuality.PUBLISHED;
    }

    @Test
    void refusesUnknownVersionsAndCorruptEntries() {
        assertThat(codec.deserialize("t", null)).isNull();
        assertThat(codec.serialize("t", null)).isNull();
        assertThatThrownBy(() -> codec.deserialize("t", new byte[0])).isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> codec.deserialize("t", new byte[] {9, 0})).isInstanceOf(SerializationException.class);
        byte[] ok = codec.serialize("t", random(new Random(7)));
        assertThatThrownBy(() -> codec.deserialize("t", Arrays.copyOf(ok, ok.length - 1)))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> codec.deserialize("t", Arrays.copyOf(ok, ok.length + 1)))
                .isInstanceOf(SerializationException.class);
    }

    private static SeriesHistory random(Random r) {
        String[] strings = {"USD", "CNY", "EUR", "", "GACC", "US-CENSUS", "Eurostat \u00e9\u4e2d", "2024-01", "2024-02-r1"};
        int n = r.nextInt(40) + (r.nextInt(10) == 0 ? 0 : 1);
        boolean qualities = r.nextBoolean(); // half the histories all PUBLISHED: formats 2 to 4 keep their share
        List<Observation> obs = new ArrayList<>();
        int idx = r.nextInt(3000 * 12);
        for (int i = 0; i < n; i++) {
            idx += 1 + r.nextInt(3);
            double yoy = switch (r.nextInt(5)) {
                case 0 -> Double.NaN;
                case 1 -> -0.0;
                case 2 -> Double.MAX_VALUE;
                default -> r.nextGaussian() * 50;
            };
            long value = switch (r.nextInt(4)) {
                case 0 -> Long.MAX_VALUE;
                case 1 -> Long.MIN_VALUE;
                case 2 -> -r.nextInt(1000);
                default -> (long) (Math.exp(r.nextGaussian() * 3 + 15));
            };
            long published = r.nextInt(8) == 0 ? (r.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE) : r.nextLong();
            obs.add(new Observation(idx / 12, idx % 12 + 1, 1 + r.nextInt(2), r.nextInt(6) == 0 ? null : value,
                    strings[r.nextInt(3)], r.nextBoolean() ? null : yoy, strings[3 + r.nextInt(4)],
                    strings[3 + r.nextInt(6)], published, r.nextInt(4) == 0 ? Integer.MIN_VALUE : r.nextInt(5),
                    r.nextInt(5) == 0 ? (Integer) r.nextInt(300) : null, qualities ? quality(r) : FigureQuality.PUBLISHED));
        }
        CommodityLevel[] levels = CommodityLevel.values();
        int archivedBefore = r.nextInt(3) == 0 ? (r.nextBoolean() ? 1 + r.nextInt(3000) : Integer.MAX_VALUE) : 0;
        return new SeriesHistory(levels[r.nextInt(levels.length)], obs, archivedBefore);
    }
}
