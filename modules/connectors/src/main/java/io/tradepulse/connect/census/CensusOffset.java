package io.tradepulse.connect.census;

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
 */
public record CensusOffset(YearMonth latest, YearMonth inProgress, long rowsDone, String inProgressDigest,
    Map<YearMonth, String> digests) {

  public static final CensusOffset EMPTY = new CensusOffset(null, null, 0, null, Map.of());

  public CensusOffset {
    digests = Map.copyOf(digests);
  }

  public Map<String, Object> toMap() {
    return Map.of(
        "latest", latest == null ? "" : latest.toString(),
        "in_progress", inProgress == null ? "" : inProgress.toString(),
        "rows_done", rowsDone,
        "in_progress_digest", inProgressDigest == null ? "" : inProgressDigest,
        "digests", MonthDigests.format(digests));
  }

  public static CensusOffset fromMap(Map<String, ?> m) {
    if (m == null || m.isEmpty()) {
      return EMPTY;
    }
    Map<YearMonth, String> d = MonthDigests.parse(str(m.get("digests")));
    Object rows = m.get("rows_done");
    return new CensusOffset(month(m.get("latest")), month(m.get("in_progress")),
        rows == null ? 0 : ((Number) rows).longValue(), str(m.get("in_progress_digest")), d);
  }

  private static String str(Object o) {
    return o == null || o.toString().isEmpty() ? null : o.toString();
  }

  private static YearMonth month(Object o) {
    String s = str(o);
    return s == null ? null : YearMonth.parse(s);
  }

  CensusOffset rowDone(YearMonth month, long rows, String digest) {
    return new CensusOffset(latest, month, rows, digest, digests);
  }

  /**
   * Completes a month the API has no data for (taken as without trade): the cursor moves past it, no digest is
   * recorded, so a revision check that finds figures for it re-emits them.
   */
  CensusOffset withoutTrade(YearMonth month, int lookback) {
    YearMonth newLatest = latest == null || month.isAfter(latest) ? month : latest;
    Map<YearMonth, String> d = new TreeMap<>(digests);
    d.keySet().removeIf(k -> k.isBefore(newLatest.minusMonths(lookback)));
    return new CensusOffset(newLatest, null, 0, null, d);
  }

  /** Completes a month: records its digest and trims digests that fell out of the look-back window. */
  CensusOffset completed(YearMonth month, String digest, int lookback) {
    YearMonth newLatest = latest == null || month.isAfter(latest) ? month : latest;
    Map<YearMonth, String> d = new TreeMap<>(digests);
    d.put(month, digest);
    d.keySet().removeIf(k -> k.isBefore(newLatest.minusMonths(lookback)));
    return new CensusOffset(newLatest, null, 0, null, d);
  }
}
