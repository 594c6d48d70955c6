package io.tradepulse.connect.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.SourceCompletion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file read while a writer that does not write-then-rename is still writing it (file.settle.ms). */
class FileStillWrittenTest {
  /** The value last: a row cut in its value is a row of as many columns, with a smaller figure. */
  static final String HEADER = "period_start,period_end,reported_yoy_pct,source,flag,value_usd_bn\n";

  @TempDir Path dir;
  final TaskHarness harness = new TaskHarness();

  static List<Long> values(List<SourceRecord> rs) {
    assertThat(rs).extracting(SourceRecord::topic).containsOnly("trade.records");
    return rs.stream().map(r -> ((Struct) r.value()).getInt64("value")).toList();
  }

  static void append(Path file, String text) throws Exception {
    Files.writeString(file, text, StandardOpenOption.APPEND);
  }

  @Test
  void shouldLeaveAFileForALaterCheckWhenItsLastLineIsCutAndItWasJustWritten() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), HEADER + "2025-05,2025-05,-34.5,AP,p,28.8\n2025-06,2025-06,,x,ok,12");
    FileSourceTask task = harness.start(new FileSourceTask(), FileSourceTaskTest.gaccSeedProps(csv.toString()));

    assertThat(harness.drain(task)).as("the writer is mid-line: 12 of 1234.5 is no figure").isEmpty();
    append(csv, "34.5\n");
    Thread.sleep(50); // past poll.interval.ms (10 ms), before which the file is not checked again
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs)).containsExactly(28_800_000_000L, 1_234_500_000_000L);
  }

  @Test
  void shouldReadAFileWithoutAFinalLineBreakWhenItWasLastModifiedLongerThanTheSettleTimeAgo() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), HEADER + "2025-05,2025-05,-34.5,AP,p,28.8\n2025-06,2025-06,,x,ok,12");
    Files.setLastModifiedTime(csv, FileTime.from(Instant.now().minusSeconds(11)));
    FileSourceTask task = harness.start(new FileSourceTask(), FileSourceTaskTest.gaccSeedProps(csv.toString()));

    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs)).containsExactly(28_800_000_000L, 12_000_000_000L);
  }

  @Test
  void shouldReadAJustWrittenFileWithoutAFinalLineBreakAtOnceWhenTheSettleTimeIsZero() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), HEADER + "2025-06,2025-06,,x,ok,12");
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(csv.toString());
    props.put(FileConfig.SETTLE_CONFIG, "0");
    FileSourceTask task = harness.start(new FileSourceTask(), props);

    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs)).containsExactly(12_000_000_000L);
  }

  @Test
  void shouldNotReadRowsAppendedWhileAFileIsEmittedWhenTheLastOfThemIsCut() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), HEADER + "2025-03,2025-03,,x,p,30.1\n2025-04,2025-04,,x,p,33.0\n"
        + "2025-05,2025-05,-34.5,AP,p,28.8\n");
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(csv.toString());
    props.put("batch.max.records", "1");
    FileSourceTask task = harness.start(new FileSourceTask(), props);
    List<SourceRecord> first = TaskHarness.poll(task);
    assertThat(values(first)).containsExactly(30_100_000_000L);
    first.forEach(r -> task.commitRecord(r, TaskHarness.written(r)));

    append(csv, "2025-06,2025-06,,x,ok,12");
    List<SourceRecord> rest = harness.drain(task);
    assertThat(values(rest)).as("the rows the file had when it was checked, not the cut one appended since")
        .containsExactly(33_000_000_000L, 28_800_000_000L);

    append(csv, "34.5\n");
    Thread.sleep(50);
    List<SourceRecord> again = harness.drain(task);
    task.stop();
    assertThat(values(again)).as("changed while it was emitted: read again from the start once written")
        .containsExactly(30_100_000_000L, 33_000_000_000L, 28_800_000_000L, 1_234_500_000_000L);
  }

  @Test
  void shouldNotReportCaughtUpWhenAFileIsLeftForALaterCheckBecauseItIsStillBeingWritten() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), HEADER + "2025-05,2025-05,-34.5,AP,p,28.8\n2025-06,2025-06,,x,ok,12");
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(csv.toString());
    String name = props.get("name");
    FileSourceTask task = harness.start(new FileSourceTask(), props);

    assertThat(harness.drain(task)).isEmpty();
    assertThat(harness.drain(task)).isEmpty();
    assertThat(SourceCompletion.isCaughtUp(name)).as("what --follow waits for: the file is pending").isFalse();

    append(csv, "34.5\n");
    Thread.sleep(50);
    assertThat(values(harness.drain(task))).containsExactly(28_800_000_000L, 1_234_500_000_000L);
    harness.drain(task);
    task.stop();
    assertThat(SourceCompletion.isDone(name)).isTrue();
  }

  @Test
  void shouldNotReportDoneWhenAFileReadCompletelyBeforeIsBeingRewrittenAtTheRestart() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), HEADER + "2025-05,2025-05,-34.5,AP,p,28.8\n");
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(csv.toString());
    String name = props.get("name");
    FileSourceTask first = harness.start(new FileSourceTask(), props);
    assertThat(values(harness.drain(first))).containsExactly(28_800_000_000L);
    harness.drain(first);
    first.stop();
    assertThat(SourceCompletion.isDone(name)).isTrue();

    // Its next version is being saved over it; a one-shot ingest restarted now resumes from the complete offset.
    Files.writeString(csv, HEADER + "2025-05,2025-05,-34.5,AP,p,28.9\n2025-06,2025-06,,x,ok,12");
    FileSourceTask second = harness.start(new FileSourceTask(), props);
    assertThat(harness.drain(second)).isEmpty();
    assertThat(harness.drain(second)).isEmpty();
    assertThat(SourceCompletion.isDone(name)).as("the new version is pending: not done without it").isFalse();
    assertThat(SourceCompletion.isCaughtUp(name)).isFalse();

    append(csv, "34.5\n");
    Thread.sleep(50);
    assertThat(values(harness.drain(second))).containsExactly(28_900_000_000L, 1_234_500_000_000L);
    harness.drain(second);
    second.stop();
    assertThat(SourceCompletion.isDone(name)).isTrue();
  }

  @Test
  void shouldReportCaughtUpWhenAFileLeftAsStillBeingWrittenIsDeleted() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), HEADER + "2025-06,2025-06,,x,ok,12");
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(csv.toString());
    String name = props.get("name");
    FileSourceTask task = harness.start(new FileSourceTask(), props);
    assertThat(harness.drain(task)).isEmpty();
    assertThat(SourceCompletion.isCaughtUp(name)).isFalse();

    // The writer gave up and removed it: nothing of it is pending any more, so --follow is not held up for good.
    Files.delete(csv);
    Thread.sleep(50);
    assertThat(harness.drain(task)).isEmpty();
    task.stop();
    assertThat(SourceCompletion.isCaughtUp(name)).isTrue();
  }

  @Test
  void shouldReadAFileAgainAfterTheSettleTimeNotPollIntervalWhenItChangedWhileItWasEmitted() throws Exception {
    // The WARN said it would be read again from the start, but that was at the next check, poll.interval.ms (an hour
    // by default) away: a one-shot ingest, which waits for the file to be done, ran into its --timeout meanwhile.
    Path csv = Files.writeString(dir.resolve("a.csv"), HEADER + "2025-03,2025-03,,x,p,30.1\n2025-04,2025-04,,x,p,33.0\n");
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(csv.toString());
    String name = props.get("name");
    props.put("batch.max.records", "1");
    props.put("poll.interval.ms", "3600000");
    props.put(FileConfig.SETTLE_CONFIG, "100");
    FileSourceTask task = harness.start(new FileSourceTask(), props);
    List<SourceRecord> first = TaskHarness.poll(task);
    assertThat(values(first)).containsExactly(30_100_000_000L);
    first.forEach(r -> task.commitRecord(r, TaskHarness.written(r)));

    append(csv, "2025-05,2025-05,-34.5,AP,p,28.8\n");
    assertThat(values(harness.drain(task))).containsExactly(33_000_000_000L);
    assertThat(SourceCompletion.isCaughtUp(name)).as("to be read again: not caught up").isFalse();

    Thread.sleep(300); // past the settle time, well before poll.interval.ms
    List<SourceRecord> again = harness.drain(task);
    task.stop();
    assertThat(values(again)).containsExactly(30_100_000_000L, 33_000_000_000L, 28_800_000_000L);
    assertThat(SourceCompletion.isDone(name)).isTrue();
  }
}
