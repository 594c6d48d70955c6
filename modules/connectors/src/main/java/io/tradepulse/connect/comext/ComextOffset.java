package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.MonthDigests;
import io.tradepulse.connect.common.ReporterApiSourceTask;
import java.time.YearMonth;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Offset of one Comext API partition (one reporter).
 *
 * @param next first month not yet completely emitted
 * @param rowsDone items already emitted from the response that starts at {@code next}, or, while
 *     {@code revising} is set, from that revised month (a restart skips them)
 * @param digest fingerprint of that response or revised month (a changed one is emitted in full)
 * @param revising month of the look-back window being re-emitted because its figures changed, null when none
 * @param months fingerprints of the emitted months in the look-back window (month -> digest), so a revision
 *     check re-emits a month only when its figures changed, and a restart does not duplicate
 */
record ComextOffset(YearMonth next, long rowsDone, String digest, YearMonth revising, Map<YearMonth, String> months)
    implements ReporterApiSourceTask.Offset {

  ComextOffset {
    months = Map.copyOf(months);
  }

  /** Offset as written before the look-back existed: no revision state. */
  ComextOffset(YearMonth next, long rowsDone, String digest) {
    this(next, rowsDone, digest, null, Map.of());
  }

  @Override
  public Map<String, Object> toMap() {
    // next, rows_done and digest keep their meaning, so an older release reading this offset still resumes new
    // months at next; a revision's digest never equals a response digest, so its rows_done is not misapplied.
    return Map.of("next", next.toString(), "rows_done", rowsDone, "digest", digest,
        "revising", revising == null ? "" : revising.toString(),
        "month_digests", MonthDigests.format(months));
  }

  static ComextOffset fromMap(Map<String, ?> m, YearMonth start) {
    if (m == null || m.get("next") == null) {
      return new ComextOffset(start, 0, "");
    }
    Map<YearMonth, String> d = MonthDigests.parse(str(m.get("month_digests")));
    Object rows = m.get("rows_done");
    String revising = str(m.get("revising"));
    return new ComextOffset(YearMonth.parse(m.get("next").toString()), rows == null ? 0 : ((Number) rows).longValue(),
        m.get("digest") == null ? "" : m.get("digest").toString(), revising == null ? null : YearMonth.parse(revising), d);
  }

  private static String str(Object o) {
    return o == null || o.toString().isEmpty() ? null : o.toString();
  }

  /** Newest month with a stored fingerprint, null when none (nothing emitted yet, or an older offset). */
  YearMonth newest() {
    return months.isEmpty() ? null : new TreeMap<>(months).lastKey();
  }

  /** Mid-response of the new-month call that starts at {@link #next}. */
  ComextOffset rowDone(long rows, String responseDigest) {
    return new ComextOffset(next, rows, responseDigest, null, months);
  }

  /** Mid-emission of a revised month. */
  ComextOffset revisingRow(YearMonth month, long rows, String monthDigest) {
    return new ComextOffset(next, rows, monthDigest, month, months);
  }

  /** The new-month response is done: the cursor moves to {@code newNext}, its months' fingerprints are kept. */
  ComextOffset advanced(YearMonth newNext, Map<YearMonth, String> emitted, int lookback) {
    return new ComextOffset(newNext, 0, "", null, trimmed(emitted, lookback));
  }

  /** A revised month is done: its new fingerprint replaces the old one. */
  ComextOffset revised(YearMonth month, String monthDigest, int lookback) {
    return new ComextOffset(next, 0, "", null, trimmed(Map.of(month, monthDigest), lookback));
  }

  /** Forgets an interrupted revision whose month is gone from the source (nothing left to resume). */
  ComextOffset withoutRevision() {
    return new ComextOffset(next, 0, "", null, months);
  }

  /** Adds fingerprints and drops those older than the look-back window below the newest month. */
  private Map<YearMonth, String> trimmed(Map<YearMonth, String> added, int lookback) {
    SortedMap<YearMonth, String> d = new TreeMap<>(months);
    d.putAll(added);
    if (!d.isEmpty()) {
      YearMonth oldest = d.lastKey().minusMonths(lookback);
      d.keySet().removeIf(k -> k.isBefore(oldest));
    }
    return d;
  }
}
