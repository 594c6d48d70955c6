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

  /**
   * For a payload that is one document (a JSON response), where a fault anywhere makes the whole payload one dead
   * letter ({@link UnreadablePayloadException}) and that must be known before its first row goes out: reads
   * {@code firstPass} (a stream over the payload) to its end, keeping no item, and closes it. The caller then reads
   * the items from a second stream.
   *
   * @return the dead letter for the whole payload if it is unreadable, else null
   * @throws IOException when the payload itself cannot be read (retried, never a dead letter)
   */
  static BadRow checkDocument(ItemStream firstPass, Payload payload, String source, String position)
      throws IOException {
    try (firstPass) {
      while (firstPass.next() != null) {
        // the items are read again, lazily, by the second pass
      }
      return null;
    } catch (UnreadablePayloadException e) {
      return e.deadLetter(source, position, payload);
    }
  }

  /**
   * Reads a whole document in memory into a {@link Parsed} (the byte[] entry points of the streaming JSON parsers):
   * all its items, or the one dead letter for the whole payload if it is unreadable. Closes the stream.
   */
  static Parsed collectDocument(ItemStream s, byte[] payload, String source, String position) {
    try {
      return collect(s);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof UnreadablePayloadException u) {
        return Parsed.whollyBad(u.deadLetter(source, position, payload));
      }
      throw e;
    }
  }
}
