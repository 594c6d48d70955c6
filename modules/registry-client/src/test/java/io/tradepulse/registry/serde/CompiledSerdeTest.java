package io.tradepulse.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;

/**
 * The compiled writer/reader of the serdes ({@link CompiledSpecificWriter}, {@link CompiledSpecificReader},
 * plus the reused per-thread buffers): byte-identical to plain {@code SpecificDatumWriter} for randomized
 * and edge-case records, the same records back as {@code SpecificDatumReader}, schema evolution through
 * the resolving path, Avro's own error messages for bad data, and concurrent use.
 */
class CompiledSerdeTest {

    private static final List<Class<? extends SpecificRecordBase>> CLASSES = List.of(TradeChange.class, TradeRecord.class, SeriesKey.class,
            ChangeKey.class, SignalKey.class, TradeSignal.class, TariffEvent.class);

    private static final String[] STRINGS = {"", "USD", "CHN", "a", "é", "中国对美出口", "emoji 🇨🇳→🇺🇸 𝄞", "tab\tnew\nline\u0000nul",
        "x".repeat(300), "lone surrogate \uD800 here", "\uFFFF"};
    private static final long[] LONGS = {0, 1, -1, 63, 64, -64, -65, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE,
        33_000_000_000L, -44_000_000_000L};
    private static final int[] INTS = {0, 1, -1, 63, 64, -65, Integer.MAX_VALUE, Integer.MIN_VALUE, 2025, 12};
    private static final double[] DOUBLES = {0.0, -0.0, Double.NaN, Double.longBitsToDouble(0x7ff8_0000_dead_beefL), Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE, -34.5, -21.0, 1e-300, -123456.789};
    private static final Instant[] INSTANTS = {Instant.EPOCH, Instant.ofEpochMilli(-1), Instant.ofEpochMilli(Long.MAX_VALUE),
        Instant.ofEpochMilli(Long.MIN_VALUE), Instant.parse("9999-12-31T23:59:59.999Z"), Instant.parse("1900-01-01T00:00:00Z"),
        Instant.parse("2025-06-09T03:00:00Z")};

    @Test
    void compiledWriterAndReaderCoverTheHotClasses() {
        for (Class<? extends SpecificRecordBase> type : List.of(TradeChange.class, TradeRecord.class, SeriesKey.class, ChangeKey.class)) {
            SpecificRecordBase sample = newInstance(type);
            Schema schema = sample.getSchema();
            assertThat(CompiledSpecificWriter.compile(sample, schema)).as(type.getSimpleName()).isNotNull();
            assertThat(CompiledSpecificReader.compile(reparse(schema), type, schema, SpecificData.getForClass(type)))
                    .as(type.getSimpleName()).isNotNull();
        }
    }

    @Test
    void shouldWriteExactlyTheBytesOfSpecificDatumWriterAndReadTheSameRecordsBack() {
        MemorySchemaRegistryClient client = new MemorySchemaRegistryClient();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(client);
        KafkaAvroDeserializer deserializer = specificDeserializer(client);
        KafkaAvroSerializer baseline = Uncompiled.serializer(client);
        Random random = new Random(20250609);
        for (Class<? extends SpecificRecordBase> type : CLASSES) {
            for (int i = 0; i < 1500; i++) {
                // Every 10th record has every nullable field null; some have sub-millisecond instants.
                SpecificRecordBase record = randomRecord(type, random, i % 10 == 0 ? 1.0 : 0.3, i % 7 == 0);
                String topic = "t." + type.getSimpleName();
                byte[] bytes = serializer.serialize(topic, record);
                int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
                assertThat(bytes).as("%s #%d %s", type.getSimpleName(), i, record).isEqualTo(specificDatumWriterBytes(id, record))
                        .isEqualTo(baseline.serialize(topic, record));
                Object read = deserializer.deserialize(topic, bytes);
                assertThat(read).as("%s #%d", type.getSimpleName(), i).isEqualTo(specificDatumReaderRead(bytes, record.getSchema(), type));
                if (i % 7 != 0 && lossless(record)) {
                    assertThat(read).isEqualTo(record);
                }
            }
        }
    }

