package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.connect.file.FileSourceConnector;
import io.tradepulse.registry.serde.KafkaAvroDeserializer;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file connector on the real broker through the real Connect runtime, read back through the registry. */
@WithEmbeddedPlatform
class EmbeddedConnectIT {
  @TempDir Path dir;

  @Test
  void shouldDeliverEveryRowOnceAndResumeWithoutDuplicatesAfterRestart(EmbeddedPlatform platform) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String topic = "it.trade.records." + suffix;
    String dlq = "it.trade.dlq." + suffix;
    Properties admin = new Properties();
    admin.put("bootstrap.servers", platform.bootstrapServers());
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(topic, 3, (short) 1), new NewTopic(dlq, 1, (short) 1))).all().get();
    }
    Path csv = dir.resolve("china-exports-to-us.csv");
    Files.writeString(csv, """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2024-05,2024-05,44.0,,AP 2025-06-09 (base month in the May 2025 release),published
        2025-01,2025-02,,2.3,AP 2025-03-07,yoy only
        2025-05,2025-05,28.8,-34.5,AP 2025-06-09 quoting GACC,published (news rounded to -35%)
        2025-06,2025-06,about 38,-16.1,TASS 2025-07-14; WSJ,published
        """);
    Map<String, String> connector = new HashMap<>();
    connector.put("connector.class", FileSourceConnector.class.getName());
    connector.put("tasks.max", "1");
    connector.put("topic", topic);
    connector.put("dlq.topic", dlq);
    connector.put("file.paths", csv.toString());
    connector.put("file.source.name", "GACC");
    connector.put("file.value.multiplier", "1000000000");
    connector.put("default.reporter", "CHN");
    connector.put("default.partner", "USA");
    connector.put("default.flow", "EXPORT");
    connector.put("default.commodity", "TOTAL");
    connector.put("field.period", "period_start");
    connector.put("field.period.end", "period_end");
    connector.put("field.value", "value_usd_bn");
    connector.put("field.reportedYoyPct", "reported_yoy_pct");
    connector.put("field.sourceRef", "source");
    connector.put("field.note", "flag");
    connector.put("default.vintage", "seed-2026-01");
    connector.put("default.publishedAt", "2026-01-14");
    Map<String, String> worker = EmbeddedConnect.workerProps(platform.bootstrapServers(), platform.registryUrl(),
        dir.resolve("connect.offsets"));
    String name = "file-it-" + suffix;

    try (EmbeddedConnect connect = EmbeddedConnect.start(worker)) {
      connect.startConnector(name, connector);
      assertThat(connect.awaitCompletion(name, Duration.ofSeconds(60))).isTrue();
      assertThat(connect.status(name).connector().state()).isEqualTo("RUNNING");
    }
    // The worker's final offset commit (graceful stop) must have reached the file: a restart reads it.
    assertThat(Files.readString(dir.resolve("connect.offsets"), java.nio.charset.StandardCharsets.ISO_8859_1))
        .contains("rows_done").contains(csv.toString());
    List<ConsumerRecord<Object, Object>> trades = readAll(platform, topic, 3);
    List<ConsumerRecord<Object, Object>> dead = readAll(platform, dlq, 1);

    assertThat(trades).hasSize(3);
    TradeRecord may = trades.stream().map(r -> (TradeRecord) r.value()).filter(t -> t.getYear() == 2025 && t.getMonth() == 5)
        .findFirst().orElseThrow();
    assertThat(may.getValue()).isEqualTo(28_800_000_000L);
    assertThat(may.getReportedYoyPct()).isEqualTo(-34.5);
    assertThat(may.getPublishedAt()).isEqualTo(Instant.parse("2026-01-14T00:00:00Z"));
    assertThat(trades).allSatisfy(r -> assertThat(((SeriesKey) r.key()).getPartner()).isEqualTo("USA"));
    assertThat(dead).singleElement().satisfies(r -> {
      DeadLetter d = (DeadLetter) r.value();
      assertThat(d.getReason()).contains("about 38");
      assertThat(d.getPosition()).isEqualTo("line 5");
    });

    // Restart the worker on the same offsets file: nothing is delivered twice.
    try (EmbeddedConnect connect = EmbeddedConnect.start(worker)) {
      connect.startConnector(name, connector);
      assertThat(connect.awaitCompletion(name, Duration.ofSeconds(60))).isTrue();
    }
    assertThat(readAll(platform, topic, 3)).hasSize(3);
    assertThat(readAll(platform, dlq, 1)).hasSize(1);
  }

  private static List<ConsumerRecord<Object, Object>> readAll(EmbeddedPlatform platform, String topic, int atLeast) {
    Map<String, Object> serde = Map.of("schema.registry.url", platform.registryUrl(), "specific.avro.reader", true);
    KafkaAvroDeserializer keys = new KafkaAvroDeserializer();
    keys.configure(serde, true);
    KafkaAvroDeserializer values = new KafkaAvroDeserializer();
    values.configure(serde, false);
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<Object, Object>> out = new ArrayList<>();
    try (KafkaConsumer<Object, Object> c = new KafkaConsumer<>(p, keys, values)) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      int emptyAfterEnough = 0;
      while (System.nanoTime() < deadline && emptyAfterEnough < 3) {
        var batch = c.poll(Duration.ofMillis(500));
        batch.forEach(out::add);
        if (batch.isEmpty() && out.size() >= atLeast) {
          emptyAfterEnough++;
        }
      }
    }
    return out;
  }
}
