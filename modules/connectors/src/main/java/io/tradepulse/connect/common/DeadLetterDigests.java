package io.tradepulse.connect.common;

import java.time.YearMonth;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per period, the fingerprint of the dead letters the period's last emission sent ({@link Digests#unordered()} over
 * each one's reason and raw record, {@link BadRow#content()}, or for Comext API the same with the dataset-wide LAST
 * UPDATE blanked; 16 hex digits a period whatever their number), as the API connectors that re-emit a
 * revised period keep it in their offset under {@link #KEY}: a period re-emitted whose dead letters are the same sends
 * none of them again (trade.dlq would get them at every revision), one whose dead letters changed in any way sends them
 * all (which of them were sent is not kept: a period can have thousands). A period absent (none, or an offset of an
 * earlier release) has all its dead letters sent.
 */
public final class DeadLetterDigests {
  /** The offset key; absent while no period has dead letters, so such offsets stay as earlier releases wrote them. */
  public static final String KEY = "dead_letter_digests";

  private DeadLetterDigests() {
  }

  /** Writes {@code digests} into offset map {@code m}, unless there are none. */
  public static void put(Map<String, Object> m, Map<YearMonth, String> digests) {
    if (!digests.isEmpty()) {
      m.put(KEY, MonthDigests.format(digests));
    }
  }

  /** The fingerprints of offset map {@code m}; empty for an offset of an earlier release. */
  public static Map<YearMonth, String> of(Map<String, ?> m) {
    Object s = m.get(KEY);
    return MonthDigests.parse(s == null ? null : s.toString());
  }

  /**
   * {@code digests} with those of {@code periods}, just emitted, replaced: by theirs in {@code badRows} (the periods
   * that have dead letters), else removed.
   */
  public static Map<YearMonth, String> replaced(Map<YearMonth, String> digests, Set<YearMonth> periods,
      Map<YearMonth, String> badRows) {
    Map<YearMonth, String> b = new TreeMap<>(digests);
    for (YearMonth m : periods) {
      if (badRows.containsKey(m)) {
        b.put(m, badRows.get(m));
      } else {
        b.remove(m);
      }
    }
    return b;
  }

  /**
   * Whether the dead letters of {@code period} in a response, with fingerprint {@code badRows} (null: none), are those
   * its last emission sent ({@code digests}), so they need not go out again.
   */
  public static boolean sent(Map<YearMonth, String> digests, YearMonth period, String badRows) {
    return badRows != null && badRows.equals(digests.get(period));
  }
}
