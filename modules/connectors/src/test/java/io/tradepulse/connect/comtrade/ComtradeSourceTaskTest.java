package io.tradepulse.connect.comtrade;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.MutableClock;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.tradepulse.connect.LogCapture;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.HttpPage;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.connect.common.LongRetryAfterException;
import io.tradepulse.connect.common.OutOfQuotaException;
import io.tradepulse.connect.common.PageFetcher;
import io.tradepulse.connect.common.Sleeper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ComtradeSourceTaskTest {
  WireMockServer wm;
  final TaskHarness harness = new TaskHarness();

  static String rec(String period, String reporter, String partner, String flow, String cmd, String value) {
    // The value as fobvalue whatever the flow (so imports, too, are valued FOB: see the valuation test): these bytes
    // are those of the recorded renderings (ComtradeStreamingTest), whose digests and dead letters hold them.
    return rec(period, reporter, partner, flow, cmd, value, "null", value);
  }

  /** A record with its own {@code cifvalue} and {@code fobvalue} (JSON literals: a number or null). */
  static String rec(String period, String reporter, String partner, String flow, String cmd, String value, String cif,
      String fob) {
    return """
        {"typeCode":"C","freqCode":"M","refPeriodId":%s01,"refYear":%s,"refMonth":%s,"period":"%s",
        "reporterCode":%s,"reporterISO":"X","reporterDesc":"x","flowCode":"%s","partnerCode":%s,"partnerISO":"Y",
        "partner2Code":0,"classificationCode":"H6","cmdCode":"%s","aggrLevel":0,"isLeaf":false,"customsCode":"C00",
        "mosCode":"0","motCode":0,"qtyUnitCode":-1,"qty":null,"altQty":null,"netWgt":null,"grossWgt":null,
        "isQtyEstimated":false,"cifvalue":%s,"fobvalue":%s,"primaryValue":%s,"isReported":true,"isAggregate":true}"""
        .formatted(period, period.substring(0, 4), Integer.parseInt(period.substring(4)), period, reporter, flow, partner,
            cmd, cif, fob, value);
  }

  @BeforeEach
  void start() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  final MutableClock clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));

  ComtradeSourceTask task() {
    return task(Map.of());
  }

  /** The waits of the task's units of work (backoff, quota), which advance the clock instead of taking time. */
  final List<Duration> waits = new CopyOnWriteArrayList<>();
  final Sleeper fakeWaits = d -> {
    waits.add(d);
    clock.advance(d);
  };

  ComtradeSourceTask task(Map<String, String> overrides) {
    return task(overrides, null);
  }

  /** @param sleeper the waits of the task's units of work; null: the task's own (stop-aware, real) */
  ComtradeSourceTask task(Map<String, String> overrides, Sleeper sleeper) {
    return task(overrides, sleeper, new JdkPageFetcher(Duration.ofSeconds(5)));
  }

  ComtradeSourceTask task(Map<String, String> overrides, Sleeper sleeper, PageFetcher fetcher) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comtrade-test");
    p.put(ComtradeConfig.BASE_URL_CONFIG, wm.baseUrl() + "/data/v1/get");
    p.put(ComtradeConfig.KEY_CONFIG, "k3y");
    p.put(ComtradeConfig.REPORTERS_CONFIG, "156");
    p.put(ComtradeConfig.PARTNERS_CONFIG, "842");
    p.put(ComtradeConfig.FLOWS_CONFIG, "X,M,RX");
    p.put(ComtradeConfig.START_CONFIG, "202401");
    p.put("poll.interval.ms", "10");
    p.put("http.backoff.initial.ms", "1");
    p.putAll(overrides);
    ComtradeSourceTask t = new ComtradeSourceTask();
    if (sleeper == null) {
      t.useForTesting(clock, fetcher);
    } else {
      t.useForTesting(clock, fetcher, sleeper);
    }
    t.initialize(harness.context(p));
    t.start(p);
    return t;
  }

  /**
   * The newest period of a page's figures moves the cursor: one record of a period the call did not ask (202503 in the
   * answer for 2024) moved it past 2025-01..2025-03, which were never asked, and went out as a figure. It is a dead
   * letter naming the periods asked, and the next call asks from the month after the newest figure asked for.
   */
  @Test
  void shouldDeadLetterARecordOfAPeriodNotAskedAndNotMoveTheCursorPastIt() throws Exception {
    String path = "/data/v1/get/C/M/HS";
    wm.stubFor(get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)
        .withBody("{\"elapsedTime\":\"0.2 secs\",\"count\":0,\"data\":[],\"error\":\"\"}")));
    String stray = rec("202503", "156", "842", "X", "TOTAL", "20");
    wm.stubFor(get(urlPathEqualTo(path))
        .withQueryParam("period", equalTo("202401,202402,202403,202404,202405,202406,202407,202408,202409,202410,"
            + "202411,202412"))
        .willReturn(aResponse().withStatus(200).withBody("{\"elapsedTime\":\"0.2 secs\",\"count\":2,\"data\":["
            + rec("202403", "156", "842", "X", "TOTAL", "10") + "," + stray + "],\"error\":\"\"}")));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.FLOWS_CONFIG, "X"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).filteredOn(r -> r.topic().equals("trade.records")).singleElement()
        .satisfies(r -> assertThat(((Struct) r.value()).getInt32("year")).isEqualTo(2024));
    assertThat(rs).filteredOn(r -> r.topic().equals("trade.dlq")).singleElement().satisfies(r -> {
      Struct dl = (Struct) r.value();
      assertThat(dl.getString("reason"))
          .isEqualTo("period '202503' is not one of the periods asked (202401..202412)");
      assertThat(dl.getString("position")).isEqualTo("data[1]");
      assertThat(new String(dl.getBytes("rawValue"), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(stray);
    });
    assertThat(wm.getAllServeEvents()).extracting(e -> e.getRequest().queryParameter("period").firstValue())
        .as("after 2024-03, the next call asks from 2024-04 on, 2025-01..2025-03 included")
        .contains("202404,202405,202406,202407,202408,202409,202410,202411,202412,202501,202502,202503");
  }

  @Test
  void shouldMapM49FlowsAndRoundHalfEvenAskingAtMostTwelvePeriods() throws Exception {
    String body = "{\"elapsedTime\":\"0.2 secs\",\"count\":5,\"data\":["
        + rec("202405", "156", "842", "X", "TOTAL", "43678000000.5") + ","
        + rec("202405", "156", "842", "M", "TOTAL", "1.5") + ","
        + rec("202405", "156", "842", "RX", "85", "10") + ","
        + rec("202405", "156", "999", "X", "TOTAL", "10") + ","
        + rec("202405", "156", "842", "DX", "TOTAL", "10") + "],\"error\":\"\"}";
    String path = "/data/v1/get/C/M/HS";
    wm.stubFor(get(urlPathEqualTo(path)).inScenario("rl").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0")).willSetStateTo("ok"));
    wm.stubFor(get(urlPathEqualTo(path)).inScenario("rl").whenScenarioStateIs("ok")
        .withQueryParam("period", equalTo("202401,202402,202403,202404,202405,202406,202407,202408,202409,202410,202411,202412"))
        .willReturn(aResponse().withStatus(200).withBody(body)));
    ComtradeSourceTask task = task();
    List<SourceRecord> rs = TaskHarness.poll(task);
    task.stop();

    wm.verify(getRequestedFor(urlPathEqualTo(path)).withHeader("Ocp-Apim-Subscription-Key", equalTo("k3y")));
    List<Struct> trades = rs.stream().filter(r -> r.topic().equals("trade.records")).map(r -> (Struct) r.value()).toList();
    assertThat(trades).extracting(s -> s.getString("flow")).containsExactly("EXPORT", "IMPORT", "RE_EXPORT");
    assertThat(trades.get(0).getInt64("value")).isEqualTo(43_678_000_000L);
    assertThat(trades.get(1).getInt64("value")).isEqualTo(2L);
    assertThat(trades.get(0).getString("reporter")).isEqualTo("CHN");
    assertThat(trades.get(0).getString("partner")).isEqualTo("USA");
    assertThat(trades.get(0).getString("note")).isEqualTo("isAggregate=true;isLeaf=false;aggrLevel=0");
    assertThat(trades.get(2).getString("commodityLevel")).isEqualTo("HS2");
    List<Struct> dlq = rs.stream().filter(r -> r.topic().equals("trade.dlq")).map(r -> (Struct) r.value()).toList();
    assertThat(dlq).extracting(s -> s.getString("reason"))
        .containsExactly("Unknown M49 partnerCode '999'", "Unsupported flowCode 'DX'");
    assertThat(task.metrics().retries()).isEqualTo(1);
    // The cursor moved past the newest period with data, not past the whole chunk.
    assertThat(rs.get(rs.size() - 1).sourceOffset().get("next")).isEqualTo("202406");
  }

  @Test
  void shouldLabelTheValuationByTheValuePrimaryValueTakesWhenAReporterCompilesImportsFob() throws Exception {
    // UN Comtrade, "Trade valuation": primaryValue takes the CIF-type value when there is one, else the FOB-type one;
    // Mexico and Canada compile imports FOB. 484 = Mexico.
    assertThat(mexicanValuations(rec("202405", "484", "156", "M", "TOTAL", "100", "null", "100"),
        rec("202405", "484", "842", "M", "TOTAL", "110", "110", "104"),
        rec("202405", "484", "124", "X", "TOTAL", "90", "null", "90"),
        rec("202405", "484", "276", "M", "TOTAL", "80.5", "null", "null")))
        .containsExactly("CHN IMPORT FOB", "USA IMPORT CIF", "CAN EXPORT FOB",
            "DEU IMPORT CIF"); // neither value given: the flow's recommended basis, as before
  }

  /*
   * The quality of Comtrade figures as the v1 data API flags them. In a live answer (comtradeapi.un.org, /C/A/HS,
   * reporter 699 India, 2022, cmdCode 010121, imports) the partner rows are {@code "isReported":true,
   * "isAggregate":false} and the World row {@code "isReported":false,"isAggregate":true}, its primaryValue exactly their
   * sum (1861448.346 + 131007.596 = 1992455.942): a row UNSD computes by adding up what the country reported is not
   * "reported" at that level, but it is no estimate either. Totals (partner 0, cmdCode TOTAL, chapters) are such rows, for
   * the USA and China as for India.
   */
  /** A v1 record with the fields and flags of a live answer; {@code reported}/{@code aggregate} are JSON literals. */
  static String liveRec(int partner, String partnerIso, String flow, String value, String reported, String aggregate) {
    return ("{\"typeCode\":\"C\",\"freqCode\":\"M\",\"refPeriodId\":20240501,\"refYear\":2024,\"refMonth\":5,"
        + "\"period\":\"202405\",\"reporterCode\":156,\"reporterISO\":\"CHN\",\"reporterDesc\":\"China\","
        + "\"flowCode\":\"%s\",\"flowDesc\":\"x\",\"partnerCode\":%d,\"partnerISO\":\"%s\",\"partnerDesc\":\"x\","
        + "\"partner2Code\":0,\"partner2ISO\":\"W00\",\"partner2Desc\":\"World\",\"classificationCode\":\"H6\","
        + "\"classificationSearchCode\":\"HS\",\"isOriginalClassification\":true,\"cmdCode\":\"TOTAL\","
        + "\"cmdDesc\":\"All Commodities\",\"aggrLevel\":0,\"isLeaf\":false,\"customsCode\":\"C00\","
        + "\"customsDesc\":\"TOTAL CPC\",\"mosCode\":\"0\",\"motCode\":0,\"motDesc\":\"TOTAL MOT\",\"qtyUnitCode\":-1,"
        + "\"qtyUnitAbbr\":\"N/A\",\"qty\":0,\"isQtyEstimated\":false,\"altQtyUnitCode\":-1,\"altQtyUnitAbbr\":\"N/A\","
        + "\"altQty\":0,\"isAltQtyEstimated\":false,\"netWgt\":0,\"isNetWgtEstimated\":false,\"grossWgt\":0,"
        + "\"isGrossWgtEstimated\":false,\"cifvalue\":null,\"fobvalue\":%s,\"primaryValue\":%s,"
        + "\"isReported\":%s,\"legacyEstimationFlag\":0,\"isAggregate\":%s}")
        .formatted(flow, partner, partnerIso, value, value, reported, aggregate);
  }

  /** What the task sends for one v1 page holding {@code records}, asking partners 842 and 0 (World), exports. */
  List<SourceRecord> readLive(String... records) throws InterruptedException {
    String body = "{\"elapsedTime\":\"0.3 secs\",\"count\":" + records.length + ",\"data\":["
        + String.join(",", records) + "],\"error\":\"\"}";
    wm.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withBody(body)));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.PARTNERS_CONFIG, "842,0", ComtradeConfig.FLOWS_CONFIG, "X"));
    try {
      return TaskHarness.poll(task);
    } finally {
      task.stop();
    }
  }

  static List<String> liveQualities(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.records")).map(r -> (Struct) r.value())
        .map(s -> s.getString("partner") + " " + s.getInt64("value") + " " + s.getString("quality")).toList();
  }

  @Test
  void shouldKeepTheWorldTotalUnsdAddsUpFromTheReportedPartnerFiguresPublished() throws Exception {
    List<SourceRecord> rs = readLive(liveRec(842, "USA", "X", "43678000000", "true", "false"),
        liveRec(0, "W00", "X", "301300000000", "false", "true"));

    assertThat(liveQualities(rs)).containsExactly("USA 43678000000 PUBLISHED", "WLD 301300000000 PUBLISHED");
  }

  @Test
  void shouldStillMarkAFigureNeitherReportedNorAddedUpFromReportedOnesEstimated() throws Exception {
    List<SourceRecord> rs = readLive(liveRec(842, "USA", "X", "43678000000", "false", "false"),
        liveRec(0, "W00", "X", "301300000000", "false", "null"));

    assertThat(liveQualities(rs)).containsExactly("USA 43678000000 ESTIMATED", "WLD 301300000000 ESTIMATED");
  }

  /** A zero export carries cifvalue 0 as well as fobvalue 0: equal values say nothing of the basis, the flow does. */
  @Test
  void shouldLabelByTheFlowWhenTheCifAndFobValuesAreTheSame() throws Exception {
    assertThat(mexicanValuations(rec("202405", "484", "124", "X", "TOTAL", "0", "0", "0"),
        rec("202405", "484", "156", "M", "TOTAL", "75", "75", "75")))
        .containsExactly("CAN EXPORT FOB", "CHN IMPORT CIF");
  }

  /** "partner flow valuation" of each figure a task for reporter 484 (Mexico) sends for one page of {@code records}. */
  List<String> mexicanValuations(String... records) throws Exception {
    String body = "{\"elapsedTime\":\"0.2 secs\",\"count\":" + records.length + ",\"data\":["
        + String.join(",", records) + "],\"error\":\"\"}";
    wm.stubFor(get(urlPathEqualTo("/data/v1/get/C/M/HS")).willReturn(aResponse().withStatus(200).withBody(body)));
    ComtradeSourceTask task = task(Map.of("comtrade.reporters", "484"));
    List<SourceRecord> rs = TaskHarness.poll(task);
    task.stop();
    return rs.stream().filter(r -> r.topic().equals("trade.records")).map(r -> (Struct) r.value())
        .map(s -> s.getString("partner") + " " + s.getString("flow") + " " + s.getString("valuation")).toList();
  }

  /** A record as {@link #rec} makes it, but for {@code isReported}: a JSON literal, or null to leave the field out. */
  static String recReported(String period, String flow, String value, String isReported) {
    String r = rec(period, "156", "842", flow, "TOTAL", value);
    return r.replace(",\"isReported\":true", isReported == null ? "" : ",\"isReported\":" + isReported);
  }

  /**
   * v1's isReported is false for a figure UNSD estimated because the country did not report it. It went out like a
   * reported one; only a look at the raw record told them apart. True, null and absent (older and preview answers) are
   * the country's figure. An estimate is no sum of the country's rows: isAggregate false (a row UNSD adds up from the
   * reported ones, isAggregate true, is not reported either, and is the country's figure: ComtradeFigureQualityTest).
   */
  @Test
  void shouldMarkAComtradeFigureEstimatedWhenNotReported() throws Exception {
    String body = page(4, recReported("202405", "X", "100", "true"),
        recReported("202405", "M", "200", "false").replace("\"isAggregate\":true", "\"isAggregate\":false"),
        recReported("202405", "RX", "300", null), recReported("202405", "RM", "400", "null"));
    wm.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withBody(body)));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.FLOWS_CONFIG, "X,M,RX,RM"));
    List<SourceRecord> rs = TaskHarness.poll(task);
    task.stop();

    List<Struct> trades = rs.stream().map(r -> (Struct) r.value()).toList();
    assertThat(trades).extracting(s -> s.getString("flow") + " " + s.getInt64("value") + " " + s.getString("quality"))
        .containsExactly("EXPORT 100 PUBLISHED", "IMPORT 200 ESTIMATED", "RE_EXPORT 300 PUBLISHED",
            "RE_IMPORT 400 PUBLISHED");
    assertThat(trades.get(1).getString("note")).as("the note stays as it was")
        .isEqualTo("isAggregate=false;isLeaf=false;aggrLevel=0");
  }

  @Test
  void shouldStepOverPeriodsAReporterNeverPublishedInsteadOfStallingItsCursor() throws Exception {
    // 2023 was never published by this reporter; 2024-02 was. Today is 2025-06, so 2023-01..2023-11 are
    // older than the 18-month publication lag and will not come any more.
    String path = "/data/v1/get/C/M/HS";
    wm.stubFor(get(urlPathEqualTo(path)).atPriority(10).willReturn(aResponse().withStatus(204))); // nothing newer
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("period", equalTo(
        "202301,202302,202303,202304,202305,202306,202307,202308,202309,202310,202311,202312"))
        .willReturn(aResponse().withStatus(204)));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("period", equalTo(
        "202312,202401,202402,202403,202404,202405,202406,202407,202408,202409,202410,202411"))
        .willReturn(aResponse().withStatus(200).withBody("{\"count\":1,\"data\":["
            + rec("202402", "156", "842", "X", "TOTAL", "100") + "]}")));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.START_CONFIG, "202301"));
    List<SourceRecord> rs = harness.drain(task); // the empty 2023 window: the cursor steps over it
    rs.addAll(harness.drain(task));
    task.stop();

    assertThat(rs).singleElement().satisfies(r -> {
      assertThat(((Struct) r.value()).getInt32("month")).isEqualTo(2);
      assertThat(r.sourceOffset().get("next")).isEqualTo("202403");
    });
  }

  static final String PATH = "/data/v1/get/C/M/HS";

  /** A page of {@code records}, reporting {@code count} (equal to maxRecords: the page was cut). */
  static String page(int count, String... records) {
    return "{\"elapsedTime\":\"0.1 secs\",\"count\":" + count + ",\"data\":[" + String.join(",", records)
        + "],\"error\":\"\"}";
  }

  void stubPeriods(String periods, String body) {
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(periods))
        .willReturn(aResponse().withStatus(200).withBody(body)));
  }

  /** The periods asked, in order. */
  List<String> asked() {
    List<String> out = new java.util.ArrayList<>(wm.getAllServeEvents().stream()
        .map(e -> e.getRequest().queryParameter("period").firstValue()).toList());
    java.util.Collections.reverse(out);
    return out;
  }

  static final String YEAR_2024 = "202401,202402,202403,202404,202405,202406,202407,202408,202409,202410,202411,202412";

  @Test
  void shouldAskForTotalsOnlyAndSkipBreakdownRecordsSharingTheTotalsSeriesKey() throws Exception {
    // Real v1 records carry partner2Code, customsCode and motCode; without filters the API adds every breakdown.
    String total = rec("202401", "156", "842", "X", "TOTAL", "1000");
    String byAir = total.replace("\"motCode\":0", "\"motCode\":1000").replace("1000,\"primaryValue\":1000",
        "400,\"primaryValue\":400");
    String inwardProcessing = total.replace("\"customsCode\":\"C00\"", "\"customsCode\":\"C01\"");
    String viaMexico = total.replace("\"partner2Code\":0", "\"partner2Code\":484");
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(204)));
    stubPeriods(YEAR_2024, page(4, byAir, total, inwardProcessing, viaMexico));
    ComtradeSourceTask task = task();
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    wm.verify(getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("partner2Code", equalTo("0"))
        .withQueryParam("customsCode", equalTo("C00")).withQueryParam("motCode", equalTo("0")));
    assertThat(rs).singleElement().satisfies(r -> {
      assertThat(r.topic()).isEqualTo("trade.records");
      assertThat(((Struct) r.value()).getInt64("value")).isEqualTo(1000L);
      assertThat(r.sourceOffset().get("next")).isEqualTo("202402");
    });
    assertThat(task.metrics().skipped()).isEqualTo(3);
  }

  @Test
  void shouldFailWithoutAdvancingWhenASinglePeriodStillHitsMaxRecords() throws Exception {
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(204)));
    String three = page(3, rec("202401", "156", "842", "X", "TOTAL", "1"), rec("202401", "156", "842", "M", "TOTAL", "2"),
        rec("202401", "156", "842", "RX", "TOTAL", "3"));
    stubPeriods(YEAR_2024, three);
    stubPeriods("202401", three);
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.MAX_RECORDS_CONFIG, "3"));
    assertThat(harness.drain(task)).as("the 12-period page is cut: its periods are asked one by one").isEmpty();
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(ConnectException.class).isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("period 202401").hasMessageContaining("comtrade.max.records=3")
        .hasMessageContaining("comtrade.partners=842").hasMessageContaining("comtrade.cmd.codes=TOTAL");
    task.stop();

    assertThat(harness.offsets).as("nothing of the cut period emitted, the cursor where it was").isEmpty();
    assertThat(asked()).containsExactly(YEAR_2024, "202401");
  }

  @Test
  void shouldFailOnACutPageWhenEveryCallAsksOnePeriod() throws Exception {
    stubPeriods("202401", page(2, rec("202401", "156", "842", "X", "TOTAL", "1"),
        rec("202401", "156", "842", "M", "TOTAL", "2")));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.MAX_RECORDS_CONFIG, "2", ComtradeConfig.PERIODS_CONFIG, "1"));
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(ConnectException.class).hasMessageContaining("comtrade.max.records");
    task.stop();
    assertThat(harness.offsets).isEmpty();
  }

  @Test
  void shouldKeepAskingOnePeriodPerCallForTheRestOfTheWindowThatHitMaxRecords() throws Exception {
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(204)));
    // Each window of several periods is cut (as the real one would be again and again).
    String cut = page(2, rec("202401", "156", "842", "X", "TOTAL", "1"), rec("202403", "156", "842", "X", "TOTAL", "3"));
    stubPeriods(YEAR_2024, cut);
    stubPeriods("202402,202403,202404,202405,202406,202407,202408,202409,202410,202411,202412,202501", cut);
    stubPeriods("202401", page(1, rec("202401", "156", "842", "X", "TOTAL", "1")));
    stubPeriods("202403", page(1, rec("202403", "156", "842", "X", "TOTAL", "3")));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.MAX_RECORDS_CONFIG, "2"));
    java.util.List<SourceRecord> rs = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rs.addAll(harness.drain(task));
      clock.advance(Duration.ofSeconds(1));
    }
    task.stop();

    assertThat(rs).extracting(r -> ((Struct) r.value()).getInt32("month")).containsExactly(1, 3);
    // 202402 has nothing but 202403 has (the cut page said so): stepped over. 202404 has nothing and nothing later is
    // known: back to twelve periods per call, once poll.interval.ms has passed.
    assertThat(asked().subList(0, 6)).containsExactly(YEAR_2024, "202401", "202402", "202403", "202404",
        "202404,202405,202406,202407,202408,202409,202410,202411,202412,202501,202502,202503");
  }

  /**
   * A window cut at maxRecords switches the reporter to one period per call, a unit of work that emits nothing and
   * leaves the cursor where it was. The task reported itself caught up there, so a one-shot ingest (which stops once
   * caught up) ended before the single-period calls, without the window's records.
   */
  @Test
  void shouldNotReportCaughtUpWhenAWindowHitMaxRecordsBeforeItsPeriodsWereAskedOneByOne() throws Exception {
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(204)));
    String cut = page(2, rec("202401", "156", "842", "X", "TOTAL", "1"), rec("202403", "156", "842", "X", "TOTAL", "3"));
    stubPeriods(YEAR_2024, cut);
    stubPeriods("202401", page(1, rec("202401", "156", "842", "X", "TOTAL", "1")));
    stubPeriods("202403", page(1, rec("202403", "156", "842", "X", "TOTAL", "3")));
    // No look-back: a pending revision check would keep the task busy and hide the early "caught up".
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.MAX_RECORDS_CONFIG, "2", ComtradeConfig.LOOKBACK_CONFIG, "0"));

    List<SourceRecord> rs = TaskHarness.pollUntilCaughtUp(task, "comtrade-test");
    task.stop();

    assertThat(rs).extracting(r -> ((Struct) r.value()).getInt32("month")).containsExactly(1, 3);
  }

  /**
   * 2025-05 has no figure yet, only a record of a partner code M49 does not have: the cursor stays there, so every
   * later call (each poll.interval.ms) answers that record again. It is one dead letter, not one per call; a changed one
   * goes out again.
   */
  @Test
  void shouldNotDeadLetterTheSameRecordAgainWhenANewPeriodCallAnswersAPeriodWithoutFiguresAgain() throws Exception {
    String bad = rec("202505", "156", "999999", "X", "TOTAL", "7");
    stubPeriods("202504,202505", page(2, rec("202504", "156", "842", "X", "TOTAL", "1000"), bad));
    stubPeriods("202505", page(1, bad));
    Map<String, String> props = Map.of(ComtradeConfig.START_CONFIG, "202504", ComtradeConfig.LOOKBACK_CONFIG, "0");
    ComtradeSourceTask task = task(props);
    List<SourceRecord> rs = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rs.addAll(harness.drain(task));
      clock.advance(Duration.ofMinutes(10));
    }
    task.stop();
    ComtradeSourceTask restarted = task(props);
    List<SourceRecord> afterRestart = harness.drain(restarted);
    stubPeriods("202505", page(2, bad, rec("202505", "156", "999998", "X", "TOTAL", "8")));
    clock.advance(Duration.ofMinutes(10));
    List<SourceRecord> changed = harness.drain(restarted);
    restarted.stop();

    assertThat(rs).extracting(SourceRecord::topic).as("the figure, and the bad record once")
        .containsExactly("trade.records", "trade.dlq");
    assertThat(afterRestart).as("nor after a restart").isEmpty();
    assertThat(changed).extracting(r -> ((Struct) r.value()).getString("reason"))
        .as("the period's dead letters changed: all of them go out")
        .containsExactly("Unknown M49 partnerCode '999999'", "Unknown M49 partnerCode '999998'");
    wm.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(4),
        getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("period", equalTo("202505")));
  }

  /**
   * 2025-05 has a bad record only, then its figures come out beside it. The release before the dead letters of a period
   * without figures were left out (dead-letter fingerprints already kept) counted the bad record among the items done
   * of that page; a task of that release stopped after it and the first figure, and restarted on this one, left it out
   * and skipped two items without it: both figures, the second never sent.
   */
  @Test
  @Timeout(30) // take() waits for a record: a call that gave none must fail, not hang
  void shouldSendEveryFigureWhenResumingANewPeriodPageFromAnOffsetThatCountedItsSentDeadLetters() throws Exception {
    String bad = rec("202505", "156", "999999", "X", "TOTAL", "7");
    Map<String, String> props = Map.of(ComtradeConfig.START_CONFIG, "202504", ComtradeConfig.LOOKBACK_CONFIG, "0",
        "batch.max.records", "1");
    readMayWithItsBadRecordOnly(props, bad);
    Map<String, Object> partition = harness.offsets.keySet().iterator().next();
    Map<String, Object> withoutFigures = harness.offsets.get(partition);
    assertThat(withoutFigures).containsEntry("next", "202505").containsKey("dead_letter_digests");

    // The figures come out. Read without the period's dead-letter fingerprint, the bad record is counted as the earlier
    // release counted it: the stored offset after two items is the one that release wrote, but for that fingerprint.
    stubPeriods("202505", page(3, bad, rec("202505", "156", "842", "X", "TOTAL", "1100"),
        rec("202505", "156", "842", "M", "TOTAL", "1200")));
    Map<String, Object> counted = new HashMap<>(withoutFigures);
    counted.remove("dead_letter_digests");
    harness.offsets.put(partition, counted);
    ComtradeSourceTask earlier = task(props);
    List<SourceRecord> got = new java.util.ArrayList<>(harness.take(earlier, 2));
    earlier.stop();
    Map<String, Object> stopped = new HashMap<>(harness.offsets.get(partition));
    assertThat(stopped).containsEntry("rows_done", 2L);
    stopped.put("dead_letter_digests", withoutFigures.get("dead_letter_digests"));
    harness.offsets.put(partition, stopped);
    ComtradeSourceTask upgraded = task(props);
    got.addAll(harness.drain(upgraded));
    upgraded.stop();

    assertThat(got).filteredOn(r -> r.topic().equals("trade.records"))
        .extracting(r -> ((Struct) r.value()).getInt64("value")).containsExactly(1100L, 1200L);
  }

  /**
   * Reads 2025-04 and 2025-05, May answered with {@code bad} alone (its dead letter, no figure): the cursor waits at
   * May.
   */
  private void readMayWithItsBadRecordOnly(Map<String, String> props, String bad) throws Exception {
    stubPeriods("202504,202505", page(2, rec("202504", "156", "842", "X", "TOTAL", "1000"), bad));
    stubPeriods("202505", page(1, bad));
    ComtradeSourceTask first = task(props);
    harness.drain(first);
    first.stop();
  }

  /** The same stop on this release: its offset says the record was left out, so the restart leaves it out too. */
  @Test
  @Timeout(30) // take() waits for a record: a call that gave none must fail, not hang
  void shouldResumeANewPeriodPageThatLeavesOutSentDeadLettersAfterItsLastDeliveredRecord() throws Exception {
    String bad = rec("202505", "156", "999999", "X", "TOTAL", "7");
    Map<String, String> props = Map.of(ComtradeConfig.START_CONFIG, "202504", ComtradeConfig.LOOKBACK_CONFIG, "0",
        "batch.max.records", "1");
    readMayWithItsBadRecordOnly(props, bad);
    stubPeriods("202505", page(3, rec("202505", "156", "842", "X", "TOTAL", "1100"), bad,
        rec("202505", "156", "842", "M", "TOTAL", "1200")));
    ComtradeSourceTask second = task(props);
    List<SourceRecord> got = new java.util.ArrayList<>(harness.take(second, 1));
    second.stop();
    ComtradeSourceTask third = task(props);
    got.addAll(harness.drain(third));
    third.stop();

    assertThat(got).extracting(r -> r.topic().equals("trade.records") ? "trade.records " + ((Struct) r.value())
        .getInt64("value") : r.topic()).as("the bad record was sent while its period had no figure")
        .containsExactly("trade.records 1100", "trade.records 1200");
  }

  /**
   * 2025-05 is answered with an "error" (the whole page one dead letter) and no figure: the cursor stays there, so every
   * later call answered it again and sent the same dead letter with every call. The API's own elapsedTime differs from
   * call to call: the same error is one dead letter; another error goes out.
   */
  @Test
  void shouldNotDeadLetterTheSameErrorPageAgainWhenANewPeriodCallGetsItAgain() throws Exception {
    stubPeriods("202504,202505", page(1, rec("202504", "156", "842", "X", "TOTAL", "1000")));
    Map<String, String> props = Map.of(ComtradeConfig.START_CONFIG, "202504", ComtradeConfig.LOOKBACK_CONFIG, "0");
    ComtradeSourceTask task = task(props);
    List<SourceRecord> rs = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      stubPeriods("202505", "{\"elapsedTime\":\"0." + (i + 1) + " secs\",\"count\":0,\"data\":[],"
          + "\"error\":\"Internal error: result incomplete\"}");
      rs.addAll(harness.drain(task));
      clock.advance(Duration.ofMinutes(10));
    }
    task.stop();
    ComtradeSourceTask restarted = task(props);
    List<SourceRecord> afterRestart = harness.drain(restarted);
    stubPeriods("202505", "{\"elapsedTime\":\"0.4 secs\",\"count\":0,\"data\":[],\"error\":\"Timeout\"}");
    clock.advance(Duration.ofMinutes(10));
    List<SourceRecord> changed = harness.drain(restarted);
    restarted.stop();

    assertThat(rs).extracting(SourceRecord::topic).as("the figure, and the error once")
        .containsExactly("trade.records", "trade.dlq");
    assertThat(afterRestart).as("nor after a restart").isEmpty();
    assertThat(changed).extracting(r -> ((Struct) r.value()).getString("reason")).as("another error goes out")
        .containsExactly("Comtrade error: Timeout");
    wm.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(4),
        getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("period", equalTo("202505")));
  }

  /**
   * A reporter catching up on periods older than comtrade.publication.lag.months got a page that is one dead letter as
   * a whole (the API's "error", here a query timeout): the cursor stays and the same call is asked again, as for a
   * recent period. It was taken as an answer without data: 2023-01..2023-11 were stepped over as never published, with
   * a WARN saying so, and never asked again.
   */
  @Test
  void shouldKeepTheCursorOfOldPeriodsWhenTheirPageIsAnErrorAndAskThemAgain() throws Exception {
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(204)));
    String year2023 = "202301,202302,202303,202304,202305,202306,202307,202308,202309,202310,202311,202312";
    stubPeriods(year2023, "{\"elapsedTime\":\"30.0 secs\",\"count\":0,\"data\":[],\"error\":\"Timeout\"}");
    Map<String, String> props = Map.of(ComtradeConfig.START_CONFIG, "202301", ComtradeConfig.LOOKBACK_CONFIG, "0");
    ComtradeSourceTask task = task(props);
    List<SourceRecord> first = harness.drain(task);
    stubPeriods(year2023, page(1, rec("202303", "156", "842", "X", "TOTAL", "1000")));
    clock.advance(Duration.ofMinutes(10));
    List<SourceRecord> then = harness.drain(task);
    task.stop();

    assertThat(first).extracting(r -> ((Struct) r.value()).getString("reason"))
        .containsExactly("Comtrade error: Timeout");
    assertThat(then).as("asked again, not stepped over").singleElement().satisfies(r -> {
      assertThat(((Struct) r.value()).getInt32("month")).isEqualTo(3);
      assertThat(r.sourceOffset().get("next")).isEqualTo("202304");
    });
  }

  @Test
  void shouldKeepAskingForARecentPeriodThatIsNotOutYet() throws Exception {
    String path = "/data/v1/get/C/M/HS";
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("period", equalTo("202505"))
        .willReturn(aResponse().withStatus(204)));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.START_CONFIG, "202505", "poll.interval.ms", "60000"));
    assertThat(harness.drain(task)).isEmpty();
    clock.advance(Duration.ofMinutes(2));
    assertThat(harness.drain(task)).isEmpty();
    task.stop();

    wm.verify(2, getRequestedFor(urlPathEqualTo(path)).withQueryParam("period", equalTo("202505")));
    assertThat(harness.offsets).isEmpty();
  }

  /** An answer of Comtrade's gateway (Azure API Management) in its shape: {"statusCode": ..., "message": ...}. */
  static String apim(int status, String message) {
    return "{\"statusCode\": " + status + ", \"message\": \"" + message + "\"}";
  }

  static final String ONE_RECORD = page(1, rec("202401", "156", "842", "X", "TOTAL", "1000"));

  /** The 2024 window is answered {@code status} with {@code body} once, then with a page of one record. */
  void stubRefusedOnce(int status, String body) {
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(204)));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(YEAR_2024)).inScenario("quota")
        .whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body))
        .willSetStateTo("replenished"));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(YEAR_2024)).inScenario("quota")
        .whenScenarioStateIs("replenished").willReturn(aResponse().withStatus(200).withBody(ONE_RECORD)));
  }

  List<String> quotaWarnings(LogCapture log) {
    return log.warnings().stream().filter(w -> w.contains("out of its call quota")).toList();
  }

  /** What a task without look-back delivered until caught up, waiting through {@link #fakeWaits}, and its quota WARNs. */
  record QuotaRun(List<SourceRecord> records, List<String> warned) {}

  QuotaRun drainWithoutLookback() throws Exception {
    try (LogCapture log = new LogCapture()) {
      ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0"), fakeWaits);
      List<SourceRecord> rs = harness.drain(task);
      task.stop();
      return new QuotaRun(rs, quotaWarnings(log));
    }
  }

  @Test
  void shouldWaitUntilTheQuotaIsReplenishedAndAskTheSameCallAgainWhenTheGatewayAnswers403OutOfQuota()
      throws Exception {
    stubRefusedOnce(403, apim(403, "Out of call volume quota. Quota will be replenished in 05:41:10."));
    QuotaRun run = drainWithoutLookback();
    List<SourceRecord> rs = run.records();
    List<String> warned = run.warned();

    assertThat(waits).as("until replenished, and a minute more").containsExactly(
        Duration.ofHours(5).plusMinutes(41).plusSeconds(10).plus(ComtradeSourceTask.QUOTA_MARGIN));
    assertThat(asked().subList(0, 2)).as("the same call again").containsExactly(YEAR_2024, YEAR_2024);
    assertThat(rs).singleElement().satisfies(r -> {
      assertThat(((Struct) r.value()).getInt64("value")).isEqualTo(1000L);
      assertThat(r.sourceOffset().get("next")).isEqualTo("202402");
    });
    assertThat(warned).singleElement().satisfies(w -> assertThat(w).contains("replenished in 05:41:10")
        .contains("period=" + YEAR_2024).contains("2025-06-15T05:42:10Z"));
  }

  @Test
  void shouldWaitAtMost25HoursWhenTheQuotaIsReplenishedDaysLater() throws Exception {
    stubRefusedOnce(403, apim(403, "Out of call volume quota. Quota will be replenished in 5.03:23:11."));
    QuotaRun run = drainWithoutLookback();
    List<SourceRecord> rs = run.records();
    List<String> warned = run.warned();

    assertThat(waits).containsExactly(Duration.ofHours(25));
    assertThat(rs).hasSize(1);
    assertThat(warned).singleElement().satisfies(w -> assertThat(w).contains("5.03:23:11").contains("25 h")
        .contains("2025-06-16T01:00:00Z"));
  }

  /**
   * An operator saw a RUNNING task deliver nothing for hours, one WARN in the log: the wait shows in the task's
   * metrics, when it asks again while it waits, 0 once it asked again.
   */
  @Test
  void shouldShowWhenItAsksAgainInTheMetricsWhileWaitingForTheQuota() throws Exception {
    stubRefusedOnce(403, apim(403, "Out of call volume quota. Quota will be replenished in 05:41:10."));
    AtomicReference<ComtradeSourceTask> running = new AtomicReference<>();
    List<Long> untilWhileWaiting = new CopyOnWriteArrayList<>();
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0"), d -> {
      untilWhileWaiting.add(running.get().metrics().quotaWaitUntil());
      fakeWaits.sleep(d);
    });
    running.set(task);
    assertThat(task.metrics().quotaWaitUntil()).isZero();

    assertThat(harness.drain(task)).hasSize(1);
    task.stop();

    assertThat(untilWhileWaiting).containsExactly(Instant.parse("2025-06-15T05:42:10Z").toEpochMilli());
    assertThat(task.metrics().quotaWaits()).isEqualTo(1);
    assertThat(task.metrics().quotaWaitUntil()).as("asked again: no longer waiting").isZero();
  }

  /**
   * A one-shot ingest (comtrade.quota.exhausted=FAIL, set by tradepulse ingest) waited for hours and then ended at its
   * --timeout, "not done", saying nothing of the quota. The task now fails at once, naming the quota, when it is back
   * and that the offsets keep what was delivered; a restart resumes with the refused call.
   */
  @Test
  void shouldFailAtOnceNamingTheQuotaAndWhenItIsBackWhenQuotaExhaustedIsFail() throws Exception {
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(403)
        .withBody(apim(403, "Out of call volume quota. Quota will be replenished in 05:41:10."))));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(YEAR_2024))
        .willReturn(aResponse().withStatus(200).withBody(ONE_RECORD)));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0",
        ComtradeConfig.QUOTA_EXHAUSTED_CONFIG, "FAIL"), fakeWaits);

    assertThatThrownBy(() -> harness.drain(task))
        .isInstanceOf(OutOfQuotaException.class).isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("out of its call quota").hasMessageContaining("replenished in 05:41:10")
        .hasMessageContaining("replenished at 2025-06-15T05:41:10Z")
        .hasMessageContaining("after 2025-06-15T05:42:10Z")
        .hasMessageContaining("comtrade.quota.exhausted=FAIL")
        .hasMessageContaining("offsets keep every record delivered")
        .satisfies(e -> assertThat(((OutOfQuotaException) e).askAgainAt())
            .contains(Instant.parse("2025-06-15T05:42:10Z")));
    task.stop();
    assertThat(waits).as("failed, not waited").isEmpty();
    assertThat(task.metrics().quotaWaits()).isZero();
    assertThat(harness.offsets.values()).singleElement()
        .satisfies(o -> assertThat(o.get("next")).as("the delivered record's offset").isEqualTo("202402"));
    assertRestartResumesWithTheRefusedCall(); // the quota is back
  }

  @Test
  void shouldSayThereIsNoReadableTimeWhenFailingOnAQuotaAnswerWithoutOne() throws Exception {
    stubRefusedOnce(403, apim(403, "Out of call volume quota. Quota will be replenished shortly."));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.QUOTA_EXHAUSTED_CONFIG, "FAIL"), fakeWaits);

    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(OutOfQuotaException.class)
        .hasMessageContaining("no replenish time that can be read")
        .satisfies(e -> assertThat(((OutOfQuotaException) e).askAgainAt()).isEmpty());
    task.stop();
    assertThat(waits).isEmpty();
  }

  @Test
  void shouldAskAgainAfterAnHourWhenTheQuotaAnswerGivesNoReadableTime() throws Exception {
    stubRefusedOnce(403, apim(403, "Out of call volume quota. Quota will be replenished shortly."));
    QuotaRun run = drainWithoutLookback();
    assertThat(run.records()).hasSize(1);
    List<String> warned = run.warned();

    assertThat(waits).containsExactly(Duration.ofHours(1));
    assertThat(warned).singleElement().satisfies(w -> assertThat(w).contains("no replenish time"));
  }

  @Test
  void shouldFailNamingStatusAndBodyWhenA403IsNotTheQuotaAnswer() throws Exception {
    stubRefusedOnce(403, apim(403, "Forbidden"));
    ComtradeSourceTask task = task(Map.of(), fakeWaits);
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(ConnectException.class).isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("HTTP 403").hasMessageContaining("\"message\": \"Forbidden\"");
    task.stop();

    assertThat(waits).isEmpty();
    assertThat(asked()).containsExactly(YEAR_2024);
    assertThat(harness.offsets).isEmpty();
  }

  /**
   * How long one poll() may take while the task waits for the quota or a Retry-After: twice
   * TradeSourceTask.MAX_IDLE_BLOCK (1 s) at most by design, with room for a loaded machine; the wait it must not hold
   * poll() for is an hour or more.
   */
  static final Duration POLL_BOUND = Duration.ofSeconds(3);

  /**
   * The wait is on the task's own thread: poll() returns within its bound meanwhile, stop() ends it at once, and a
   * restart asks the call again.
   */
  @Test
  void shouldEndTheQuotaWaitAtOnceWhenTheTaskStopsAndAskAgainAfterARestart() throws Exception {
    stubRefusedOnce(403, apim(403, "Out of call volume quota. Quota will be replenished in 05:41:10."));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0"));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (wm.getAllServeEvents().isEmpty() && System.nanoTime() < deadline) {
      long pollStart = System.nanoTime();
      assertThat(task.poll()).isNull();
      assertThat(Duration.ofNanos(System.nanoTime() - pollStart)).isLessThan(POLL_BOUND);
    }
    assertThat(task.poll()).as("waiting for the quota, not failed").isNull();
    assertThat(task.unitInFlight()).isTrue();
    long stopStart = System.nanoTime();
    task.stop();
    assertThat(Duration.ofNanos(System.nanoTime() - stopStart)).isLessThan(Duration.ofSeconds(1));
    assertThat(harness.offsets).isEmpty();

    ComtradeSourceTask restarted = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0"));
    List<SourceRecord> rs = harness.drain(restarted);
    restarted.stop();

    assertThat(rs).hasSize(1);
    assertThat(asked().subList(0, 2)).containsExactly(YEAR_2024, YEAR_2024);
  }

  @Test
  void shouldWaitAsLongAsARateLimitAnswerWithoutRetryAfterSays() throws Exception {
    stubRefusedOnce(429, apim(429, "Rate limit is exceeded. Try again in 2 seconds."));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0"), fakeWaits);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(waits).containsExactly(Duration.ofSeconds(2));
    assertThat(rs).hasSize(1);
    assertThat(task.metrics().retries()).isEqualTo(1);
  }

  /**
   * The 2024 window answered 503 with {@code Retry-After} once (maintenance behind Comtrade's gateway, in its answer's
   * shape), then with a page of one record.
   */
  void stubUnavailableOnce(String retryAfter) {
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(204)));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(YEAR_2024)).inScenario("maintenance")
        .whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(503).withHeader("Retry-After", retryAfter)
            .withHeader("Content-Type", "application/json").withBody(apim(503, "Service Unavailable")))
        .willSetStateTo("back"));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(YEAR_2024)).inScenario("maintenance")
        .whenScenarioStateIs("back").willReturn(aResponse().withStatus(200).withBody(ONE_RECORD)));
  }

  /** A real fetcher that notes the task's clock at each call. */
  PageFetcher timed(List<Instant> calledAt) {
    PageFetcher real = new JdkPageFetcher(Duration.ofSeconds(5));
    return new PageFetcher() {
      @Override
      public HttpPage fetch(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
        calledAt.add(clock.instant());
        return real.fetch(uri, headers);
      }

      @Override
      public HttpPage fetchToFile(URI uri, Map<String, String> headers, Path target)
          throws IOException, InterruptedException {
        calledAt.add(clock.instant());
        return real.fetchToFile(uri, headers, target);
      }

      @Override
      public void stop() {
        real.stop();
      }
    };
  }

  /**
   * A Retry-After of an hour was cut to http.backoff.max.ms (a minute) and, once retries ran out, the worker polled
   * again at once: the server was called again long before the time it asked for. Now the next call waits for it,
   * across the RetriableException and the polls after it.
   */
  @Test
  void shouldNotCallAgainBeforeA503sRetryAfterBeyondTheBackoffMaximumEvenOnceRetriesRanOut() throws Exception {
    stubUnavailableOnce("3600");
    List<Instant> calledAt = new CopyOnWriteArrayList<>();
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0", "http.max.retries", "0"), fakeWaits,
        timed(calledAt));
    Instant asked = clock.instant().plus(Duration.ofHours(1));

    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("HTTP 503").hasMessageContaining("not calling").hasMessageContaining(asked.toString());
    List<SourceRecord> rs = harness.drain(task); // the worker polls again, at once
    task.stop();

    assertThat(asked().subList(0, 2)).containsExactly(YEAR_2024, YEAR_2024);
    assertThat(calledAt.get(1)).as("called again only at the time the server asked").isAfterOrEqualTo(asked);
    assertThat(waits).contains(Duration.ofHours(1));
    assertThat(rs).singleElement().satisfies(r -> assertThat(((Struct) r.value()).getInt64("value")).isEqualTo(1000L));
  }

  /** The wait is on the task's own thread: poll() keeps returning meanwhile, and stop() ends it at once. */
  @Test
  void shouldWaitForTheRetryAfterWithoutHoldingPollAndEndTheWaitAtOnceWhenTheTaskStops() throws Exception {
    stubUnavailableOnce("3600");
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0", "http.max.retries", "0"));
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(RetriableException.class);

    for (int i = 0; i < 4; i++) { // the worker polls again at once, and again
      long pollStart = System.nanoTime();
      assertThat(task.poll()).isNull();
      assertThat(Duration.ofNanos(System.nanoTime() - pollStart)).isLessThan(POLL_BOUND);
    }
    assertThat(task.unitInFlight()).as("waiting").isTrue();
    assertThat(wm.getAllServeEvents()).as("not called again").hasSize(1);
    assertThat(task.metrics().quotaWaitUntil()).as("shows until when")
        .isEqualTo(clock.instant().plus(Duration.ofHours(1)).toEpochMilli());

    long stopStart = System.nanoTime();
    task.stop();
    assertThat(Duration.ofNanos(System.nanoTime() - stopStart)).isLessThan(Duration.ofSeconds(1));
    assertThat(wm.getAllServeEvents()).hasSize(1);
    assertThat(task.metrics().quotaWaitUntil()).isZero();
    assertThat(harness.offsets).isEmpty();
  }

  @Test
  void shouldWaitAtMostHttpRetryAfterMaxWithAWarnNamingTheServersRetryAfter() throws Exception {
    stubUnavailableOnce("2592000"); // 30 days
    List<Instant> calledAt = new CopyOnWriteArrayList<>();
    try (LogCapture log = new LogCapture()) {
      ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0", "http.retry.after.max.ms", "7200000"),
          fakeWaits, timed(calledAt));
      List<SourceRecord> rs = harness.drain(task);
      task.stop();

      assertThat(rs).hasSize(1);
      assertThat(waits).containsExactly(Duration.ofHours(2));
      assertThat(calledAt.get(1)).isEqualTo(calledAt.get(0).plus(Duration.ofHours(2)));
      assertThat(log.warnings()).filteredOn(w -> w.contains("2592000 s")).singleElement().asString()
          .contains("http.retry.after.max.ms").contains(calledAt.get(1).toString());
    }
  }

  /**
   * A one-shot ingest (http.retry.after.long=FAIL, set by tradepulse ingest) waited the hour a 503 asked for, silent,
   * and then ended at its --timeout, "not done", saying nothing of the server. The task now fails at once, naming the
   * server, its Retry-After and when it may be called again, without calling it again; the offsets keep what was
   * delivered, and a restart resumes with the refused call.
   */
  @Test
  void shouldFailAtOnceNamingTheServerAndWhenToCallAgainWhenA503AsksForAnHourAndRetryAfterLongIsFail()
      throws Exception {
    wm.stubFor(get(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(503)
        .withHeader("Retry-After", "3600").withHeader("Content-Type", "application/json")
        .withBody(apim(503, "Service Unavailable"))));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(YEAR_2024))
        .willReturn(aResponse().withStatus(200).withBody(ONE_RECORD)));
    ComtradeSourceTask task = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0", "http.retry.after.long", "FAIL"),
        fakeWaits);
    Instant callAgainAt = clock.instant().plus(Duration.ofHours(1));

    assertThatThrownBy(() -> harness.drain(task))
        .isInstanceOf(LongRetryAfterException.class).isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("HTTP 503").hasMessageContaining(wm.baseUrl() + " asked not to be called again for 3600 s")
        .hasMessageContaining("called again at " + callAgainAt).hasMessageContaining("http.retry.after.long=FAIL")
        .hasMessageContaining("offsets keep every record delivered");
    task.stop();
    assertThat(asked()).as("the refused call made once, not retried").hasSize(2);
    assertThat(waits).as("failed, not waited").isEmpty();
    assertThat(task.metrics().quotaWaitUntil()).isZero();
    assertThat(harness.offsets.values()).singleElement()
        .satisfies(o -> assertThat(o.get("next")).as("the delivered record's offset").isEqualTo("202402"));
    assertRestartResumesWithTheRefusedCall(); // the maintenance is over
  }

  /**
   * After a task failed on its second call (the first delivered 2024-01), a restarted task asks that refused call
   * first: the offsets kept every delivered record and nothing else.
   */
  private void assertRestartResumesWithTheRefusedCall() throws Exception {
    String refused = asked().get(1);
    wm.resetAll();
    wm.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(204)));
    ComtradeSourceTask restarted = task(Map.of(ComtradeConfig.LOOKBACK_CONFIG, "0"), fakeWaits);
    assertThat(harness.drain(restarted)).isEmpty();
    restarted.stop();

    assertThat(asked().get(0)).as("resumed with the refused call, 2024 not asked again").isEqualTo(refused)
        .startsWith("202402,");
  }
}
