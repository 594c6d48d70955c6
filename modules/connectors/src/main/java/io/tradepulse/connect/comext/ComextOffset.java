package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.DeadLetterDigests;
import io.tradepulse.connect.common.MonthDigests;
import io.tradepulse.connect.common.ReporterApiSourceTask;
import java.time.YearMonth;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
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
 * @param deadLetters per month of {@code months}, the fingerprint of the dead letters its last emission sent
 *     ({@link DeadLetterDigests}; {@link ComextParser.SdmxScan#deadLetters}): a revised month whose dead letters are
 *     the same sends none of them again, one whose dead letters changed sends them all; absent (none, or an offset of
 *     an earlier release) = all sent. Replaced only with the offset that completes an emission, so a restart
 *     mid-month decides as the interrupted emission did.
 * @param leavesOutSent mid-response of a new-month call: its {@code rowsDone} counts the items it sends, without the
 *     dead letters of the months whose {@code deadLetters} they match (left out). Releases before those were left out
 *     there counted them, with the same {@code deadLetters} stored: resumed with them left out, that count skipped as
 *     many items too many, figures never sent. Without this mark, a resumed response leaves nothing out.
 */
record ComextOffset(YearMonth next, long rowsDone, String digest, YearMonth revising, Map<YearMonth, String> months,
    Map<YearMonth, String> deadLetters, boolean leavesOutSent) implements ReporterApiSourceTask.Offset {

  /** Written only when set, so other offsets stay as earlier releases wrote them (which ignore it). */
  private static final String LEAVES_OUT_SENT = "leaves_out_sent";

  ComextOffset {
    months = Map.copyOf(months);
    deadLetters = Map.copyOf(deadLetters);
  }

  /** An offset whose rows_done, if any, counts every item of its response. */
  ComextOffset(YearMonth next, long rowsDone, String digest, YearMonth revising, Map<YearMonth, String> months,
      Map<YearMonth, String> deadLetters) {
    this(next, rowsDone, digest, revising, months, deadLetters, false);
  }

  /** An offset without dead-letter fingerprints, as releases before them wrote it. */
  ComextOffset(YearMonth next, long rowsDone, String digest, YearMonth revising, Map<YearMonth, String> months) {
    this(next, rowsDone, digest, revising, months, Map.of());
  }

  /** Offset as written before the look-back existed: no revision state. */
  ComextOffset(YearMonth next, long rowsDone, String digest) {
    this(next, rowsDone, digest, null, Map.of());
  }

  @Override
  public Map<String, Object> toMap() {
    // next, rows_done and digest keep their meaning, so an older release reading this offset still resumes new
    // months at next; a revision's digest never equals a response digest, so its rows_done is not misapplied.
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("next", next.toString());
    m.put("rows_done", rowsDone);
    m.put("digest", digest);
    m.put("revising", revising == null ? "" : revising.toString());
    m.put("month_digests", MonthDigests.format(months));
    DeadLetterDigests.put(m, deadLetters);
    if (leavesOutSent) {
      m.put(LEAVES_OUT_SENT, true);
    }
    return Collections.unmodifiableMap(m);
  }

  static ComextOffset fromMap(Map<String, ?> m, YearMonth start) {
    if (m == null || m.get("next") == null) {
      return new ComextOffset(start, 0, "");
    }
    Map<YearMonth, String> d = MonthDigests.parse(str(m.get("month_digests")));
    Object rows = m.get("rows_done");
    String revising = str(m.get("revising"));
    return new ComextOffset(YearMonth.parse(m.get("next").toString()), rows == null ? 0 : ((Number) rows).longValue(),
        m.get("digest") == null ? "" : m.get("digest").toString(), revising == null ? null : YearMonth.parse(revising), d,
        DeadLetterDigests.of(m), Boolean.parseBoolean(String.valueOf(m.get(LEAVES_OUT_SENT))));
  }

  private static String str(Object o) {
    return o == null || o.toString().isEmpty() ? null : o.toString();
  }

  /**
   * Newest month with a stored fingerprint, before the cursor if there is one ({@link #newestBefore}), null when none
   * (nothing emitted yet, or an older offset).
   */
  YearMonth newest() {
    return months.isEmpty() ? null : newestBefore(new TreeMap<>(months), next);
  }

  /**
   * Mid-response of the new-month call that starts at {@link #next}.
   *
   * @param leavesOut whether {@code rows} leaves out the dead letters of months whose fingerprint this offset has
   */
  ComextOffset rowDone(long rows, String responseDigest, boolean leavesOut) {
    return new ComextOffset(next, rows, responseDigest, null, months, deadLetters, leavesOut);
  }

  /** Mid-emission of a revised month. */
  ComextOffset revisingRow(YearMonth month, long rows, String monthDigest) {
    return new ComextOffset(next, rows, monthDigest, month, months, deadLetters);
  }

  /**
   * The new-month response is done: the cursor moves to {@code newNext}, its months' fingerprints are kept, with those
   * of their dead letters ({@code badRows}: the months emitted that had any).
   */
  ComextOffset advanced(YearMonth newNext, Map<YearMonth, String> emitted, Map<YearMonth, String> badRows,
      int lookback) {
    return withFingerprints(newNext, trimmed(emitted, newNext, lookback), emitted.keySet(), badRows);
  }

  /**
   * A revised month is done: its new fingerprint replaces the old one, that of its dead letters too ({@code badRows},
   * null when it has none).
   */
  ComextOffset revised(YearMonth month, String monthDigest, String badRows, int lookback) {
    ComextOffset r = withFingerprints(next, trimmed(Map.of(month, monthDigest), next, lookback), Set.of(month),
        badRows == null ? Map.of() : Map.of(month, badRows));
    // What is done of the new-month response at the cursor stays done: a response without a figure whose items were
    // all sent (its whole-response dead letter) is skipped when answered again, and went out again after every
    // revision. Not while a revision was resumed: rows_done and digest are then that revision's.
    return revising != null ? r : new ComextOffset(next, rowsDone, digest, null, r.months(), r.deadLetters(),
        leavesOutSent);
  }

  /** Done: {@code newMonths}, and the dead-letter fingerprints of {@code emitted} replaced, kept for those months. */
  private ComextOffset withFingerprints(YearMonth newNext, Map<YearMonth, String> newMonths, Set<YearMonth> emitted,
      Map<YearMonth, String> badRows) {
    Map<YearMonth, String> b = new TreeMap<>(DeadLetterDigests.replaced(deadLetters, emitted, badRows));
    b.keySet().retainAll(newMonths.keySet()); // out of the look-back window with its month
    return new ComextOffset(newNext, 0, "", null, newMonths, b);
  }

  /**
   * Whether {@code month}'s dead letters in a response, with fingerprint {@code badRows} (null: none), are those its
   * last emission sent, so they need not go out again.
   */
  boolean sentDeadLetters(YearMonth month, String badRows) {
    return DeadLetterDigests.sent(deadLetters, month, badRows);
  }

  /** Forgets an interrupted revision whose month is gone from the source (nothing left to resume). */
  ComextOffset withoutRevision() {
    return new ComextOffset(next, 0, "", null, months, deadLetters);
  }

  /**
   * Adds fingerprints and drops those older than the look-back window below the newest month, except those from the
   * cursor {@code newNext} on: months without a figure yet (dead letters only) keep the cursor, and the next new-month
   * call answers all of them again. Counted from the newest of them alone, the window (none with
   * comext.lookback.months=0) dropped the older ones' dead-letter fingerprints, and their dead letters went out with
   * every call.
   */
  private Map<YearMonth, String> trimmed(Map<YearMonth, String> added, YearMonth newNext, int lookback) {
    SortedMap<YearMonth, String> d = new TreeMap<>(months);
    d.putAll(added);
    if (!d.isEmpty()) {
      YearMonth oldest = newestBefore(d, newNext).minusMonths(lookback);
      d.keySet().removeIf(k -> k.isBefore(oldest) && k.isBefore(newNext));
    }
    return d;
  }

  /**
   * The newest month of {@code d} before the cursor {@code next}: the look-back window counts from it. A month from the
   * cursor on has no figure yet (dead letters only); counted from it, the window would shrink by every such month, to
   * nothing with comext.lookback.months=1 and two of them. The newest month when none is before the cursor.
   */
  private static YearMonth newestBefore(SortedMap<YearMonth, String> d, YearMonth next) {
    SortedMap<YearMonth, String> below = d.headMap(next);
    return below.isEmpty() ? d.lastKey() : below.lastKey();
  }
}
