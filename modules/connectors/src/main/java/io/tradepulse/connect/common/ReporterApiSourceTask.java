package io.tradepulse.connect.common;

import java.io.IOException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Base for the live trade APIs read per reporter (Comtrade, the Comext dissemination API): one source partition per
 * reporter, whose offset is a month cursor, and a look-back that re-reads the months below it for revisions
 * ({@link RevisionChecks}). The reporters take turns, one unit of work each ({@link #step}): a queued look-back call,
 * else new periods from the cursor on, else, once the reporter is caught up, a due revision check, whose calls are
 * queued. What a call asks, how its response is read and what its records are stays with the source; this class keeps
 * the order of that work, the reporters' state, and the failure handling every response shares.
 *
 * @param <C> the connector's config
 * @param <O> a reporter's offset
 * @param <W> one look-back call (its months)
 */
public abstract class ReporterApiSourceTask<C extends TradeSourceConfig, O extends ReporterApiSourceTask.Offset, W>
    extends TradeSourceTask<C> {

  /** A reporter's source offset. */
  public interface Offset {
    /** The first period not yet completely emitted. */
    YearMonth next();

    /** The offset as records carry it. */
    Map<String, Object> toMap();
  }

  /** Per reporter, where its records have got to; the order reporters take turns in. */
  protected final Map<String, O> state = new LinkedHashMap<>();
  /** Per reporter, when to ask for new periods again (none were out yet); {@link Instant#MIN}: at once. */
  protected final Map<String, Instant> nextCheck = new HashMap<>();
  /** Per reporter, the look-back calls still to make, oldest first. */
  protected final Map<String, Deque<W>> revisionQueue = new HashMap<>();

  /**
   * The last unit of work left periods to read now although it emitted nothing (see {@link #workDue}). Set and read on
   * the task's worker thread only.
   */
  private boolean moreNow;

  /** Where the newest period that can be out is counted: the publisher's calendar. */
  private final ZoneId zone;

  protected ReporterApiSourceTask(ZoneId zone) {
    this.zone = zone;
  }

  /** The source partition of a reporter. */
  protected abstract Map<String, String> partition(String reporter);

  /** A reporter's offset as stored ({@code null}: none, the reporter starts from scratch). */
  protected abstract O offsetFrom(Map<String, Object> stored);

  /** The look-back call whose changed periods a stopped task was re-emitting, null when none. */
  protected abstract W resumedLookBack(O off);

  /** The look-back calls of a revision check that starts now, none when there is nothing to look back on. */
  protected abstract List<W> lookbackWindows(String reporter, O off);

  /**
   * The look-back call at the head of the reporter's queue (there is one): re-emits what changed. It leaves the queue
   * once answered, or is replaced there by smaller calls.
   *
   * @return the first records re-emitted, empty when nothing changed
   */
  protected abstract List<SourceRecord> lookBack(String reporter) throws InterruptedException;

  /**
   * New periods from the reporter's cursor on.
   *
   * @param lastPossible the newest period that can be out
   * @return the first records, empty when there were none (also when the reporter's state did not move: it is not
   *     caught up, so its step ends), null to end this poll's round of the reporters
   */
  protected abstract List<SourceRecord> newPeriods(String reporter, Instant now, YearMonth lastPossible)
      throws InterruptedException;

  /** The reporters assigned to this task: its task config {@code taskKey} if set, else all those configured. */
  protected static List<String> assignedReporters(Map<String, String> props, String taskKey, List<String> configured) {
    return Arrays.stream(props.getOrDefault(taskKey, String.join(",", configured)).split(","))
        .filter(r -> !r.isBlank()).toList();
  }

  /** Registers a reporter of this task from its stored offset, which it returns. */
  protected final O startReporter(String reporter) {
    Map<String, Object> stored = storedOffset(partition(reporter));
    // The next look-back check counts from the last one, which the offset keeps: a restart does not put it off.
    revisionChecks.restore(partition(reporter), stored, clock.instant());
    O off = offsetFrom(stored);
    state.put(reporter, off);
    nextCheck.put(reporter, Instant.MIN);
    Deque<W> queue = new ArrayDeque<>();
    W resumed = resumedLookBack(off);
    if (resumed != null) {
      // Changed periods were being re-emitted when the task stopped: finish them before anything else moves the
      // offset, otherwise their remaining records would only come back with the next revision check.
      queue.add(resumed);
    }
    revisionQueue.put(reporter, queue);
    return off;
  }

  @Override
  protected final List<SourceRecord> nextRecords() throws InterruptedException {
    Instant now = clock.instant();
    YearMonth lastPossible = YearMonth.from(now.atZone(zone)).minusMonths(1);
    moreNow = false;
    for (String reporter : state.keySet()) {
      List<SourceRecord> out = step(reporter, now, lastPossible);
      if (out == null) {
        moreNow = true;
        return List.of(); // newPeriods just switched to one period per call: that call comes on the next poll
      }
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  /**
   * One unit of work for one reporter: a queued look-back call, else new periods, else a due revision check.
   *
   * @return the first records, empty when there was nothing, null to end this poll's round
   */
  private List<SourceRecord> step(String reporter, Instant now, YearMonth lastPossible) throws InterruptedException {
    if (!revisionQueue.get(reporter).isEmpty()) {
      List<SourceRecord> revised = lookBackQueued(reporter);
      if (!revised.isEmpty()) {
        return revised;
      }
    }
    // Every look-back call of the check under way was answered and its changed periods emitted whole (steps run only
    // once no response is open): the check is complete, and the records built from now on carry its time.
    revisionChecks.complete(partition(reporter));
    if (!now.isBefore(nextCheck.get(reporter)) && !state.get(reporter).next().isAfter(lastPossible)) {
      List<SourceRecord> out = newPeriods(reporter, now, lastPossible);
      if (out == null || !out.isEmpty()) {
        return out;
      }
    }
    // Caught up: past the last period that can be out, or the next one is not out yet (nextCheck pushed). New periods
    // come first: a catch-up would otherwise spend calls (of a quota) on a window it is about to read anyway.
    O off = state.get(reporter);
    boolean caughtUp = off.next().isAfter(lastPossible) || now.isBefore(nextCheck.get(reporter));
    if (caughtUp && revisionChecks.due(partition(reporter), now)) {
      revisionChecks.start(partition(reporter), now);
      revisionQueue.get(reporter).addAll(lookbackWindows(reporter, off));
      return lookBackQueued(reporter);
    }
    if (!caughtUp) {
      // Periods are still to read now (e.g. a window cut at maxRecords is asked again one period per call, a unit
      // that emits nothing): the task must not report itself caught up, or a one-shot ingest stops before them.
      moreNow = true;
    }
    return List.of();
  }

  /**
   * The queued look-back calls of a reporter, until one has records to re-emit: unchanged windows give none, and
   * waiting a poll after each would only slow a check of several calls down. When none has, the step goes on to new
   * periods. (The Comext API task once made one call a step; both tasks run their units on the worker thread, so a
   * longer unit no longer holds poll().)
   */
  private List<SourceRecord> lookBackQueued(String reporter) throws InterruptedException {
    Deque<W> queue = revisionQueue.get(reporter);
    while (!queue.isEmpty()) {
      List<SourceRecord> out = lookBack(reporter);
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  /**
   * Periods a reporter still has to read now, or a look-back check under way or due (it starts once the reporter is
   * caught up, see {@link #step}).
   */
  @Override
  protected final boolean workDue() {
    Instant now = clock.instant();
    return moreNow || state.keySet().stream()
        .anyMatch(r -> !revisionQueue.get(r).isEmpty() || revisionChecks.pending(partition(r), now));
  }

  /** Reads a fetched response ({@link #read}): opens it for the records it gives, or is done with it. */
  @FunctionalInterface
  protected interface ResponseReader {
    List<SourceRecord> read(ResponseFiles files) throws IOException;
  }

  /**
   * The temporary files of a response being read (its body, what a scan of it sorted on disk): deleted once it is read,
   * unless the payload opened from it took them over.
   */
  protected static final class ResponseFiles {
    private final Deque<Runnable> deletes = new ArrayDeque<>();
    private boolean handedOver;

    /** Holds {@code file} ({@code delete} deletes it) until the response is read; returns it. */
    public <T> T hold(T file, Consumer<? super T> delete) {
      deletes.push(() -> delete.accept(file));
      return file;
    }

    /** The payload opened from the response owns the files from now on: closing it deletes them. */
    public void handOver() {
      handedOver = true;
    }

    private void deleteUnlessHandedOver() {
      while (!handedOver && !deletes.isEmpty()) {
        deletes.pop().run(); // the newest first: what was built on the body goes before the body
      }
    }
  }

  /**
   * Reads a response just fetched for a reporter: {@code reader} either opens it as the payload to emit (handing its
   * files over) and gives the first records, or is done with it, whose files are then deleted, whatever happened.
   * A temporary file that fails while it is read is no failed answer: the task is retried and a look-back call goes
   * back to the head of the reporter's queue, so the next poll asks again instead of waiting for the next check.
   *
   * @param window the look-back call answered, null for new periods
   */
  protected final List<SourceRecord> read(String reporter, HttpBody body, String url, W window, ResponseReader reader)
      throws InterruptedException {
    ResponseFiles files = new ResponseFiles();
    files.hold(body, HttpBody::close);
    try {
      return reader.read(files);
    } catch (IOException e) {
      if (window != null) {
        revisionQueue.get(reporter).addFirst(window);
      }
      throw new RetriableException("Cannot read the response of " + url, e);
    } finally {
      files.deleteUnlessHandedOver();
    }
  }

  /**
   * One run of records of an open response (all of it, or one changed month of a look-back response), built at most
   * batch.max.records per poll.
   *
   * @param before the reporter's offset before its first record
   * @param done the offset its last record carries
   * @param midway the offset of a record after which that many of its items are done
   */
  public record Part<T>(PayloadCursor cursor, T before, T done, LongFunction<T> midway) {
    /** The reporter's offset once the records built so far are delivered. */
    public T reached() {
      return midway.apply(cursor.index());
    }

    /** Where a new read of the part resumes after a failed batch: past the batches already handed out. */
    public T resumeAt() {
      long resume = cursor.resumePoint();
      return resume > 0 ? midway.apply(resume) : before;
    }
  }

  /**
   * The next batch of a part: each item's record carries the offset counting the items done, the last one's the
   * part's end.
   *
   * @param asEmitted the item as it goes out
   * @param occurredAt what a dead letter says it occurred at
   */
  protected final List<SourceRecord> batch(Part<O> p, Map<String, String> partition,
      UnaryOperator<ParsedItem> asEmitted, long occurredAt) throws IOException {
    return p.cursor().next(config.batchMax(), (item, rowsDone, last) -> records.create(partition,
        (last ? p.done() : p.midway().apply(rowsDone)).toMap(), asEmitted.apply(item), occurredAt));
  }

  /**
   * After a batch of the open response's part failed: the reporter resumes past the batches already handed out, its
   * look-back call ({@code window}, null for new periods) back at the head of its queue, so the next poll reads it
   * again; gives what to throw ({@link #openPayloadFailed}).
   */
  protected final RuntimeException partFailed(String reporter, Part<O> p, W window, Exception e, String url) {
    state.put(reporter, p.resumeAt());
    if (window != null) {
      revisionQueue.get(reporter).addFirst(window);
    }
    return openPayloadFailed(e, "the response of " + url);
  }

  /** A response is done: the reporter's offset, and when to ask it for new periods again (null: no change). */
  protected final void moveOn(String reporter, O done, Instant recheckAt) {
    state.put(reporter, done);
    if (recheckAt != null) {
      nextCheck.put(reporter, recheckAt);
    }
  }
}
