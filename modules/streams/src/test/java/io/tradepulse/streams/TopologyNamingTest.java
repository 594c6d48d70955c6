package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.errors.TopologyException;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.Test;

/**
 * The names a running application's state lives under: the state stores (whose changelogs are
 * {@code <application.id>-<store>-changelog}) and the repartition topic. Renaming one is an upgrade that needs a
 * reset or a migration, never a side effect of editing the topology, so they are pinned here; and no processor,
 * store or internal topic may carry a generated name, which shifts when a node is added upstream.
 */
class TopologyNamingTest {
    /** A generated name: KSTREAM-MAPVALUES-0000000003, KSTREAM-AGGREGATE-STATE-STORE-0000000001, ... */
    private static final String GENERATED = ".*(KSTREAM-|KTABLE-|\\d{10}).*";

    private static Topology build(RollupConfig rollups, StateStoreType storeType) {
        Map<String, Object> cfg = Map.of(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                ProcessorConfig.REGISTRY_CLIENT_INSTANCE, new InMemorySchemaRegistryClient());
        TopicCatalog topics = new ProcessorConfig(cfg).topicCatalog();
        return TradeTopology.build(topics, StateSerdes.defaults(), SignalConfig.DEFAULTS, rollups,
                InputRules.DEFAULTS, storeType, TopologyFixture.CLOCK);
    }

    private static Stream<TopologyDescription.Node> nodes(TopologyDescription d) {
        return Stream.concat(d.subtopologies().stream().flatMap(s -> s.nodes().stream()),
                d.globalStores().stream().flatMap(g -> Stream.of(g.source(), g.processor())));
    }

    private static Set<String> stores(TopologyDescription d) {
        Set<String> stores = new TreeSet<>();
        nodes(d).filter(n -> n instanceof TopologyDescription.Processor)
                .forEach(n -> stores.addAll(((TopologyDescription.Processor) n).stores()));
        return stores;
    }

    /** Topics read or written that are not in the catalog: the application's internal topics. */
    private static Set<String> internalTopics(TopologyDescription d) {
        Set<String> topics = new HashSet<>();
        nodes(d).forEach(n -> {
            if (n instanceof TopologyDescription.Source s && s.topicSet() != null) {
                topics.addAll(s.topicSet());
            } else if (n instanceof TopologyDescription.Sink s && s.topic() != null) {
                topics.add(s.topic());
            }
        });
        topics.removeIf(t -> t.startsWith("trade.") || t.startsWith("tariff."));
        return topics;
    }

    @Test
    void shouldKeepTheStoreAndRepartitionTopicNamesOfTheRollupTopology() {
        for (StateStoreType type : StateStoreType.values()) {
            TopologyDescription d = build(RollupConfig.DEFAULTS, type).describe();
            assertThat(stores(d)).as(type.toString()).containsExactly(TradeTopology.APPLIED_CALENDAR_STORE,
                    TradeTopology.ROLLUP_CHILD_STORE, TradeTopology.LEGACY_ROLLUP_CELL_STORE,
                    TradeTopology.ROLLUP_PENDING_STORE, TradeTopology.SERIES_STORE, TradeTopology.SERIES_ARCHIVE_STORE,
                    TradeTopology.TARIFF_STORE);
            assertThat(internalTopics(d)).as(type.toString())
                    .containsExactly(TradeTopology.ROLLUP_REPARTITION + "-repartition");
        }
        // The literal names, once: a change to the constants renames a deployed application's state too.
        assertThat(Set.of(TradeTopology.SERIES_STORE, TradeTopology.SERIES_ARCHIVE_STORE, TradeTopology.APPLIED_CALENDAR_STORE,
                TradeTopology.ROLLUP_CHILD_STORE, TradeTopology.LEGACY_ROLLUP_CELL_STORE, TradeTopology.ROLLUP_PENDING_STORE,
                TradeTopology.TARIFF_STORE, TradeTopology.ROLLUP_REPARTITION))
                .containsExactlyInAnyOrder("series-history", "series-history-archive", "applied-tariff-calendar", "rollup-children",
                        "rollup-contributions", "rollup-pending", "tariff-events", "rollup-by-parent");
    }

    @Test
    void shouldHaveNoRollupStoresOrInternalTopicsWithoutRollups() {
        TopologyDescription d = build(RollupConfig.NONE, StateStoreType.ROCKSDB).describe();
        assertThat(stores(d)).containsExactly(TradeTopology.APPLIED_CALENDAR_STORE, TradeTopology.SERIES_STORE,
                TradeTopology.SERIES_ARCHIVE_STORE, TradeTopology.TARIFF_STORE);
        assertThat(internalTopics(d)).isEmpty();
    }

    @Test
    void shouldGiveEveryNodeAnExplicitName() {
        for (RollupConfig rollups : new RollupConfig[] {RollupConfig.DEFAULTS, RollupConfig.NONE,
                new RollupConfig(false, true)}) {
            TopologyDescription d = build(rollups, StateStoreType.ROCKSDB).describe();
            assertThat(nodes(d).map(TopologyDescription.Node::name)).as("%s", rollups).isNotEmpty()
                    .noneMatch(name -> name.matches(GENERATED));
            assertThat(stores(d)).as("%s", rollups).noneMatch(name -> name.matches(GENERATED));
        }
    }

    @Test
    void shouldRefuseToBuildATopologyWithAGeneratedStoreOrRepartitionName() {
        var builder = TradeTopology.newBuilder();
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .selectKey((k, v) -> v)
                .groupByKey()
                .count();

        assertThatThrownBy(builder::build).isInstanceOf(TopologyException.class)
                .hasMessageContaining("state store(s) has not been named")
                .hasMessageContaining("repartition topic(s) has not been named");
    }
}
