package io.tradepulse.connect.census;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.MutableClock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.tradepulse.connect.StubServer;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.RevisionChecks;
import io.tradepulse.connect.common.SourceCompletion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CensusSourceTaskTest {
  @RegisterExtension static final StubServer wm = new StubServer();

  // Real shape: array of arrays of strings, header first, filter variables (time, COMM_LVL) appended.
  static final String MAY_2025 = """
      [["CTY_CODE","CTY_NAME","E_COMMODITY","ALL_VAL_MO","SUMMARY_LVL","time","COMM_LVL"],
      ["0001","OPEC","85","5765070418","CGP","2025-05","HS2"],
      ["-","TOTAL FOR ALL COUNTRIES","85","17385342234","CGP","2025-05","HS2"],
      ["0003","EUROPEAN UNION","85","2345000000","CGP","2025-05","HS2"],
      ["5700","CHINA","85","1034567890","DET","2025-05","HS2"],
      ["1220","CANADA","85","2999999999","DET","2025-05","HS2"],
      ["2010","MEXICO","85","4100000000","DET","2025-05","HS2"]]""";

  static final String APRIL_2025 = """
      [["CTY_CODE","CTY_NAME","E_COMMODITY","ALL_VAL_MO","SUMMARY_LVL","time","COMM_LVL"],
      ["5700","CHINA","85","1000000000","DET","2025-04","HS2"],
      ["4120","UNITED KINGDOM","85","700000000","DET","2025-04","HS2"]]""";

  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-20T12:00:00Z"));

  Map<String, String> props() {
    Map<String, String> p = CensusFixture.props(wm, "census-test", "2025-04");
    p.put(CensusConfig.API_KEY_CONFIG, "s3cret");
    p.put("http.max.retries", "3");
    return p;
  }

  void stubMonth(String month, int status, String body) {
    CensusFixture.stubMonth(wm, month, status, body);
  }

  CensusSourceTask start(Map<String, String> props) {
    return CensusFixture.start(harness, clock, props);
  }

  static List<SourceRecord> trades(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.records")).toList();
  }

  static List<SourceRecord> deadLetters(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.dlq")).toList();
  }

  static String partner(SourceRecord r) {
    return ((Struct) r.key()).getString("partner");
  }

  @Test
  void shouldNotAddCountryGroupsToCountries() throws Exception {
    stubMonth("2025-05", 200, MAY_2025);
    Map<String, String> props = props();
    props.put(CensusConfig.START_MONTH_CONFIG, "2025-05");
    CensusSourceTask task = start(props);
    List<SourceRecord> rs = harness.drain(task);

    assertThat(trades(rs)).extracting(CensusSourceTaskTest::partner).containsExactly("WLD", "CHN", "CAN", "MEX");
    assertThat(deadLetters(rs)).isEmpty();
    assertThat(task.metrics().skipped()).isEqualTo(2);
    Struct china = (Struct) trades(rs).get(1).value();
    assertThat(china.getInt64("value")).isEqualTo(1034567890L);
    assertThat(china.getString("reporter")).isEqualTo("USA");
    assertThat(china.getString("flow")).isEqualTo("EXPORT");
    assertThat(china.getString("commodity")).isEqualTo("85");
    assertThat(china.getString("commodityLevel")).isEqualTo("HS2");
    assertThat(china.getInt32("year")).isEqualTo(2025);
    assertThat(china.getInt32("month")).isEqualTo(5);
    assertThat(china.getString("vintage")).isEqualTo("FT-900 2025-05");
    assertThat(trades(rs)).extracting(r -> ((Struct) r.value()).getString("quality")).as("the Bureau's own release")
        .containsOnly("PUBLISHED");
    assertThat(china.getString("sourceRef")).doesNotContain("s3cret").contains("time=2025-05");
    wm.verify(getRequestedFor(urlPathEqualTo("/data/timeseries/intltrade/exports/hs"))
        .withQueryParam("key", equalTo("s3cret")).withQueryParam("COMM_LVL", equalTo("HS2")));
    task.stop();
  }

  /**
   * The partitions take turns, up to four each per unit of work even when idle (two units a second): a task with some
   * hundred partitions takes Integer.MAX_VALUE turns within weeks, and must go on reading after that.
   */
  @Test
  void shouldKeepTakingTurnsOverItsPartitionsAfterIntegerMaxValueTurns() throws Exception {
    stubMonth("2025-05", 200, MAY_2025);
    Map<String, String> props = props();
    props.put(CensusConfig.START_MONTH_CONFIG, "2025-05");
    props.put(CensusSourceTask.PARTITIONS_CONFIG, "EXPORT|HS2|84,EXPORT|HS2|85,EXPORT|HS2|*");
    CensusSourceTask task = start(props);
    java.lang.reflect.Field turns = CensusSourceTask.class.getDeclaredField("roundRobin");
    turns.setAccessible(true);
    turns.setInt(task, Integer.MAX_VALUE); // as after weeks of idle turns

    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(trades(rs)).as("each partition's four figures").hasSize(12);
  }

  @Test
  void shouldDeadLetterUnknownCountryCodesAndNonNumericValuesAndKeepGoing() throws Exception {
    String row1 = "[\"9999\",\"ATLANTIS\",\"85\",\"100\",\"DET\",\"2025-04\",\"HS2\"]";
    String row2 = "[\"5700\",\"CHINA\",\"85\",\"(D)\",\"DET\",\"2025-04\",\"HS2\"]";
    stubMonth("2025-04", 200, "[[\"CTY_CODE\",\"CTY_NAME\",\"E_COMMODITY\",\"ALL_VAL_MO\",\"SUMMARY_LVL\",\"time\",\"COMM_LVL\"],\n"
        + row1 + ",\n" + row2 + ",\n[\"1220\",\"CANADA\",\"85\",\"42\",\"DET\",\"2025-04\",\"HS2\"]]");
    stubMonth("2025-05", 204, null);
    CensusSourceTask task = start(props());
    List<SourceRecord> rs = harness.drain(task);

    assertThat(trades(rs)).extracting(CensusSourceTaskTest::partner).containsExactly("CAN");
    List<SourceRecord> dlq = deadLetters(rs);
    assertThat(dlq).hasSize(2);
    Struct first = (Struct) dlq.get(0).value();
    assertThat(first.getString("stage")).isEqualTo("INGEST");
    assertThat(first.getString("reason")).contains("Unknown Schedule C country code '9999'");
    assertThat(new String(first.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo(row1);
    assertThat(first.getString("position")).isEqualTo("2025-04 row 1");
    Struct second = (Struct) dlq.get(1).value();
    assertThat(second.getString("reason")).contains("Non-numeric ALL_VAL_MO '(D)'");
    assertThat(new String(second.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo(row2);
    // Deterministic occurredAt: the release time of the payload, not the wall clock.
    assertThat(((java.util.Date) second.get("occurredAt")).toInstant())
        .isEqualTo(task.releaseInstant(java.time.YearMonth.of(2025, 4)));
    assertThat(task.metrics().deadLetters()).isEqualTo(2);
    task.stop();
  }

  /**
   * A value of 19 digits or more was "Non-numeric", though it is a number: beyond a long it is named so, with the
   * largest allowed; within a long it is read, as the other sources read theirs.
   */
  @Test
  void shouldRefuseARowNamingTheFieldTheValueAndTheLargestAllowedWhenItsValueIsBeyondALong() throws Exception {
    stubMonth("2025-04", 200, "[[\"CTY_CODE\",\"CTY_NAME\",\"E_COMMODITY\",\"ALL_VAL_MO\",\"SUMMARY_LVL\",\"time\","
        + "\"COMM_LVL\"],\n"
        + "[\"5700\",\"CHINA\",\"85\",\"18446744073709551616\",\"DET\",\"2025-04\",\"HS2\"],\n"
        + "[\"1220\",\"CANADA\",\"85\",\"9223372036854775807\",\"DET\",\"2025-04\",\"HS2\"]]");
    stubMonth("2025-05", 204, null);
    CensusSourceTask task = start(props());
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(deadLetters(rs)).extracting(r -> ((Struct) r.value()).getString("reason")).containsExactly(
        "ALL_VAL_MO '18446744073709551616' is more than the largest allowed, 9223372036854775807");
    assertThat(trades(rs)).singleElement().satisfies(r -> {
      assertThat(partner(r)).isEqualTo("CAN");
      assertThat(((Struct) r.value()).getInt64("value")).isEqualTo(Long.MAX_VALUE);
    });
  }

  /**
   * Every request asks one month: a row of another month went out as a figure of its own month, dated by the asked
   * month's FT-900 (2025-04 in May's answer would outrank April's own figure downstream) or to be refused by the
   * processor far from this URL and row (2099-01, 1950-04). It is a dead letter naming both months.
   */
  @Test
  void shouldDeadLetterARowWhoseTimeIsNotTheMonthAsked() throws Exception {
    String april = "[\"1220\",\"CANADA\",\"85\",\"100\",\"DET\",\"2025-04\",\"HS2\"]";
    String future = "[\"2010\",\"MEXICO\",\"85\",\"100\",\"DET\",\"2099-01\",\"HS2\"]";
    stubMonth("2025-05", 200, "[[\"CTY_CODE\",\"CTY_NAME\",\"E_COMMODITY\",\"ALL_VAL_MO\",\"SUMMARY_LVL\",\"time\","
        + "\"COMM_LVL\"],\n[\"5700\",\"CHINA\",\"85\",\"42\",\"DET\",\"2025-05\",\"HS2\"],\n" + april + ",\n" + future
        + "]");
    Map<String, String> props = props();
    props.put(CensusConfig.START_MONTH_CONFIG, "2025-05");
    CensusSourceTask task = start(props);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(trades(rs)).singleElement().satisfies(r -> {
      assertThat(partner(r)).isEqualTo("CHN");
      assertThat(((Struct) r.value()).getInt32("month")).isEqualTo(5);
    });
    assertThat(deadLetters(rs)).extracting(r -> (Struct) r.value()).satisfiesExactly(
        april1 -> {
          assertThat(april1.getString("reason")).isEqualTo("time '2025-04' is not the month asked, 2025-05");
          assertThat(april1.getString("position")).isEqualTo("2025-05 row 2");
          assertThat(new String(april1.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo(april);
        },
        later -> {
          assertThat(later.getString("reason")).isEqualTo("time '2099-01' is not the month asked, 2025-05");
          assertThat(later.getString("position")).isEqualTo("2025-05 row 3");
          assertThat(new String(later.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo(future);
        });
  }

  @Test
  void shouldDeadLetterAMalformedBodyAsOneRecordAndMoveOn() throws Exception {
    stubMonth("2025-04", 200, APRIL_2025.replace("\"CHINA\",", "\"CHINA\" "));
    stubMonth("2025-05", 200, MAY_2025);
    CensusSourceTask task = start(props());
    List<SourceRecord> rs = harness.drain(task);

    assertThat(deadLetters(rs)).hasSize(1);
    assertThat(((Struct) deadLetters(rs).get(0).value()).getString("reason")).contains("Malformed or truncated");
    assertThat(trades(rs)).extracting(CensusSourceTaskTest::partner).containsExactly("WLD", "CHN", "CAN", "MEX");
    task.stop();
  }

  /**
   * A body that ends inside its document, as one cut in transit does (its Content-Length may be the proxy's, after its
   * upstream closed early), is fetched again: as one dead letter, April was completed and its rows after the cut lost.
   */
  @Test
  void shouldFetchAgainABodyThatEndsInsideItsDocumentInsteadOfDeadLetteringItAndMovingOn() throws Exception {
    stubMonth("2025-04", 200, APRIL_2025.substring(0, APRIL_2025.length() - 30));
    stubMonth("2025-05", 200, MAY_2025);
    CensusSourceTask task = start(props());
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("time=2025-04").hasMessageContaining("ends inside its JSON document")
        .hasMessageNotContaining("s3cret");
    assertThat(task.offsetOf(CensusPartition.decode("EXPORT|HS2|*")).latest()).as("April not completed").isNull();

    stubMonth("2025-04", 200, APRIL_2025);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    assertThat(deadLetters(rs)).isEmpty();
    assertThat(trades(rs)).extracting(CensusSourceTaskTest::partner)
        .containsExactly("CHN", "GBR", "WLD", "CHN", "CAN", "MEX");
  }

  @Test
  void shouldBackOffOn429And500ThenSucceed() throws Exception {
    String path = "/data/timeseries/intltrade/exports/hs";
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("time", equalTo("2025-04")).inScenario("flaky")
        .whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0")).willSetStateTo("second"));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("time", equalTo("2025-04")).inScenario("flaky")
        .whenScenarioStateIs("second").willReturn(aResponse().withStatus(500)).willSetStateTo("third"));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("time", equalTo("2025-04")).inScenario("flaky")
        .whenScenarioStateIs("third").willReturn(aResponse().withStatus(200).withBody(APRIL_2025)));
    stubMonth("2025-05", 204, null);
    CensusSourceTask task = start(props());
    List<SourceRecord> rs = harness.drain(task);

    assertThat(trades(rs)).extracting(CensusSourceTaskTest::partner).containsExactly("CHN", "GBR");
    assertThat(task.metrics().retries()).isEqualTo(2);
    task.stop();
  }

  @Test
  void shouldRetryA408RequestTimeoutAndA425TooEarlyLikeA5xxInsteadOfFailingTheTask() throws Exception {
    // A proxy in front of the API closing an idle request (408, with the "Connection: close" it sends), then a 425:
    // neither says anything about the query, and the same call succeeds a moment later.
    String path = "/data/timeseries/intltrade/exports/hs";
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("time", equalTo("2025-04")).inScenario("proxy")
        .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(408)
            .withHeader("Connection", "close").withBody("<html><body><h1>408 Request Time-out</h1></body></html>"))
        .willSetStateTo("second"));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("time", equalTo("2025-04")).inScenario("proxy")
        .whenScenarioStateIs("second").willReturn(aResponse().withStatus(425)).willSetStateTo("third"));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("time", equalTo("2025-04")).inScenario("proxy")
        .whenScenarioStateIs("third").willReturn(aResponse().withStatus(200).withBody(APRIL_2025)));
    stubMonth("2025-05", 204, null);
    CensusSourceTask task = start(props());
    List<SourceRecord> rs = harness.drain(task);

    assertThat(trades(rs)).extracting(CensusSourceTaskTest::partner).containsExactly("CHN", "GBR");
    assertThat(task.metrics().retries()).isEqualTo(2);
    task.stop();
  }

  @Test
  void shouldThrowRetriableExceptionWhenA408PersistsAndResumeOnceTheServerAnswers() throws Exception {
    stubMonth("2025-04", 408, "Request Timeout");
    CensusSourceTask task = start(props());
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(RetriableException.class).hasMessageContaining("HTTP 408").hasMessageContaining("4 attempts");
    wm.resetAll();
    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 204, null);
    assertThat(trades(harness.drain(task))).extracting(CensusSourceTaskTest::partner).containsExactly("CHN", "GBR");
    task.stop();
  }

  @Test
  void shouldThrowRetriableExceptionWhenServerKeepsFailingAndResumeLater() throws Exception {
    stubMonth("2025-04", 503, "busy");
    CensusSourceTask task = start(props());
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(RetriableException.class).hasMessageContaining("HTTP 503");
    wm.resetAll();
    wm.stubFor(get(urlPathEqualTo("/data/timeseries/intltrade/exports/hs")).withQueryParam("time", equalTo("2025-04"))
        .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(RetriableException.class);
    wm.resetAll();
    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 204, null);
    assertThat(trades(harness.drain(task))).hasSize(2);
    task.stop();
  }

  /**
   * May answered in 10 pieces 300 ms apart (WireMock sends the headers with the first): about 150 bytes a second,
   * never silent for the 1 s timeout the tests below give it, and still coming well after its first whole second.
   */
  void stubDribblingMay() {
    wm.stubFor(get(urlPathEqualTo("/data/timeseries/intltrade/exports/hs")).withQueryParam("time", equalTo("2025-05"))
        .willReturn(aResponse().withStatus(200).withBody(MAY_2025).withChunkedDribbleDelay(10, 3_000)));
  }

  /** A task that builds its HTTP fetcher from its configuration, as in a worker. */
  CensusSourceTask startWithConfiguredFetcher(Map<String, String> props) {
    CensusSourceTask task = new CensusSourceTask();
    task.useForTesting(clock, null);
    task.initialize(harness.context(props));
    task.start(props);
    return task;
  }

  @Test
  void shouldGiveUpRetriablyOnAResponseThatDribblesUnderTheConfiguredMinimumRate() throws Exception {
    stubDribblingMay();
    Map<String, String> props = props();
    props.put(CensusConfig.START_MONTH_CONFIG, "2025-05");
    props.put("http.timeout.ms", "1000");
    props.put("http.max.retries", "0");
    props.put("http.body.min.bytes.per.second", "1024");
    CensusSourceTask task = startWithConfiguredFetcher(props);
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("http.body.min.bytes.per.second").hasMessageNotContaining("s3cret");
    task.stop();
  }

  @Test
  void shouldReadADribblingResponseToTheEndWhenTheMinimumRateIsOff() throws Exception {
    stubDribblingMay();
    Map<String, String> props = props();
    props.put(CensusConfig.START_MONTH_CONFIG, "2025-05");
    props.put("http.timeout.ms", "1000");
    props.put("http.max.retries", "0");
    props.put("http.body.min.bytes.per.second", "0");
    CensusSourceTask task = startWithConfiguredFetcher(props);
    assertThat(trades(harness.drain(task))).extracting(CensusSourceTaskTest::partner)
        .containsExactly("WLD", "CHN", "CAN", "MEX");
    task.stop();
  }

  @Test
  void shouldResumeAfterRestartWithoutDuplicatesAndWithIdenticalRecords() throws Exception {
    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 200, MAY_2025);
    Map<String, String> props = props();
    props.put("batch.max.records", "1");

    TaskHarness reference = new TaskHarness();
    CensusSourceTask full = CensusFixture.start(reference, clock, props);
    List<SourceRecord> all = reference.drain(full);
    full.stop();
    assertThat(all).hasSize(6);

    CensusSourceTask first = start(props);
    List<SourceRecord> before = harness.take(first, 3); // crash after 2025-04 and one row of 2025-05
    first.stop();
    CensusSourceTask second = start(props);
    List<SourceRecord> after = harness.drain(second);
    second.stop();

    assertThat(before.size() + after.size()).isEqualTo(all.size());
    for (int i = 0; i < all.size(); i++) {
      SourceRecord expected = all.get(i);
      SourceRecord actual = i < before.size() ? before.get(i) : after.get(i - before.size());
      assertThat(actual.key()).isEqualTo(expected.key());
      assertThat(actual.value()).isEqualTo(expected.value());
    }
  }

  @Test
  void shouldReEmitOnlyRevisedMonthsOfTheLookBackWindow() throws Exception {
    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 200, MAY_2025);
    Map<String, String> props = props();
    props.put(CensusConfig.LOOKBACK_CONFIG, "2");
    props.put(CensusConfig.REVISION_INTERVAL_CONFIG, "60000");
    CensusSourceTask task = start(props);
    assertThat(trades(harness.drain(task))).hasSize(6);

    clock.advance(Duration.ofMinutes(2));
    assertThat(harness.drain(task)).as("nothing changed, nothing re-emitted").isEmpty();

    stubMonth("2025-04", 200, APRIL_2025.replace("1000000000", "1000000500"));
    clock.advance(Duration.ofMinutes(2));
    List<SourceRecord> revised = trades(harness.drain(task));
    assertThat(revised).extracting(CensusSourceTaskTest::partner).containsExactly("CHN", "GBR");
    Struct china = (Struct) revised.get(0).value();
    assertThat(china.getInt64("value")).isEqualTo(1000000500L);
    assertThat(china.getInt32("month")).isEqualTo(4);
    assertThat(china.getString("vintage")).as("carried by the newest release").isEqualTo("FT-900 2025-05");
    task.stop();

    CensusSourceTask restarted = start(props);
    clock.advance(Duration.ofMinutes(2));
    assertThat(harness.drain(restarted)).as("digests in the offset prevent duplicates after restart").isEmpty();
    restarted.stop();
  }

  /**
   * Census revises the country and commodity detail of the whole previous year once a year, with April's figures in
   * June. The look-back counts back from the newest month, April: with 12 months it reached back to April of the
   * revised year, and January to March kept their first-published figures for good (so did every YoY against them).
   */
  @Test
  void shouldReReadJanuaryOfThePreviousYearWithTheDefaultLookBackWhenTheJuneAnnualRevisionComesOut() throws Exception {
    Map<String, String> props = CensusFixture.props(wm, "census-annual-" + System.nanoTime(), "2024-01");
    java.util.TreeMap<java.time.YearMonth, String> seen = new java.util.TreeMap<>();
    for (java.time.YearMonth m = java.time.YearMonth.of(2024, 1); !m.isAfter(java.time.YearMonth.of(2025, 5));
        m = m.plusMonths(1)) {
      stubMonth(m.toString(), 204, null);
      seen.put(m, "first-published");
    }
    stubMonth("2024-01", 200, """
        [["CTY_CODE","CTY_NAME","E_COMMODITY","ALL_VAL_MO","SUMMARY_LVL","time","COMM_LVL"],
        ["5700","CHINA","85","1210000000","DET","2024-01","HS2"]]""");
    // Every month up to April 2025 emitted (the fingerprints of the first publication), the last check a day ago.
    seen.remove(java.time.YearMonth.of(2025, 5));
    Map<String, Object> off = new HashMap<>(new CensusOffset(java.time.YearMonth.of(2025, 4), null, 0, null, seen)
        .toMap());
    off.put(RevisionChecks.KEY, clock.instant().minus(Duration.ofDays(1)).minusSeconds(1).toEpochMilli());
    harness.offsets.put(Map.copyOf(CensusPartition.decode("EXPORT|HS2|*").toMap()), off);

    CensusSourceTask task = start(props);
    List<SourceRecord> rs = trades(harness.drain(task));
    task.stop();

    assertThat(rs).singleElement().satisfies(r -> {
      Struct v = (Struct) r.value();
      assertThat(v.getInt32("year") * 100 + v.getInt32("month")).isEqualTo(202401);
      assertThat(v.getInt64("value")).isEqualTo(1_210_000_000L);
      assertThat(v.getInt32("revision")).isEqualTo(1);
      assertThat(v.getString("vintage")).isEqualTo("FT-900 2025-04");
    });
  }

  /** A stored offset: 2025-04 and 2025-05 done with stale fingerprints (a check re-emits them), checked at {@code at}. */
  void storeOffset(Instant checkedAt) {
    Map<String, Object> off = new HashMap<>(new CensusOffset(java.time.YearMonth.of(2025, 5), null, 0, null,
        Map.of(java.time.YearMonth.of(2025, 4), "x", java.time.YearMonth.of(2025, 5), "y")).toMap());
    if (checkedAt != null) {
      off.put(RevisionChecks.KEY, checkedAt.toEpochMilli());
    }
    harness.offsets.put(Map.copyOf(CensusPartition.decode("EXPORT|HS2|*").toMap()), off);
  }

  Map<String, String> lookbackProps() {
    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 200, MAY_2025);
    Map<String, String> props = props();
    props.put("name", "census-lookback-" + System.nanoTime());
    props.put(CensusConfig.LOOKBACK_CONFIG, "1");
    props.put(CensusConfig.REVISION_INTERVAL_CONFIG, "60000");
    return props;
  }

  @Test
  void shouldLookBackAtOnceAfterARestartWhenTheStoredCheckIsOlderThanTheInterval() throws Exception {
    storeOffset(clock.instant().minusSeconds(61));
    CensusSourceTask task = start(lookbackProps());
    List<SourceRecord> rs = trades(harness.drain(task));
    task.stop();

    assertThat(rs).extracting(CensusSourceTaskTest::month).containsExactly(4, 4, 5, 5, 5, 5);
  }

  @Test
  void shouldWaitForTheRestOfTheIntervalAfterARestartWhenTheStoredCheckIsNewer() throws Exception {
    storeOffset(clock.instant().minusSeconds(40));
    CensusSourceTask task = start(lookbackProps());
    assertThat(harness.drain(task)).isEmpty();
    clock.advance(Duration.ofSeconds(19));
    assertThat(harness.drain(task)).as("20 s before the check is due").isEmpty();
    clock.advance(Duration.ofSeconds(1));
    List<SourceRecord> rs = trades(harness.drain(task));
    task.stop();

    assertThat(rs).extracting(CensusSourceTaskTest::month).containsExactly(4, 4, 5, 5, 5, 5);
    wm.verify(1, getRequestedFor(urlPathEqualTo("/data/timeseries/intltrade/exports/hs"))
        .withQueryParam("time", equalTo("2025-04")));
  }

  @Test
  void shouldLookBackOnceCaughtUpWhenTheOffsetOfAnEarlierReleaseHasNoCheckTime() throws Exception {
    storeOffset(null);
    CensusSourceTask task = start(lookbackProps());
    List<SourceRecord> rs = trades(harness.drain(task));
    task.stop();

    assertThat(rs).extracting(CensusSourceTaskTest::month).containsExactly(4, 4, 5, 5, 5, 5);
  }

  @Test
  void shouldCarryTheTimeOfACompletedCheckInTheOffsetsOfLaterRecordsSoARestartDoesNotCheckAgainAtOnce()
      throws Exception {
    storeOffset(null);
    Map<String, String> props = lookbackProps();
    props.put(CensusConfig.REVISION_INTERVAL_CONFIG, Long.toString(Duration.ofDays(30).toMillis()));
    CensusSourceTask task = start(props);
    Instant checked = clock.instant();
    assertThat(trades(harness.drain(task))).hasSize(6);
    assertThat(harness.drain(task)).isEmpty();
    clock.advance(Duration.ofDays(20)); // 2025-07-10: the FT-900 of 2025-06 is out
    stubMonth("2025-06", 200, MAY_2025.replace("2025-05", "2025-06"));
    List<SourceRecord> june = harness.take(task, 1);
    task.stop();
    assertThat(TaskHarness.offset(june.get(0))).containsEntry(RevisionChecks.KEY, checked.toEpochMilli());

    clock.advance(Duration.ofSeconds(1));
    wm.resetRequests();
    stubMonth("2025-06", 200, MAY_2025.replace("2025-05", "2025-06"));
    CensusSourceTask restarted = start(props);
    harness.drain(restarted);
    restarted.stop();
    wm.verify(0, getRequestedFor(urlPathEqualTo("/data/timeseries/intltrade/exports/hs"))
        .withQueryParam("time", equalTo("2025-05")));
  }

  @Test
  void shouldDoADueCheckBeforeReportingItselfCaughtUpSoAOneShotIngestReadsRevisions() throws Exception {
    // Twelve look-back months answered 204 before the changed newest one: more than one unit of work goes through.
    wm.stubFor(get(urlPathEqualTo("/data/timeseries/intltrade/exports/hs")).atPriority(10)
        .willReturn(aResponse().withStatus(204)));
    storeOffset(null);
    Map<String, String> props = lookbackProps();
    props.put(CensusConfig.START_MONTH_CONFIG, "2024-01");
    props.put(CensusConfig.LOOKBACK_CONFIG, "12");
    CensusSourceTask task = start(props);
    List<SourceRecord> rs = TaskHarness.pollUntilCaughtUp(task, props.get("name"));
    task.stop();

    assertThat(SourceCompletion.isCaughtUp(props.get("name"))).isTrue();
    assertThat(trades(rs)).extracting(CensusSourceTaskTest::month).containsExactly(4, 4, 5, 5, 5, 5);
  }

  @Test
  void shouldRankEachRevisionOfAMonthAboveTheFiguresItRevisesWhileNoNewReleaseCameOut() throws Exception {
    // Downstream keeps per period the newest publishedAt, then the highest revision, then (a tie) the larger value. A
    // revision is dated by the newest release: for the newest month itself, or for a second revision before the next
    // release, that is the date its earlier figures already carry, so a figure revised down lost to them.
    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 200, MAY_2025);
    Map<String, String> props = props();
    props.put(CensusConfig.LOOKBACK_CONFIG, "2");
    props.put(CensusConfig.REVISION_INTERVAL_CONFIG, "60000");
    CensusSourceTask task = start(props);
    List<SourceRecord> first = trades(harness.drain(task));

    stubMonth("2025-05", 200, MAY_2025.replace("1034567890", "1034000000"));
    stubMonth("2025-04", 200, APRIL_2025.replace("1000000000", "999000000"));
    clock.advance(Duration.ofMinutes(2));
    List<SourceRecord> revised = trades(harness.drain(task));
    stubMonth("2025-04", 200, APRIL_2025.replace("1000000000", "998000000"));
    clock.advance(Duration.ofMinutes(2));
    List<SourceRecord> revisedAgain = trades(harness.drain(task));
    task.stop();
    CensusSourceTask restarted = start(props);
    clock.advance(Duration.ofMinutes(2));
    assertThat(harness.drain(restarted)).as("no duplicates after a restart").isEmpty();
    restarted.stop();

    assertThat(outranks(china(revised, 5), china(first, 5))).as("the newest month revised").isTrue();
    assertThat(outranks(china(revised, 4), china(first, 4))).isTrue();
    assertThat(china(revisedAgain, 4).getInt64("value")).isEqualTo(998_000_000L);
    assertThat(outranks(china(revisedAgain, 4), china(revised, 4))).as("a second revision, same release").isTrue();
  }

  static Struct china(List<SourceRecord> rs, int month) {
    return rs.stream().map(r -> (Struct) r.value())
        .filter(s -> s.getString("partner").equals("CHN") && s.getInt32("month") == month).findFirst().orElseThrow();
  }

  /** Whether {@code a} wins over {@code b} downstream on publication time and revision alone (not on its value). */
  static boolean outranks(Struct a, Struct b) {
    int byTime = ((java.util.Date) a.get("publishedAt")).compareTo((java.util.Date) b.get("publishedAt"));
    return byTime > 0 || byTime == 0 && a.getInt32("revision") > b.getInt32("revision");
  }

  /** A month of the partition EXPORT|HS2|* with China only. */
  static String chinaOnly(String month, String value) {
    return "[[\"CTY_CODE\",\"CTY_NAME\",\"E_COMMODITY\",\"ALL_VAL_MO\",\"SUMMARY_LVL\",\"time\",\"COMM_LVL\"],"
        + "[\"5700\",\"CHINA\",\"85\",\"" + value + "\",\"DET\",\"" + month + "\",\"HS2\"]]";
  }

  static int month(SourceRecord r) {
    return ((Struct) r.value()).getInt32("month");
  }

  @Test
  void shouldStepOverAMonthWithoutTradeOnceTheNextReleaseIsDueInsteadOfStallingThePartition() throws Exception {
    // 204 is also the answer for a combination without trade that month: 2024-02 never has data.
    wm.stubFor(get(urlPathEqualTo("/data/timeseries/intltrade/exports/hs")).atPriority(10)
        .willReturn(aResponse().withStatus(204)));
    for (String m : List.of("2024-01", "2024-03", "2024-04")) {
      stubMonth(m, 200, chinaOnly(m, "1000"));
    }
    Map<String, String> props = props();
    props.put(CensusConfig.START_MONTH_CONFIG, "2024-01");
    CensusSourceTask task = start(props);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(trades(rs)).extracting(CensusSourceTaskTest::month).containsExactly(1, 3, 4);
    // Today is 2025-06-20: the FT-900 of 2025-04 came out on 2025-06-04, that of 2025-05 is not due before 2025-07-05.
    // Every month up to 2025-03 is taken as without trade; 2025-04 may still come and is asked again later.
    assertThat(task.offsetOf(CensusPartition.decode("EXPORT|HS2|*")).latest()).isEqualTo(java.time.YearMonth.of(2025, 3));
    wm.verify(1, getRequestedFor(urlPathEqualTo("/data/timeseries/intltrade/exports/hs"))
        .withQueryParam("time", equalTo("2024-02")));
  }

  @Test
  void shouldKeepAskingForAMonthWithoutDataWhileTheNextReleaseIsNotDueAndPickUpLateFiguresOfASteppedOverMonth()
      throws Exception {
    wm.stubFor(get(urlPathEqualTo("/data/timeseries/intltrade/exports/hs")).atPriority(10)
        .willReturn(aResponse().withStatus(204)));
    stubMonth("2025-01", 200, chinaOnly("2025-01", "1000"));
    stubMonth("2025-03", 200, chinaOnly("2025-03", "3000"));
    Map<String, String> props = props();
    props.put(CensusConfig.START_MONTH_CONFIG, "2025-01");
    props.put(CensusConfig.LOOKBACK_CONFIG, "3");
    props.put(CensusConfig.REVISION_INTERVAL_CONFIG, "60000");
    props.put("poll.interval.ms", "1000");
    CensusSourceTask task = start(props);
    assertThat(trades(harness.drain(task))).extracting(CensusSourceTaskTest::month).containsExactly(1, 3);
    clock.advance(Duration.ofSeconds(2));
    assertThat(harness.drain(task)).isEmpty();
    // 2025-04's FT-900 is out (2025-06-04) but not 2025-05's: 2025-04 stays the month asked for.
    wm.verify(2, getRequestedFor(urlPathEqualTo("/data/timeseries/intltrade/exports/hs"))
        .withQueryParam("time", equalTo("2025-04")));

    stubMonth("2025-02", 200, chinaOnly("2025-02", "2000")); // published late after all
    clock.advance(Duration.ofMinutes(2));
    List<SourceRecord> late = trades(harness.drain(task));
    task.stop();
    assertThat(late).extracting(CensusSourceTaskTest::month).containsExactly(2);
    assertThat(((Struct) late.get(0).value()).getInt64("value")).isEqualTo(2000L);
  }

  @Test
  void shouldFailOnTheHtmlPageThatAnInvalidKeyGetsInsteadOfDeadLetteringEveryMonthAndMovingOn() throws Exception {
    // An invalid or not yet activated key is answered 200 with an HTML page, not an error status. Taken as a
    // malformed payload, each month became one dead letter and was completed: the cursor ran to the present, and
    // once the key was fixed the months (their digest recorded) were never read, but for the look-back window.
    stubMonth("2025-04", 200, "<html><head><title>Invalid Key</title></head><body>A valid <em>key</em> must be "
        + "included with each data API request. You included a key with this request, however, it is not valid."
        + "</body></html>");
    CensusSourceTask task = start(props());
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(ConnectException.class).hasMessageContaining("census.api.key")
        .hasMessageContaining("Invalid Key");
    assertThat(task.offsetOf(new CensusPartition("EXPORT", "HS2", "*")).latest()).isNull();

    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 204, null);
    assertThat(trades(harness.drain(task))).extracting(CensusSourceTaskTest::partner).containsExactly("CHN", "GBR");
    task.stop();
  }

  @Test
  void shouldFailAtStartNamingTheKeyAndAllowedValues() {
    Map<String, String> props = props();
    props.put(CensusConfig.COMM_LVL_CONFIG, "HS3");
    assertThatThrownBy(() -> new CensusSourceConnector().start(props))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("census.comm.lvl").hasMessageContaining("HS2");
    props.put(CensusConfig.COMM_LVL_CONFIG, "HS2");
    props.put(CensusConfig.COMMODITIES_CONFIG, "72*,87.03");
    assertThatThrownBy(() -> new CensusSourceConnector().start(props))
        .isInstanceOf(ConfigException.class).hasMessageContaining("census.commodities");
  }

  @Test
  void shouldRefuseAtStartACommodityFilterThatCannotMatchACodeOfTheLevelInsteadOfReadingNothing() {
    // The API matches a code without * exactly: 8703 at HS2 (or HS6) is answered 204 for every month, as a month
    // without trade, so the partition stepped over month after month and emitted nothing, without an error.
    Map<String, String> props = props();
    props.put(CensusConfig.COMMODITIES_CONFIG, "72*,8703");
    assertThatThrownBy(() -> new CensusSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("census.commodities").hasMessageContaining("'8703' matches no HS2 code")
        .hasMessageContaining("'8703*'");
    props.put(CensusConfig.COMM_LVL_CONFIG, "HS6");
    assertThatThrownBy(() -> new CensusSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'8703' matches no HS6 code");
    props.put(CensusConfig.COMMODITIES_CONFIG, "870323*");
    props.put(CensusConfig.COMM_LVL_CONFIG, "HS4");
    assertThatThrownBy(() -> new CensusSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'870323*' matches no HS4 code");

    props.put(CensusConfig.COMMODITIES_CONFIG, "72*,8703");
    new CensusSourceConnector().start(props);
    props.put(CensusConfig.COMM_LVL_CONFIG, "HS6");
    props.put(CensusConfig.COMMODITIES_CONFIG, "72*,8703*,870323");
    new CensusSourceConnector().start(props);
  }

  @Test
  void shouldSplitPartitionsPerFlowAndCommodityFilterOverTasks() {
    Map<String, String> props = props();
    props.put(CensusConfig.COMM_LVL_CONFIG, "HS4");
    props.put(CensusConfig.FLOWS_CONFIG, "EXPORT,IMPORT");
    props.put(CensusConfig.COMMODITIES_CONFIG, "72*,8703");
    CensusSourceConnector c = new CensusSourceConnector();
    c.start(props);
    List<Map<String, String>> tasks = c.taskConfigs(3);
    assertThat(tasks).hasSize(3);
    assertThat(tasks).extracting(t -> t.get(CensusSourceTask.PARTITIONS_CONFIG))
        .containsExactly("EXPORT|HS4|72*,IMPORT|HS4|8703", "EXPORT|HS4|8703", "IMPORT|HS4|72*");
  }
}
