package io.tradepulse.connect.common;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Base for sources that are whole documents at known locations (local files or http(s) URLs): GACC
 * tables, Comext bulk files, generic CSV/JSON. One source partition per location; the offset remembers
 * the payload fingerprint and how many rows were emitted, so a restart resumes mid-file without
 * duplicates, and a replaced file (a revised table) is read again.
 *
 * <p>Payloads are streamed, never held whole: a Comext bulk file is a gigabyte and more. A check first reads
 * the file once for its digest (an http(s) body is first downloaded to a temporary file); only if there is
 * something to emit is it opened again and parsed lazily ({@link #open}), and each {@link #nextRecords()} call
 * builds at most {@code batch.max.records} records. The open parse of a location stays open across calls
 * until the location is done or the task stops.
 */
public abstract class LocationSourceTask<C extends TradeSourceConfig> extends TradeSourceTask<C> {
  private final Map<String, FileOffset> state = new LinkedHashMap<>();
  private final Map<String, Instant> nextCheck = new LinkedHashMap<>();
  private RetryingFetcher fetcher;
  private Cursor cursor; // the location being emitted, if any

  protected abstract List<String> locations();

  protected abstract String sourceName();

  /** Whole-document parse; the default {@link #open} uses it (small payloads such as GACC tables). */
  protected abstract Parsed parse(byte[] payload, String location);

  /**
   * The items of a payload, produced lazily. Sources whose payloads can be large override this with a
   * streaming parser; the default reads the payload into memory and {@link #parse}s it.
   */
  protected ItemStream open(Payload payload, String location) throws IOException {
    try (InputStream in = payload.open()) {
      return ItemStream.of(parse(in.readAllBytes(), location));
    }
  }

  protected Map<String, String> partition(String location) {
    return SourcePartitions.of("source", sourceName(), "location", location);
  }

  @Override
  protected void startTask(Map<String, String> props) {
    fetcher = retryingFetcher();
    for (String loc : locations()) {
      FileOffset off = FileOffset.fromMap(storedOffset(partition(loc)));
      state.put(loc, off);
      nextCheck.put(loc, Instant.MIN);
      log.info("{} location {} resumes at {}", sourceName(), loc, off);
    }
  }

  @Override
  protected boolean exhausted() {
    return cursor == null && state.values().stream().allMatch(FileOffset::complete);
  }

  @Override
  // synchronized with stop(): Connect calls stop() from another thread, possibly while poll() reads the open
  // location; closing its stream under the reader would fail that read. stop() waits for the batch instead.
  protected synchronized List<SourceRecord> nextRecords() throws InterruptedException {
    if (stopSignal.isStopped()) {
      return List.of(); // stop() ran while this call waited for the lock: open nothing it would not close
    }
    if (cursor != null) {
      List<SourceRecord> out = emit();
      if (!out.isEmpty()) {
        return out;
      }
    }
    Instant now = clock.instant();
    for (Map.Entry<String, FileOffset> e : state.entrySet()) {
      String loc = e.getKey();
      if (now.isBefore(nextCheck.get(loc))) {
        continue;
      }
      nextCheck.put(loc, now.plus(config.pollInterval()));
      Snapshot snap = read(loc);
      if (snap == null) {
        continue;
      }
      FileOffset off = e.getValue();
      boolean opened = false;
      try {
        String digest = snap.digest();
        boolean same = digest.equals(off.digest());
        if (same && off.complete()) {
          continue;
        }
        if (!same && off.complete()) {
          log.info("{} changed (new digest {}): re-reading it from the start", loc, digest);
        }
        cursor = new Cursor(loc, snap, digest, same ? off.rowsDone() : 0);
        opened = true;
      } catch (IOException ex) {
        throw new RetriableException("Cannot read " + loc, ex);
      } finally {
        if (!opened) {
          snap.close();
        }
      }
      List<SourceRecord> out = emit();
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  /** Up to batch.max.records records of the open location; closes it (and records it as complete) at its end. */
  private List<SourceRecord> emit() {
    Cursor c = cursor;
    try {
      List<SourceRecord> out = c.items.next(config.batchMax(), (item, rowsDone, last) -> records.create(c.partition,
          new FileOffset(rowsDone, c.digest, last).toMap(), item, c.items.publishedAt()));
      if (c.items.ended()) {
        metrics.skipped(c.items.skipped());
        boolean unchanged = c.snapshot.unchangedSinceDigest();
        if (!unchanged) {
          // The file was replaced while it was being read: what was emitted may mix two versions. Leaving the
          // location incomplete makes the next check see the new digest and re-read it from the start.
          log.warn("{} changed while it was being read; it will be read again from the start", c.location);
        }
        state.put(c.location, new FileOffset(c.items.index(), c.digest, unchanged));
        closeCursor();
      } else {
        state.put(c.location, new FileOffset(c.items.index(), c.digest, false));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      // Read again from the start on the next check, skipping the items of the batches already returned.
      state.put(c.location, new FileOffset(c.items.resumePoint(), c.digest, false));
      closeCursor();
      if (e instanceof IOException) {
        throw new RetriableException("Cannot read " + c.location, e);
      }
      throw (RuntimeException) e;
    }
  }

  private void closeCursor() {
    Cursor c = cursor;
    cursor = null;
    if (c != null) {
      try {
        c.items.close(); // and the snapshot: a download is deleted
      } catch (IOException e) {
        log.warn("Cannot close the reader of {}", c.location, e);
      }
    }
  }

  @Override
  public void stop() {
    super.stop(); // first, outside the lock: a poll() that has not reached nextRecords() yet then opens nothing
    synchronized (this) {
      closeCursor();
    }
  }

  /** @return the payload at {@code loc} ready to be read (twice), or null when there is none yet */
  private Snapshot read(String loc) throws InterruptedException {
    if (loc.startsWith("http://") || loc.startsWith("https://")) {
      return download(loc);
    }
    Path file = Path.of(loc);
    try {
      return new Snapshot(file, Files.readAttributes(file, BasicFileAttributes.class));
    } catch (NoSuchFileException e) {
      log.warn("{} does not exist (yet); will look again in {}", loc, config.pollInterval());
      return null;
    } catch (IOException e) {
      throw new RetriableException("Cannot read " + loc, e);
    }
  }

  /** The body of an http(s) location in a temporary file (deleted when the location is done or not needed). */
  private Snapshot download(String loc) throws InterruptedException {
    HttpBody body = HttpBody.fetch(fetcher, URI.create(loc), Map.of(), loc, sourceName());
    boolean keep = false;
    try {
      if (body.isNoData()) {
        return null;
      }
      if (body.status() != 200) {
        throw new ConnectException("HTTP " + body.status() + " for " + loc);
      }
      keep = true;
      return new Snapshot(body);
    } finally {
      if (!keep) {
        body.close();
      }
    }
  }

  /** A payload on disk: a local file, or the temporary copy of a download. */
  private final class Snapshot implements Payload, Closeable {
    final Payload payload;
    final Path local; // null for a download
    final BasicFileAttributes before; // of a local file when first seen
    final HttpBody download; // null for a local file

    Snapshot(Path local, BasicFileAttributes before) {
      this.payload = Payload.of(local);
      this.local = local;
      this.before = before;
      this.download = null;
    }

    Snapshot(HttpBody download) { // ours alone: nobody replaces it while it is read
      this.payload = download;
      this.local = null;
      this.before = null;
      this.download = download;
    }

    @Override
    public InputStream open() throws IOException {
      return payload.open();
    }

    String digest() throws IOException {
      try (InputStream in = open()) {
        return Digests.of(in);
      }
    }

    /** Whether a local file still has the size and modification time it had before its digest was taken. */
    boolean unchangedSinceDigest() {
      if (local == null) {
        return true;
      }
      try {
        BasicFileAttributes now = Files.readAttributes(local, BasicFileAttributes.class);
        return now.size() == before.size() && now.lastModifiedTime().equals(before.lastModifiedTime());
      } catch (IOException e) {
        return false;
      }
    }

    /** Deletes a download; a local file stays. */
    @Override
    public void close() {
      if (download != null) {
        download.close();
      }
    }
  }

  /** The open parse of one location. */
  private final class Cursor {
    final String location;
    final Snapshot snapshot;
    final String digest;
    final Map<String, String> partition;
    final PayloadCursor items;

    Cursor(String location, Snapshot snapshot, String digest, long skip) throws IOException {
      this.location = location;
      this.snapshot = snapshot;
      this.digest = digest;
      this.partition = partition(location);
      this.items = new PayloadCursor(LocationSourceTask.this.open(snapshot, location), snapshot, skip);
    }
  }
}
