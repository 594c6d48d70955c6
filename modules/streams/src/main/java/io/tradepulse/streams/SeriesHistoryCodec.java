package io.tradepulse.streams;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import io.tradepulse.core.FigureQualities;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * State serde of {@code series-history} entries, hand-written because the store read-modify-writes a whole
 * series history on every input: with Avro's SpecificDatumWriter/Reader (format 1) encoding and decoding the
 * history was ~40 % of the processor's CPU in a backfill.
 *
 * <p>Writes format 2, format 3 when some observation is a derived roll-up, format 4 when the series has archived
 * years, or format 5 when some figure's quality is not PUBLISHED; reads formats 1 (the version byte then Avro
 * binary of {@code SeriesHistory-v1.avsc}, the schema before {@code derivedFrom}), 2, 3, 4 and 5, so state and
 * changelogs written by earlier releases restore without an application reset. Format 3 is format 2 plus flag bit
 * 2; it has its own version byte so that a release which does not know derived figures refuses such an entry by
 * name instead of misreading it, while entries without derived figures stay readable by it. Format 4 is format 3
 * plus {@code archivedBefore} after the commodity level, for the same reason: a release without the archive would
 * take a series' latest four years for its whole history, so it must refuse the entry, while series that were never
 * archived (formats 2 and 3) stay readable by it. Format 5 is format 4 plus flag bit 3 (a quality other than
 * PUBLISHED, its ordinal after derivedFrom), written only when some observation has one: a release that does not
 * know figure qualities would take such a figure for a published one, so it refuses the entry, while the entries of
 * series whose figures are all published keep formats 2 to 4.
 *
 * <p>Format 2, after the version byte {@code 2} (varint = unsigned LEB128, zigzag = signed varint):
 * <pre>
 * varint  commodityLevel (enum ordinal, as Avro encodes it)
 * varint  archivedBefore                      (formats 4 and 5; formats 1 to 3 read as 0)
 * varint  number of observations n
 * varint  number of distinct strings d, then d times: varint UTF-8 length, UTF-8 bytes   (the dictionary)
 * n times, in period order:
 *   byte    flags: bit 0 value present, bit 1 reportedYoyPct present, bit 2 derivedFrom present (formats 3 to 5),
 *           bit 3 quality other than PUBLISHED (format 5 only)
 *   zigzag  year - previous observation's year (first: - 0)
 *   zigzag  month, zigzag months
 *   zigzag  value                               (if present)
 *   8 bytes reportedYoyPct, IEEE 754 big-endian (if present)
 *   varint  currency, source, vintage           (dictionary indexes)
 *   zigzag  publishedAt - previous observation's publishedAt (first: - 0)
 *   zigzag  revision
 *   zigzag  derivedFrom                         (if present)
 *   varint  quality (FigureQuality ordinal)     (if flag bit 3; absent: PUBLISHED)
 * </pre>
 * Every field round-trips exactly (doubles bit for bit, strings as Java strings), so decoding format 1 or
 * format 2 gives equal {@link SeriesHistory} objects. Stateless and thread-safe.
 */
public final class SeriesHistoryCodec implements Serde<SeriesHistory>, Serializer<SeriesHistory>, Deserializer<SeriesHistory> {
    static final byte FORMAT_V2 = 2;
    /** How many of the latest dictionary entries the encoder compares a new string with. */
    private static final int RECENT = 6;
    private static final CommodityLevel[] LEVELS = CommodityLevel.values();

    static final byte FORMAT_V3 = 3;
    static final byte FORMAT_V4 = 4;
    static final byte FORMAT_V5 = 5;
    /** The SeriesHistory schema format-1 entries were written with (before Observation.derivedFrom existed). */
    static final Schema V1_SCHEMA = loadV1Schema();

    private final VersionedAvroSerde<SeriesHistory> v1 = new VersionedAvroSerde<>(SeriesHistory.getClassSchema(), V1_SCHEMA);

