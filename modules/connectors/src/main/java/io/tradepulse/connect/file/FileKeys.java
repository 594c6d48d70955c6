package io.tradepulse.connect.file;

import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CellFingerprint;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.TradeRow;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Arrays;
import java.util.Objects;

/**
 * The record keys of one file's rows, to find rows that give one figure twice.
 *
 * <p>Downstream keeps one figure per series, starting month and publication: of two records with the same series
 * (reporter, partner, flow, commodity), the same first month and the same {@code publishedAt}, the winner is decided by
 * their other fields, i.e. at random as far as the file is concerned. So, as the Census source does with the rows of a
 * response and the GACC reader with a table's:
 *
 * <ul>
 *   <li>rows of one key with the same figures (value, currency, months, valuation, reported YoY, quality: a row copied,
 *       a file appended to itself) go out once, from the first of them; each later one is a dead letter saying so;</li>
 *   <li>rows of one key with different figures are all dead letters naming the lines: which one is the file's cannot
 *       be told.</li>
 * </ul>
 *
 * Rows of one series and month with different {@code publishedAt} (a file of revisions) are different keys: the newest
 * publication wins downstream, as intended.
 *
 * <p>A file is streamed, and the first row of a key goes out before a later one is read, so the verdicts are found by
 * reading the file before its first row is emitted, in passes over the same bytes as {@code ResponseKeys} does for a
 * Census response: {@link #add} every key (collect), then, only when some key has several rows, {@link #tally} the rows
 * of those keys, then {@link #judge} each row as it is emitted. Every verdict depends on the whole file alone, never
 * on what was sent before: a restart mid-file (which reads the file again and skips the items already delivered) gives
 * every row the verdict it had, and a copy stays an item in its place, so {@code rows_done} counts rows as before.
 *
 * <p>Memory: the collect pass keeps 8 bytes per figure row (a 64-bit hash of its key), at most {@link #MAX_KEYS} of
 * them (64 MB); a larger file is not checked ({@link #overflowed}) and goes out as before. After it only the keys of
 * several rows are kept, about 40 bytes each. Two different keys with the same hash (odds about n^2 / 2^65: 1 in 500,000
 * for 4 million rows) would be taken for one key: their rows become dead letters, which shows, never a figure lost
 * unseen.
 */
final class FileKeys {
  /** The most figure rows a file may have for its keys to be checked: 2^23, 64 MB of hashes. */
  static final int MAX_KEYS = 1 << 23;
  private static final long[] NONE = new long[0];

  private long[] all = new long[1024];
  private int count;
  private boolean overflowed;
  /** The hashes of the keys of several rows, sorted; the arrays below are per key of it. */
  private long[] repeated = NONE;
  private int[] rows;
  private long[] figures;
  private boolean[] differ;
  private long[] firstLine;
  private long[] secondLine;

  /** Collect pass: one figure row. */
  void add(TradeRow t) {
    if (overflowed) {
      return;
    }
    if (count == MAX_KEYS) {
      overflowed = true;
      all = null;
      return;
    }
    if (count == all.length) {
      all = Arrays.copyOf(all, Math.min(all.length * 2, MAX_KEYS));
    }
    all[count++] = key(t);
  }

  /** Whether the file has more figure rows than {@link #MAX_KEYS}: it is not checked. */
  boolean overflowed() {
    return overflowed;
  }

  /**
   * Ends the collect pass.
   *
   * @return whether some key has several rows, so a {@link #tally} pass is needed before {@link #judge}
   */
  boolean collected() {
    if (overflowed) {
      return false;
    }
    long[] keys = all;
    all = null;
    Arrays.sort(keys, 0, count);
    int n = 0;
    for (int i = 1; i < count; i++) {
      n += keys[i] == keys[i - 1] && (i == 1 || keys[i - 2] != keys[i]) ? 1 : 0;
    }
    repeated = new long[n];
    for (int i = 1, r = 0; i < count; i++) {
      if (keys[i] == keys[i - 1] && (i == 1 || keys[i - 2] != keys[i])) {
        repeated[r++] = keys[i];
      }
    }
    rows = new int[n];
    figures = new long[n];
    differ = new boolean[n];
    firstLine = new long[n];
    secondLine = new long[n];
    return n > 0;
  }

  /** Tally pass: one figure row and the line it starts on. */
  void tally(TradeRow t, long line) {
    int i = Arrays.binarySearch(repeated, key(t));
    if (i < 0) {
      return;
    }
    long f = figures(t);
    if (rows[i]++ == 0) {
      figures[i] = f;
      firstLine[i] = line;
      return;
    }
    if (rows[i] == 2) {
      secondLine[i] = line;
    }
    differ[i] |= figures[i] != f;
  }

  /**
   * Emit pass: the item a figure row becomes, itself or a dead letter saying why not.
   *
   * @param line the line it starts on, as given to {@link #tally}
   */
  ParsedItem judge(TradeRow t, long line, String location, byte[] raw) {
    int i = repeated.length == 0 ? -1 : Arrays.binarySearch(repeated, key(t));
    if (i < 0) {
      return t;
    }
    String key = t.reporter() + " " + t.partner() + " " + t.flow() + " " + t.commodity() + " "
        + YearMonth.of(t.year(), t.month()) + " published " + Instant.ofEpochMilli(t.publishedAt());
    if (differ[i]) {
      String lines = rows[i] == 2 ? "lines [" + firstLine[i] + ", " + secondLine[i] + "]"
          : rows[i] + " lines [" + firstLine[i] + ", " + secondLine[i] + ", ...]";
      return BadRow.of(key + " given different figures on " + lines + ": which one is the file's cannot be told, none "
          + "is emitted", location, "line " + line, raw);
    }
    if (line == firstLine[i]) {
      return t;
    }
    return BadRow.of(key + " again, with the same figures as on line " + firstLine[i] + ": emitted once", location,
        "line " + line, raw);
  }

  /** The key's 64-bit hash: series, first month, publication (what downstream keeps one figure of). */
  private static long key(TradeRow t) {
    return hash(t.reporter(), t.partner(), t.flow(), t.commodity(), Integer.toString(t.year()),
        Integer.toString(t.month()), Long.toString(t.publishedAt()));
  }

  /** The figures' 64-bit hash: what must be equal for two rows of one key to be one figure. */
  private static long figures(TradeRow t) {
    // Quality too: one level given PUBLISHED on a line and SECONDARY on another would go out with the quality of
    // whichever line came first, and which one the file stands behind cannot be told.
    return hash(Objects.toString(t.value()), t.currency(), Integer.toString(t.months()),
        Objects.toString(t.valuation()), Objects.toString(t.reportedYoyPct()), t.quality().name());
  }

  private static long hash(String... parts) {
    return CellFingerprint.of(Arrays.asList(parts));
  }
}
