package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.PropertyTempDir;
import io.tradepulse.connect.TaskHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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
 * The project's rule "bad input loses nothing" for the Comext connector in BULK mode, as a property over generated
 * monthly bulk files of the real header (formats.md): series (reporter, partner, CN8 product, flow, period) of one to
 * three lines (TRADE_TYPE / STAT_PROCEDURE lines, summed), their lines spread over the file, each series maybe mutated
 * (a confidential product line such as 39XXXXXX, an unknown or aggregate partner, a FLOW neither 1 nor 2, an unreadable
 * or annual PERIOD, another month than the file's, a line with an unreadable or negative VALUE_EUR, a reporter the
 * filters leave out), read through the real task
 * ({@link ComextBulkSourceTask#poll} with {@link TaskHarness}).
 *
 * <p>Every series and month is accounted for as docs/connectors.md (Eurostat Comext) documents it: one record of its
 * summed lines, or one dead letter naming the file, a line and its raw bytes with a reason (those of a series with an
 * unreadable line first, naming that line; the others at the series' first line), or left out and counted as skipped
 * (lines of annual totals and lines the filters leave out, each; an aggregate partner, once). Nothing else comes out,
 * and a crash and restart gives the same output as one read.
 */
class ComextBulkAccountingPropertiesTest {
  static final String HEADER = "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,PRODUCT_CPA21,PRODUCT_CPA22,"
      + "PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,SUPPL_UNIT,PERIOD,VALUE_EUR,VALUE_NAC,"
      + "QUANTITY_KG,QUANTITY_SUPPL_UNIT";
  static final List<String[]> PARTNERS = List.of(new String[] {"CN", "CHN"}, new String[] {"US", "USA"},
      new String[] {"XK", "XKX"}, new String[] {"JP", "JPN"});
  static final List<String> PRODUCTS = List.of("72042110", "85171300", "39012010");

  static Path dir;

  @BeforeContainer
  static void makeDir() throws IOException {
    dir = PropertyTempDir.create("comext-bulk-accounting");
  }

  @AfterContainer
  static void removeDir() throws IOException {
    PropertyTempDir.delete(dir);
  }

  enum Mutation {
    NONE, CONFIDENTIAL, UNKNOWN_PARTNER, GROUP_PARTNER, BAD_PERIOD, ANNUAL, BAD_VALUE, FILTERED, OTHER_MONTH,
    UNKNOWN_FLOW
  }

  /** What a series and month yields. */
  enum Outcome { RECORD, DEAD_LETTER, TAINTED, SKIPPED_ONCE, SKIPPED_EACH_LINE }

  /**
   * Series {@code base} (reporter, partner, product and flow) with {@code mutation}, of {@code lines} lines whose place
   * in the file is given by {@code order}; {@code bad} is the line a BAD_VALUE makes unreadable.
   */
  record SeriesSpec(int base, Mutation mutation, int variant, List<Integer> order, int bad) {}

  /** A line of the file: its series, its text and its place. */
  record Line(int series, String text, int order, boolean bad) {}

  record Series(Outcome outcome, String partner, int month, long sum, int lines) {}

  @Provide
  Arbitrary<List<SeriesSpec>> files() {
    List<Tuple.Tuple2<Integer, Mutation>> weights = new ArrayList<>();
    for (Mutation m : Mutation.values()) {
      weights.add(Tuple.of(m == Mutation.NONE ? 10 : 1, m));
    }
    return Combinators.combine(
        Arbitraries.integers().between(0, 2 * PARTNERS.size() * PRODUCTS.size() * 2 - 1),
        Arbitraries.frequency(weights), Arbitraries.integers().between(0, 9),
        Arbitraries.integers().between(0, 99).list().ofMinSize(1).ofMaxSize(3), Arbitraries.integers().between(0, 2))
        .as(SeriesSpec::new).list().ofMaxSize(10).uniqueElements(SeriesSpec::base);
  }

  record File(String text, List<Series> series, List<Line> lines) {
    /** The 1-based file line of the i-th line in file order (the header is line 1). */
    long lineOf(Line l) {
      return lines.indexOf(l) + 2L;
    }
  }

  static <T> T pick(List<T> options, int variant) {
    return options.get(variant % options.size());
  }

  static File file(List<SeriesSpec> specs) {
    List<Series> series = new ArrayList<>();
    List<Line> lines = new ArrayList<>();
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (int s = 0; s < specs.size(); s++) {
      SeriesSpec spec = specs.get(s);
      int b = spec.base();
      String reporter = b % 2 == 0 ? "DE" : "FR";
      String[] partner = PARTNERS.get(b / 2 % PARTNERS.size());
      String product = PRODUCTS.get(b / 2 / PARTNERS.size() % PRODUCTS.size());
      String flow = b / 2 / PARTNERS.size() / PRODUCTS.size() == 0 ? "1" : "2";
      String period = "202505";
      int month = 5;
      Outcome outcome = Outcome.RECORD;
      int v = spec.variant();
      switch (spec.mutation()) {
        case NONE -> { }
        case CONFIDENTIAL -> {
          product = pick(List.of("39XXXXXX", "7204XXXX", "851713XX"), v);
          outcome = Outcome.DEAD_LETTER;
        }
        case UNKNOWN_PARTNER -> {
          partner = new String[] {pick(List.of("XI", "QZ", "XC", "ZZ"), v), null};
          outcome = Outcome.DEAD_LETTER;
        }
        case GROUP_PARTNER -> {
          partner = new String[] {pick(List.of("EU27_2020_EXTRA", "EU27_2020_INTRA"), v), null};
          outcome = Outcome.SKIPPED_ONCE;
        }
        case BAD_PERIOD -> {
          period = pick(List.of("202513", "2025-05", "202500", "2025"), v);
          outcome = Outcome.DEAD_LETTER;
        }
        case ANNUAL -> {
          period = "202452";
          outcome = Outcome.SKIPPED_EACH_LINE;
        }
        case BAD_VALUE -> outcome = Outcome.TAINTED;
        case FILTERED -> {
          reporter = "IT";
          outcome = Outcome.SKIPPED_EACH_LINE;
        }
        case OTHER_MONTH -> {
          period = "202504"; // a month other than the file's: the file's name is not read
          month = 4;
        }
        case UNKNOWN_FLOW -> {
          flow = pick(List.of("3", "", "I", "0"), v); // not a flow the filters choose among: a garbled line
          outcome = Outcome.DEAD_LETTER;
        }
        default -> throw new IllegalStateException(spec.mutation().name());
      }
      if (!keys.add(String.join(",", reporter, partner[0], product, flow, period))) {
        // A mutation that made the key of an earlier series (two unknown partners 'XI'): one series, not two. The
        // base, unique, keeps this one apart.
        reporter = b % 2 == 0 ? "DE" : "FR";
        partner = PARTNERS.get(b / 2 % PARTNERS.size());
        product = PRODUCTS.get(b / 2 / PARTNERS.size() % PRODUCTS.size());
        flow = b / 2 / PARTNERS.size() / PRODUCTS.size() == 0 ? "1" : "2";
        period = "202505";
        month = 5;
        outcome = Outcome.RECORD;
      }
      long sum = 0;
      int bad = spec.bad() % spec.order().size();
      for (int i = 0; i < spec.order().size(); i++) {
        long value = 1000L + 7919L * b + 13L * i;
        String cell = String.valueOf(value);
        boolean isBad = outcome == Outcome.TAINTED && i == bad;
        if (isBad) {
          cell = pick(List.of("abc", "-5", "", "1e400", "12,5", "99999999999999999999"), v);
        } else {
          sum += value;
        }
        String text = String.join(",", reporter, partner[0], i == 0 ? "E" : "I", product, "282.21", "241010",
            "241010", "22", "21", "XV", flow, String.valueOf(1 + i), "NO_SU", period, cell.contains(",")
                ? "\"" + cell + "\"" : cell, String.valueOf(value), "20", "0");
        lines.add(new Line(s, text, spec.order().get(i), isBad));
      }
      series.add(new Series(outcome, partner[1], month, sum, spec.order().size()));
    }
    lines.sort(Comparator.comparingInt(Line::order)); // stable: a series' lines keep their order among equals
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    lines.forEach(l -> text.append(l.text()).append('\n'));
    return new File(text.toString(), series, lines);
  }

  @Property(tries = 100)
  void shouldAccountForEverySeriesOfAMutatedBulkFileAsOneRecordOneDeadLetterOrACountedSkip(
      @ForAll("files") List<SeriesSpec> specs) throws Exception {
    File f = file(specs);
    Path path = Files.createTempFile(dir, "full_v2_202505", ".csv");
    Files.writeString(path, f.text(), StandardCharsets.UTF_8);

    TaskHarness harness = new TaskHarness();
    ComextBulkSourceTask task = start(harness, path, 2000);
    List<SourceRecord> out = harness.drainThenStop(task); // the property fails on whatever the task throws

    // Expected, in order: the tainted series' dead letters, then every other series, by its first line in the file.
    List<Integer> firstSeen = new ArrayList<>();
    f.lines().forEach(l -> {
      if (!firstSeen.contains(l.series())) {
        firstSeen.add(l.series());
      }
    });
    List<Integer> expected = new ArrayList<>();
    firstSeen.stream().filter(s -> f.series().get(s).outcome() == Outcome.TAINTED).forEach(expected::add);
    firstSeen.stream().filter(s -> f.series().get(s).outcome() != Outcome.TAINTED).forEach(expected::add);
    int k = 0;
    int skipped = 0;
    for (int s : expected) {
      Series series = f.series().get(s);
      Line first = f.lines().stream().filter(l -> l.series() == s).findFirst().orElseThrow();
      Line bad = f.lines().stream().filter(l -> l.series() == s && l.bad()).findFirst().orElse(first);
      String what = "the series of line " + f.lineOf(first) + " (" + first.text() + ") of\n" + f.text();
      switch (series.outcome()) {
        case SKIPPED_ONCE -> skipped++;
        case SKIPPED_EACH_LINE -> skipped += series.lines();
        case RECORD -> {
          assertThat(out).as("an output for %s", what).hasSizeGreaterThan(k);
          SourceRecord got = out.get(k++);
          Struct v = (Struct) got.value();
          assertThat(got.topic()).as("a record for %s, got %s", what, v).isEqualTo("trade.records");
          assertThat(v.getString("partner")).as(what).isEqualTo(series.partner());
          assertThat(v.getInt32("month")).as(what).isEqualTo(series.month());
          assertThat(v.getInt64("value")).as("the sum of its lines: %s", what).isEqualTo(series.sum());
        }
        case DEAD_LETTER, TAINTED -> {
          assertThat(out).as("an output for %s", what).hasSizeGreaterThan(k);
          SourceRecord got = out.get(k++);
          Struct v = (Struct) got.value();
          assertThat(got.topic()).as("a dead letter for %s, got %s", what, v).isEqualTo("trade.dlq");
          Line named = series.outcome() == Outcome.TAINTED ? bad : first;
          assertThat(v.getString("position")).as("%s: %s", what, v.getString("reason"))
              .isEqualTo("line " + f.lineOf(named));
          assertThat(v.getString("source")).as(what).isEqualTo(path.toString());
          assertThat(new String(v.getBytes("rawValue"), StandardCharsets.UTF_8).stripTrailing()).as(what)
              .isEqualTo(named.text());
          assertThat(v.getString("reason")).as(what).isNotBlank();
          if (first.text().contains("XX,")) {
            assertThat(v.getString("reason")).as(what).startsWith("Confidential product line")
                .contains("VALUE_EUR " + series.sum());
          }
        }
        default -> throw new IllegalStateException(series.outcome().name());
      }
    }
    assertThat(out).as("nothing but the series' records and dead letters:\n%s", f.text()).hasSize(k);
    assertThat(task.metrics().skipped()).as("annual, filtered and aggregate lines, counted:\n%s", f.text())
        .isEqualTo(skipped);
  }

  /**
   * A bulk file read, {@code batch} records a poll, by a task stopped after {@code taken} of its records (a crash: only
   * those offsets committed) and started again gives exactly what it gives read at once: nothing lost, nothing twice.
   */
  @Property(tries = 40)
  void shouldGiveEverySeriesOfABulkFileOnceAcrossARestart(@ForAll("files") List<SeriesSpec> specs,
      @ForAll @IntRange(min = 0, max = 10) int taken, @ForAll @IntRange(min = 1, max = 4) int batch)
      throws Exception {
    File f = file(specs);
    Path path = Files.createTempFile(dir, "full_v2_202505", ".csv");
    Files.writeString(path, f.text(), StandardCharsets.UTF_8);
    TaskHarness.CrashRuns runs = TaskHarness.wholeAndAcrossACrash(h -> start(h, path, batch), taken);
    List<SourceRecord> reference = runs.whole();
    List<SourceRecord> got = runs.acrossACrash();
    assertThat(got).as("%d record(s) taken before a restart, of\n%s", taken, f.text())
        .extracting(ComextApiAccountingPropertiesTest::show)
        .containsExactlyElementsOf(reference.stream().map(ComextApiAccountingPropertiesTest::show).toList());
  }

  static ComextBulkSourceTask start(TaskHarness harness, Path file, int batch) {
    return harness.start(new ComextBulkSourceTask(), Map.of("name", "comext-bulk-accounting-" + System.nanoTime(),
        ComextConfig.MODE_CONFIG, "BULK", ComextConfig.FILES_CONFIG, file.toString(), ComextConfig.REPORTERS_CONFIG,
        "DE,FR", ComextConfig.PRODUCTS_CONFIG, "", "poll.interval.ms", "10", "batch.max.records",
        String.valueOf(batch), ComextConfig.BULK_SETTLE_CONFIG, "0"));
  }
}
