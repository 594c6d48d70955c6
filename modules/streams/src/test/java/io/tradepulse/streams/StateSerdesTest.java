package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.RollupCell;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateSerdesTest {
    private static final ChangeKey CELL = new ChangeKey("USA", "CHN", Flow.IMPORT, "8517", 2025, 5);
    private static final ChangeKey NEXT_CELL = new ChangeKey("USA", "CHN", Flow.IMPORT, "8517", 2025, 6);
    private static final ChangeKey LONGER_REPORTER = new ChangeKey("USAC", "HN", Flow.IMPORT, "8517", 2025, 5);

    @TempDir
    Path stateDir;

    @Test
    void shouldServeTheHotStoresWithTheHandWrittenCodecs() {
        // every store get and put serializes its key: the generic Avro serde there was 6.5 % of a backfill's samples
        StateSerdes serdes = StateSerdes.defaults();
        assertThat(serdes.seriesKey()).isInstanceOf(Format1Codecs.SeriesKeyCodec.class);
        assertThat(serdes.historyYearKey()).isInstanceOf(Format1Codecs.HistoryYearKeyCodec.class);
        assertThat(serdes.cellKey()).isInstanceOf(Format1Codecs.ChangeKeyCodec.class);
        assertThat(serdes.childKey()).isInstanceOf(Format1Codecs.RollupChildKeyCodec.class);
        assertThat(serdes.contribution()).isInstanceOf(Format1Codecs.RollupContributionCodec.class);
    }

    /**
     * The legacy roll-up cells were written before RollupContribution.quality existed: the serde resolves them with
     * the released v1 schema (its copy in this module must be exactly {@code schemas/history/RollupCell/v1.avsc}), and
     * a cell written that way reads back with quality PUBLISHED.
     */
    @Test
    void shouldReadLegacyRollupCellsWithTheReleasedV1Schema() throws java.io.IOException {
        org.apache.avro.Schema released = new org.apache.avro.Schema.Parser().parse(
                java.nio.file.Files.readString(Path.of("../../schemas/history/RollupCell/v1.avsc")));
        assertThat(org.apache.avro.SchemaNormalization.toParsingForm(StateSerdes.ROLLUP_CELL_V1))
                .isEqualTo(org.apache.avro.SchemaNormalization.toParsingForm(released));

        RollupContribution c = child(CELL, "C:851713", 10L).value;
        byte[] v1 = new VersionedAvroSerde<RollupCell>(released)
                .serialize("t", new RollupCell(java.util.Map.of("C:851713", c)));
        RollupCell read = StateSerdes.defaults().rollupCell().deserializer().deserialize("t", v1);
        assertThat(read.getChildren().get("C:851713")).isEqualTo(c);
        assertThat(read.getChildren().get("C:851713").getQuality()).isEqualTo(FigureQuality.PUBLISHED);
    }

    /**
     * An upgrade: RocksDB stores written by a release whose state serdes were all generic Avro, opened by this one.
     * Every entry is found by its key, a cell's children by the emission's prefix scan, and a put replaces the old
     * entry instead of adding a second one (the bytes are the same key).
     */
    @Test
    void shouldFindAndReplaceTheEntriesTheGenericSerdeWroteWhenAStoreIsReopened() {
        StateSerdes current = StateSerdes.defaults();
        SeriesKey series = new SeriesKey("DEU", "WLD", Flow.EXPORT, "TOTAL");
        HistoryYearKey year = new HistoryYearKey(series, 2019);
        List<KeyValue<RollupChildKey, RollupContribution>> children = List.of(
                child(CELL, "C:851713", 10L), child(CELL, "C:851762", null), child(NEXT_CELL, "C:851713", 30L),
                child(LONGER_REPORTER, "C:851713", 40L), child(CELL, "P:caf\u00e9 \u4e2d\ud83d\ude00", 50L));

        KeyValueStore<SeriesKey, byte[]> seriesStore = open("series", generic(SeriesKey.getClassSchema()));
        seriesStore.put(series, new byte[] {1});
        seriesStore.close();
        KeyValueStore<HistoryYearKey, byte[]> archive = open("archive", generic(HistoryYearKey.getClassSchema()));
        archive.put(year, new byte[] {2});
        archive.close();
        KeyValueStore<RollupChildKey, RollupContribution> childStore = openChildren(
                generic(RollupChildKey.getClassSchema()), generic(RollupContribution.getClassSchema()));
        children.forEach(kv -> childStore.put(kv.key, kv.value));
        childStore.close();

        KeyValueStore<SeriesKey, byte[]> seriesAfter = open("series", current.seriesKey());
        assertThat(seriesAfter.get(series)).containsExactly(1);
        seriesAfter.put(series, new byte[] {3});
        assertThat(all(seriesAfter)).containsExactly(series);
        assertThat(seriesAfter.get(series)).containsExactly(3);
        KeyValueStore<HistoryYearKey, byte[]> archiveAfter = open("archive", current.historyYearKey());
        assertThat(archiveAfter.get(year)).containsExactly(2);

        KeyValueStore<RollupChildKey, RollupContribution> childrenAfter = openChildren(current.childKey(),
                current.contribution());
        for (KeyValue<RollupChildKey, RollupContribution> kv : children) {
            assertThat(childrenAfter.get(kv.key)).as(kv.key.toString()).isEqualTo(kv.value);
        }
        List<RollupChildKey> scanned = new ArrayList<>();
        try (KeyValueIterator<RollupChildKey, RollupContribution> it =
                     childrenAfter.prefixScan(CELL, current.cellKey().serializer())) {
            it.forEachRemaining(kv -> scanned.add(kv.key));
        }
        assertThat(scanned).containsExactlyInAnyOrder(children.get(0).key, children.get(1).key, children.get(4).key);
        childrenAfter.put(children.get(0).key, children.get(2).value);
        assertThat(all(childrenAfter)).hasSize(children.size());
    }

    private static KeyValue<RollupChildKey, RollupContribution> child(ChangeKey cell, String child, Long value) {
        return KeyValue.pair(new RollupChildKey(cell, child),
                new RollupContribution(child, 1, value, "USD", "US-CENSUS", "2025-06", 1_750_000_000_000L, null,
                        FigureQuality.PUBLISHED));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> Serde<T> generic(org.apache.avro.Schema schema) {
        return new VersionedAvroSerde<>(schema);
    }

    private <K> KeyValueStore<K, byte[]> open(String name, Serde<K> keys) {
        return init(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, Serdes.ByteArray())
                .withLoggingDisabled().build());
    }

    private KeyValueStore<RollupChildKey, RollupContribution> openChildren(Serde<RollupChildKey> keys,
                                                                          Serde<RollupContribution> values) {
        return init(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TradeTopology.ROLLUP_CHILD_STORE),
                keys, values).withLoggingDisabled().build());
    }

    private <K, V> KeyValueStore<K, V> init(KeyValueStore<K, V> store) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "state-serdes-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        // As the processor runs (and MockContexts explains): without it each context logs Kafka's GlobalThread WARN.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        MockProcessorContext<SeriesKey, TradeRecord> context =
                new MockProcessorContext<>(props, new TaskId(0, 0), stateDir.toFile());
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    private static <K, V> List<K> all(KeyValueStore<K, V> store) {
        List<K> keys = new ArrayList<>();
        try (KeyValueIterator<K, V> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }
}
