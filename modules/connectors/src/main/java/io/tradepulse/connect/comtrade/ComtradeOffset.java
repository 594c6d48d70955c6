package io.tradepulse.connect.comtrade;

import io.tradepulse.connect.common.DeadLetterDigests;
import io.tradepulse.connect.common.MonthDigests;
import io.tradepulse.connect.common.ReporterApiSourceTask;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Offset of one Comtrade reporter partition.
 *
 * <p>{@code next}, {@code rows_done} and {@code digest} are written as releases before the look-back wrote them, and
 * the look-back's keys only while they hold something, so an offset of those releases reads as one without look-back
 * state, and a reporter that never had any (comtrade.lookback.months=0) keeps writing the earlier offset. While a
 * look-back response is re-emitted, {@code digest} is a fingerprint no response has, so a release that does not know
 * {@code revising} resumes its new periods at {@code next} without misapplying {@code rows_done}.
 *
 * @param next first period not yet completely emitted
 * @param rowsDone items already emitted from the response of the chunk starting at {@code next}, or, while
 *     {@code revising} is set, from the changed periods of that look-back response (a restart skips them)
 * @param digest fingerprint of that response (its {@code data[]}), or, while {@code revising} is set, of the changed
 *     periods' fingerprints (a changed one is emitted in full)
 * @param months fingerprints of the records of each period in the look-back window (period -> digest), so a
 *     look-back re-emits a period only when its records changed, and a restart does not re-emit it
 * @param revisions how many times each period went out again with changed records: the {@code revision} its figures
 *     carry. Kept after the period leaves the look-back window (a few bytes per revised period): a period that comes
 *     back into it (comtrade.lookback.months raised) and is re-emitted must outrank its last revision, not start
 *     again at 1 below it. Comtrade gives no release date, so a period's
 *     {@code publishedAt} is derived from the period alone and a revised figure carries the same one as the figure it
 *     replaces; downstream keeps per period the newest publishedAt, then the highest revision, then the larger value,
 *     so without a higher revision a figure revised down would lose to the one it replaces. Periods never revised are
 *     absent.
 * @param revising the look-back window whose changed periods are being re-emitted, null when none
 * @param deadLetters per period of the look-back window, the fingerprint of the dead letters its last emission sent
 *     ({@link ComtradeParser.Page#badRowDigests}, 16 hex digits a period whatever their number): a period re-emitted
 *     whose dead letters are the same sends none of them again, one whose dead letters changed in any way sends them
 *     all (which of them were sent is not kept: a period can have thousands). A period absent (none, or an offset of
 *     an earlier release) has all its dead letters sent. Replaced only with the offset that completes an emission,
 *     so a restart before it sends them again (or skips them again) as the interrupted emission did.
 * @param leavesOutSent mid-page of a new-period call: its {@code rowsDone} counts the items it sends, without the dead
 *     letters of the periods whose {@code deadLetters} they match (left out). Releases before those were left out there
 *     counted them, with the same {@code deadLetters} stored: resumed with them left out, that count skipped as many
 *     items too many, figures never sent. Without this mark, a resumed page leaves nothing out.
 */
public record ComtradeOffset(YearMonth next, long rowsDone, String digest, Map<YearMonth, String> months,
    Map<YearMonth, Integer> revisions, Window revising, Map<YearMonth, String> deadLetters, boolean leavesOutSent)
    implements ReporterApiSourceTask.Offset {

  /** Written only when set, so other offsets stay as earlier releases wrote them (which ignore it). */
  private static final String LEAVES_OUT_SENT = "leaves_out_sent";

  /**
   * Periods asked in one call of the look-back.
   *
   * @param from first period
   * @param to last period, not before {@code from}
   */
  public record Window(YearMonth from, YearMonth to) {
    public Window {
      if (to.isBefore(from)) {
        throw new IllegalArgumentException("window " + from + ".." + to);
      }
    }

    List<String> periods() {
      List<String> out = new ArrayList<>();
      for (YearMonth m = from; !m.isAfter(to); m = m.plusMonths(1)) {
        out.add(m.format(ComtradeConfig.YYYYMM));
      }
      return out;
    }

    boolean single() {
      return from.equals(to);
    }

    boolean contains(YearMonth m) {
      return !m.isBefore(from) && !m.isAfter(to);
    }

    String format() {
      return from.format(ComtradeConfig.YYYYMM) + "-" + to.format(ComtradeConfig.YYYYMM);
    }

    static Window parse(String s) {
      int dash = s.indexOf('-');
      return new Window(YearMonth.parse(s.substring(0, dash), ComtradeConfig.YYYYMM),
          YearMonth.parse(s.substring(dash + 1), ComtradeConfig.YYYYMM));
    }
  }

  public ComtradeOffset {
    months = Collections.unmodifiableMap(new TreeMap<>(months));
    revisions = Collections.unmodifiableMap(new TreeMap<>(revisions));
    deadLetters = Collections.unmodifiableMap(new TreeMap<>(deadLetters));
  }

  /** An offset whose rows_done, if any, counts every item of its page. */
  public ComtradeOffset(YearMonth next, long rowsDone, String digest, Map<YearMonth, String> months,
      Map<YearMonth, Integer> revisions, Window revising, Map<YearMonth, String> deadLetters) {
    this(next, rowsDone, digest, months, revisions, revising, deadLetters, false);
  }

  /** An offset without look-back state, as releases before the look-back wrote it. */
  public ComtradeOffset(YearMonth next, long rowsDone, String digest) {
    this(next, rowsDone, digest, Map.of(), Map.of(), null, Map.of());
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("next", next.format(ComtradeConfig.YYYYMM));
    m.put("rows_done", rowsDone);
    m.put("digest", digest);
    if (!months.isEmpty()) {
      m.put("month_digests", MonthDigests.format(months));
    }
    if (!revisions.isEmpty()) {
      Map<YearMonth, String> r = new TreeMap<>();
      revisions.forEach((month, n) -> r.put(month, Integer.toString(n)));
      m.put("revisions", MonthDigests.format(r));
    }
    if (revising != null) {
      m.put("revising", revising.format());
    }
    DeadLetterDigests.put(m, deadLetters);
    if (leavesOutSent) {
      m.put(LEAVES_OUT_SENT, true);
    }
    return Collections.unmodifiableMap(m);
  }

  /** Reads an offset of this release or of one before the look-back (no look-back state); null or empty = start. */
  public static ComtradeOffset fromMap(Map<String, ?> m, YearMonth start) {
    if (m == null || m.get("next") == null) {
      return new ComtradeOffset(start, 0, "");
    }
    Object rows = m.get("rows_done");
    Map<YearMonth, Integer> r = new TreeMap<>();
    MonthDigests.parse(str(m.get("revisions"))).forEach((month, n) -> r.put(month, Integer.parseInt(n)));
    String revising = str(m.get("revising"));
    return new ComtradeOffset(YearMonth.parse(m.get("next").toString(), ComtradeConfig.YYYYMM),
        rows == null ? 0 : ((Number) rows).longValue(), m.get("digest") == null ? "" : m.get("digest").toString(),
        MonthDigests.parse(str(m.get("month_digests"))), r, revising == null ? null : Window.parse(revising),
        DeadLetterDigests.of(m), Boolean.parseBoolean(String.valueOf(m.get(LEAVES_OUT_SENT))));
  }

  private static String str(Object o) {
    return o == null || o.toString().isEmpty() ? null : o.toString();
  }

  /** The revision of {@code period}'s figures: 0 unless it was re-emitted with changed records. */
  int revision(YearMonth period) {
    return revisions.getOrDefault(period, 0);
  }

  /**
   * Mid-page of the new-period call that starts at {@link #next}.
   *
   * @param leavesOut whether {@code rows} leaves out the dead letters of periods whose fingerprint this offset has
   */
  ComtradeOffset rowDone(long rows, String pageDigest, boolean leavesOut) {
    return new ComtradeOffset(next, rows, pageDigest, months, revisions, null, deadLetters, leavesOut);
  }

  /**
   * A new-period page is done (or an empty window answered): the cursor moves to {@code newNext}, the fingerprints of
   * the periods it emitted are kept, with those of their dead letters ({@code badRows}: the periods emitted that had
   * any), and those that fell out of the look-back window are dropped (not the revisions).
   */
  ComtradeOffset advanced(YearMonth newNext, Map<YearMonth, String> emitted, Map<YearMonth, String> badRows,
      int lookback) {
    Map<YearMonth, String> d = new TreeMap<>(months);
    d.putAll(emitted);
    return new ComtradeOffset(newNext, 0, "", trimmed(d, newNext, lookback), revisions, null,
        trimmed(withBadRows(emitted.keySet(), badRows), newNext, lookback));
  }

  /**
   * Before the first record of a new-period page read again from its first item over items already delivered: the
   * page changed since (Comtrade revised it between a crash and the restart), and its {@code periods} go out with a
   * revision one higher than the figures delivered, which carry the same publishedAt.
   */
  ComtradeOffset revisedMidPage(Set<YearMonth> periods) {
    Map<YearMonth, Integer> r = new TreeMap<>(revisions);
    periods.forEach(m -> r.merge(m, 1, Integer::sum));
    return new ComtradeOffset(next, rowsDone, digest, months, r, revising, deadLetters, leavesOutSent);
  }

  /** Before the first record of a look-back response's changed periods, with the revisions they go out with. */
  ComtradeOffset revising(Window window, String changedDigest, Map<YearMonth, Integer> newRevisions) {
    return new ComtradeOffset(next, 0, changedDigest, months, newRevisions, window, deadLetters);
  }

  /** Mid-emission of a look-back response's changed periods. */
  ComtradeOffset revisingRow(long rows) {
    return new ComtradeOffset(next, rows, digest, months, revisions, revising, deadLetters);
  }

  /**
   * A look-back response's changed periods are done: their new fingerprints replace the old ones, those of their
   * dead letters too ({@code badRows}: the changed periods that have any).
   */
  ComtradeOffset revised(Map<YearMonth, String> changed, Map<YearMonth, String> badRows, int lookback) {
    Map<YearMonth, String> d = new TreeMap<>(months);
    d.putAll(changed);
    return new ComtradeOffset(next, 0, "", trimmed(d, next, lookback), revisions, null,
        trimmed(withBadRows(changed.keySet(), badRows), next, lookback));
  }

  private Map<YearMonth, String> withBadRows(Set<YearMonth> periods, Map<YearMonth, String> badRows) {
    return DeadLetterDigests.replaced(deadLetters, periods, badRows);
  }

  /**
   * Whether the dead letters of {@code period} in a response, with fingerprint {@code badRows} (null: none), are
   * those its last emission sent, so they need not go out again.
   */
  boolean sentDeadLetters(YearMonth period, String badRows) {
    return DeadLetterDigests.sent(deadLetters, period, badRows);
  }

  /**
   * This offset with what {@code other} (not mid-look-back) has done of the new-period page at the cursor: the same
   * page is skipped that far when answered again.
   */
  ComtradeOffset withNewPeriodProgressOf(ComtradeOffset other) {
    return new ComtradeOffset(next, other.rowsDone, other.digest, months, revisions, revising, deadLetters,
        other.leavesOutSent);
  }

  /** Forgets an interrupted look-back whose changes are gone from the source (nothing left to resume). */
  ComtradeOffset withoutRevising() {
    return revising == null ? this : new ComtradeOffset(next, 0, "", months, revisions, null, deadLetters);
  }

  /** The first period of the look-back window below {@code next}. */
  static YearMonth windowStart(YearMonth next, int lookback) {
    return next.minusMonths(lookback);
  }

  private static <V> Map<YearMonth, V> trimmed(Map<YearMonth, V> m, YearMonth next, int lookback) {
    Map<YearMonth, V> t = new TreeMap<>(m);
    YearMonth oldest = windowStart(next, lookback);
    t.keySet().removeIf(k -> k.isBefore(oldest));
    return t;
  }
}
