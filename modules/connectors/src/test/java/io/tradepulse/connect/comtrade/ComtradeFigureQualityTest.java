package io.tradepulse.connect.comtrade;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The quality of Comtrade figures as the v1 data API flags them. In a live answer (comtradeapi.un.org, /C/A/HS,
 * reporter 699 India, 2022, cmdCode 010121, imports) the partner rows are {@code "isReported":true,
 * "isAggregate":false} and the World row {@code "isReported":false,"isAggregate":true}, its primaryValue exactly their
 * sum (1861448.346 + 131007.596 = 1992455.942): a row UNSD computes by adding up what the country reported is not
 * "reported" at that level, but it is no estimate either. Totals (partner 0, cmdCode TOTAL, chapters) are such rows, for
 * the USA and China as for India.
 */
class ComtradeFigureQualityTest {
  static final String PATH = "/data/v1/get/C/M/HS";

  WireMockServer wm;
  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));

  @BeforeEach
  void startServer() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
  }

  @AfterEach
  void stopServer() {
    wm.stop();
  }

  /** A v1 record with the fields and flags of a live answer; {@code reported}/{@code aggregate} are JSON literals. */
  static String rec(int partner, String partnerIso, String flow, String value, String reported, String aggregate) {
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

  List<SourceRecord> read(String... records) throws InterruptedException {
    String body = "{\"elapsedTime\":\"0.3 secs\",\"count\":" + records.length + ",\"data\":["
        + String.join(",", records) + "],\"error\":\"\"}";
    wm.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withBody(body)));
    Map<String, String> p = new HashMap<>();
    p.put("name", "comtrade-quality-test");
    p.put(ComtradeConfig.BASE_URL_CONFIG, wm.baseUrl() + "/data/v1/get");
    p.put(ComtradeConfig.KEY_CONFIG, "k3y");
    p.put(ComtradeConfig.REPORTERS_CONFIG, "156");
    p.put(ComtradeConfig.PARTNERS_CONFIG, "842,0");
    p.put(ComtradeConfig.FLOWS_CONFIG, "X");
    p.put(ComtradeConfig.START_CONFIG, "202401");
    p.put("poll.interval.ms", "10");
    ComtradeSourceTask task = new ComtradeSourceTask();
    task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    task.initialize(harness.context(p));
    task.start(p);
    try {
      return TaskHarness.poll(task);
    } finally {
      task.stop();
    }
  }

  static List<String> qualities(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.records")).map(r -> (Struct) r.value())
        .map(s -> s.getString("partner") + " " + s.getInt64("value") + " " + s.getString("quality")).toList();
  }

  @Test
  void shouldKeepTheWorldTotalUnsdAddsUpFromTheReportedPartnerFiguresPublished() throws Exception {
    List<SourceRecord> rs = read(rec(842, "USA", "X", "43678000000", "true", "false"),
        rec(0, "W00", "X", "301300000000", "false", "true"));

    assertThat(qualities(rs)).containsExactly("USA 43678000000 PUBLISHED", "WLD 301300000000 PUBLISHED");
  }

  @Test
  void shouldStillMarkAFigureNeitherReportedNorAddedUpFromReportedOnesEstimated() throws Exception {
    List<SourceRecord> rs = read(rec(842, "USA", "X", "43678000000", "false", "false"),
        rec(0, "W00", "X", "301300000000", "false", "null"));

    assertThat(qualities(rs)).containsExactly("USA 43678000000 ESTIMATED", "WLD 301300000000 ESTIMATED");
  }
}
