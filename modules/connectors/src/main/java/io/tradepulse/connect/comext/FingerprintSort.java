package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.TempFiles;
import io.tradepulse.core.CsvReader;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The items of one SDMX-CSV response in fingerprint order, and each month's fingerprint, in bounded memory. Fingerprint
 * order is by month, then by fingerprint content, then by place in the response: what the whole-response code got by a
 * stable sort of each month's items by content. A month's fingerprint is the digest of its contents in that order, each
 * followed by U+001E, as that code computed it from one string, so fingerprints stored by earlier releases still match.
 *
 * <p>Entries are sorted in runs of about {@link #RUN_BYTES} of heap, each spilled to a temporary file, and the runs are
 * merged ({@link #MAX_MERGE} at a time, in rounds when there are more): a response of any size costs one run of heap,
 * where sorting it in memory cost several times the response. With {@code keepRows} an entry also carries its CSV row
 * (line and raw bytes), and {@link #rows(YearMonth)} merges a month's rows once more, from where that month starts in
 * each run, to rebuild its items in fingerprint order (a revised month is re-emitted in that order). The runs take
 * about twice the response on disk with rows, about the response without; {@link #close()} deletes them.
 */
final class FingerprintSort implements Closeable {
  /** Heap a run may take before it is spilled (estimated: a Java string costs up to two bytes a character). */
  static final long RUN_BYTES = 8L << 20;
  /** Runs read at once by a merge: each holds one read buffer and one entry. */
  static final int MAX_MERGE = 64;
  private static final int BUFFER = 16 * 1024;

  /** The fingerprint of a month and how many items it has. */
  record MonthPrint(String digest, long items) {}

  /**
   * One item: its month (as {@code year * 12 + month - 1}), fingerprint content, index in the response and, with
   * {@code keepRows}, its row's line and raw bytes (null without): not its fields, which would take the heap twice.
   */
  private record Entry(int month, String content, long index, long line, byte[] raw) {}

  /** Where a month's entries are in a run: byte offset of the first, and how many. */
  private record Section(long offset, long entries) {}

  /** A spilled, sorted run: its file, how many entries it holds and each month's section. */
  private record Run(Path file, long entries, Map<Integer, Section> months) {}

  private static final Comparator<Entry> ORDER = Comparator.comparingInt(Entry::month)
      .thenComparing(Entry::content).thenComparingLong(Entry::index);

  private final boolean keepRows;
  private final long runBytes;
  private final List<Entry> run = new ArrayList<>(); // in memory; once finished without spilling, all of them
  private long runSize;
  private final List<Run> runs = new ArrayList<>();
  private final Encoder encoder = new Encoder();
  private boolean finished;

  FingerprintSort(boolean keepRows) {
    this(keepRows, RUN_BYTES);
  }

  /** @param runBytes heap of one run; tests use tiny ones to make many runs and several merge rounds */
  FingerprintSort(boolean keepRows, long runBytes) {
    this.keepRows = keepRows;
    this.runBytes = runBytes;
  }

  /** Adds an item of {@code month}; {@code row} is kept only with {@code keepRows}. */
  void add(YearMonth month, String content, long index, CsvReader.Row row) throws IOException {
    if (finished) {
      throw new IllegalStateException("already finished");
    }
    Entry e = keepRows ? new Entry(month(month), content, index, row.line(), row.raw())
        : new Entry(month(month), content, index, 0, null);
    run.add(e);
    runSize += 96 + 2L * content.length() + (e.raw() == null ? 0 : 16 + e.raw().length);
    if (runSize >= runBytes) {
      run.sort(ORDER);
      runs.add(write(new ListSource(run)));
      run.clear();
      runSize = 0;
    }
  }

  /**
   * Sorts what was added and fingerprints each month.
   *
   * @return each month's fingerprint and item count, in month order
   */
  SortedMap<YearMonth, MonthPrint> finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("already finished");
    }
    finished = true;
    run.sort(ORDER);
    if (!runs.isEmpty()) {
      if (!run.isEmpty()) {
        runs.add(write(new ListSource(run)));
        run.clear();
      }
      while (runs.size() > MAX_MERGE) { // one more round, so that a merge never holds more than MAX_MERGE buffers
        List<Run> group = new ArrayList<>(runs.subList(0, MAX_MERGE));
        runs.subList(0, MAX_MERGE).clear();
        try (Merge m = new Merge(group, null)) {
          runs.add(write(m));
        } finally { // also when the round fails: these runs are no longer in runs, which close() deletes
          group.forEach(r -> TempFiles.deleteQuietly(r.file()));
        }
      }
    }
    SortedMap<YearMonth, MonthPrint> prints = new TreeMap<>();
    try (Source all = runs.isEmpty() ? new ListSource(run) : new Merge(runs, null)) {
      int month = Integer.MIN_VALUE;
      Digests.Incremental digest = null;
      long items = 0;
      for (Entry e = all.next(); e != null; e = all.next()) {
        if (e.month() != month) {
          if (digest != null) {
            prints.put(yearMonth(month), new MonthPrint(digest.finish(), items));
          }
          month = e.month();
          digest = Digests.incremental();
          items = 0;
        }
        digest.add(e.content().getBytes(StandardCharsets.UTF_8));
        digest.add((byte) 0x1e); // U+001E: one byte in UTF-8
        items++;
      }
      if (digest != null) {
        prints.put(yearMonth(month), new MonthPrint(digest.finish(), items));
      }
    }
    if (!keepRows) { // nothing is read again
      close();
    }
    return prints;
  }

  /** The rows of {@code month} in fingerprint order (keepRows only, once finished). */
  Rows rows(YearMonth month) throws IOException {
    if (!keepRows || !finished) {
      throw new IllegalStateException("rows are kept only with keepRows, once finished");
    }
    int m = month(month);
    if (runs.isEmpty()) {
      return new Rows(new ListSource(run.stream().filter(e -> e.month() == m).toList()));
    }
    return new Rows(new Merge(runs, m));
  }

  /** A month's rows read back one at a time. */
  static final class Rows implements Closeable {
    private final Source source;

    private Rows(Source source) {
      this.source = source;
    }

    /** @return the next row, or null after the month's last */
    CsvReader.Row next() throws IOException {
      Entry e = source.next();
      return e == null ? null : row(e.line(), e.raw());
    }

    @Override
    public void close() throws IOException {
      source.close();
    }
  }

  /** Deletes every temporary file. */
  @Override
  public void close() {
    runs.forEach(r -> TempFiles.deleteQuietly(r.file()));
    runs.clear();
    run.clear();
  }

  private static int month(YearMonth m) {
    return m.getYear() * 12 + m.getMonthValue() - 1;
  }

  private static YearMonth yearMonth(int month) {
    return YearMonth.of(Math.floorDiv(month, 12), Math.floorMod(month, 12) + 1);
  }

  /**
   * The row read from {@code raw} as the streaming reader read it in the response. CsvReader's rules look no further
   * back than a record's start, nor past its end once the record ends there (at a line break), so the record alone
   * gives the same fields. One thing differs at the start of data: a byte order mark there is skipped, where inside a
   * response it belongs to the row; an empty first line (one LF, before the raw bytes) keeps it in.
   */
  private static CsvReader.Row row(long line, byte[] raw) {
    byte[] data = new byte[raw.length + 1];
    data[0] = '\n';
    System.arraycopy(raw, 0, data, 1, raw.length);
    CsvReader csv = new CsvReader(data);
    csv.next(); // the empty first line
    CsvReader.Row parsed = csv.next();
    return new CsvReader.Row(parsed == null ? List.of("") : parsed.fields(), line, raw);
  }

  // ---- runs on disk ----

  /** Writes the entries of {@code source} (sorted) to a new run file. */
  private Run write(Source source) throws IOException {
    Path file = Files.createTempFile("tradepulse-comext-", ".run");
    boolean ok = false;
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), BUFFER))) {
      Map<Integer, Section> months = new HashMap<>();
      long offset = 0;
      long entries = 0;
      int month = Integer.MIN_VALUE;
      long monthStart = 0;
      long monthEntries = 0;
      for (Entry e = source.next(); e != null; e = source.next()) {
        if (e.month() != month) {
          if (monthEntries > 0) {
            months.put(month, new Section(monthStart, monthEntries));
          }
          month = e.month();
          monthStart = offset;
          monthEntries = 0;
        }
        Encoder b = encode(e);
        out.writeInt(b.length);
        out.write(b.bytes, 0, b.length);
        offset += 4 + b.length;
        entries++;
        monthEntries++;
      }
      if (monthEntries > 0) {
        months.put(month, new Section(monthStart, monthEntries));
      }
      ok = true;
      return new Run(file, entries, months);
    } finally {
      if (!ok) {
        TempFiles.deleteQuietly(file);
      }
    }
  }


  // An entry is written as its length and then its bytes, one write and one read each (field by field through the
  // streams cost more than the sort).
  private Encoder encode(Entry e) {
    Encoder b = encoder.reset();
    b.putInt(e.month());
    b.putString(e.content());
    b.putLong(e.index());
    if (keepRows) {
      b.putLong(e.line());
      b.putInt(e.raw().length);
      b.putBytes(e.raw());
    }
    return b;
  }

  private Entry decode(byte[] bytes) {
    Decoder d = new Decoder(bytes);
    int month = d.getInt();
    String content = d.getString();
    long index = d.getLong();
    if (!keepRows) {
      return new Entry(month, content, index, 0, null);
    }
    long line = d.getLong();
    return new Entry(month, content, index, line, d.getBytes(d.getInt()));
  }

  /** A reusable, growing buffer that one entry is encoded into (big-endian, as DataOutput). */
  private static final class Encoder {
    byte[] bytes = new byte[1024];
    int length;

    Encoder reset() {
      length = 0;
      return this;
    }

    private void room(int n) {
      if (length + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
      }
    }

    void putInt(int v) {
      room(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        bytes[length++] = (byte) (v >>> shift);
      }
    }

    void putLong(long v) {
      room(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes[length++] = (byte) (v >>> shift);
      }
    }

    void putBytes(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, bytes, length, b.length);
      length += b.length;
    }

    /**
     * A string read back exactly, so the merge compares what the in-memory sort compared: as UTF-8 when that gives it
     * back (always, for text decoded from UTF-8 as these are), else as its UTF-16 chars (UTF-8 would turn a lone
     * surrogate into '?').
     */
    void putString(String s) {
      if (wellFormed(s)) {
        room(1);
        bytes[length++] = 8;
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        putInt(utf8.length);
        putBytes(utf8);
        return;
      }
      int n = s.length();
      room(1);
      bytes[length++] = 16;
      putInt(n);
      room(2 * n);
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        bytes[length++] = (byte) (c >>> 8);
        bytes[length++] = (byte) c;
      }
    }

    /** Whether every surrogate is one of a pair (then UTF-8 gives the string back unchanged). */
    private static boolean wellFormed(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c)) {
          return false;
        }
      }
      return true;
    }
  }

  /** Reads back what an {@link Encoder} wrote. */
  private static final class Decoder {
    private final byte[] bytes;
    private int at;

    Decoder(byte[] bytes) {
      this.bytes = bytes;
    }

    int getInt() {
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = v << 8 | bytes[at++] & 0xFF;
      }
      return v;
    }

    long getLong() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = v << 8 | bytes[at++] & 0xFF;
      }
      return v;
    }

    byte[] getBytes(int n) {
      byte[] b = Arrays.copyOfRange(bytes, at, at + n);
      at += n;
      return b;
    }

    String getString() {
      byte form = bytes[at++];
      int n = getInt();
      if (form == 8) {
        String s = new String(bytes, at, n, StandardCharsets.UTF_8);
        at += n;
        return s;
      }
      char[] c = new char[n];
      for (int i = 0; i < n; i++) {
        c[i] = (char) ((bytes[at] & 0xFF) << 8 | bytes[at + 1] & 0xFF);
        at += 2;
      }
      return new String(c);
    }
  }

  // ---- merging ----

  /** Entries in order. */
  private interface Source extends Closeable {
    /** @return the next entry, or null at the end */
    Entry next() throws IOException;
  }

  private static final class ListSource implements Source {
    private final List<Entry> entries;
    private int i;

    ListSource(List<Entry> entries) {
      this.entries = entries;
    }

    @Override
    public Entry next() {
      return i < entries.size() ? entries.get(i++) : null;
    }

    @Override
    public void close() {}
  }

  /**
   * One sorted run being read (whole, or one month's section): its next entry is {@code head}. It reads as many entries
   * as were written, so a file cut short fails (EOFException) instead of losing rows.
   */
  private final class RunReader implements Closeable {
    final DataInputStream in;
    long left;
    Entry head;

    RunReader(Path file, long offset, long entries) throws IOException {
      InputStream raw = Files.newInputStream(file);
      try {
        raw.skipNBytes(offset);
      } catch (IOException e) {
        raw.close();
        throw e;
      }
      in = new DataInputStream(new BufferedInputStream(raw, BUFFER));
      left = entries;
    }

    /** @return whether there was one more entry */
    boolean advance() throws IOException {
      if (left == 0) {
        head = null;
        return false;
      }
      left--;
      byte[] bytes = new byte[in.readInt()];
      in.readFully(bytes);
      head = decode(bytes);
      return true;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** The entries of several sorted runs, in order; all of them, or those of one month. */
  private final class Merge implements Source {
    private final PriorityQueue<RunReader> heads = new PriorityQueue<>((a, b) -> ORDER.compare(a.head, b.head));
    private final List<RunReader> readers = new ArrayList<>();

    /** @param month the one month to read, null for all */
    Merge(List<Run> runs, Integer month) throws IOException {
      try {
        for (Run run : runs) {
          Section s = month == null ? new Section(0, run.entries()) : run.months().get(month);
          if (s == null) {
            continue;
          }
          RunReader r = new RunReader(run.file(), s.offset(), s.entries());
          readers.add(r);
          if (r.advance()) {
            heads.add(r);
          }
        }
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public Entry next() throws IOException {
      RunReader r = heads.poll();
      if (r == null) {
        return null;
      }
      Entry e = r.head;
      if (r.advance()) {
        heads.add(r);
      }
      return e;
    }

    @Override
    public void close() throws IOException {
      IOException failed = null;
      for (RunReader r : readers) {
        try {
          r.close();
        } catch (IOException e) {
          failed = e;
        }
      }
      if (failed != null) {
        throw failed;
      }
    }
  }
}
