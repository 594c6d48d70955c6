package io.tradepulse.connect.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.TradeRecord;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "The plugin loads in a plain Connect standalone worker from its packaged directory": a child JVM runs
 * Kafka's own {@code ConnectStandalone} main with {@code plugin.path} pointing at the unzipped plugin zip
 * (unpacked by the build into target/connect-plugins). Its class path is Kafka Connect and its dependencies
 * only: no tradepulse class and none of the jars the plugin ships (Avro, commons-*), so every plugin class
 * must come from the plugin directory through Connect's isolated plugin class loader. Jackson stays on the
 * worker class path because connect-json needs it (the plugin's own copy wins inside the plugin).
 */
@WithEmbeddedPlatform
class PlainConnectWorkerIT {
  @TempDir Path dir;

  @Test
  void pluginShouldLoadFromItsPackagedDirectoryAndDeliverRecordsThroughTheRegistry(EmbeddedPlatform platform)
      throws Exception {
    Path pluginPath = WorkerJvm.pluginPath();
    assertThat(pluginPath.resolve("tradepulse-connectors/lib")).isDirectory();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String topic = "it.plain.records." + suffix;
    String dlq = "it.plain.dlq." + suffix;
    Properties admin = new Properties();
    admin.put("bootstrap.servers", platform.bootstrapServers());
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(dlq, 1, (short) 1))).all().get();
    }
    Path csv = Files.writeString(dir.resolve("gacc.csv"), """
        period_start,value_usd_bn,source
        2024-05,44.0,AP 2025-06-09
        2025-05,28.8,AP 2025-06-09 quoting GACC
        """);
    Path worker = Files.writeString(dir.resolve("worker.properties"), String.join("\n",
        "bootstrap.servers=" + platform.bootstrapServers(),
        "plugin.path=" + pluginPath,
        "plugin.discovery=service_load",
        "listeners=http://127.0.0.1:0",
        "offset.storage.file.filename=" + dir.resolve("connect.offsets"),
        "offset.flush.interval.ms=1000",
        "key.converter=io.tradepulse.connect.avro.AvroConverter",
        "value.converter=io.tradepulse.connect.avro.AvroConverter",
        "key.converter.schema.registry.url=" + platform.registryUrl(),
        "value.converter.schema.registry.url=" + platform.registryUrl()) + "\n");
    Path connector = Files.writeString(dir.resolve("connector.properties"), String.join("\n",
        "name=plain-file-" + suffix,
        "connector.class=io.tradepulse.connect.file.FileSourceConnector",
        "tasks.max=1",
        "topic=" + topic,
        "dlq.topic=" + dlq,
        "file.paths=" + csv,
        "file.source.name=GACC",
        "file.value.multiplier=1000000000",
        "default.reporter=CHN", "default.partner=USA", "default.flow=EXPORT", "default.commodity=TOTAL",
        "field.period=period_start", "field.value=value_usd_bn", "field.sourceRef=source",
        "default.vintage=seed", "default.publishedAt=2026-01-14") + "\n");

    assertThat(WorkerJvm.workerClassPath()).contains("connect-runtime").doesNotContain("tradepulse")
        .doesNotContain("avro-");
    Path log = dir.resolve("worker.log");
    Process p = WorkerJvm.start(log, "org.apache.kafka.connect.cli.ConnectStandalone", worker.toString(),
        connector.toString());
    try {
      List<TradeRecord> trades = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (trades.size() < 2 && System.nanoTime() < deadline && p.isAlive()) {
        trades = ApiConnectorsIT.values(platform, topic, 2, TradeRecord.class);
      }
      assertThat(trades).as("records from the plain worker; its log:%n%s", WorkerJvm.tail(log))
          .extracting(TradeRecord::getValue).containsExactlyInAnyOrder(44_000_000_000L, 28_800_000_000L);
    } finally {
      p.destroy();
      if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }
}
