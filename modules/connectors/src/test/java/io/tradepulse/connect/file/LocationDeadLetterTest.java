package io.tradepulse.connect.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.testsupport.MutableClock;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A re-published file (GACC table, bulk file, generic file) is re-emitted whole; its bad rows go to the dead-letter
 * topic again only when they changed: a revision whose dead letters are those the complete version before sent (same
 * reasons and raw rows, in any order) leaves them all out, one whose dead letters differ in any way sends them all.
 * The offsets carry what it takes for a restart to decide the same way.
 */
class LocationDeadLetterTest {
  @TempDir Path dir;
  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-15T00:00:00Z"));
  final List<FileSourceTask> tasks = new ArrayList<>();

  @AfterEach
  void stop() {
    tasks.forEach(FileSourceTask::stop);
  }

  /**
   * {@code good} rows whose values start at {@code base}, with a bad row (a value that is not a number) after every
   * tenth, the bad rows' values named by {@code bad} in the order given.
   */
  static String csv(int good, int base, List<String> bad) {
    StringBuilder b = new StringBuilder("period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n");
    int next = 0;
    for (int i = 0; i < good; i++) {
      String month = java.time.YearMonth.of(1990, 1).plusMonths(i).toString(); // one figure per month
      b.append(month).append(',').append(month).append(',').append(base + i).append(".5,,src,r").append(i).append('\n');
      if (i % 10 == 9 && next < bad.size()) {
        b.append("2025-05,2025-05,").append(bad.get(next++)).append(",,src,bad\n");
      }
    }
    while (next < bad.size()) {
      b.append("2025-05,2025-05,").append(bad.get(next++)).append(",,src,bad\n");
    }
    return b.toString();
  }

  /** Written an hour ago (a settled stamp), or with a new content a second later than the last write. */
  Path write(String content) throws IOException {
    Path f = dir.resolve("t.csv");
    FileTime before = Files.exists(f) ? Files.getLastModifiedTime(f) : null;
    Files.writeString(f, content);
    Files.setLastModifiedTime(f, before == null ? FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS))
        : FileTime.from(before.toInstant().plusSeconds(1)));
    return f;
  }

  FileSourceTask start(Path f) {
    Map<String, String> p = FileSourceTaskTest.gaccSeedProps(f.toString());
    p.put("poll.interval.ms", "10"); // checks are due when the test advances the clock
    p.put("batch.max.records", "7"); // several batches per file, so restarts land mid-file
    FileSourceTask task = new FileSourceTask();
    task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    tasks.add(task);
    return harness.start(task, p);
  }

  List<SourceRecord> recheck(FileSourceTask task) throws InterruptedException {
    clock.advance(Duration.ofSeconds(1));
    return harness.drain(task);
  }

  static List<String> deadLetterValues(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.dlq"))
        .map(r -> new String(((Struct) r.value()).getBytes("rawValue"), java.nio.charset.StandardCharsets.UTF_8))
        .map(raw -> raw.split(",")[2]).sorted().toList();
  }

  static long records(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.records")).count();
  }

  @Test
  void shouldNotSendTheDeadLettersOfARevisedFileAgainWhenTheyAreUnchanged() throws Exception {
    Path f = write(csv(40, 100, List.of("x1", "x2", "x3")));
    FileSourceTask task = start(f);
    List<SourceRecord> first = harness.drain(task);
    assertThat(deadLetterValues(first)).containsExactly("x1", "x2", "x3");
    assertThat(records(first)).isEqualTo(40);

    // Revised figures; the same bad rows, in another order and at other lines.
    write(csv(45, 200, List.of("x3", "x1", "x2")));
    List<SourceRecord> revision = recheck(task);
    assertThat(records(revision)).as("every figure of the revision").isEqualTo(45);
    assertThat(deadLetterValues(revision)).as("the dead letters sent for the version before").isEmpty();
    assertThat(recheck(task)).as("the revision is complete although its last items were left out").isEmpty();
  }

  @Test
  void shouldSendEveryDeadLetterOfARevisionWhenAnyOfThemChanged() throws Exception {
    Path f = write(csv(40, 100, List.of("x1", "x2", "x3")));
    FileSourceTask task = start(f);
    harness.drain(task);

    write(csv(40, 200, List.of("x1", "x2", "y3")));
    assertThat(deadLetterValues(recheck(task))).containsExactly("x1", "x2", "y3");

    write(csv(40, 300, List.of("x1", "x2", "y3", "y3")));
    assertThat(deadLetterValues(recheck(task))).as("one more copy is a change").containsExactly("x1", "x2", "y3", "y3");

    write(csv(40, 400, List.of("x1", "x2", "y3", "y3")));
    assertThat(deadLetterValues(recheck(task))).as("unchanged since the revision before").isEmpty();
  }

  @Test
  void shouldGoOnLeavingTheDeadLettersOutAfterARestartInTheMiddleOfARevision() throws Exception {
    Path f = write(csv(40, 100, List.of("x1", "x2", "x3")));
    FileSourceTask first = start(f);
    harness.drain(first);
    write(csv(40, 200, List.of("x1", "x2", "x3")));
    clock.advance(Duration.ofSeconds(1));
    List<SourceRecord> before = harness.take(first, 15); // a crash: offsets committed for these only
    first.stop();

    List<SourceRecord> after = harness.drain(start(f));
    assertThat(deadLetterValues(before)).isEmpty();
    assertThat(deadLetterValues(after)).isEmpty();
    assertThat(records(before) + records(after)).as("every figure of the revision once").isEqualTo(40);
  }

  @Test
  void shouldKeepTheFingerprintOfTheDeadLettersSentBeforeARestartInTheMiddleOfAFile() throws Exception {
    Path f = write(csv(40, 100, List.of("x1", "x2", "x3")));
    FileSourceTask first = start(f);
    List<SourceRecord> before = harness.take(first, 15); // past the first bad row
    first.stop();
    FileSourceTask second = start(f);
    List<SourceRecord> after = harness.drain(second);
    assertThat(deadLetterValues(before)).containsExactly("x1");
    assertThat(deadLetterValues(after)).containsExactly("x2", "x3");
    assertThat(TaskHarness.offset(after.get(after.size() - 1))).containsKey("dead_letters");

    write(csv(40, 200, List.of("x1", "x2", "x3")));
    assertThat(deadLetterValues(recheck(second)))
        .as("the fingerprint of the complete file covers the dead letter sent before the restart").isEmpty();
  }

  @Test
  void shouldSendTheDeadLettersOfTheFirstRevisionAfterAnOffsetOfAnEarlierRelease() throws Exception {
    Path f = write(csv(40, 100, List.of("x1", "x2", "x3")));
    FileSourceTask first = start(f);
    List<SourceRecord> all = harness.drain(first);
    first.stop();
    // What an earlier release wrote for the complete file: no fingerprint of its dead letters.
    Map<String, Object> last = TaskHarness.offset(all.get(all.size() - 1));
    Map<String, Object> old = new java.util.HashMap<>(last);
    old.remove("dead_letters");
    harness.offsets.put(new java.util.HashMap<>(all.get(0).sourcePartition()), old);

    FileSourceTask second = start(f);
    assertThat(harness.drain(second)).as("the file is complete").isEmpty();
    write(csv(40, 200, List.of("x1", "x2", "x3")));
    assertThat(deadLetterValues(recheck(second))).as("nothing tells what was sent: sent").containsExactly("x1", "x2", "x3");
  }
}
