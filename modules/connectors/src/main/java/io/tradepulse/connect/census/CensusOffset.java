package io.tradepulse.connect.census;

import io.tradepulse.connect.common.DeadLetterDigests;
import io.tradepulse.connect.common.MonthDigests;
import java.time.YearMonth;
import java.util.Map;
import java.util.TreeMap;

/**
 * Offset of one Census partition.
 *
 * @param latest newest month fully emitted (null before the first)
 * @param inProgress month being emitted (new or revised), null when none
 * @param rowsDone rows of the in-progress payload already emitted (a restart skips them)
 * @param inProgressDigest fingerprint of the in-progress payload; if it changed meanwhile, nothing is skipped
 * @param digests fingerprints of the completed payloads in the look-back window (month -> digest), so a
 *     revision check re-emits a month only when its payload changed, and a restart does not duplicate
 * @param revisions how many times each month of the look-back window (and the in-progress one) was re-emitted with a
 *     changed payload: the {@code revision} of its figures. A revision is dated by the newest release, which for the
 *     newest month itself, or for a second revision before the next release, is the date the figures it replaces
 *     already carry; downstream keeps per period the newest publishedAt, then the highest revision, then the larger
 *     value, so without a higher revision a figure revised down lost to the one it replaces. Months never revised are
 *     absent (and so is the entry while none is: offsets of earlier releases read as never revised).
 * @param deadLetters per month of the look-back window, the fingerprint of the dead letters its last emission sent
 *     ({@link DeadLetterDigests}; {@link CensusParser.Response#deadLetters}): a revised month whose dead letters are
 *     the same sends none of them again, one whose dead letters changed sends them all; absent (none, or an offset
 *     of an earlier release) = all sent. Replaced only by {@link #completed}, the offset of a month's last record, so
 *     a restart mid-month decides as the interrupted emission did (the in-progress offsets keep the ones before).
 */
public record CensusOffset(YearMonth latest, YearMonth inProgress, long rowsDone, String inProgressDigest,
    Map<YearMonth, String> digests, Map<YearMonth, Integer> revisions, Map<YearMonth, String> deadLetters) {

  public static final CensusOffset EMPTY = new CensusOffset(null, null, 0, null, Map.of());

  public CensusOffset {
    digests = Map.copyOf(digests);
    revisions = Map.copyOf(revisions);
    deadLetters = Map.copyOf(deadLetters);
  }

  /** An offset whose months were never revised and had no dead letters. */
  public CensusOffset(YearMonth latest, YearMonth inProgress, long rowsDone, String inProgressDigest,
      Map<YearMonth, String> digests) {
    this(latest, inProgress, rowsDone, inProgressDigest, digests, Map.of(), Map.of());
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("latest", latest == null ? "" : latest.toString());
    m.put("in_progress", inProgress == null ? "" : inProgress.toString());
    m.put("rows_done", rowsDone);
    m.put("in_progress_digest", inProgressDigest == null ? "" : inProgressDigest);
    m.put("digests", MonthDigests.format(digests));
    if (!revisions.isEmpty()) {
      Map<YearMonth, String> r = new TreeMap<>();
      revisions.forEach((month, n) -> r.put(month, Integer.toString(n)));
      m.put("revisions", MonthDigests.format(r));
    }
    DeadLetterDigests.put(m, deadLetters);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The revision of {@code month}'s figures: 0 unless it was re-emitted with a changed payload. */
  int revision(YearMonth month) {
    return revisions.getOrDefault(month, 0);
  }

  /** The same offset with {@code month}'s figures at {@code revision}. */
  CensusOffset withRevision(YearMonth month, int revision) {
    Map<YearMonth, Integer> r = new TreeMap<>(revisions);
    if (revision == 0) {
      r.remove(month);
    } else {
      r.put(month, revision);
    }
    return new CensusOffset(latest, inProgress, rowsDone, inProgressDigest, digests, r, deadLetters);
  }

  public static CensusOffset fromMap(Map<String, ?> m) {
    if (m == null || m.isEmpty()) {
      return EMPTY;
    }
    Map<YearMonth, String> d = MonthDigests.parse(str(m.get("digests")));
    Object rows = m.get("rows_done");
    Map<YearMonth, Integer> r = new TreeMap<>();
    MonthDigests.parse(str(m.get("revisions"))).forEach((month, n) -> r.put(month, Integer.parseInt(n)));
    return new CensusOffset(month(m.get("latest")), month(m.get("in_progress")),
        rows == null ? 0 : ((Number) rows).longValue(), str(m.get("in_progress_digest")), d, r,
        DeadLetterDigests.of(m));
  }

  private static String str(Object o) {
    return o == null || o.toString().isEmpty() ? null : o.toString();
  }

  private static YearMonth month(Object o) {
    String s = str(o);
    return s == null ? null : YearMonth.parse(s);
  }

  CensusOffset rowDone(YearMonth month, long rows, String digest) {
    return new CensusOffset(latest, month, rows, digest, digests, revisions, deadLetters);
  }

  /** Nothing in progress any more (the month vanished from the source meanwhile). */
  CensusOffset withoutInProgress() {
    return new CensusOffset(latest, null, 0, null, digests, revisions, deadLetters);
  }

  /**
   * Whether {@code month}'s dead letters in a response, with fingerprint {@code badRows} (null: none), are those its
   * last emission sent, so they need not go out again.
   */
  boolean sentDeadLetters(YearMonth month, String badRows) {
    return DeadLetterDigests.sent(deadLetters, month, badRows);
  }

  /**
   * Completes a month the API has no data for (taken as without trade): the cursor moves past it, no digest is
   * recorded, so a revision check that finds figures for it re-emits them.
   */
  CensusOffset withoutTrade(YearMonth month, int lookback) {
    YearMonth newLatest = latest == null || month.isAfter(latest) ? month : latest;
    Map<YearMonth, String> d = new TreeMap<>(digests);
    d.keySet().removeIf(k -> k.isBefore(newLatest.minusMonths(lookback)));
    return new CensusOffset(newLatest, null, 0, null, d, trimmed(revisions, newLatest, lookback),
        trimmed(deadLetters, newLatest, lookback));
  }

  /**
   * Completes a month: records its digest and that of its dead letters ({@code badRows}, null when it has none), and
   * trims those that fell out of the look-back window.
   */
  CensusOffset completed(YearMonth month, String digest, String badRows, int lookback) {
    YearMonth newLatest = latest == null || month.isAfter(latest) ? month : latest;
    Map<YearMonth, String> d = new TreeMap<>(digests);
    d.put(month, digest);
    d.keySet().removeIf(k -> k.isBefore(newLatest.minusMonths(lookback)));
    Map<YearMonth, String> b = DeadLetterDigests.replaced(deadLetters, java.util.Set.of(month),
        badRows == null ? Map.of() : Map.of(month, badRows));
    return new CensusOffset(newLatest, null, 0, null, d, trimmed(revisions, newLatest, lookback),
        trimmed(b, newLatest, lookback));
  }

  /** The entries of the months still in the look-back window ending at {@code newLatest}. */
  private static <V> Map<YearMonth, V> trimmed(Map<YearMonth, V> byMonth, YearMonth newLatest, int lookback) {
    Map<YearMonth, V> r = new TreeMap<>(byMonth);
    r.keySet().removeIf(k -> k.isBefore(newLatest.minusMonths(lookback)));
    return r;
  }
}
