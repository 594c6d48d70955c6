package io.tradepulse.streams;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the off-heap memory of every RocksDB state store of the JVM together (opt-in:
 * {@code rocksdb.config.setter=io.tradepulse.streams.BoundedRocksDBMemory}). Without it Kafka Streams gives each
 * store instance (one per store and partition, standbys included: ~36 in a pod of deploy/kubernetes) a 50 MB block
 * cache and up to 3 x 16 MB of write buffers, ~3.4 GB at the ceiling, which a container limit kills without a line
 * in the logs. Here, as Kafka's memory management guide describes, every store shares one LRU block cache of
 * {@code tradepulse.rocksdb.memory.bytes} holding the index and filter blocks too (high priority, top level pinned),
 * and one WriteBufferManager of {@code tradepulse.rocksdb.memtable.fraction} of it, charged to that cache.
 *
 * <p>Kafka Streams instantiates this class once per store instance; the cache and the write buffer manager are
 * created once per JVM and distinct {@link Sizes}, and never closed: the stores come and go (task moves, restarts of
 * a ProcessorApp) while the cache lives on. Several ProcessorApps of one JVM configured alike therefore share one
 * bound (the bound is the JVM's, as the memory is); an app with other sizes gets a cache of its own, so a test or an
 * embedding process never finds its stores sized by another app's settings.
 */
public final class BoundedRocksDBMemory implements RocksDBConfigSetter {
    /** Share of the cache kept for index and filter blocks (high priority), as in Kafka's example. */
    static final double INDEX_FILTER_BLOCK_RATIO = 0.1;

    private static final Map<Sizes, Shared> SHARED = new ConcurrentHashMap<>();

    /** The bound: the whole cache and the part of it the write buffers may take. */
    public record Sizes(long totalBytes, long memtableBytes) {
        public Sizes {
            if (memtableBytes <= 0 || memtableBytes >= totalBytes) {
                throw new IllegalArgumentException("memtable bytes must be in (0, " + totalBytes + "): "
                        + memtableBytes);
            }
        }

        static Sizes of(long totalBytes, double memtableFraction) {
            return new Sizes(totalBytes, (long) (totalBytes * memtableFraction));
        }
    }

    /** The objects every store configured with the same {@link Sizes} shares. */
    record Shared(Sizes sizes, Cache cache, WriteBufferManager writeBufferManager) {
    }

    /** The shared cache and write buffer manager of {@code sizes}, created at the first store that asks. */
    static Shared shared(Sizes sizes) {
        return SHARED.computeIfAbsent(sizes, s -> {
            RocksDB.loadLibrary();
            // Not a strict limit: with one, a read or iteration fails when pinned blocks fill the cache.
            Cache cache = new LRUCache(s.totalBytes(), -1, false, INDEX_FILTER_BLOCK_RATIO);
            return new Shared(s, cache, new WriteBufferManager(s.memtableBytes(), cache));
        });
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Shared shared = shared(ProcessorConfig.rocksDBMemory(configs));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        // Index and filter blocks otherwise live outside the cache, unbounded, one set per table file.
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(shared.writeBufferManager());
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // Nothing: the cache and the write buffer manager are shared by every store of the JVM (see the class comment).
    }
}
