package io.tradepulse.connect.common;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The items of one payload, produced lazily in input order (the order that {@code rows_done} counts), so a
 * source holds one batch of them at a time instead of the whole payload. The streaming form of {@link Parsed}.
 */
public interface ItemStream extends Closeable {
  /** @return the next item, or null at the end */
  ParsedItem next() throws IOException;

  /** @return rows intentionally not emitted so far (complete once {@link #next()} returned null) */
  int skipped();

  /** @return the payload's publication time, for records and dead letters; known once {@link #next()} returned */
  long publishedAt();

  @Override
  default void close() throws IOException {}

  /** An already parsed (small) payload as a stream. */
  static ItemStream of(Parsed parsed) {
    Iterator<ParsedItem> it = parsed.items().iterator();
    return new ItemStream() {
      @Override
      public ParsedItem next() {
        return it.hasNext() ? it.next() : null;
      }

      @Override
      public int skipped() {
        return parsed.skipped();
      }

      @Override
      public long publishedAt() {
        return parsed.publishedAt();
      }
    };
  }

  /** Reads a whole stream into a {@link Parsed} (the byte[] entry points of the streaming parsers) and closes it. */
  static Parsed collect(ItemStream s) {
    try (s) {
      List<ParsedItem> items = new ArrayList<>();
      for (ParsedItem i = s.next(); i != null; i = s.next()) {
        items.add(i);
      }
      return new Parsed(items, s.skipped(), s.publishedAt());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // only over in-memory bytes, which do not fail
    }
  }
}
