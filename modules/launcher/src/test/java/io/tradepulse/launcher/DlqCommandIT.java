package io.tradepulse.launcher;

import static io.tradepulse.launcher.PlatformClients.catalog;
import static io.tradepulse.launcher.PlatformClients.client;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.CatalogProducer;
import io.tradepulse.ingest.FileIngest;
import io.tradepulse.ingest.ParseResult;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * {@code tradepulse dlq} on the embedded broker and registry, run through {@link Main#commandLine()}: three dead
 * letters as the processor, a connector and a punctuation write them (a VALIDATION one carrying the raw bytes of a
 * real TradeRecord in the wire format, a source row {@code file:x.csv:3}, a roll-up cell), listed and filtered; the
 * replay puts exactly the VALIDATION one's bytes back on its origin topic with the replayed-from header and skips
 * the two others, saying why; a dry run sends nothing.
 */
@WithEmbeddedPlatform
class DlqCommandIT {

    record Run(int code, String out, String err) {
    }

    record Raw(int partition, byte[] key, byte[] value, Map<String, String> headers) {
    }

    @Test
    void shouldListFilterAndReplayOnlyTheProcessorsDeadLettersByteForByte(EmbeddedPlatform platform) throws Exception {
        String prefix = "dlq-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalog topics = catalog(platform, prefix);
        Pipeline.createTopics(client(platform), topics);
        TradeRecord record = ((ParseResult.Parsed<TradeRecord>) BundledData.chinaExportsToUs().get(1)).value();
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        // The bytes as a producer of trade.records wrote them (Confluent wire format, schema ids of this registry).
        byte[] rawKey = origin.keySerde().serializer().serialize(origin.name(), FileIngest.seriesKey(record));
        byte[] rawValue = origin.valueSerde().serializer().serialize(origin.name(), record);
        DeadLetter validation = DeadLetter.newBuilder().setStage(DeadLetterStage.VALIDATION)
                .setReason("value 9.9E12 above tradepulse.validation.max.monthly.value for KRW").setSource("census")
                .setOriginTopic(origin.name()).setOriginPartition(4).setOriginOffset(17L)
                .setRawKey(ByteBuffer.wrap(rawKey)).setRawValue(ByteBuffer.wrap(rawValue))
                .setOccurredAt(Instant.parse("2026-11-29T10:00:00Z")).build();
        DeadLetter row = DeadLetter.newBuilder().setStage(DeadLetterStage.INGEST).setReason("non-numeric value 'n/a'")
                .setSource("x.csv").setPosition("line 3").setRawValue(ByteBuffer.wrap("2025-01,n/a".getBytes(StandardCharsets.UTF_8)))
                .setOccurredAt(Instant.parse("2026-11-30T09:00:00Z")).build();
        DeadLetter cell = DeadLetter.newBuilder().setStage(DeadLetterStage.PROCESSING)
                .setReason("roll-up cell skipped: java.lang.ArithmeticException: overflow").setSource("rollups")
                .setPosition("rollup-cell:CHN|USA|X|85").setRawKey(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setOccurredAt(Instant.parse("2026-11-30T10:00:00Z")).build();
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            producer.send(topics.deadLetters(), origin.name() + "/4/17", validation);
            producer.send(topics.deadLetters(), "file:x.csv:3", row);
            producer.send(topics.deadLetters(), "rollup-cell:CHN|USA|X|85", cell);
            producer.flush();
        }
        String[] connection = {"--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url",
            platform.registryUrl(), "--topic-prefix", prefix};

        Run all = run(connection);
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out().lines().toList()).containsExactly(
                "2026-11-29T10:00:00Z  VALIDATION       " + origin.name() + "/4/17  source=census  "
                        + "value 9.9E12 above tradepulse.validation.max.monthly.value for KRW",
                "2026-11-30T09:00:00Z  INGEST           file:x.csv:3  source=x.csv  non-numeric value 'n/a'",
                "2026-11-30T10:00:00Z  PROCESSING       rollup-cell:CHN|USA|X|85  source=rollups  "
                        + "roll-up cell skipped: java.lang.ArithmeticException: overflow",
                "3 of 3 dead letters on " + topics.deadLetters().name()
                        + " matched (INGEST 1, VALIDATION 1, PROCESSING 1).");

        Run filtered = run(connection, "--stage", "INGEST", "--stage", "PROCESSING", "--since", "2026-11-30", "--limit", "1");
        assertThat(filtered.out()).contains("file:x.csv:3").doesNotContain("rollup-cell:CHN", origin.name() + "/4/17")
                .contains("2 of 3 dead letters", "(INGEST 1, PROCESSING 1); listed the 1 earliest.");
        assertThat(run(connection, "--origin-topic", origin.name(), "--reason-contains", "krw").out())
                .contains(origin.name() + "/4/17").doesNotContain("file:x.csv:3", "rollup-cell");

        Run dry = run(connection, "--replay", "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("would send " + topics.deadLetters().name() + "/", " -> " + origin.name() + "/4 ",
                "Dry run: 1 dead letter would be replayed, 2 skipped; nothing was sent.");
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_UNCOMMITTED)).as("a dry run sends nothing").isEmpty();

        Run replayed = run(connection, "--replay");
        assertThat(replayed.code()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("file:x.csv:3: not a Kafka record", "rollup-cell:CHN|USA|X|85: a punctuation item",
                "Done: 1 dead letter replayed in one transaction, 2 skipped.");
        List<Raw> onOrigin = awaitCommitted(platform, origin.name(), 1);
        Raw sent = onOrigin.get(0);
        assertThat(sent.key()).isEqualTo(rawKey);
        assertThat(sent.value()).isEqualTo(rawValue);
        assertThat(sent.partition()).as("the origin partition").isEqualTo(4);
        assertThat(sent.headers().get(DlqCommand.REPLAYED_FROM_HEADER)).matches(java.util.regex.Pattern.quote(
                topics.deadLetters().name()) + "/\\d+/\\d+");
        assertThat(origin.valueSerde().deserializer().deserialize(origin.name(), sent.value())).isEqualTo(record);
        assertThat(readRaw(platform, topics.derivedRecords().name(), IsolationLevel.READ_UNCOMMITTED)).isEmpty();
    }

    @Test
    void shouldPublishNothingWhenOneRecordOfTheReplayIsRefused(EmbeddedPlatform platform) throws Exception {
        String prefix = "dlq-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalog topics = catalog(platform, prefix);
        Pipeline.createTopics(client(platform), topics);
        TradeRecord record = ((ParseResult.Parsed<TradeRecord>) BundledData.chinaExportsToUs().get(1)).value();
        Topic<SeriesKey, TradeRecord> origin = topics.records();
        byte[] rawKey = origin.keySerde().serializer().serialize(origin.name(), FileIngest.seriesKey(record));
        byte[] rawValue = origin.valueSerde().serializer().serialize(origin.name(), record);
        try (CatalogProducer producer = new CatalogProducer(client(platform))) {
            // The first is fine; the second names a partition the topic does not have (recreated with fewer).
            for (int partition : new int[] {2, 99}) {
                producer.send(topics.deadLetters(), origin.name() + "/" + partition + "/5", DeadLetter.newBuilder()
                        .setStage(DeadLetterStage.VALIDATION).setReason("refused").setOriginTopic(origin.name())
                        .setOriginPartition(partition).setOriginOffset(5L).setRawKey(ByteBuffer.wrap(rawKey))
                        .setRawValue(ByteBuffer.wrap(rawValue))
                        .setOccurredAt(Instant.parse("2026-11-29T10:00:00Z").plusSeconds(partition)).build());
            }
            producer.flush();
        }

        // A send to a partition the metadata lacks waits max.block.ms for it (60 s by default), then fails.
        Path config = Files.writeString(Files.createTempFile("dlq-replay", ".properties"), "max.block.ms=2000\n");
        Run replay = run(new String[] {"--config", config.toString(), "--bootstrap-servers", platform.bootstrapServers(),
            "--schema-registry-url", platform.registryUrl(), "--topic-prefix", prefix}, "--replay");

        assertThat(replay.code()).as(replay.out()).isEqualTo(1);
        assertThat(replay.err()).contains("the replay was aborted, nothing was published");
        assertThat(readRaw(platform, origin.name(), IsolationLevel.READ_COMMITTED))
                .as("the record before the refused one is not committed either").isEmpty();
    }

    private static Run run(String[] connection, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> argv = new ArrayList<>(List.of("dlq"));
        argv.addAll(List.of(connection));
        argv.addAll(List.of(args));
        int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(argv.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * The committed records of {@code topic} once there are {@code n}: a commit returns before its markers reach
     * every partition, so a read at once can stop at a last stable offset still before them.
     */
    private static List<Raw> awaitCommitted(EmbeddedPlatform platform, String topic, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<Raw> records = readRaw(platform, topic, IsolationLevel.READ_COMMITTED);
        while (records.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(200);
            records = readRaw(platform, topic, IsolationLevel.READ_COMMITTED);
        }
        assertThat(records).as("committed records of " + topic).hasSize(n);
        assertThat(readRaw(platform, topic, IsolationLevel.READ_UNCOMMITTED)).as("and nothing else written").hasSize(n);
        return records;
    }

    /** Every record of {@code topic} a reader with {@code isolation} sees, as bytes. */
    private static List<Raw> readRaw(EmbeddedPlatform platform, String topic, IsolationLevel isolation) {
        Map<String, Object> props = new HashMap<>(client(platform));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<Raw> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).as("reached the end of " + topic).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, String> headers = new HashMap<>();
                    for (Header h : r.headers()) {
                        headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                    }
                    records.add(new Raw(r.partition(), r.key(), r.value(), headers));
                }
            }
        }
        return records;
    }


}
