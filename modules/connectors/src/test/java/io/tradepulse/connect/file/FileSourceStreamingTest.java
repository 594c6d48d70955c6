package io.tradepulse.connect.file;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.core.Economies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files are read as streams: one batch of records at a time, resumable mid-file, http(s) through a temp file. */
class FileSourceStreamingTest {
  static final int ROWS = 50_000;
  static final int BATCH = 700;

  @TempDir Path dir;
  final TaskHarness harness = new TaskHarness();
  WireMockServer wm;

  @BeforeEach
  void startServer() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
  }

  @AfterEach
  void stopServer() {
    wm.stop();
  }

  /**
   * ROWS rows in the layout of the GACC seed mapping plus a partner column, each of its own month and partner (rows of
   * one series and month would give one figure many times); the flag column says which row a record came from.
   */
  static final List<String> PARTNERS = Economies.ALL.stream().filter(e -> !e.equals("CHN")).sorted().toList();

  static String bigCsv() {
    StringBuilder b = new StringBuilder("period_start,period_end,value_usd_bn,reported_yoy_pct,source,partner,flag\n");
    for (int i = 0; i < ROWS; i++) {
      // Months the processor takes (1990-01 to 2023-04), each with the economies the processor takes as partners of
      // the reporter CHN, in order: one series per 400 rows.
      String month = java.time.YearMonth.of(1990, 1).plusMonths(i % 400).toString();
      String partner = PARTNERS.get(i / 400);
      b.append(month).append(',').append(month).append(',').append(i % 997 == 0 ? "lots" : (i % 400) + ".5")
          .append(",,src,").append(partner).append(",row").append(i).append('\n');
    }
    return b.toString();
  }

  Map<String, String> props(String location) {
    Map<String, String> p = FileSourceTaskTest.gaccSeedProps(location);
    p.put("batch.max.records", Integer.toString(BATCH));
    p.put("field.partner", "partner");
    return p;
  }

  FileSourceTask start(Map<String, String> props) {
    return harness.start(new FileSourceTask(), props);
  }

  /** The row a record came from: the flag of a figure (its note), the raw line of a dead letter. */
  static int row(SourceRecord r) {
    Struct v = (Struct) r.value();
    String s = r.topic().equals("trade.dlq") ? new String(v.getBytes("rawValue"), StandardCharsets.UTF_8)
        : v.getString("note");
    return Integer.parseInt(s.substring(s.lastIndexOf("row") + 3));
  }

  @Test
  void shouldHandOutALargeFileOneBatchAtATimeHoldingNeverMoreThanOneBatch() throws Exception {
    Path csv = Files.writeString(dir.resolve("big.csv"), bigCsv());
    FileSourceTask task = start(props(csv.toString()));
    TaskHarness.Batches drained = TaskHarness.drainInBatches(task, BATCH);
    List<SourceRecord> all = drained.records();
    task.stop();

    assertThat(all).hasSize(ROWS);
    assertThat(all.stream().map(FileSourceStreamingTest::row).toList())
        .isEqualTo(Stream.iterate(0, i -> i + 1).limit(ROWS).toList());
    assertThat(all.get(997).topic()).isEqualTo("trade.dlq");
    for (int i = 0; i < ROWS; i += 4_999) {
      assertThat(offset(all.get(i))).containsEntry("rows_done", (long) i + 1).containsEntry("complete", false);
    }
    assertThat(offset(all.get(ROWS - 1))).containsEntry("rows_done", (long) ROWS).containsEntry("complete", true);
  }

  @Test
  void shouldResumeALargeFileWithTheRowAfterTheLastCommittedOne() throws Exception {
    Path csv = Files.writeString(dir.resolve("big.csv"), bigCsv());
    Map<String, String> props = props(csv.toString());
    FileSourceTask first = start(props);
    List<SourceRecord> before = harness.take(first, 12_345); // offsets committed for these only; then a crash
    FileSourceTask second = start(props);
    List<SourceRecord> after = harness.drain(second);
    second.stop();

    assertThat(before.stream().map(FileSourceStreamingTest::row).toList())
        .isEqualTo(Stream.iterate(0, i -> i + 1).limit(12_345).toList());
    assertThat(after.stream().map(FileSourceStreamingTest::row).toList())
        .as("no duplicates, no gaps").isEqualTo(Stream.iterate(12_345, i -> i + 1).limit(ROWS - 12_345).toList());
    assertThat(second.peakPendingRecords()).isLessThanOrEqualTo(BATCH);
  }

  @Test
  void shouldReadAnHttpLocationThroughATemporaryFileLikeTheSameLocalFile() throws Exception {
    String body = bigCsv();
    wm.stubFor(get(urlPathEqualTo("/data/big.csv")).willReturn(aResponse().withStatus(200).withBody(body)));
    Path local = Files.writeString(dir.resolve("big.csv"), body);
    long tempsBefore = downloads();

    FileSourceTask remote = start(props(wm.baseUrl() + "/data/big.csv"));
    List<SourceRecord> viaHttp = harness.drain(remote);
    assertThat(downloads()).as("the downloaded copy is deleted once read").isEqualTo(tempsBefore);
    remote.stop();
    FileSourceTask file = start(props(local.toString()));
    List<SourceRecord> viaFile = harness.drain(file);
    file.stop();

    assertThat(viaHttp).hasSize(ROWS);
    // Same figures and dead letters; only a dead letter's source (the location) differs.
    assertThat(viaHttp.stream().map(FileSourceStreamingTest::content).toList())
        .isEqualTo(viaFile.stream().map(FileSourceStreamingTest::content).toList());
    assertThat(viaHttp.get(ROWS - 1).sourceOffset()).isEqualTo(viaFile.get(ROWS - 1).sourceOffset());
  }

  @Test
  void shouldReleaseTheDownloadWhenStoppedMidLocationAndOpenNothingAfterwards() throws Exception {
    wm.stubFor(get(urlPathEqualTo("/data/big.csv")).willReturn(aResponse().withStatus(200).withBody(bigCsv())));
    long tempsBefore = downloads();
    FileSourceTask task = start(props(wm.baseUrl() + "/data/big.csv"));
    assertThat(TaskHarness.poll(task)).hasSize(BATCH);
    assertThat(downloads()).as("the location is open: its download is kept").isEqualTo(tempsBefore + 1);

    task.stop(); // Connect calls it from another thread; here between two polls
    assertThat(downloads()).as("stop() closes the open location and deletes its download").isEqualTo(tempsBefore);
    assertThat(task.poll()).as("a poll after stop() reads nothing").isNull();
    assertThat(downloads()).isEqualTo(tempsBefore);
    assertThat(wm.getAllServeEvents()).as("and fetches nothing").hasSize(1);
  }

  @Test
  void shouldTreatHttp204AsNoDataYetAndFailOnAClientError() throws Exception {
    wm.stubFor(get(urlPathEqualTo("/later.csv")).willReturn(aResponse().withStatus(204)));
    wm.stubFor(get(urlPathEqualTo("/gone.csv")).willReturn(aResponse().withStatus(404).withBody("no such table")));
    long tempsBefore = downloads();

    FileSourceTask later = start(props(wm.baseUrl() + "/later.csv"));
    assertThat(TaskHarness.poll(later)).isNull();
    later.stop();
    FileSourceTask gone = start(props(wm.baseUrl() + "/gone.csv"));
    assertThatThrownBy(() -> TaskHarness.poll(gone))
        .isInstanceOf(ConnectException.class).hasMessageContaining("HTTP 404");
    gone.stop();
    assertThat(downloads()).isEqualTo(tempsBefore);
  }

  static Object content(SourceRecord r) {
    Struct v = (Struct) r.value();
    return r.topic().equals("trade.records") ? v
        : v.getString("reason") + " @ " + v.getString("position") + ": "
            + new String(v.getBytes("rawValue"), StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> offset(SourceRecord r) {
    return (Map<String, Object>) r.sourceOffset();
  }

  static long downloads() throws IOException {
    return TaskHarness.tempFiles("tradepulse-file-");
  }
}
