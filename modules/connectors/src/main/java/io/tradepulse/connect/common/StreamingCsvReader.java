package io.tradepulse.connect.common;

import io.tradepulse.core.CsvReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * {@link CsvReader}'s exact rules (same fields, line numbers and raw bytes per record; BOM skipped) over an
 * InputStream, so a multi-gigabyte file is read with a buffer instead of a byte[] of the whole file. The code
 * mirrors CsvReader line for line with {@code data[i]} replaced by {@link #at(long)}: keeping the two readers
 * visibly alike is what keeps their rules alike ({@code StreamingCsvReaderTest} compares them on random input).
 *
 * <p>The buffer holds the current record plus read-ahead and grows only for a record longer than itself, up to
 * {@link #MAX_RECORD_BYTES}: a record longer than that (a file without line breaks, a quote that is never closed,
 * which makes CsvReader scan to the end of the data for a closing quote) is not buffered whole, or one bad line of
 * gigabytes would exhaust the heap. It is returned cut instead ({@link #isCut}): its first bytes as raw value, no
 * fields, and the reader goes on after the first line break past the limit. This is the one place where the two
 * readers differ, only for records no trade file has.
 */
public final class StreamingCsvReader implements Closeable {
  static final int DEFAULT_BUFFER = 1 << 16;

  /** Longest record read whole (1 MiB); see {@link #isCut}. */
  public static final int MAX_RECORD_BYTES = 1 << 20;

  /** Why a cut record ({@link #isCut}) is a dead letter. */
  public static final String CUT_REASON = "Record longer than " + MAX_RECORD_BYTES + " bytes: not read, the file goes "
      + "on after its next line break (raw value: its first bytes)";

  /** Thrown by {@link #has} past the record limit and caught by {@link #next}; no stack trace, it is control flow. */
  private static final class RecordTooLong extends RuntimeException {
    RecordTooLong() {
      super(null, null, false, false);
    }
  }

  private static final RecordTooLong TOO_LONG = new RecordTooLong();

  private final InputStream in;
  private final int maxRecordBytes;
  private byte[] buf;
  private long base; // absolute position of buf[0]
  private int len; // valid bytes in buf
  private boolean eof;
  private long pos; // absolute read position
  private long recordStart; // bytes before this are no longer needed
  private long line = 1;
  private boolean started;

  public StreamingCsvReader(InputStream in) {
    this(in, DEFAULT_BUFFER);
  }

  /** @param bufferSize initial buffer size; tests use tiny ones so records straddle refills */
  StreamingCsvReader(InputStream in, int bufferSize) {
    this(in, bufferSize, MAX_RECORD_BYTES);
  }

  /** @param maxRecordBytes longest record read whole; tests use small ones */
  StreamingCsvReader(InputStream in, int bufferSize, int maxRecordBytes) {
    this.in = in;
    this.buf = new byte[Math.max(1, bufferSize)];
    this.maxRecordBytes = maxRecordBytes;
  }

  /**
   * Whether {@code row} is a record longer than the limit, returned cut: it has no fields (a record read whole always
   * has at least one), its raw value is its first bytes (at most {@link BadRow#MAX_WHOLE_RAW_BYTES}). Callers
   * dead-letter it ({@link #CUT_REASON}); one that does not sees a blank row.
   */
  public static boolean isCut(CsvReader.Row row) {
    return row.fields().isEmpty();
  }

  /** @return the next record, or null at the end */
  public CsvReader.Row next() throws IOException {
    if (!started) {
      started = true;
      if (has(2) && (at(0) & 0xFF) == 0xEF && (at(1) & 0xFF) == 0xBB && (at(2) & 0xFF) == 0xBF) {
        pos = 3;
      }
    }
    recordStart = pos;
    if (!has(pos)) {
      return null;
    }
    long start = pos;
    long startLine = line;
    try {
      List<String> fields = new ArrayList<>(16);
      fields.add(field());
      while (has(pos) && at(pos) == ',') {
        pos++;
        fields.add(field());
      }
      long end = pos;
      if (has(pos)) { // at a line break: field() stops only there, at a comma or at the end
        if (at(pos) == '\r' && has(pos + 1) && at(pos + 1) == '\n') {
          pos++;
        }
        pos++;
        line++;
      }
      int from = (int) (start - base);
      return new CsvReader.Row(Collections.unmodifiableList(fields), startLine,
          Arrays.copyOfRange(buf, from, from + (int) (end - start)));
    } catch (RecordTooLong e) {
      return cut(start, startLine);
    }
  }

  /**
   * The record from {@code start} reached the limit: keeps its first bytes and reads past the rest, up to and including
   * the first line break at or after the limit, holding nothing of it; counts the line breaks passed so that the
   * records after it keep their line numbers.
   */
  private CsvReader.Row cut(long start, long startLine) throws IOException {
    int from = (int) (start - base);
    int kept = Math.min(Math.min(BadRow.MAX_WHOLE_RAW_BYTES, maxRecordBytes), len - from);
    byte[] head = Arrays.copyOfRange(buf, from, from + kept);
    long limit = start + maxRecordBytes;
    long lines = 0;
    long i = start;
    while (available(i)) {
      recordStart = i; // nothing before i is needed any more: the buffer does not grow while reading past
      byte b = at(i++);
      if (b == '\n') {
        lines++;
        if (i > limit) {
          break;
        }
      }
    }
    pos = i;
    line = startLine + lines;
    return new CsvReader.Row(List.of(), startLine, head);
  }

  /** Reads the field at {@code pos}, leaving {@code pos} at the comma, line break or end after it. */
  private String field() throws IOException {
    long open = pos;
    if (!has(open) || at(open) != '"') {
      return text(open, open);
    }
    long close = closingQuote(open + 1);
    if (close >= 0 && endsField(close + 1)) {
      pos = close + 1;
      // As CsvReader: a line break inside counts as one whether LF, CRLF or a lone CR (a CR-only file).
      for (long i = open; i < close; i++) {
        if (at(i) == '\n' || (at(i) == '\r' && at(i + 1) != '\n')) {
          line++;
        }
      }
      // '"' is one byte that never occurs inside a multi-byte UTF-8 sequence: unescape after decoding.
      return string(open + 1, close).replace("\"\"", "\"");
    }
    return text(open, close >= 0 && !hasLineBreak(open, close) ? close + 1 : open + 1);
  }

  /** A literal, trimmed field from {@code from} to the first comma or line break at or after {@code scanFrom}. */
  private String text(long from, long scanFrom) throws IOException {
    pos = scanFrom;
    while (!endsField(pos)) {
      pos++;
    }
    return string(from, pos).trim();
  }

  /** @return the position of the quote closing a quoted field whose content starts at {@code from}, or -1 */
  private long closingQuote(long from) throws IOException {
    for (long i = from; has(i); i++) {
      if (at(i) == '"') {
        if (has(i + 1) && at(i + 1) == '"') {
          i++; // a doubled quote is content
          continue;
        }
        return i;
      }
    }
    return -1;
  }

  private boolean endsField(long i) throws IOException {
    if (!has(i)) {
      return true;
    }
    byte b = at(i);
    return b == ',' || b == '\n' || b == '\r';
  }

  private boolean hasLineBreak(long from, long to) {
    for (long i = from; i < to; i++) {
      if (at(i) == '\n' || at(i) == '\r') {
        return true;
      }
    }
    return false;
  }

  private String string(long from, long to) {
    return new String(buf, (int) (from - base), (int) (to - from), StandardCharsets.UTF_8);
  }

  /** The byte at absolute position {@code i}; only after {@link #has(long)} said it exists. */
  private byte at(long i) {
    return buf[(int) (i - base)];
  }

  /**
   * @return whether the data has a byte at absolute position {@code i}, reading more as needed
   * @throws RecordTooLong when {@code i} is past the record limit
   */
  private boolean has(long i) throws IOException {
    if (i - recordStart >= maxRecordBytes) {
      throw TOO_LONG;
    }
    return available(i);
  }

  /** {@link #has} without the record limit. */
  private boolean available(long i) throws IOException {
    while (i - base >= len) {
      if (eof) {
        return false;
      }
      fill();
    }
    return true;
  }

  private void fill() throws IOException {
    if (len == buf.length) {
      int keep = (int) (recordStart - base);
      if (keep > 0) { // drop what earlier records used; positions are absolute, so nothing else moves
        System.arraycopy(buf, keep, buf, 0, len - keep);
        len -= keep;
        base += keep;
      } else { // one record longer than the buffer
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
    }
    int n = in.read(buf, len, buf.length - len);
    if (n < 0) {
      eof = true;
    } else {
      len += n;
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
