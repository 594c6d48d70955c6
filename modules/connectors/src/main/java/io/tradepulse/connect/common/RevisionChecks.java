package io.tradepulse.connect.common;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When each partition of a live API task last re-read its look-back window (revisions, late figures), kept in the
 * partition's source offset ({@value #KEY}, epoch millis) so the schedule survives a restart. Held only in memory,
 * a task restarted more often than the revision check interval (rebalances, redeploys) never looked back, and a
 * one-shot ingest, which stops once caught up, never did.
 *
 * <p>The key is optional: an offset of an earlier release has none (the check is then due as soon as the partition is
 * caught up) and earlier releases ignore it. It rides on every record built after a check completed. A check that
 * changed nothing builds no record, and Kafka Connect commits offsets only with records (KIP-910's
 * SourceTask#updateOffsets, which would write an offset without one, is not in Kafka 4.4): its time is then written
 * with the partition's next record, and a restart before that checks again at once. That errs towards an extra check
 * (the look-back calls once more), never a missed one.
 *
 * <p>Threads: the task's worker thread starts and completes checks and builds records; the lock keeps it safe to ask
 * from elsewhere (tests).
 */
public final class RevisionChecks {
  /** Offset key: epoch millis of the partition's last completed look-back check. */
  public static final String KEY = "revision_checked_at";

  private static final class Track {
    Instant done;
    /** Whether {@link #done} goes into offsets: read from one, or a check completed. */
    boolean kept;
    Instant started;
  }

  private final Map<Map<String, ?>, Track> tracks = new HashMap<>();
  /** Null while the task has no look-back (its look-back months are 0): no check is ever due. */
  private Duration interval;

  /**
   * The task's schedule, set once its configuration is read: a check every {@code interval}, or none when
   * {@code enabled} is false (a look-back of 0 months).
   */
  public synchronized void schedule(boolean enabled, Duration interval) {
    this.interval = enabled ? interval : null;
  }

  /**
   * Registers a partition with its stored offset (null: none). A partition without an offset starts from scratch, so
   * its first catch-up reads its look-back window anyway: it counts as checked {@code now}. One with an offset of an
   * earlier release (no {@value #KEY}) is due as soon as it is caught up.
   */
  public synchronized void restore(Map<String, ?> partition, Map<String, Object> stored, Instant now) {
    Track t = new Track();
    Object at = stored == null ? null : stored.get(KEY);
    if (at instanceof Number n) {
      t.done = Instant.ofEpochMilli(n.longValue());
      t.kept = true;
    } else if (stored == null) {
      t.done = now; // not kept in offsets until a real check: a restart before one just checks (once caught up)
    }
    tracks.put(Map.copyOf(partition), t);
  }

  /** The partition's last completed check, null when unknown (an offset of an earlier release). */
  public synchronized Instant lastChecked(Map<String, ?> partition) {
    Track t = tracks.get(partition);
    return t == null ? null : t.done;
  }

  /**
   * Whether a check of the partition is due at {@code now}: look-back on ({@link #schedule}), none under way, the
   * last unknown or an interval ago.
   */
  public synchronized boolean due(Map<String, ?> partition, Instant now) {
    Track t = tracks.get(partition);
    return interval != null && t != null && t.started == null
        && (t.done == null || !now.isBefore(t.done.plus(interval)));
  }

  /** Whether a check of the partition is under way or due: work before the task may report itself caught up. */
  public synchronized boolean pending(Map<String, ?> partition, Instant now) {
    return underWay(partition) || due(partition, now);
  }

  /** Whether a check of the partition started and has not completed. */
  public synchronized boolean underWay(Map<String, ?> partition) {
    Track t = tracks.get(partition);
    return t != null && t.started != null;
  }

  /** A check of the partition starts at {@code now} (its look-back calls are queued). */
  public synchronized void start(Map<String, ?> partition, Instant now) {
    Track t = tracks.get(partition);
    if (t != null) {
      t.started = now;
    }
  }

  /**
   * The check under way, if any, is complete (every look-back call answered, every changed month built): it counts
   * from when it started. A restart before this repeats the whole check.
   */
  public synchronized void complete(Map<String, ?> partition) {
    Track t = tracks.get(partition);
    if (t != null && t.started != null) {
      t.done = t.started;
      t.kept = true;
      t.started = null;
    }
  }

  /** {@code offset} with the partition's last completed check, for a record being built. */
  public synchronized Map<String, ?> withCheckTime(Map<String, ?> partition, Map<String, ?> offset) {
    Track t = partition == null ? null : tracks.get(partition);
    if (t == null || !t.kept || offset == null) {
      return offset;
    }
    // A copy per record, not only on a batch's last: Connect commits the offset of the last acknowledged record of a
    // partition, which may be any record of a batch, and an offset without the key makes a restart check at once.
    Map<String, Object> out = new LinkedHashMap<>(offset);
    out.put(KEY, t.done.toEpochMilli());
    return out;
  }
}
