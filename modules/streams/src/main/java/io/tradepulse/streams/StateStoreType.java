package io.tradepulse.streams;

import java.util.Locale;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * Where the processor keeps its state stores ({@code tradepulse.state.store.type}). Both are backed by the same
 * changelog topics, so an instance can switch from one to the other: the new store is rebuilt from the changelog.
 * Part of the topology seam: {@link TradeTopology#build} takes it.
 */
public enum StateStoreType {
    /**
     * RocksDB on local disk (Kafka Streams' default). State may exceed the heap, and a restart with its state
     * directory intact resumes from the local checkpoint instead of re-reading the changelog.
     */
    ROCKSDB,
    /**
     * A map in the heap. 1.4-1.7 times the backfill throughput (roll-ups off) of {@link #ROCKSDB} (docs/benchmarks.md), at the
     * price of holding every series history of the instance's tasks in the heap and of rebuilding the stores from
     * the changelog on every start and task move (standby replicas shorten that).
     */
    IN_MEMORY;

    /** The configuration value: {@code rocksdb} or {@code in_memory}. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value of {@code tradepulse.state.store.type}, already validated (case-insensitive). */
    public static StateStoreType fromConfig(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    KeyValueBytesStoreSupplier supplier(String name) {
        return this == IN_MEMORY ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name);
    }
}
