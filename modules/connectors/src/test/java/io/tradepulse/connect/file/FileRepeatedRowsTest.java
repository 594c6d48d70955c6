package io.tradepulse.connect.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.TaskHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file must not give one figure twice: downstream keeps one figure per series, starting month and publication, so
 * of two rows of one key with different figures it kept one at random as the file's, and a copied row went out twice.
 */
class FileRepeatedRowsTest {
  @TempDir Path dir;

  /**
   * China's exports to the US (GACC via the shared seed data): May 2025 copied verbatim (line 4), June 2025 given two
   * figures (lines 5 and 7, the second the secondary source's), a bad row and good ones between them.
   */
  static final String REPEATED = """
      period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
      2025-05,2025-05,28.8,-34.5,AP 2025-06-09 quoting GACC,published
      2025-03,2025-03,40.1,4.5,AP 2025-04-13; RFI,published
      2025-05,2025-05,28.8,-34.5,AP 2025-06-09 quoting GACC,published
      2025-06,2025-06,38.17,-16.1,TASS 2025-07-14; WSJ,published
      2025-08,2025-08,lots,,x,bad
      2025-06,2025-06,38.2,-16.1,secondary,secondary
      2025-07,2025-07,35.8,-21.67,Reuters,secondary
      """;

  Map<String, String> props(Path f, int batch) {
    Map<String, String> p = FileSourceTaskTest.gaccSeedProps(f.toString());
    p.put("batch.max.records", Integer.toString(batch));
    return p;
  }

  static String show(SourceRecord r) {
    Struct v = (Struct) r.value();
    return r.topic().equals("trade.records") ? v.getInt32("year") + "-" + v.getInt32("month") + " " + v.getInt64("value")
        : v.getString("position") + ": " + v.getString("reason") + " | "
            + new String(v.getBytes("rawValue"), StandardCharsets.UTF_8);
  }

  @Test
  void shouldDeadLetterAValueNamingItsExponentWhenTheExponentIsBeyondAnyAmount() throws Exception {
    Path f = Files.writeString(dir.resolve("seed.csv"), REPEATED.lines().limit(3).collect(
        java.util.stream.Collectors.joining("\n", "", "\n")).replace("40.1", "1e9999999"));
    TaskHarness harness = new TaskHarness();
    FileSourceTask task = harness.start(new FileSourceTask(), props(f, 100));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(FileRepeatedRowsTest::show).satisfiesExactly(
        r -> assertThat(r).isEqualTo("2025-5 28800000000"),
        r -> assertThat(r).startsWith("line 3: Value '1e9999999' is out of range: exponent 9999999,"));
  }

  @Test
  void shouldEmitACopiedRowOnceAndDeadLetterEveryRowOfAMonthGivenDifferentFiguresWhenAFileRepeatsAKey()
      throws Exception {
    Path f = Files.writeString(dir.resolve("seed.csv"), REPEATED);
    TaskHarness harness = new TaskHarness();
    FileSourceTask task = harness.start(new FileSourceTask(), props(f, 100));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    String key = "CHN USA EXPORT TOTAL 2025-0";
    String published = " published 2026-01-14T00:00:00Z";
    assertThat(rs).extracting(FileRepeatedRowsTest::show).containsExactly(
        "2025-5 28800000000",
        "2025-3 40100000000",
        "line 4: " + key + "5" + published + " again, with the same figures as on line 2: emitted once | "
            + "2025-05,2025-05,28.8,-34.5,AP 2025-06-09 quoting GACC,published",
        "line 5: " + key + "6" + published + " given different figures on lines [5, 7]: which one is the file's "
            + "cannot be told, none is emitted | 2025-06,2025-06,38.17,-16.1,TASS 2025-07-14; WSJ,published",
        "line 6: value 'lots' in column 'value_usd_bn' (field.value) is not a decimal number (not negative) in the "
            + "file's unit, e.g. 28.8 | 2025-08,2025-08,lots,,x,bad",
        "line 7: " + key + "6" + published + " given different figures on lines [5, 7]: which one is the file's "
            + "cannot be told, none is emitted | 2025-06,2025-06,38.2,-16.1,secondary,secondary",
        "2025-7 35800000000");
  }

