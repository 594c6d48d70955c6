package io.tradepulse.connect.comtrade;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The project's rule "bad input loses nothing" for the Comtrade connector, as a property over generated pages of the v1
 * API's shape (records of the twelve periods asked, each maybe mutated: a period not asked or unreadable, an unknown
 * partner or flow, a primaryValue missing, non-numeric, negative or huge, a breakdown instead of the total, escaped
 * text), read through the real task ({@link ComtradeSourceTask#poll} with {@link TaskHarness}, the stub API over HTTP).
 *
 * <p>Every element of {@code data[]} is accounted for, in order: it yields its record or one dead letter naming the
 * call (its URL), the element ({@code data[i]}) and its raw JSON, with a reason, or it is a breakdown, skipped and
 * counted (docs/connectors.md, UN Comtrade). And no period asked is passed over: the next call asks from the month
 * after the newest period of the page's figures.
 */
class ComtradeAccountingPropertiesTest {
  static final String PATH = "/data/v1/get/C/M/HS";
  static final String WINDOW = "202401,202402,202403,202404,202405,202406,202407,202408,202409,202410,202411,202412";
  /** M49 partner codes of the base records and their ISO codes. */
  static final List<String[]> PARTNERS = List.of(new String[] {"842", "USA"}, new String[] {"0", "WLD"},
      new String[] {"251", "FRA"}, new String[] {"699", "IND"});

  static WireMockServer wm;

  @BeforeContainer
  static void startStub() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
  }

  @AfterContainer
  static void stopStub() {
    wm.stop();
  }

  enum Mutation {
    NONE, PERIOD_NOT_ASKED, BAD_PERIOD, UNKNOWN_PARTNER, UNKNOWN_FLOW, NO_VALUE, BAD_VALUE, BREAKDOWN, ESCAPES
  }

  /** What the docs say a record yields. */
  enum Outcome { RECORD, DEAD_LETTER, SKIPPED }

  /** Record {@code base} (a period of the window and a partner) with {@code mutation}. */
  record RecSpec(int base, Mutation mutation, int variant) {}

  /** A record as sent, what it yields and, for a figure, its period and partner. */
  record Rec(String json, Outcome outcome, YearMonth period, String partner) {}

  @Provide
  Arbitrary<List<RecSpec>> pages() {
    List<Tuple.Tuple2<Integer, Mutation>> weights = new ArrayList<>();
    for (Mutation m : Mutation.values()) {
      weights.add(Tuple.of(m == Mutation.NONE ? 8 : 1, m));
    }
    return Combinators.combine(Arbitraries.integers().between(0, 12 * PARTNERS.size() - 1),
        Arbitraries.frequency(weights), Arbitraries.integers().between(0, 9)).as(RecSpec::new)
        .list().ofMaxSize(12);
  }

  @Property(tries = 80)
  void shouldAccountForEveryRecordOfAMutatedPageAndPassOverNoPeriodAsked(@ForAll("pages") List<RecSpec> page)
      throws Exception {
    List<Rec> recs = page.stream().map(ComtradeAccountingPropertiesTest::rec).toList();
    String body = "{\"elapsedTime\":\"0.2 secs\",\"count\":" + recs.size() + ",\"data\":["
        + String.join(",", recs.stream().map(Rec::json).toList()) + "],\"error\":\"\"}";
    wm.resetAll();
    wm.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200)
        .withBody("{\"elapsedTime\":\"0.1 secs\",\"count\":0,\"data\":[],\"error\":\"\"}")));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(WINDOW))
        .willReturn(aResponse().withStatus(200).withBody(body)));

    TaskHarness harness = new TaskHarness();
    ComtradeSourceTask task = new ComtradeSourceTask();
    task.useForTesting(new MutableClock(Instant.parse("2025-06-15T00:00:00Z")),
        new JdkPageFetcher(Duration.ofSeconds(5)));
    harness.start(task, props());
    List<SourceRecord> out = harness.drainThenStop(task); // the property fails on whatever the task throws

    int k = 0;
    int skipped = 0;
    YearMonth newest = null;
    for (int i = 0; i < recs.size(); i++) {
      Rec r = recs.get(i);
      String what = "data[" + i + "] (" + r.json() + ") of\n" + body;
      if (r.outcome() == Outcome.SKIPPED) {
        skipped++;
        continue;
      }
      assertThat(out).as("an output for %s", what).hasSizeGreaterThan(k);
      SourceRecord got = out.get(k++);
      if (got.topic().equals("trade.dlq")) {
        Struct dl = (Struct) got.value();
        assertThat(r.outcome()).as("dead letter %s for %s", dl.getString("reason"), what)
            .isEqualTo(Outcome.DEAD_LETTER);
        assertThat(dl.getString("position")).as(what).isEqualTo("data[" + i + "]");
        assertThat(dl.getString("source")).as(what).startsWith(wm.baseUrl()).contains("period=" + WINDOW);
        assertThat(new String(dl.getBytes("rawValue"), StandardCharsets.UTF_8)).as(what).isEqualTo(r.json());
        assertThat(dl.getString("reason")).as(what).isNotBlank();
      } else {
        assertThat(r.outcome()).as("record for %s", what).isEqualTo(Outcome.RECORD);
        Struct v = (Struct) got.value();
        assertThat(YearMonth.of(v.getInt32("year"), v.getInt32("month"))).as(what).isEqualTo(r.period());
        assertThat(((Struct) got.key()).getString("partner")).as(what).isEqualTo(r.partner());
        newest = newest == null || r.period().isAfter(newest) ? r.period() : newest;
      }
    }
    assertThat(out).as("nothing but the page's records and dead letters:\n%s", body).hasSize(k);
    assertThat(task.metrics().skipped()).as("the breakdowns, counted").isEqualTo(skipped);
    List<String> asked = new ArrayList<>(wm.getAllServeEvents().stream()
        .map(e -> e.getRequest().queryParameter("period").firstValue()).toList());
    java.util.Collections.reverse(asked); // WireMock lists the newest first
    assertThat(asked.get(0)).isEqualTo(WINDOW);
    if (newest != null && asked.size() > 1) {
      assertThat(asked.get(1)).as("the call after the page, whose newest figure is of %s:\n%s", newest, body)
          .startsWith(newest.plusMonths(1).format(ComtradeConfig.YYYYMM));
    }
  }

  static Map<String, String> props() {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comtrade-accounting-" + System.nanoTime());
    p.put(ComtradeConfig.BASE_URL_CONFIG, wm.baseUrl() + "/data/v1/get");
    p.put(ComtradeConfig.KEY_CONFIG, "k3y");
    p.put(ComtradeConfig.REPORTERS_CONFIG, "156");
    p.put(ComtradeConfig.PARTNERS_CONFIG, "842,0,251,699");
    p.put(ComtradeConfig.FLOWS_CONFIG, "X,M");
    p.put(ComtradeConfig.START_CONFIG, "202401");
    p.put("poll.interval.ms", "10");
    p.put("http.backoff.initial.ms", "1");
    return p;
  }

  static <T> T pick(List<T> options, int variant) {
    return options.get(variant % options.size());
  }

  static Rec rec(RecSpec s) {
    YearMonth period = YearMonth.of(2024, 1 + s.base() % 12);
    String[] partner = PARTNERS.get(s.base() / 12);
    // Fields as the v1 API sends them, JSON literals.
    Map<String, String> f = new LinkedHashMap<>();
    String p = period.format(ComtradeConfig.YYYYMM);
    f.put("typeCode", "\"C\"");
    f.put("freqCode", "\"M\"");
    f.put("refPeriodId", p + "01");
    f.put("refYear", String.valueOf(period.getYear()));
    f.put("refMonth", String.valueOf(period.getMonthValue()));
    f.put("period", "\"" + p + "\"");
    f.put("reporterCode", "156");
    f.put("reporterISO", "\"CHN\"");
    f.put("reporterDesc", "\"China\"");
    f.put("flowCode", s.base() % 2 == 0 ? "\"X\"" : "\"M\"");
    f.put("partnerCode", partner[0]);
    f.put("partnerISO", "\"" + partner[1] + "\"");
    f.put("partner2Code", "0");
    f.put("classificationCode", "\"H6\"");
    f.put("cmdCode", "\"TOTAL\"");
    f.put("aggrLevel", "0");
    f.put("isLeaf", "false");
    f.put("customsCode", "\"C00\"");
    f.put("mosCode", "\"0\"");
    f.put("motCode", "0");
    f.put("cifvalue", "null");
    f.put("fobvalue", String.valueOf(1000 + s.base()));
    f.put("primaryValue", String.valueOf(1000 + s.base()));
    f.put("isReported", "true");
    f.put("isAggregate", "true");
    Outcome outcome = Outcome.DEAD_LETTER;
    int v = s.variant();
    switch (s.mutation()) {
      case NONE -> outcome = Outcome.RECORD;
      case PERIOD_NOT_ASKED ->
          f.put("period", pick(List.of("\"202503\"", "\"209901\"", "\"202312\"", "\"202501\""), v));
      case BAD_PERIOD -> f.put("period", pick(List.of("\"2024-05\"", "\"202413\"", "\"\"", "null", "\"2024\""), v));
      case UNKNOWN_PARTNER -> f.put("partnerCode", pick(List.of("899", "412", "99999", "-1", "\"USA\""), v));
      case UNKNOWN_FLOW -> f.put("flowCode", pick(List.of("\"DX\"", "\"\"", "null", "\"x \""), v));
      case NO_VALUE -> f.put("primaryValue", "null");
      case BAD_VALUE ->
          f.put("primaryValue", pick(List.of("\"abc\"", "-5", "1e30", "\"NaN\"", "-0.5", "1e9999999"), v));
      case BREAKDOWN -> {
        switch (v % 3) {
          case 0 -> f.put("partner2Code", "251");
          case 1 -> f.put("customsCode", "\"C01\"");
          default -> f.put("motCode", "1000");
        }
        outcome = Outcome.SKIPPED;
      }
      case ESCAPES -> {
        f.put("reporterDesc", pick(List.of("\"C\\u00f4te \\\"x\\\", y\"", "\"line\\nbreak\"", "\"\u4e2d\u56fd\""), v));
        outcome = Outcome.RECORD;
      }
      default -> throw new IllegalStateException(s.mutation().name());
    }
    StringBuilder json = new StringBuilder("{");
    f.forEach((k, val) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append(val));
    return new Rec(json.append('}').toString(), outcome, period, partner[1]);
  }
}