    private static Schema loadV1Schema() {
        try (InputStream in = SeriesHistoryCodec.class.getResourceAsStream("SeriesHistory-v1.avsc")) {
            Schema.Parser parser = new Schema.Parser();
            parser.parse(CommodityLevel.getClassSchema().toString()); // the named type it refers to
            return parser.parse(Objects.requireNonNull(in, "SeriesHistory-v1.avsc"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public byte[] serialize(String topic, SeriesHistory h) {
        if (h == null) {
            return null;
        }
        try {
            List<Observation> obs = h.getObservations();
            int n = obs.size();
            // Dictionary: few distinct strings per series (one currency and source, a vintage per release).
            // Lookup: the field's previous code first (currency and source repeat), then the last few entries
            // (a vintage recurring a month or two later). No hash map: building one per write was 3 % of the
            // processor's CPU in a backfill. A string seen again further back gets a second entry; the reader
            // only follows codes, so duplicates cost a few bytes and never change what is decoded.
            String[] dict = new String[8];
            int d = 0;
            int[] codes = new int[3 * n];
            int[] last = {-1, -1, -1};
            for (int i = 0; i < n; i++) {
                Observation o = obs.get(i);
                for (int f = 0; f < 3; f++) {
                    String s = f == 0 ? o.getCurrency() : f == 1 ? o.getSource() : o.getVintage();
                    if (s == null) {
                        throw new NullPointerException("null string in observation " + o);
                    }
                    int c = last[f];
                    if (c < 0 || !(dict[c] == s || dict[c].equals(s))) {
                        c = -1;
                        for (int j = d - 1; j >= Math.max(0, d - RECENT); j--) {
                            if (dict[j] == s || dict[j].equals(s)) {
                                c = j;
                                break;
                            }
                        }
                        if (c < 0) {
                            if (d == dict.length) {
                                dict = Arrays.copyOf(dict, d * 2);
                            }
                            dict[d] = s;
                            c = d++;
                        }
                        last[f] = c;
                    }
                    codes[3 * i + f] = c;
                }
            }
            boolean anyDerived = false;
            boolean anyQuality = false;
            for (Observation o : obs) {
                anyDerived |= o.getDerivedFrom() != null;
                anyQuality |= o.getQuality() != FigureQuality.PUBLISHED;
            }
            Out out = new Out(32 + 24 * n + 16 * d);
            int archivedBefore = h.getArchivedBefore();
            byte format = anyQuality ? FORMAT_V5 : archivedBefore != 0 ? FORMAT_V4 : anyDerived ? FORMAT_V3 : FORMAT_V2;
            out.b(format);
            out.varint(h.getCommodityLevel().ordinal());
            if (format >= FORMAT_V4) {
                out.varint(archivedBefore);
            }
            out.varint(n);
            out.varint(d);
            for (int j = 0; j < d; j++) {
                byte[] utf8 = dict[j].getBytes(StandardCharsets.UTF_8);
                out.varint(utf8.length);
                out.bytes(utf8);
            }
            int prevYear = 0;
            long prevPublished = 0;
            for (int i = 0; i < n; i++) {
                Observation o = obs.get(i);
                Long value = o.getValue();
                Double reported = o.getReportedYoyPct();
                Integer derivedFrom = o.getDerivedFrom();
                FigureQuality quality = Objects.requireNonNull(o.getQuality(), "quality");
                boolean flagged = quality != FigureQuality.PUBLISHED;
                out.b((byte) ((value != null ? 1 : 0) | (reported != null ? 2 : 0) | (derivedFrom != null ? 4 : 0)
                        | (flagged ? 8 : 0)));
                int year = o.getYear();
                out.zigzag(year - (long) prevYear);
                prevYear = year;
                out.zigzag(o.getMonth());
                out.zigzag(o.getMonths());
                if (value != null) {
                    out.zigzag(value);
                }
                if (reported != null) {
                    out.fixed64(Double.doubleToRawLongBits(reported));
                }
                out.varint(codes[3 * i]);
                out.varint(codes[3 * i + 1]);
                out.varint(codes[3 * i + 2]);
                long published = o.getPublishedAt();
                out.zigzag(published - prevPublished); // wraps for extreme values; decoding wraps back
                prevPublished = published;
                out.zigzag(o.getRevision());
                if (derivedFrom != null) {
                    out.zigzag(derivedFrom);
                }
                if (flagged) {
                    out.varint(quality.ordinal());
                }
            }
            return out.toByteArray();
        } catch (RuntimeException e) {
            throw new SerializationException("Cannot encode SeriesHistory state", e);
        }
    }

    @Override
    public SeriesHistory deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length > 0 && bytes[0] == VersionedAvroSerde.FORMAT_V1) {
            return v1.deserialize(topic, bytes);
        }
        if (bytes.length == 0 || (bytes[0] < FORMAT_V2 || bytes[0] > FORMAT_V5)) {
            throw new SerializationException("Unknown state format version "
                    + (bytes.length == 0 ? "(empty)" : Byte.toString(bytes[0])) + " for SeriesHistory");
        }
        try {
            In in = new In(bytes, 1);
            CommodityLevel level = LEVELS[in.varint()];
            int archivedBefore = bytes[0] >= FORMAT_V4 ? in.varint() : 0;
            int n = in.varint();
            int d = in.varint();
            if (n < 0 || d < 0 || n > bytes.length || d > bytes.length) {
                throw new IllegalStateException("corrupt sizes " + n + "/" + d);
            }
            String[] dict = new String[d];
            for (int j = 0; j < d; j++) {
                int len = in.varint();
                dict[j] = new String(bytes, in.pos, len, StandardCharsets.UTF_8);
                in.skip(len);
            }
            List<Observation> obs = new ArrayList<>(n + 1);
            int year = 0;
            long published = 0;
            for (int i = 0; i < n; i++) {
                int flags = in.u8();
                year += (int) in.zigzag();
                int month = (int) in.zigzag();
                int months = (int) in.zigzag();
                Long value = (flags & 1) != 0 ? in.zigzag() : null;
                Double reported = (flags & 2) != 0 ? Double.longBitsToDouble(in.fixed64()) : null;
                String currency = dict[in.varint()];
                String source = dict[in.varint()];
                String vintage = dict[in.varint()];
                published += in.zigzag();
                int revision = (int) in.zigzag();
                Integer derivedFrom = (flags & 4) != 0 ? (Integer) (int) in.zigzag() : null;
                FigureQuality quality = (flags & 8) != 0 ? FigureQualities.ofOrdinal(in.varint())
                        : FigureQuality.PUBLISHED;
                obs.add(new Observation(year, month, months, value, currency, reported, source, vintage, published,
                        revision, derivedFrom, quality));
            }
            if (in.pos != bytes.length) {
                throw new IllegalStateException((bytes.length - in.pos) + " trailing bytes");
            }
            return new SeriesHistory(level, obs, archivedBefore);
        } catch (RuntimeException e) {
            throw new SerializationException("Cannot decode SeriesHistory state (format " + bytes[0] + ")", e);
        }
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // nothing to configure
    }

    @Override
    public void close() {
        // no resources
    }

    @Override
    public Serializer<SeriesHistory> serializer() {
        return this;
    }

    @Override
    public Deserializer<SeriesHistory> deserializer() {
        return this;
    }

    private static final class Out {
        private byte[] buf;
        private int pos;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int more) {
            if (pos + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
            }
        }

        void b(byte v) {
            ensure(1);
            buf[pos++] = v;
        }

        void bytes(byte[] v) {
            ensure(v.length);
            System.arraycopy(v, 0, buf, pos, v.length);
            pos += v.length;
        }

        void varint(long v) { // unsigned
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        void zigzag(long v) {
            varint((v << 1) ^ (v >> 63));
        }

        void fixed64(long v) {
            ensure(8);
            for (int s = 56; s >= 0; s -= 8) {
                buf[pos++] = (byte) (v >>> s);
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, pos);
        }
    }

    private static final class In {
        private final byte[] buf;
        int pos;

        In(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        int u8() {
            return buf[pos++] & 0xFF;
        }

        void skip(int n) {
            if (n < 0 || pos + n > buf.length) {
                throw new IllegalStateException("truncated");
            }
            pos += n;
        }

        long varlong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf[pos++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw new IllegalStateException("varint too long");
        }

        int varint() {
            long v = varlong();
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new IllegalStateException("bad varint " + v);
            }
            return (int) v;
        }

        long zigzag() {
            long v = varlong();
            return (v >>> 1) ^ -(v & 1);
        }

        long fixed64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }
    }
}
