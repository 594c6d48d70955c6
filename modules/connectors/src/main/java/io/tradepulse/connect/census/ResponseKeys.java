package io.tradepulse.connect.census;

import io.tradepulse.connect.common.CellFingerprint;
import io.tradepulse.connect.common.UnreadablePayloadException;
import java.time.YearMonth;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The record keys (partner, commodity, month) of one Census response, to find the rows that map to the same key.
 *
 * <p>The API answers one row per combination of every variable the request does not pin: rows split by one (such as
 * {@code DF}, domestic or foreign exports) all map to one series and month, and downstream keeps one figure per series
 * and month, so a split response would become one of its parts instead of the total. The parser reads a response in
 * passes over the same bytes, and each pass hands every row that has a key to {@link #check}:
 *
 * <ol>
 *   <li>{@link Phase#COLLECT} (the pass that checks the document): every key, 8 bytes a row, sorted at the end to find
 *       the keys of several rows. The common case ends here with none, and only those keys are kept.</li>
 *   <li>{@link Phase#TALLY}, only when some key has several rows: another pass counts the rows of those keys and
 *       compares them (the value exactly, the other cells by a 64-bit fingerprint).</li>
 *   <li>{@link Phase#EMIT}, the pass whose rows become records: {@link #check} names why a row must not be emitted.</li>
 * </ol>
 *
 * <p>Verdict for a key of several rows, decided over the whole response before its first row goes out, so it is the
 * same at every read (a restart resumes the item count at the same row):
 *
 * <ul>
 *   <li>rows that differ (a conflict): every one of them is a dead letter, none is emitted. Any of them could be the
 *       total, or none; downstream would keep the larger as if it were the figure.</li>
 *   <li>rows identical in every cell (exact duplicates): the first one is emitted, each later copy is a dead letter
 *       that says so. A copy stays an item (not a skipped row): offsets count items, so the rows after it are counted
 *       as by earlier releases, which emitted every copy.</li>
 *   <li>exact duplicates in a response that also has a conflict: dead letters like a conflict, since a split response
 *       shows the parts of a key as identical rows when they happen to be equal and the breakdown column is not
 *       asked for.</li>
 * </ul>
 */
final class ResponseKeys {
  enum Phase { COLLECT, TALLY, EMIT }

  /** Partners and months of one response get 13-bit numbers; their pair and the commodity fill 64 bits. */
  private static final int MAX_INDEX = 1 << 13;
  private static final long[] NONE = new long[0];

  private Phase phase = Phase.COLLECT;
  private final Map<String, Integer> partners = new HashMap<>();
  private final Map<YearMonth, Integer> months = new HashMap<>();
  private long[] all = new long[1024];
  private int count;
  /** The keys of several rows, sorted; the arrays below are per key of it. */
  private long[] repeated = NONE;
  private int[] rows;
  private long[] firstValue;
  private long[] firstCells;
  private boolean[] differ;
  private int[] firstRow;
  private int conflicts;

  /** Keys checked against nothing: a response too broken for the collect pass to end (it becomes one dead letter). */
  static ResponseKeys none() {
    ResponseKeys k = new ResponseKeys();
    k.all = null;
    k.phase = Phase.EMIT;
    return k;
  }

  Phase phase() {
    return phase;
  }

  /**
   * Ends the collect pass.
   *
   * @return whether some key has several rows, so a {@link Phase#TALLY} pass is needed before {@link Phase#EMIT}
   */
  boolean collected() {
    require(Phase.COLLECT);
    long[] keys = all;
    all = null;
    Arrays.sort(keys, 0, count);
    int n = 0;
    for (int i = 1; i < count; i++) {
      n += isFirstRepeat(keys, i) ? 1 : 0;
    }
    repeated = new long[n];
    for (int i = 1, r = 0; i < count; i++) {
      if (isFirstRepeat(keys, i)) {
        repeated[r++] = keys[i];
      }
    }
    rows = new int[n];
    firstValue = new long[n];
    firstCells = new long[n];
    differ = new boolean[n];
    firstRow = new int[n];
    phase = n == 0 ? Phase.EMIT : Phase.TALLY;
    return n > 0;
  }

  /** Whether sorted {@code keys[i]} is the second row of its key. */
  private static boolean isFirstRepeat(long[] keys, int i) {
    return keys[i] == keys[i - 1] && (i == 1 || keys[i - 2] != keys[i]);
  }

  /** Ends the tally pass. */
  void tallied() {
    require(Phase.TALLY);
    for (boolean d : differ) {
      conflicts += d ? 1 : 0;
    }
    phase = Phase.EMIT;
  }

  /**
   * Makes the next emit pass judge as if it were the first: one that only fingerprints the dead letters came before
   * (the first row of each exact duplicate is kept by the emit pass).
   */
  void rewind() {
    require(Phase.EMIT);
    if (firstRow != null) {
      Arrays.fill(firstRow, 0);
    }
  }

  /** Keys with rows that differ: set by the tally pass. */
  int conflicts() {
    return conflicts;
  }

  /** Keys of several rows. */
  int repeatedKeys() {
    return repeated.length;
  }

  /**
   * Registers (collect, tally) or judges (emit) one row.
   *
   * @param value its value, null when not a number
   * @param row all its cells
   * @param rowNo its number among the data rows (1 = the row after the header)
   * @return in the emit pass, why the row must not become a record; else null
   */
  String check(String partner, String commodity, YearMonth month, Long value, List<String> row, int rowNo) throws UnreadablePayloadException {
    long key = key(partner, commodity, month);
    if (phase == Phase.COLLECT) {
      if (count == all.length) {
        all = Arrays.copyOf(all, all.length * 2);
      }
      all[count++] = key;
      return null;
    }
    int i = Arrays.binarySearch(repeated, key);
    if (i < 0) {
      return null;
    }
    long v = value == null ? -1 : value; // values are never negative
    if (phase == Phase.TALLY) {
      long cells = CellFingerprint.of(row);
      if (rows[i]++ == 0) {
        firstValue[i] = v;
        firstCells[i] = cells;
      } else if (firstValue[i] != v || firstCells[i] != cells) {
        differ[i] = true;
      }
      return null;
    }
    String what = rows[i] + " rows of this response map to the record key (partner " + partner + ", commodity "
        + commodity + ", " + month + ")";
    if (differ[i]) {
      return what + " with different figures: none of them is emitted. Likely cause: a breakdown variable such as DF (domestic/foreign exports) "
          + "not pinned in the request, so the rows are parts and none of them need be the total";
    }
    if (conflicts > 0) {
      return what + " as identical rows, in a response where " + conflicts + " other record key(s) have rows with "
          + "different figures: none of them is emitted. Likely cause: a breakdown variable such as DF (domestic/"
          + "foreign exports) not pinned in the request, whose parts are equal for this key";
    }
    if (value == null) {
      return null; // each copy is a dead letter for its value anyway
    }
    if (firstRow[i] == 0) {
      firstRow[i] = rowNo;
      return null;
    }
    return "Exact duplicate of row " + firstRow[i] + " (every cell the same; " + what + "): its figure was emitted "
        + "once, from row " + firstRow[i];
  }

  /** The key in 64 bits: partner and month numbers (13 bits each), commodity digits and length (38 bits). */
  private long key(String partner, String commodity, YearMonth month) throws UnreadablePayloadException {
    long pair = (long) index(partners, partner) << 13 | index(months, month);
    long comm;
    if (commodity.equals("TOTAL")) {
      comm = 1L << 34; // length 1, which no HS code has
    } else {
      // 2 to 10 digits (Hs.level said so): the value is below 10^10 < 2^34, the length tells "01" from "0001".
      comm = (long) commodity.length() << 34 | Long.parseLong(commodity);
    }
    return pair << 38 | comm;
  }

  private <K> int index(Map<K, Integer> numbers, K k) throws UnreadablePayloadException {
    Integer n = numbers.get(k);
    if (n == null) {
      if (phase != Phase.COLLECT) {
        return MAX_INDEX - 1; // a partner or month no row had in the collect pass: cannot be a repeated key
      }
      n = numbers.size();
      if (n == MAX_INDEX - 1) { // kept free for the case above
        throw new UnreadablePayloadException("Census response has more than " + (MAX_INDEX - 2)
            + " distinct partners or months", null);
      }
      numbers.put(k, n);
    }
    return n;
  }

  private void require(Phase p) {
    if (phase != p) {
      throw new IllegalStateException("ResponseKeys in phase " + phase + ", not " + p);
    }
  }
}
