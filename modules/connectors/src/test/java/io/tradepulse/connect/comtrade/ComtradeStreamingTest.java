package io.tradepulse.connect.comtrade;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.MutableClock;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.connect.common.SourcePartitions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Comtrade pages are read as streams: a temporary file, a digest pass, a lazy parse, one batch of records at a
 * time. The expected renderings (src/test/resources/.../comtrade/*-before-streaming.txt) were produced by these tests
 * on the parent commit, where the task read each page whole into a byte[], so any difference in what is emitted
 * (topic, key, value, headers, source partition and offset, digests included) or in what is asked shows here.
 */
class ComtradeStreamingTest {
  static final String PATH = "/data/v1/get/C/M/HS";
  WireMockServer wm;
  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));

  static String rec(String period, String reporter, String partner, String flow, String cmd, String value) {
    return ComtradeSourceTaskTest.rec(period, reporter, partner, flow, cmd, value);
  }

  /** Figures and every reason for a dead letter, multi-byte text, nested fields; count before data as the API sends. */
  static final String PAGE = "{\"elapsedTime\":\"0.2 secs\",\"count\":11,\"data\":[\n"
      + rec("202401", "156", "842", "X", "TOTAL", "100.5") + ",\n"
      + rec("202402", "156", "842", "M", "85", "2.5") + ",\n"
      + rec("202402", "999", "842", "X", "TOTAL", "1") + ",\n"
      + rec("202402", "156", "998", "X", "TOTAL", "1") + ",\n"
      + rec("202402", "156", "842", "DX", "TOTAL", "1") + ",\n"
      + rec("202402", "156", "842", "X", "8X", "1") + ",\n"
      + "{\"period\":\"2024M5\",\"reporterCode\":156,\"partnerCode\":842,\"flowCode\":\"X\",\"cmdCode\":\"TOTAL\","
      + "\"primaryValue\":5},\n"
      + rec("202402", "156", "842", "X", "TOTAL", "null") + ",\n"
      + rec("202402", "156", "842", "X", "TOTAL", "\"abc\"") + ",\n"
      + "{\"period\":\"202403\",\"reporterCode\":156,\"reporterDesc\":\"中国 – Chine ✓\",\"partnerCode\":0,"
      + "\"flowCode\":\"RM\",\"cmdCode\":\"8501.10\",\"extra\":{\"a\":[1,{\"b\":2}]},\"isLeaf\":true,"
      + "\"primaryValue\":1234.5},\n"
      + rec("202401", "156", "842", "RX", "TOTAL", "7") + "\n],\"error\":\"\"}";

  @BeforeEach
  void startServer() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
    // Whatever is not stubbed otherwise: no data yet.
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(204)));
  }

  @AfterEach
  void stopServer() {
    wm.stop();
  }

  Map<String, String> props(String reporters, int batch) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comtrade-stream-" + System.nanoTime());
    p.put(ComtradeConfig.BASE_URL_CONFIG, wm.baseUrl() + "/data/v1/get");
    p.put(ComtradeConfig.KEY_CONFIG, "k3y");
    p.put(ComtradeConfig.REPORTERS_CONFIG, reporters);
    p.put(ComtradeConfig.PARTNERS_CONFIG, "842,0");
    p.put(ComtradeConfig.FLOWS_CONFIG, "X,M,RX,RM");
    p.put(ComtradeConfig.START_CONFIG, "202401");
    p.put("poll.interval.ms", "10");
    p.put("http.backoff.initial.ms", "1");
    p.put("batch.max.records", Integer.toString(batch));
    // The renderings were recorded before the look-back existed, whose offsets also carry each period's fingerprint:
    // without it the task must emit exactly what it emitted then (shouldEmitTheSameRecordsWithTheLookBack... covers
    // the default).
    p.put(ComtradeConfig.LOOKBACK_CONFIG, "0");
    return p;
  }

  ComtradeSourceTask start(Map<String, String> props) {
    ComtradeSourceTask t = new ComtradeSourceTask();
    t.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(t, props);
  }

  void stubReporter(String reporter, String body) {
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("reporterCode", equalTo(reporter))
        .withQueryParam("period", equalTo("202401,202402,202403,202404,202405,202406,202407,202408,202409,202410,"
            + "202411,202412"))
        .willReturn(aResponse().withStatus(200).withBody(body)));
  }

  String show(SourceRecord r) {
    return TaskHarness.show(r, wm.baseUrl());
  }

  /** The requests made, in order, as reporter and periods. */
  List<String> asked() {
    List<String> newestFirst = wm.getAllServeEvents().stream().map(ServeEvent::getRequest)
        .map(r -> r.queryParameter("reporterCode").firstValue() + " " + r.queryParameter("period").firstValue())
        .toList();
    List<String> out = new ArrayList<>(newestFirst);
    Collections.reverse(out);
    return out;
  }


  @Test
  void shouldEmitExactlyTheRecordsOfTheWholePagePath() throws Exception {
    stubReporter("156", PAGE);
    ComtradeSourceTask task = start(props("156", 2000));
    List<String> got = harness.drain(task).stream().map(this::show).toList();
    task.stop();
    TaskHarness.assertSameAsRecorded(ComtradeStreamingTest.class, got, "comtrade-records-before-streaming.txt");
  }

  @Test
  void shouldEmitTheSameRecordsWithTheLookBackOnItsLastOffsetAlsoCarryingTheFingerprintOfEachPeriod() throws Exception {
    stubReporter("156", PAGE);
    Map<String, String> props = props("156", 2000);
    props.remove(ComtradeConfig.LOOKBACK_CONFIG);
    ComtradeSourceTask task = start(props);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    List<String> recorded = TaskHarness.recorded(ComtradeStreamingTest.class, "comtrade-records-before-streaming.txt");
    assertThat(rs).hasSameSizeAs(recorded);
    for (int i = 0; i < rs.size() - 1; i++) {
      assertThat(show(rs.get(i))).isEqualTo(recorded.get(i));
    }
    String last = show(rs.get(rs.size() - 1));
    assertThat(last).contains(", month_digests=2024-01=").contains(";2024-02=").contains(";2024-03=");
    // and of the dead letters of the one period that has some (February's unknown partner), not sent again with it
    assertThat(last).containsPattern("\\{dead_letter_digests=2024-02=[0-9a-f]{16}, ");
    assertThat(last.replaceAll(", month_digests=[^,}]*", "").replaceAll("dead_letter_digests=[^,}]*, ", ""))
        .isEqualTo(recorded.get(recorded.size() - 1));
  }

  @Test
  void shouldResumeAfterEveryCommittedRecordWithTheRecordsOfTheWholePagePath() throws Exception {
    stubReporter("156", PAGE);
    Map<String, String> props = props("156", 1);
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 20; i++) { // a crash after every record: each restart resumes from the stored offset
      ComtradeSourceTask task = start(props);
      List<SourceRecord> one = harness.take(task, 1);
      task.stop();
      got.add(show(one.get(0)));
      if (one.get(0).sourceOffset().get("next").equals("202404")) {
        break;
      }
    }
    TaskHarness.assertSameAsRecorded(ComtradeStreamingTest.class, got, "comtrade-records-before-streaming.txt");
  }

  @Test
  void shouldDeadLetterAWholeUnreadablePageAsBefore() throws Exception {
    String two = rec("202401", "%s", "842", "X", "TOTAL", "1") + ",\n" + rec("202402", "%s", "842", "M", "TOTAL", "2");
    StringBuilder big = new StringBuilder("{\"count\":9999,\"data\":[");
    while (big.length() <= BadRow.MAX_WHOLE_RAW_BYTES + 10_000) {
      big.append(rec("202401", "490", "842", "X", "TOTAL", "1")).append(',');
    }
    stubReporter("156", "{\"count\":2,\"data\":[" + two.formatted("156", "156") + "],\"error\":\"Rate limit: try later\"}");
    stubReporter("842", "[{\"count\":2}]");
    // A body that ends inside its document is fetched again, not dead-lettered (ComtradeCutBodyTest): this one ends
    // whole, a record's close marker wrong.
    stubReporter("276", "{\"count\":2,\"data\":[" + two.formatted("276", "276") + "]]}");
    stubReporter("392", "{\"count\":3,\"data\":[" + two.formatted("392", "392") + ",42]}");
    stubReporter("410", "{\"data\":[" + two.formatted("410", "410") + "],\"count\":2,\"error\":null}");
    stubReporter("490", big + "42]}"); // malformed at its end, larger than a dead letter carries
    ComtradeSourceTask task = start(props("156,842,276,392,410,490", 2000));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic)
        .containsExactly("trade.dlq", "trade.dlq", "trade.dlq", "trade.dlq", "trade.records", "trade.records",
            "trade.dlq");
    Struct last = (Struct) rs.get(6).value();
    assertThat(last.getString("reason")).startsWith("Malformed or truncated Comtrade response")
        .endsWith("(raw value cut to 524288 of " + (big.length() + 4) + " bytes)");
    assertThat(last.getBytes("rawValue")).hasSize(BadRow.MAX_WHOLE_RAW_BYTES);
    TaskHarness.assertSameAsRecorded(ComtradeStreamingTest.class, rs.stream().map(this::show).toList(), "comtrade-whole-dead-letters-before-streaming.txt");
  }

  @Test
  void shouldAskThePeriodsOneByOneWhenAPageHitsMaxRecords() throws Exception {
    stubReporter("156", "{\"count\":2,\"data\":[" + rec("202401", "156", "842", "X", "TOTAL", "1") + ","
        + rec("202402", "156", "842", "X", "TOTAL", "2") + "]}");
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo("202401"))
        .willReturn(aResponse().withStatus(200).withBody("{\"count\":1,\"data\":["
            + rec("202401", "156", "842", "X", "TOTAL", "1") + "]}")));
    Map<String, String> props = props("156", 2000);
    props.put(ComtradeConfig.MAX_RECORDS_CONFIG, "2");
    ComtradeSourceTask task = start(props);
    List<SourceRecord> rs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rs.addAll(harness.drain(task)); // the cut page gives nothing: a poll without records ends a drain
    }
    task.stop();

    List<String> got = new ArrayList<>(asked());
    rs.forEach(r -> got.add(show(r)));
    TaskHarness.assertSameAsRecorded(ComtradeStreamingTest.class, got, "comtrade-max-records-before-streaming.txt");
  }

  @Test
  void shouldFailOnAClientErrorNamingTheStartOfTheBody() throws Exception {
    wm.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(401)
        .withBody("{\"statusCode\":401,\"message\":\"Access denied due to invalid subscription key.\"}"
            + " ".repeat(300) + "tail")));
    ComtradeSourceTask task = start(props("156", 2000));
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(ConnectException.class)
        .hasMessageStartingWith("Comtrade answered HTTP 401 for " + wm.baseUrl() + PATH + "?reporterCode=156&")
        .hasMessageEndingWith(": {\"statusCode\":401,\"message\":\"Access denied due to invalid subscription key.\"}"
            + " ".repeat(300 - 77));
    task.stop();
  }

  static final int ROWS = 5_000;
  static final int BATCH = 700;

  /**
   * One record of {@link #bigPage()}: its value is its number, its period one of 2024-01..03; every 97th has an
   * unknown partner (a dead letter carrying the record exactly as sent). Multi-byte text of varying length, so records
   * straddle the reader's buffers at every offset.
   */
  static String bigRecord(int i) {
    return rec("20240" + (1 + i % 3), "156", i % 97 == 0 ? "998" : "842", "X", "TOTAL", Integer.toString(i))
        .replace("\"reporterDesc\":\"x\"", "\"reporterDesc\":\"中国 – Chine " + "x".repeat(i % 13) + "\"");
  }

  static String bigPage() {
    StringBuilder b = new StringBuilder("{\"elapsedTime\":\"3.1 secs\",\"count\":" + ROWS + ",\"data\":[");
    for (int i = 1; i <= ROWS; i++) {
      b.append(i == 1 ? "" : ",").append(bigRecord(i));
    }
    return b.append("],\"error\":\"\"}").toString();
  }

  static List<Integer> rows(int from) {
    return IntStream.rangeClosed(from, ROWS).boxed().toList();
  }

  /** The record a SourceRecord came from: a figure's value, a dead letter's raw record (exactly the one sent). */
  static int row(SourceRecord r) {
    Struct v = (Struct) r.value();
    if (r.topic().equals("trade.records")) {
      return v.getInt64("value").intValue();
    }
    String raw = new String(v.getBytes("rawValue"), StandardCharsets.UTF_8);
    int i = Integer.parseInt(raw.substring(raw.indexOf("\"primaryValue\":") + 15, raw.indexOf(",\"isReported\"")));
    assertThat(raw).isEqualTo(bigRecord(i));
    return i;
  }



  @Test
  void shouldBuildAtMostBatchMaxRecordsPerPoll() throws Exception {
    stubReporter("156", bigPage());
    ComtradeSourceTask task = start(props("156", BATCH));
    TaskHarness.Batches drained = TaskHarness.drainInBatches(task, BATCH);
    List<SourceRecord> all = drained.records();
    int polls = drained.polls();
    task.stop();

    assertThat(polls).isEqualTo((ROWS + BATCH - 1) / BATCH);
    assertThat(all.stream().map(ComtradeStreamingTest::row).toList()).isEqualTo(rows(1));
    assertThat(all.stream().filter(r -> r.topic().equals("trade.dlq")).count()).isEqualTo(ROWS / 97);
    String digest = dataDigest();
    for (int i = 0; i < ROWS - 1; i += 333) {
      assertThat(TaskHarness.offset(all.get(i))).containsEntry("next", "202401").containsEntry("rows_done", (long) i + 1)
          .containsEntry("digest", digest);
    }
    assertThat(TaskHarness.offset(all.get(ROWS - 1))).as("past the newest period with data")
        .containsEntry("next", "202404").containsEntry("rows_done", 0L).containsEntry("digest", "");
  }

  @Test
  void shouldDeleteThePageWhenStoppedMidPageAndResumeFromTheCommittedOffsetWithoutDuplicatesOrGaps() throws Exception {
    stubReporter("156", bigPage());
    Map<String, String> props = props("156", BATCH);
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-comtrade-");
    TaskHarness.Restarted<ComtradeSourceTask> run = harness.stopMidPayloadAndRestart(() -> start(props), 2 * BATCH + 5,
        "tradepulse-comtrade-", "page");

    assertThat(run.records().stream().map(ComtradeStreamingTest::row).toList()).as("no duplicates, no gaps")
        .isEqualTo(rows(1));
    assertThat(run.second().peakPendingRecords()).isLessThanOrEqualTo(BATCH);
    assertThat(TaskHarness.tempFilesNamed("tradepulse-comtrade-")).containsExactlyInAnyOrderElementsOf(before);
  }

  /** The fingerprint of bigPage()'s data[]: its elements exactly as sent, one after the other, nothing else. */
  static String dataDigest() {
    Digests.Incremental d = Digests.incremental();
    for (int i = 1; i <= ROWS; i++) {
      d.add(bigRecord(i).getBytes(StandardCharsets.UTF_8));
    }
    return d.finish();
  }

  @Test
  void shouldResumeMidPageWithoutDuplicatesWhenElapsedTimeDiffers() throws Exception {
    // The real API reports its own query time in every response: asking again for the same data gives another body.
    String page = bigPage();
    stubReporter("156", page);
    Map<String, String> props = props("156", BATCH);
    ComtradeSourceTask first = start(props);
    List<SourceRecord> got = new ArrayList<>(harness.take(first, 2 * BATCH + 5));
    first.stop();
    stubReporter("156", page.replace("\"elapsedTime\":\"3.1 secs\"", "\"elapsedTime\":\"2.9 secs\""));
    ComtradeSourceTask second = start(props);
    got.addAll(harness.drain(second));
    second.stop();

    assertThat(got.stream().map(ComtradeStreamingTest::row).toList()).as("no duplicates, no gaps").isEqualTo(rows(1));
    assertThat(TaskHarness.offset(got.get(2 * BATCH + 5))).containsEntry("rows_done", 2L * BATCH + 6)
        .containsEntry("digest", dataDigest());
  }

  @Test
  void shouldEmitARevisedPageInFullWhenItsDataChanged() throws Exception {
    String page = bigPage();
    stubReporter("156", page);
    Map<String, String> props = props("156", BATCH);
    ComtradeSourceTask first = start(props);
    harness.take(first, BATCH);
    first.stop();
    stubReporter("156", page.replace("\"primaryValue\":1,", "\"primaryValue\":1.0,")); // same figures, other data
    ComtradeSourceTask second = start(props);
    List<SourceRecord> again = harness.drain(second);
    second.stop();

    assertThat(again.stream().map(ComtradeStreamingTest::row).toList()).as("read again from its first record")
        .isEqualTo(rows(1));
  }

  /**
   * Comtrade revises a period between a crash mid-page and the restart: the page is read again from its first record,
   * over figures already delivered. Its publishedAt is derived from the period, the same as theirs, so the new figures
   * must carry a higher revision: at the same revision downstream keeps the larger value, and a figure revised down
   * lost to the stale one for good (the look-back compares with the page read after the restart, so it sees no change
   * either). A further crash with the same revised page resumes it with that revision, without duplicates.
   */
  @Test
  void shouldGiveAPageRevisedBetweenACrashMidPageAndTheRestartAHigherRevisionKeptWhenResumedAgain()
      throws Exception {
    String page = bigPage();
    stubReporter("156", page);
    Map<String, String> props = props("156", BATCH);
    ComtradeSourceTask first = start(props);
    List<SourceRecord> delivered = harness.take(first, BATCH);
    first.stop();
    // Revised down meanwhile: the first record (2024-02, delivered above) is now 0.
    String one = bigRecord(1);
    stubReporter("156", page.replace(one, one.replace("\"fobvalue\":1,\"primaryValue\":1,",
        "\"fobvalue\":0,\"primaryValue\":0,")));
    ComtradeSourceTask second = start(props);
    List<SourceRecord> again = harness.take(second, BATCH);
    second.stop();
    ComtradeSourceTask third = start(props);
    List<SourceRecord> rest = harness.drain(third);
    third.stop();

    assertThat(revisions(delivered)).containsOnly(0);
    assertThat(row(again.get(0))).as("read again from its first record, revised").isZero();
    assertThat(revisions(again)).as("over figures delivered with revision 0").containsOnly(1);
    assertThat(revisions(rest)).as("resumed with the same page: its revision").containsOnly(1);
    List<Integer> rows = new ArrayList<>(again.stream().map(ComtradeStreamingTest::row).toList());
    rest.forEach(r -> rows.add(row(r)));
    assertThat(rows.subList(1, rows.size())).as("no duplicates, no gaps").isEqualTo(rows(2));
    assertThat(TaskHarness.offset(rest.get(rest.size() - 1))).containsEntry("next", "202404")
        .containsEntry("revisions", "2024-01=1;2024-02=1;2024-03=1");
  }

  static List<Integer> revisions(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.records"))
        .map(r -> ((Struct) r.value()).getInt32("revision")).distinct().toList();
  }

  @Test
  void shouldDigestTheStreamedPageLikeItsBytesSoOffsetsStoredByEarlierReleasesResume() throws Exception {
    String page = bigPage();
    String digest = Digests.of(page.getBytes(StandardCharsets.UTF_8));
    stubReporter("156", page);
    // As the byte[] path stored it after 1,234 records of the page.
    harness.offsets.put(Map.copyOf(SourcePartitions.of("source", "comtrade", "reporter", "156", "partners", "842,0",
        "flows", "X,M,RX,RM", "cmd", "TOTAL")), Map.copyOf(new ComtradeOffset(YearMonth.of(2024, 1), 1_234, digest).toMap()));
    ComtradeSourceTask task = start(props("156", BATCH));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs.stream().map(ComtradeStreamingTest::row).toList()).isEqualTo(rows(1_235));
    // From now on the offsets carry the fingerprint of data[] alone, which survives a changed elapsedTime.
    assertThat(TaskHarness.offset(rs.get(0))).containsEntry("digest", dataDigest()).containsEntry("rows_done", 1_235L);
  }

  @Test
  void shouldEmitNoRecordOfAPageThatEndsInAnErrorAfterSeveralBatches() throws Exception {
    stubReporter("156", bigPage().replace("\"error\":\"\"", "\"error\":\"Internal error: result incomplete\""));
    ComtradeSourceTask task = start(props("156", BATCH));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).singleElement().satisfies(r -> {
      assertThat(r.topic()).isEqualTo("trade.dlq");
      assertThat(((Struct) r.value()).getString("reason")).startsWith("Comtrade error: Internal error: result incomplete")
          .contains("(raw value cut to 524288 of ");
    });
  }

  @Test
  void shouldAskAgainAndResumeAfterTheHandedOutRecordsWhenThePageCannotBeReadMidWay() throws Exception {
    stubReporter("156", bigPage());
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-comtrade-");
    ComtradeSourceTask task = start(props("156", BATCH));
    List<SourceRecord> got = new ArrayList<>(TaskHarness.poll(task));
    List<Path> open = TaskHarness.tempFilesMadeSince("tradepulse-comtrade-", before);
    Files.write(open.get(0), new byte[0]); // the page on disk is lost under the open page

    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(RetriableException.class).hasMessageContaining("reporterCode=156");
    assertThat(open.get(0)).doesNotExist();
    got.addAll(harness.drain(task)); // the worker polls again: the page is asked again, resumed after batch 1
    task.stop();

    assertThat(got.stream().map(ComtradeStreamingTest::row).toList()).isEqualTo(rows(1));
    assertThat(TaskHarness.tempFilesNamed("tradepulse-comtrade-")).containsExactlyInAnyOrderElementsOf(before);
  }
}
