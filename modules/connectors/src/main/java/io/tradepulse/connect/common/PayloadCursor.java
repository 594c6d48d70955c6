package io.tradepulse.connect.common;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;

/**
 * The open parse of one payload, turned into records one batch at a time, so a task holds at most
 * {@code batch.max.records} built records instead of a whole payload's. It stays open across {@code poll()} calls
 * until the payload's last item is built; the owning task closes it then, or when it stops ({@code stop()} comes
 * from another thread in Connect: the task synchronizes it with the call that reads the cursor).
 *
 * <p>Items are counted in stream order, the order a source offset's {@code rows_done} counts: the first {@code skip}
 * items were delivered before a restart and are read past, not built. One item is read ahead, so the record of the
 * last item knows it is the last (its offset says the payload is complete).
 */
public final class PayloadCursor implements Closeable {
  /**
   * Builds the record of one item; its source offset says {@code rowsDone} items are done once it is delivered. Null
   * leaves the item out (a dead letter already on the dead-letter topic): it still counts in {@code rows_done}.
   */
  @FunctionalInterface
  public interface RecordMaker {
    SourceRecord make(ParsedItem item, long rowsDone, boolean last);
  }

  private final ItemStream items;
  private final Closeable payload;
  private final long skip;
  private ParsedItem lookahead;
  private boolean started;
  private long index; // items taken from the stream so far
  private long returned; // index after the last batch handed out

  /**
   * @param payload closed after the items (a temporary file to delete), or null
   * @param skip items delivered before, to read past
   */
  public PayloadCursor(ItemStream items, Closeable payload, long skip) {
    this.items = items;
    this.payload = payload;
    this.skip = skip;
  }

  /**
   * The next records, at most {@code max}; empty only once the payload has no more (then {@link #ended()}): items the
   * maker leaves out do not count against {@code max}, and the batch goes on past them.
   */
  public List<SourceRecord> next(int max, RecordMaker maker) throws IOException {
    List<SourceRecord> out = new ArrayList<>(Math.min(max, 1024));
    if (!started) {
      started = true;
      lookahead = items.next();
    }
    while (lookahead != null && out.size() < max) {
      ParsedItem item = lookahead;
      lookahead = items.next();
      index++;
      if (index > skip) {
        SourceRecord r = maker.make(item, index, lookahead == null);
        if (r != null) {
          out.add(r);
        }
      }
    }
    returned = index;
    return out;
  }

  /** Whether the last item has been built (or there was none). */
  public boolean ended() {
    return started && lookahead == null;
  }

  /** Items read so far: the {@code rows_done} of the last record built. */
  public long index() {
    return index;
  }

  /**
   * Where a new read of the same payload resumes after {@link #next} failed: past the items of the batches
   * already handed out (and of course past those skipped).
   */
  public long resumePoint() {
    return Math.max(returned, skip);
  }

  /** Rows the parser intentionally left out, complete once {@link #ended()}. */
  public int skipped() {
    return items.skipped();
  }

  /** The payload's publication time as its parser knows it ({@link ItemStream#publishedAt()}). */
  public long publishedAt() {
    return items.publishedAt();
  }

  /** {@link #close()}, logging a failure instead of throwing it: the task is done with the payload either way. */
  public void closeQuietly(Logger log, String what) {
    try {
      close();
    } catch (IOException e) {
      log.warn("Cannot close the payload of {}", what, e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      items.close();
    } finally {
      if (payload != null) {
        payload.close();
      }
    }
  }
}
