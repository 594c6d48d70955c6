package io.tradepulse.connect.comext;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.FigureQuality;
import io.tradepulse.testsupport.MutableClock;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tradepulse.connect.LogCapture;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.connect.common.RevisionChecks;
import io.tradepulse.connect.common.SourceCompletion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ComextSourceTaskTest {
  static final String HEADER = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n";
  static final String BULK_HEADER = "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,PRODUCT_CPA21,PRODUCT_CPA22,"
      + "PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,SUPPL_UNIT,PERIOD,VALUE_EUR,VALUE_NAC,"
      + "QUANTITY_KG,QUANTITY_SUPPL_UNIT\n";

  @TempDir Path dir;
  WireMockServer wm;
  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));

  @BeforeEach
  void start() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  <T extends SourceTask> T start(T t, Map<String, String> overrides) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comext-test-" + System.nanoTime());
    p.put(ComextConfig.BASE_URL_CONFIG, wm.baseUrl() + "/sdmx/2.1/data");
    p.put("poll.interval.ms", "10");
    p.put("http.backoff.initial.ms", "1");
    p.putAll(overrides);
    if (t instanceof ComextApiSourceTask a) {
      a.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    }
    t.initialize(harness.context(p));
    t.start(p);
    return t;
  }

  List<SourceRecord> pollTimes(SourceTask t, int n) throws InterruptedException {
    List<SourceRecord> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.addAll(harness.drain(t));
    }
    return all;
  }

  static List<Struct> values(List<SourceRecord> rs, String topic) {
    return rs.stream().filter(r -> r.topic().equals(topic)).map(r -> (Struct) r.value()).toList();
  }

  @Test
  void shouldReadSdmxCsvInEurAndFallBackToOneMonthPerCallOnExtractionTooBig() throws Exception {
    String path = "/sdmx/2.1/data/DS-045409/M.EU27_2020.CN+US.TOTAL.1.VALUE_IN_EUROS";
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("startPeriod", equalTo("2025-04"))
        .withQueryParam("endPeriod", absent())
        .willReturn(aResponse().withStatus(413).withBody("{\"error\":{\"status\":413,\"label\":\"EXTRACTION_TOO_BIG\"}}")));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("startPeriod", equalTo("2025-04"))
        .withQueryParam("endPeriod", equalTo("2025-04")).willReturn(aResponse().withStatus(200).withBody(HEADER
            + "ESTAT:DS-045409(1.0),15/06/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-04,45678901234\n"
            + "ESTAT:DS-045409(1.0),15/06/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-04,30123456789\n"
            + "ESTAT:DS-045409(1.0),15/06/25,M,EU27_2020,US,TOTAL,1,QUANTITY_IN_100KG,2025-04,999\n"
            + "ESTAT:DS-045409(1.0),15/06/25,M,EU27_2020,QZ,TOTAL,1,VALUE_IN_EUROS,2025-04,12\n")));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("startPeriod", equalTo("2025-05"))
        .withQueryParam("endPeriod", equalTo("2025-05")).willReturn(aResponse().withStatus(200).withBody(HEADER
            + "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-05,47000000000\n")));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), Map.of(ComextConfig.PARTNERS_CONFIG, "CN,US",
        ComextConfig.FLOWS_CONFIG, "IMPORT", ComextConfig.START_CONFIG, "2025-04"));
    List<SourceRecord> rs = pollTimes(task, 4);
    task.stop();

    List<Struct> trades = values(rs, "trade.records");
    assertThat(trades).extracting(s -> s.getString("partner") + " " + s.getInt32("month") + " " + s.getInt64("value"))
        .containsExactly("CHN 4 45678901234", "USA 4 30123456789", "CHN 5 47000000000");
    assertThat(trades).allSatisfy(s -> {
      assertThat(s.getString("currency")).isEqualTo("EUR");
      assertThat(s.getString("reporter")).isEqualTo("EUU");
      assertThat(s.getString("flow")).isEqualTo("IMPORT");
      assertThat(s.getString("valuation")).isEqualTo("CIF");
      assertThat(s.getString("source")).isEqualTo("COMEXT");
    });
    assertThat(trades.get(0).getString("vintage")).isEqualTo("COMEXT 2025-06-15");
    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("reason"))
        .containsExactly("Unknown Comext partner 'QZ'");
    assertThat(task.offsetOf("EU27_2020").next()).hasToString("2025-06");
  }

  /**
   * A row of a month the new-month call did not ask (before its startPeriod, or after the newest month that can be out)
   * is a dead letter: it went out as a figure, and 2099-01 moved the cursor to 2099-02, past every month between.
   */
  @Test
  void shouldDeadLetterARowOfAMonthTheNewMonthCallDidNotAskAndMoveTheCursorByTheMonthsAskedOnly() throws Exception {
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    stubSdmx("2025-02", null, sdmx("13/06/25", "CN 2025-02 39876543210", "US 2024-12 29765432109",
        "JP 2099-01 5123456789"));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("0"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(figures(rs)).containsExactly("CHN 2025-2 39876543210 COMEXT 2025-06-13");
    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("position") + ": " + s.getString("reason"))
        .containsExactly("line 3: TIME_PERIOD '2024-12' is not one of the months asked (2025-02..2025-05)",
            "line 4: TIME_PERIOD '2099-01' is not one of the months asked (2025-02..2025-05)");
    assertThat(task.offsetOf("EU27_2020").next()).as("after the newest figure asked").hasToString("2025-03");
  }

  /** A bulk line whose FLOW is neither 1 nor 2 is a dead letter: the flows filter counted it as skipped. */
  @Test
  void shouldDeadLetterABulkLineWhoseFlowIsNeitherImportNorExportInsteadOfLeavingItOut() throws Exception {
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\n"
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,3,1,NO_SU,202505,1234,1234,20,0\n");
    ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
        ComextConfig.FILES_CONFIG, csv.toString(), ComextConfig.REPORTERS_CONFIG, "DE", ComextConfig.PRODUCTS_CONFIG,
        "7204", ComextConfig.BULK_SETTLE_CONFIG, "0"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("flow") + " " + s.getInt64("value"))
        .containsExactly("IMPORT 1000");
    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("position") + ": " + s.getString("reason"))
        .containsExactly("line 3: Unknown Comext flow '3' (1 import, 2 export)");
    assertThat(task.metrics().skipped()).isZero();
  }

  /** The SDMX-CSV row of ../shared/data/formats.md (Austria's exports of HS 7204 to the UAE, September 2023). */
  @Test
  void shouldMapTheRealSdmxCsvRowOfAMemberStateToItsPublishedFigureInEuros() throws Exception {
    List<SourceRecord> rs = austriaUaeExportsOf7204InSeptember2023("204548");

    assertThat(values(rs, "trade.dlq")).isEmpty();
    assertThat(values(rs, "trade.records")).singleElement().satisfies(s -> {
      assertThat(s.getString("reporter") + " " + s.getString("partner") + " " + s.getString("flow") + " "
          + s.getString("commodity") + " " + s.getString("commodityLevel") + " " + s.getInt32("year") + "-"
          + s.getInt32("month") + "x" + s.getInt32("months")).isEqualTo("AUT ARE EXPORT 7204 HS4 2023-9x1");
      assertThat(s.getInt64("value")).isEqualTo(204_548L);
      assertThat(s.getString("currency")).isEqualTo("EUR");
      assertThat(s.getString("valuation")).isEqualTo("FOB");
      assertThat(s.getString("vintage")).isEqualTo("COMEXT 2026-09-15");
      assertThat(s.getString("quality")).as("SDMX-CSV as read here marks no observation estimated")
          .isEqualTo("PUBLISHED");
      assertThat(((java.util.Date) s.get("publishedAt")).toInstant()).as("a bare date: the 11:00 update, Luxembourg")
          .isEqualTo(Instant.parse("2026-09-15T09:00:00Z"));
    });
  }

  /**
   * Runs a Comext API task over the one SDMX-CSV row of ../shared/data/formats.md (Austria's exports of HS 7204 to the
   * UAE, September 2023) with {@code obsValue} as its OBS_VALUE; everything it sent.
   */
  private List<SourceRecord> austriaUaeExportsOf7204InSeptember2023(String obsValue) throws Exception {
    String path = "/sdmx/2.1/data/DS-045409/M.AT.AE.7204.2.VALUE_IN_EUROS";
    wm.stubFor(get(urlPathEqualTo(path)).atPriority(9).willReturn(aResponse().withStatus(200).withBody(HEADER)));
    wm.stubFor(get(urlPathEqualTo(path)).atPriority(1).withQueryParam("startPeriod", equalTo("2023-09"))
        .willReturn(aResponse().withStatus(200).withBody(HEADER
            + "ESTAT:DS-045409(1.0),15/09/26,M,AT,AE,7204,2,VALUE_IN_EUROS,2023-09," + obsValue + "\r\n")));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), Map.of(ComextConfig.REPORTERS_CONFIG, "AT",
        ComextConfig.PARTNERS_CONFIG, "AE", ComextConfig.PRODUCTS_CONFIG, "7204", ComextConfig.FLOWS_CONFIG, "EXPORT",
        ComextConfig.START_CONFIG, "2023-09", ComextConfig.LOOKBACK_CONFIG, "0"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    return rs;
  }

  /**
   * A row with fewer fields than the columns the records need (a row cut or mangled inside the response, its line
   * break kept) read as an empty indicators field, so as a row of another indicator: counted as skipped, no dead
   * letter, its figure gone without a trace.
   */
  @Test
  void shouldDeadLetterAShortSdmxRowInsteadOfSkippingItSilently() throws Exception {
    String shortRow = "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,JP,TOTAL,1\n";
    String after = "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,JP,TOTAL,2,VALUE_IN_EUROS,2025-02,5123456789\n";
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    stubSdmx("2025-02", null, sdmx("13/06/25", "CN 2025-02 39876543210", "US 2025-02 29765432109") + shortRow
        + after);
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("0"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).hasSize(3);
    assertThat(values(rs, "trade.dlq")).singleElement().satisfies(d -> assertThat(d.getString("reason"))
        .isEqualTo("Row has 7 fields, fewer than the 10 the header's columns need: cut or mangled"));
  }

  @Test
  void shouldDeadLetterANegativeObsValueNamingTheCellInsteadOfSendingIt() throws Exception {
    // Sent, it reached the processor's validator, whose dead letter cannot say which response row it came from.
    List<SourceRecord> rs = austriaUaeExportsOf7204InSeptember2023("-204548");

    assertThat(values(rs, "trade.records")).isEmpty();
    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("reason"))
        .containsExactly("OBS_VALUE '-204548' is negative (a trade value never is)");
  }

  /** Beyond a long, the dead letter read "Non-numeric value '1e25'": a number, named as none, without its field. */
  @Test
  void shouldRefuseAnObsValueNamingTheFieldTheValueAndTheLargestAllowedWhenItIsBeyondALong() throws Exception {
    List<SourceRecord> rs = austriaUaeExportsOf7204InSeptember2023("1e25");

    assertThat(values(rs, "trade.records")).isEmpty();
    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("reason")).containsExactly("OBS_VALUE '1e25' is "
        + "10000000000000000000000000 whole units, more than the largest allowed, 9223372036854775807");
  }

  /**
   * EXTRACTION_TOO_BIG switches the reporter to one month per call, a unit of work that emits nothing and leaves the
   * cursor where it was: the task must not report itself caught up there, or a one-shot ingest stops before the months.
   */
  @Test
  void shouldNotReportCaughtUpWhenExtractionTooBigSwitchesToOneMonthPerCall() throws Exception {
    String path = "/sdmx/2.1/data/DS-045409/M.EU27_2020.CN.TOTAL.1.VALUE_IN_EUROS";
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("startPeriod", equalTo("2025-04"))
        .withQueryParam("endPeriod", absent())
        .willReturn(aResponse().withStatus(413).withBody("{\"error\":{\"status\":413,\"label\":\"EXTRACTION_TOO_BIG\"}}")));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("startPeriod", equalTo("2025-04"))
        .withQueryParam("endPeriod", equalTo("2025-04")).willReturn(aResponse().withStatus(200).withBody(HEADER
            + "ESTAT:DS-045409(1.0),15/06/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-04,45678901234\n")));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("startPeriod", equalTo("2025-05"))
        .withQueryParam("endPeriod", equalTo("2025-05")).willReturn(aResponse().withStatus(200).withBody(HEADER
            + "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-05,47000000000\n")));
    String name = "comext-too-big-" + System.nanoTime();
    // No look-back: a pending revision check would keep the task busy and hide the early "caught up".
    ComextApiSourceTask task = start(new ComextApiSourceTask(), Map.of("name", name, ComextConfig.PARTNERS_CONFIG, "CN",
        ComextConfig.FLOWS_CONFIG, "IMPORT", ComextConfig.START_CONFIG, "2025-04", ComextConfig.LOOKBACK_CONFIG, "0"));
    List<SourceRecord> rs = TaskHarness.pollUntilCaughtUp(task, name);
    task.stop();

    assertThat(values(rs, "trade.records")).extracting(s -> s.getInt32("month")).containsExactly(4, 5);
  }

  @Test
  void shouldReadTheLastUpdateWithTheTimeOfDayThatTheDisseminationApiSends() throws Exception {
    // The dissemination API writes LAST UPDATE as dd/MM/yy HH:mm:ss (its updates run at 11:00 and 23:00,
    // Luxembourg time). Read as a bare dd/MM/yy, every row of every response was a dead letter.
    stubSdmx("2025-05", null, sdmx("15/07/25 23:00:00", MAY));
    Map<String, String> props = revisionProps("0");
    props.put(ComextConfig.START_CONFIG, "2025-05");
    ComextApiSourceTask task = start(new ComextApiSourceTask(), props);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.dlq")).isEmpty();
    assertThat(figures(rs)).containsExactly("CHN 2025-5 44321098765 COMEXT 2025-07-15",
        "USA 2025-5 29876543210 COMEXT 2025-07-15", "JPN 2025-5 5345678901 COMEXT 2025-07-15");
    assertThat(((java.util.Date) values(rs, "trade.records").get(0).get("publishedAt")).toInstant())
        .isEqualTo(Instant.parse("2025-07-15T21:00:00Z"));
  }

  @Test
  void shouldDeadLetterAnSdmxLineLongerThanTheLimitAndReadTheRestOfTheResponse() throws Exception {
    String path = "/sdmx/2.1/data/DS-045409/M.EU27_2020.CN.TOTAL.1.VALUE_IN_EUROS";
    wm.stubFor(get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200).withBody(HEADER
        + "ESTAT:DS-045409(1.0),15/06/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-04," + "1".repeat(1_100_000) + "\n"
        + "ESTAT:DS-045409(1.0),15/06/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-05,47000000000\n")));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), Map.of(ComextConfig.PARTNERS_CONFIG, "CN",
        ComextConfig.FLOWS_CONFIG, "IMPORT", ComextConfig.START_CONFIG, "2025-04"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.dlq")).singleElement().satisfies(d -> {
      assertThat(d.getString("reason")).startsWith("Record longer than 1048576 bytes");
      assertThat(d.getString("position")).isEqualTo("line 2");
      assertThat(d.getBytes("rawValue")).hasSize(524_288);
    });
    assertThat(values(rs, "trade.records")).extracting(s -> s.getInt32("month")).containsExactly(5);
  }

  @Test
  void shouldFailNamingTheKeysToNarrowWhenOneMonthIsStillTooBig() throws Exception {
    wm.stubFor(get(urlPathEqualTo("/sdmx/2.1/data/DS-045409/M.EU27_2020..TOTAL.1+2.VALUE_IN_EUROS"))
        .willReturn(aResponse().withStatus(413).withBody("EXTRACTION_TOO_BIG")));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), Map.of(ComextConfig.START_CONFIG, "2025-05"));
    assertThat(TaskHarness.poll(task)).isNull();
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .hasMessageContaining("comext.partners").hasMessageContaining("2025-05");
    task.stop();
  }

  @Test
  void shouldSumBulkRowsOfOneSeriesAndMonthAndConvertWithTheFxTableOrDeadLetterTheMonth() throws Exception {
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\n"
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,2,NO_SU,202505,234,234,5,0\n"
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202504,500,500,10,0\n"
        + "DE,US,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,202505,50,50,1,0\n"
        + "DE,CN,E,85011010,716.31,271110,271110,41,41,XVI,1,1,NO_SU,202505,77,77,1,0\n"
        + "DE,EU27_2020_EXTRA,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,9999,9999,1,0\n");
    Path fx = Files.writeString(dir.resolve("eur-fx.csv"), "period,currency,rate\n2025-05,USD,1.1278\n2025-05,JPY,163.5\n");
    ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
        ComextConfig.FILES_CONFIG, csv.toString(), ComextConfig.REPORTERS_CONFIG, "DE", ComextConfig.PRODUCTS_CONFIG, "7204",
        ComextConfig.FX_TABLE_CONFIG, fx.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    List<Struct> trades = values(rs, "trade.records");
    assertThat(trades).extracting(s -> s.getString("reporter") + " " + s.getString("partner") + " "
        + s.getString("flow") + " " + s.getString("commodity") + " " + s.getString("commodityLevel") + " "
        + s.getInt32("month") + " " + s.getInt64("value") + " " + s.getString("currency"))
        .containsExactly("DEU CHN IMPORT 72042110 HS8 5 1392 USD", "DEU USA EXPORT 72042110 HS8 5 56 USD");
    assertThat(trades.get(0).getString("note")).isEqualTo("converted from EUR 1234 at 1.1278 USD/EUR");
    assertThat(trades.get(0).getString("vintage")).isEqualTo("COMEXT bulk full_v2_202505.csv");
    assertThat(trades).extracting(s -> s.getString("quality")).as("summed and converted, still Eurostat's figures")
        .containsOnly("PUBLISHED");
    assertThat(values(rs, "trade.dlq")).singleElement()
        .satisfies(d -> assertThat(d.getString("reason")).startsWith("No EUR->USD rate for 2025-04"));
  }

  @Test
  void shouldLeaveABulkFileForALaterCheckWhenItsLastLineIsCutAndItWasJustWritten() throws Exception {
    // Read while it was copied into place, the cut 12 of 1234 was summed into DE-CN imports of 2025-05 (1012, not 2234).
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\n"
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,2,NO_SU,202505,12");
    Map<String, String> props = Map.of(ComextConfig.MODE_CONFIG, "BULK", ComextConfig.FILES_CONFIG, csv.toString(),
        ComextConfig.REPORTERS_CONFIG, "DE", ComextConfig.PRODUCTS_CONFIG, "7204");
    ComextBulkSourceTask task = start(new ComextBulkSourceTask(), props);

    assertThat(harness.drain(task)).as("the file is still being written").isEmpty();
    Files.writeString(csv, "34,1234,5,0\n", java.nio.file.StandardOpenOption.APPEND);
    Thread.sleep(50); // past poll.interval.ms (10 ms), before which the file is not checked again
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow") + " "
        + s.getInt64("value") + " " + s.getString("currency")).containsExactly("CHN IMPORT 2234 EUR");
  }

  @Test
  void shouldReadAJustWrittenBulkFileWithoutAFinalLineBreakAtOnceWhenTheSettleTimeIsZero() throws Exception {
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0");
    ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
        ComextConfig.FILES_CONFIG, csv.toString(), ComextConfig.REPORTERS_CONFIG, "DE", ComextConfig.PRODUCTS_CONFIG,
        "7204", ComextConfig.BULK_SETTLE_CONFIG, "0"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).extracting(s -> s.getInt64("value")).containsExactly(1000L);
  }

  @Test
  void shouldDeadLetterTheWholeSeriesMonthInsteadOfAPartialSumWhenOneOfItsLinesHasAnUnreadableValue() throws Exception {
    String badLine = "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,2,NO_SU,202505,,234,5,0";
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\n"
        + badLine + "\n"
        + "DE,CN,I,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,5000,5000,5,0\n"
        + "DE,US,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,202505,50,50,1,0\n"
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,9,NO_SU,202505,n/a,1,1,0\n");
    ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
        ComextConfig.FILES_CONFIG, csv.toString(), ComextConfig.REPORTERS_CONFIG, "DE", ComextConfig.PRODUCTS_CONFIG, "7204"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).as("only the series whose every line was read")
        .extracting(s -> s.getString("partner") + " " + s.getString("flow") + " " + s.getInt64("value"))
        .containsExactly("USA EXPORT 50");
    assertThat(values(rs, "trade.dlq")).singleElement().satisfies(d -> {
      assertThat(d.getString("reason")).isEqualTo("Non-numeric VALUE_EUR '' on lines 3, 6: series REPORTER=DE "
          + "PARTNER=CN PRODUCT_NC=72042110 FLOW=1 PERIOD=202505 not emitted (a sum without them would pass for the total)");
      assertThat(d.getString("position")).isEqualTo("line 3");
      assertThat(new String(d.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo(badLine);
    });
  }

  @Test
  void shouldWarnWhenTheBulkFiltersLeaveOutEveryRowOfAFileAsTheApiDefaultsDo() throws Exception {
    // Bulk files give the declaring member state as REPORTER and CN8 codes as PRODUCT_NC: the defaults
    // (comext.reporters=EU27_2020, comext.products=TOTAL, right for the API) keep nothing of them.
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\n"
        + "FR,US,E,85011010,716.31,271110,271110,41,41,XVI,2,1,NO_SU,202505,13,13,1,0\n");
    try (LogCapture log = new LogCapture()) {
      ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
          ComextConfig.FILES_CONFIG, csv.toString()));
      assertThat(harness.drain(task)).isEmpty();
      task.stop();

      assertThat(task.metrics().skipped()).isEqualTo(2);
      assertThat(log.warnings()).anySatisfy(w -> assertThat(w).startsWith("comext.reporters=[EU27_2020]: the bulk files "
          + "give the declaring member state as REPORTER"));
      assertThat(log.warnings()).anySatisfy(w -> assertThat(w).startsWith(csv + ": all 2 rows were left out by the "
          + "filters (comext.reporters=[EU27_2020], comext.partners=[], comext.products=[TOTAL], "
          + "comext.flows=[IMPORT, EXPORT]); no record."));
    }
  }

  @Test
  void shouldLeaveOutTheAnnualTotalsWithOneWarningWhenAnAnnualBulkFileIsAmongTheFiles() throws Exception {
    // Eurostat's annual file (PERIOD 202452 = the year 2024): each series was an "Unreadable PERIOD" dead letter.
    Path csv = Files.writeString(dir.resolve("full_v2_202452.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202452,12000,12000,240,0\n"
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,2,NO_SU,202452,2800,2800,60,0\n"
        + "FR,US,E,85011010,716.31,271110,271110,41,41,XVI,2,1,NO_SU,202452,160,160,12,0\n");
    try (LogCapture log = new LogCapture()) {
      ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
          ComextConfig.FILES_CONFIG, csv.toString(), ComextConfig.REPORTERS_CONFIG, "",
          ComextConfig.PRODUCTS_CONFIG, ""));
      assertThat(harness.drain(task)).as("no record and no dead letter").isEmpty();
      task.stop();

      assertThat(task.metrics().skipped()).isEqualTo(3);
      assertThat(log.warnings()).filteredOn(w -> w.contains("annual")).singleElement().satisfies(w -> assertThat(w)
          .startsWith(csv + ": 3 rows of annual totals (PERIOD 202452) left out: comext.mode=BULK reads the monthly "
              + "files (full_v2_YYYYMM) only"));
      assertThat(log.warnings()).as("the filters kept everything").noneSatisfy(w -> assertThat(w)
          .contains("left out by the filters"));
    }
  }

  @Test
  void shouldStillDeadLetterAnUnreadablePeriodWhenAnnualRowsAreLeftOut() throws Exception {
    Path csv = Files.writeString(dir.resolve("full_v2_202412.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202412,1000,1000,20,0\n"
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202452,12000,12000,240,0\n"
        + "DE,US,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,202413,50,50,1,0\n"
        + "DE,US,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,2024052,60,60,1,0\n");
    ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
        ComextConfig.FILES_CONFIG, csv.toString(), ComextConfig.REPORTERS_CONFIG, "",
        ComextConfig.PRODUCTS_CONFIG, ""));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).extracting(s -> s.getInt32("year") + "-" + s.getInt32("month") + " "
        + s.getInt64("value")).containsExactly("2024-12 1000");
    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason"))
        .containsExactly("Unreadable PERIOD '202413' (yyyyMM)", "Unreadable PERIOD '2024052' (yyyyMM)");
    assertThat(task.metrics().skipped()).isEqualTo(1);
  }

  @Test
  void shouldNameAConfidentialProductLineAsSuchWhenDeadLetteringIt() throws Exception {
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,39XXXXXX,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\n"
        + "DE,CN,I,39XXXXXX,282.21,241010,241010,22,21,XV,1,2,NO_SU,202505,234,234,5,0\n"
        + "DE,CN,E,7204XXXX,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,70,70,2,0\n"
        + "DE,CN,E,72X4XXXX,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,5,5,1,0\n");
    ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
        ComextConfig.FILES_CONFIG, csv.toString(), ComextConfig.REPORTERS_CONFIG, "",
        ComextConfig.PRODUCTS_CONFIG, ""));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).isEmpty();
    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason")).containsExactly(
        "Confidential product line '39XXXXXX': trade of CN8 codes kept confidential, published only as a total under "
            + "39 (no code to emit it under), VALUE_EUR 1234 summed over its lines; not an error to fix",
        "Confidential product line '7204XXXX': trade of CN8 codes kept confidential, published only as a total under "
            + "7204 (no code to emit it under), VALUE_EUR 70 summed over its lines; not an error to fix",
        "Unsupported product code '72X4XXXX'");
  }

  @Test
  void shouldNotWarnAboutAFileWhoseRowsTheFiltersKept() throws Exception {
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\n"
        + "FR,US,E,85011010,716.31,271110,271110,41,41,XVI,2,1,NO_SU,202505,13,13,1,0\n");
    try (LogCapture log = new LogCapture()) {
      ComextBulkSourceTask task = start(new ComextBulkSourceTask(), Map.of(ComextConfig.MODE_CONFIG, "BULK",
          ComextConfig.FILES_CONFIG, csv.toString(), ComextConfig.REPORTERS_CONFIG, "DE",
          ComextConfig.PRODUCTS_CONFIG, "72"));
      assertThat(values(harness.drain(task), "trade.records")).hasSize(1);
      task.stop();
      assertThat(log.warnings()).noneSatisfy(w -> assertThat(w).contains("left out by the filters"));
    }
  }

  @Test
  void shouldRejectBulkModeWithoutFilesNamingTheKey() {
    assertThatThrownBy(() -> new ComextConfig(Map.of(ComextConfig.MODE_CONFIG, "BULK")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comext.files");
    assertThatThrownBy(() -> new ComextConfig(Map.of(ComextConfig.START_CONFIG, "2025-13")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comext.start.period").hasMessageContaining("yyyy-MM");
    assertThatThrownBy(() -> new ComextConfig(Map.of(ComextConfig.START_CONFIG, "2025-01", ComextConfig.MODE_CONFIG, "FTP")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comext.mode").hasMessageContaining("BULK");
  }

  // ---- Revisions (look-back) -------------------------------------------------------------------------------
  // Real SDMX-CSV shape. LAST UPDATE is dataset-wide: every row of a response carries the date of the latest
  // monthly update, whatever month the row is about. Comext publishes month M about six weeks after it ends,
  // so the mid-June update carries April, the mid-July one May (and revisions of earlier months).

  static final String REVISED_PATH = "/sdmx/2.1/data/DS-045409/M.EU27_2020.CN+US+JP.TOTAL.1.VALUE_IN_EUROS";

  /** One SDMX-CSV response; each row is "partner period value" (an empty value is a confidential figure). */
  static String sdmx(String lastUpdate, String... rows) {
    StringBuilder b = new StringBuilder(HEADER);
    for (String r : rows) {
      String[] f = r.split(" ", -1);
      b.append("ESTAT:DS-045409(1.0),").append(lastUpdate).append(",M,EU27_2020,").append(f[0])
          .append(",TOTAL,1,VALUE_IN_EUROS,").append(f[1]).append(',').append(f[2]).append('\n');
    }
    return b.toString();
  }

  static final String[] FEB_TO_APR = {
      "CN 2025-02 39876543210", "US 2025-02 29765432109", "JP 2025-02 5123456789",
      "CN 2025-03 41234567890", "US 2025-03 31987654321", "JP 2025-03 ",
      "CN 2025-04 43210987654", "US 2025-04 30123456789", "JP 2025-04 5234567890"};
  static final String[] MAY = {"CN 2025-05 44321098765", "US 2025-05 29876543210", "JP 2025-05 5345678901"};

  /** startPeriod without endPeriod: the new-month call; with endPeriod: a look-back (or single-month) call. */
  void stubSdmx(String from, String to, String body) {
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo(from))
        .withQueryParam("endPeriod", to == null ? absent() : equalTo(to))
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/csv").withBody(body)));
  }

  Map<String, String> revisionProps(String lookback) {
    Map<String, String> p = new HashMap<>();
    p.put(ComextConfig.PARTNERS_CONFIG, "CN,US,JP");
    p.put(ComextConfig.FLOWS_CONFIG, "IMPORT");
    p.put(ComextConfig.START_CONFIG, "2025-02");
    p.put(ComextConfig.LOOKBACK_CONFIG, lookback);
    p.put(ComextConfig.REVISION_INTERVAL_CONFIG, "3600000");
    return p;
  }

  /**
   * Mid-June: reads February to April (one confidential figure dead-lettered), then finds May not out yet.
   * Then mid-July: the clock moves past the revision interval.
   */
  ComextApiSourceTask ingestJuneUpdateThenMoveToJuly(Map<String, String> props) throws Exception {
    return ingestJuneUpdateThenMoveToJuly(props, FEB_TO_APR, List.of(CONFIDENTIAL));
  }

  static final String CONFIDENTIAL = "Empty OBS_VALUE (confidential or not available)";

  /** The same with {@code febToApr} as the June answer, whose dead letters have {@code deadLetters} as reasons. */
  ComextApiSourceTask ingestJuneUpdateThenMoveToJuly(Map<String, String> props, String[] febToApr,
      List<String> deadLetters) throws Exception {
    // Anything not stubbed more specifically is a month that is not out: Comext's 404 NO_RECORDS_FOUND.
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    stubSdmx("2025-02", null, sdmx("13/06/25", febToApr));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), props);
    List<SourceRecord> june = harness.drain(task);
    assertThat(values(june, "trade.records")).hasSize(8);
    assertThat(deadLetterReasons(june)).containsExactlyInAnyOrderElementsOf(deadLetters);
    assertThat(task.offsetOf("EU27_2020").next()).hasToString("2025-05");
    clock.advance(Duration.ofDays(31)); // 2025-07-16
    return task;
  }

  static List<String> figures(List<SourceRecord> rs) {
    return values(rs, "trade.records").stream().map(s -> s.getString("partner") + " " + s.getInt32("year") + "-"
        + s.getInt32("month") + " " + s.getInt64("value") + " " + s.getString("vintage")).toList();
  }

  @Test
  void shouldReemitOnlyTheMonthWhoseFiguresWereRevised() throws Exception {
    ComextApiSourceTask task = ingestJuneUpdateThenMoveToJuly(revisionProps("3"));
    // July update: May is new; April imports from China are revised up; everything carries the new LAST UPDATE.
    stubSdmx("2025-05", null, sdmx("15/07/25", MAY));
    String[] julyWindow = (String.join(";", FEB_TO_APR) + ";" + String.join(";", MAY))
        .replace("CN 2025-04 43210987654", "CN 2025-04 43298765432").split(";");
    stubSdmx("2025-02", "2025-05", sdmx("15/07/25", julyWindow));

    List<SourceRecord> july = harness.drain(task);

    assertThat(figures(july)).containsExactly(
        "CHN 2025-5 44321098765 COMEXT 2025-07-15", "USA 2025-5 29876543210 COMEXT 2025-07-15",
        "JPN 2025-5 5345678901 COMEXT 2025-07-15",
        // the whole revised month, in fingerprint order, carrying the update that revised it
        "CHN 2025-4 43298765432 COMEXT 2025-07-15", "JPN 2025-4 5234567890 COMEXT 2025-07-15",
        "USA 2025-4 30123456789 COMEXT 2025-07-15");
    assertThat(values(july, "trade.dlq")).as("March is unchanged; its confidential row is not re-sent").isEmpty();
    wm.verify(1, getRequestedFor(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-02"))
        .withQueryParam("endPeriod", equalTo("2025-05")));
    assertThat(task.offsetOf("EU27_2020").months()).containsOnlyKeys(YearMonth.of(2025, 2), YearMonth.of(2025, 3),
        YearMonth.of(2025, 4), YearMonth.of(2025, 5));

    clock.advance(Duration.ofHours(2));
    assertThat(harness.drain(task)).as("nothing changed since the last check").isEmpty();
    task.stop();

    ComextApiSourceTask restarted = start(new ComextApiSourceTask(), revisionProps("3"));
    clock.advance(Duration.ofHours(2));
    assertThat(harness.drain(restarted)).as("fingerprints in the offset prevent duplicates after restart").isEmpty();
    restarted.stop();
  }

  @Test
  void shouldNotReemitWhenOnlyLastUpdateChanged() throws Exception {
    ComextApiSourceTask task = ingestJuneUpdateThenMoveToJuly(revisionProps("2"));
    // July update without May yet: the same figures, only LAST UPDATE moved (for every row, dead letters too).
    stubSdmx("2025-02", "2025-04", sdmx("15/07/25", FEB_TO_APR));

    assertThat(harness.drain(task)).isEmpty();
    wm.verify(1, getRequestedFor(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-02"))
        .withQueryParam("endPeriod", equalTo("2025-04")));
    task.stop();
  }

  @Test
  void shouldReemitAMonthWhoseDeadLetteredRowWasFixed() throws Exception {
    ComextApiSourceTask task = ingestJuneUpdateThenMoveToJuly(revisionProps("2"));
    // March imports from Japan were confidential (empty OBS_VALUE, dead-lettered); July publishes them.
    String[] fixed = String.join(";", FEB_TO_APR).replace("JP 2025-03 ", "JP 2025-03 5012345678").split(";");
    stubSdmx("2025-02", "2025-04", sdmx("15/07/25", fixed));

    List<SourceRecord> rs = harness.drain(task);

    assertThat(figures(rs)).containsExactly("CHN 2025-3 41234567890 COMEXT 2025-07-15",
        "JPN 2025-3 5012345678 COMEXT 2025-07-15", "USA 2025-3 31987654321 COMEXT 2025-07-15");
    assertThat(values(rs, "trade.dlq")).isEmpty();
    task.stop();
  }

  /** One SDMX-CSV response with Eurostat's OBS_FLAG column; each row is "partner period value flag". */
  static String sdmxFlagged(String lastUpdate, String... rows) {
    StringBuilder b = new StringBuilder(HEADER.replace("OBS_VALUE\n", "OBS_VALUE,OBS_FLAG\n"));
    for (String r : rows) {
      String[] f = r.split(" ", -1);
      b.append("ESTAT:DS-045409(1.0),").append(lastUpdate).append(",M,EU27_2020,").append(f[0])
          .append(",TOTAL,1,VALUE_IN_EUROS,").append(f[1]).append(',').append(f[2]).append(',').append(f[3])
          .append('\n');
    }
    return b.toString();
  }

  static List<String> qualities(List<SourceRecord> rs) {
    return values(rs, "trade.records").stream().map(s -> s.getString("partner") + " " + s.getInt32("year") + "-"
        + s.getInt32("month") + " " + s.getInt64("value") + " " + s.getString("quality") + " " + s.getString("note"))
        .toList();
  }

  /**
   * The dissemination API adds OBS_FLAG to a dataset whose observations carry flags. An estimate (e, s, f) is a weaker
   * figure than Eurostat's release, and the processor says which YoY rests on one; when Eurostat confirms the figure,
   * at the same value, the month goes out again so that the record, and every row that read it, stops saying so.
   */
  @Test
  void shouldMarkAnObservationEurostatFlagsEstimatedAndReemitItsMonthWhenTheEstimateIsConfirmedAtTheSameValue()
      throws Exception {
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    stubSdmx("2025-02", null, sdmxFlagged("13/06/25", "CN 2025-03 41234567890 ep", "US 2025-03 31987654321 ",
        "CN 2025-04 43210987654 e", "US 2025-04 30123456789 p", "JP 2025-04 5234567890 "));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("2"));

    assertThat(qualities(harness.drain(task))).containsExactly(
        "CHN 2025-3 41234567890 ESTIMATED OBS_FLAG ep", "USA 2025-3 31987654321 PUBLISHED null",
        "CHN 2025-4 43210987654 ESTIMATED OBS_FLAG e", "USA 2025-4 30123456789 PUBLISHED OBS_FLAG p",
        "JPN 2025-4 5234567890 PUBLISHED null");

    clock.advance(Duration.ofDays(31)); // mid-July: China's April estimate confirmed, same value, flag gone
    stubSdmx("2025-02", "2025-04", sdmxFlagged("15/07/25", "CN 2025-03 41234567890 ep", "US 2025-03 31987654321 ",
        "CN 2025-04 43210987654 ", "US 2025-04 30123456789 p", "JP 2025-04 5234567890 "));
    List<SourceRecord> july = harness.drain(task);

    assertThat(qualities(july)).as("April only, the whole month; March's estimate stands").containsExactlyInAnyOrder(
        "CHN 2025-4 43210987654 PUBLISHED null", "USA 2025-4 30123456789 PUBLISHED OBS_FLAG p",
        "JPN 2025-4 5234567890 PUBLISHED null");
    clock.advance(Duration.ofHours(2));
    assertThat(harness.drain(task)).as("flags unchanged since the last check").isEmpty();
    task.stop();
  }

  @Test
  void shouldTakeOnlyEurostatsEstimateFlagsAsEstimatedNeverTheLettersOfAWord() {
    assertThat(List.of("e", "s", "f", "ep", " bep ", "e: estimated", "pe"))
        .allSatisfy(flag -> assertThat(ComextParser.quality(flag)).as(flag).isEqualTo(FigureQuality.ESTIMATED));
    assertThat(List.of("", "p", "r", "u", "c", "b", "p: provisional", "estimated", "E", "see metadata"))
        .allSatisfy(flag -> assertThat(ComextParser.quality(flag)).as(flag).isEqualTo(FigureQuality.PUBLISHED));
  }

  /** February to April with a second bad row in March: a partner code Comext does not have (ZZ). */
  static final String[] FEB_TO_APR_UNKNOWN_PARTNER = (String.join(";", FEB_TO_APR) + ";ZZ 2025-03 777").split(";");

  static List<String> deadLetterReasons(List<SourceRecord> rs) {
    return values(rs, "trade.dlq").stream().map(s -> s.getString("reason")).toList();
  }

  static final List<String> MARCH_DEAD_LETTERS = List.of(CONFIDENTIAL, "Unknown Comext partner 'ZZ'");

  /** Mid-June: reads February to April, March's two bad rows dead-lettered once; then mid-July. */
  ComextApiSourceTask ingestJuneWithUnknownPartnerThenMoveToJuly(Map<String, String> props) throws Exception {
    return ingestJuneUpdateThenMoveToJuly(props, FEB_TO_APR_UNKNOWN_PARTNER, MARCH_DEAD_LETTERS);
  }

  /** The June rows with March's figure from China at {@code china}, the unknown partner's at {@code unknown}. */
  static String[] marchRevised(String china, String unknown) {
    return String.join(";", FEB_TO_APR_UNKNOWN_PARTNER).replace("CN 2025-03 41234567890", "CN 2025-03 " + china)
        .replace("ZZ 2025-03 777", "ZZ 2025-03 " + unknown).split(";");
  }

  /** A revision check a little later, whose look-back call gets {@code rows} updated {@code lastUpdate}. */
  List<SourceRecord> check(ComextApiSourceTask task, String lastUpdate, String[] rows) throws Exception {
    stubSdmx("2025-02", "2025-04", sdmx(lastUpdate, rows));
    clock.advance(Duration.ofHours(2));
    return harness.drain(task);
  }

  /** What {@code task} sends over {@code calls} new-month calls, ten minutes apart (the clock moved past each). */
  private List<SourceRecord> drainNewMonthCalls(ComextApiSourceTask task, int calls) throws Exception {
    List<SourceRecord> rs = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      rs.addAll(harness.drain(task));
      clock.advance(Duration.ofMinutes(10));
    }
    return rs;
  }

  /**
   * May has no figure yet, only a confidential row: the cursor stays at May, so every later new-month call (each
   * poll.interval.ms) answers that row again. It is one dead letter, not one per call; a changed one goes out again.
   */
  @Test
  void shouldNotDeadLetterTheSameRowsAgainWhenANewMonthCallAnswersAMonthWithoutFiguresAgain() throws Exception {
    stubSdmx("2025-02", null, sdmx("13/06/25", (String.join(";", FEB_TO_APR) + ";JP 2025-05 ").split(";")));
    stubSdmx("2025-05", null, sdmx("13/06/25", "JP 2025-05 "));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("0"));
    List<SourceRecord> rs = drainNewMonthCalls(task, 3);
    List<SourceRecord> beforeRestart = List.copyOf(rs);
    task.stop();
    ComextApiSourceTask restarted = start(new ComextApiSourceTask(), revisionProps("0"));
    List<SourceRecord> afterRestart = harness.drain(restarted);
    stubSdmx("2025-05", null, sdmx("13/06/25", "JP 2025-05 ", "ZZ 2025-05 12"));
    clock.advance(Duration.ofMinutes(10));
    List<SourceRecord> changed = harness.drain(restarted);
    restarted.stop();

    assertThat(values(beforeRestart, "trade.dlq")).extracting(s -> s.getString("position"))
        .as("March's and May's confidential rows, once each").containsExactly("line 7", "line 11");
    assertThat(figures(beforeRestart)).hasSize(8);
    assertThat(afterRestart).as("nor after a restart").isEmpty();
    assertThat(deadLetterReasons(changed)).as("May's dead letters changed: all of them go out")
        .containsExactly(CONFIDENTIAL, "Unknown Comext partner 'ZZ'");
    wm.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(4),
        getRequestedFor(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-05")));
  }

  /**
   * Mid-July with comext.lookback.months=0: May and June both answered with a confidential row only. The cursor stays
   * at May, so every new-month call answers both months again; the offset kept the dead-letter fingerprint of the
   * newest month only (June, the look-back window of 0 months), so May's row went to trade.dlq with every call.
   */
  @Test
  void shouldNotDeadLetterTheSameRowsAgainWhenSeveralMonthsWithoutFiguresAreAnsweredAgainWithLookbackZero()
      throws Exception {
    clock.advance(Duration.ofDays(30)); // 2025-07-15: June can be out
    stubSdmx("2025-02", null, sdmx("13/07/25", (String.join(";", FEB_TO_APR) + ";JP 2025-05 ;JP 2025-06 ").split(";")));
    stubSdmx("2025-05", null, sdmx("13/07/25", "JP 2025-05 ", "JP 2025-06 "));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("0"));
    List<SourceRecord> rs = drainNewMonthCalls(task, 3);
    task.stop();
    ComextApiSourceTask restarted = start(new ComextApiSourceTask(), revisionProps("0"));
    clock.advance(Duration.ofMinutes(10));
    rs.addAll(harness.drain(restarted));
    restarted.stop();

    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("position"))
        .as("March's, May's and June's confidential rows, once each").containsExactly("line 7", "line 11", "line 12");
    assertThat(figures(rs)).hasSize(8);
    wm.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(3),
        getRequestedFor(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-05")));
  }

  /**
   * May is asked while the dissemination API answers it with a body that is no SDMX-CSV (here the columns of another
   * format): the whole response is one dead letter and, without a figure, the cursor stays at May, so every new-month
   * call (each poll.interval.ms) got the same body and sent the same dead letter again. One per distinct body.
   */
  @Test
  void shouldNotDeadLetterTheSameWholeResponseAgainWhenANewMonthCallGetsItAgain() throws Exception {
    stubSdmx("2025-02", null, sdmx("13/06/25", FEB_TO_APR));
    String unexpected = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,TIME_PERIOD,OBS_VALUE\n"
        + "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,JP,TOTAL,1,2025-05,\n";
    stubSdmx("2025-05", null, unexpected);
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("0"));
    List<SourceRecord> rs = drainNewMonthCalls(task, 3);
    task.stop();
    ComextApiSourceTask restarted = start(new ComextApiSourceTask(), revisionProps("0"));
    List<SourceRecord> afterRestart = harness.drain(restarted);
    stubSdmx("2025-05", null, unexpected.replace("13/06/25", "14/06/25"));
    clock.advance(Duration.ofMinutes(10));
    List<SourceRecord> changed = harness.drain(restarted);
    restarted.stop();

    assertThat(deadLetterReasons(rs)).as("March's confidential row, and the unexpected response once")
        .containsExactly(CONFIDENTIAL, "Unexpected Comext SDMX-CSV header [DATAFLOW, LAST UPDATE, freq, reporter, "
            + "partner, product, flow, TIME_PERIOD, OBS_VALUE]: needs reporter, partner, product, flow, indicators, "
            + "TIME_PERIOD, OBS_VALUE");
    assertThat(afterRestart).as("nor after a restart").isEmpty();
    assertThat(values(changed, "trade.dlq")).as("another body: its dead letter goes out").hasSize(1);
    assertThat(task.offsetOf("EU27_2020").next()).hasToString("2025-05");
    wm.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(4),
        getRequestedFor(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-05")));
  }

  /**
   * A new-month call of a reporter catching up on months older than comext.publication.lag.months answered 200 with a
   * body that is not SDMX-CSV (an XML envelope, a gateway's page): one dead letter, and the cursor stays, as for a
   * younger month. It moved to the horizon instead, as if the response had said those months have no data: a WARN
   * "treating as never published", and every month from 2023-01 to 2024-05 was never asked again.
   */
  @Test
  void shouldKeepTheCursorOfAnOldMonthWhenANewMonthCallAnswersABodyThatIsNotSdmxCsv() throws Exception {
    String notCsv = "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Header/><env:Body>"
        + "<ns0:syncResponse><processingStatus>SUBMITTED</processingStatus></ns0:syncResponse></env:Body>"
        + "</env:Envelope>\n";
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    stubSdmx("2023-01", null, notCsv);
    Map<String, String> props = revisionProps("0");
    props.put(ComextConfig.START_CONFIG, "2023-01");
    ComextApiSourceTask task = start(new ComextApiSourceTask(), props);
    List<SourceRecord> first = harness.drain(task);
    stubSdmx("2023-01", null, sdmx("13/06/25", "CN 2023-01 31234567890"));
    clock.advance(Duration.ofMinutes(10));
    List<SourceRecord> then = harness.drain(task);
    task.stop();

    assertThat(values(first, "trade.dlq")).hasSize(1);
    assertThat(figures(then)).as("asked again, not stepped over")
        .containsExactly("CHN 2023-1 31234567890 COMEXT 2025-06-13");
  }

  /**
   * May has a confidential row only, then its figures come out beside it. The release before the dead letters of a
   * month without figures were left out (dead-letter fingerprints already kept) counted May's row among the items done
   * of that response; a task of that release stopped after the dead letter and China's figure, and restarted on this
   * one, left the row out and skipped two items without it: China's and the United States' figures, the latter never
   * sent.
   */
  @Test
  @Timeout(30) // take() waits for a record: a call that gave none must fail, not hang
  void shouldSendEveryFigureWhenResumingANewMonthResponseFromAnOffsetThatCountedItsSentDeadLetters()
      throws Exception {
    Map<String, String> props = oneRecordABatch(revisionProps("0"));
    readMayWithItsDeadLetterOnly(props);
    Map<String, Object> partition = harness.offsets.keySet().iterator().next();
    Map<String, Object> mayWithoutFigures = harness.offsets.get(partition);
    assertThat(mayWithoutFigures).containsEntry("next", "2025-05").containsKey("dead_letter_digests");

    // The figures come out. Read without May's dead-letter fingerprint, the row is counted as the earlier release
    // counted it: the stored offset after two items is the one that release wrote, but for that fingerprint.
    stubSdmx("2025-05", null, sdmx("13/07/25", "JP 2025-05 ", "CN 2025-05 44321098765", "US 2025-05 29876543210"));
    Map<String, Object> counted = new HashMap<>(mayWithoutFigures);
    counted.remove("dead_letter_digests");
    harness.offsets.put(partition, counted);
    ComextApiSourceTask earlier = start(new ComextApiSourceTask(), props);
    List<SourceRecord> got = new ArrayList<>(harness.take(earlier, 2));
    earlier.stop();
    Map<String, Object> stopped = new HashMap<>(harness.offsets.get(partition));
    assertThat(stopped).containsEntry("rows_done", 2L);
    stopped.put("dead_letter_digests", mayWithoutFigures.get("dead_letter_digests"));
    harness.offsets.put(partition, stopped);
    ComextApiSourceTask upgraded = start(new ComextApiSourceTask(), props);
    got.addAll(harness.drain(upgraded));
    upgraded.stop();

    assertThat(figures(got)).containsExactly("CHN 2025-5 44321098765 COMEXT 2025-07-13",
        "USA 2025-5 29876543210 COMEXT 2025-07-13");
    assertThat(upgraded.offsetOf("EU27_2020").next()).hasToString("2025-06");
  }

  /**
   * Reads February to May, May answered with JP's empty row alone (its dead letter, no figure): the cursor waits at
   * May.
   */
  private void readMayWithItsDeadLetterOnly(Map<String, String> props) throws Exception {
    stubSdmx("2025-02", null, sdmx("13/06/25", (String.join(";", FEB_TO_APR) + ";JP 2025-05 ").split(";")));
    stubSdmx("2025-05", null, sdmx("13/06/25", "JP 2025-05 "));
    ComextApiSourceTask first = start(new ComextApiSourceTask(), props);
    drainNewMonthCalls(first, 1);
    first.stop();
  }

  /** The same stop on this release: its offset says the row was left out, so the restart leaves it out too. */
  @Test
  @Timeout(30) // take() waits for a record: a call that gave none must fail, not hang
  void shouldResumeANewMonthResponseThatLeavesOutSentDeadLettersAfterItsLastDeliveredRecord() throws Exception {
    Map<String, String> props = oneRecordABatch(revisionProps("0"));
    readMayWithItsDeadLetterOnly(props);
    stubSdmx("2025-05", null, sdmx("13/07/25", "CN 2025-05 44321098765", "JP 2025-05 ", "US 2025-05 29876543210"));
    ComextApiSourceTask second = start(new ComextApiSourceTask(), props);
    List<SourceRecord> got = new ArrayList<>(harness.take(second, 1));
    second.stop();
    ComextApiSourceTask third = start(new ComextApiSourceTask(), props);
    got.addAll(harness.drain(third));
    third.stop();

    assertThat(figures(got)).containsExactly("CHN 2025-5 44321098765 COMEXT 2025-07-13",
        "USA 2025-5 29876543210 COMEXT 2025-07-13");
    assertThat(deadLetterReasons(got)).as("May's row was sent while it had no figure").isEmpty();
  }

  /**
   * The same unexpected body for May while a revision check re-emits April: the revised month's offset forgot that the
   * body's dead letter was sent, and the next new-month call sent it again, once per revision for as long as May was
   * answered so.
   */
  @Test
  void shouldNotDeadLetterTheSameWholeResponseAgainAfterARevisionCheckReemittedAMonth() throws Exception {
    stubSdmx("2025-02", null, sdmx("13/06/25", FEB_TO_APR));
    String unexpected = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,TIME_PERIOD,OBS_VALUE\n"
        + "ESTAT:DS-045409(1.0),13/06/25,M,EU27_2020,JP,TOTAL,1,2025-05,\n";
    stubSdmx("2025-05", null, unexpected);
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("2"));
    List<SourceRecord> rs = drainNewMonthCalls(task, 2);
    List<SourceRecord> revised = check(task, "15/07/25", String.join(";", FEB_TO_APR)
        .replace("CN 2025-04 43210987654", "CN 2025-04 43298765432").split(";"));
    clock.advance(Duration.ofMinutes(10));
    revised.addAll(harness.drain(task));
    task.stop();

    assertThat(values(rs, "trade.dlq")).as("March's confidential row, and the unexpected response once").hasSize(2);
    assertThat(figures(revised)).as("April re-emitted").hasSize(3);
    assertThat(values(revised, "trade.dlq")).as("the unexpected response was sent already").isEmpty();
    wm.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(4),
        getRequestedFor(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-05")));
  }

  /**
   * Mid-July, comext.lookback.months=1: April is the newest month with figures, May and June have a confidential row
   * only (the cursor waits at May). The look-back window was counted from June, the newest month with a fingerprint,
   * and ended before the cursor: May..April, no month at all, so April's revision was not read.
   */
  @Test
  void shouldCheckTheMonthsBelowTheCursorWhenLaterMonthsHaveDeadLettersOnly() throws Exception {
    clock.advance(Duration.ofDays(30)); // 2025-07-15: June can be out
    stubSdmx("2025-02", null, sdmx("13/07/25", (String.join(";", FEB_TO_APR) + ";JP 2025-05 ;JP 2025-06 ").split(";")));
    stubSdmx("2025-05", null, sdmx("13/07/25", "JP 2025-05 ", "JP 2025-06 "));
    String[] revised = Arrays.copyOfRange(FEB_TO_APR, 3, FEB_TO_APR.length);
    revised[3] = "CN 2025-04 43298765432";
    stubSdmx("2025-03", "2025-04", sdmx("14/07/25", revised));
    Map<String, String> props = revisionProps("1");
    props.put("poll.interval.ms", "86400000");
    ComextApiSourceTask task = start(new ComextApiSourceTask(), props);
    pollTimes(task, 3);
    clock.advance(Duration.ofHours(2));
    List<SourceRecord> check = pollTimes(task, 3);
    task.stop();

    assertThat(figures(check)).as("April revised: its figures again")
        .contains("CHN 2025-4 43298765432 COMEXT 2025-07-14");
  }

  /**
   * May answered with a confidential row only keeps the cursor (and gets a fingerprint); the new-month call asks again
   * a day later (poll.interval.ms), revision checks come hourly. May's figures came out in between: the check saw them
   * as a revision of May and emitted them, then the new-month call, its cursor still at May, emitted them again.
   */
  @Test
  void shouldEmitAMonthOnceWhenItsFirstFiguresComeOutWhileTheCursorWaitsForItAndARevisionCheckComesFirst()
      throws Exception {
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    stubSdmx("2025-02", null, sdmx("13/06/25", (String.join(";", FEB_TO_APR) + ";JP 2025-05 ").split(";")));
    stubSdmx("2025-05", null, sdmx("13/06/25", "JP 2025-05 "));
    Map<String, String> props = revisionProps("2");
    props.put("poll.interval.ms", "86400000");
    ComextApiSourceTask task = start(new ComextApiSourceTask(), props);
    List<SourceRecord> rs = new ArrayList<>(pollTimes(task, 3));
    assertThat(task.offsetOf("EU27_2020").next()).hasToString("2025-05");

    // Two hours on: May is out (every row carries the new LAST UPDATE). The revision check is due, the new-month call
    // not before tomorrow.
    String[] withMay = (String.join(";", FEB_TO_APR) + ";" + String.join(";", MAY)).split(";");
    stubSdmx("2025-03", "2025-05", sdmx("15/06/25", java.util.Arrays.copyOfRange(withMay, 3, withMay.length)));
    stubSdmx("2025-03", "2025-04", sdmx("15/06/25", java.util.Arrays.copyOfRange(FEB_TO_APR, 3, FEB_TO_APR.length)));
    stubSdmx("2025-05", null, sdmx("15/06/25", MAY));
    clock.advance(Duration.ofHours(2));
    rs.addAll(pollTimes(task, 3));
    clock.advance(Duration.ofDays(1));
    rs.addAll(pollTimes(task, 3));
    clock.advance(Duration.ofHours(2)); // and a check after it: May's fingerprint is that of its figures
    stubSdmx("2025-03", "2025-05", sdmx("16/06/25", java.util.Arrays.copyOfRange(withMay, 3, withMay.length)));
    rs.addAll(pollTimes(task, 3));
    task.stop();

    assertThat(figures(rs)).filteredOn(f -> f.contains(" 2025-5 ")).as("each of May's figures once")
        .containsExactlyInAnyOrder("CHN 2025-5 44321098765 COMEXT 2025-06-15",
            "USA 2025-5 29876543210 COMEXT 2025-06-15", "JPN 2025-5 5345678901 COMEXT 2025-06-15");
    assertThat(figures(rs)).hasSize(11);
    assertThat(task.offsetOf("EU27_2020").next()).hasToString("2025-06");
  }

  @Test
  void shouldNotDeadLetterTheSameBadRowsAgainWhenTheirMonthIsRevisedTwiceAcrossARestart() throws Exception {
    ComextApiSourceTask task = ingestJuneWithUnknownPartnerThenMoveToJuly(revisionProps("2"));
    // July: March imports from China revised; every row carries the new LAST UPDATE, March's bad rows too.
    List<SourceRecord> july = check(task, "15/07/25", marchRevised("41299999999", "777"));
    task.stop();
    ComextApiSourceTask restarted = start(new ComextApiSourceTask(), revisionProps("2"));
    List<SourceRecord> again = check(restarted, "16/07/25", marchRevised("41300000000", "777"));
    restarted.stop();

    assertThat(figures(july)).containsExactly("CHN 2025-3 41299999999 COMEXT 2025-07-15",
        "USA 2025-3 31987654321 COMEXT 2025-07-15");
    assertThat(deadLetterReasons(july)).as("sent with the month's first emission already").isEmpty();
    assertThat(figures(again)).containsExactly("CHN 2025-3 41300000000 COMEXT 2025-07-16",
        "USA 2025-3 31987654321 COMEXT 2025-07-16");
    assertThat(deadLetterReasons(again)).as("nor after a restart").isEmpty();
  }

  @Test
  void shouldDeadLetterAllBadRowsOfARevisedMonthAgainWhenOneOfThemChanged() throws Exception {
    ComextApiSourceTask task = ingestJuneWithUnknownPartnerThenMoveToJuly(revisionProps("2"));
    List<SourceRecord> july = check(task, "15/07/25", marchRevised("41234567890", "778"));
    task.stop();

    assertThat(figures(july)).as("the month goes out again, its figures unchanged").containsExactly(
        "CHN 2025-3 41234567890 COMEXT 2025-07-15", "USA 2025-3 31987654321 COMEXT 2025-07-15");
    assertThat(deadLetterReasons(july)).containsExactlyInAnyOrderElementsOf(MARCH_DEAD_LETTERS);
    assertThat(values(july, "trade.dlq")).extracting(s -> new String(s.getBytes("rawValue"), StandardCharsets.UTF_8))
        .contains("ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,ZZ,TOTAL,1,VALUE_IN_EUROS,2025-03,778");
  }

  @Test
  void shouldDeadLetterTheBadRowsOfARevisedMonthAgainWhenTheOffsetIsOfAnEarlierRelease() throws Exception {
    ComextApiSourceTask task = ingestJuneWithUnknownPartnerThenMoveToJuly(revisionProps("2"));
    task.stop();
    // What a release before the dead-letter fingerprints wrote: the same offset without them.
    Map<String, Object> partition = harness.offsets.keySet().iterator().next();
    Map<String, Object> stored = new HashMap<>(harness.offsets.get(partition));
    assertThat(stored.remove("dead_letter_digests")).isNotNull();
    harness.offsets.put(partition, stored);
    ComextApiSourceTask restarted = start(new ComextApiSourceTask(), revisionProps("2"));
    List<SourceRecord> july = check(restarted, "15/07/25", marchRevised("41299999999", "777"));
    restarted.stop();

    assertThat(figures(july)).hasSize(2);
    assertThat(deadLetterReasons(july)).containsExactlyInAnyOrderElementsOf(MARCH_DEAD_LETTERS);
  }

  /** {@code props} with batch.max.records 1: a worker can die after any record. */
  static Map<String, String> oneRecordABatch(Map<String, String> props) {
    props.put("batch.max.records", "1");
    return props;
  }

  /**
   * A revision check whose look-back call gets {@code revised} (July's update), and a worker that dies after the first
   * record re-emitted of {@code month}: that record. A single-month call of {@code month} gets its rows too (a resumed
   * revision asks only that month).
   */
  List<SourceRecord> reviseAndStopAfterOneRecord(ComextApiSourceTask task, String[] revised, String month)
      throws Exception {
    stubSdmx("2025-02", "2025-04", sdmx("15/07/25", revised));
    stubSdmx(month, month, sdmx("15/07/25", Arrays.stream(revised).filter(r -> r.contains(" " + month + " "))
        .toArray(String[]::new)));
    List<SourceRecord> got = harness.take(task, 1);
    task.stop();
    return got;
  }

  @Test
  @Timeout(30) // take() waits for a record: a missing revision check must fail, not hang
  void shouldResumeARevisedMonthThatLeavesOutSentDeadLettersAfterItsLastDeliveredRecord() throws Exception {
    Map<String, String> props = oneRecordABatch(revisionProps("2"));
    ComextApiSourceTask first = ingestJuneWithUnknownPartnerThenMoveToJuly(props);
    List<SourceRecord> got = new ArrayList<>(reviseAndStopAfterOneRecord(first, marchRevised("41299999999", "777"),
        "2025-03"));
    ComextApiSourceTask second = start(new ComextApiSourceTask(), props);
    got.addAll(harness.drain(second));
    second.stop();

    // rows_done counts the items the revision builds, the dead letters left out both times: nothing is skipped
    assertThat(figures(got)).containsExactly("CHN 2025-3 41299999999 COMEXT 2025-07-15",
        "USA 2025-3 31987654321 COMEXT 2025-07-15");
    assertThat(deadLetterReasons(got)).isEmpty();
  }

  @Test
  @Timeout(30) // take() waits for a record: a missing revision check must fail, not hang
  void shouldResumeARevisedMonthAfterRestartWithoutDuplicates() throws Exception {
    Map<String, String> props = oneRecordABatch(revisionProps("2"));
    ComextApiSourceTask first = ingestJuneUpdateThenMoveToJuly(props);
    String[] revised = String.join(";", FEB_TO_APR).replace("CN 2025-04 43210987654", "CN 2025-04 43298765432")
        .replace("US 2025-04 30123456789", "US 2025-04 30111111111").split(";");

    List<SourceRecord> before = reviseAndStopAfterOneRecord(first, revised, "2025-04");
    assertThat(harness.offsets.values()).singleElement()
        .satisfies(o -> assertThat(o).containsEntry("revising", "2025-04").containsEntry("rows_done", 1L));
    ComextApiSourceTask second = start(new ComextApiSourceTask(), props);
    List<SourceRecord> after = harness.drain(second);

    List<String> all = new ArrayList<>(figures(before));
    all.addAll(figures(after));
    assertThat(all).containsExactly("CHN 2025-4 43298765432 COMEXT 2025-07-15",
        "JPN 2025-4 5234567890 COMEXT 2025-07-15", "USA 2025-4 30111111111 COMEXT 2025-07-15");
    assertThat(second.offsetOf("EU27_2020").revising()).isNull();

    clock.advance(Duration.ofHours(2));
    assertThat(harness.drain(second)).as("the resumed month's fingerprint was stored").isEmpty();
    second.stop();
  }

  @Test
  void shouldReemitTheLookBackWindowOnceWhenOffsetsHaveNoFingerprintsYet() throws Exception {
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    stubSdmx("2025-02", "2025-04", sdmx("15/07/25", FEB_TO_APR));
    Map<String, Object> partition = Map.of("source", "comext", "dataset", "DS-045409", "reporter", "EU27_2020",
        "partners", "CN,US,JP", "products", "TOTAL", "flows", "IMPORT");
    // What the release before the look-back wrote after reading April.
    harness.offsets.put(partition, Map.of("next", "2025-05", "rows_done", 0L, "digest", ""));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("2"));
    assertThat(task.offsetOf("EU27_2020").next()).hasToString("2025-05");
    // Nor has it the time of the last check: the check is due at once, the task being caught up.
    List<SourceRecord> rs = harness.drain(task);
    assertThat(values(rs, "trade.records")).as("months without a fingerprint are re-emitted: nothing is lost")
        .hasSize(8);
    assertThat(values(rs, "trade.dlq")).hasSize(1);
    assertThat(task.offsetOf("EU27_2020").next()).hasToString("2025-05");

    clock.advance(Duration.ofHours(2));
    assertThat(harness.drain(task)).isEmpty();
    task.stop();
  }

  /** April read by a release without fingerprints (a check re-emits the window), last checked {@code ago} (null: never). */
  void storeAprilRead(Duration ago) {
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
        .withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    stubSdmx("2025-02", "2025-04", sdmx("15/07/25", FEB_TO_APR));
    Map<String, Object> off = new HashMap<>(Map.of("next", "2025-05", "rows_done", 0L, "digest", ""));
    if (ago != null) {
      off.put(RevisionChecks.KEY, clock.instant().minus(ago).toEpochMilli());
    }
    harness.offsets.put(Map.of("source", "comext", "dataset", "DS-045409", "reporter", "EU27_2020",
        "partners", "CN,US,JP", "products", "TOTAL", "flows", "IMPORT"), off);
  }

  @Test
  void shouldLookBackAtOnceAfterARestartWhenTheStoredCheckIsOlderThanTheInterval() throws Exception {
    storeAprilRead(Duration.ofMinutes(61));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("2"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).hasSize(8);
  }

  @Test
  void shouldWaitForTheRestOfTheIntervalAfterARestartWhenTheStoredCheckIsNewer() throws Exception {
    storeAprilRead(Duration.ofMinutes(30));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), revisionProps("2"));
    assertThat(harness.drain(task)).isEmpty();
    clock.advance(Duration.ofMinutes(30).minusSeconds(1));
    assertThat(harness.drain(task)).as("a second before the check is due").isEmpty();
    clock.advance(Duration.ofSeconds(1));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).hasSize(8);
  }

  @Test
  void shouldDoADueCheckBeforeReportingItselfCaughtUpSoAOneShotIngestReadsRevisions() throws Exception {
    storeAprilRead(null);
    Map<String, String> props = new HashMap<>(revisionProps("2"));
    props.put("name", "comext-lookback-" + System.nanoTime());
    ComextApiSourceTask task = start(new ComextApiSourceTask(), props);
    List<SourceRecord> rs = TaskHarness.pollUntilCaughtUp(task, props.get("name"));
    task.stop();

    assertThat(SourceCompletion.isCaughtUp(props.get("name"))).isTrue();
    assertThat(values(rs, "trade.records")).hasSize(8);
  }

  @Test
  void shouldCheckRevisionsOneMonthPerCallAfterExtractionTooBig() throws Exception {
    ComextApiSourceTask task = ingestJuneUpdateThenMoveToJuly(revisionProps("2"));
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-02"))
        .withQueryParam("endPeriod", equalTo("2025-04"))
        .willReturn(aResponse().withStatus(413).withBody("{\"error\":{\"status\":413,\"label\":\"EXTRACTION_TOO_BIG\"}}")));
    String[] revised = String.join(";", FEB_TO_APR).replace("US 2025-03 31987654321", "US 2025-03 32000000000")
        .split(";");
    for (int m = 2; m <= 4; m++) {
      String month = "2025-0" + m;
      stubSdmx(month, month, sdmx("15/07/25", Arrays.stream(revised).filter(r -> r.contains(month))
          .toArray(String[]::new)));
    }

    List<SourceRecord> rs = pollTimes(task, 5);

    assertThat(figures(rs)).containsExactly("CHN 2025-3 41234567890 COMEXT 2025-07-15",
        "USA 2025-3 32000000000 COMEXT 2025-07-15");
    assertThat(values(rs, "trade.dlq")).as("March's confidential row went out with its first emission, unchanged")
        .isEmpty();
    for (int m = 2; m <= 4; m++) {
      wm.verify(1, getRequestedFor(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-0" + m))
          .withQueryParam("endPeriod", equalTo("2025-0" + m)));
    }
    task.stop();
  }

  @Test
  void shouldRepeatAFailedRevisionCheckOnTheNextPollNotOneIntervalLater() throws Exception {
    ComextApiSourceTask task = ingestJuneUpdateThenMoveToJuly(revisionProps("2"));
    wm.stubFor(get(urlPathEqualTo(REVISED_PATH)).withQueryParam("startPeriod", equalTo("2025-02"))
        .withQueryParam("endPeriod", equalTo("2025-04")).willReturn(aResponse().withStatus(503)));
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(RetriableException.class).hasMessageContaining("HTTP 503");

    String[] revised = String.join(";", FEB_TO_APR).replace("CN 2025-02 39876543210", "CN 2025-02 39900000000")
        .split(";");
    stubSdmx("2025-02", "2025-04", sdmx("15/07/25", revised)); // Eurostat is back (the newest stub wins)
    assertThat(figures(harness.drain(task))).as("same clock: no interval waited").containsExactly(
        "CHN 2025-2 39900000000 COMEXT 2025-07-15", "JPN 2025-2 5123456789 COMEXT 2025-07-15",
        "USA 2025-2 29765432109 COMEXT 2025-07-15");
    task.stop();
  }

  @Test
  void shouldNotCheckRevisionsWhenLookbackIsZero() throws Exception {
    ComextApiSourceTask task = ingestJuneUpdateThenMoveToJuly(revisionProps("0"));
    assertThat(harness.drain(task)).isEmpty();
    wm.verify(0, getRequestedFor(urlPathEqualTo(REVISED_PATH)).withQueryParam("endPeriod", matching(".*")));
    task.stop();
  }

  @Test
  void shouldRejectLookbackOutsideRange() {
    assertThatThrownBy(() -> new ComextConfig(Map.of(ComextConfig.START_CONFIG, "2025-01",
        ComextConfig.LOOKBACK_CONFIG, "37"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("comext.lookback.months").hasMessageContaining("36");
    assertThatThrownBy(() -> new ComextConfig(Map.of(ComextConfig.START_CONFIG, "2025-01",
        ComextConfig.LOOKBACK_CONFIG, "-1"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("comext.lookback.months");
    assertThatThrownBy(() -> new ComextConfig(Map.of(ComextConfig.START_CONFIG, "2025-01",
        ComextConfig.REVISION_INTERVAL_CONFIG, "999"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("comext.revision.check.interval.ms");
    ComextConfig defaults = new ComextConfig(Map.of(ComextConfig.START_CONFIG, "2025-01"));
    assertThat(defaults.lookback()).isEqualTo(12);
    assertThat(defaults.revisionIntervalMs()).isEqualTo(86_400_000L);
  }
}
