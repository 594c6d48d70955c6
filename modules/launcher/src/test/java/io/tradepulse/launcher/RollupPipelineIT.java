package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Roll-ups on the real broker and registry: HS6 figures of two partners in, parent HS levels and WLD totals
 * out, through the real rollup-by-parent repartition topic and trade.records.derived. The registry numbers the
 * derived topic's subjects itself, so this also checks that a derived figure reaches the partition of its
 * series on trade.records (where the published parent figure is) and that the published level wins.
 */
@WithEmbeddedPlatform
class RollupPipelineIT {
    private static final SeriesKey PHONES_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "851713");
    private static final SeriesKey PARTS_CHN = new SeriesKey("USA", "CHN", Flow.IMPORT, "851762");
    private static final SeriesKey PHONES_MEX = new SeriesKey("USA", "MEX", Flow.IMPORT, "851713");
    private static final SeriesKey COMPUTERS_MEX = new SeriesKey("USA", "MEX", Flow.IMPORT, "847130");
    /** Published by the source: must win over the sum of its sub-codes. */
    private static final SeriesKey HEADING_MEX = new SeriesKey("USA", "MEX", Flow.IMPORT, "8471");

    @Test
    void shouldDeriveParentLevelsAndWorldTotalsOnTheRealBroker(EmbeddedPlatform platform) throws Exception {
        IsolatedProcessor it = IsolatedProcessor.create("rollup", platform.bootstrapServers(), platform.registryUrl());
        String prefix = it.prefix();
        Map<String, Object> client = it.client();
        Map<String, Object> cfg = it.config();
        cfg.put(ProcessorConfig.ROLLUP_WORLD_CONFIG, true);
        ProcessorConfig config = new ProcessorConfig(cfg);
        TopicCatalog topics = config.topicCatalog();
        Pipeline.createTopics(client, topics);

        RecordMetadata headingPublished;
        try (CatalogProducer producer = new CatalogProducer(client)) {
            for (int year : new int[] {2024, 2025}) {
                long scale = year == 2024 ? 10 : 7; // every series 30 % lower in 2025
                producer.send(topics.records(), PHONES_CHN, figure(PHONES_CHN, year, 60 * scale));
                producer.send(topics.records(), PARTS_CHN, figure(PARTS_CHN, year, 40 * scale));
                producer.send(topics.records(), PHONES_MEX, figure(PHONES_MEX, year, 20 * scale));
                producer.send(topics.records(), COMPUTERS_MEX, figure(COMPUTERS_MEX, year, 5 * scale));
            }
            headingPublished = producer.send(topics.records(), HEADING_MEX, figure(HEADING_MEX, 2025, 90)).get();
            producer.send(topics.records(), HEADING_MEX, figure(HEADING_MEX, 2024, 100)).get();
        }

        ChangeKey worldTotal = new ChangeKey("USA", "WLD", Flow.IMPORT, "TOTAL", 2025, 5);
        Map<ChangeKey, TradeChange> table = it.runProcessorUntil(config,
                t -> t.containsKey(worldTotal) && t.get(worldTotal).getValue() == 7 * (60 + 40 + 20) + 90,
                Duration.ofSeconds(90));

        // HS levels per partner: CHN 8517 <- 851713 + 851762; MEX 8471 is published and not replaced
        TradeChange chnHeading = table.get(cell("USA", "CHN", "8517"));
        assertThat(chnHeading.getValue()).isEqualTo(700L);
        assertThat(chnHeading.getPriorYearValue()).isEqualTo(1000L);
        assertThat(chnHeading.getYoyPct()).isEqualTo(-30.0);
        assertThat(chnHeading.getDerivedFrom()).isEqualTo(2);
        TradeChange mexHeading = table.get(cell("USA", "MEX", "8471"));
        assertThat(mexHeading.getValue()).isEqualTo(90L);
        assertThat(mexHeading.getDerivedFrom()).isNull();
        assertThat(table.get(cell("USA", "MEX", "84")).getValue()).isEqualTo(90L); // from the published heading
        assertThat(table.get(cell("USA", "MEX", "TOTAL")).getValue()).isEqualTo(140L + 90L);
        assertThat(table.get(cell("USA", "CHN", "TOTAL")).getValue()).isEqualTo(700L);
        // WLD: each commodity summed over the partners, once
        assertThat(table.get(cell("USA", "WLD", "851713")).getValue()).isEqualTo(7 * (60 + 20L));
        assertThat(table.get(cell("USA", "WLD", "851713")).getDerivedFrom()).isEqualTo(2);
        assertThat(table.get(worldTotal).getValue()).isEqualTo(700L + 140L + 90L);
        assertThat(table.get(worldTotal).getDerivedFrom()).isEqualTo(2);

        // The derived figures of MEX 8471 (which the published ones beat) went to the partition its published
        // figures are in on trade.records: that is what lets the published level win.
        List<Integer> partitions = derivedPartitionsOf(client, topics, HEADING_MEX);
        assertThat(partitions).isNotEmpty().containsOnly(headingPublished.partition());
    }

    private static ChangeKey cell(String reporter, String partner, String commodity) {
        return new ChangeKey(reporter, partner, Flow.IMPORT, commodity, 2025, 5);
    }

    private static TradeRecord figure(SeriesKey s, int year, long value) {
        return TradeRecord.newBuilder().setReporter(s.getReporter()).setPartner(s.getPartner()).setFlow(s.getFlow())
                .setCommodity(s.getCommodity()).setCommodityLevel(CommodityLevel.valueOf("HS" + s.getCommodity().length()))
                .setYear(year).setMonth(5).setValue(value).setCurrency("USD").setSource("CENSUS")
                .setVintage(year + "-07-03").setPublishedAt(Instant.parse(year + "-07-03T12:30:00Z")).build();
    }

    private static List<Integer> derivedPartitionsOf(Map<String, Object> client, TopicCatalog topics, SeriesKey series) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Integer> out = new ArrayList<>();
        String name = topics.derivedRecords().name();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(name).stream()
                    .map(p -> new TopicPartition(name, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    SeriesKey key = topics.derivedRecords().keySerde().deserializer().deserialize(name, r.key());
                    if (key.equals(series)) {
                        out.add(r.partition());
                    }
                }
            }
        }
        return out;
    }
}
