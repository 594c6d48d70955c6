package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.ingest.ParseResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.IngestReport;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericDatumReader;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericRecord;
import org.apache.flink.avro.shaded.org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on a real KRaft broker and a real registry: bundled data ingested, the processor under
 * exactly_once_v2, trade.changes read with read_committed, and the bytes decoded by the genuine Confluent
 * client as a BI consumer would.
 */
@WithEmbeddedPlatform
class EndToEndPipelineIT {

    @Test
    void shouldPublishChinaExportsToUsMay2025DownThirtyFourPointFivePercent(EmbeddedPlatform platform) throws Exception {
        runPipelineAndCheckResults(platform.bootstrapServers(), platform.registryUrl());
    }

    /**
     * Bundled data + bad input -> processor (exactly_once_v2) -> trade.changes and trade.dlq read with
     * read_committed, and the output decoded by the genuine Confluent client. Shared with the Testcontainers
     * variant so both run exactly the same checks.
     */
    static void runPipelineAndCheckResults(String bootstrapServers, String registryUrl) throws Exception {
        IsolatedProcessor it = IsolatedProcessor.create("e2e", bootstrapServers, registryUrl);
        String prefix = it.prefix();
        Map<String, Object> client = it.client();
        ProcessorConfig config = new ProcessorConfig(it.config());
        TopicCatalog topics = config.topicCatalog();

        assertThat(Pipeline.createTopics(client, topics)).hasSize(topics.all().size());
        List<IngestReport> reports = Pipeline.ingestBundledData(client, topics);
        assertThat(reports).extracting(IngestReport::published).containsExactly(16, 12);
        assertThat(reports).extracting(IngestReport::deadLettered).containsExactly(0, 0);
        // Bad input on the records topic: bytes that are not Confluent Avro, and a record that fails validation.
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new ByteArraySerializer(), new ByteArraySerializer());
             CatalogProducer producer = new CatalogProducer(client)) {
            raw.send(new ProducerRecord<>(topics.records().name(), "junk".getBytes(), "junk".getBytes())).get();
            TradeRecord month13 = TradeRecord.newBuilder(((ParseResult.Parsed<TradeRecord>) BundledData.chinaExportsToUs().get(1)).value())
                    .setMonth(13).build();
            producer.send(topics.records(), FileIngest.seriesKey(month13), month13).get();
        }

        long registryClientsBefore = io.tradepulse.registry.CachedSchemaRegistryClient.created();
        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            Pipeline.awaitCaughtUp(client, prefix + "processor", topics.records().name(), Duration.ofSeconds(90),
                    topics.changes().name(), topics.signals().name());
        }
        // One registry client for the whole instance, however many tasks (and dead-letter handlers per task) it ran.
        assertThat(io.tradepulse.registry.CachedSchemaRegistryClient.created() - registryClientsBefore)
                .as("registry clients the processor created").isEqualTo(1);

        Map<ChangeKey, TradeChange> table = Pipeline.readChanges(client, topics, Duration.ofSeconds(30));
        Map<String, DeadLetter> dead = Pipeline.readTable(client, topics.deadLetters(), Duration.ofSeconds(30));
        assertThat(dead.values()).extracting(DeadLetter::getStage)
                .containsExactlyInAnyOrder(DeadLetterStage.DESERIALIZATION, DeadLetterStage.VALIDATION);
        assertThat(dead.values()).allSatisfy(d -> assertThat(d.getOriginTopic()).isEqualTo(topics.records().name()));
        assertThat(table).hasSize(16);
        TradeChange may = table.get(new ChangeKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5));
        assertThat(may.getValue()).isEqualTo(28_800_000_000L);
        assertThat(may.getPriorYearValue()).isEqualTo(44_000_000_000L);
        assertThat(may.getYoyPct()).isCloseTo(-34.545, within(0.001));
        assertThat(ChangeTable.pct(may.getYoyPct())).isEqualTo("-34.5");

        GenericRecord decoded = decodeWithGenuineConfluentClient(bootstrapServers, registryUrl, topics.changes().name(), 2025, 5);
        assertThat(decoded.getSchema().getFullName()).isEqualTo(TradeChange.getClassSchema().getFullName());
        assertThat((Long) decoded.get("value")).isEqualTo(28_800_000_000L);
        assertThat((Double) decoded.get("yoyPct")).isCloseTo(-34.545, within(0.001));

        // July 2025's level is from a secondary source (the file's flag): through the real broker and registry, its
        // row and August's (whose YTD sums July) say so, and Confluent's own client reads the enum symbol.
        TradeChange july = table.get(new ChangeKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 7));
        assertThat(july.getQuality()).isEqualTo(FigureQuality.SECONDARY);
        assertThat(table.get(new ChangeKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 8)).getMetricsQuality())
                .isEqualTo(FigureQuality.SECONDARY);
        assertThat(may.getQuality()).isEqualTo(FigureQuality.PUBLISHED);
        assertThat(may.getMetricsQuality()).isEqualTo(FigureQuality.PUBLISHED);
        GenericRecord decodedJuly = decodeWithGenuineConfluentClient(bootstrapServers, registryUrl, topics.changes().name(),
                2025, 7);
        assertThat(decodedJuly.get("quality")).hasToString("SECONDARY");
        assertThat(decodedJuly.get("metricsQuality")).hasToString("SECONDARY");
    }

    /** Reads trade.changes with read_committed and decodes the 2025-05 value using Confluent's own client. */
    private static GenericRecord decodeWithGenuineConfluentClient(String bootstrapServers, String registryUrl, String topic,
            int year, int month)
            throws Exception {
        CachedSchemaRegistryClient confluent = new CachedSchemaRegistryClient(registryUrl, 100);
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            GenericRecord found = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    GenericRecord value = decode(confluent, r.value());
                    if ((Integer) value.get("year") == year && (Integer) value.get("month") == month) {
                        found = value;
                    }
                }
            }
            assertThat(found).as("trade.changes record for %d-%02d", year, month).isNotNull();
            return found;
        }
    }

    private static GenericRecord decode(CachedSchemaRegistryClient confluent, byte[] bytes) throws Exception {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        assertThat(buf.get()).as("Confluent magic byte").isZero();
        int id = buf.getInt();
        AvroSchema schema = (AvroSchema) confluent.getSchemaById(id);
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema.rawSchema());
        return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
    }
}
