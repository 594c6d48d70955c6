package io.tradepulse.connect.census;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
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
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The project's rule "bad input loses nothing" for the Census connector, as a property over generated responses of the
 * real shape (an array of arrays of strings, header first): rows of countries, the all-countries total and country
 * groups, each maybe mutated (a cell emptied or null, non-numeric, huge or negative values, extra or missing cells,
 * escaped quotes and line breaks, invisible characters, unknown codes, wrong periods, exact copies), the body maybe
 * with a BOM or pretty-printed, or cut short, read through the real task ({@link CensusSourceTask#poll} with
 * {@link TaskHarness}, the stub API over HTTP).
 *
 * <p>Every data row is accounted for, in response order: it yields its record or one dead letter naming the request
 * (its URL), the row ("2025-05 row N") and its raw JSON, with a reason, or it is a country group, skipped and counted
 * (docs/connectors.md, Census). Nothing else comes out and the task throws nothing, but for a body cut short: it ends
 * inside its document, as a transfer cut in transit leaves it, and is fetched again (given up retriably), nothing of it
 * emitted.
 */
class CensusAccountingPropertiesTest {
  static final String HEADER =
      "[\"CTY_CODE\",\"CTY_NAME\",\"E_COMMODITY\",\"ALL_VAL_MO\",\"SUMMARY_LVL\",\"time\",\"COMM_LVL\"]";
  static final int CODE = 0;
  static final int NAME = 1;
  static final int COMMODITY = 2;
  static final int VALUE = 3;
  static final int LEVEL = 4;
  static final int TIME = 5;
  static final int WIDTH = 7;
  static final YearMonth MONTH = YearMonth.of(2025, 5);

  /** Schedule C codes of the base rows with their partner (null: a group of the shipped table). */
  static final List<String[]> COUNTRIES = List.of(new String[] {"5700", "CHINA", "CHN"},
      new String[] {"1220", "CANADA", "CAN"}, new String[] {"2010", "MEXICO", "MEX"},
      new String[] {"4120", "UNITED KINGDOM", "GBR"}, new String[] {"4803", "KOSOVO", "XKX"},
      new String[] {"-", "TOTAL FOR ALL COUNTRIES", "WLD"}, new String[] {"0001", "OPEC", null},
      new String[] {"0003", "EUROPEAN UNION", null});
  static final List<String> COMMODITIES = List.of("85", "84", "27", "72");
  static final Set<String> GROUP_CODES = Set.of("0001", "0003");

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
    NONE, EMPTY_CELL, NULL_CELL, NON_NUMERIC, NUMBER_TOKEN, EXTRA_CELL, MISSING_CELL, ESCAPES, INVISIBLE,
    UNKNOWN_CODE, MARKED_GROUP, HUGE, WRONG_PERIOD, SPLIT
  }

  /** What the docs say a row yields. */
  enum Outcome { RECORD, DEAD_LETTER, EITHER, SKIPPED }

  /** Row {@code base} (a country and a commodity) with {@code mutation}; {@code copy}: an exact copy follows it. */
  record RowSpec(int base, Mutation mutation, int variant, int column, boolean copy) {}

  record BodySpec(boolean bom, boolean pretty, boolean cut, List<RowSpec> rows) {}

  /** A row as sent: its JSON, its cells as the API means them, what it yields and the partner of its record. */
  record Row(String json, List<String> cells, Outcome outcome, String partner) {}

  @Provide
  Arbitrary<BodySpec> bodies() {
    List<Tuple.Tuple2<Integer, Mutation>> weights = new ArrayList<>();
    for (Mutation m : Mutation.values()) {
      weights.add(Tuple.of(m == Mutation.NONE ? 10 : 1, m));
    }
    Arbitrary<RowSpec> row = Combinators.combine(
        Arbitraries.integers().between(0, COUNTRIES.size() * COMMODITIES.size() - 1), Arbitraries.frequency(weights),
        Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, WIDTH - 1),
        Arbitraries.integers().between(0, 5))
        .as((base, m, variant, column, copy) -> new RowSpec(base, m, variant, column, copy == 0));
    Arbitrary<List<RowSpec>> rows = row.list().ofMinSize(0).ofMaxSize(12).uniqueElements(RowSpec::base);
    return Combinators.combine(Arbitraries.of(false, false, false, true), Arbitraries.of(true, false),
        Arbitraries.integers().between(0, 19).map(n -> n == 0), rows).as(BodySpec::new);
  }

  @Property(tries = 100)
  void shouldAccountForEveryRowOfAMutatedResponseAsARecordADeadLetterOrASkippedGroup(
      @ForAll("bodies") BodySpec spec) throws Exception {
    Response response = response(spec);
    List<Row> rows = response.rows();
    String sent = response.body();

    wm.resetAll();
    CensusFixture.stubMonth(wm, MONTH.toString(), 200, sent);
    TaskHarness harness = new TaskHarness();
    CensusSourceTask task = start(harness, 2000);
    if (spec.cut()) {
      try {
        assertThatThrownBy(() -> TaskHarness.poll(task)).as("a body cut short is fetched again, nothing of it "
            + "emitted:\n%s", sent).isInstanceOf(RetriableException.class)
            .hasMessageContaining("ends inside its JSON document");
      } finally {
        task.stop();
      }
      return;
    }
    List<SourceRecord> out = harness.drainThenStop(task); // the property fails on whatever the task throws
    int k = 0;
    int skipped = 0;
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      String position = MONTH + " row " + (i + 1);
      String what = position + " (" + r.json() + ") of\n" + sent;
      if (isSkipped(r.cells())) {
        assertThat(r.outcome()).as("skipped %s", what).isIn(Outcome.SKIPPED, Outcome.EITHER);
        skipped++;
        continue;
      }
      assertThat(r.outcome()).as("not skipped: %s", what).isNotEqualTo(Outcome.SKIPPED);
      assertThat(out).as("an output for %s", what).hasSizeGreaterThan(k);
      SourceRecord got = out.get(k++);
      if (got.topic().equals("trade.dlq")) {
        Struct dl = (Struct) got.value();
        assertThat(r.outcome()).as("dead letter %s for %s", dl.getString("reason"), what)
            .isNotEqualTo(Outcome.RECORD);
        assertThat(dl.getString("position")).as(what).isEqualTo(position);
        assertThat(dl.getString("source")).as(what).startsWith(wm.baseUrl()).contains("time=" + MONTH);
        assertThat(new String(dl.getBytes("rawValue"), StandardCharsets.UTF_8)).as(what).isEqualTo(r.json());
        assertThat(dl.getString("reason")).as(what).isNotBlank();
      } else {
        assertThat(got.topic()).isEqualTo("trade.records");
        assertThat(r.outcome()).as("record for %s", what).isNotEqualTo(Outcome.DEAD_LETTER);
        Struct key = (Struct) got.key();
        Struct v = (Struct) got.value();
        assertThat(key.getString("partner")).as(what).isEqualTo(r.partner());
        assertThat(YearMonth.of(v.getInt32("year"), v.getInt32("month"))).as(what)
            .isEqualTo(YearMonth.parse(r.cells().get(TIME)));
        assertThat(v.getInt64("value")).as(what).isEqualTo(Long.parseLong(r.cells().get(VALUE)));
      }
    }
    assertThat(out).as("nothing but the rows' records and dead letters:\n%s", sent).hasSize(k);
    assertThat(task.metrics().skipped()).as("the groups, counted").isEqualTo(skipped);
  }

  /** A response as sent: its rows (copies and split parts included) and its body. */
  record Response(List<Row> rows, String body) {}

  static Response response(BodySpec spec) {
    List<Row> rows = new ArrayList<>();
    // A key given different figures (rows split by a variable the request does not pin) makes every row of it, and
    // every exact copy in the response, a dead letter.
    boolean conflict = spec.rows().stream()
        .anyMatch(r -> r.mutation() == Mutation.SPLIT && COUNTRIES.get(r.base() % COUNTRIES.size())[2] != null);
    for (RowSpec r : spec.rows()) {
      Row sent = row(r);
      if (r.mutation() == Mutation.SPLIT) {
        // The same key with another figure (DF 1 and 2 of one partner, the breakdown column not asked for).
        List<String> part = new ArrayList<>(sent.cells());
        part.set(VALUE, String.valueOf(Long.parseLong(part.get(VALUE)) + 1));
        Outcome o = sent.outcome() == Outcome.SKIPPED ? Outcome.SKIPPED : Outcome.DEAD_LETTER;
        rows.add(new Row(sent.json(), sent.cells(), o, sent.partner()));
        sent = new Row(json(part), part, o, sent.partner());
      } else if (r.copy() && conflict && sent.outcome() == Outcome.RECORD) {
        sent = new Row(sent.json(), sent.cells(), Outcome.DEAD_LETTER, sent.partner());
      }
      rows.add(sent);
      if (r.copy()) {
        // Identical in every cell: skipped too if a group, else a dead letter (emitted once, or its fault repeated).
        rows.add(new Row(sent.json(), sent.cells(),
            sent.outcome() == Outcome.SKIPPED ? Outcome.SKIPPED : Outcome.DEAD_LETTER, sent.partner()));
      }
    }
    String sep = spec.pretty() ? ",\n  " : ",";
    StringBuilder body = new StringBuilder(spec.bom() ? "\uFEFF" : "").append('[').append(HEADER);
    rows.forEach(r -> body.append(sep).append(r.json()));
    body.append(']');
    return new Response(rows, spec.cut() ? body.substring(0, body.length() / 2) : body.toString());
  }

  /** A task on {@code harness}'s offsets reading MONTH, building at most {@code batch} records a poll. */
  static CensusSourceTask start(TaskHarness harness, int batch) {
    Map<String, String> props = CensusFixture.props(wm, "census-accounting-" + System.nanoTime(), MONTH.toString());
    props.put("batch.max.records", String.valueOf(batch));
    return CensusFixture.start(harness, new MutableClock(Instant.parse("2025-06-20T12:00:00Z")), props);
  }

  /**
   * A response read, {@code batch} records a poll, by a task stopped after {@code taken} of its records (a crash:
   * only those offsets committed) and started again gives exactly what it gives read at once (checked by the property
   * above): nothing lost, nothing twice, every record and dead letter as it was (docs/connectors.md: a restart resumes
   * at the same row).
   */
  @Property(tries = 60)
  void shouldGiveEveryRowOfAResponseOnceAcrossARestart(@ForAll("bodies") BodySpec spec,
      @ForAll @IntRange(min = 0, max = 12) int taken, @ForAll @IntRange(min = 1, max = 5) int batch)
      throws Exception {
    Assume.that(!spec.cut()); // never read (see above)
    String sent = response(spec).body();
    wm.resetAll();
    CensusFixture.stubMonth(wm, MONTH.toString(), 200, sent);
    TaskHarness.CrashRuns runs = TaskHarness.wholeAndAcrossACrash(h -> start(h, batch), taken);
    List<SourceRecord> reference = runs.whole();
    List<SourceRecord> got = runs.acrossACrash();
    assertThat(got).as("%d record(s) taken before a restart, of\n%s", taken, sent)
        .extracting(r -> r.topic() + " " + r.key() + " " + show(r))
        .containsExactlyElementsOf(reference.stream().map(r -> r.topic() + " " + r.key() + " " + show(r)).toList());
  }

  /** A record's value, a dead letter's raw value as text. */
  static String show(SourceRecord r) {
    Struct v = (Struct) r.value();
    return r.topic().equals("trade.dlq") ? v.getString("position") + " " + v.getString("reason") + " "
        + new String(v.getBytes("rawValue"), StandardCharsets.UTF_8) : v.toString();
  }

  /** The documented skip: a row of the header's width that is a country group (CGP, or a group code), not the total. */
  static boolean isSkipped(List<String> cells) {
    return cells.size() == WIDTH && !cells.get(CODE).equals("-")
        && (cells.get(LEVEL).equals("CGP") || GROUP_CODES.contains(cells.get(CODE)));
  }

  static <T> T pick(List<T> options, int variant) {
    return options.get(variant % options.size());
  }

  static Row row(RowSpec r) {
    String[] country = COUNTRIES.get(r.base() % COUNTRIES.size());
    String commodity = COMMODITIES.get(r.base() / COUNTRIES.size());
    boolean group = country[2] == null;
    List<String> cells = new ArrayList<>(List.of(country[0], country[1], commodity,
        String.valueOf(1_000_000L + 7919L * r.base()), group ? "CGP" : "DET", MONTH.toString(), "HS2"));
    // How each cell is written: a JSON string, unless a mutation says otherwise.
    List<String> json = new ArrayList<>();
    Outcome outcome = Outcome.RECORD;
    int v = r.variant();
    int col = r.column();
    switch (r.mutation()) {
      case NONE -> { }
      case EMPTY_CELL, NULL_CELL -> {
        cells.set(col, "");
        if (col == CODE || col == COMMODITY || col == VALUE || col == TIME) {
          outcome = Outcome.DEAD_LETTER; // unknown code '', not an HS code, non-numeric, bad time
        }
      }
      case NON_NUMERIC -> {
        cells.set(VALUE, pick(List.of("(D)", "(X)", "N/A", "12.5", "-5", "1e3", " 123", "1,234", "0x10", "-0"), v));
        outcome = Outcome.DEAD_LETTER;
      }
      case NUMBER_TOKEN -> outcome = Outcome.EITHER; // not a string as the API sends: not ours to say
      case EXTRA_CELL -> {
        cells.add(pick(List.of("x", "", "DF"), v));
        outcome = Outcome.DEAD_LETTER;
      }
      case MISSING_CELL -> {
        cells.remove(cells.size() - 1 - v % 3);
        outcome = Outcome.DEAD_LETTER;
      }
      case ESCAPES -> cells.set(NAME, pick(List.of("C\u00d4TE D'IVOIRE", "\"QUOTED\", NAME", "LINE\nBREAK",
          "BACK\\SLASH", "TAB\tHERE", "\u4e2d\u56fd"), v));
      case INVISIBLE -> {
        String ch = pick(List.of("\uFEFF", "\u200B", "\u00A0", "\u2060", " "), v);
        cells.set(col, v % 2 == 0 ? ch + cells.get(col) : cells.get(col) + ch);
        if (col != NAME && col != 6) {
          outcome = Outcome.EITHER;
        }
      }
      case UNKNOWN_CODE -> {
        cells.set(CODE, pick(List.of("9999", "5701", "1000", "9030", "57", "CHN", "05700"), v));
        outcome = group ? Outcome.SKIPPED : Outcome.DEAD_LETTER;
      }
      case MARKED_GROUP -> {
        cells.set(LEVEL, "CGP");
        outcome = country[0].equals("-") ? Outcome.RECORD : Outcome.SKIPPED;
      }
      case HUGE -> {
        String huge = pick(List.of("18446744073709551616", "9223372036854775808", "9".repeat(40),
            "9223372036854775807"), v);
        cells.set(VALUE, huge);
        outcome = huge.equals("9223372036854775807") ? Outcome.RECORD : Outcome.DEAD_LETTER;
      }
      case SPLIT -> { } // see the property
      case WRONG_PERIOD -> {
        cells.set(TIME, pick(List.of("2025-13", "2025-5", "May 2025", "2025-05-01", "202505", "2025-00", "2025-04",
            "2099-01", "1950-05", "2025-06"), v));
        outcome = Outcome.DEAD_LETTER;
      }
      default -> throw new IllegalStateException(r.mutation().name());
    }
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      if (r.mutation() == Mutation.NULL_CELL && i == col) {
        json.add("null");
      } else if (r.mutation() == Mutation.NUMBER_TOKEN && i == VALUE) {
        json.add(c);
      } else {
        json.add(jsonString(c));
      }
    }
    if (group && outcome != Outcome.SKIPPED) {
      // A group row is skipped whatever else is wrong with it, unless it is no longer of the header's width.
      outcome = cells.size() == WIDTH ? Outcome.SKIPPED : Outcome.DEAD_LETTER;
    }
    return new Row("[" + String.join(",", json) + "]", cells, outcome, country[2]);
  }

  static String json(List<String> cells) {
    return "[" + String.join(",", cells.stream().map(CensusAccountingPropertiesTest::jsonString).toList()) + "]";
  }

  static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