    @Test
    void shouldReadDataOfAnOlderWriterSchemaIntoTheCurrentClass() {
        Set<String> newer = Set.of("revision", "priorYearRevision", "priorMonthValue", "momPct", "ytdValue", "priorYtdValue", "ytdYoyPct",
                "ytdPartial", "rolling3mValue", "rolling3mPriorValue", "rolling3mYoyPct", "derivedFrom");
        Schema current = TradeChange.getClassSchema();
        Schema older = withFields(current, current.getFields().stream().filter(f -> !newer.contains(f.name())).toList());
        assertThat(older.getFields()).hasSizeLessThan(current.getFields().size());
        MemorySchemaRegistryClient client = new MemorySchemaRegistryClient();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(client);
        KafkaAvroDeserializer deserializer = specificDeserializer(client);
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            TradeChange full = (TradeChange) randomRecord(TradeChange.class, random, i % 10 == 0 ? 1.0 : 0.3, false);
            GenericRecord old = new GenericData.Record(older);
            for (Schema.Field field : older.getFields()) {
                Object value = full.get(current.getField(field.name()).pos());
                old.put(field.name(), value instanceof Enum<?> e ? new GenericData.EnumSymbol(field.schema(), e.name()) : value);
            }
            byte[] bytes = serializer.serialize("trade.changes", old);
            TradeChange read = (TradeChange) deserializer.deserialize("trade.changes", bytes);
            TradeChange expected = TradeChange.newBuilder(full).build();
            for (Schema.Field field : current.getFields()) {
                if (newer.contains(field.name())) {
                    expected.put(field.pos(), null); // every newer field defaults to null
                }
            }
            assertThat(read).isEqualTo(specificDatumReaderRead(bytes, older, TradeChange.class));
            if (lossless(full)) {
                assertThat(read).isEqualTo(expected);
            }
        }
        assertThat(CompiledSpecificReader.compile(older, TradeChange.class, current, SpecificData.getForClass(TradeChange.class))).isNull();
    }

    @Test
    void shouldReadDataOfANewerWriterSchemaWithAnExtraFieldIntoTheCurrentClass() {
        Schema current = TradeRecord.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        fields.add(new Schema.Field("extra", SchemaBuilder.unionOf().nullType().and().stringType().endUnion(), null, Schema.Field.NULL_DEFAULT_VALUE));
        fields.addAll(current.getFields());
        Schema newer = withFields(current, fields);
        MemorySchemaRegistryClient client = new MemorySchemaRegistryClient();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(client);
        KafkaAvroDeserializer deserializer = specificDeserializer(client);
        TradeRecord record = SerdeFixtures.tradeRecord();
        GenericRecord generic = new GenericData.Record(newer);
        generic.put("extra", "ignored by older readers");
        for (Schema.Field field : current.getFields()) {
            Object value = record.get(field.pos());
            generic.put(field.name(), value instanceof Enum<?> e ? new GenericData.EnumSymbol(field.schema(), e.name()) : value);
        }
        assertThat(deserializer.deserialize("trade.records", serializer.serialize("trade.records", generic))).isEqualTo(record);
    }

    /** A registry may hand back the schema in another text form (no docs, no avro.java.string): same layout, same records. */
    @Test
    void shouldUseTheCompiledReaderForAnEquivalentWriterSchemaTextAndReadTheSameRecords() {
        MemorySchemaRegistryClient client = new MemorySchemaRegistryClient();
        Schema canonical = new Schema.Parser().parse(SchemaNormalization.toParsingForm(TradeChange.getClassSchema()));
        assertThat(CompiledSpecificReader.compile(canonical, TradeChange.class, TradeChange.getClassSchema(),
                SpecificData.getForClass(TradeChange.class))).isNotNull();
        int id = client.register("other-value", canonical);
        KafkaAvroDeserializer deserializer = specificDeserializer(client);
        Random random = new Random(11);
        for (int i = 0; i < 200; i++) {
            TradeChange record = (TradeChange) randomRecord(TradeChange.class, random, 0.3, false);
            byte[] bytes = specificDatumWriterBytes(id, record);
            Object read = deserializer.deserialize("other", bytes);
            assertThat(read).isEqualTo(specificDatumReaderRead(bytes, canonical, TradeChange.class));
            if (lossless(record)) {
                assertThat(read).isEqualTo(record);
            }
            assertThat(((TradeChange) read).getReporter()).isInstanceOf(String.class);
        }
    }

    @Test
    void shouldFailWithAvrosOwnMessageForANullInANonNullField() {
        MemorySchemaRegistryClient client = new MemorySchemaRegistryClient();
        TradeChange bad = (TradeChange) randomRecord(TradeChange.class, new Random(3), 0.3, false);
        bad.put(0, null); // reporter
        Throwable ours = catchThrowable(() -> new KafkaAvroSerializer(client).serialize("t", bad));
        Throwable theirs = catchThrowable(() -> Uncompiled.serializer(client).serialize("t", bad));
        assertThat(ours).isInstanceOf(SerializationException.class).hasMessageContaining("reporter");
        assertThat(ours.getMessage()).isEqualTo(theirs.getMessage());
        // The thread's buffer and encoder are fine afterwards.
        TradeChange good = (TradeChange) randomRecord(TradeChange.class, new Random(4), 0.3, false);
        byte[] bytes = new KafkaAvroSerializer(client).serialize("t", good);
        assertThat(bytes).isEqualTo(specificDatumWriterBytes(ByteBuffer.wrap(bytes, 1, 4).getInt(), good));
    }

    @Test
    void shouldFailLikeAvroForTruncatedOrCorruptData() {
        MemorySchemaRegistryClient client = new MemorySchemaRegistryClient();
        KafkaAvroDeserializer deserializer = specificDeserializer(client);
        KafkaAvroDeserializer baseline = Uncompiled.deserializer(client, true);
        TradeChange record = (TradeChange) randomRecord(TradeChange.class, new Random(5), 0.0, false);
        byte[] bytes = new KafkaAvroSerializer(client).serialize("t", record);
        // Truncated anywhere after the header.
        for (int length = 6; length < bytes.length; length += 7) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            Throwable ours = catchThrowable(() -> deserializer.deserialize("t", truncated));
            Throwable theirs = catchThrowable(() -> baseline.deserialize("t", truncated));
            if (theirs == null) {
                assertThat(ours).isNull();
            } else {
                assertThat(ours).isInstanceOf(SerializationException.class).hasMessage(theirs.getMessage());
            }
        }
        // An enum index out of range: flow (field 2) is the first byte after the two strings.
        byte[] corrupt = bytes.clone();
        int flowAt = AvroSchemas.HEADER_SIZE + 1 + record.getReporter().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1
                + record.getPartner().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        corrupt[flowAt] = 40; // zig-zag 20
        Throwable ours = catchThrowable(() -> deserializer.deserialize("t", corrupt));
        assertThat(ours).isInstanceOf(SerializationException.class)
                .hasMessage(catchThrowable(() -> baseline.deserialize("t", corrupt)).getMessage());
        // And the next good message still decodes.
        assertThat(deserializer.deserialize("t", bytes)).isEqualTo(record);
    }

    @Test
    void shouldBeSafeToShareBetweenThreads() throws Exception {
        MemorySchemaRegistryClient client = new MemorySchemaRegistryClient();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(client);
        KafkaAvroDeserializer deserializer = specificDeserializer(client);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 3000; i++) {
                        Class<? extends SpecificRecordBase> type = i % 2 == 0 ? TradeChange.class : TradeRecord.class;
                        SpecificRecordBase record = randomRecord(type, random, 0.3, false);
                        byte[] bytes = serializer.serialize("t." + type.getSimpleName(), record);
                        assertThat(bytes).isEqualTo(specificDatumWriterBytes(ByteBuffer.wrap(bytes, 1, 4).getInt(), record));
                        assertThat(deserializer.deserialize("t." + type.getSimpleName(), bytes))
                                .isEqualTo(specificDatumReaderRead(bytes, record.getSchema(), type));
                    }
                    return 3000;
                }));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get()).isEqualTo(3000);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldStillRejectAWrongMagicByteAndShortData() {
        KafkaAvroDeserializer deserializer = specificDeserializer(new MemorySchemaRegistryClient());
        assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {1, 0, 0, 0, 1, 2})).isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {0, 0})).isInstanceOf(SerializationException.class);
    }

    // ---- helpers

    private static KafkaAvroDeserializer specificDeserializer(MemorySchemaRegistryClient client) {
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(client);
        deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
        return deserializer;
    }

    /** The reference: magic byte, id, then plain SpecificDatumWriter with the class's model. */
    private static byte[] specificDatumWriterBytes(int id, SpecificRecordBase record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(record.getSchema(), SpecificData.getForClass(record.getClass())).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reference reader: plain SpecificDatumReader (with its ResolvingDecoder) into the class. */
    private static Object specificDatumReaderRead(byte[] bytes, Schema writer, Class<?> type) {
        try {
            SpecificData model = SpecificData.getForClass(type);
            return new SpecificDatumReader<>(writer, model.getSchema(type), model).read(null,
                    DecoderFactory.get().binaryDecoder(bytes, AvroSchemas.HEADER_SIZE, bytes.length - AvroSchemas.HEADER_SIZE, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A lone surrogate is written as '?' by UTF-8 encoding, so such a record cannot come back equal. */
    private static boolean lossless(SpecificRecordBase record) {
        return !record.toString().contains("\uD800"); // toString() copies such characters unescaped
    }

    private static Schema reparse(Schema schema) {
        return new Schema.Parser().parse(schema.toString());
    }

    private static Schema withFields(Schema schema, List<Schema.Field> fields) {
        List<Schema.Field> copies = new ArrayList<>();
        for (Schema.Field field : fields) {
            copies.add(new Schema.Field(field, field.schema()));
        }
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, copies);
    }

    private static SpecificRecordBase newInstance(Class<? extends SpecificRecordBase> type) {
        try {
            return type.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A record of {@code type} with every field set from its schema: edge values, random values, nulls. */
    static SpecificRecordBase randomRecord(Class<? extends SpecificRecordBase> type, Random random, double nullProbability, boolean subMillis) {
        SpecificRecordBase record = newInstance(type);
        SpecificData model = SpecificData.getForClass(type);
        for (Schema.Field field : record.getSchema().getFields()) {
            record.put(field.pos(), value(field.schema(), random, nullProbability, subMillis, model));
        }
        return record;
    }

    private static Object value(Schema schema, Random random, double nullProbability, boolean subMillis, SpecificData model) {
        if (schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
            Instant instant = random.nextBoolean() ? INSTANTS[random.nextInt(INSTANTS.length)]
                    : Instant.ofEpochMilli(random.nextLong() % 4_000_000_000_000L);
            if (subMillis && instant.getEpochSecond() > 0 && instant.getEpochSecond() < 300_000_000_000L) {
                instant = instant.plusNanos(random.nextInt(999_999) + 1);
            }
            return instant;
        }
        if (schema.getLogicalType() instanceof LogicalTypes.Date) {
            return java.time.LocalDate.ofEpochDay(random.nextInt(40_000) - 10_000);
        }
        if (schema.getLogicalType() != null) {
            throw new IllegalStateException("no generator for " + schema);
        }
        return switch (schema.getType()) {
            case UNION -> {
                List<Schema> branches = schema.getTypes();
                Schema nonNull = branches.stream().filter(b -> b.getType() != Schema.Type.NULL).findFirst().orElseThrow();
                yield random.nextDouble() < nullProbability ? null : value(nonNull, random, nullProbability, subMillis, model);
            }
            case STRING -> random.nextInt(3) == 0 ? Long.toString(random.nextLong(), 36) : STRINGS[random.nextInt(STRINGS.length)];
            case INT -> random.nextBoolean() ? INTS[random.nextInt(INTS.length)] : random.nextInt();
            case LONG -> random.nextBoolean() ? LONGS[random.nextInt(LONGS.length)] : random.nextLong() >> random.nextInt(64);
            case DOUBLE -> random.nextBoolean() ? DOUBLES[random.nextInt(DOUBLES.length)] : (random.nextDouble() - 0.5) * 1e6;
            case FLOAT -> random.nextBoolean() ? Float.NaN : (float) random.nextGaussian();
            case BOOLEAN -> random.nextBoolean();
            case ENUM -> model.createEnum(schema.getEnumSymbols().get(random.nextInt(schema.getEnumSymbols().size())), schema);
            case NULL -> null;
            case BYTES -> ByteBuffer.wrap(STRINGS[random.nextInt(STRINGS.length)].getBytes(java.nio.charset.StandardCharsets.UTF_8));
            case ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    list.add(value(schema.getElementType(), random, nullProbability, subMillis, model));
                }
                yield list;
            }
            case MAP -> {
                Map<String, Object> map = new java.util.HashMap<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    map.put("k" + i, value(schema.getValueType(), random, nullProbability, subMillis, model));
                }
                yield map;
            }
            case RECORD -> {
                Object nested = model.newRecord(null, schema);
                for (Schema.Field field : schema.getFields()) {
                    model.setField(nested, field.name(), field.pos(), value(field.schema(), random, nullProbability, subMillis, model));
                }
                yield nested;
            }
            default -> throw new IllegalStateException("no generator for " + schema);
        };
    }
}
