package io.tradepulse.registry.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaMetadata;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClientConfig;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaKey;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import io.tradepulse.registry.strategy.SubjectNameStrategy;
import io.tradepulse.registry.strategy.TopicNameStrategy;

/**
 * Avro serializer in the Confluent wire format: magic byte {@code 0}, the schema id as a 4-byte
 * big-endian int, then the Avro binary encoding. A drop-in for Confluent's {@code KafkaAvroSerializer}
 * (same configuration keys, see {@link AvroSerdeConfig}).
 *
 * <p>Accepts SpecificRecord, GenericRecord (any Avro {@code GenericContainer}) and the primitives
 * Confluent accepts; {@code null} is written as {@code null} (a tombstone) without touching the
 * registry. A top-level {@code bytes} value is written raw after the header, as Confluent's serializer
 * does. Failures are {@link SerializationException}s naming the topic and subject.
 *
 * <p>The schema id: with {@code auto.register.schemas=true} (default) the schema is registered; else
 * with {@code use.latest.version=true} the subject's latest schema is used (the record converted to it
 * by schema resolution); else the record's schema is looked up and must already be registered.
 */
public final class KafkaAvroSerializer implements Serializer<Object> {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAvroSerializer.class);

    private final boolean clientInjected;
    private SchemaRegistryClient client;
    private boolean isKey;
    private SubjectNameStrategy subjectNameStrategy = new TopicNameStrategy();
    private boolean autoRegister = AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_DEFAULT;
    private boolean useLatestVersion = AvroSerdeConfig.USE_LATEST_VERSION_DEFAULT;
    private long latestTtlNanos = -1;

    private final Map<String, CachedLatest> latestBySubject = new ConcurrentHashMap<>();
    private final Map<SchemaPair, Boolean> latestCanRead = new ConcurrentHashMap<>();
    /**
     * How a record schema instance fits the subject's latest schema, by the latest's id: the deep Schema.equals (and,
     * once the latest was fetched again as a new instance, SchemaPair's text comparison) ran for every record before.
     * An id names one schema for good, so a refresh that finds the same latest version keeps the answer. Dropped whole
     * at {@link #fitsCapacity} instances, as the id cache's identity map, for producers that build a schema per record.
     */
    private final Map<LatestFitKey, LatestFit> latestFits = new ConcurrentHashMap<>();
    private int fitsCapacity = SchemaRegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT_DEFAULT;
    /** Schema ids by (topic, schema): see the hot path in {@link #serialize}. Replaced, not cleared, by configure. */
    private volatile IdCache ids = new IdCache(SchemaRegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT_DEFAULT);

    private final Map<Class<?>, SpecificWriters> specificWriters = new ConcurrentHashMap<>();
    /** Off only to measure or to compare against plain SpecificDatumWriter (system property, see the README). */
    private final boolean compiledWriters = !Boolean.getBoolean("tradepulse.serde.compiled.disabled");

    private record CachedLatest(SchemaMetadata metadata, long fetchedAtNanos) {
    }

    /**
     * How records of one schema are written with the latest schema: as they are ({@code converter} null, the two
     * equal), converted by {@code converter} (the latest schema reading the record's), or refused ({@code readable}
     * false). The converter is kept with it: a GenericDatumReader built per record resolved the two schemas again
     * (Avro's fast reader builds its resolution once per reader instance). Shared across threads, as the
     * deserializer shares its readers.
     */
    private record LatestFit(boolean readable, GenericDatumReader<Object> converter) {
        static final LatestFit SAME = new LatestFit(true, null);
        static final LatestFit UNREADABLE = new LatestFit(false, null);
    }

    /** The latest schema's id and a record schema, compared by identity (see TopicSchema). */
    private record LatestFitKey(int latestId, Schema schema) {
        @Override
        public boolean equals(Object o) {
            return o instanceof LatestFitKey other && other.schema == schema && other.latestId == latestId;
        }

        @Override
        public int hashCode() {
            return 31 * latestId + System.identityHashCode(schema);
        }
    }

    /**
     * Schema ids by (topic, schema), bounded: an identity-keyed map in front of an equality-keyed LRU.
     *
     * <p>The identity map is the hot path for generated classes, which share one Schema instance: no deep
     * hash/equals. But a producer that parses or builds a schema per record (a bridge forwarding schemas it receives,
     * GenericRecords built from a JSON schema) hands in a new instance every time, so identity alone would grow without
     * bound; the map is therefore dropped whole once it holds {@code capacity} instances (cheap, and the live
     * instances come back on their next record). Behind it, an LRU keyed by the schema's text ({@link SchemaKey}, as
     * the registry client's own cache) answers those fresh-but-equal instances without asking the client again.
     */
    static final class IdCache {
        private final int capacity;
        private final Map<TopicSchema, Integer> byInstance = new ConcurrentHashMap<>();
        private final Map<TopicEqualSchema, Integer> byValue;

        IdCache(int capacity) {
            this.capacity = capacity;
            this.byValue = new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<TopicEqualSchema, Integer> eldest) {
                    return size() > capacity;
                }
            };
        }

        Integer get(String topic, Schema schema) {
            Integer id = byInstance.get(new TopicSchema(topic, schema));
            if (id != null) {
                return id;
            }
            synchronized (byValue) {
                id = byValue.get(new TopicEqualSchema(topic, schema));
            }
            if (id != null) {
                rememberInstance(topic, schema, id);
            }
            return id;
        }

        void put(String topic, Schema schema, int id) {
            synchronized (byValue) {
                byValue.put(new TopicEqualSchema(topic, schema), id);
            }
            rememberInstance(topic, schema, id);
        }

        private void rememberInstance(String topic, Schema schema, int id) {
            if (byInstance.size() >= capacity) {
                byInstance.clear();
            }
            byInstance.put(new TopicSchema(topic, schema), id);
        }

        /** Entries in the identity map; for tests. */
        int instances() {
            return byInstance.size();
        }

        /** Entries in the equality-keyed LRU; for tests. */
        int values() {
            synchronized (byValue) {
                return byValue.size();
            }
        }
    }

    /** Key compared by schema identity, not by Avro's deep (and costly) schema equality. */
    private record TopicSchema(String topic, Schema schema) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TopicSchema other && other.schema == schema && other.topic.equals(topic);
        }

        @Override
        public int hashCode() {
            return 31 * topic.hashCode() + System.identityHashCode(schema);
        }
    }

    /**
     * Key compared by the registered text ({@link SchemaKey}), not by {@link Schema#equals} alone: that ignores docs
     * and aliases, and a schema differing only there is another registration with another id.
     */
    private record TopicEqualSchema(String topic, SchemaKey schema) {
        TopicEqualSchema(String topic, Schema schema) {
            this(topic, SchemaKey.of(schema));
        }
    }

    /** The id cache, for tests. */
    IdCache idCache() {
        return ids;
    }

    /**
     * Compared by text ({@link SchemaKey}): Schema.equals ignores aliases, and a latest version that differs from an
     * earlier one only by an alias for a renamed field can read records the earlier one could not.
     */
    private record SchemaPair(SchemaKey reader, SchemaKey writer) {
        SchemaPair(Schema reader, Schema writer) {
            this(SchemaKey.of(reader), SchemaKey.of(writer));
        }
    }

    /** For Kafka to instantiate; {@link #configure} creates the registry client from {@code schema.registry.url}. */
    public KafkaAvroSerializer() {
        this.clientInjected = false;
    }

    /**
     * Uses {@code client} instead of creating one; {@code schema.registry.url} is then optional. The
     * client is not closed by {@link #close()}: whoever created it owns it. Usable without
     * {@link #configure} (value serializer with Confluent's defaults).
     */
    public KafkaAvroSerializer(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client, "client");
        this.clientInjected = true;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.isKey = isKey;
        // Everything cached was found under the previous configuration: another key/value side, strategy, client or
        // registry may give other subjects and ids (the deserializer drops its readers the same way).
        this.ids = new IdCache(config.getInt(SchemaRegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT_CONFIG));
        latestBySubject.clear();
        latestCanRead.clear();
        latestFits.clear();
        this.fitsCapacity = config.getInt(SchemaRegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT_CONFIG);
        this.subjectNameStrategy = config.subjectNameStrategy(isKey);
        this.autoRegister = config.autoRegisterSchemas();
        this.useLatestVersion = config.useLatestVersion();
        long ttlSec = config.latestCacheTtlSec();
        this.latestTtlNanos = ttlSec < 0 ? -1 : TimeUnit.SECONDS.toNanos(ttlSec);
        if (autoRegister && useLatestVersion) {
            LOG.warn("{}=true is ignored because {}=true (as in Confluent's serializer)", AvroSerdeConfig.USE_LATEST_VERSION_CONFIG,
                    AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG);
        }
        if (!clientInjected) {
            if (client != null) {
                client.close();
            }
            client = new CachedSchemaRegistryClient(config.clientConfig());
        }
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new IllegalStateException("KafkaAvroSerializer is not configured: call configure() or pass a SchemaRegistryClient");
        }
        Schema schema = AvroSchemas.schemaOf(data);
        if (!useLatestVersion || autoRegister) {
            // Hot path: generated classes share one Schema instance, whose id under a topic never changes once
            // registered or looked up; an identity lookup skips the strategy and the deep Schema hash/equals.
            Integer known = ids.get(topic, schema);
            if (known != null) {
                return encode(topic, null, known, schema, data);
            }
        }
        String subject = subjectNameStrategy.subjectName(topic, isKey, schema);
        int id;
        Schema writerSchema = schema;
        Object datum = data;
        try {
            if (autoRegister) {
                id = client.register(subject, schema);
            } else if (useLatestVersion) {
                SchemaMetadata latest = latest(subject);
                id = latest.id();
                LatestFit fit = latestFit(latest, schema);
                if (fit != LatestFit.SAME) {
                    datum = convert(data, schema, latest, subject, fit);
                    writerSchema = latest.schema();
                }
            } else {
                id = client.getId(subject, schema);
            }
        } catch (SchemaRegistryException e) {
            throw registryFailure(topic, subject, schema, e);
        }
        if (!useLatestVersion || autoRegister) {
            ids.put(topic, schema, id);
        }
        return encode(topic, subject, id, writerSchema, datum);
    }

    private SerializationException registryFailure(String topic, String subject, Schema schema, SchemaRegistryException e) {
        String action = autoRegister ? "registering" : useLatestVersion ? "fetching the latest schema of" : "looking up";
        String prefix = e instanceof SchemaRegistryUnavailableException ? "Schema registry unavailable while " : "Error ";
        return new SerializationException(prefix + action + " Avro schema " + schema.getFullName() + " for subject '" + subject
                + "' (topic '" + topic + "', " + (isKey ? "key" : "value") + "): " + e.getMessage(), e);
    }

    private SchemaMetadata latest(String subject) {
        CachedLatest cached = latestBySubject.get(subject);
        long now = System.nanoTime();
        if (cached != null && (latestTtlNanos < 0 || now - cached.fetchedAtNanos() < latestTtlNanos)) {
            return cached.metadata();
        }
        SchemaMetadata metadata = client.getLatestSchemaMetadata(subject);
        latestBySubject.put(subject, new CachedLatest(metadata, now));
        return metadata;
    }

    private LatestFit latestFit(SchemaMetadata latest, Schema schema) {
        LatestFitKey key = new LatestFitKey(latest.id(), schema);
        LatestFit fit = latestFits.get(key);
        if (fit == null) {
            if (latest.schema().equals(schema)) {
                fit = LatestFit.SAME;
            } else {
                boolean readable = latestCanRead.computeIfAbsent(new SchemaPair(latest.schema(), schema), pair ->
                        SchemaCompatibility.checkReaderWriterCompatibility(pair.reader().schema(), pair.writer().schema())
                                .getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
                fit = readable ? new LatestFit(true, new GenericDatumReader<>(schema, latest.schema(), GenericData.get()))
                        : LatestFit.UNREADABLE;
            }
            if (latestFits.size() >= fitsCapacity) {
                latestFits.clear();
            }
            latestFits.put(key, fit);
        }
        return fit;
    }

    /**
     * Re-expresses {@code data} (of {@code schema}) in the latest schema by Avro schema resolution:
     * encode with its own schema, decode with the latest as reader. Writing the record directly with
     * the latest schema would address fields by position and corrupt data whenever the two differ.
     */
    private Object convert(Object data, Schema schema, SchemaMetadata latest, String subject, LatestFit fit) {
        if (!fit.readable()) {
            throw new SerializationException("use.latest.version: the latest schema of subject '" + subject + "' (id "
                    + latest.id() + ", version " + latest.version() + ") cannot represent a record of schema "
                    + schema.getFullName() + " (Avro schema resolution fails); register a compatible schema or produce with the latest one");
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            // Avro's writers take bytes as a ByteBuffer only; a byte[] (which the serializer accepts, as Confluent's
            // does) failed here with a ClassCastException.
            Object value = data instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : data;
            writerFor(value, schema).write(value, encoder);
            encoder.flush();
            return fit.converter().read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("use.latest.version: cannot convert the record of schema " + schema.getFullName()
                    + " to the latest schema of subject '" + subject + "' (id " + latest.id() + "): " + e, e);
        }
    }

    private byte[] encode(String topic, String subject, int id, Schema writerSchema, Object datum) {
        EncodeState state = EncodeState.CURRENT.get();
        if (state.inUse) {
            state = new EncodeState(); // re-entered on this thread (a writer calling a serializer): never share the buffer
        }
        state.inUse = true;
        try {
            if (writerSchema.getType() == Schema.Type.BYTES) {
                // Confluent's serializer writes a top-level bytes value raw after the header (no Avro length
                // prefix) and its deserializer reads the rest of the message raw; anything else is unreadable there.
                return state.encodeRaw(id, rawBytes(datum));
            }
            Object value = datum instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : datum;
            if (value instanceof SpecificRecordBase record && record.getSchema() == writerSchema) {
                SpecificWriters writers = specificWriters(record, writerSchema);
                if (writers.compiled() != null) {
                    try {
                        return state.encode(id, writers.compiled(), record);
                    } catch (IOException | RuntimeException e) {
                        // A value the compiled writer does not take (or bad data): SpecificDatumWriter below writes
                        // the same bytes, or fails with Avro's own message.
                        state.discardEncoder();
                    }
                }
                return state.encode(id, writers.fallback(), value);
            }
            return state.encode(id, writerFor(value, writerSchema), value);
        } catch (IOException | RuntimeException e) {
            state.discardEncoder();
            // Avro signals bad data with assorted runtime exceptions (NPE for a null in a non-null field,
            // ClassCastException, AvroRuntimeException); one type for the caller, with the context.
            String named = subject != null ? subject : subjectNameStrategy.subjectName(topic, isKey, writerSchema);
            throw new SerializationException("Error serializing Avro message for topic '" + topic + "' (subject '" + named
                    + "', schema id " + id + "): " + e, e);
        } finally {
            state.release();
        }
    }

    /**
     * The bytes of a top-level bytes value. A ByteBuffer contributes its remaining bytes, without moving its position;
     * Confluent writes {@code buffer.array()}, the same for a buffer that wraps a whole array (the usual case), while
     * this also takes slices, read-only and direct buffers.
     */
    private static byte[] rawBytes(Object datum) {
        if (datum instanceof byte[] bytes) {
            return bytes;
        }
        if (datum instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
        throw new IllegalArgumentException("a value of the Avro schema \"bytes\" must be a byte[] or ByteBuffer, not "
                + (datum == null ? "null" : datum.getClass().getName()));
    }

    /**
     * Per-thread output buffer and encoder, reused across records (a serializer may be called from several
     * threads, so nothing is shared between them). Buffered, not direct: the direct encoder makes one
     * stream write per byte, which profiling showed as the top cost of every Streams app writing Avro.
     */
    private static final class EncodeState {
        static final ThreadLocal<EncodeState> CURRENT = ThreadLocal.withInitial(EncodeState::new);
        /** A buffer grown beyond this by one large record is dropped after use rather than kept per thread. */
        private static final int MAX_RETAINED = 1 << 20;

        private final Output out = new Output();
        private BinaryEncoder encoder;
        boolean inUse;

        private BinaryEncoder start(int id) {
            out.reset();
            out.writeHeader(id);
            if (encoder == null) {
                encoder = EncoderFactory.get().binaryEncoder(out, null);
            }
            return encoder;
        }

        byte[] encode(int id, CompiledSpecificWriter writer, SpecificRecordBase record) throws IOException {
            BinaryEncoder enc = start(id);
            writer.write(record, enc);
            enc.flush();
            return out.toByteArray();
        }

        byte[] encode(int id, DatumWriter<Object> writer, Object value) throws IOException {
            BinaryEncoder enc = start(id);
            writer.write(value, enc);
            enc.flush();
            return out.toByteArray();
        }

        byte[] encodeRaw(int id, byte[] bytes) {
            out.reset();
            out.writeHeader(id);
            out.write(bytes, 0, bytes.length);
            return out.toByteArray();
        }

        /** After a failure the encoder may hold a partial record: never flush that into a later one. */
        void discardEncoder() {
            encoder = null;
        }

        void release() {
            inUse = false;
            out.trim(MAX_RETAINED);
        }
    }

    /** An unsynchronized growable byte array (ByteArrayOutputStream synchronizes every write). */
    private static final class Output extends OutputStream {
        private byte[] buf = new byte[256];
        private int count;

        void reset() {
            count = 0;
        }

        void writeHeader(int id) {
            ensure(AvroSchemas.HEADER_SIZE);
            buf[0] = AvroSchemas.MAGIC_BYTE;
            buf[1] = (byte) (id >>> 24);
            buf[2] = (byte) (id >>> 16);
            buf[3] = (byte) (id >>> 8);
            buf[4] = (byte) id;
            count = AvroSchemas.HEADER_SIZE;
        }

        private void ensure(int extra) {
            if (count + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + extra));
            }
        }

        @Override
        public void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            ensure(length);
            System.arraycopy(bytes, offset, buf, count, length);
            count += length;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, count);
        }

        void trim(int maxRetained) {
            if (buf.length > maxRetained) {
                buf = new byte[256];
            }
            count = 0;
        }
    }

    /** SpecificDatumWriter for a generated class, and its compiled writer when the class's fields allow one. */
    private record SpecificWriters(Schema schema, DatumWriter<Object> fallback, CompiledSpecificWriter compiled) {
    }

    @SuppressWarnings("unchecked")
    private SpecificWriters specificWriters(SpecificRecord record, Schema writerSchema) {
        SpecificWriters writers = specificWriters.get(record.getClass());
        if (writers != null && writers.schema() == writerSchema) {
            return writers;
        }
        // The class's own model carries its logical-type conversions (Instant for timestamp-millis).
        DatumWriter<Object> fallback = (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(writerSchema,
                SpecificData.getForClass(record.getClass()));
        CompiledSpecificWriter compiled = compiledWriters && record instanceof SpecificRecordBase base
                ? CompiledSpecificWriter.compile(base, writerSchema) : null;
        writers = new SpecificWriters(writerSchema, fallback, compiled);
        specificWriters.put(record.getClass(), writers);
        return writers;
    }

    private DatumWriter<Object> writerFor(Object datum, Schema writerSchema) {
        if (datum instanceof SpecificRecord record && record.getSchema() == writerSchema) {
            return specificWriters(record, writerSchema).fallback();
        }
        return new GenericDatumWriter<>(writerSchema, AvroSchemas.GENERIC_WRITE_MODEL);
    }

    @Override
    public void close() {
        if (!clientInjected && client != null) {
            client.close();
        }
    }
}
