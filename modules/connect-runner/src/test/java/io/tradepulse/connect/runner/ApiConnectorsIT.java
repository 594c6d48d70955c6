package io.tradepulse.connect.runner;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.connect.census.CensusSourceConnector;
import io.tradepulse.connect.comext.ComextSourceConnector;
import io.tradepulse.connect.comtrade.ComtradeSourceConnector;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API connectors on the real broker through the real Connect runtime (EmbeddedConnect), with WireMock
 * serving the real payload shapes; records read back through the registry. Months are relative to today
 * because the tasks run on the system clock: "two months ago" is published, "last month" is not out yet.
 */
@WithEmbeddedPlatform
class ApiConnectorsIT {
  @TempDir Path dir;
  WireMockServer wm;
  String topic;
  String dlq;
  final YearMonth published = YearMonth.now(ZoneOffset.UTC).minusMonths(2);
  final YearMonth notYetOut = published.plusMonths(1);

  @BeforeEach
  void start() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    topic = "it.api.records." + suffix;
    dlq = "it.api.dlq." + suffix;
  }

  @AfterEach
  void stop() {
    wm.stop();
  }

  @Test
  void censusShouldPublishCountriesNotGroupsDeadLetterUnknownCodesAndResumeWithoutDuplicates(EmbeddedPlatform platform)
      throws Exception {
    createTopics(platform);
    String path = "/data/timeseries/intltrade/exports/hs";
    wm.stubFor(get(urlPathEqualTo(path)).atPriority(10).willReturn(aResponse().withStatus(204))); // not out yet
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("time", equalTo(published.toString()))
        .willReturn(aResponse().withStatus(200).withBody("""
            [["CTY_CODE","CTY_NAME","ALL_VAL_MO","SUMMARY_LVL","time"],
            ["-","TOTAL FOR ALL COUNTRIES","174000000000","DET","%1$s"],
            ["0003","EUROPEAN UNION","30500000000","CGP","%1$s"],
            ["5700","CHINA","10345678901","DET","%1$s"],
            ["1220","CANADA","29999999999","DET","%1$s"],
            ["9999","NOT A SCHEDULE C CODE","12","DET","%1$s"]]""".formatted(published))));
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", CensusSourceConnector.class.getName());
    c.put("census.base.url", wm.baseUrl() + "/data/timeseries/intltrade");
    c.put("census.flows", "EXPORT");
    c.put("census.comm.lvl", "TOTAL");
    c.put("census.start.month", published.toString());

    runUntilCaughtUp(platform, "census-it", c);
    List<TradeRecord> trades = values(platform, topic, 3, TradeRecord.class);
    assertThat(trades).extracting(TradeRecord::getPartner).containsExactlyInAnyOrder("WLD", "CHN", "CAN");
    TradeRecord china = trades.stream().filter(t -> t.getPartner().equals("CHN")).findFirst().orElseThrow();
    assertThat(china.getValue()).isEqualTo(10_345_678_901L);
    assertThat(china.getReporter()).isEqualTo("USA");
    assertThat(china.getFlow().name()).isEqualTo("EXPORT");
    assertThat(china.getVintage()).isEqualTo("FT-900 " + published);
    assertThat(values(platform, dlq, 1, DeadLetter.class)).singleElement()
        .satisfies(d -> assertThat(d.getReason()).contains("9999"));

    runUntilCaughtUp(platform, "census-it", c); // a new worker on the same offsets file
    assertThat(values(platform, topic, 3, TradeRecord.class)).hasSize(3);
  }

  @Test
  void comtradeShouldPublishTheNewestPeriodsAndWaitForTheUnpublishedOne(EmbeddedPlatform platform) throws Exception {
    createTopics(platform);
    DateTimeFormatter yyyyMM = DateTimeFormatter.ofPattern("yyyyMM");
    String path = "/data/v1/get/C/M/HS";
    wm.stubFor(get(urlPathEqualTo(path)).atPriority(10).willReturn(aResponse().withStatus(204)));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("period", equalTo(published.format(yyyyMM) + ","
        + notYetOut.format(yyyyMM))).withHeader("Ocp-Apim-Subscription-Key", equalTo("k3y"))
        .willReturn(aResponse().withStatus(200).withBody("{\"elapsedTime\":\"0.1 secs\",\"count\":2,\"data\":["
            + comtrade(published, "X", "52800000000.4") + "," + comtrade(published, "M", "12345.5") + "],\"error\":\"\"}")));
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", ComtradeSourceConnector.class.getName());
    c.put("comtrade.base.url", wm.baseUrl() + "/data/v1/get");
    c.put("comtrade.subscription.key", "k3y");
    c.put("comtrade.reporters", "156");
    c.put("comtrade.partners", "842");
    c.put("comtrade.flows", "X,M");
    c.put("comtrade.start.period", published.format(yyyyMM));

    runUntilCaughtUp(platform, "comtrade-it", c);
    List<TradeRecord> trades = values(platform, topic, 2, TradeRecord.class);
    assertThat(trades).extracting(t -> t.getReporter() + "->" + t.getPartner() + " " + t.getFlow() + " " + t.getValue())
        .containsExactlyInAnyOrder("CHN->USA EXPORT 52800000000", "CHN->USA IMPORT 12346");
    // The unpublished month was asked for, and will be asked again later.
    wm.verify(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo(path))
        .withQueryParam("period", equalTo(notYetOut.format(yyyyMM))));
  }

  @Test
  void comextShouldPublishEurValuesWithCurrencyEur(EmbeddedPlatform platform) throws Exception {
    createTopics(platform);
    String path = "/sdmx/2.1/data/DS-045409/M.EU27_2020.CN.TOTAL.2.VALUE_IN_EUROS";
    wm.stubFor(get(urlPathEqualTo(path)).atPriority(10).willReturn(aResponse().withStatus(204)));
    wm.stubFor(get(urlPathEqualTo(path)).withQueryParam("startPeriod", equalTo(published.toString()))
        .willReturn(aResponse().withStatus(200).withBody(
            "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n"
                + "ESTAT:DS-045409(1.0),15/09/26,M,EU27_2020,CN,TOTAL,2,VALUE_IN_EUROS," + published + ",17654321098\n")));
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", ComextSourceConnector.class.getName());
    c.put("comext.base.url", wm.baseUrl() + "/sdmx/2.1/data");
    c.put("comext.partners", "CN");
    c.put("comext.flows", "EXPORT");
    c.put("comext.start.period", published.toString());

    runUntilCaughtUp(platform, "comext-it", c);
    assertThat(values(platform, topic, 1, TradeRecord.class)).singleElement().satisfies(t -> {
      assertThat(t.getValue()).isEqualTo(17_654_321_098L);
      assertThat(t.getCurrency()).isEqualTo("EUR");
      assertThat(t.getSource()).isEqualTo("COMEXT");
    });
  }

  static String comtrade(YearMonth m, String flow, String value) {
    return """
        {"typeCode":"C","freqCode":"M","refPeriodId":%1$s01,"refYear":%2$d,"refMonth":%3$d,"period":"%1$s",
        "reporterCode":156,"reporterISO":"CHN","reporterDesc":"China","flowCode":"%4$s","partnerCode":842,
        "partnerISO":"USA","partner2Code":0,"classificationCode":"H6","cmdCode":"TOTAL","aggrLevel":0,"isLeaf":false,
        "customsCode":"C00","mosCode":"0","motCode":0,"qtyUnitCode":-1,"qty":null,"altQty":null,"netWgt":null,
        "grossWgt":null,"isQtyEstimated":false,"cifvalue":null,"fobvalue":%5$s,"primaryValue":%5$s,"isReported":true,
        "isAggregate":true}""".formatted(m.format(DateTimeFormatter.ofPattern("yyyyMM")), m.getYear(),
        m.getMonthValue(), flow, value);
  }

  private void runUntilCaughtUp(EmbeddedPlatform platform, String name, Map<String, String> connector) throws Exception {
    Map<String, String> c = new HashMap<>(connector);
    c.put("tasks.max", "1");
    c.put("topic", topic);
    c.put("dlq.topic", dlq);
    c.put("http.backoff.initial.ms", "10");
    try (EmbeddedConnect connect = EmbeddedConnect.start(EmbeddedConnect.workerProps(platform.bootstrapServers(),
        platform.registryUrl(), dir.resolve("connect.offsets")))) {
      connect.startConnector(name, c);
      assertThat(connect.awaitCaughtUp(name, Duration.ofSeconds(60))).isTrue();
    }
  }

  private void createTopics(EmbeddedPlatform platform) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", platform.bootstrapServers());
    try (Admin a = Admin.create(p)) {
      a.createTopics(List.of(new NewTopic(topic, 3, (short) 1), new NewTopic(dlq, 1, (short) 1))).all().get();
      // createTopics returns before every broker's metadata shows the topic: wait until it is visible.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!a.listTopics().names().get().containsAll(List.of(topic, dlq)) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    }
  }

  static <T> List<T> values(EmbeddedPlatform platform, String topic, int atLeast, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (ConsumerRecord<Object, Object> r
        : ConnectFixtures.readAll(platform.bootstrapServers(), platform.registryUrl(), topic, atLeast)) {
      if (r.key() instanceof SeriesKey k && r.value() instanceof TradeRecord t) {
        assertThat(k.getPartner()).isEqualTo(t.getPartner()); // key and value agree
      }
      out.add(type.cast(r.value()));
    }
    return out;
  }
}
