package io.tradepulse.connect.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.PropertyTempDir;
import io.tradepulse.connect.TaskHarness;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
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
 * The project's rule "bad input loses nothing" for the file connector, as a property over generated CSV files: valid
 * rows of the seed file's shape, each maybe mutated (a cell emptied, non-numeric, huge or negative values, extra or
 * missing columns, quoted separators and line breaks, invisible characters, unknown codes, wrong periods, CRLF, blank
 * rows, exact copies, a BOM), read through the real task ({@link FileSourceTask#poll} with {@link TaskHarness}).
 *
 * <p>Every data row is accounted for, in file order: it yields its record or one dead letter naming the file, its
 * line and its raw bytes, with a reason; a row whose every cell is blank yields nothing (docs/connectors.md, Generic
 * file). Nothing else comes out and the task throws nothing. Where the docs say which of the two a row gets (a valid
 * row, an exact copy, a negative value ...), it gets that one.
 */
class FileAccountingPropertiesTest {
  static final List<String> HEADER =
      List.of("period_start", "period_end", "partner", "value_usd_bn", "reported_yoy_pct", "source", "flag");
  static final int PERIOD = 0;
  static final int END = 1;
  static final int PARTNER = 2;
  static final int VALUE = 3;
  static final int YOY = 4;
  static final int SOURCE = 5;
  static final int FLAG = 6;
  static final int BASES = 24;

  static Path dir;

  @BeforeContainer
  static void makeDir() throws IOException {
    dir = PropertyTempDir.create("file-accounting");
  }

  @AfterContainer
  static void removeDir() throws IOException {
    PropertyTempDir.delete(dir);
  }

  /** What the docs say a row yields. */
  enum Outcome { RECORD, DEAD_LETTER, EITHER, NOTHING }

  enum Mutation {
    NONE, EMPTY_CELL, NON_NUMERIC, EXTRA_COLUMN, MISSING_COLUMN, QUOTED_SEPARATORS, QUOTED_NEWLINE,
    LEADING_QUOTED_PHRASE, QUOTED_VALUE, THOUSANDS, INVISIBLE, UNKNOWN_CODE, LOWER_CASE_CODE, HUGE, NEGATIVE,
    WRONG_PERIOD, OTHER_PERIOD_FORM, BLANK_ROW
  }

  /**
   * One row of the file: valid row {@code base} (its own month) with {@code mutation}, {@code variant} choosing among
   * the mutation's forms and {@code column} where one applies; {@code copy}: an exact copy follows it.
   */
  record RowSpec(int base, Mutation mutation, int variant, int column, boolean crlf, boolean copy, int bump) {}

  record FileSpec(boolean bom, boolean finalLineBreak, List<RowSpec> rows) {}

  /** A row as written: its cells (raw text), what it yields, and the values a record of it must carry. */
  record Row(String raw, Outcome outcome, String sourceRef, YearMonth month, BigDecimal value, boolean crlf) {}

  @Provide
  Arbitrary<FileSpec> files() {
    Arbitrary<List<RowSpec>> rows = rowSpecs().list().ofMinSize(1).ofMaxSize(12).uniqueElements(RowSpec::base);
    return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false), rows).as(FileSpec::new);
  }

  static Arbitrary<RowSpec> rowSpecs() {
    // Most rows valid, the others spread over the mutations.
    List<Tuple.Tuple2<Integer, Mutation>> weights = new ArrayList<>();
    for (Mutation m : Mutation.values()) {
      weights.add(Tuple.of(m == Mutation.NONE ? 12 : 1, m));
    }
    Arbitrary<RowSpec> row = Combinators.combine(Arbitraries.integers().between(0, BASES - 1),
        Arbitraries.frequency(weights), Arbitraries.integers().between(0, 9),
        Arbitraries.integers().between(0, HEADER.size() - 1), Arbitraries.integers().between(0, 3),
        Arbitraries.integers().between(0, 5))
        .as((base, m, variant, column, crlf, copy) -> new RowSpec(base, m, variant, column, crlf == 0, copy == 0, 0));
    return row;
  }

  @Property(tries = 150)
  void shouldAccountForEveryRowOfAMutatedFileAsARecordADeadLetterOrADocumentedSkip(
      @ForAll("files") FileSpec spec) throws Exception {
    Written w = written(spec);
    Path file = Files.createTempFile(dir, "rows", ".csv");
    Files.writeString(file, w.text(), StandardCharsets.UTF_8);

    TaskHarness harness = new TaskHarness();
    FileSourceTask task = harness.start(new FileSourceTask(), props(file));
    List<SourceRecord> out = harness.drainThenStop(task); // the property fails on whatever the task throws

    assertAccountedFor(w, file, out);
    assertThat(task.metrics().skipped()).as("a mapped file skips nothing").isZero();
  }

  /** A change between two versions of a file: a row's value changed, a row deleted, inserted or replaced. */
  enum EditKind { BUMP_VALUE, DELETE, INSERT, REPLACE }

  record Edit(EditKind kind, int index, RowSpec row) {}

  @Provide
  Arbitrary<List<Edit>> edits() {
    // Mostly changed figures, which leave the dead letters as they were: the case where they are left out.
    Arbitrary<EditKind> kind = Arbitraries.frequency(Tuple.of(4, EditKind.BUMP_VALUE), Tuple.of(1, EditKind.DELETE),
        Tuple.of(1, EditKind.INSERT), Tuple.of(1, EditKind.REPLACE));
    return Combinators.combine(kind, Arbitraries.integers().between(0, 20), rowSpecs())
        .as(Edit::new).list().ofMinSize(1).ofMaxSize(3);
  }

  /**
   * A re-published file (a revision), read by a task that is stopped after {@code taken} of its records (a crash: only
   * those offsets committed) and started again: together the two give exactly what the revision gives read at once
   * from nothing (checked by the property above), each record once, with revision 1 (0 when the version before gave
   * nothing, so wrote no offset), nothing lost and nothing twice;
   * its dead letters all or, when they are the same as those of the version before (reason and raw row, in any
   * order), none (docs/connectors.md, Dead letters). The same bytes again give nothing.
   */
  @Property(tries = 60)
  void shouldGiveEveryRowOfARevisionOnceAcrossARestartLeavingOutOnlyTheSameDeadLetters(
      @ForAll("files") FileSpec before, @ForAll("edits") List<Edit> edits,
      @ForAll @IntRange(min = 0, max = 12) int taken) throws Exception {
    List<RowSpec> rows = new ArrayList<>(before.rows());
    for (Edit e : edits) {
      int i = rows.isEmpty() ? 0 : e.index() % rows.size();
      switch (e.kind()) {
        case BUMP_VALUE -> {
          if (!rows.isEmpty()) {
            RowSpec r = rows.get(i);
            rows.set(i, new RowSpec(r.base(), r.mutation(), r.variant(), r.column(), r.crlf(), r.copy(), r.bump() + 1));
          }
        }
        case DELETE -> {
          if (!rows.isEmpty()) {
            rows.remove(i);
          }
        }
        case INSERT -> rows.add(rows.isEmpty() ? 0 : e.index() % (rows.size() + 1), e.row());
        case REPLACE -> {
          if (!rows.isEmpty()) {
            rows.set(i, e.row());
          }
        }
        default -> throw new IllegalStateException(e.kind().name());
      }
    }
    FileSpec after = new FileSpec(before.bom(), before.finalLineBreak(), rows);
    Path file = Files.createTempFile(dir, "revised", ".csv");
    Written first = written(before);
    Written second = written(after);

    Files.writeString(file, first.text(), StandardCharsets.UTF_8);
    TaskHarness harness = new TaskHarness();
    List<SourceRecord> firstOut = drainOnce(harness, file);
    assertAccountedFor(first, file, firstOut);

    Files.writeString(file, second.text(), StandardCharsets.UTF_8);
    List<SourceRecord> reference = drainOnce(new TaskHarness(), file);
    assertAccountedFor(second, file, reference);

    List<SourceRecord> got = new ArrayList<>();
    FileSourceTask crashing = harness.start(new FileSourceTask(), props(file));
    try {
      got.addAll(harness.takeAtMost(crashing, taken));
    } finally {
      crashing.stop();
    }
    got.addAll(drainOnce(harness, file));

    List<String> expected = new ArrayList<>();
    if (!first.text().equals(second.text())) {
      boolean sameDeadLetters = deadLetterContents(reference).equals(deadLetterContents(firstOut))
          && !deadLetterContents(firstOut).isEmpty();
      // A version that gave nothing wrote no offset (one is written only with a record): the revision is the first.
      int revision = firstOut.isEmpty() ? 0 : 1;
      for (SourceRecord r : reference) {
        if (r.topic().equals("trade.records")) {
          expected.add(show(r, revision));
        } else if (!sameDeadLetters) {
          expected.add(show(r, 0));
        }
      }
    }
    assertThat(got).as("the revision, %d record(s) taken before a restart:\n%s\nafter\n%s", taken, second.text(),
        first.text()).extracting(r -> show(r, -1)).containsExactlyElementsOf(expected);
  }

  /** A new task on {@code harness}'s offsets, drained and stopped. */
  static List<SourceRecord> drainOnce(TaskHarness harness, Path file) throws InterruptedException {
    return harness.drainThenStop(harness.start(new FileSourceTask(), props(file)));
  }

  /** A record's topic and value (its revision {@code revision}, or as it is for -1), without its offset. */
  static String show(SourceRecord r, int revision) {
    Struct v = (Struct) r.value();
    if (revision >= 0 && r.topic().equals("trade.records")) {
      v = new Struct(v.schema());
      for (org.apache.kafka.connect.data.Field f : v.schema().fields()) {
        v.put(f, ((Struct) r.value()).get(f));
      }
      v.put("revision", revision);
    }
    if (r.topic().equals("trade.dlq")) {
      return r.topic() + " " + v.getString("position") + " " + v.getString("reason") + " "
          + new String(v.getBytes("rawValue"), StandardCharsets.UTF_8);
    }
    return r.topic() + " " + v;
  }

  /** The dead letters' reason and raw row, in any order (what tells them apart in the offset's fingerprint). */
  static java.util.Map<String, Long> deadLetterContents(List<SourceRecord> out) {
    return out.stream().filter(r -> r.topic().equals("trade.dlq")).map(r -> (Struct) r.value())
        .collect(java.util.stream.Collectors.groupingBy(
            v -> v.getString("reason") + "\0" + new String(v.getBytes("rawValue"), StandardCharsets.UTF_8),
            java.util.TreeMap::new, java.util.stream.Collectors.counting()));
  }

  static Map<String, String> props(Path file) {
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(file.toString());
    props.put("field.partner", "partner");
    props.put(FileConfig.SETTLE_CONFIG, "0"); // a last line without its line break is read at once
    return props;
  }

  /** A file as written: its text, its rows (copies and blank rows included) and the line each starts on. */
  record Written(String text, List<Row> rows, List<Long> lines) {}

  static Written written(FileSpec spec) {
    List<Row> rows = new ArrayList<>();
    Map<Integer, Long> bases = spec.rows().stream()
        .collect(java.util.stream.Collectors.groupingBy(RowSpec::base, java.util.stream.Collectors.counting()));
    for (RowSpec r : spec.rows()) {
      Row written = row(r);
      if (bases.get(r.base()) > 1 && written.outcome() == Outcome.RECORD) {
        // Another row of its month (a revision inserted one): once, or given different figures, as the rows say.
        written = new Row(written.raw(), Outcome.EITHER, written.sourceRef(), written.month(), written.value(),
            written.crlf());
      }
      rows.add(written);
      if (r.copy() && written.outcome() != Outcome.NOTHING) {
        // An exact copy gives its figure again (a dead letter "again, with the same figures"), or repeats its fault.
        rows.add(new Row(written.raw(), Outcome.DEAD_LETTER, null, null, null, written.crlf()));
      }
    }
    StringBuilder text = new StringBuilder(spec.bom() ? "\uFEFF" : "").append(String.join(",", HEADER)).append('\n');
    List<Long> lines = new ArrayList<>();
    long line = 2;
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      lines.add(line);
      text.append(r.raw());
      line += lineBreaks(r.raw()) + 1;
      if (i < rows.size() - 1 || spec.finalLineBreak()) {
        text.append(r.crlf() ? "\r\n" : "\n");
      }
    }
    return new Written(text.toString(), rows, lines);
  }

  /** Every row of {@code w} accounted for in {@code out}, in file order, as the class comment says. */
  static void assertAccountedFor(Written w, Path file, List<SourceRecord> out) {
    List<Row> rows = w.rows();
    List<Integer> accounted = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).outcome() != Outcome.NOTHING) {
        accounted.add(i);
      }
    }
    assertThat(out).as("one record or dead letter per row that is not blank, in file order:\n%s", w.text())
        .hasSize(accounted.size());
    for (int k = 0; k < out.size(); k++) {
      int i = accounted.get(k);
      Row r = rows.get(i);
      SourceRecord got = out.get(k);
      String what = "row on line " + w.lines().get(i) + " (" + r.raw() + ") of\n" + w.text();
      if (got.topic().equals("trade.dlq")) {
        Struct dl = (Struct) got.value();
        assertThat(r.outcome()).as("dead letter %s for %s", dl.getString("reason"), what)
            .isNotEqualTo(Outcome.RECORD);
        assertThat(dl.getString("source")).as(what).isEqualTo(file.toString());
        assertThat(dl.getString("position")).as(what).isEqualTo("line " + w.lines().get(i));
        assertThat(new String(dl.getBytes("rawValue"), StandardCharsets.UTF_8)).as(what).isEqualTo(r.raw());
        assertThat(dl.getString("reason")).as(what).isNotBlank();
      } else {
        assertThat(got.topic()).isEqualTo("trade.records");
        assertThat(r.outcome()).as("record for %s", what).isNotEqualTo(Outcome.DEAD_LETTER);
        Struct v = (Struct) got.value();
        if (r.month() != null) {
          assertThat(YearMonth.of(v.getInt32("year"), v.getInt32("month"))).as(what).isEqualTo(r.month());
        }
        if (r.value() != null) {
          assertThat(v.getInt64("value")).as(what)
              .isEqualTo(r.value().multiply(BigDecimal.valueOf(1_000_000_000L)).longValueExact());
        }
        if (r.sourceRef() != null) {
          assertThat(v.getString("sourceRef")).as(what).isEqualTo(r.sourceRef());
        }
      }
    }
  }

  static long lineBreaks(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 == s.length() || s.charAt(i + 1) != '\n'))) {
        n++;
      }
    }
    return n;
  }

  static String[] cells(int base, int bump) {
    YearMonth m = month(base);
    return new String[] {m.toString(), m.toString(), "USA", value(base, bump).toPlainString(),
        "-" + (base % 7) + "." + (base % 10), "src-" + base, base % 5 == 0 ? "secondary" : "published"};
  }

  static YearMonth month(int base) {
    return YearMonth.of(2023, 1).plusMonths(base);
  }

  static BigDecimal value(int base, int bump) {
    return new BigDecimal("12.5").add(BigDecimal.valueOf(base * 3L + bump, 1));
  }

  static <T> T pick(List<T> options, int variant) {
    return options.get(variant % options.size());
  }

  /** Row {@code r} as written, and what the docs say it yields. */
  static Row row(RowSpec r) {
    String[] c = cells(r.base(), r.bump());
    YearMonth month = month(r.base());
    BigDecimal value = value(r.base(), r.bump());
    String sourceRef = c[SOURCE];
    Outcome outcome = Outcome.RECORD;
    int v = r.variant();
    switch (r.mutation()) {
      case NONE -> { }
      case EMPTY_CELL -> {
        int col = r.column();
        c[col] = pick(List.of("", "  ", " \t"), v);
        switch (col) {
          case PERIOD -> outcome = Outcome.DEAD_LETTER; // no period, no year and month: "missing year"
          case VALUE -> value = null; // a YoY-only figure
          case SOURCE -> sourceRef = null;
          default -> { } // period.end: one month; partner: the constant; YoY, flag: none
        }
      }
      case NON_NUMERIC -> {
        if (v % 2 == 0) {
          c[VALUE] = pick(List.of("lots", "(D)", "n/a", "5d", "0x1p3", "28,8", "1.234,5", "1.2.3", "--5", "x"),
              v / 2);
        } else {
          c[YOY] = pick(List.of("NaN", "Infinity", "5f", "n/a", "--3"), v / 2);
        }
        outcome = Outcome.DEAD_LETTER;
      }
      case EXTRA_COLUMN -> {
        c = append(c, pick(List.of("extra", "", "1"), v));
        outcome = Outcome.DEAD_LETTER;
      }
      case MISSING_COLUMN -> {
        c = java.util.Arrays.copyOf(c, c.length - 1 - v % 3);
        outcome = Outcome.DEAD_LETTER;
      }
      case QUOTED_SEPARATORS -> {
        sourceRef = pick(List.of("AP, 2025-06-09", "said \"-34.5%\", AP", ",", "\"\""), v);
        c[SOURCE] = quote(sourceRef);
      }
      case QUOTED_NEWLINE -> {
        sourceRef = pick(List.of("AP\n2025-06-09", "a\r\nb", "x\n\ny,z"), v);
        c[SOURCE] = quote(sourceRef);
      }
      case LEADING_QUOTED_PHRASE -> {
        // CsvReader's leniency for hand-made files: taken literally, quotes included.
        sourceRef = "\"Liberation Day\" reciprocal 34%";
        c[SOURCE] = sourceRef;
      }
      case QUOTED_VALUE -> c[VALUE] = quote(c[VALUE]);
      case THOUSANDS -> {
        c[VALUE] = quote(pick(List.of("1,234.5", "12,345,678", "1,000"), v));
        value = new BigDecimal(pick(List.of("1234.5", "12345678", "1000"), v));
      }
      case INVISIBLE -> {
        String ch = pick(List.of("\uFEFF", "\u200B", "\u00A0", "\u2060", "\u00AD"), v);
        int col = r.column();
        c[col] = v % 2 == 0 ? ch + c[col] : c[col] + ch;
        if (col == SOURCE) {
          sourceRef = c[col];
        } else if (col != FLAG) {
          outcome = Outcome.EITHER; // a code, period or number with an invisible character: not ours to say
        }
      }
      case UNKNOWN_CODE -> {
        c[PARTNER] = pick(List.of("ABC", "UK", "CHN", "U.S", "840", "USAA"), v);
        outcome = Outcome.DEAD_LETTER;
      }
      case LOWER_CASE_CODE -> c[PARTNER] = "usa";
      case HUGE -> {
        if (v % 3 == 2) {
          c[YOY] = "1e400";
        } else {
          c[VALUE] = pick(List.of("99999999999999999999", "1e9999999", "9223372036854775807", "1".repeat(101)),
              v / 3);
        }
        outcome = Outcome.DEAD_LETTER;
      }
      case NEGATIVE -> {
        if (v % 2 == 0) {
          c[VALUE] = pick(List.of("-5", "-0.1", "-28.8"), v / 2);
        } else {
          c[YOY] = pick(List.of("-150", "-100.5"), v / 2);
        }
        outcome = Outcome.DEAD_LETTER;
      }
      case WRONG_PERIOD -> {
        List<String> bad = List.of("2024-13", "2099-01", "1987-12", month + "-99", month + "/" + month.plusMonths(1),
            "24-05", "May 2024", "2024-00");
        if (v == 9) {
          c[END] = month.minusMonths(1).toString(); // an end before the start
        } else {
          c[PERIOD] = pick(bad, v);
        }
        outcome = Outcome.DEAD_LETTER;
      }
      case OTHER_PERIOD_FORM -> {
        String form = pick(List.of(month.toString().replace("-", ""), month + "-01", month + "-15T00:00:00Z"), v);
        c[PERIOD] = form;
        c[END] = form;
      }
      case BLANK_ROW -> {
        return new Row(pick(List.of("", ",,,,,,", "   ", " , ,", ",,,,,,,,,,"), v), Outcome.NOTHING, null, null, null,
            r.crlf());
      }
      default -> throw new IllegalStateException(r.mutation().name());
    }
    return new Row(String.join(",", c), outcome, sourceRef, month, value, r.crlf());
  }

  static String quote(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  static String[] append(String[] c, String cell) {
    String[] out = java.util.Arrays.copyOf(c, c.length + 1);
    out[c.length] = cell;
    return out;
  }
}
