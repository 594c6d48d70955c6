package io.tradepulse.connect.gacc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.PropertyTempDir;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.testsupport.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
 * The project's rule "bad input loses nothing" for the GACC connector, as a property over generated country tables of
 * the published shape (docs/connectors.md, China customs: title, unit and release lines, the header with cumulative
 * columns, a value row per economy with its YoY % row under it): rows of countries, the total and groups, each maybe
 * mutated (an unknown name, a non-numeric, negative, huge or absent figure, a non-numeric YoY %, a value with unquoted
 * thousands separators, a row cut short, an unreadable month, a note, January and February combined in either pair of
 * cells, agreeing or not, an exact copy), read through the real task
 * ({@link GaccSourceTask#poll} with {@link TaskHarness}).
 *
 * <p>Every row is accounted for, in table order: each flow of a value row yields its record, or a dead letter naming
 * the table, the line and its raw bytes with a reason, or, a figure given as "-" (with no YoY %), nothing, counted as
 * skipped; a group row, with its YoY row, and a note are skipped and counted; a row that cannot be read is one dead
 * letter, and its YoY row goes with it. Nothing else comes out, and a crash and restart gives the same output.
 */
class GaccAccountingPropertiesTest {
  static final String HEADER = "Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N";
  /** Printed names of the base rows and their codes (null: a group, skipped). */
  static final List<String[]> COUNTRIES = List.of(new String[] {"United States (US)", "USA"},
      new String[] {"Japan", "JPN"}, new String[] {"R. O. Korea", "KOR"}, new String[] {"Germany", "DEU"},
      new String[] {"Viet Nam", "VNM"}, new String[] {"\"Hong Kong, China\"", "HKG"}, new String[] {"Total", "WLD"},
      new String[] {"Asia", null}, new String[] {"ASEAN", null}, new String[] {"European Union", null});

  static Path dir;

  @BeforeContainer
  static void makeDir() throws IOException {
    dir = PropertyTempDir.create("gacc-accounting");
  }

  @AfterContainer
  static void removeDir() throws IOException {
    PropertyTempDir.delete(dir);
  }

  enum Mutation {
    NONE, UNKNOWN_NAME, NON_NUMERIC, NEGATIVE, HUGE, DASH, BAD_YOY, UNQUOTED_THOUSANDS, CUT_SHORT, BAD_MONTH, NOTE,
    JAN_FEB
  }

  /** What one flow of a value row yields. */
  enum Out { RECORD, DEAD_LETTER, SKIPPED }

  /** Row {@code base} with {@code mutation}; {@code flow} 0 exports, 1 imports where it applies; a copy follows. */
  record RowSpec(int base, Mutation mutation, int variant, int flow, boolean yoy, boolean copy) {}

  /**
   * What a table line yields, in order: {@code outs} (one per flow of a value row read, or one for a row that cannot
   * be read) at {@code line}, a dead letter of its YoY row at {@code yoyLine}; {@code skipped} rows or cells.
   */
  record Expect(String text, String partner, long[] values, Double[] yoys, List<Out> outs, int yoyBadFlow,
      int skipped, int month, int months) {}

  @Provide
  Arbitrary<List<RowSpec>> tables() {
    List<Tuple.Tuple2<Integer, Mutation>> weights = new ArrayList<>();
    for (Mutation m : Mutation.values()) {
      weights.add(Tuple.of(m == Mutation.NONE ? 10 : 1, m));
    }
    return Combinators.combine(Arbitraries.integers().between(0, COUNTRIES.size() - 1), Arbitraries.frequency(weights),
        Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 1),
        Arbitraries.integers().between(0, 3).map(n -> n != 0), Arbitraries.integers().between(0, 6).map(n -> n == 0))
        .as(RowSpec::new).list().ofMinSize(1).ofMaxSize(10).uniqueElements(RowSpec::base);
  }

  /** A line of the table and what it yields: a value row's lines are its own and its YoY row's. */
  record Line(long number, String text, String yoyText, long yoyNumber, Expect expect) {}

  record Table(String text, List<Line> lines) {}

  static Table table(List<RowSpec> specs) {
    StringBuilder text = new StringBuilder();
    text.append("China's Total Export & Import Values by Country (Region), May 2025\n")
        .append("\"Unit: US$1,000\"\n").append("Release: 2025-06-09\n").append(HEADER).append('\n');
    long n = 5;
    List<Line> lines = new ArrayList<>();
    for (RowSpec s : specs) {
      Expect e = expect(s);
      for (int copy = 0; copy < (s.copy() ? 2 : 1); copy++) {
        Expect x = copy == 0 ? e : copied(e);
        String yoy = s.yoy() && s.mutation() != Mutation.NOTE ? yoyRow(s) : null;
        lines.add(new Line(n, x.text(), yoy, yoy == null ? -1 : n + 1, x));
        text.append(x.text()).append('\n');
        n++;
        if (yoy != null) {
          text.append(yoy).append('\n');
          n++;
        }
      }
    }
    text.append("\"Note: the data of the latest month are preliminary.\",,,,,,,\n");
    return new Table(text.toString(), lines);
  }

  /** An exact copy: its figures, the same as the first's, are dead letters (emitted once); the rest as the first. */
  static Expect copied(Expect e) {
    List<Out> outs = e.outs().stream().map(o -> o == Out.RECORD ? Out.DEAD_LETTER : o).toList();
    return new Expect(e.text(), e.partner(), e.values(), e.yoys(), outs, e.yoyBadFlow(), e.skipped(), e.month(),
        e.months());
  }

  static String grouped(long v) {
    return "\"" + String.format(java.util.Locale.ROOT, "%,d", v) + "\"";
  }

  static <T> T pick(List<T> options, int variant) {
    return options.get(variant % options.size());
  }

  static long exports(int base) {
    return 28_800_000L + 1_000_003L * base;
  }

  static long imports(int base) {
    return 10_200_000L + 700_001L * base;
  }

  static Double[] yoys(RowSpec s) {
    return s.yoy() ? new Double[] {-34.5 + s.base(), 12.25 - s.base()} : new Double[] {null, null};
  }

  static String yoyRow(RowSpec s) {
    Double[] y = yoys(s);
    String[] cells = {y[0].toString(), y[1].toString()};
    if (s.mutation() == Mutation.DASH) {
      cells[s.flow()] = "-";
    }
    if (s.mutation() == Mutation.BAD_YOY) {
      cells[s.flow()] = pick(List.of("abc", "5d", "n/a", "1,5"), s.variant()).replace("1,5", "\"1,5\"");
    }
    // A combined January-February row's YoY % is in both pairs of cells, which must agree (or one be "-").
    String cum = s.mutation() == Mutation.JAN_FEB ? (s.variant() % 5 == 1 ? "-,-" : cells[0] + "," + cells[1])
        : "-10.0,-12.0";
    return "YoY %,,," + cells[0] + "," + cells[1] + ",," + cum;
  }

  static Expect expect(RowSpec s) {
    String[] c = COUNTRIES.get(s.base());
    String name = c[0];
    long[] values = {exports(s.base()), imports(s.base())};
    String[] cells = {grouped(values[0]), grouped(values[1])};
    String month = "5";
    List<Out> outs = new ArrayList<>(List.of(Out.RECORD, Out.RECORD));
    int yoyBad = -1;
    int skipped = 0;
    int v = s.variant();
    int f = s.flow();
    String row = null;
    String cumulative = "1to5";
    String[] cumCells = {grouped(values[0] * 5), grouped(values[1] * 5)};
    int recordMonth = 5;
    int months = 1;
    switch (s.mutation()) {
      case NONE -> { }
      case UNKNOWN_NAME -> {
        name = pick(List.of("Atlantis", "China", "Korea", "Other", "Middle East"), v);
        outs = List.of(Out.DEAD_LETTER);
      }
      case NON_NUMERIC -> {
        cells[f] = pick(List.of("n/a", "abc", "1.2.3", "\"12 345\"", "5d"), v);
        outs.set(f, Out.DEAD_LETTER);
      }
      case NEGATIVE -> {
        cells[f] = pick(List.of("-5", "\"-1,000\"", "-0.5"), v);
        outs.set(f, Out.DEAD_LETTER);
      }
      case HUGE -> {
        cells[f] = pick(List.of("99999999999999999999", "\"9,223,372,036,854,776\""), v);
        outs.set(f, Out.DEAD_LETTER);
      }
      case DASH -> {
        cells[f] = "-";
        outs.set(f, Out.SKIPPED); // no figure and (its YoY cell "-" too) no YoY %: nothing to emit
      }
      case BAD_YOY -> {
        if (s.yoy()) {
          yoyBad = f;
          outs.set(f, Out.DEAD_LETTER);
        }
      }
      case UNQUOTED_THOUSANDS -> {
        cells[f] = String.format(java.util.Locale.ROOT, "%,d", values[f]);
        outs = List.of(Out.DEAD_LETTER);
      }
      case CUT_SHORT -> {
        row = name + ",2025,5" + (v % 2 == 0 ? "" : "," + cells[0]);
        outs = List.of(Out.DEAD_LETTER);
      }
      case BAD_MONTH -> {
        month = pick(List.of("13", "May", "0", ""), v);
        outs = List.of(Out.DEAD_LETTER);
      }
      case NOTE -> {
        row = pick(List.of("Note: preliminary", "Source: GACC", "* Including re-exports", "Remarks"), v) + ",,,,,,,";
        outs = List.of();
        skipped = 1;
      }
      case JAN_FEB -> {
        // GACC publishes January and February combined: one record month 1, months 2, from either pair of cells.
        recordMonth = 1;
        months = 2;
        switch (v % 5) {
          case 0 -> { // "2 | 1to2", the month's cells not given: the cumulative ones
            month = "2";
            cumulative = "1to2";
            cumCells = cells.clone();
            cells[0] = "-";
            cells[1] = "-";
          }
          case 1 -> { // Month "1to2", the cumulative cells not given
            month = "1to2";
            cumulative = "";
            cumCells = new String[] {"-", "-"};
          }
          case 2 -> { // "2 | 1-2", both pairs given, the same
            month = "2";
            cumulative = "1-2";
            cumCells = cells.clone();
          }
          case 3 -> { // Month "1~2", both pairs given, different: which one is the figure cannot be told
            month = "1~2";
            cumulative = "";
            cumCells = new String[] {grouped(values[0] + 1), grouped(values[1] + 1)};
            outs = List.of(Out.DEAD_LETTER, Out.DEAD_LETTER);
          }
          default -> { // "2 | 1to2", both pairs given, the same
            month = "2";
            cumulative = "1to2";
            cumCells = cells.clone();
          }
        }
      }
      default -> throw new IllegalStateException(s.mutation().name());
    }
    if (c[1] == null && s.mutation() != Mutation.UNKNOWN_NAME && s.mutation() != Mutation.NOTE) {
      outs = List.of(); // a group row is skipped whatever its cells, its YoY row with it
      skipped = 1;
    }
    if (outs.size() == 2) {
      for (Out o : outs) {
        skipped += o == Out.SKIPPED ? 1 : 0;
      }
    }
    if (row == null) {
      row = name + ",2025," + month + "," + cells[0] + "," + cells[1] + "," + cumulative + "," + cumCells[0] + ","
          + cumCells[1];
    }
    for (int i = 0; i < 2; i++) {
      values[i] *= 1000;
    }
    return new Expect(row, c[1], values, yoys(s), outs, yoyBad, skipped, recordMonth, months);
  }

  @Property(tries = 100)
  void shouldAccountForEveryRowOfAMutatedTableAsRecordsDeadLettersOrCountedSkips(
      @ForAll("tables") List<RowSpec> specs) throws Exception {
    Table t = table(specs);
    Path file = Files.createTempFile(dir, "table", ".csv");
    Files.writeString(file, t.text(), StandardCharsets.UTF_8);

    TaskHarness harness = new TaskHarness();
    GaccSourceTask task = start(harness, file, 2000);
    List<SourceRecord> out = harness.drainThenStop(task); // the property fails on whatever the task throws

    int k = 0;
    int skipped = 1; // the note under the table
    for (Line l : t.lines()) {
      Expect e = l.expect();
      skipped += e.skipped();
      String what = "line " + l.number() + " (" + l.text() + ") of\n" + t.text();
      for (int i = 0; i < e.outs().size(); i++) {
        Out o = e.outs().get(i);
        if (o == Out.SKIPPED) {
          continue;
        }
        assertThat(out).as("output %d for %s", i, what).hasSizeGreaterThan(k);
        SourceRecord got = out.get(k++);
        Struct v = (Struct) got.value();
        if (o == Out.DEAD_LETTER) {
          assertThat(got.topic()).as("a dead letter for %s, got %s", what, v).isEqualTo("trade.dlq");
          boolean yoy = i == e.yoyBadFlow() && !(e.outs().size() == 2 && l.yoyNumber() < 0);
          // A copy's YoY dead letter is the copy's value row's "again"; the first's names its YoY row.
          String reason = v.getString("reason");
          long line = yoy && !reason.contains("again") ? l.yoyNumber() : l.number();
          assertThat(v.getString("position")).as("%s: %s", what, reason).isEqualTo("line " + line);
          assertThat(v.getString("source")).as(what).isEqualTo(file.toString());
          assertThat(new String(v.getBytes("rawValue"), StandardCharsets.UTF_8).stripTrailing()).as(what)
              .isEqualTo(line == l.number() ? l.text() : l.yoyText());
          assertThat(reason).as(what).isNotBlank();
        } else {
          assertThat(got.topic()).as("a record for %s, got %s", what, v).isEqualTo("trade.records");
          assertThat(((Struct) got.key()).getString("partner")).as(what).isEqualTo(e.partner());
          assertThat(v.getString("flow")).as(what).isEqualTo(i == 0 ? "EXPORT" : "IMPORT");
          assertThat(v.getInt64("value")).as(what).isEqualTo(e.values()[i]);
          assertThat(v.get("reportedYoyPct")).as(what).isEqualTo(e.yoys()[i]);
          assertThat(v.getInt32("month")).as(what).isEqualTo(e.month());
          assertThat(v.getInt32("months")).as(what).isEqualTo(e.months());
        }
      }
    }
    assertThat(out).as("nothing but the rows' records and dead letters:\n%s", t.text()).hasSize(k);
    assertThat(task.metrics().skipped()).as("groups, notes and figures given as '-', counted:\n%s", t.text())
        .isEqualTo(skipped);
  }

  /**
   * A table read, {@code batch} records a poll, by a task stopped after {@code taken} of its records (a crash: only
   * those offsets committed) and started again gives exactly what it gives read at once: nothing lost, nothing twice.
   */
  @Property(tries = 50)
  void shouldGiveEveryRowOfATableOnceAcrossARestart(@ForAll("tables") List<RowSpec> specs,
      @ForAll @IntRange(min = 0, max = 12) int taken, @ForAll @IntRange(min = 1, max = 5) int batch)
      throws Exception {
    Table t = table(specs);
    Path file = Files.createTempFile(dir, "restart", ".csv");
    Files.writeString(file, t.text(), StandardCharsets.UTF_8);
    TaskHarness.CrashRuns runs = TaskHarness.wholeAndAcrossACrash(h -> start(h, file, batch), taken);
    List<SourceRecord> reference = runs.whole();
    List<SourceRecord> got = runs.acrossACrash();
    assertThat(got).as("%d record(s) taken before a restart, of\n%s", taken, t.text())
        .extracting(GaccAccountingPropertiesTest::show)
        .containsExactlyElementsOf(reference.stream().map(GaccAccountingPropertiesTest::show).toList());
  }

  static String show(SourceRecord r) {
    Struct v = (Struct) r.value();
    return r.topic() + " " + r.key() + " " + (r.topic().equals("trade.dlq") ? v.getString("position") + " "
        + v.getString("reason") + " " + new String(v.getBytes("rawValue"), StandardCharsets.UTF_8) : v.toString());
  }

  static GaccSourceTask start(TaskHarness harness, Path table, int batch) {
    GaccSourceTask task = new GaccSourceTask();
    task.useForTesting(new MutableClock(Instant.parse("2025-07-01T00:00:00Z")), null);
    return harness.start(task, Map.of("name", "gacc-accounting-" + System.nanoTime(), GaccConfig.LOCATIONS_CONFIG,
        table.toString(), "poll.interval.ms", "10", "batch.max.records", String.valueOf(batch),
        "gacc.settle.ms", "0"));
  }
}
