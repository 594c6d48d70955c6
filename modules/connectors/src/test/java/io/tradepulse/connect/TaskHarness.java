package io.tradepulse.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.TradeSourceTask;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/** Drives a SourceTask like a worker does, with an in-memory offset store that "commits" what was polled. */
public final class TaskHarness {

  /**
   * Puts in {@code settings} a poll interval and HTTP retries of milliseconds, two retries: a test's failed fetches
   * are retried and given up at once, not after the defaults' seconds.
   */
  public static Map<String, String> quickRetries(Map<String, String> settings) {
    settings.put("poll.interval.ms", "10");
    settings.put("http.backoff.initial.ms", "1");
    settings.put("http.backoff.max.ms", "5");
    settings.put("http.max.retries", "2");
    return settings;
  }

  /**
   * What the worker hands commitRecord for a record it wrote (offset 0: no task reads it). Null would say a transform
   * dropped the record (TradeSourceTask counts those apart), which no test here means unless it says so.
   */
  public static RecordMetadata written(SourceRecord r) {
    return new RecordMetadata(new TopicPartition(r.topic(), 0), 0, 0, System.currentTimeMillis(), -1, -1);
  }
  public final Map<Map<String, Object>, Map<String, Object>> offsets = new HashMap<>();

  public SourceTaskContext context(Map<String, String> configs) {
    return new SourceTaskContext() {
      @Override
      public Map<String, String> configs() {
        return configs;
      }

      @Override
      public OffsetStorageReader offsetStorageReader() {
        return new OffsetStorageReader() {
          @Override
          @SuppressWarnings("unchecked")
          public <T> Map<String, Object> offset(Map<String, T> partition) {
            return offsets.get((Map<String, Object>) partition);
          }

          @Override
          public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
            Map<Map<String, T>, Map<String, Object>> out = new HashMap<>();
            partitions.forEach(p -> out.put(p, offset(p)));
            return out;
          }
        };
      }

      @Override
      public PluginMetrics pluginMetrics() {
        return null;
      }
    };
  }

  /** Initializes the task with this harness's context and starts it. */
  public <T extends SourceTask> T start(T task, Map<String, String> props) {
    task.initialize(context(props));
    task.start(props);
    return task;
  }

  /** How long {@link #poll} waits for a unit of work: far beyond any a test runs, bounded so a hang fails. */
  static final Duration UNIT_BOUND = Duration.ofSeconds(60);

  /**
   * Polls as Connect does (again while poll() returns null) until the task hands out records, or returns null with no
   * unit of work in flight ({@link TradeSourceTask#unitInFlight()}): the source has nothing new. That is what one
   * poll() returned when it ran its unit of work itself, however long that took; a poll() now returns null after
   * {@link TradeSourceTask#MAX_IDLE_BLOCK} while its download goes on. What the unit threw is thrown.
   */
  public static List<SourceRecord> poll(SourceTask task) throws InterruptedException {
    long deadline = System.nanoTime() + UNIT_BOUND.toNanos();
    while (true) {
      List<SourceRecord> batch = task.poll();
      if (batch != null || !(task instanceof TradeSourceTask<?> t) || !t.unitInFlight()) {
        return batch;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the task's unit of work did not end within " + UNIT_BOUND);
      }
    }
  }

  /**
   * Polls (acking every record) until the task reports itself caught up ({@link
   * io.tradepulse.connect.common.SourceCompletion#isCaughtUp}), as a one-shot ingest waits, at most 1,000 polls: unlike
   * {@link #drain}, an empty poll does not end it (a look-back check spans several units of work).
   */
  public static List<SourceRecord> pollUntilCaughtUp(SourceTask task, String connectorName) throws InterruptedException {
    List<SourceRecord> rs = new ArrayList<>();
    for (int i = 0; i < 1_000 && !io.tradepulse.connect.common.SourceCompletion.isCaughtUp(connectorName); i++) {
      List<SourceRecord> batch = poll(task);
      if (batch != null) {
        rs.addAll(batch);
        for (SourceRecord r : batch) {
          task.commitRecord(r, written(r));
        }
      }
    }
    return rs;
  }

  /** Polls until a poll returns null/empty (the task has nothing more now), committing offsets and acking. */
  @SuppressWarnings("unchecked")
  public List<SourceRecord> drain(SourceTask task) throws InterruptedException {
    List<SourceRecord> all = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      List<SourceRecord> batch = poll(task);
      if (batch == null || batch.isEmpty()) {
        return all;
      }
      for (SourceRecord r : batch) {
        offsets.put((Map<String, Object>) r.sourcePartition(), (Map<String, Object>) r.sourceOffset());
        task.commitRecord(r, written(r));
      }
      all.addAll(batch);
    }
    throw new AssertionError("task never ran dry");
  }

  /** What {@link #drainInBatches} got: every record handed out, and how many polls handed out some. */
  public record Batches(List<SourceRecord> records, int polls) {}

  /**
   * Polls until a poll returns null (nothing more now), acknowledging every record, and checks at each poll that
   * the batch and the records the task holds built but not yet handed out are at most {@code max}: what a source
   * that streams its payloads must keep to (batch.max.records).
   */
  public static Batches drainInBatches(TradeSourceTask<?> task, int max) throws InterruptedException {
    List<SourceRecord> all = new ArrayList<>();
    int polls = 0;
    for (List<SourceRecord> batch = poll(task); batch != null; batch = poll(task)) {
      polls++;
      assertThat(batch).hasSizeLessThanOrEqualTo(max);
      assertThat(task.peakPendingRecords()).as("records built but not yet handed out").isLessThanOrEqualTo(max);
      batch.forEach(r -> task.commitRecord(r, written(r)));
      all.addAll(batch);
    }
    return new Batches(all, polls);
  }

  /** What {@link #stopMidPayloadAndRestart} got: the second task, and the records of both. */
  public record Restarted<T>(T second, List<SourceRecord> records) {}

  /**
   * A worker stopping a task mid-payload and starting it again: takes {@code n} records of a task {@code start} gives
   * (offsets committed for these only) and stops it between two polls (Connect calls stop() from another thread),
   * checking that the {@code payload} ("page", "month" ...) was open, its body the one temporary file named
   * {@code tempPrefix} the task made, that stop() deleted it and that a poll after stop() reads nothing; then drains a
   * second task from {@code start}, from the committed offsets, and stops it.
   */
  public <T extends TradeSourceTask<?>> Restarted<T> stopMidPayloadAndRestart(Supplier<T> start, int n,
      String tempPrefix, String payload) throws InterruptedException, IOException {
    List<Path> before = tempFilesNamed(tempPrefix);
    T first = start.get();
    List<SourceRecord> got = new ArrayList<>(take(first, n));
    List<Path> open = tempFilesMadeSince(tempPrefix, before);
    assertThat(open).as("the " + payload + " is open: its body is kept for the next batches").hasSize(1);

    first.stop();
    assertThat(open.get(0)).as("stop() closes the " + payload + " and deletes its body").doesNotExist();
    assertThat(first.poll()).as("a poll after stop() reads nothing").isNull();
    T second = start.get();
    got.addAll(drain(second));
    second.stop();
    return new Restarted<>(second, got);
  }

  /** Polls exactly n records (committing their offsets), then stops consuming: simulates a crash. */
  @SuppressWarnings("unchecked")
  public List<SourceRecord> take(SourceTask task, int n) throws InterruptedException {
    List<SourceRecord> all = new ArrayList<>();
    while (all.size() < n) {
      List<SourceRecord> batch = poll(task);
      if (batch == null) {
        continue;
      }
      for (SourceRecord r : batch) {
        if (all.size() == n) {
          break;
        }
        offsets.put((Map<String, Object>) r.sourcePartition(), (Map<String, Object>) r.sourceOffset());
        all.add(r);
      }
    }
    return all;
  }

  /** {@link #drain} then stop the task, whatever drain threw (a property fails on what the task throws). */
  public List<SourceRecord> drainThenStop(SourceTask task) throws InterruptedException {
    try {
      return drain(task);
    } finally {
      task.stop();
    }
  }

  /** Starts a task on a harness (its offsets), as a test configures it. */
  @FunctionalInterface
  public interface Starter<T extends SourceTask> {
    T start(TaskHarness harness) throws Exception;
  }

  /** What a task gave read at once, and read by a task stopped after some records, then started again. */
  public record CrashRuns(List<SourceRecord> whole, List<SourceRecord> acrossACrash) {}

  /**
   * The two sides of a crash-and-restart check: the input read at once by a task on a harness of its own, and read by
   * one stopped after {@code taken} records (only their offsets committed: a crash) and started again on the same
   * harness. A source that loses nothing and sends nothing twice gives the same records in both.
   */
  public static <T extends SourceTask> CrashRuns wholeAndAcrossACrash(Starter<T> start, int taken) throws Exception {
    TaskHarness fresh = new TaskHarness();
    List<SourceRecord> reference = fresh.drainThenStop(start.start(fresh));
    TaskHarness harness = new TaskHarness();
    List<SourceRecord> got = new ArrayList<>();
    T crashing = start.start(harness);
    try {
      got.addAll(harness.takeAtMost(crashing, taken));
    } finally {
      crashing.stop();
    }
    got.addAll(harness.drainThenStop(start.start(harness)));
    return new CrashRuns(reference, got);
  }

  /**
   * As {@link #take}, but stops early, with what it has, when a poll brings nothing: at most n records, for a task
   * whose input may hold fewer (a crash at a generated point of a generated input).
   */
  @SuppressWarnings("unchecked")
  public List<SourceRecord> takeAtMost(SourceTask task, int n) throws InterruptedException {
    List<SourceRecord> all = new ArrayList<>();
    while (all.size() < n) {
      List<SourceRecord> batch = poll(task);
      if (batch == null || batch.isEmpty()) {
        return all;
      }
      for (SourceRecord r : batch) {
        if (all.size() == n) {
          break;
        }
        offsets.put((Map<String, Object>) r.sourcePartition(), (Map<String, Object>) r.sourceOffset());
        all.add(r);
      }
    }
    return all;
  }

  /**
   * Everything a record carries (topic, key, value, headers, source partition and offset) on one line, maps
   * sorted (Map.of iterates in a per-JVM order): tests compare what a source emits with what an earlier
   * implementation emitted.
   */
  public static String renderAll(SourceRecord r) {
    StringBuilder b = new StringBuilder(r.topic()).append(" | ").append(render(r.key())).append(" | ")
        .append(render(r.value())).append(" |");
    for (Header h : r.headers()) {
      b.append(' ').append(h.key()).append('=').append(render(h.value()));
    }
    return b.append(" | ").append(new TreeMap<>(r.sourcePartition())).append(" | ")
        .append(new TreeMap<>(r.sourceOffset())).toString();
  }

  /**
   * A record as one line ({@link #renderAll}, the stub's {@code baseUrl} as BASE, line breaks escaped), so that
   * renderings recorded on another run compare; a very long one (a 512 KB raw value) as its length and digest.
   */
  public static String show(SourceRecord r, String baseUrl) {
    String s = renderAll(r).replace(baseUrl, "BASE").replace("\\", "\\\\").replace("\n", "\\n")
        .replace("\r", "\\r");
    return s.length() < 4_000 ? s
        : "(" + s.length() + " chars, digest " + Digests.of(s.getBytes(StandardCharsets.UTF_8)) + ")";
  }

  static String render(Object v) {
    if (v instanceof Struct s) {
      StringBuilder b = new StringBuilder("{");
      for (Field f : s.schema().fields()) {
        b.append(f.name()).append('=').append(render(s.get(f))).append(';');
      }
      return b.append('}').toString();
    }
    if (v instanceof byte[] bytes) {
      return "b'" + new String(bytes, StandardCharsets.UTF_8) + "'";
    }
    if (v instanceof java.nio.ByteBuffer bb) {
      byte[] bytes = new byte[bb.remaining()];
      bb.duplicate().get(bytes);
      return "b'" + new String(bytes, StandardCharsets.UTF_8) + "'";
    }
    if (v instanceof Date d) {
      return d.toInstant().toString();
    }
    return String.valueOf(v);
  }

  /** Files in java.io.tmpdir whose name starts with {@code prefix} (a source's downloads). */
  public static long tempFiles(String prefix) throws IOException {
    return tempFilesNamed(prefix).size();
  }

  /** The files in java.io.tmpdir whose name starts with {@code prefix}. */
  public static List<Path> tempFilesNamed(String prefix) throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
  }

  /** The temporary files named {@code prefix}* made since {@code before} was listed ({@link #tempFilesNamed}). */
  public static List<Path> tempFilesMadeSince(String prefix, List<Path> before) throws IOException {
    List<Path> now = new ArrayList<>(tempFilesNamed(prefix));
    now.removeAll(before);
    return now;
  }

  /** A record's source offset as the task built it. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> offset(SourceRecord r) {
    return (Map<String, Object>) r.sourceOffset();
  }

  /**
   * Compares {@code got} with the rendering recorded in the resource {@code name} next to {@code owner} (recorded on
   * the code before a change, to prove the change emits the same); PRINT_EXPECTED=dir writes the current one there.
   */
  public static void assertSameAsRecorded(Class<?> owner, List<String> got, String name) throws IOException {
    String dir = System.getenv("PRINT_EXPECTED");
    if (dir != null) {
      Files.write(Path.of(dir, name), got, StandardCharsets.UTF_8);
    }
    assertThat(got).containsExactlyElementsOf(recorded(owner, name));
  }

  /** The lines of the rendering recorded in the resource {@code name} next to {@code owner}. */
  public static List<String> recorded(Class<?> owner, String name) throws IOException {
    try (InputStream in = owner.getResourceAsStream(name)) {
      assertThat(in).as("expected rendering " + name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }
}
