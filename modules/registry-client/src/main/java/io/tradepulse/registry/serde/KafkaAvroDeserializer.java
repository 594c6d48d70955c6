package io.tradepulse.registry.serde;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.avro.Conversion;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaKey;
import io.tradepulse.registry.SchemaMetadata;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import io.tradepulse.registry.strategy.SubjectNameStrategy;

/**
 * Avro deserializer for the Confluent wire format (magic byte {@code 0}, 4-byte big-endian schema id,
 * Avro binary). The writer schema comes from the registry by id (cached forever). Returns
 * GenericRecord by default, or, with {@code specific.avro.reader=true}, the generated SpecificRecord
 * class named by the writer schema's full name, read with that class's schema so older and newer
 * writer versions resolve into it. Top-level strings come back as {@link String} and bytes as
 * {@code byte[]}, as with Confluent's deserializer, which also means that a {@code bytes} writer schema
 * makes the rest of the message the value, not Avro-encoded. {@code null} in, {@code null} out (tombstones).
 * With {@code use.latest.version=true}, generic reads use the subject's latest schema as reader schema, as Confluent's
 * deserializer does; generated classes are still read with their own schema.
 *
 * <p>Every failure is a {@link SerializationException}: wrong magic byte, too short, unknown schema id
 * (with the registry's error code), registry unavailable, bytes that do not decode.
 */
public final class KafkaAvroDeserializer implements Deserializer<Object> {

    private final boolean clientInjected;
    private SchemaRegistryClient client;
    private boolean specificReader = AvroSerdeConfig.SPECIFIC_AVRO_READER_DEFAULT;
    private SpecificData specificData = SpecificData.get();
    private boolean isKey;
    private SubjectNameStrategy subjectNameStrategy;
    private boolean useLatestVersion = AvroSerdeConfig.USE_LATEST_VERSION_DEFAULT;
    private long latestTtlNanos = -1;
    /** With use.latest.version: the subject's latest schema (the reader of generic reads), by subject. */
    private final Map<String, CachedLatest> latestBySubject = new ConcurrentHashMap<>();

    private record CachedLatest(SchemaMetadata metadata, SchemaKey key, long fetchedAtNanos) {
    }

    /** Readers by writer id (null reader schema) or by (id, reader schema). */
    private final Map<ReaderKey, Reader> readers = new ConcurrentHashMap<>();
    /** Off only to measure or to compare against plain SpecificDatumReader (system property, see the README). */
    private final boolean compiledReaders = !Boolean.getBoolean("tradepulse.serde.compiled.disabled");

    /**
     * The Avro reader for one writer schema, and, when the writer schema has the class's own binary layout,
     * a compiled reader that skips schema resolution (null otherwise).
     */
    private record Reader(DatumReader<Object> datumReader, CompiledSpecificReader compiled) {
        /** Writer schema "bytes": the message body after the header is the value itself (see {@link #deserialize}). */
        static final Reader RAW_BYTES = new Reader(null, null);
    }

    /** Per-thread decoder, reconfigured for each message instead of allocated. */
    private static final class DecodeState {
        static final ThreadLocal<DecodeState> CURRENT = ThreadLocal.withInitial(DecodeState::new);
        BinaryDecoder decoder;
        boolean inUse;

        BinaryDecoder decoder(byte[] data) {
            decoder = DecoderFactory.get().binaryDecoder(data, AvroSchemas.HEADER_SIZE, data.length - AvroSchemas.HEADER_SIZE, decoder);
            return decoder;
        }
    }

    /**
     * The reader schema is compared by its text ({@link SchemaKey}), not by Schema.equals alone: that ignores aliases,
     * and two reader schemas differing only in an alias for a renamed field resolve the writer's data differently.
     */
    private record ReaderKey(int id, SchemaKey readerSchema) {
        ReaderKey(int id, Schema readerSchema) {
            this(id, readerSchema == null ? null : SchemaKey.of(readerSchema));
        }
    }

