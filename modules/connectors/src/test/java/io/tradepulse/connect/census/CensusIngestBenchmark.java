package io.tradepulse.connect.census;

import io.tradepulse.connect.avro.AvroConverter;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.IngestMetrics;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.RecordFactory;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Random;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.util.HashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Ingest benchmark: a seeded, Census-shaped HS6 x partners payload is parsed, turned into SourceRecords and
 * serialized by the AvroConverter (Confluent wire format, in-memory registry). Run with
 * {@code ./mvnw -B -o -pl modules/connectors test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.tradepulse.connect.census.CensusIngestBenchmark}. Not a *Test: it does not run in CI.
 */
public final class CensusIngestBenchmark {
  private CensusIngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    String[] countries = {"5700", "1220", "2010", "4120", "5880", "5800", "5830", "4280", "4279", "5330", "5520",
        "4759", "4210", "3510", "6021", "5590", "5570", "5490", "5600", "4419", "0003", "0001"};
    Random rnd = new Random(42);
    StringBuilder b = new StringBuilder(rows * 70);
    b.append("[[\"CTY_CODE\",\"CTY_NAME\",\"E_COMMODITY\",\"ALL_VAL_MO\",\"SUMMARY_LVL\",\"time\",\"COMM_LVL\"]");
    for (int i = 0; i < rows; i++) {
      String c = countries[i % countries.length];
      b.append(",\n[\"").append(c).append("\",\"NAME\",\"").append(100000 + (i / countries.length) % 900000)
          .append("\",\"").append(1000 + (long) (rnd.nextDouble() * 5_000_000_000L)).append("\",\"")
          .append(c.startsWith("000") ? "CGP" : "DET").append("\",\"2025-05\",\"HS6\"]");
    }
    b.append(']');
    byte[] payload = b.toString().getBytes(StandardCharsets.UTF_8);
    CensusParser parser = new CensusParser(CodeTable.load("/io/tradepulse/connect/ref/census-schedule-c.csv", ""));
    CensusParser.Context ctx = new CensusParser.Context("EXPORT", "ALL_VAL_MO", "E_COMMODITY", YearMonth.of(2025, 5),
        "FAS", "FT-900 2025-05", 1751545800000L, "bench");
    RecordFactory factory = new RecordFactory("trade.records", "trade.dlq", new IngestMetrics());
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    AvroConverter keys = new AvroConverter(registry);
    AvroConverter values = new AvroConverter(registry);
    keys.configure(Map.of("schema.registry.url", "http://unused"), true);
    values.configure(Map.of("schema.registry.url", "http://unused"), false);
    boolean publish = args.length > 1 && args[1].equals("--publish");
    EmbeddedKafka kafka = publish ? EmbeddedKafka.start() : null;
    KafkaProducer<byte[], byte[]> producer = publish ? producer(kafka) : null;
    for (int round = 0; round < 4; round++) {
      long t0 = System.nanoTime();
      Parsed parsed = parser.parse(payload, ctx);
      long t1 = System.nanoTime();
      long bytes = 0;
      List<ParsedItem> items = parsed.items();
      Map<String, String> partition = Map.of("p", "x");
      Map<String, Object> offset = Map.of("o", 1);
      for (ParsedItem item : items) {
        SourceRecord r = factory.create(partition, offset, item, 0L);
        byte[] k = keys.fromConnectData(r.topic(), r.keySchema(), r.key());
        byte[] v = values.fromConnectData(r.topic(), r.valueSchema(), r.value());
        bytes += k.length + v.length;
        if (producer != null) {
          producer.send(new ProducerRecord<>(r.topic(), k, v));
        }
      }
      if (producer != null) {
        producer.flush(); // every record acknowledged by the broker (acks=all)
      }
      long t2 = System.nanoTime();
      System.out.printf("round %d: %d rows (%d records, %d skipped groups, %.1f MB payload): parse %.0f rec/s, "
              + "parse+convert+serialize%s %.0f rec/s (%d bytes)%n", round, rows, items.size(), parsed.skipped(),
          payload.length / 1e6, items.size() / ((t1 - t0) / 1e9), publish ? "+publish" : "", items.size() / ((t2 - t0) / 1e9), bytes);
    }
    if (producer != null) {
      producer.close();
      kafka.close();
    }
  }

  /**
   * The producer settings a Connect worker would run this connector with when the worker config sets
   * producer.linger.ms/batch.size/compression.type as docs/connectors.md recommends for bulk loads.
   */
  private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) throws Exception {
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("trade.records", 6, (short) 1), new NewTopic("trade.dlq", 1, (short) 1)))
          .all().get();
    }
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
