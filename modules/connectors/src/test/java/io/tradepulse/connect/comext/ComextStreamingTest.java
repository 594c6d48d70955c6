package io.tradepulse.connect.comext;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.MutableClock;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.JdkPageFetcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Comext API responses are read as streams: a temporary file, a digest pass, a check pass that also fingerprints the
 * months, then the records one batch at a time (in response order for new months, in fingerprint order for a revised
 * month). The expected renderings (src/test/resources/.../comext/*-before-streaming.txt) were produced by these tests
 * on the parent commit, where the task read each response whole into a byte[], so any difference in what is emitted
 * (topic, key, value, headers, source partition and offset, response and month digests included) shows here.
 */
class ComextStreamingTest {
  static final String HEADER = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE";
  static final String BASE_PATH = "/sdmx/2.1/data/DS-045409/";
  static final String PATH = BASE_PATH + "M.EU27_2020.CN+US+JP.TOTAL.1.VALUE_IN_EUROS";

  /**
   * February to April in the real SDMX-CSV shape, CRLF, rows out of order, and every kind of row: figures (one twice,
   * under another DATAFLOW: the same fingerprint content), a quantity and an aggregate partner (skipped), each reason
   * for a dead letter, quoted fields (a comma, a line break, multi-byte text), a blank line and a short row.
   */
  static final String FEB_TO_APR = String.join("\r\n", HEADER,
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-04,30123456789",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-02,39876543210",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,CN,TOTAL,1,QUANTITY_IN_100KG,2025-02,999",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,EU27_2020_EXTRA,TOTAL,1,VALUE_IN_EUROS,2025-02,1",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,QZ,TOTAL,1,VALUE_IN_EUROS,2025-03,12",
      "ESTAT:DS-045409(1.0),13/06/25,M,XX,CN,TOTAL,1,VALUE_IN_EUROS,2025-03,13",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,CN,TOTAL,3,VALUE_IN_EUROS,2025-03,14",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,CN,8X,1,VALUE_IN_EUROS,2025-03,15",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,JP,TOTAL,1,VALUE_IN_EUROS,2025-03,",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,JP,TOTAL,1,VALUE_IN_EUROS,2025-04,abc",
      "ESTAT:DS-045409(1.0),31/13/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-03,5",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-13,6",
      "\"ESTAT:DS-045409(1.0) – Comext ✓, \"\"EU\"\"\",12/06/25,M,EU27_2020,\"JP\",TOTAL,1,VALUE_IN_EUROS,2025-02,"
          + "5123456789.5",
      "ESTAT:DS-045409(1.1),13/06/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-02,29765432109",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-02,29765432109",
      "",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-03,41234567890",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS",
      "\"ESTAT:DS-045409\r\n(1.0)\",13/06/25,M,EU27_2020,CN,85,2,VALUE_IN_EUROS,2025-04,43210987654",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,CN,8501.10,1,VALUE_IN_EUROS,2025-04,7",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-04,18446744073709551616",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,JP,TOTAL,1,VALUE_IN_EUROS,2025-03,5012345678") + "\r\n";

  static final String MAY = String.join("\n", HEADER,
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-05,44321098765",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-05,29876543210",
      "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,JP,TOTAL,1,VALUE_IN_EUROS,2025-05,");

  WireMockServer wm;
  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));

  @BeforeEach
  void startServer() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
    // Whatever is not stubbed otherwise: a month that is not out, as Comext says it.
    wm.stubFor(get(urlPathMatching(BASE_PATH + ".*")).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
  }

  @AfterEach
  void stopServer() {
    wm.stop();
  }

  Map<String, String> props(int batch) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comext-stream-" + System.nanoTime());
    p.put(ComextConfig.BASE_URL_CONFIG, wm.baseUrl() + "/sdmx/2.1/data");
    p.put(ComextConfig.PARTNERS_CONFIG, "CN,US,JP");
    p.put(ComextConfig.FLOWS_CONFIG, "IMPORT");
    p.put(ComextConfig.START_CONFIG, "2025-02");
    p.put(ComextConfig.LOOKBACK_CONFIG, "3");
    p.put(ComextConfig.REVISION_INTERVAL_CONFIG, "3600000");
    p.put("poll.interval.ms", "10");
    p.put("http.backoff.initial.ms", "1");
    p.put("http.backoff.max.ms", "5");
    p.put("batch.max.records", Integer.toString(batch));
    return p;
  }

  ComextApiSourceTask start(Map<String, String> props) {
    ComextApiSourceTask t = new ComextApiSourceTask();
    t.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(t, props);
  }

  /** startPeriod without endPeriod: the new-month call; with endPeriod: a look-back (or single-month) call. */
  void stub(String path, String from, String to, int status, String body) {
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("startPeriod", equalTo(from))
        .withQueryParam("endPeriod", to == null ? absent() : equalTo(to))
        .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "text/csv").withBody(body)));
  }

  /**
   * A record as the renderings recorded before the dead-letter fingerprints show it: without the offset's
   * {@code dead_letter_digests} (see {@link #withoutDeadLetterDigests}).
   */
  String show(SourceRecord r) {
    return withoutDeadLetterDigests(TaskHarness.show(r, wm.baseUrl()));
  }

  /** A rendering without the offset's dead-letter fingerprints, which the recorded renderings predate. */
  static String withoutDeadLetterDigests(String rendering) {
    return rendering.replaceAll("dead_letter_digests=[^,}]*, ", "");
  }

  /** Many records as their count, dead letters and one digest of their renderings (a resource of a few lines). */
  String summary(String what, List<SourceRecord> rs) {
    StringBuilder all = new StringBuilder();
    rs.forEach(r -> all.append(show(r)).append('\n'));
    return what + ": " + rs.size() + " records, " + rs.stream().filter(r -> r.topic().equals("trade.dlq")).count()
        + " dead letters, renderings digest " + Digests.of(all.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * One poll of a task restarted from the committed offsets: its first record, committed alone (a crash right after
   * it), or null when the task has nothing more.
   */
  @SuppressWarnings("unchecked")
  SourceRecord takeOne(ComextApiSourceTask task) throws InterruptedException {
    List<SourceRecord> batch = TaskHarness.poll(task);
    if (batch == null || batch.isEmpty()) {
      return null;
    }
    SourceRecord r = batch.get(0);
    harness.offsets.put((Map<String, Object>) r.sourcePartition(), (Map<String, Object>) r.sourceOffset());
    return r;
  }

  @Test
  void shouldEmitExactlyTheRecordsOfTheWholeResponsePath() throws Exception {
    stub(PATH, "2025-02", null, 200, FEB_TO_APR);
    stub(PATH, "2025-05", null, 200, MAY);
    ComextApiSourceTask task = start(props(2000));
    List<String> got = harness.drain(task).stream().map(this::show).toList();
    assertThat(task.metrics().skipped()).as("the quantity and the aggregate partner").isEqualTo(2);
    assertThat(task.offsetOf("EU27_2020").next()).hasToString("2025-06");
    // and the fingerprints of the dead letters of the months that have some, which a revision leaves out if the same
    assertThat(task.offsetOf("EU27_2020").toMap().get("dead_letter_digests").toString())
        .matches("(\\d{4}-\\d{2}=[0-9a-f]{16};)*\\d{4}-\\d{2}=[0-9a-f]{16}");
    task.stop();
    TaskHarness.assertSameAsRecorded(ComextStreamingTest.class, got, "comext-records-before-streaming.txt");
  }

  @Test
  void shouldResumeAfterEveryCommittedRecordWithTheRecordsOfTheWholeResponsePath() throws Exception {
    stub(PATH, "2025-02", null, 200, FEB_TO_APR);
    stub(PATH, "2025-05", null, 200, MAY);
    Map<String, String> props = props(1);
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 100; i++) { // a crash after every record: each restart resumes from the stored offset
      ComextApiSourceTask task = start(props);
      SourceRecord one = takeOne(task);
      task.stop();
      if (one == null) {
        break;
      }
      got.add(show(one));
    }
    TaskHarness.assertSameAsRecorded(ComextStreamingTest.class, got, "comext-records-before-streaming.txt");
  }

  // ---- Revisions: the July update re-checks February to May ----

  /**
   * The July look-back answer: February revised (China), March the same figures and dead letters in another order
   * (not re-emitted), April revised (a confidential figure published, another withdrawn twice with only LAST UPDATE
   * apart: the same fingerprint content, kept in response order; a figure twice), May as first read; plus a
   * row without a readable month and one of January, outside the window. LAST UPDATE is July's on every row but
   * those two and the unreadable one of March.
   */
  static final String JULY_WINDOW = String.join("\n", HEADER,
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,JP,TOTAL,1,VALUE_IN_EUROS,2025-04,5234567890",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-03,41234567890",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,8X,1,VALUE_IN_EUROS,2025-03,15",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,JP,TOTAL,1,VALUE_IN_EUROS,2025-03,5012345678",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,3,VALUE_IN_EUROS,2025-03,14",
      "ESTAT:DS-045409(1.0),31/13/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-03,5",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,JP,TOTAL,1,VALUE_IN_EUROS,2025-03,",
      "ESTAT:DS-045409(1.0),15/07/25,M,XX,CN,TOTAL,1,VALUE_IN_EUROS,2025-03,13",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,QZ,TOTAL,1,VALUE_IN_EUROS,2025-03,12",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-02,39900000000",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-02,29765432109",
      "\"ESTAT:DS-045409(1.0) – Comext ✓, \"\"EU\"\"\",15/07/25,M,EU27_2020,\"JP\",TOTAL,1,VALUE_IN_EUROS,2025-02,"
          + "5123456789.5",
      "ESTAT:DS-045409(1.1),15/07/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-02,29765432109",
      "ESTAT:DS-045409(1.0),14/07/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-04,",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-04,",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-04,43298765432",
      "ESTAT:DS-045409(1.1),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-04,43298765432",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-13,6",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-01,1",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-05,44321098765",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-05,29876543210",
      "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,JP,TOTAL,1,VALUE_IN_EUROS,2025-05,");

  /** June: February to April, then May (the new-month calls); then the clock moves to mid-July. */
  void ingestJuneThenMoveToJuly(String febToApr, String may) throws Exception {
    stub(PATH, "2025-02", null, 200, febToApr);
    stub(PATH, "2025-05", null, 200, may);
    ComextApiSourceTask june = start(props(2000));
    harness.drain(june);
    june.stop();
    clock.advance(Duration.ofDays(31));
    // What a single-month call of a revised month answers (a resumed revision asks only that month).
    for (String month : List.of("2025-02", "2025-03", "2025-04", "2025-05")) {
      String rows = JULY_WINDOW.lines().filter(l -> l.startsWith("\"ESTAT") ? month.equals("2025-02")
          : l.contains("," + month + ",")).reduce(HEADER, (a, b) -> a + "\n" + b);
      stub(PATH, month, month, 200, rows);
    }
  }

  @Test
  void shouldReemitRevisedMonthsExactlyAsTheWholeResponsePath() throws Exception {
    ingestJuneThenMoveToJuly(FEB_TO_APR, MAY);
    stub(PATH, "2025-02", "2025-05", 200, JULY_WINDOW);
    ComextApiSourceTask task = start(props(2000));
    clock.advance(Duration.ofHours(2)); // past the revision interval
    List<SourceRecord> july = harness.drain(task);
    List<String> got = new ArrayList<>(july.stream().map(this::show).toList());
    got.add(withoutDeadLetterDigests("offset after July: " + new TreeMap<>(task.offsetOf("EU27_2020").toMap())));
    task.stop();
    TaskHarness.assertSameAsRecorded(ComextStreamingTest.class, got, "comext-revisions-before-streaming.txt");
  }

  @Test
  void shouldResumeRevisedMonthsAfterEveryCommittedRecordAsTheWholeResponsePath() throws Exception {
    ingestJuneThenMoveToJuly(FEB_TO_APR, MAY);
    stub(PATH, "2025-02", "2025-05", 200, JULY_WINDOW);
    Map<String, String> props = props(1);
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 100; i++) { // a crash after every record; each run is past the revision interval
      ComextApiSourceTask task = start(props);
      clock.advance(Duration.ofHours(2));
      SourceRecord one = takeOne(task);
      task.stop();
      if (one == null) {
        break;
      }
      got.add(show(one));
    }
    ComextApiSourceTask last = start(props);
    got.add(withoutDeadLetterDigests("offset after July: " + new TreeMap<>(last.offsetOf("EU27_2020").toMap())));
    last.stop();
    // Not the uninterrupted rendering: a resumed month is asked alone, so its records name another URL.
    TaskHarness.assertSameAsRecorded(ComextStreamingTest.class, got, "comext-revisions-resumed-before-streaming.txt");
  }

  // ---- Whole responses that are one dead letter or nothing ----

  @Test
  void shouldTreatSpecialResponsesAsTheWholeResponsePath() throws Exception {
    // One reporter per kind of response; partners empty (the wildcard), April on.
    Map<String, String> answers = new LinkedHashMap<>();
    answers.put("EU27_2020", "{\"error\":\"unexpected\"}\n" + String.join("\n", MAY.lines().skip(1).toList()));
    answers.put("DE", MAY.replace("DATAFLOW,LAST UPDATE,", "DATAFLOW,UPDATED,"));
    answers.put("FR", HEADER + "\r\n");
    answers.put("IT", "<html><body>Service temporarily unavailable, try later</body></html>");
    answers.put("NL", "\uFEFF" + MAY.replace("\n", "\r\n").replace("DATAFLOW,", "\"DATAFLOW\",").replace(",2025-05,",
        ",2025-04,"));
    answers.put("ES", "");
    answers.put("PT", "\n");
    answers.put("AT", HEADER + "\n" + "ESTAT:DS-045409(1.0),13/06/25,M,AT,CN,TOTAL,1,QUANTITY_IN_100KG,2025-04,9");
    for (Map.Entry<String, String> a : answers.entrySet()) {
      stub(BASE_PATH + "M." + a.getKey() + "..TOTAL.1.VALUE_IN_EUROS", "2025-04", null, 200, a.getValue());
    }
    wm.stubFor(get(urlPathEqualTo(BASE_PATH + "M.BE..TOTAL.1.VALUE_IN_EUROS")).willReturn(aResponse().withStatus(204)));
    Map<String, String> props = props(2000);
    props.put(ComextConfig.PARTNERS_CONFIG, "");
    props.put(ComextConfig.START_CONFIG, "2025-04");
    props.put(ComextConfig.REPORTERS_CONFIG, String.join(",", answers.keySet()) + ",BE,LU");
    ComextApiSourceTask task = start(props);
    List<SourceRecord> rs = harness.drain(task);
    List<String> got = new ArrayList<>(rs.stream().map(this::show).toList());
    for (String reporter : props.get(ComextConfig.REPORTERS_CONFIG).split(",")) {
      got.add(withoutDeadLetterDigests(reporter + " offset: " + new TreeMap<>(task.offsetOf(reporter).toMap())));
    }
    got.add("skipped: " + task.metrics().skipped());
    task.stop();
    TaskHarness.assertSameAsRecorded(ComextStreamingTest.class, got, "comext-special-before-streaming.txt");
  }

  // ---- Large responses (a digest of the renderings: the resource stays small) ----

  static final String[] PARTNERS = {"CN", "US", "JP", "KR", "IN", "BR", "CH", "NO", "TR", "GB", "CA", "MX", "VN",
      "TW", "SG", "AU", "ZA", "MA", "EG", "SA"};

  /**
   * Row {@code i} of a large response: partners, CN8 products and the months of {@code months} cycle, values from a
   * seeded random (changed by {@code revision}); every 101st partner is unknown and every 203rd value confidential
   * (dead letters), every 307th row a quantity (skipped).
   */
  static String largeRow(int i, String[] months, long revision, SplittableRandom rnd) {
    String partner = i % 101 == 0 ? "QZ" : PARTNERS[i % PARTNERS.length];
    String product = String.format("%08d", 1_000_000 + (i / PARTNERS.length) * 37 % 98_000_000);
    String value = i % 203 == 0 ? "" : Long.toString(1 + rnd.nextLong(1_000_000_000L) + revision);
    String indicator = i % 307 == 0 ? "QUANTITY_IN_100KG" : "VALUE_IN_EUROS";
    return "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020," + partner + "," + product + ",1," + indicator + ","
        + months[i % months.length] + "," + value;
  }

  /** A large response, its rows shuffled (seeded): Eurostat's order is not the fingerprint order. */
  static String large(int rows, IntFunction<String> row) {
    List<String> lines = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      lines.add(row.apply(i));
    }
    Collections.shuffle(lines, new Random(7));
    return HEADER + "\n" + String.join("\n", lines) + "\n";
  }

  static final int LARGE_ROWS = 30_000;
  static final String[] FEB_TO_APR_MONTHS = {"2025-02", "2025-03", "2025-04"};
  static final String[] FEB_TO_MAY_MONTHS = {"2025-02", "2025-03", "2025-04", "2025-05"};

  static String largeFebToApr() {
    SplittableRandom rnd = new SplittableRandom(42);
    return large(LARGE_ROWS, i -> largeRow(i, FEB_TO_APR_MONTHS, 0, rnd));
  }

  /** The July window of the large case: February to May, every figure revised by one euro, so every month changed. */
  static String largeJulyWindow() {
    SplittableRandom rnd = new SplittableRandom(43);
    return large(LARGE_ROWS, i -> largeRow(i, FEB_TO_MAY_MONTHS, 1, rnd));
  }

  @Test
  void shouldEmitTheRecordsOfLargeResponsesAsTheWholeResponsePath() throws Exception {
    Map<String, String> props = props(2000);
    props.put(ComextConfig.PRODUCTS_CONFIG, "TOTAL");
    String may = MAY.replace("13/06/25", "15/07/25");
    stub(PATH, "2025-02", null, 200, largeFebToApr());
    stub(PATH, "2025-05", null, 200, may);
    ComextApiSourceTask june = start(props);
    List<SourceRecord> first = harness.drain(june);
    june.stop();
    clock.advance(Duration.ofDays(31));
    stub(PATH, "2025-02", "2025-05", 200, largeJulyWindow());
    ComextApiSourceTask july = start(props);
    clock.advance(Duration.ofHours(2));
    List<SourceRecord> revised = harness.drain(july);
    july.stop();

    List<String> got = List.of(summary("new months", first), summary("revision", revised));
    TaskHarness.assertSameAsRecorded(ComextStreamingTest.class, got, "comext-large-before-streaming.txt");
  }

  // ---- Streaming: batches, stop, failures (large responses; expected results are the recorded ones) ----

  static final int BATCH = 700;
  static final String LARGE_MAY = MAY.replace("13/06/25", "15/07/25");
  static final String TEMP = "tradepulse-comext-";

  /** Line {@code n} (0-based) of a recorded rendering. */
  static String recorded(String name, int n) throws Exception {
    return TaskHarness.recorded(ComextStreamingTest.class, name).get(n);
  }

  @Test
  void shouldBuildAtMostBatchMaxRecordsPerPollAndDeleteTheResponseAtItsEnd() throws Exception {
    stub(PATH, "2025-02", null, 200, largeFebToApr());
    stub(PATH, "2025-05", null, 200, LARGE_MAY);
    List<Path> before = TaskHarness.tempFilesNamed(TEMP);
    ComextApiSourceTask task = start(props(BATCH));
    TaskHarness.Batches drained = TaskHarness.drainInBatches(task, BATCH);
    List<SourceRecord> all = drained.records();
    int polls = drained.polls();
    assertThat(TaskHarness.tempFilesNamed(TEMP)).as("nothing left once the responses are done")
        .containsExactlyInAnyOrderElementsOf(before);
    task.stop();

    assertThat(summary("new months", all)).isEqualTo(recorded("comext-large-before-streaming.txt", 0));
    assertThat(polls).as("the large response in full batches, then May").isEqualTo((29_902 + BATCH - 1) / BATCH + 1);
  }

  @Test
  void shouldDeleteTheResponseWhenStoppedMidWayAndResumeWithoutDuplicatesOrGaps() throws Exception {
    stub(PATH, "2025-02", null, 200, largeFebToApr());
    stub(PATH, "2025-05", null, 200, LARGE_MAY);
    List<Path> before = TaskHarness.tempFilesNamed(TEMP);
    TaskHarness.Restarted<ComextApiSourceTask> run = harness.stopMidPayloadAndRestart(() -> start(props(BATCH)),
        2 * BATCH + 5, TEMP, "response");

    assertThat(summary("new months", run.records())).as("no duplicates, no gaps, the same offsets")
        .isEqualTo(recorded("comext-large-before-streaming.txt", 0));
    assertThat(run.second().peakPendingRecords()).isLessThanOrEqualTo(BATCH);
    assertThat(TaskHarness.tempFilesNamed(TEMP)).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void shouldFetchAgainAndResumeAfterTheHandedOutRecordsWhenTheBodyCannotBeReadMidWay() throws Exception {
    stub(PATH, "2025-02", null, 200, largeFebToApr());
    stub(PATH, "2025-05", null, 200, LARGE_MAY);
    List<Path> before = TaskHarness.tempFilesNamed(TEMP);
    ComextApiSourceTask task = start(props(BATCH));
    List<SourceRecord> got = new ArrayList<>(TaskHarness.poll(task));
    List<Path> open = TaskHarness.tempFilesMadeSince(TEMP, before);
    Files.write(open.get(0), new byte[0]); // the body on disk is lost under the open response

    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(RetriableException.class).hasMessageContaining("startPeriod=2025-02")
        .cause().hasMessageContaining("its temporary file changed");
    assertThat(open.get(0)).doesNotExist();
    got.addAll(harness.drain(task)); // the worker polls again: fetched again, resumed after the first batch
    task.stop();

    assertThat(summary("new months", got)).isEqualTo(recorded("comext-large-before-streaming.txt", 0));
    assertThat(TaskHarness.tempFilesNamed(TEMP)).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void shouldResumeFromAnOffsetStoredByTheWholeResponsePath() throws Exception {
    String body = largeFebToApr();
    stub(PATH, "2025-02", null, 200, body);
    stub(PATH, "2025-05", null, 200, LARGE_MAY);
    // As the byte[] path stored it after 1,234 records of the response: the digest of its bytes.
    String digest = Digests.of(body.getBytes(StandardCharsets.UTF_8));
    harness.offsets.put(Map.of("source", "comext", "dataset", "DS-045409", "reporter", "EU27_2020", "partners",
        "CN,US,JP", "products", "TOTAL", "flows", "IMPORT"), Map.of("next", "2025-02", "rows_done", 1_234L, "digest",
        digest, "revising", "", "month_digests", ""));
    ComextApiSourceTask task = start(props(BATCH));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).hasSize(29_902 - 1_234 + 3);
    assertThat(TaskHarness.offset(rs.get(0))).containsEntry("digest", digest).containsEntry("rows_done", 1_235L);
    assertThat(TaskHarness.offset(rs.get(29_902 - 1_234 - 1))).containsEntry("next", "2025-05")
        .containsEntry("rows_done", 0L);
  }

  @Test
  void shouldReemitALargeRevisionFromRowsSortedOnDiskAndAskTheWindowAgainWhenTheyCannotBeRead() throws Exception {
    stub(PATH, "2025-02", null, 200, largeFebToApr());
    stub(PATH, "2025-05", null, 200, LARGE_MAY);
    ComextApiSourceTask june = start(props(2000));
    harness.drain(june);
    june.stop();
    clock.advance(Duration.ofDays(31));
    stub(PATH, "2025-02", "2025-05", 200, largeJulyWindow());
    List<Path> before = TaskHarness.tempFilesNamed(TEMP);
    ComextApiSourceTask july = start(props(BATCH));
    clock.advance(Duration.ofHours(2));

    List<SourceRecord> got = new ArrayList<>(TaskHarness.poll(july));
    assertThat(got).hasSize(BATCH);
    List<Path> open = TaskHarness.tempFilesMadeSince(TEMP, before);
    List<Path> runs = open.stream().filter(p -> p.toString().endsWith(".run")).toList();
    assertThat(runs).as("the body and the sorted runs the rows are read from").hasSizeGreaterThan(1)
        .hasSize(open.size() - 1);
    for (Path run : runs) {
      Files.write(run, new byte[0]); // the sorted rows are lost under the open revision
    }

    assertThatThrownBy(() -> {
      for (int i = 0; i < 100; i++) {
        got.addAll(TaskHarness.poll(july));
      }
    }).isInstanceOf(RetriableException.class).hasMessageContaining("endPeriod=2025-05");
    assertThat(open).allSatisfy(p -> assertThat(p).doesNotExist());
    got.addAll(harness.drain(july)); // the window is asked again at once and the month resumed after the batches out
    july.stop();

    assertThat(summary("revision", got)).isEqualTo(recorded("comext-large-before-streaming.txt", 1));
    assertThat(july.peakPendingRecords()).isLessThanOrEqualTo(BATCH);
    assertThat(TaskHarness.tempFilesNamed(TEMP)).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void shouldDeadLetterALargeResponseWithAnUnexpectedHeaderAsOneRecordCutToTheLimit() throws Exception {
    StringBuilder big = new StringBuilder("{\"error\":\"unexpected\"}\n");
    while (big.length() <= BadRow.MAX_WHOLE_RAW_BYTES + 10_000) {
      big.append(MAY.lines().skip(1).findFirst().orElseThrow()).append('\n');
    }
    stub(PATH, "2025-02", null, 200, big.toString());
    List<Path> before = TaskHarness.tempFilesNamed(TEMP);
    ComextApiSourceTask task = start(props(BATCH));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    // The whole-response code put the whole body in the record, which past the broker's 1 MB limit failed the task.
    assertThat(rs).singleElement().satisfies(r -> {
      Struct v = (Struct) r.value();
      assertThat(v.getString("reason")).isEqualTo("Unexpected Comext SDMX-CSV header [{\"error\":\"unexpected\"}]: "
          + "needs reporter, partner, product, flow, indicators, TIME_PERIOD, OBS_VALUE (raw value cut to 524288 of "
          + big.length() + " bytes)");
      assertThat(v.getBytes("rawValue")).hasSize(BadRow.MAX_WHOLE_RAW_BYTES);
      assertThat(v.getString("position")).isEqualTo("header");
    });
    assertThat(TaskHarness.tempFilesNamed(TEMP)).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void shouldFailOnAClientErrorNamingTheStartOfTheBodyAndKeepNoFile() throws Exception {
    String error = "{\"error\":{\"status\":400,\"label\":\"Unknown dimension code\"}}";
    stub(PATH, "2025-02", null, 400, error + " ".repeat(300) + "tail");
    List<Path> before = TaskHarness.tempFilesNamed(TEMP);
    ComextApiSourceTask task = start(props(BATCH));
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(ConnectException.class)
        .hasMessageStartingWith("Comext answered HTTP 400 for " + wm.baseUrl() + PATH + "?format=SDMX-CSV&startPeriod=")
        .hasMessageEndingWith(": " + error + " ".repeat(300 - error.length()));
    task.stop();
    assertThat(TaskHarness.tempFilesNamed(TEMP)).containsExactlyInAnyOrderElementsOf(before);
  }
}
