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
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.connect.common.RevisionChecks;
import io.tradepulse.connect.common.Sleeper;
import io.tradepulse.connect.common.SourceCompletion;
import io.tradepulse.connect.common.SourcePartitions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The look-back: once a reporter is caught up, the periods below its cursor are asked again every
 * comtrade.revision.check.interval.ms, and a period whose records changed (Comtrade revised it, or a partner's figures
 * came late) is re-emitted whole with a higher revision. Pages in the v1 shape ({@link ComtradeSourceTaskTest#rec}).
 */
class ComtradeLookbackTest {
  static final String PATH = "/data/v1/get/C/M/HS";
  static final String YEAR_2023 = "202301,202302,202303,202304,202305,202306,202307,202308,202309,202310,202311,202312";
  static final String YEAR_2024 = ComtradeSourceTaskTest.YEAR_2024;
  /** The new-period window once 2024 is read: today is 2025-06-15, so 2025-05 is the newest period that can be out. */
  static final String TO_MAY_2025 = "202501,202502,202503,202504,202505";
  static final Duration A_DAY_ON = Duration.ofDays(1).plusSeconds(1);

  WireMockServer wm;
  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));

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

  Map<String, String> props(String... overrides) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comtrade-lookback-test");
    p.put(ComtradeConfig.BASE_URL_CONFIG, wm.baseUrl() + "/data/v1/get");
    p.put(ComtradeConfig.KEY_CONFIG, "k3y");
    p.put(ComtradeConfig.REPORTERS_CONFIG, "156");
    p.put(ComtradeConfig.PARTNERS_CONFIG, "842,0");
    p.put(ComtradeConfig.FLOWS_CONFIG, "X,M");
    p.put(ComtradeConfig.START_CONFIG, "202401");
    p.put("poll.interval.ms", "10");
    p.put("http.backoff.initial.ms", "1");
    for (int i = 0; i < overrides.length; i += 2) {
      p.put(overrides[i], overrides[i + 1]);
    }
    return p;
  }

  ComtradeSourceTask start(Map<String, String> props) {
    ComtradeSourceTask t = new ComtradeSourceTask();
    t.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(t, props);
  }

  /** With the waits of its units of work going to {@code sleeper} instead of taking time. */
  ComtradeSourceTask start(Map<String, String> props, Sleeper sleeper) {
    ComtradeSourceTask t = new ComtradeSourceTask();
    t.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)), sleeper);
    return harness.start(t, props);
  }

  static final Map<String, Object> PARTITION = Map.copyOf(SourcePartitions.of("source", "comtrade", "reporter", "156",
      "partners", "842,0", "flows", "X,M", "cmd", "TOTAL"));

  static String rec(String period, String partner, String flow, String value) {
    return ComtradeSourceTaskTest.rec(period, "156", partner, flow, "TOTAL", value);
  }

  /** Exports to the US (1000 + month), imports from the US (500 + month), exports to the world (9000 + month). */
  static List<String> periodRecords(String period) {
    int m = Integer.parseInt(period.substring(4));
    return List.of(rec(period, "842", "X", Integer.toString(1000 + m)), rec(period, "842", "M", Integer.toString(500 + m)),
        rec(period, "0", "X", Integer.toString(9000 + m)));
  }

  static List<String> year(int year) {
    List<String> out = new ArrayList<>();
    for (int m = 1; m <= 12; m++) {
      out.addAll(periodRecords(String.format("%d%02d", year, m)));
    }
    return out;
  }

  static String body(List<String> records, String elapsed) {
    return "{\"elapsedTime\":\"" + elapsed + "\",\"count\":" + records.size() + ",\"data\":["
        + String.join(",", records) + "],\"error\":\"\"}";
  }

  void stub(String periods, List<String> records) {
    stub(periods, body(records, "0.1 secs"));
  }

  void stub(String periods, String body) {
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(periods))
        .willReturn(aResponse().withStatus(200).withBody(body)));
  }

  /** The periods asked, in order. */
  List<String> asked() {
    List<String> out = new ArrayList<>(wm.getAllServeEvents().stream()
        .map(e -> e.getRequest().queryParameter("period").firstValue()).toList());
    Collections.reverse(out);
    return out;
  }

  static Struct value(SourceRecord r) {
    return (Struct) r.value();
  }

  static String show(SourceRecord r) {
    Struct v = value(r);
    return v.getInt32("year") + "-" + v.getInt32("month") + " " + v.getString("partner") + " " + v.getString("flow") + " "
        + v.getInt64("value") + " r" + v.getInt32("revision");
  }

  /** The records of a period, in a list of records. */
  static SourceRecord find(List<SourceRecord> rs, int month, String partner, String flow) {
    return rs.stream().filter(r -> value(r).getInt32("month") == month && value(r).getString("partner").equals(partner)
        && value(r).getString("flow").equals(flow)).findFirst().orElseThrow();
  }

  @Test
  void shouldReemitPeriodWhenComtradeRevisesIt() throws Exception {
    List<String> year = year(2024);
    stub(YEAR_2024, year);
    ComtradeSourceTask task = start(props());
    List<SourceRecord> first = harness.drain(task);
    assertThat(first).hasSize(36);

    // Comtrade revises March 2024 down: the exports to the US were 1003, are now 900.
    List<String> revised = new ArrayList<>(year);
    revised.set(year.indexOf(rec("202403", "842", "X", "1003")), rec("202403", "842", "X", "900"));
    stub(YEAR_2024, revised);
    clock.advance(Duration.ofHours(23));
    assertThat(harness.drain(task)).as("the revision check is not due yet").isEmpty();
    clock.advance(Duration.ofHours(1).plusSeconds(1));
    List<SourceRecord> again = harness.drain(task);
    task.stop();

    assertThat(again).extracting(ComtradeLookbackTest::show).as("the whole period, with its revision")
        .containsExactly("2024-3 USA EXPORT 900 r1", "2024-3 USA IMPORT 503 r1", "2024-3 WLD EXPORT 9003 r1");
    // One call for the whole look-back window (12 periods), after the new-period window (not out yet) of each poll.
    assertThat(asked()).containsExactly(YEAR_2024, TO_MAY_2025, TO_MAY_2025, TO_MAY_2025, YEAR_2024);
    assertThat(TaskHarness.offset(again.get(2))).containsEntry("next", "202501").containsEntry("rows_done", 0L)
        .containsEntry("revisions", "2024-03=1").doesNotContainKey("revising");
  }

  /**
   * UNSD estimates a figure the country has not reported (isReported false) and replaces it with the country's own once
   * it comes, often with the same value: the period changed, and is re-emitted with the figure now PUBLISHED.
   */
  @Test
  void shouldReemitAnEstimatedFigureAsPublishedWhenTheCountryReportsItLater() throws Exception {
    List<String> year = year(2024);
    String march = rec("202403", "842", "X", "1003");
    // An estimate is neither reported nor a sum of reported rows (isAggregate true would be the country's figure).
    String estimated = march.replace("\"isReported\":true", "\"isReported\":false")
        .replace("\"isAggregate\":true", "\"isAggregate\":false");
    List<String> withEstimate = new ArrayList<>(year);
    withEstimate.set(year.indexOf(march), estimated);
    stub(YEAR_2024, withEstimate);
    ComtradeSourceTask task = start(props());
    List<SourceRecord> first = harness.drain(task);
    assertThat(first).hasSize(36);
    assertThat(value(find(first, 3, "USA", "EXPORT")).getString("quality")).isEqualTo("ESTIMATED");
    assertThat(first).filteredOn(r -> r != find(first, 3, "USA", "EXPORT"))
        .allSatisfy(r -> assertThat(value(r).getString("quality")).isEqualTo("PUBLISHED"));

    stub(YEAR_2024, year); // the country reported March: the same value, reported
    clock.advance(A_DAY_ON);
    List<SourceRecord> again = harness.drain(task);
    task.stop();

    assertThat(again).extracting(r -> show(r) + " " + value(r).getString("quality"))
        .containsExactly("2024-3 USA EXPORT 1003 r1 PUBLISHED", "2024-3 USA IMPORT 503 r1 PUBLISHED",
            "2024-3 WLD EXPORT 9003 r1 PUBLISHED");
  }

  /**
   * The new-period window keeps being answered with the same "error" page while a revision check re-emits March: the
   * re-emitted period's offset forgot that the error's dead letter was sent, and the next new-period call sent it again,
   * once per revision for as long as the window was answered so.
   */
  @Test
  void shouldNotDeadLetterTheSameErrorPageAgainAfterARevisionCheckReemittedAPeriod() throws Exception {
    List<String> year = year(2024);
    stub(YEAR_2024, year);
    stub(TO_MAY_2025, "{\"elapsedTime\":\"0.1 secs\",\"count\":0,\"data\":[],"
        + "\"error\":\"Internal error: result incomplete\"}");
    ComtradeSourceTask task = start(props());
    List<SourceRecord> first = harness.drain(task);
    List<String> revised = new ArrayList<>(year);
    revised.set(year.indexOf(rec("202403", "842", "X", "1003")), rec("202403", "842", "X", "900"));
    stub(YEAR_2024, revised);
    clock.advance(A_DAY_ON);
    List<SourceRecord> again = harness.drain(task);
    clock.advance(Duration.ofMinutes(10));
    again.addAll(harness.drain(task));
    task.stop();

    assertThat(first).extracting(SourceRecord::topic).filteredOn("trade.dlq"::equals).as("the error once").hasSize(1);
    assertThat(again).extracting(SourceRecord::topic).as("March again, the error not")
        .containsExactly("trade.records", "trade.records", "trade.records");
    assertThat(asked()).as("the new-period window was asked again after the check").endsWith(YEAR_2024, TO_MAY_2025);
  }

  @Test
  void shouldAskALookBackCallAgainOnceTheQuotaIsReplenishedInsteadOfDroppingItOrFailing() throws Exception {
    List<String> year = year(2024);
    stub(YEAR_2024, year);
    List<Duration> waits = new CopyOnWriteArrayList<>();
    ComtradeSourceTask task = start(props(), d -> {
      waits.add(d);
      clock.advance(d);
    });
    assertThat(harness.drain(task)).hasSize(36);

    // The look-back call finds the day's quota used up; once it is back, March 2024 is revised.
    List<String> revised = new ArrayList<>(year);
    revised.set(year.indexOf(rec("202403", "842", "X", "1003")), rec("202403", "842", "X", "900"));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(YEAR_2024)).inScenario("quota")
        .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(403)
            .withHeader("Content-Type", "application/json").withBody("{\"statusCode\": 403, \"message\": \"Out of "
                + "call volume quota. Quota will be replenished in 00:10:00.\"}"))
        .willSetStateTo("replenished"));
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("period", equalTo(YEAR_2024)).inScenario("quota")
        .whenScenarioStateIs("replenished")
        .willReturn(aResponse().withStatus(200).withBody(body(revised, "0.1 secs"))));
    clock.advance(A_DAY_ON);
    List<SourceRecord> again = harness.drain(task);
    task.stop();

    assertThat(waits).containsExactly(Duration.ofMinutes(10).plus(ComtradeSourceTask.QUOTA_MARGIN));
    assertThat(again).extracting(ComtradeLookbackTest::show)
        .containsExactly("2024-3 USA EXPORT 900 r1", "2024-3 USA IMPORT 503 r1", "2024-3 WLD EXPORT 9003 r1");
    assertThat(asked()).as("the same look-back call again, right after the wait").containsSequence(YEAR_2024,
        YEAR_2024);
  }

  @Test
  void shouldGiveARevisedFigureAHigherRevisionThanTheOneItReplacesAtEveryRevisionAcrossRestarts() throws Exception {
    List<String> year = year(2024);
    stub(YEAR_2024, year);
    ComtradeSourceTask task = start(props());
    SourceRecord original = find(harness.drain(task), 3, "USA", "EXPORT");
    List<String> revised = new ArrayList<>(year);
    int march = year.indexOf(rec("202403", "842", "X", "1003"));
    revised.set(march, rec("202403", "842", "X", "900"));
    stub(YEAR_2024, revised);
    clock.advance(A_DAY_ON);
    SourceRecord down = find(harness.drain(task), 3, "USA", "EXPORT");
    task.stop();
    revised.set(march, rec("202403", "842", "X", "950"));
    stub(YEAR_2024, revised);
    ComtradeSourceTask restarted = start(props());
    clock.advance(A_DAY_ON);
    List<SourceRecord> third = harness.drain(restarted);
    restarted.stop();

    // Downstream keeps per period the newest publishedAt, then the highest revision, then the larger value. Comtrade
    // gives no release date: a revision carries the publishedAt and vintage derived from its period, as the figure it
    // replaces does, so only its revision makes it win; without it, 900 lost to 1003.
    assertThat(value(down).get("publishedAt")).isEqualTo(value(original).get("publishedAt"));
    assertThat(value(down).getString("vintage")).isEqualTo(value(original).getString("vintage")).isEqualTo(
        "COMTRADE 202403");
    assertThat(value(original).getInt32("revision")).isZero();
    assertThat(value(down).getInt32("revision")).isEqualTo(1);
    assertThat(third).extracting(ComtradeLookbackTest::show).as("the second revision, after a restart")
        .containsExactly("2024-3 USA EXPORT 950 r2", "2024-3 USA IMPORT 503 r2", "2024-3 WLD EXPORT 9003 r2");
  }

  /** The dead letters among records, as reason and raw value. */
  static List<String> deadLetters(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.dlq")).map(r -> value(r).getString("reason") + " "
        + new String(value(r).getBytes("rawValue"), StandardCharsets.UTF_8).replaceAll("\\s+", "")).toList();
  }

  static List<String> figures(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.records")).map(ComtradeLookbackTest::show).toList();
  }

  @Test
  void shouldNotDeadLetterABadRowAgainWhenItsPeriodIsReemittedAcrossRestarts() throws Exception {
    // March 2024 has a record for 899 "Areas nes", which has no ISO code: a dead letter. Comtrade then revises March
    // twice (the bad record unchanged), and the second time the task was restarted in between.
    List<String> year = new ArrayList<>(year(2024));
    String nes = rec("202403", "899", "X", "77");
    year.add(nes);
    stub(YEAR_2024, year);
    ComtradeSourceTask task = start(props());
    List<SourceRecord> first = harness.drain(task);
    int march = year.indexOf(rec("202403", "842", "X", "1003"));
    List<String> revised = new ArrayList<>(year);
    revised.set(march, rec("202403", "842", "X", "900"));
    stub(YEAR_2024, revised);
    clock.advance(A_DAY_ON);
    List<SourceRecord> second = harness.drain(task);
    task.stop();
    revised.set(march, rec("202403", "842", "X", "950"));
    stub(YEAR_2024, revised);
    ComtradeSourceTask restarted = start(props());
    clock.advance(A_DAY_ON);
    List<SourceRecord> third = harness.drain(restarted);
    restarted.stop();

    String dead = "Unknown M49 partnerCode '899' " + nes.replaceAll("\\s+", "");
    assertThat(deadLetters(first)).containsExactly(dead);
    assertThat(figures(second)).containsExactly("2024-3 USA EXPORT 900 r1", "2024-3 USA IMPORT 503 r1",
        "2024-3 WLD EXPORT 9003 r1");
    assertThat(deadLetters(second)).as("sent with the period's first emission already").isEmpty();
    assertThat(figures(third)).containsExactly("2024-3 USA EXPORT 950 r2", "2024-3 USA IMPORT 503 r2",
        "2024-3 WLD EXPORT 9003 r2");
    assertThat(deadLetters(third)).as("nor after a restart").isEmpty();
  }

  @Test
  void shouldDeadLetterABadRowOfAReemittedPeriodWhenItChangedOrIsNew() throws Exception {
    List<String> year = new ArrayList<>(year(2024));
    String nes = rec("202403", "899", "X", "77");
    year.add(nes);
    stub(YEAR_2024, year);
    ComtradeSourceTask task = start(props());
    assertThat(deadLetters(harness.drain(task))).hasSize(1);
    // The bad record's value is revised, and a second bad record (Bunkers) comes for March: the period's bad rows
    // are another set, so they are dead letters again, all of them (which of them are new is not kept).
    List<String> revised = new ArrayList<>(year);
    String nesRevised = rec("202403", "899", "X", "78");
    String bunkers = rec("202403", "837", "X", "5");
    revised.set(revised.indexOf(nes), nesRevised);
    revised.add(bunkers);
    stub(YEAR_2024, revised);
    clock.advance(A_DAY_ON);
    List<SourceRecord> again = harness.drain(task);
    task.stop();

    assertThat(figures(again)).as("the period goes out again, its figures unchanged").hasSize(3);
    assertThat(deadLetters(again)).containsExactly(
        "Unknown M49 partnerCode '899' " + nesRevised.replaceAll("\\s+", ""),
        "Unknown M49 partnerCode '837' " + bunkers.replaceAll("\\s+", ""));
  }

  @Test
  void shouldNotReemitUnchangedPeriod() throws Exception {
    List<String> year = year(2024);
    stub(YEAR_2024, year);
    ComtradeSourceTask task = start(props());
    assertThat(harness.drain(task)).hasSize(36);
    // Asked again, the same figures come in another order with another elapsedTime: no revision.
    List<String> shuffled = new ArrayList<>(year);
    Collections.reverse(shuffled);
    stub(YEAR_2024, body(shuffled, "3.7 secs"));
    clock.advance(A_DAY_ON);
    List<SourceRecord> first = harness.drain(task);
    clock.advance(A_DAY_ON);
    List<SourceRecord> second = harness.drain(task);
    task.stop();

    assertThat(first).isEmpty();
    assertThat(second).isEmpty();
    assertThat(asked()).as("one look-back call a day").containsExactly(YEAR_2024, TO_MAY_2025, TO_MAY_2025, YEAR_2024,
        TO_MAY_2025, YEAR_2024);
  }

  @Test
  void shouldEmitFiguresOfALatePartnerAndOfALateReportedPeriodTheCursorHasPassed() throws Exception {
    // First published without February, and May without the partner USA (only the world total).
    List<String> year = new ArrayList<>(year(2024));
    year.removeAll(periodRecords("202402"));
    year.remove(rec("202405", "842", "X", "1005"));
    year.remove(rec("202405", "842", "M", "505"));
    stub(YEAR_2024, year);
    ComtradeSourceTask task = start(props());
    List<SourceRecord> first = harness.drain(task);
    stub(YEAR_2024, year(2024)); // both come later
    clock.advance(A_DAY_ON);
    List<SourceRecord> late = harness.drain(task);
    task.stop();

    assertThat(first).hasSize(31);
    assertThat(TaskHarness.offset(first.get(30))).containsEntry("next", "202501");
    assertThat(late).extracting(ComtradeLookbackTest::show).containsExactly(
        "2024-2 USA EXPORT 1002 r1", "2024-2 USA IMPORT 502 r1", "2024-2 WLD EXPORT 9002 r1",
        "2024-5 USA EXPORT 1005 r1", "2024-5 USA IMPORT 505 r1", "2024-5 WLD EXPORT 9005 r1");
  }

  @Test
  void shouldReadOffsetsOfPreviousVersion() throws Exception {
    // As releases before the look-back wrote them (Connect's JSON store gives small integers back as Integer).
    Map<String, Object> caughtUp = Map.of("next", "202501", "rows_done", 0, "digest", "");
    ComtradeOffset read = ComtradeOffset.fromMap(caughtUp, YearMonth.of(2024, 1));
    assertThat(read).isEqualTo(new ComtradeOffset(YearMonth.of(2025, 1), 0, ""));
    assertThat(read.months()).isEmpty();
    assertThat(read.revisions()).isEmpty();
    assertThat(read.revising()).isNull();
    assertThat(read.toMap()).as("written back as before while there is no look-back state")
        .isEqualTo(Map.of("next", "202501", "rows_done", 0L, "digest", ""));

    harness.offsets.put(PARTITION, caughtUp);
    stub(YEAR_2024, year(2024));
    ComtradeSourceTask task = start(props());
    // Resumes at next (2024 is not read again as new periods); no check time in the offset: the check is due at once.
    List<SourceRecord> once = harness.drain(task);
    clock.advance(A_DAY_ON);
    List<SourceRecord> then = harness.drain(task);
    task.stop();

    // No fingerprints yet: the first check re-emits the window once (a missed revision would be worse than a
    // duplicate), and stores them.
    assertThat(once).hasSize(36).allSatisfy(r -> assertThat(value(r).getInt32("revision")).isEqualTo(1));
    assertThat(TaskHarness.offset(once.get(35)).get("month_digests").toString().split(";")).hasSize(12);
    assertThat(then).isEmpty();
    assertThat(asked()).containsExactly(TO_MAY_2025, YEAR_2024, TO_MAY_2025, YEAR_2024);
  }

  /** Caught up to 2024 without fingerprints (a check re-emits it), the last check {@code ago} (never: null). */
  void storeCaughtUp(Duration ago) {
    Map<String, Object> off = new HashMap<>(Map.of("next", "202501", "rows_done", 0, "digest", ""));
    if (ago != null) {
      off.put(RevisionChecks.KEY, clock.instant().minus(ago).toEpochMilli());
    }
    harness.offsets.put(PARTITION, off);
    stub(YEAR_2024, year(2024));
  }

  @Test
  void shouldLookBackAtOnceAfterARestartWhenTheStoredCheckIsOlderThanTheInterval() throws Exception {
    storeCaughtUp(A_DAY_ON);
    ComtradeSourceTask task = start(props());
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).hasSize(36);
    assertThat(asked()).containsExactly(TO_MAY_2025, YEAR_2024);
  }

  @Test
  void shouldWaitForTheRestOfTheIntervalAfterARestartWhenTheStoredCheckIsNewer() throws Exception {
    storeCaughtUp(Duration.ofHours(12));
    ComtradeSourceTask task = start(props());
    assertThat(harness.drain(task)).isEmpty();
    clock.advance(Duration.ofHours(12).minusSeconds(1));
    assertThat(harness.drain(task)).as("a second before the check is due").isEmpty();
    clock.advance(Duration.ofSeconds(1));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).hasSize(36);
    assertThat(asked()).as("new periods at each drain, the look-back once due")
        .containsExactly(TO_MAY_2025, TO_MAY_2025, TO_MAY_2025, YEAR_2024);
  }

  @Test
  void shouldDoADueCheckBeforeReportingItselfCaughtUpSoAOneShotIngestReadsRevisions() throws Exception {
    storeCaughtUp(null);
    Map<String, String> props = props("name", "comtrade-lookback-" + System.nanoTime());
    ComtradeSourceTask task = start(props);
    List<SourceRecord> rs = TaskHarness.pollUntilCaughtUp(task, props.get("name"));
    task.stop();

    assertThat(SourceCompletion.isCaughtUp(props.get("name"))).isTrue();
    assertThat(rs).hasSize(36);
  }

  @Test
  void shouldResumeAPageFromAnOffsetOfPreviousVersionWrittenMidPage() throws Exception {
    List<String> year = year(2024);
    Digests.Incremental d = Digests.incremental();
    year.forEach(r -> d.add(r.getBytes(StandardCharsets.UTF_8)));
    harness.offsets.put(PARTITION, Map.of("next", "202401", "rows_done", 30L, "digest", d.finish()));
    stub(YEAR_2024, year);
    ComtradeSourceTask task = start(props());
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(ComtradeLookbackTest::show).containsExactly("2024-11 USA EXPORT 1011 r0",
        "2024-11 USA IMPORT 511 r0", "2024-11 WLD EXPORT 9011 r0", "2024-12 USA EXPORT 1012 r0",
        "2024-12 USA IMPORT 512 r0", "2024-12 WLD EXPORT 9012 r0");
    assertThat(TaskHarness.offset(rs.get(5))).containsEntry("next", "202501");
  }

  /**
   * The first records a few polls hand out, their offsets committed, then nothing more is consumed (a crash); unlike
   * {@link TaskHarness#take} it gives up (empty) when none come.
   */
  @SuppressWarnings("unchecked")
  List<SourceRecord> firstBatch(ComtradeSourceTask task) throws InterruptedException {
    for (int i = 0; i < 20; i++) {
      List<SourceRecord> batch = TaskHarness.poll(task);
      if (batch != null && !batch.isEmpty()) {
        batch.forEach(r -> harness.offsets.put((Map<String, Object>) r.sourcePartition(),
            (Map<String, Object>) r.sourceOffset()));
        return batch;
      }
    }
    return List.of();
  }

  @Test
  void shouldResumeAnInterruptedReemissionAfterItsLastDeliveredRecordWithTheSameRevision() throws Exception {
    List<String> year = year(2024);
    stub(YEAR_2024, year);
    Map<String, String> props = props("batch.max.records", "1");
    ComtradeSourceTask task = start(props);
    assertThat(harness.drain(task)).hasSize(36);
    List<String> revised = new ArrayList<>(year);
    revised.set(year.indexOf(rec("202403", "842", "M", "503")), rec("202403", "842", "M", "480"));
    stub(YEAR_2024, revised);
    clock.advance(A_DAY_ON);
    List<SourceRecord> got = new ArrayList<>(firstBatch(task)); // then the worker dies
    task.stop();
    assertThat(got).hasSize(1);
    assertThat(TaskHarness.offset(got.get(0))).containsEntry("revising", "202401-202412").containsEntry("rows_done", 1L);

    ComtradeSourceTask restarted = start(props);
    got.addAll(harness.drain(restarted)); // at once: not a day later, at the next revision check
    clock.advance(A_DAY_ON);
    List<SourceRecord> later = harness.drain(restarted);
    restarted.stop();

    assertThat(got).extracting(ComtradeLookbackTest::show)
        .containsExactly("2024-3 USA EXPORT 1003 r1", "2024-3 USA IMPORT 480 r1", "2024-3 WLD EXPORT 9003 r1");
    assertThat(later).isEmpty();
  }

  @Test
  void shouldResumeAnInterruptedReemissionThatLeavesOutSentDeadLettersAfterItsLastDeliveredRecord() throws Exception {
    List<String> year = new ArrayList<>(year(2024));
    year.add(year.indexOf(rec("202403", "842", "M", "503")), rec("202403", "899", "X", "77")); // between March's
    stub(YEAR_2024, year);
    Map<String, String> props = props("batch.max.records", "1");
    ComtradeSourceTask task = start(props);
    assertThat(deadLetters(harness.drain(task))).hasSize(1);
    List<String> revised = new ArrayList<>(year);
    revised.set(year.indexOf(rec("202403", "842", "M", "503")), rec("202403", "842", "M", "480"));
    stub(YEAR_2024, revised);
    clock.advance(A_DAY_ON);
    List<SourceRecord> got = new ArrayList<>(firstBatch(task)); // then the worker dies
    task.stop();
    ComtradeSourceTask restarted = start(props);
    got.addAll(harness.drain(restarted));
    restarted.stop();

    // rows_done counts the items the re-emission builds, the dead letter left out both times: nothing is skipped
    assertThat(got).extracting(ComtradeLookbackTest::show)
        .containsExactly("2024-3 USA EXPORT 1003 r1", "2024-3 USA IMPORT 480 r1", "2024-3 WLD EXPORT 9003 r1");
  }

  @Test
  void shouldAskTheLookBackOnePeriodPerCallWhenItsPageHitsMaxRecords() throws Exception {
    List<String> year = year(2024);
    stub(YEAR_2024, year);
    ComtradeSourceTask task = start(props(ComtradeConfig.MAX_RECORDS_CONFIG, "37"));
    assertThat(harness.drain(task)).hasSize(36);
    // March's imports from the world come late: 37 records, the most one call returns, so the page may be cut.
    String late = rec("202403", "0", "M", "7003");
    List<String> grown = new ArrayList<>(year);
    grown.add(late);
    stub(YEAR_2024, grown);
    for (int m = 1; m <= 12; m++) {
      String p = String.format("2024%02d", m);
      List<String> recs = new ArrayList<>(periodRecords(p));
      if (m == 3) {
        recs.add(late);
      }
      stub(p, recs);
    }
    clock.advance(A_DAY_ON);
    List<SourceRecord> rs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rs.addAll(harness.drain(task)); // the cut page gives nothing: a poll without records ends a drain
    }
    clock.advance(A_DAY_ON);
    rs.addAll(harness.drain(task));
    task.stop();

    assertThat(rs).extracting(ComtradeLookbackTest::show).containsExactly("2024-3 USA EXPORT 1003 r1",
        "2024-3 USA IMPORT 503 r1", "2024-3 WLD EXPORT 9003 r1", "2024-3 WLD IMPORT 7003 r1");
    List<String> lookBack = asked().stream().filter(p -> !p.equals(TO_MAY_2025)).toList();
    List<String> months = List.of(YEAR_2024.split(","));
    List<String> expected = new ArrayList<>(List.of(YEAR_2024, YEAR_2024)); // the new page, then the cut look-back
    expected.addAll(months);
    expected.addAll(months); // the next check asks one period per call at once
    assertThat(lookBack).containsExactlyElementsOf(expected);
  }

  @Test
  void shouldFailWithoutReemittingWhenALookBackPeriodAloneHitsMaxRecords() throws Exception {
    stub("202505", periodRecords("202505"));
    Map<String, String> props = props(ComtradeConfig.START_CONFIG, "202505", ComtradeConfig.PERIODS_CONFIG, "1",
        ComtradeConfig.MAX_RECORDS_CONFIG, "4");
    ComtradeSourceTask task = start(props);
    assertThat(harness.drain(task)).hasSize(3);
    Map<String, Object> stored = harness.offsets.get(PARTITION);
    List<String> grown = new ArrayList<>(periodRecords("202505"));
    grown.add(rec("202505", "156", "X", "1"));
    stub("202505", grown);
    clock.advance(A_DAY_ON);
    assertThatThrownBy(() -> harness.drain(task)).isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class).hasMessageContaining("period 202505")
        .hasMessageContaining("comtrade.max.records=4");
    task.stop();

    assertThat(harness.offsets.get(PARTITION)).isEqualTo(stored);
  }

  @Test
  void shouldAskALookBackOfMoreThanTwelvePeriodsInCallsOfTwelve() throws Exception {
    stub(YEAR_2023, year(2023));
    stub(YEAR_2024, year(2024));
    ComtradeSourceTask task = start(props(ComtradeConfig.START_CONFIG, "202301", ComtradeConfig.LOOKBACK_CONFIG, "24"));
    assertThat(harness.drain(task)).hasSize(72);
    clock.advance(A_DAY_ON);
    assertThat(harness.drain(task)).isEmpty();
    task.stop();

    assertThat(asked()).containsExactly(YEAR_2023, YEAR_2024, TO_MAY_2025, TO_MAY_2025, YEAR_2023, YEAR_2024);
  }

  @Test
  void shouldNotLookBackWhenTurnedOff() throws Exception {
    stub(YEAR_2024, year(2024));
    ComtradeSourceTask task = start(props(ComtradeConfig.LOOKBACK_CONFIG, "0"));
    List<SourceRecord> rs = harness.drain(task);
    clock.advance(A_DAY_ON);
    rs.addAll(harness.drain(task));
    task.stop();

    assertThat(rs).hasSize(36);
    assertThat(asked()).containsExactly(YEAR_2024, TO_MAY_2025, TO_MAY_2025);
    assertThat(TaskHarness.offset(rs.get(35))).isEqualTo(Map.of("next", "202501", "rows_done", 0L, "digest", ""));
  }

  @Test
  void shouldRejectALookBackOrRevisionIntervalOutOfRangeNamingTheKey() {
    Map<String, String> base = Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401");
    ComtradeConfig defaults = new ComtradeConfig(base);
    assertThat(defaults.lookbackMonths()).isEqualTo(12);
    assertThat(defaults.revisionIntervalMs()).isEqualTo(86_400_000L);
    for (String bad : List.of("-1", "37", "twelve")) {
      Map<String, String> p = new HashMap<>(base);
      p.put(ComtradeConfig.LOOKBACK_CONFIG, bad);
      assertThatThrownBy(() -> new ComtradeConfig(p)).isInstanceOf(ConfigException.class)
          .hasMessageContaining(ComtradeConfig.LOOKBACK_CONFIG);
    }
    Map<String, String> p = new HashMap<>(base);
    p.put(ComtradeConfig.REVISION_INTERVAL_CONFIG, "86400"); // seconds meant: a call every 86 s would eat the quota
    assertThatThrownBy(() -> new ComtradeConfig(p)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(ComtradeConfig.REVISION_INTERVAL_CONFIG).hasMessageContaining("3600000");
  }
}
