package io.tradepulse.connect.comext;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComextSourceTaskTest {
  static final String HEADER = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n";
  static final String BULK_HEADER = "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,PRODUCT_CPA21,PRODUCT_CPA22,"
      + "PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,SUPPL_UNIT,PERIOD,VALUE_EUR,VALUE_NAC,"
      + "QUANTITY_KG,QUANTITY_SUPPL_UNIT\n";

  @TempDir Path dir;
  WireMockServer wm;
  final TaskHarness harness = new TaskHarness();
  final TaskHarness.MutableClock clock = new TaskHarness.MutableClock(Instant.parse("2025-06-15T00:00:00Z"));

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

  @Test
  void shouldFailNamingTheKeysToNarrowWhenOneMonthIsStillTooBig() throws Exception {
    wm.stubFor(get(urlPathEqualTo("/sdmx/2.1/data/DS-045409/M.EU27_2020..TOTAL.1+2.VALUE_IN_EUROS"))
        .willReturn(aResponse().withStatus(413).withBody("EXTRACTION_TOO_BIG")));
    ComextApiSourceTask task = start(new ComextApiSourceTask(), Map.of(ComextConfig.START_CONFIG, "2025-05"));
    assertThat(task.poll()).isNull();
    assertThatThrownBy(task::poll).hasMessageContaining("comext.partners").hasMessageContaining("2025-05");
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
    assertThat(values(rs, "trade.dlq")).singleElement()
        .satisfies(d -> assertThat(d.getString("reason")).startsWith("No EUR->USD rate for 2025-04"));
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
}
