package io.tradepulse.streams;

import static io.tradepulse.streams.RollupsTest.hs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.ParseResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

/**
 * {@code rocksdb.config.setter=io.tradepulse.streams.BoundedRocksDBMemory}: every store instance of the JVM shares
 * one block cache and one write buffer manager of the configured sizes, instead of Kafka Streams' ~100 MB each.
 */
class BoundedRocksDBMemoryTest {
    private static final long MIB = 1024L * 1024;
    private static final String SETTER = BoundedRocksDBMemory.class.getName();

    private static Map<String, Object> settings(Object totalBytes, Object memtableFraction) {
        Map<String, Object> m = new HashMap<>();
        m.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, SETTER);
        m.put(ProcessorConfig.ROCKSDB_MEMORY_BYTES_CONFIG, totalBytes);
        m.put(ProcessorConfig.ROCKSDB_MEMTABLE_FRACTION_CONFIG, memtableFraction);
        return m;
    }

    /** Options as Kafka Streams' RocksDBStore hands them to the setter: a block-based table, 16 MB write buffers. */
    private static Options storeOptions() {
        RocksDB.loadLibrary();
        return new Options().setCreateIfMissing(true).setTableFormatConfig(new BlockBasedTableConfig())
                .setWriteBufferSize(16 * MIB).setMaxWriteBufferNumber(3);
    }

    private static ProcessorConfig processorConfig(Map<String, Object> settings) {
        Map<String, Object> m = new HashMap<>(settings);
        m.put("bootstrap.servers", "localhost:9092");
        m.put("schema.registry.url", "http://localhost:8081");
        return new ProcessorConfig(m);
    }

    @Test
    void shouldShareOneCacheAndOneWriteBufferManagerOfTheConfiguredSizesBetweenStores(@TempDir Path dir)
            throws Exception {
        // As Kafka Streams passes them: strings from a properties file; one setter instance per store.
        Map<String, Object> configs = settings(String.valueOf(48 * MIB), "0.25");
        try (Options first = storeOptions(); Options second = storeOptions()) {
            new BoundedRocksDBMemory().setConfig("series-history", first, configs);
            new BoundedRocksDBMemory().setConfig("rollup-children", second, configs);

            BoundedRocksDBMemory.Shared shared = BoundedRocksDBMemory.shared(ProcessorConfig.rocksDBMemory(configs));
            assertThat(shared.sizes()).isEqualTo(new BoundedRocksDBMemory.Sizes(48 * MIB, 12 * MIB));
            assertThat(first.writeBufferManager()).isSameAs(second.writeBufferManager())
                    .isSameAs(shared.writeBufferManager());
            for (Options options : List.of(first, second)) {
                BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
                assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
                assertThat(table.cacheIndexAndFilterBlocksWithHighPriority()).isTrue();
                assertThat(table.pinTopLevelIndexAndFilter()).isTrue();
            }

            // Both stores' write buffers are charged to the one shared cache.
            long before = shared.cache().getUsage();
            try (RocksDB a = RocksDB.open(first, dir.resolve("a").toString());
                 RocksDB b = RocksDB.open(second, dir.resolve("b").toString())) {
                write(a, 2 * MIB);
                long afterFirst = shared.cache().getUsage();
                write(b, 2 * MIB);
                long afterSecond = shared.cache().getUsage();
                assertThat(afterFirst).isGreaterThanOrEqualTo(before + MIB);
                assertThat(afterSecond).isGreaterThanOrEqualTo(afterFirst + MIB);
            }
        }
    }

    /** The write buffer manager flushes at its size: without it the 16 MB write buffer would hold all 12 MB. */
    @Test
    void shouldFlushTheWriteBuffersWhenTheyReachTheConfiguredShareOfTheBound(@TempDir Path dir) throws Exception {
        Map<String, Object> configs = settings(40 * MIB, 0.2); // 8 MiB of write buffers: a size no other test uses
        try (Options options = storeOptions()) {
            new BoundedRocksDBMemory().setConfig("series-history", options, configs);
            try (RocksDB db = RocksDB.open(options, dir.toString())) {
                write(db, 12 * MIB);
                long deadline = System.nanoTime() + 10_000_000_000L;
                long inMemtables;
                do {
                    Thread.sleep(20);
                    inMemtables = db.getLongProperty("rocksdb.cur-size-all-mem-tables");
                } while (inMemtables >= 8 * MIB && System.nanoTime() < deadline);
                assertThat(inMemtables).isLessThan(8 * MIB);
            }
        }
    }

    @Test
    void shouldGiveStoresConfiguredWithOtherSizesACacheOfTheirOwn() {
        BoundedRocksDBMemory.Shared alike = BoundedRocksDBMemory.shared(
                ProcessorConfig.rocksDBMemory(settings(64 * MIB, 0.5)));
        BoundedRocksDBMemory.Shared same = BoundedRocksDBMemory.shared(
                ProcessorConfig.rocksDBMemory(settings(String.valueOf(64 * MIB), "0.5")));
        BoundedRocksDBMemory.Shared other = BoundedRocksDBMemory.shared(
                ProcessorConfig.rocksDBMemory(settings(96 * MIB, 0.5)));

        assertThat(same.cache()).isSameAs(alike.cache());
        assertThat(same.writeBufferManager()).isSameAs(alike.writeBufferManager());
        assertThat(other.cache()).isNotSameAs(alike.cache());
        assertThat(other.sizes()).isEqualTo(new BoundedRocksDBMemory.Sizes(96 * MIB, 48 * MIB));
    }

    @Test
    void shouldUseTheDefaultSizesWhenTheSetterIsGivenWithoutThem() {
        Map<String, Object> configs = Map.of(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, SETTER);

        assertThat(ProcessorConfig.rocksDBMemory(configs)).isEqualTo(new BoundedRocksDBMemory.Sizes(
                ProcessorConfig.ROCKSDB_MEMORY_BYTES_DEFAULT, ProcessorConfig.ROCKSDB_MEMORY_BYTES_DEFAULT / 2));
        assertThatCode(() -> processorConfig(configs)).doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseAnInvalidMemoryBoundAtStartNamingTheKeyAndTheAllowedRange() {
        for (Object bad : List.of(String.valueOf(16 * MIB - 1), "0", "-1", "lots")) {
            assertThatThrownBy(() -> processorConfig(settings(bad, "0.5"))).as(String.valueOf(bad))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(ProcessorConfig.ROCKSDB_MEMORY_BYTES_CONFIG)
                    .hasMessageContaining(String.valueOf(bad));
        }
        assertThatThrownBy(() -> processorConfig(settings("1", "0.5")))
                .hasMessageContaining(String.valueOf(ProcessorConfig.ROCKSDB_MEMORY_BYTES_MIN));
    }

    @Test
    void shouldRefuseAnInvalidMemtableFractionAtStartNamingTheKeyAndTheAllowedRange() {
        for (String bad : List.of("0", "0.05", "0.95", "1", "NaN", "half")) {
            assertThatThrownBy(() -> processorConfig(settings(String.valueOf(64 * MIB), bad))).as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(ProcessorConfig.ROCKSDB_MEMTABLE_FRACTION_CONFIG)
                    .hasMessageContaining(bad);
        }
        assertThatThrownBy(() -> processorConfig(settings(String.valueOf(64 * MIB), "0.95")))
                .hasMessageContaining("0.9");
    }

    /** Set alone, the bound would bound nothing: each store would still take Kafka Streams' defaults. */
    @Test
    void shouldRefuseTheMemorySettingsWhenTheSetterIsNotTheBoundedOne() {
        for (Object setter : List.of("", OtherSetter.class.getName())) {
            Map<String, Object> m = settings(String.valueOf(64 * MIB), "0.5");
            if (setter.toString().isEmpty()) {
                m.remove(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG);
            } else {
                m.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, setter);
            }
            m.remove(ProcessorConfig.ROCKSDB_MEMTABLE_FRACTION_CONFIG);
            assertThatThrownBy(() -> processorConfig(m)).as(setter.toString())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(ProcessorConfig.ROCKSDB_MEMORY_BYTES_CONFIG)
                    .hasMessageContaining(SETTER);
        }
    }

    /**
     * The processors' topology over real RocksDB stores (TopologyTestDriver opens them and applies
     * rocksdb.config.setter): the same outputs as with Kafka Streams' defaults, the stores in the shared cache.
     */
    @Test
    void shouldProcessRecordsAsWithoutTheSetterWhenTheStoresShareTheBoundedCache() {
        Map<String, Object> bounded = settings(String.valueOf(72 * MIB), "0.5"); // sizes no other test uses
        BoundedRocksDBMemory.Shared shared = BoundedRocksDBMemory.shared(ProcessorConfig.rocksDBMemory(bounded));
        long before = shared.cache().getUsage();

        List<KeyValue<ChangeKey, TradeChange>> withDefaults = run(Map.of(), null);
        long[] during = new long[1];
        List<KeyValue<ChangeKey, TradeChange>> withSetter = run(bounded, () -> during[0] = shared.cache().getUsage());

        assertThat(withDefaults).hasSizeGreaterThan(100).anyMatch(kv -> kv.value.getDerivedFrom() != null);
        assertThat(withSetter).containsExactlyElementsOf(withDefaults);
        assertThat(during[0]).as("the stores' write buffers charged to the shared cache").isGreaterThan(before);
    }

    private static List<KeyValue<ChangeKey, TradeChange>> run(Map<String, Object> settings, Runnable whileOpen) {
        List<SeriesKey> hs6 = java.util.stream.Stream.of("851713", "851762", "847130", "847150")
                .map(c -> new SeriesKey("USA", "CHN", Flow.IMPORT, c)).toList();
        try (TopologyFixture f = new TopologyFixture(SignalConfig.DEFAULTS, RollupConfig.DEFAULTS,
                StateStoreType.ROCKSDB, InputRules.DEFAULTS, settings)) {
            BundledData.chinaExportsToUs().stream().map(r -> ((ParseResult.Parsed<TradeRecord>) r).value())
                    .forEach(f::pipe);
            for (int month = 1; month <= 12; month++) {
                for (int i = 0; i < hs6.size(); i++) {
                    f.pipe(hs(hs6.get(i), 2025, month, 1_000L * (i + 1) + month * (i + 3), "2025-12-05"));
                }
                f.settle();
            }
            if (whileOpen != null) {
                whileOpen.run();
            }
            return new ArrayList<>(f.changes.readKeyValuesToList());
        }
    }

    /** A setter of the user's own: the memory settings do not apply to it. */
    public static final class OtherSetter implements RocksDBConfigSetter {
        @Override
        public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        }

        @Override
        public void close(String storeName, Options options) {
        }
    }

    private static void write(RocksDB db, long bytes) throws Exception {
        byte[] value = new byte[4096];
        try (WriteOptions options = new WriteOptions().setDisableWAL(true)) {
            for (long i = 0; i * value.length < bytes; i++) {
                value[0] = (byte) i;
                db.put(options, ("key-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), value);
            }
        }
    }
}
