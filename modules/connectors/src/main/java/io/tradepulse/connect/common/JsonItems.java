package io.tradepulse.connect.common;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;

/**
 * The items of one JSON payload read as a stream ({@link StreamingJson}), parsed as they are asked for. This base
 * opens the payload at the first {@link #next()}, remembers the end, and is the one place a failure is sorted: a
 * failure to read the stream stays an {@link IOException} (the task reads the payload again), anything else is a
 * fault in the document and becomes an {@link UnreadablePayloadException} (the whole payload is one dead letter).
 * A subclass reads the start of its document ({@link #begin}) and then one item at a time ({@link #advance}).
 */
public abstract class JsonItems implements ItemStream {
  private final Payload payload;
  private final String document;
  /** Opened by the first {@link #next()}; a subclass takes a row's raw bytes from it. */
  protected StreamingJson json;
  /** Created by the first {@link #next()}: it reads. */
  protected JsonParser p;
  private boolean ended;

  /** @param document what the payload is, for the fault's message ("Census response") */
  protected JsonItems(Payload payload, String document) {
    this.payload = payload;
    this.document = document;
  }

  /** Reads the document up to its first item (opening brackets, a header). */
  protected abstract void begin() throws IOException;

  /** The next item, or null at the end of the document. */
  protected abstract ParsedItem advance() throws IOException;

  @Override
  public final ParsedItem next() throws IOException {
    if (ended) {
      return null;
    }
    if (json == null) {
      json = new StreamingJson(payload.open()); // failing to open the payload is an I/O failure, not a fault in it
    }
    try {
      if (p == null) {
        p = json.parser();
        begin();
      }
      ParsedItem item = advance();
      ended = item == null;
      return item;
    } catch (UnreadablePayloadException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      if (json.isReadFailure(e)) {
        throw (IOException) e;
      }
      throw new UnreadablePayloadException("Malformed or truncated " + document + ": " + e.getMessage(),
          e.getClass().getName());
    }
  }

  @Override
  public void close() throws IOException {
    if (json != null) {
      json.close();
    }
  }
}
