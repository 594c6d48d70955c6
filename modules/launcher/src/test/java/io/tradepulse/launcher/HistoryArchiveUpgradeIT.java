package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.streams.StateSerdes;
import io.tradepulse.streams.TradeTopology;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

/**
 * An upgrade over series state written by a release that kept a series' whole history in its series-history entry:
 * the entry's changelog record (15 years, state format 2) is written before the processor starts, as the earlier
 * release left it. The next figure of the series must be computed against the restored history, and the entry must
 * be split through the changelogs: the latest four years in series-history, each earlier year in
 * series-history-archive, so that a restore gives back the same state.
 */
@WithEmbeddedPlatform
class HistoryArchiveUpgradeIT {
    private static final SeriesKey US_IMPORTS = new SeriesKey("USA", "CHN", Flow.IMPORT, "TOTAL");
    private static final ChangeKey JANUARY_2025 = new ChangeKey("USA", "CHN", Flow.IMPORT, "TOTAL", 2025, 1);

    @Test
    void shouldSplitAWholeHistoryRestoredFromAnEarlierReleaseAtTheSeriesNextFigure(EmbeddedPlatform platform)
            throws Exception {
        IsolatedProcessor it = IsolatedProcessor.create("history-archive-upgrade", platform.bootstrapServers(),
                platform.registryUrl());
        Map<String, Object> client = it.client();
        ProcessorConfig config = new ProcessorConfig(it.config());
        TopicCatalog topics = config.topicCatalog();
        Pipeline.createTopics(client, topics);

        // The new figure first: the partition it lands in is the series' task, whose changelog partition holds the
        // series' state.
        int partition;
        try (CatalogProducer producer = new CatalogProducer(client)) {
            partition = producer.send(topics.records(), US_IMPORTS, figure(2025, 1, 1_500L)).get().partition();
        }

        // What the earlier release left: 2010-01 to 2024-12 in one entry, 1,000 + month index, in state format 2.
        List<Observation> old = new ArrayList<>();
        for (int year = 2010; year <= 2024; year++) {
            for (int month = 1; month <= 12; month++) {
                old.add(observation(year, month, 1_000L + (year - 2010) * 12 + month));
            }
        }
        String changelog = it.applicationId() + "-" + TradeTopology.SERIES_STORE + "-changelog";
        String archiveChangelog = it.applicationId() + "-" + TradeTopology.SERIES_ARCHIVE_STORE + "-changelog";
        StateSerdes serdes = StateSerdes.defaults();
        byte[] key = serdes.seriesKey().serializer().serialize(changelog, US_IMPORTS);
        byte[] oldEntry = serdes.seriesHistory().serializer().serialize(changelog,
                new SeriesHistory(CommodityLevel.TOTAL, old, 0));
        assertThat(oldEntry[0]).as("state format 2, as earlier releases wrote it").isEqualTo((byte) 2);
        Changelogs.create(client, changelog, topics.records().name());
        Changelogs.write(client, changelog, partition, key, oldEntry);

        Map<ChangeKey, TradeChange> table = it.runProcessorUntil(config, t -> t.containsKey(JANUARY_2025),
                Duration.ofSeconds(90));

        TradeChange january = table.get(JANUARY_2025);
        assertThat(january.getPriorYearValue()).as("2024-01 from the restored history").isEqualTo(1_169L);
        assertThat(january.getPriorMonthValue()).as("2024-12 from the restored history").isEqualTo(1_180L);

        // The state as a restore would give it back: the last committed record per key of each changelog.
        SeriesHistory entry = serdes.seriesHistory().deserializer().deserialize(changelog,
                Changelogs.lastValues(client, new TopicPartition(changelog, partition)).get(Bytes.wrap(key)));
        assertThat(entry.getArchivedBefore()).isEqualTo(2022);
        assertThat(entry.getObservations()).hasSize(3 * 12 + 1)
                .allSatisfy(o -> assertThat(o.getYear()).isBetween(2022, 2025));
        TreeMap<Integer, SeriesHistory> archived = new TreeMap<>();
        Changelogs.lastValues(client, new TopicPartition(archiveChangelog, partition)).forEach((k, v) -> {
            HistoryYearKey yearKey = serdes.historyYearKey().deserializer().deserialize(archiveChangelog, k.get());
            assertThat(yearKey.getSeries()).isEqualTo(US_IMPORTS);
            archived.put(yearKey.getYear(), serdes.seriesHistory().deserializer().deserialize(archiveChangelog, v));
        });
        assertThat(archived.keySet()).containsExactly(2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019,
                2020, 2021);
        List<Observation> restored = new ArrayList<>();
        archived.values().forEach(y -> restored.addAll(y.getObservations()));
        restored.addAll(entry.getObservations());
        List<Observation> expected = new ArrayList<>(old);
        expected.add(observation(2025, 1, 1_500L));
        assertThat(restored).isEqualTo(expected);
    }

    private static TradeRecord figure(int year, int month, long value) {
        return TradeRecord.newBuilder().setReporter("USA").setPartner("CHN").setFlow(Flow.IMPORT)
                .setCommodity("TOTAL").setCommodityLevel(CommodityLevel.TOTAL).setYear(year).setMonth(month)
                .setValue(value).setCurrency("USD").setSource("CENSUS").setVintage(vintage(year, month))
                .setPublishedAt(published(year, month)).build();
    }

    private static Observation observation(int year, int month, long value) {
        return new Observation(year, month, 1, value, "USD", null, "CENSUS", vintage(year, month),
                published(year, month).toEpochMilli(), 0, null, FigureQuality.PUBLISHED);
    }

    private static String vintage(int year, int month) {
        return LocalDate.of(year, month, 1).plusMonths(2).toString();
    }

    private static Instant published(int year, int month) {
        return LocalDate.of(year, month, 1).plusMonths(2).atStartOfDay().toInstant(ZoneOffset.UTC);
    }
}