    /** For Kafka to instantiate; {@link #configure} creates the registry client from {@code schema.registry.url}. */
    public KafkaAvroDeserializer() {
        this.clientInjected = false;
    }

    /**
     * Uses {@code client} instead of creating one; {@code schema.registry.url} is then optional. The
     * client is not closed by {@link #close()}. Usable without {@link #configure} (generic reader).
     */
    public KafkaAvroDeserializer(SchemaRegistryClient client) {
        this(client, AvroSerdeConfig.SPECIFIC_AVRO_READER_DEFAULT);
    }

    /**
     * For the serdes: Kafka Streams does not configure serde instances handed to {@code Consumed.with},
     * so a specific serde built around a client must read specific records even unconfigured.
     */
    KafkaAvroDeserializer(SchemaRegistryClient client, boolean specificReader) {
        this.client = Objects.requireNonNull(client, "client");
        this.clientInjected = true;
        this.specificReader = specificReader;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.specificReader = config.specificAvroReader();
        // Generated classes are looked up through the loader that is current while the consumer or
        // Streams app is set up (plugin and application class loaders differ from Avro's own).
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        this.specificData = loader != null ? specificDataFor(loader) : SpecificData.get();
        readers.clear();
        this.isKey = isKey;
        this.useLatestVersion = config.useLatestVersion();
        // Only use.latest.version needs a subject; without it a strategy is neither created nor configured, as before.
        this.subjectNameStrategy = useLatestVersion ? config.subjectNameStrategy(isKey) : null;
        long ttlSec = config.latestCacheTtlSec();
        this.latestTtlNanos = ttlSec < 0 ? -1 : TimeUnit.SECONDS.toNanos(ttlSec);
        latestBySubject.clear();
        if (!clientInjected) {
            if (client != null) {
                client.close();
            }
            client = new CachedSchemaRegistryClient(config.clientConfig());
        }
    }

    /**
     * A model that loads generated classes through {@code loader} and converts logical types as Avro's
     * {@code SpecificData.get()} does. A bare {@code new SpecificData(loader)} has only the conversions registered as
     * services, none of Avro's standard ones, and this model reads union, array and map writer schemas: inside them
     * a generated record's optional logical-type field ({@code ["null", timestamp-millis]}) is converted by the
     * model, not by the record, so the raw long reached the generated setter and failed with a ClassCastException.
     * Conversions already registered for a logical type (a service-registered custom one) are kept.
     */
    private static SpecificData specificDataFor(ClassLoader loader) {
        SpecificData model = new SpecificData(loader);
        Set<String> present = model.getConversions().stream().map(Conversion::getLogicalTypeName)
                .collect(Collectors.toSet());
        for (Conversion<?> conversion : SpecificData.get().getConversions()) {
            if (!present.contains(conversion.getLogicalTypeName())) {
                model.addLogicalTypeConversion(conversion);
            }
        }
        return model;
    }

    @Override
    public Object deserialize(String topic, byte[] data) {
        return deserialize(topic, data, null);
    }

