package io.tradepulse.connect.comext;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
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
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The project's rule "bad input loses nothing" for the Comext connector in API mode, as a property over generated
 * SDMX-CSV responses of the real shape (formats.md; maybe with the optional {@code OBS_FLAG} column): rows of the
 * months asked for several partners, each maybe mutated (an empty, non-numeric or negative OBS_VALUE, an unknown or
 * aggregate partner, an unknown flow, a quantity instead of a value, an unreadable TIME_PERIOD or LAST UPDATE, a month
 * the call did not ask, flags, quoted cells, a cell too many or too few), read through the real task
 * ({@link ComextApiSourceTask#poll} with {@link TaskHarness}, the stub API over HTTP).
 *
 * <p>Every data row is accounted for, in response order: it yields its record or one dead letter naming the call (its
 * URL), the row ("line N") and its raw bytes, with a reason, or it is a quantity or an aggregate partner, skipped and
 * counted (docs/connectors.md, Eurostat Comext). A row of a month the call did not ask (before {@code startPeriod}, or
 * after the newest month that can be out) is a dead letter, no figure, and does not move the cursor, which stops after
 * the newest month with a figure. Across a crash and restart the output is the same as read at once.
 */
class ComextApiAccountingPropertiesTest {
  static final String HEADER =
      "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE";
  static final YearMonth START = YearMonth.of(2025, 2);
  static final int MONTHS = 4; // 2025-02 .. 2025-05: the clock's lastPossible is 2025-05
  /** Partners of the base rows and their codes in the records. */
  static final List<String[]> PARTNERS = List.of(new String[] {"CN", "CHN"}, new String[] {"US", "USA"},
      new String[] {"JP", "JPN"}, new String[] {"XK", "XKX"}, new String[] {"WORLD", "WLD"});

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
    NONE, EMPTY_VALUE, NON_NUMERIC, UNKNOWN_PARTNER, GROUP_PARTNER, UNKNOWN_FLOW, QUANTITY, BAD_TIME, BAD_LAST_UPDATE,
    PERIOD_NOT_ASKED, FLAG, QUOTED, EXTRA_CELL, MISSING_CELL, HUGE
  }

  /** What the docs say a row yields. */
  enum Outcome { RECORD, DEAD_LETTER, EITHER, SKIPPED }

  /** Row {@code base} (a month and a partner) with {@code mutation}. */
  record RowSpec(int base, Mutation mutation, int variant) {}

  record BodySpec(boolean flagColumn, boolean crlf, List<RowSpec> rows) {}

  /** A row as sent, what it yields and, for a figure, its month, partner and value. */
  record Row(String line, Outcome outcome, YearMonth month, String partner, long value) {}

  @Provide
  Arbitrary<BodySpec> bodies() {
    List<Tuple.Tuple2<Integer, Mutation>> weights = new ArrayList<>();
    for (Mutation m : Mutation.values()) {
      weights.add(Tuple.of(m == Mutation.NONE ? 10 : 1, m));
    }
    Arbitrary<List<RowSpec>> rows = Combinators.combine(
        Arbitraries.integers().between(0, MONTHS * PARTNERS.size() - 1), Arbitraries.frequency(weights),
        Arbitraries.integers().between(0, 9)).as(RowSpec::new)
        .list().ofMaxSize(12).uniqueElements(RowSpec::base);
    return Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(0, 4).map(n -> n == 0),
        rows).as(BodySpec::new);
  }

  @Property(tries = 80)
  void shouldAccountForEveryRowOfAMutatedResponseAndMoveTheCursorByFiguresOfMonthsAskedOnly(
      @ForAll("bodies") BodySpec spec) throws Exception {
    List<Row> rows = spec.rows().stream().map(r -> row(r, spec.flagColumn())).toList();
    String body = body(spec, rows);
    stub(body);

    TaskHarness harness = new TaskHarness();
    ComextApiSourceTask task = start(harness, 2000);
    List<SourceRecord> out = harness.drainThenStop(task); // the property fails on whatever the task throws

    int k = 0;
    int skipped = 0;
    YearMonth newest = null;
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      String position = "line " + (i + 2);
      String what = position + " (" + r.line() + ") of\n" + body;
      if (r.outcome() == Outcome.SKIPPED) {
        skipped++;
        continue;
      }
      assertThat(out).as("an output for %s", what).hasSizeGreaterThan(k);
      SourceRecord got = out.get(k++);
      if (got.topic().equals("trade.dlq")) {
        Struct dl = (Struct) got.value();
        assertThat(r.outcome()).as("dead letter %s for %s", dl.getString("reason"), what)
            .isIn(Outcome.DEAD_LETTER, Outcome.EITHER);
        assertThat(dl.getString("position")).as(what).isEqualTo(position);
        assertThat(dl.getString("source")).as(what).startsWith(wm.baseUrl()).contains("startPeriod=" + START);
        assertThat(new String(dl.getBytes("rawValue"), StandardCharsets.UTF_8).stripTrailing()).as(what)
            .isEqualTo(r.line());
        assertThat(dl.getString("reason")).as(what).isNotBlank();
      } else {
        assertThat(got.topic()).isEqualTo("trade.records");
        assertThat(r.outcome()).as("record for %s", what).isIn(Outcome.RECORD, Outcome.EITHER);
        Struct key = (Struct) got.key();
        Struct v = (Struct) got.value();
        assertThat(key.getString("partner")).as(what).isEqualTo(r.partner());
        YearMonth month = YearMonth.of(v.getInt32("year"), v.getInt32("month"));
        assertThat(month).as(what).isEqualTo(r.month());
        assertThat(v.getInt64("value")).as(what).isEqualTo(r.value());
        newest = newest == null || month.isAfter(newest) ? month : newest;
      }
    }
    assertThat(out).as("nothing but the rows' records and dead letters:\n%s", body).hasSize(k);
    assertThat(task.metrics().skipped()).as("quantities and aggregate partners, counted").isEqualTo(skipped);
    YearMonth expected = newest == null ? START : newest.plusMonths(1);
    assertThat(task.offsetOf("EU27_2020").next()).as("the cursor, after the newest figure, of\n%s", body)
        .isEqualTo(expected);
  }

  /**
   * A response read, {@code batch} records a poll, by a task stopped after {@code taken} of its records (a crash: only
   * those offsets committed) and started again gives exactly what it gives read at once: nothing lost, nothing twice.
   */
  @Property(tries = 40)
  void shouldGiveEveryRowOfAResponseOnceAcrossARestart(@ForAll("bodies") BodySpec spec,
      @ForAll @IntRange(min = 0, max = 12) int taken, @ForAll @IntRange(min = 1, max = 5) int batch)
      throws Exception {
    List<Row> rows = spec.rows().stream().map(r -> row(r, spec.flagColumn())).toList();
    String body = body(spec, rows);
    stub(body);
    TaskHarness.CrashRuns runs = TaskHarness.wholeAndAcrossACrash(h -> start(h, batch), taken);
    List<SourceRecord> reference = runs.whole();
    List<SourceRecord> got = runs.acrossACrash();
    assertThat(got).as("%d record(s) taken before a restart, of\n%s", taken, body)
        .extracting(ComextApiAccountingPropertiesTest::show)
        .containsExactlyElementsOf(reference.stream().map(ComextApiAccountingPropertiesTest::show).toList());
  }

  static String show(SourceRecord r) {
    Struct v = (Struct) r.value();
    return r.topic() + " " + r.key() + " " + (r.topic().equals("trade.dlq") ? v.getString("position") + " "
        + v.getString("reason") + " " + new String(v.getBytes("rawValue"), StandardCharsets.UTF_8) : v.toString());
  }

  /** The answer to the new-month call from START; every other call finds nothing (Comext's 404 NO_RECORDS_FOUND). */
  static void stub(String body) {
    wm.resetAll();
    wm.stubFor(get(urlPathMatching("/sdmx/2.1/data/DS-045409/.*")).atPriority(10).willReturn(aResponse()
        .withStatus(404).withBody("{\"error\":{\"status\":404,\"label\":\"NO_RECORDS_FOUND\"}}")));
    wm.stubFor(get(urlPathMatching("/sdmx/2.1/data/DS-045409/.*")).atPriority(1)
        .withQueryParam("startPeriod", equalTo(START.toString())).withQueryParam("endPeriod", absent())
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/csv").withBody(body)));
  }

  static ComextApiSourceTask start(TaskHarness harness, int batch) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comext-accounting-" + System.nanoTime());
    p.put(ComextConfig.BASE_URL_CONFIG, wm.baseUrl() + "/sdmx/2.1/data");
    p.put(ComextConfig.PARTNERS_CONFIG, "CN,US,JP,XK,WORLD");
    p.put(ComextConfig.FLOWS_CONFIG, "IMPORT");
    p.put(ComextConfig.START_CONFIG, START.toString());
    p.put(ComextConfig.LOOKBACK_CONFIG, "0");
    p.put("poll.interval.ms", "10"); // the idle wait between polls; the clock, fixed, never makes a re-check due
    p.put("http.backoff.initial.ms", "1");
    p.put("batch.max.records", String.valueOf(batch));
    ComextApiSourceTask task = new ComextApiSourceTask();
    task.useForTesting(new MutableClock(Instant.parse("2025-06-15T00:00:00Z")),
        new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(task, p);
  }

  static String body(BodySpec spec, List<Row> rows) {
    String nl = spec.crlf() ? "\r\n" : "\n";
    StringBuilder b = new StringBuilder(HEADER).append(spec.flagColumn() ? ",OBS_FLAG" : "").append(nl);
    rows.forEach(r -> b.append(r.line()).append(nl));
    return b.toString();
  }

  static <T> T pick(List<T> options, int variant) {
    return options.get(variant % options.size());
  }

  static Row row(RowSpec s, boolean flagColumn) {
    YearMonth month = START.plusMonths(s.base() % MONTHS);
    String[] partner = PARTNERS.get(s.base() / MONTHS);
    long value = 1_000_000L + 7919L * s.base();
    List<String> cells = new ArrayList<>(List.of("ESTAT:DS-045409(1.0)", "13/06/25 23:00:00", "M", "EU27_2020",
        partner[0], "TOTAL", "1", "VALUE_IN_EUROS", month.toString(), String.valueOf(value)));
    if (flagColumn) {
      cells.add("");
    }
    Outcome outcome = Outcome.DEAD_LETTER;
    int v = s.variant();
    switch (s.mutation()) {
      case NONE -> outcome = Outcome.RECORD;
      case EMPTY_VALUE -> cells.set(9, "");
      case NON_NUMERIC -> cells.set(9, pick(List.of("abc", "\"1,234\"", "-5", "NaN", ":", "12e", "0x10"), v));
      case HUGE -> {
        String huge = pick(List.of("9223372036854775808", "9".repeat(40), "9223372036854775807", "1e30"), v);
        cells.set(9, huge);
        outcome = huge.equals("9223372036854775807") ? Outcome.RECORD : Outcome.DEAD_LETTER;
        value = outcome == Outcome.RECORD ? Long.MAX_VALUE : value;
      }
      case UNKNOWN_PARTNER -> cells.set(4, pick(List.of("ZZ", "XI", "QZ", "XC"), v));
      case GROUP_PARTNER -> {
        cells.set(4, pick(List.of("EU27_2020_EXTRA", "EXT_EU27_2020", "INT_EU27_2020"), v));
        outcome = Outcome.SKIPPED;
      }
      case UNKNOWN_FLOW -> cells.set(6, pick(List.of("3", "", "IMPORT"), v));
      case QUANTITY -> {
        cells.set(7, "QUANTITY_IN_100KG");
        outcome = Outcome.SKIPPED;
      }
      case BAD_TIME -> cells.set(8, pick(List.of("2025-13", "2025M05", "", "2025-5-1", "May 2025"), v));
      case BAD_LAST_UPDATE -> cells.set(1, pick(List.of("31/06/25", "2025-06-13", "", "13/06/25 25:00:00"), v));
      case PERIOD_NOT_ASKED -> {
        // Before startPeriod, or after 2025-05, the newest month that can be out on 2025-06-15.
        YearMonth stray = pick(List.of(YearMonth.of(2025, 1), YearMonth.of(2024, 12), YearMonth.of(2025, 6),
            YearMonth.of(2099, 1)), v);
        cells.set(8, stray.toString());
      }
      case FLAG -> {
        if (flagColumn) {
          cells.set(10, pick(List.of("e", "p", "ep", "c", "provisional", "p: provisional", "s"), v));
        }
        outcome = Outcome.RECORD;
      }
      case QUOTED -> {
        cells.set(0, "\"ESTAT:DS-045409(1.0), \"\"quoted\"\"\"");
        outcome = Outcome.RECORD;
      }
      case EXTRA_CELL -> {
        cells.add(pick(List.of("x", ""), v));
        outcome = Outcome.EITHER; // columns are read by name: a cell beyond the header's is not ours to say
      }
      case MISSING_CELL -> {
        cells.remove(cells.size() - 1);
        // Without OBS_FLAG the value is gone: an empty OBS_VALUE. Without the flag cell the figure is whole.
        outcome = flagColumn ? Outcome.EITHER : Outcome.DEAD_LETTER;
      }
      default -> throw new IllegalStateException(s.mutation().name());
    }
    return new Row(String.join(",", cells), outcome, month, partner[1], value);
  }
}
