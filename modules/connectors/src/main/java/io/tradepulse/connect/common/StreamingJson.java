package io.tradepulse.connect.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Jackson's streaming parser over a payload read as a stream, able to give back the raw bytes of the value it just
 * read (a row's dead letter carries them exactly as received) while holding only that value's bytes and the parser's
 * read-ahead, never the document. Raw bytes are cut at Jackson's byte offsets, as the byte[] parsers always cut the
 * payload, so a row's raw value is the same whichever way the payload was read.
 *
 * <p>It also tells a failure to read the stream (a disk error: retried) from a fault in the document (a dead letter).
 */
public final class StreamingJson implements Closeable {
  private static final JsonFactory JSON = new JsonFactory();

  private final Window in;
  private JsonParser parser;

  /** Reads nothing yet: a failure to read the start of the stream comes from {@link #parser()}, classifiable. */
  public StreamingJson(InputStream in) {
    this.in = new Window(in);
  }

  /** The parser; the first call creates it, which reads the start of the stream (to detect its encoding). */
  public JsonParser parser() throws IOException {
    if (parser == null) {
      parser = JSON.createParser(in);
    }
    return parser;
  }

  /**
   * Starts a value at the current token of {@link #parser()} (its START_ARRAY or START_OBJECT): its bytes are kept from here on, those
   * before it are no longer needed.
   *
   * @return the value's start, for {@link #raw(long)}
   */
  public long startValue() {
    long start = parser.currentTokenLocation().getByteOffset();
    in.keepFrom(start);
    return start;
  }

  /** The raw bytes from {@code start} ({@link #startValue()}) to where the parser is now (after the value's end). */
  public byte[] raw(long start) {
    return in.slice(start, parser.currentLocation().getByteOffset());
  }

  /**
   * A {@link RetryingFetcher.BodyCheck} for a JSON API: fails with an {@link EOFException} when {@code body} ends
   * inside its top-level array or object. An HTTP/1.1 body delimited by the connection's close (no Content-Length, not
   * chunked), or one a proxy re-framed after its upstream closed early, reads as complete when the transfer is cut: as
   * a malformed payload it became one dead letter and its month or page was completed, so every row after the cut was
   * lost (for good without a look-back). No server means such a body, so it is fetched again instead. A body that is
   * complete but wrong (a syntax error inside, an HTML page, a scalar) passes: the parser makes it the dead letter.
   */
  public static void requireComplete(Path body) throws IOException {
    try (JsonParser p = JSON.createParser(Files.newInputStream(body))) {
      JsonToken first;
      try {
        first = p.nextToken();
      } catch (JsonProcessingException notJson) {
        return; // not a JSON document at all (an HTML page): a fault of the content, not a cut
      }
      if (first != JsonToken.START_ARRAY && first != JsonToken.START_OBJECT) {
        return;
      }
      try {
        p.skipChildren();
      } catch (JsonProcessingException e) {
        // Jackson says end-of-input with a JsonEOFException only in some places: after a comma ("within/between Object
        // entries") or in a number or literal cut short ("12.", "tru") it is a plain JsonParseException. Where it
        // failed tells: in the last token of the body. A fault with the document going on after it is the parser's
        // dead letter, as before.
        long size = Files.size(body);
        if (e instanceof JsonEOFException || e.getLocation() != null && inLastToken(body, e.getLocation(), size)) {
          throw new EOFException("Response body ends inside its JSON document after " + size + " bytes, cut in "
              + "transit (" + e.getOriginalMessage() + ")");
        }
      }
    }
  }

  /** Whether nothing but one token's characters (no white space, no delimiter) lies from {@code at} to the end. */
  private static boolean inLastToken(Path body, JsonLocation at, long size) throws IOException {
    long from = at.getByteOffset();
    if (from < 0 || size - from > 1_024) {
      return false; // unknown, or further from the end than any number or literal
    }
    if (from >= size) {
      return true;
    }
    try (InputStream in = Files.newInputStream(body)) {
      in.skipNBytes(from);
      for (int b = in.read(); b >= 0; b = in.read()) {
        if (" \t\r\n,:[]{}\"".indexOf(b) >= 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether {@code e} (thrown while parsing) is a failure to read the stream rather than a fault in the document. */
  public boolean isReadFailure(Throwable e) {
    return e != null && e == in.failure;
  }

  @Override
  public void close() throws IOException {
    if (parser != null) {
      parser.close(); // closes the stream too (AUTO_CLOSE_SOURCE)
    } else {
      in.close();
    }
  }

  /**
   * The stream, keeping what a raw value can still be cut from: the bytes since the current value's start, and the
   * last {@link #HISTORY} bytes read (the parser's own buffer, 8,000 bytes, holds the token a value starts at; some
   * of it may come from the read before last).
   */
  private static final class Window extends InputStream {
    static final int HISTORY = 1 << 16;
    private final InputStream in;
    private byte[] buf = new byte[HISTORY * 2];
    private long base; // stream position of buf[0]
    private int len; // bytes held
    private long keepFrom = Long.MAX_VALUE; // no value started yet
    IOException failure;

    Window(InputStream in) {
      this.in = in;
    }

    void keepFrom(long position) {
      keepFrom = position;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
      int r;
      try {
        r = in.read(b, off, n);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      if (r > 0) {
        append(b, off, r);
      }
      return r;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int r = read(one, 0, 1);
      return r < 0 ? -1 : one[0] & 0xFF;
    }

    private void append(byte[] b, int off, int n) {
      if (len + n > buf.length) { // full: drop what no raw value can be cut from any more, grow only if still full
        long dropBefore = Math.min(keepFrom, base + len + n - HISTORY);
        int drop = (int) Math.max(0, Math.min(len, dropBefore - base));
        System.arraycopy(buf, drop, buf, 0, len - drop);
        len -= drop;
        base += drop;
        if (len + n > buf.length) { // one value larger than the buffer
          buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
      }
      System.arraycopy(b, off, buf, len, n);
      len += n;
    }

    /** Bytes {@code [from, to)} of the stream; as {@link Arrays#copyOfRange} fails for a range it does not hold. */
    byte[] slice(long from, long to) {
      return Arrays.copyOfRange(buf, (int) (from - base), (int) (to - base));
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