    /**
     * Deserializes with an explicit reader schema, e.g. to read every version of a subject as the newest schema:
     * generic data, or, with {@code specific.avro.reader=true} (as in Confluent's deserializer), the generated classes
     * the reader schema names (a primitive writer schema is read generically either way). {@code readerSchema == null}
     * means the configured behaviour.
     */
    public Object deserialize(String topic, byte[] data, Schema readerSchema) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new IllegalStateException("KafkaAvroDeserializer is not configured: call configure() or pass a SchemaRegistryClient");
        }
        if (data.length < AvroSchemas.HEADER_SIZE) {
            throw new SerializationException("Cannot deserialize Avro data from topic '" + topic + "': " + data.length
                    + " byte(s), shorter than the 5-byte Confluent wire format header (magic byte 0 + 4-byte schema id)");
        }
        if (data[0] != AvroSchemas.MAGIC_BYTE) {
            throw new SerializationException(String.format("Unknown magic byte 0x%02x in data from topic '%s': expected 0x00 "
                    + "(Confluent wire format); the data was not written by a Confluent-compatible Avro serializer", data[0] & 0xff, topic));
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        Reader reader = readerSchema == null && useLatestVersion && !specificReader
                ? latestReaderFor(topic, id)
                : readerFor(topic, id, readerSchema == null ? null : new ReaderKey(id, readerSchema));
        if (reader == Reader.RAW_BYTES) {
            // As Confluent's deserializer: a bytes writer schema means the rest of the message, not Avro-encoded.
            return Arrays.copyOfRange(data, AvroSchemas.HEADER_SIZE, data.length);
        }
        DecodeState state = DecodeState.CURRENT.get();
        if (state.inUse) {
            state = new DecodeState(); // re-entered on this thread: never share the decoder
        }
        state.inUse = true;
        try {
            if (reader.compiled() != null) {
                try {
                    return reader.compiled().read(state.decoder(data));
                } catch (Exception e) {
                    // Data that does not match the writer schema (or a case the compiled reader missed): the
                    // SpecificDatumReader below reads it the same way, or fails with Avro's own message.
                }
            }
            Object result = reader.datumReader().read(null, state.decoder(data));
            if (result instanceof Utf8 utf8) {
                return utf8.toString();
            }
            if (result instanceof ByteBuffer buffer) {
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return bytes;
            }
            return result;
        } catch (Exception e) {
            throw new SerializationException("Error deserializing Avro message with schema id " + id + " from topic '" + topic
                    + "': " + e, e);
        } finally {
            state.inUse = false;
        }
    }

    /**
     * use.latest.version with generic reads, as Confluent's deserializer (7.4 and later, {@code
     * AbstractKafkaAvroDeserializer.DeserializationContext.read}): the subject's latest schema is the reader schema, so
     * every writer version comes back in the latest version's shape (fields added since filled with their defaults,
     * removed ones dropped). The subject is named from the writer schema by the configured strategy. Generated classes
     * (specific.avro.reader) keep reading with their own schema: see the README.
     */
    private Reader latestReaderFor(String topic, int id) {
        Schema writerSchema = writerSchema(topic, id);
        String subject = subjectNameStrategy.subjectName(topic, isKey, writerSchema);
        CachedLatest latest = latestBySubject.get(subject);
        long now = System.nanoTime();
        if (latest == null || (latestTtlNanos >= 0 && now - latest.fetchedAtNanos() >= latestTtlNanos)) {
            SchemaMetadata metadata;
            try {
                metadata = client.getLatestSchemaMetadata(subject);
            } catch (SchemaRegistryException e) {
                String prefix = e instanceof SchemaRegistryUnavailableException ? "Schema registry unavailable while fetching"
                        : "Error fetching";
                throw new SerializationException(prefix + " the latest schema of subject '" + subject + "' (use.latest.version, "
                        + "topic '" + topic + "', " + (isKey ? "key" : "value") + "): " + e.getMessage(), e);
            }
            latest = new CachedLatest(metadata, SchemaKey.of(metadata.schema()), now);
            latestBySubject.put(subject, latest);
        }
        // Written with the latest schema itself: read as written (the same reader as without the flag).
        return readerFor(topic, id, latest.metadata().id() == id ? null : new ReaderKey(id, latest.key()));
    }

    private Schema writerSchema(String topic, int id) {
        try {
            return client.getById(id);
        } catch (SchemaRegistryUnavailableException e) {
            throw new SerializationException("Schema registry unavailable while fetching Avro schema id " + id + " for topic '"
                    + topic + "': " + e.getMessage(), e);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Error retrieving Avro schema for id " + id + " (topic '" + topic + "'): "
                    + e.getMessage(), e);
        }
    }

    /** {@code key} null: the configured behaviour for the writer schema {@code id}. */
    private Reader readerFor(String topic, int id, ReaderKey key) {
        if (key == null) {
            key = new ReaderKey(id, (SchemaKey) null);
        }
        Reader reader = readers.get(key);
        if (reader != null) {
            return reader;
        }
        Schema readerSchema = key.readerSchema() == null ? null : key.readerSchema().schema();
        Schema writerSchema = writerSchema(topic, id);
        try {
            reader = newReader(writerSchema, readerSchema);
        } catch (SerializationException e) {
            throw e;
        } catch (RuntimeException e) {
            // E.g. the writer schema names a class that is not a generated Avro class (a POJO of the same name):
            // Avro's AvroRuntimeException escaped the deserializer, whose every failure is to be a SerializationException.
            throw new SerializationException("Cannot read Avro schema id " + id + " (" + writerSchema.getFullName()
                    + ") from topic '" + topic + "'" + (specificReader && readerSchema == null ? " with specific.avro.reader=true" : "")
                    + ": " + e, e);
        }
        Reader previous = readers.putIfAbsent(key, reader);
        return previous != null ? previous : reader;
    }

    @SuppressWarnings("unchecked")
    private Reader newReader(Schema writerSchema, Schema readerSchema) {
        if (writerSchema.getType() == Schema.Type.BYTES) {
            return Reader.RAW_BYTES;
        }
        if (readerSchema != null) {
            if (specificReader && (isNamed(writerSchema) || isContainer(writerSchema))) {
                // As Confluent's deserializer: with specific.avro.reader an explicit reader schema is read specifically,
                // so a generated class's schema yields that class; a GenericRecord failed the caller's cast. The class's
                // own model carries its logical-type conversions; a reader without a class still yields generic data.
                Class<?> type = isNamed(readerSchema) ? specificData.getClass(readerSchema) : null;
                SpecificData model = type != null ? SpecificData.getForClass(type) : specificData;
                return new Reader((DatumReader<Object>) (DatumReader<?>) new SpecificDatumReader<>(writerSchema, readerSchema,
                        model), null);
            }
            return new Reader(new GenericDatumReader<>(writerSchema, readerSchema, GenericData.get()), null);
        }
        if (specificReader && isNamed(writerSchema)) {
            Class<?> type = specificData.getClass(writerSchema);
            if (type == null) {
                throw new SerializationException("Could not find class " + writerSchema.getFullName()
                        + " specified in writer's schema whilst finding reader's schema for a SpecificRecord "
                        + "(specific.avro.reader=true); is the generated class on the class path?");
            }
            // The class's own model: its logical-type conversions and its class loader for nested types.
            SpecificData model = SpecificData.getForClass(type);
            Schema classSchema = model.getSchema(type);
            CompiledSpecificReader compiled = compiledReaders ? CompiledSpecificReader.compile(writerSchema, type, classSchema, model) : null;
            return new Reader((DatumReader<Object>) (DatumReader<?>) new SpecificDatumReader<>(writerSchema, classSchema, model), compiled);
        }
        if (specificReader && isContainer(writerSchema)) {
            // As Confluent: a union, array or map has no class of its own to resolve into, so it is read with the
            // writer schema as reader, but by SpecificDatumReader, so the records, enums and fixed inside come back as
            // their generated classes (a union [TradeRecord, SeriesKey] yields a TradeRecord or a SeriesKey). Each
            // generated record applies its own logical-type conversions while being read.
            return new Reader(new SpecificDatumReader<>(writerSchema, writerSchema, specificData), null);
        }
        return new Reader(new GenericDatumReader<>(writerSchema, writerSchema, GenericData.get()), null);
    }

    private static boolean isContainer(Schema schema) {
        return schema.getType() == Schema.Type.UNION || schema.getType() == Schema.Type.ARRAY || schema.getType() == Schema.Type.MAP;
    }

    private static boolean isNamed(Schema schema) {
        return schema.getType() == Schema.Type.RECORD || schema.getType() == Schema.Type.ENUM || schema.getType() == Schema.Type.FIXED;
    }

    @Override
    public void close() {
        if (!clientInjected && client != null) {
            client.close();
        }
    }
}
