package io.tradepulse.streams;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A hand-written state serde that writes exactly the bytes {@link VersionedAvroSerde} writes for the same schema
 * (format byte {@code 1}, then the record's Avro binary) and reads exactly what it reads. Why: store keys are
 * serialized on every get and put, and Avro's generic SpecificDatumWriter/Reader for them was 6.5 % of the
 * processors' stream-thread samples in a backfill profile (docs/benchmarks.md, "Hand-written state key codecs").
 * Why the same bytes: they are the RocksDB keys and the changelog keys of running deployments, so a single different
 * byte would orphan existing state. The subclasses ({@link Format1Codecs}) are pinned to their schemas by
 * {@code Format1CodecsTest}, which fails when a schema changes.
 *
 * <p>What "reads exactly what it reads" means, from Avro 1.12's {@code BinaryDecoder}: ints and longs are zigzag
 * varints, accepted non-minimal (an int's fifth byte keeps its low 4 bits, a long's tenth byte its lowest bit, a
 * further continuation bit is an error); a string is a long byte length, then bytes decoded as UTF-8 with malformed
 * input replaced (as {@code new String(bytes, UTF_8)} does); an enum or union branch is an int index. Bytes after the
 * record are ignored, as the Avro reader ignores them. Anything Avro refuses (truncated input, a negative length, an
 * index out of range) is refused here too, as a {@link SerializationException} with the same message (its cause
 * differs).
 *
 * <p>Thread-safe: one instance serves the stores of every stream thread; the write buffer is per thread.
 */
abstract class Format1Codec<T> implements Serde<T>, Serializer<T>, Deserializer<T> {
    /** The name error messages give, as {@link VersionedAvroSerde} gives it. */
    private final String schemaName;
    /**
     * Per-thread write buffer, reused (like {@link VersionedAvroSerde}'s): keys are written on every get and put.
     * The encoded bytes are copied out of it, so it never escapes.
     */
    private final ThreadLocal<Out> buffers = ThreadLocal.withInitial(Out::new);

    Format1Codec(Schema schema) {
        this.schemaName = schema.getFullName();
    }

    /** Writes {@code value}'s Avro binary (without the format byte). A null field throws (Avro refuses it too). */
    abstract void write(Out out, T value);

    /** Reads one record's Avro binary (without the format byte). */
    abstract T read(In in);

    /**
     * The format byte {@code value} is written with: 1 unless a subclass adds a later layout for values that format 1
     * cannot hold (then {@link #write} writes that layout, and {@link #read(In, byte)} reads it back).
     */
    byte formatOf(T value) {
        return VersionedAvroSerde.FORMAT_V1;
    }

    /** The format bytes {@link #read(In, byte)} accepts; anything else is refused by name. */
    boolean reads(byte format) {
        return format == VersionedAvroSerde.FORMAT_V1;
    }

    /** Reads one record written with {@code format} (one that {@link #reads} accepts). */
    T read(In in, byte format) {
        return read(in);
    }

    @Override
    public final byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            Out out = buffers.get();
            out.pos = 0;
            out.buf[out.pos++] = formatOf(data);
            write(out, data);
            return Arrays.copyOf(out.buf, out.pos);
        } catch (RuntimeException e) {
            throw new SerializationException("Cannot encode " + schemaName + " state", e);
        }
    }

    @Override
    public final T deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length == 0 || !reads(bytes[0])) {
            throw new SerializationException("Unknown state format version "
                    + (bytes.length == 0 ? "(empty)" : Byte.toString(bytes[0])) + " for " + schemaName);
        }
        try {
            return read(new In(bytes, 1), bytes[0]);
        } catch (RuntimeException e) {
            throw new SerializationException("Cannot decode " + schemaName + " state", e);
        }
    }

    @Override
    public final void configure(Map<String, ?> configs, boolean isKey) {
        // nothing to configure: the layout is fixed
    }

    @Override
    public final void close() {
        // no resources
    }

    @Override
    public final Serializer<T> serializer() {
        return this;
    }

    @Override
    public final Deserializer<T> deserializer() {
        return this;
    }

    /** Avro binary encoding into a growable array, as Avro's BinaryEncoder writes it (minimal varints). */
    static final class Out {
        byte[] buf = new byte[128];
        int pos;

        private void ensure(int more) {
            if (pos + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
            }
        }

        void writeInt(int v) {
            ensure(5);
            int n = (v << 1) ^ (v >> 31);
            while ((n & ~0x7F) != 0) {
                buf[pos++] = (byte) ((n & 0x7F) | 0x80);
                n >>>= 7;
            }
            buf[pos++] = (byte) n;
        }

        void writeLong(long v) {
            ensure(10);
            long n = (v << 1) ^ (v >> 63);
            while ((n & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((n & 0x7F) | 0x80);
                n >>>= 7;
            }
            buf[pos++] = (byte) n;
        }

        /**
         * Byte length, then UTF-8, as {@code String.getBytes(UTF_8)} encodes it (an unpaired surrogate as '?'), which
         * is what Avro writes. ASCII (every code, country and source in practice) is written char by char without the
         * intermediate array; anything else goes through getBytes so the bytes are the JDK's, not a second encoder's.
         */
        void writeString(String s) {
            int len = s.length();
            int start = pos;
            writeInt(len);
            ensure(len);
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    pos = start;
                    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                    writeInt(utf8.length);
                    ensure(utf8.length);
                    System.arraycopy(utf8, 0, buf, pos, utf8.length);
                    pos += utf8.length;
                    return;
                }
                buf[pos++] = (byte) c;
            }
        }

        /** A {@code ["null", "long"]} union: branch index 0, or index 1 then the long. */
        void writeNullableLong(Long v) {
            if (v == null) {
                writeInt(0);
            } else {
                writeInt(1);
                writeLong(v);
            }
        }

        /** A {@code ["null", "int"]} union: branch index 0, or index 1 then the int. */
        void writeNullableInt(Integer v) {
            if (v == null) {
                writeInt(0);
            } else {
                writeInt(1);
                writeInt(v);
            }
        }
    }

    /**
     * Avro binary decoding of one array from an offset, accepting what Avro 1.12's BinaryDecoder accepts (see the
     * class comment). Reading past the end throws (an index out of bounds), as Avro's EOFException.
     */
    static final class In {
        private final byte[] buf;
        private int pos;

        In(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        int readInt() {
            int b = buf[pos++];
            if (b >= 0) {
                return (b >>> 1) ^ -(b & 1);
            }
            int n = b & 0x7F;
            for (int shift = 7; ; shift += 7) {
                b = buf[pos++] & 0xFF;
                n |= (b & 0x7F) << shift; // at shift 28 the bits above 32 fall off, as in Avro
                if (b < 0x80) {
                    return (n >>> 1) ^ -(n & 1);
                }
                if (shift == 28) {
                    throw new IllegalStateException("Invalid int encoding");
                }
            }
        }

        long readLong() {
            long b = buf[pos++];
            if (b >= 0) {
                return (b >>> 1) ^ -(b & 1);
            }
            long n = b & 0x7F;
            for (int shift = 7; ; shift += 7) {
                b = buf[pos++] & 0xFF;
                n |= (b & 0x7F) << shift; // at shift 63 only the lowest bit stays, as in Avro
                if (b < 0x80) {
                    return (n >>> 1) ^ -(n & 1);
                }
                if (shift == 63) {
                    throw new IllegalStateException("Invalid long encoding");
                }
            }
        }

        String readString() {
            long len = readLong();
            if (len < 0 || len > buf.length - pos) {
                throw new IllegalStateException("Malformed data: string length " + len + " with "
                        + (buf.length - pos) + " bytes left");
            }
            String s = new String(buf, pos, (int) len, StandardCharsets.UTF_8);
            pos += (int) len;
            return s;
        }

        /** An enum symbol's or a union branch's index, checked against {@code count}. */
        int readIndex(int count) {
            int i = readInt();
            if (i < 0 || i >= count) {
                throw new IllegalStateException("index " + i + " out of range 0.." + (count - 1));
            }
            return i;
        }

        Long readNullableLong() {
            return readIndex(2) == 0 ? null : readLong();
        }

        Integer readNullableInt() {
            return readIndex(2) == 0 ? null : readInt();
        }
    }
}
