package io.tradepulse.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClientConfig;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tradepulse.registry.SchemaMetadata;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.internal.Accessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SerializerIdCacheTest {

    @Test
    void shouldAskTheRegistryOncePerTopicAndSchemaInstance() {
        AtomicInteger registrations = new AtomicInteger();
        SchemaRegistryClient client = (SchemaRegistryClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register")) {
                        registrations.incrementAndGet();
                        return 7;
                    }
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        Schema schema = SchemaBuilder.record("Thing").namespace("com.example").fields().requiredLong("n").endRecord();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(client);
        serializer.configure(Map.of(), false);
        for (int i = 0; i < 100; i++) {
            GenericRecord r = new GenericData.Record(schema);
            r.put("n", (long) i);
            byte[] bytes = serializer.serialize("things", r);
            assertThat(bytes[4]).isEqualTo((byte) 7); // the id in the wire format
        }
        serializer.serialize("other-things", record(schema));
        assertThat(registrations).hasValue(2); // once per topic (subject), not once per record
    }

    /**
     * A producer that parses the schema per record (e.g. a bridge forwarding the schema it receives with each
     * message) hands in a new but equal Schema instance every time: the id comes from the cache, not the registry,
     * and the cache stays bounded instead of keeping every instance.
     */
    @Test
    void shouldStayBoundedAndAskOnceWhenEachRecordBringsAFreshlyParsedEqualSchema() {
        AtomicInteger registrations = new AtomicInteger();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(registering(registrations, 7));
        String text = "{\"type\":\"record\",\"name\":\"Price\",\"namespace\":\"com.example\","
                + "\"fields\":[{\"name\":\"n\",\"type\":\"long\"}]}";
        for (int i = 0; i < 20_000; i++) {
            GenericRecord r = new GenericData.Record(new Schema.Parser().parse(text));
            r.put("n", (long) i);
            assertThat(serializer.serialize("prices", r)[4]).isEqualTo((byte) 7);
        }
        assertThat(registrations).hasValue(1);
        assertThat(serializer.idCache().values()).isEqualTo(1);
        assertThat(serializer.idCache().instances()).isBetween(1, SchemaRegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT_DEFAULT);
    }

    /**
     * A schema that differs from an earlier one only in docs or aliases is equal by Avro's Schema.equals, but is a
     * different registration (the registry compares text) with its own id: the serializer must not reuse the first
     * schema's id for it, as Confluent's serializer does not (its cache key compares docs and aliases).
     */
    @Test
    void shouldNotReuseTheIdOfASchemaThatDiffersOnlyInDocs() {
        java.util.Map<String, Integer> idsByText = new java.util.concurrent.ConcurrentHashMap<>();
        SchemaRegistryClient client = (SchemaRegistryClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register")) {
                        return idsByText.computeIfAbsent(args[1].toString(), t -> idsByText.size() + 1);
                    }
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        Schema plain = SchemaBuilder.record("Thing").namespace("com.example").fields().requiredLong("n").endRecord();
        Schema documented = SchemaBuilder.record("Thing").namespace("com.example").doc("a thing").fields()
                .name("n").doc("how many").type().longType().noDefault().endRecord();
        assertThat(documented).isEqualTo(plain);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(client)) {
            assertThat(serializer.serialize("things", record(plain))[4]).isEqualTo((byte) 1);
            assertThat(serializer.serialize("things", record(documented))[4]).isEqualTo((byte) 2);
            assertThat(serializer.serialize("things", record(new Schema.Parser().parse(documented.toString())))[4])
                    .isEqualTo((byte) 2);
        }
    }

    /** Reconfigured as a key serializer, it registers under the -key subject instead of reusing the value's id. */
    @Test
    void shouldForgetIdsOfThePreviousConfigurationWhenReconfigured() {
        MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();
        registry.register("unrelated", Schema.create(Schema.Type.STRING));
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            serializer.configure(Map.of(), false);
            byte[] asValue = serializer.serialize("trades", SerdeFixtures.seriesKey());
            serializer.configure(Map.of(), true);
            byte[] asKey = serializer.serialize("trades", SerdeFixtures.seriesKey());
            assertThat(registry.getAllSubjects()).contains("trades-value", "trades-key");
            assertThat(asKey).isEqualTo(asValue); // same schema, same id: but now registered under the key subject
            serializer.configure(Map.of(AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG,
                    "io.tradepulse.registry.strategy.RecordNameStrategy"), true);
            serializer.serialize("trades", SerdeFixtures.seriesKey());
            assertThat(registry.getAllSubjects()).contains("io.tradepulse.avro.SeriesKey");
        }
    }

    /** The latest version cached under the previous configuration is fetched again after configure. */
    @Test
    void shouldFetchTheLatestVersionAgainWhenReconfigured() {
        MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();
        Schema v1 = SchemaBuilder.record("Thing").namespace("com.example").fields().requiredLong("n").endRecord();
        Schema v2 = SchemaBuilder.record("Thing").namespace("com.example").fields().requiredLong("n")
                .name("note").type().stringType().stringDefault("").endRecord();
        int v1Id = registry.register("things-value", v1);
        Map<String, Object> latest = Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
                AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            serializer.configure(latest, false);
            assertThat(serializer.serialize("things", record(v1))[4]).isEqualTo((byte) v1Id);
            int v2Id = registry.register("things-value", v2);
            serializer.configure(latest, false);
            assertThat(serializer.serialize("things", record(v1))[4]).isEqualTo((byte) v2Id);
        }
    }

    /**
     * use.latest.version: a new latest version that differs from the previous one only by an alias (for a renamed
     * field) can read records the previous one could not. Avro's Schema.equals ignores aliases, so the cached "cannot
     * read" verdict of the previous latest version must not be reused for it.
     */
    @Test
    void shouldCheckANewLatestVersionThatDiffersOnlyByAnAliasAfresh() {
        MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();
        Schema writer = new Schema.Parser().parse("""
                {"type":"record","name":"Thing","namespace":"com.example","fields":[{"name":"n","type":"long"}]}""");
        Schema renamed = new Schema.Parser().parse("""
                {"type":"record","name":"Thing","namespace":"com.example","fields":[{"name":"count","type":"long"}]}""");
        Schema renamedWithAlias = new Schema.Parser().parse("""
                {"type":"record","name":"Thing","namespace":"com.example","fields":[
                  {"name":"count","type":"long","aliases":["n"]}]}""");
        assertThat(renamedWithAlias).isEqualTo(renamed);
        registry.register("things-value", renamed);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            serializer.configure(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
                    AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true, AvroSerdeConfig.LATEST_CACHE_TTL_SEC_CONFIG, 0), false);
            assertThatThrownBy(() -> serializer.serialize("things", record(writer)))
                    .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                    .hasMessageContaining("cannot represent");
            int aliasedId = registry.register("things-value", renamedWithAlias);
            assertThat(serializer.serialize("things", record(writer))[4]).isEqualTo((byte) aliasedId);
        }
    }

    /**
     * use.latest.version: the record's schema was compared with the latest one (Avro's deep Schema.equals) for every
     * record; a record converted to the latest had the two schemas resolved again by a new GenericDatumReader, and once
     * the latest was fetched again as a new instance (latest.cache.ttl.sec) its cached readability was found by a
     * deep comparison, per record too. Counted through a field default whose JSON equals is what those comparisons
     * call.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldCompareTheRecordSchemaWithTheLatestOncePerLatestIdWhenRecordsShareASchema(boolean latestIsTheSame) {
        AtomicInteger comparisons = new AtomicInteger();
        AtomicInteger fetches = new AtomicInteger();
        // The first fetch and a refresh (latest.cache.ttl.sec=0: every record) give two instances of the same version.
        Schema first = countingThing(comparisons, !latestIsTheSame);
        Schema refreshed = countingThing(comparisons, !latestIsTheSame);
        Supplier<Schema> latest = () -> fetches.get() == 1 ? first : refreshed;
        SchemaRegistryClient client = (SchemaRegistryClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getLatestSchemaMetadata")) {
                        fetches.incrementAndGet();
                        return new SchemaMetadata(9, 2, (String) args[0], latest.get());
                    }
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        Schema recordSchema = countingThing(comparisons, false);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(client)) {
            serializer.configure(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
                    AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true, AvroSerdeConfig.LATEST_CACHE_TTL_SEC_CONFIG, 0), false);
            for (int i = 0; i < 200; i++) {
                GenericRecord r = new GenericData.Record(recordSchema);
                r.put("n", (long) i);
                r.put("s", "v" + i);
                byte[] bytes = serializer.serialize("things", r);
                assertThat(bytes[4]).isEqualTo((byte) 9);
                assertThat(bytes.length).as("the extra field's default written too")
                        .isEqualTo(latestIsTheSame ? 5 + 1 + 1 + ("v" + i).length() + (i < 64 ? 0 : 1) :
                                5 + 1 + 1 + ("v" + i).length() + (i < 64 ? 0 : 1) + 1);
            }
        }
        assertThat(fetches).hasValue(200); // fetched per record (TTL 0): only the comparison is cached
        // once for the first fetched instance (equality, or the conversion's resolution), not per record
        assertThat(comparisons.get()).as("comparisons of the defaults").isLessThanOrEqualTo(2);
    }

    /** Thing {n: long, s: string = "x"} (plus {t: string = ""} when extra), the defaults counting their comparisons. */
    private static Schema countingThing(AtomicInteger comparisons, boolean extra) {
        List<Schema.Field> fields = new ArrayList<>(List.of(
                new Schema.Field("n", Schema.create(Schema.Type.LONG)),
                Accessor.createField("s", Schema.create(Schema.Type.STRING), null, new CountingText("x", comparisons))));
        if (extra) {
            fields.add(Accessor.createField("t", Schema.create(Schema.Type.STRING), null, new CountingText("", comparisons)));
        }
        return Schema.createRecord("Thing", null, "com.example", false, fields);
    }

    /** A JSON text node that counts how often it is compared. */
    private static final class CountingText extends TextNode {
        private static final long serialVersionUID = 1L;
        private final transient AtomicInteger comparisons;

        CountingText(String text, AtomicInteger comparisons) {
            super(text);
            this.comparisons = comparisons;
        }

        @Override
        public boolean equals(Object o) {
            comparisons.incrementAndGet();
            return super.equals(o);
        }

        @Override
        public int hashCode() {
            return super.hashCode();
        }
    }

    /** use.latest.version with a byte[] value and a nullable-bytes latest schema: written as the union's bytes branch. */
    @Test
    void shouldWriteAByteArrayWithANullableBytesLatestSchema() throws Exception {
        MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();
        Schema nullableBytes = new Schema.Parser().parse("[\"null\",\"bytes\"]");
        int id = registry.register("blobs-value", nullableBytes);
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            serializer.configure(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
                    AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true), false);
            byte[] bytes = serializer.serialize("blobs", new byte[] {7, 8});
            assertThat(bytes[4]).isEqualTo((byte) id);
            // union branch 1 (zig-zag 2), length 2 (zig-zag 4), then the two bytes
            assertThat(java.util.Arrays.copyOfRange(bytes, 5, bytes.length)).containsExactly(2, 4, 7, 8);
        }
    }

    private static SchemaRegistryClient registering(AtomicInteger registrations, int id) {
        return (SchemaRegistryClient) Proxy.newProxyInstance(SerializerIdCacheTest.class.getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register")) {
                        registrations.incrementAndGet();
                        return id;
                    }
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static GenericRecord record(Schema schema) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("n", 1L);
        return r;
    }
}
