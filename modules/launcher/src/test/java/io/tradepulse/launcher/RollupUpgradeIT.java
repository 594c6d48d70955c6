package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.RollupCell;
import io.tradepulse.avro.state.RollupContribution;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.streams.StateSerdes;
import io.tradepulse.streams.TradeTopology;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * An upgrade over roll-up state written by a release that kept each cell in one entry of the
 * {@code rollup-contributions} store: the cell's changelog record is written before the processor starts, as the
 * earlier release left it, and a child's figure arriving after the upgrade must be summed with the children the old
 * entry holds (not derive the parent from itself alone), and the old entry must be deleted through its changelog.
 */
@WithEmbeddedPlatform
class RollupUpgradeIT {
    private static final SeriesKey PARTS_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "851762");
    private static final ChangeKey HEADING_MAY = new ChangeKey("USA", "CHN", Flow.IMPORT, "8517", 2025, 5);

    @Test
    void shouldSumAChildArrivingAfterTheUpgradeWithTheChildrenTheOldCellHolds(EmbeddedPlatform platform) throws Exception {
        IsolatedProcessor it = IsolatedProcessor.create("rollup-upgrade", platform.bootstrapServers(), platform.registryUrl());
        Map<String, Object> client = it.client();
        ProcessorConfig config = new ProcessorConfig(it.config());
        TopicCatalog topics = config.topicCatalog();
        Pipeline.createTopics(client, topics);

        // What the earlier release left: the cell of USA/CHN 8517 in May 2025 with its child 851713 (420), in the
        // changelog partition of the roll-up task that owns the parent series (the rollup-by-parent partitioner).
        String changelog = it.applicationId() + "-" + TradeTopology.LEGACY_ROLLUP_CELL_STORE + "-changelog";
        StateSerdes serdes = StateSerdes.defaults();
        byte[] key = serdes.cellKey().serializer().serialize(changelog, HEADING_MAY);
        byte[] oldCell = serdes.rollupCell().serializer().serialize(changelog, new RollupCell(Map.of("C:851713",
                new RollupContribution("C:851713", 1, 420L, "USD", "CENSUS", "2025-07-03",
                        Instant.parse("2025-07-03T12:30:00Z").toEpochMilli(), null, FigureQuality.PUBLISHED))));
        int partitions = Changelogs.create(client, changelog, topics.records().name());
        int partition = Utils.toPositive(Utils.murmur2("USA|CHN|IMPORT|8517".getBytes(StandardCharsets.UTF_8))) % partitions;
        Changelogs.write(client, changelog, partition, key, oldCell);

        try (CatalogProducer producer = new CatalogProducer(client)) {
            producer.send(topics.records(), PARTS_CHN, TradeRecord.newBuilder().setReporter("USA").setPartner("CHN")
                    .setFlow(Flow.IMPORT).setCommodity("851762").setCommodityLevel(CommodityLevel.HS6).setYear(2025)
                    .setMonth(5).setValue(280L).setCurrency("USD").setSource("CENSUS").setVintage("2025-08-05")
                    .setPublishedAt(Instant.parse("2025-08-05T12:30:00Z")).build()).get();
        }

        Map<ChangeKey, TradeChange> table = it.runProcessorUntil(config,
                t -> t.containsKey(HEADING_MAY) && t.get(HEADING_MAY).getValue() == 700L, Duration.ofSeconds(90));

        assertThat(table.get(HEADING_MAY).getValue()).as("851713 from the old cell + 851762 after the upgrade")
                .isEqualTo(700L);
        assertThat(table.get(HEADING_MAY).getDerivedFrom()).isEqualTo(2);
        Map<Bytes, byte[]> restored = Changelogs.lastValues(client, new TopicPartition(changelog, partition));
        assertThat(restored).as("the old entry is deleted through its changelog, so a restore cannot bring it back")
                .containsEntry(Bytes.wrap(key), null);
    }
}