  /**
   * One level, given on one line as China customs' and on another as a secondary source's: the record would carry the
   * quality of whichever line came first, and which one the file stands behind cannot be told. Without a quality
   * column the two lines are one figure given twice.
   */
  @Test
  void shouldDeadLetterBothRowsOfAMonthGivenOneLevelWithTwoQualities() throws Exception {
    Path f = Files.writeString(dir.resolve("seed.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-07,2025-07,35.8,-21.67,Reuters quoting GACC,published
        2025-07,2025-07,35.8,-21.67,Reuters (YoY); level from a secondary source,secondary
        """);
    TaskHarness harness = new TaskHarness();
    FileSourceTask task = harness.start(new FileSourceTask(), props(f, 100));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    assertThat(rs).extracting(FileRepeatedRowsTest::show).allSatisfy(r -> assertThat(r)
        .contains("2025-07 published 2026-01-14T00:00:00Z given different figures on lines [2, 3]"));
    assertThat(rs).hasSize(2);

    Map<String, String> noQuality = props(f, 100);
    noQuality.remove("field.quality");
    TaskHarness again = new TaskHarness();
    FileSourceTask once = again.start(new FileSourceTask(), noQuality);
    List<SourceRecord> onceRs = again.drain(once);
    once.stop();
    assertThat(onceRs).extracting(FileRepeatedRowsTest::show).first().isEqualTo("2025-7 35800000000");
    assertThat(onceRs).extracting(FileRepeatedRowsTest::show).last().asString()
        .contains("again, with the same figures as on line 2: emitted once");
  }

  @Test
  void shouldKeepEveryRevisionWhenAFileGivesOneMonthWithDifferentPublicationTimes() throws Exception {
    // A file of revisions: June 2025 first published, then revised. The newest publication wins downstream, as meant.
    Path f = Files.writeString(dir.resolve("revisions.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag,released
        2025-06,2025-06,38.17,-16.1,TASS,first,2025-07-14
        2025-06,2025-06,38.2,-16.0,GACC,revised,2025-08-07
        """);
    Map<String, String> p = props(f, 100);
    p.put("field.publishedAt", "released");
    TaskHarness harness = new TaskHarness();
    FileSourceTask task = harness.start(new FileSourceTask(), p);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(FileRepeatedRowsTest::show).containsExactly("2025-6 38170000000", "2025-6 38200000000");
  }

  @Test
  void shouldGiveEveryRowTheSameVerdictWhenTheTaskRestartsAfterEachRecord() throws Exception {
    Path f = Files.writeString(dir.resolve("seed.csv"), REPEATED);
    TaskHarness whole = new TaskHarness();
    FileSourceTask task = whole.start(new FileSourceTask(), props(f, 100));
    List<String> expected = whole.drain(task).stream().map(TaskHarness::renderAll).toList();
    task.stop();

    // One record per task, then a crash: each new task reads the file again and resumes after the committed record.
    // The copy must not pass for the first of its key (its original went out before the restart), and the first row of
    // June, read before its conflict is, must not go out.
    TaskHarness crashing = new TaskHarness();
    Map<String, String> props = props(f, 1);
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 20 && got.size() < expected.size(); i++) {
      FileSourceTask one = crashing.start(new FileSourceTask(), props);
      got.add(TaskHarness.renderAll(crashing.take(one, 1).get(0)));
      one.stop();
    }
    assertThat(got).isEqualTo(expected);
    assertThat(expected).hasSize(7).filteredOn(r -> r.startsWith("trade.records")).hasSize(3);
  }

  @Test
  void shouldFindARepeatedKeyInAnNdjsonFileToo() throws Exception {
    String may = "{\"period_start\":\"2025-05\",\"period_end\":\"2025-05\",\"value_usd_bn\":28.8,\"source\":\"AP\"}";
    Path f = Files.writeString(dir.resolve("seed.ndjson"), may + "\n\n" + may.replace("28.8", "28.0") + "\n");
    Map<String, String> p = props(f, 100);
    p.put(FileConfig.FORMAT_CONFIG, "JSON");
    TaskHarness harness = new TaskHarness();
    FileSourceTask task = harness.start(new FileSourceTask(), p);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(r -> ((Struct) r.value()).getString("position") + ": "
        + ((Struct) r.value()).getString("reason")).allSatisfy(s -> assertThat(s).contains(
            "CHN USA EXPORT TOTAL 2025-05 published 2026-01-14T00:00:00Z given different figures on lines [1, 3]"))
        .extracting(s -> s.substring(0, s.indexOf(':'))).containsExactly("line 1", "line 3");
  }
}
