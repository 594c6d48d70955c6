package io.tradepulse.connect.runner;

import io.tradepulse.connect.file.FileSourceConnector;
import io.tradepulse.registry.serde.KafkaAvroDeserializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the Connect ITs share: the file connector over a small CSV in the real GACC-derived shape (shared/data,
 * china-exports-to-us-gacc.csv) and a reader of what the connectors wrote, decoded with our Avro deserializer
 * (specific records).
 */
final class ConnectFixtures {
  private ConnectFixtures() {
  }

  /**
   * Every record of {@code topic} from the beginning, until at least {@code atLeast} arrived and three polls in a
   * row came back empty (a duplicate would arrive within them), or 20 s passed.
   *
   * @param client the consumer's connection settings (bootstrap servers, security)
   */
  static List<ConsumerRecord<Object, Object>> readAll(Map<String, Object> client, String registryUrl, String topic,
                                                      int atLeast) {
    Map<String, Object> p = new HashMap<>(client);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
    List<ConsumerRecord<Object, Object>> out = new ArrayList<>();
    try (KafkaConsumer<Object, Object> c = avroConsumer(p, registryUrl)) {
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

  /**
   * A consumer that decodes keys and values with our Avro deserializer (specific records) and starts from the
   * earliest offset when it has none.
   *
   * @param client the consumer's connection settings (bootstrap servers, security, isolation level, group)
   */
  static KafkaConsumer<Object, Object> avroConsumer(Map<String, Object> client, String registryUrl) {
    Map<String, Object> serde = Map.of("schema.registry.url", registryUrl, "specific.avro.reader", true);
    KafkaAvroDeserializer keys = new KafkaAvroDeserializer();
    keys.configure(serde, true);
    KafkaAvroDeserializer values = new KafkaAvroDeserializer();
    values.configure(serde, false);
    Map<String, Object> p = new HashMap<>(client);
    p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(p, keys, values);
  }

  /** {@link #readAll} from the plain listener of the shared embedded platform. */
  static List<ConsumerRecord<Object, Object>> readAll(String bootstrapServers, String registryUrl, String topic,
                                                      int atLeast) {
    return readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), registryUrl, topic, atLeast);
  }

  /**
   * China's exports to the US as the file connector reads them: May 2024 (the YoY base), a combined Jan+Feb 2025
   * with only a growth rate, May 2025, and with {@code withRefusedRow} a June 2025 whose value is "about 38"
   * (refused, line 5, to the dead-letter topic).
   */
  static Path gaccCsv(Path dir, boolean withRefusedRow) throws IOException {
    Path csv = dir.resolve("china-exports-to-us.csv");
    Files.writeString(csv, """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2024-05,2024-05,44.0,,AP 2025-06-09 (base month in the May 2025 release),published
        2025-01,2025-02,,2.3,AP 2025-03-07,yoy only
        2025-05,2025-05,28.8,-34.5,AP 2025-06-09 quoting GACC,published (news rounded to -35%)
        """ + (withRefusedRow ? "2025-06,2025-06,about 38,-16.1,TASS 2025-07-14; WSJ,published\n" : ""));
    return csv;
  }

  /**
   * {@code rows} valid rows in the shape of {@link #gaccCsv}, one per month cycling over 1988-01..2025-12: a file
   * that takes a task seconds, not milliseconds, to deliver.
   */
  static Path bigGaccCsv(Path dir, int rows) throws IOException {
    Path csv = dir.resolve("big-" + rows + ".csv");
    StringBuilder b = new StringBuilder("period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n");
    for (int i = 0; i < rows; i++) {
      String month = String.format(Locale.ROOT, "%d-%02d", 1988 + (i / 12) % 38, 1 + i % 12);
      b.append(month).append(',').append(month).append(",10.0,,generated,row ").append(i).append('\n');
    }
    Files.writeString(csv, b);
    return csv;
  }

  /** Sum of the end offsets of {@code topic}'s partitions: what was written to it, without transactions. */
  static long endOffsets(String bootstrapServers, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
      admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().forEach(p ->
          specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      return admin.listOffsets(specs).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }
  }

  /** The file connector's configuration for {@link #gaccCsv}: values in USD bn, CHN -> USA exports, total. */
  static Map<String, String> gaccFileConnector(Path csv, String topic, String dlq) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", FileSourceConnector.class.getName());
    c.put("tasks.max", "1");
    c.put("topic", topic);
    c.put("dlq.topic", dlq);
    c.put("file.paths", csv.toString());
    c.put("file.source.name", "GACC");
    c.put("file.value.multiplier", "1000000000");
    c.put("default.reporter", "CHN");
    c.put("default.partner", "USA");
    c.put("default.flow", "EXPORT");
    c.put("default.commodity", "TOTAL");
    c.put("field.period", "period_start");
    c.put("field.period.end", "period_end");
    c.put("field.value", "value_usd_bn");
    c.put("field.reportedYoyPct", "reported_yoy_pct");
    c.put("field.sourceRef", "source");
    c.put("field.note", "flag");
    c.put("field.quality", "flag");
    c.put("default.vintage", "seed-2026-01");
    c.put("default.publishedAt", "2026-01-14");
    return c;
  }
}
