package io.tradepulse.connect.common;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
 * duplicates, and a replaced file (a revised table) is read again. A revised payload whose dead letters are those the
 * version before sent leaves them out ({@link #leaveOut}).
 *
 * <p>Payloads are streamed, never held whole: a Comext bulk file is a gigabyte and more. A check first reads
 * the file once for its digest (an http(s) body is first downloaded to a temporary file); only if there is
 * something to emit is it opened again and parsed lazily ({@link #open}), and each {@link #nextRecords()} call
 * builds at most {@code batch.max.records} records. The open parse of a location stays open across calls
 * until the location is done or the task stops.
 *
 * <p>Re-checks do not read what has not changed: every {@code poll.interval.ms} each location is checked again, and
 * reading a few dozen bulk files of a gigabyte each, or downloading them again from Eurostat, only to find the same
 * digest every hour wastes disks and abuses public servers. A digest is therefore reused, without reading, while a
 * local file keeps the {@link FileStamp} (size, mtime, inode, ctime) it had when the digest was taken, and an
 * http(s) location is asked with If-None-Match / If-Modified-Since and answers 304 ({@link HttpValidators}).
 *
 * <p>A server that asks, with a Retry-After beyond http.backoff.max.ms, not to be called for hours holds up only its
 * own locations: the locations are read one at a time on the task's one thread, so sleeping through that wait (as an
 * API task does) would leave every other location, local files and other servers, unread meanwhile. The fetcher puts
 * such a wait off instead ({@link RetryingFetcher.LongWaits#PUT_OFF}) and the location is checked again at the time
 * the server asked for, with its offset as it was: nothing is skipped.
 */
public abstract class LocationSourceTask<C extends TradeSourceConfig> extends TradeSourceTask<C> {
  private final Map<String, FileOffset> state = new LinkedHashMap<>();
  private final Map<String, Instant> nextCheck = new LinkedHashMap<>();
  /** Failed checks of a location in a row, for the backoff of its next check ({@link #retrySoon}). */
  private final Map<String, Integer> failures = new HashMap<>();
  /**
   * Locations put off until the time their server asked for ({@link ServerWaitException}): the earliest is shown in
   * {@code quota-wait-until}, and while any waits the task is not caught up ({@link #waiting()}).
   */
  private final Map<String, Instant> putOff = new HashMap<>();
  /** With http.retry.after.long=FAIL, the long waits heard, thrown once the other locations are read ({@link #refuse}). */
  private final List<LongRetryAfterException> refusals = new java.util.ArrayList<>();
  /**
   * Per location, what it looked like when its digest was last taken, to reuse that digest at the next check.
   *
   * <p>Kept in memory only, not in the source offset, so the first check after a (re)start reads or downloads each
   * location once, as every check did before. Persisting it would save that one read but: a file's stamp (inode,
   * device, ctime) describes one host's file system, while offsets are shared by the cluster and Connect moves tasks
   * between workers, where the same path is another copy, and size and mtime alone, compared across hosts, are the
   * weakest form of the check; and an offset is only written with a record, so for exactly the locations this
   * saves (unchanged ones) a stored stamp could never be refreshed: after one {@code touch} it would be stale for
   * good and every restart would read anyway. Offsets stay as they were (old and new releases read each other's).
   */
  private final Map<String, Known> known = new HashMap<>();
  /** Local files left for a later check because they were still being written ({@link #settleTime}), logged once. */
  private final java.util.Set<String> settling = new java.util.HashSet<>();
  private RetryingFetcher fetcher;
  private Cursor cursor; // the location being emitted, if any

  /**
   * How long a local file whose last line has no line break must have gone unmodified before it is read; ZERO (the
   * default) reads whatever a file holds when it is checked. A writer that does not write-then-rename leaves the
   * file, while it writes, ending mid-line, and the cut last value (1234 of 123456) would go out as a figure: with a
   * settle time, such a file, and one that changes while it is checked, is left for a later check (nothing is
   * emitted from it, nothing is lost), and what is emitted is never read past the size the file had when checked.
   */
  protected Duration settleTime() {
    return Duration.ZERO;
  }

  /**
   * The version of the sequence of items {@link #open} makes of a payload; 0 (the default) for a source whose sequence
   * has not changed between releases. An offset taken mid-payload counts items ({@code rows_done}): a release whose
   * parser makes one item more or fewer ahead of that point for the same payload (a row that was a dead letter is no
   * item any more) resumed one item off, skipping an item never sent or sending one twice. Offsets taken mid-payload
   * carry the version ({@value #ITEMS_VERSION}); one of another version (absent: of an earlier release) is read again
   * from the start of its payload instead, which at worst sends its first items once more.
   */
  protected int itemsVersion() {
    return 0;
  }

  /** The offset key of {@link #itemsVersion()}, in offsets taken mid-payload only. */
  static final String ITEMS_VERSION = "items_version";

  protected abstract List<String> locations();

  protected abstract String sourceName();

  /** Whole-document parse; the default {@link #open} uses it (small payloads such as GACC tables). */
  protected abstract Parsed parse(byte[] payload, String location);

  /**
   * The items of a payload, produced lazily. Sources whose payloads can be large override this with a
   * streaming parser; the default reads the payload into memory and {@link #parse}s it.
   */
  protected ItemStream open(Payload payload, String location) throws IOException {
    byte[] bytes;
    try (InputStream in = payload.open()) {
      bytes = in.readAllBytes();
    }
    try {
      return ItemStream.of(parse(bytes, location));
    } catch (RuntimeException e) {
      // A payload the parser trips over must be parked, not thrown: an exception here fails the task, and it would
      // fail again on the same payload at every restart, the locations after it never read.
      log.error("Cannot parse {}: the whole payload goes to the dead-letter topic", location, e);
      return ItemStream.of(Parsed.whollyBad(BadRow.wholePayload("Cannot parse the payload: " + e.getMessage(),
          e.getClass().getName(), location, "payload", bytes)));
    }
  }

  protected Map<String, String> partition(String location) {
    return SourcePartitions.of("source", sourceName(), "location", location);
  }

  @Override
  protected void startTask(Map<String, String> props) {
    fetcher = retryingFetcher(RetryingFetcher.LongWaits.PUT_OFF);
    for (String loc : locations()) {
      Map<String, Object> stored = storedOffset(partition(loc));
      FileOffset off = FileOffset.fromMap(stored);
      if (!off.complete() && off.rowsDone() > 0 && !sameItems(stored)) {
        // Its dead letters are sent too: which of them to leave out was decided from that release's items.
        log.info("{} location {} was left after {} items by a release whose items of it may differ: read again from "
            + "the start of its payload", sourceName(), loc, off.rowsDone());
        off = new FileOffset(0, off.digest(), false, off.revision(), "", "");
      }
      state.put(loc, off);
      nextCheck.put(loc, Instant.MIN);
      log.info("{} location {} resumes at {}", sourceName(), loc, off);
    }
  }

  /** Whether an offset taken mid-payload counts the items this release makes ({@link #itemsVersion()}). */
  private boolean sameItems(Map<String, ?> stored) {
    Object v = stored.get(ITEMS_VERSION);
    return v == null ? itemsVersion() == 0 : v instanceof Number n && n.intValue() == itemsVersion();
  }

  /** {@code off} as stored: mid-payload, with the version of the items it counts. */
  private Map<String, Object> toMap(FileOffset off) {
    Map<String, Object> m = off.toMap();
    if (off.complete() || itemsVersion() == 0) {
      return m; // a complete offset is resumed by its digest alone; version 0 offsets stay as earlier releases wrote
    }
    Map<String, Object> versioned = new HashMap<>(m);
    versioned.put(ITEMS_VERSION, itemsVersion());
    return Map.copyOf(versioned);
  }

  @Override
  protected boolean exhausted() {
    return cursor == null && state.values().stream().allMatch(FileOffset::complete);
  }

  /**
   * A location put off for its server, or a local file left for a later check because it is still being written
   * ({@link #leaveWhileWritten}): either holds back what the task will read, so it is neither caught up nor done
   * meanwhile. A file left so was once not counted: {@code tradepulse ingest --follow} said "caught up" while it was
   * pending, and a run resuming a file completely read before (its offset complete) was done at once while the file's
   * new version was being written, without it.
   */
  @Override
  protected boolean waiting() {
    return !putOff.isEmpty() || !settling.isEmpty();
  }

  @Override
  protected List<SourceRecord> emitOpenPayload() throws InterruptedException {
    return cursor == null ? List.of() : emit();
  }

  @Override
  protected List<SourceRecord> nextRecords() throws InterruptedException {
    Instant now = clock.instant();
    for (Map.Entry<String, FileOffset> e : state.entrySet()) {
      String loc = e.getKey();
      if (now.isBefore(nextCheck.get(loc))) {
        continue;
      }
      if (putOff.remove(loc) != null) {
        showWait();
      }
      try {
        if (!check(loc, e.getValue())) {
          continue;
        }
      } catch (ServerWaitException wait) {
        putOff(loc, wait);
        continue; // the other locations go on
      } catch (LongRetryAfterException refused) {
        refuse(loc, refused);
        continue; // the task fails, but only once the other locations have nothing more to give
      } catch (RuntimeException ex) {
        retrySoon(loc);
        throw ex;
      }
      List<SourceRecord> out = emit();
      if (!out.isEmpty()) {
        return out;
      }
    }
    if (!refusals.isEmpty()) {
      throw refusal();
    }
    return List.of();
  }

  /**
   * With http.retry.after.long=FAIL, a server asked for a wait beyond http.backoff.max.ms while {@code loc} was checked:
   * the task is to fail (a one-shot ingest then says when to run again), but not before its other locations, local files
   * and other servers, have given what they have now: failing at once left them unread until the next run, and the
   * locations after the waiting one were never read while that server kept asking. Its other locations on that server
   * are put off without a call ({@link RetryingFetcher}), and nothing of {@code loc} is skipped: its offset is where it
   * was.
   */
  private void refuse(String loc, LongRetryAfterException refused) {
    refusals.add(refused);
    nextCheck.put(loc, refused.callAgainAt());
    log.info("{}: {} asked not to be called before {}; the task fails (http.retry.after.long=FAIL) once its other "
        + "locations are read", loc, refused.server(), refused.callAgainAt());
  }

  /** The refusal to fail with: the one whose server may be called again first, the others attached (suppressed). */
  private LongRetryAfterException refusal() {
    List<LongRetryAfterException> all = new java.util.ArrayList<>(refusals);
    refusals.clear();
    all.sort(java.util.Comparator.comparing(LongRetryAfterException::callAgainAt));
    LongRetryAfterException first = all.get(0);
    all.subList(1, all.size()).forEach(first::addSuppressed);
    return first;
  }

  /**
   * Checks one location that is due: reads it (or finds it unchanged) and opens it as the {@link #cursor} when there
   * is something to emit. Only a check that succeeded puts the next one poll.interval.ms away; a failed one is
   * retried after {@link #retrySoon}, not an hour later.
   *
   * @return whether the location was opened
   */
  private boolean check(String loc, FileOffset off) throws InterruptedException {
    Snapshot snap = read(loc, off);
    if (snap == null) {
      settling.remove(loc); // gone (or a 304): nothing of it is pending any more
      checked(loc);
      return false;
    }
    boolean opened = false;
    try {
      String digest = snap.digest();
      if (snap.stillBeingWritten()) {
        leaveWhileWritten(loc);
        return false;
      }
      settling.remove(loc);
      boolean same = digest.equals(off.digest());
      if (same && off.complete()) {
        checked(loc);
        return false;
      }
      if (!same && off.complete()) {
        log.info("{} changed (new digest {}): re-reading it from the start", loc, digest);
      }
      cursor = new Cursor(loc, snap, digest, same ? off.rowsDone() : 0, off.revisionOf(digest),
          leaveOut(loc, snap, off, same), same ? off.deadLettersSent() : "");
      opened = true;
      checked(loc);
      return true;
    } catch (IOException ex) {
      throw new RetriableException("Cannot read " + loc, ex);
    } finally {
      if (!opened) {
        snap.close();
      }
    }
  }

  /**
   * Whether the payload about to be emitted leaves its dead letters out, and if so their fingerprint; else null (they
   * are sent). A re-published file, GACC table or bulk file is re-emitted whole, and its bad rows (an unknown country,
   * a confidential partner code) are usually the same as in the version before: sending them at every revision fills
   * trade.dlq with copies that no one needs and that alerting on dead letters would report again. So a revision whose
   * dead letters have the same fingerprint as the complete version before leaves them all out; one whose dead letters
   * differ in any way sends them all (which of them were sent is not kept: a bulk file can have thousands).
   *
   * <p>The dead letters must be known before the first row goes out, and a location is streamed, so the revision is
   * parsed once more for them first: only when the version before had dead letters, i.e. only where there is something
   * to leave out. A resumed payload goes on as it began (its offset says which). A version before that was not emitted
   * to its end (changed while it was read, or an offset of an earlier release) has no fingerprint: the revision sends.
   */
  private String leaveOut(String loc, Snapshot snap, FileOffset off, boolean same) throws IOException {
    if (same) {
      return off.deadLetters().isEmpty() ? null : off.deadLetters();
    }
    if (!off.complete() || off.deadLetters().isEmpty()) {
      return null;
    }
    Digests.Unordered found = Digests.unordered();
    try (ItemStream items = open(snap, loc)) {
      for (ParsedItem i = items.next(); i != null; i = items.next()) {
        if (i instanceof BadRow bad) {
          found.add(bad.content());
        }
      }
    } catch (RuntimeException e) {
      // Not this pass's to fail on: the emission reads the payload again and fails (or dead-letters it) as it always
      // did; meanwhile the dead letters are sent, which loses nothing.
      log.debug("{}: cannot read its dead letters ahead of the emission; they are sent", loc, e);
      return null;
    }
    if (found.count() > 0 && found.finish().equals(off.deadLetters())) {
      log.info("{}: its {} dead letters are those the version before sent (fingerprint {}): left out", loc,
          found.count(), off.deadLetters());
      return off.deadLetters();
    }
    return null;
  }

  /**
   * {@code loc} is still being written: not read now (its offset stays as it was), checked again after the settle
   * time (or poll.interval.ms, if sooner). One INFO per location until it is read; a writer that takes minutes would
   * otherwise log at every check.
   */
  private void leaveWhileWritten(String loc) {
    Duration settle = settleTime();
    if (settling.add(loc)) {
      log.info("{} is still being written (it changed while it was checked, or its last line has no line break and "
          + "it was modified less than {} ms ago): left for a later check", loc, settle.toMillis());
    } else {
      log.debug("{} is still being written: left for a later check", loc);
    }
    failures.remove(loc);
    nextCheck.put(loc, clock.instant().plus(settle.compareTo(config.pollInterval()) < 0 ? settle
        : config.pollInterval()));
  }

  /**
   * {@code loc} changed while it was emitted: it is being written, so it is pending like a file left for a later check
   * ({@link #waiting()}), and checked again after the settle time (http.backoff.initial.ms without one), or
   * poll.interval.ms if sooner. Its next check was poll.interval.ms away (an hour by default), so a one-shot ingest,
   * which waits for the file to be read to its end, ran into its --timeout while the WARN said it would be read again.
   */
  private void readAgainSoon(String loc) {
    settling.add(loc);
    Duration settle = settleTime();
    Duration wait = settle.isZero() ? config.backoff().delay(0) : settle;
    nextCheck.put(loc, clock.instant().plus(wait.compareTo(config.pollInterval()) < 0 ? wait : config.pollInterval()));
  }

  /** A check of {@code loc} succeeded: the next is due poll.interval.ms from now. */
  private void checked(String loc) {
    failures.remove(loc);
    nextCheck.put(loc, clock.instant().plus(config.pollInterval()));
  }

  /**
   * {@code loc}'s server asked not to be called before a time beyond http.backoff.max.ms: it is checked again then (a
   * successful check, or a failed one, would put its next check sooner), and the other locations go on meanwhile.
   */
  private void putOff(String loc, ServerWaitException wait) {
    Instant at = wait.callAgainAt();
    nextCheck.put(loc, at);
    putOff.put(loc, at);
    showWait();
    log.info("{} is checked again at {}, when {} may be called again; the task's other locations go on meanwhile",
        loc, at, wait.server());
  }

  /**
   * {@code quota-wait-until}: the earliest time a location put off is checked again, 0 when none is. The task as a
   * whole is not waiting (its other locations are read), but an operator who sees it deliver nothing from a location
   * asks the same question as of a waiting API task, and its WARN names the location's server.
   */
  private void showWait() {
    putOff.values().stream().min(Instant::compareTo)
        .ifPresentOrElse(metrics::retryAfterWait, metrics::quotaWaitOver);
  }

  /**
   * Reading {@code loc} failed (the worker polls again after the RetriableException): it is checked again after the
   * retry backoff (http.backoff.initial.ms, doubling per failure in a row, at most http.backoff.max.ms and never later
   * than a successful check would be), so a passing fault costs seconds, not poll.interval.ms of an hour.
   */
  private void retrySoon(String loc) {
    int n = failures.merge(loc, 1, Integer::sum);
    Duration wait = config.backoff().delay(n - 1);
    nextCheck.put(loc, clock.instant().plus(wait.compareTo(config.pollInterval()) < 0 ? wait : config.pollInterval()));
  }

  /**
   * A figure of a re-published payload carries the payload's revision ({@link FileOffset#revision}), so that it ranks
   * above the figure it corrects downstream even when both carry the same release date.
   */
  private static ParsedItem revised(ParsedItem item, int revision) {
    return item instanceof TradeRow t && revision > t.revision() ? t.withRevision(revision) : item;
  }

  /** Up to batch.max.records records of the open location; closes it (and records it as complete) at its end. */
  private List<SourceRecord> emit() {
    Cursor c = cursor;
    try {
      List<SourceRecord> out = c.items.next(config.batchMax(), (item, rowsDone, last) -> {
        if (item instanceof BadRow bad && !c.deadLetter(bad)) {
          return null;
        }
        return records.create(c.partition, toMap(c.offset(rowsDone, last)), revised(item, c.revision),
            c.items.publishedAt());
      });
      c.returned();
      if (c.items.ended()) {
        metrics.skipped(c.items.skipped());
        finished(c.location, c.items.index(), c.items.skipped());
        boolean unchanged = c.snapshot.unchangedSinceDigest();
        if (!unchanged) {
          // The file was replaced while it was being read: what was emitted may mix two versions. Leaving the
          // location incomplete makes the next check see the new digest and re-read it from the start.
          log.warn("{} changed while it was being read; it will be read again from the start", c.location);
          readAgainSoon(c.location);
        }
        state.put(c.location, c.offset(c.items.index(), unchanged));
        closeOpenPayload();
      } else {
        state.put(c.location, c.offset(c.items.index(), false));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      // Read again from the start on the next check, soon, skipping the items of the batches already returned.
      state.put(c.location, c.resumeOffset());
      retrySoon(c.location);
      throw openPayloadFailed(e, c.location);
    }
  }

  /**
   * Called once a location has been read to its end, with what it gave: items (records and dead letters) and rows
   * intentionally left out. Default: nothing.
   */
  protected void finished(String location, long items, int skipped) {
  }

  @Override
  protected void closeOpenPayload() {
    Cursor c = cursor;
    cursor = null;
    if (c != null) {
      c.items.closeQuietly(log, c.location); // and the snapshot: a download is deleted
    }
  }

  /**
   * @return the payload at {@code loc} ready to be read (twice), or null when there is none yet or, for an http(s)
   *     location, when the server said it has not changed since it was completely emitted (304)
   */
  private Snapshot read(String loc, FileOffset off) throws InterruptedException {
    if (loc.startsWith("http://") || loc.startsWith("https://")) {
      return download(loc, off);
    }
    Path file = Path.of(loc);
    try {
      // Wall-clock time, not the task's clock: it is compared with the file system's times (FileStamp#settledAt).
      Instant takenAt = Instant.now();
      return new Snapshot(loc, file, FileStamp.of(file), takenAt);
    } catch (NoSuchFileException e) {
      log.warn("{} does not exist (yet); will look again in {}", loc, config.pollInterval());
      return null;
    } catch (IOException e) {
      throw new RetriableException("Cannot read " + loc, e);
    }
  }

  /** The body of an http(s) location in a temporary file (deleted when the location is done or not needed). */
  private Snapshot download(String loc, FileOffset off) throws InterruptedException {
    Known k = known.get(loc);
    // Conditional only when a 304 leaves nothing to do: the location was completely emitted from the body these
    // validators came with. A location to resume or re-read needs the body whatever the server thinks of it.
    boolean conditional = k != null && k.http() != null && off.complete() && k.digest().equals(off.digest());
    Map<String, String> headers = conditional ? k.http().conditionalHeaders() : Map.of();
    HttpBody body = HttpBody.fetch(fetcher, URI.create(loc), headers, loc, sourceName());
    boolean keep = false;
    try {
      if (conditional && body.status() == 304) {
        log.debug("{} not modified (304): digest {} stands", loc, k.digest());
        return null;
      }
      if (body.isNoData()) {
        return null;
      }
      if (body.status() != 200) {
        throw new ConnectException("HTTP " + body.status() + " for " + loc);
      }
      keep = true;
      return new Snapshot(loc, body);
    } finally {
      if (!keep) {
        body.close();
      }
    }
  }

  /**
   * What a location looked like when its digest was taken: the local file's stamp, or the download's validators
   * (exactly one of them). While the location still looks so, the digest stands without reading it.
   */
  private record Known(String digest, FileStamp file, HttpValidators http) {}

  /** A payload on disk: a local file, or the temporary copy of a download. */
  private final class Snapshot implements Payload, Closeable {
    final String location;
    final Payload payload;
    final Path local; // null for a download
    final FileStamp before; // of a local file when first seen, before its digest was taken
    final Instant stampedAt; // when that stamp was taken (wall clock)
    final HttpBody download; // null for a local file

    Snapshot(String location, Path local, FileStamp before, Instant stampedAt) {
      this.location = location;
      this.payload = Payload.of(local);
      this.local = local;
      this.before = before;
      this.stampedAt = stampedAt;
      this.download = null;
    }

    Snapshot(String location, HttpBody download) { // ours alone: nobody replaces it while it is read
      this.location = location;
      this.payload = download;
      this.local = null;
      this.before = null;
      this.stampedAt = null;
      this.download = download;
    }

    /**
     * Every byte read from the payload, for its digest or its parse, counts in {@code payload-bytes-read-total}. With
     * a settle time, a local file is read only up to the size it had when checked: rows a writer appends while it is
     * emitted (the last one perhaps cut mid-value) are not read; the end of the emission notices the change and the
     * file is read again from the start ({@link #emit}).
     */
    @Override
    public InputStream open() throws IOException {
      InputStream in = payload.open();
      if (local != null && !settleTime().isZero()) {
        in = new BoundedInputStream(in, before.size());
      }
      return new CountingInputStream(in, metrics);
    }

    /**
     * Whether a local file looks still written to ({@link #settleTime}): it changed since it was stamped (while its
     * digest was taken), or its last byte is no line break and it was modified less than the settle time ago. Never
     * for a download or without a settle time.
     */
    boolean stillBeingWritten() {
      Duration settle = settleTime();
      if (local == null || settle.isZero()) {
        return false;
      }
      if (!unchangedSinceDigest()) {
        return true;
      }
      // Wall-clock time, as in read(): it is compared with the file system's mtime.
      return !endsWithLineBreak() && before.modified().toInstant().isAfter(Instant.now().minus(settle));
    }

    /** Whether the file's last byte, as of its stamp, is a line break (false for an empty or unreadable file). */
    private boolean endsWithLineBreak() {
      if (before.size() == 0) {
        return false;
      }
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(local)) {
        java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
        if (ch.read(last, before.size() - 1) != 1) {
          return false;
        }
        return last.get(0) == '\n' || last.get(0) == '\r';
      } catch (IOException e) {
        return false;
      }
    }

    /**
     * The payload's digest: the one taken before when a local file still has the stamp it had then (no read),
     * else computed by reading the payload through, and remembered with what makes it reusable.
     */
    String digest() throws IOException {
      Known k = known.get(location);
      if (local != null && k != null && before.equals(k.file())) {
        log.debug("{} has the size, modification time and identity it had when its digest {} was taken: not read",
            location, k.digest());
        return k.digest();
      }
      String digest;
      try (InputStream in = open()) {
        digest = Digests.of(in);
      }
      // The stamp taken BEFORE reading: a change during the read gives the file another stamp, so the next check
      // cannot take this digest for the changed content.
      if (local != null && before.settledAt(stampedAt)) {
        known.put(location, new Known(digest, before, null));
      } else if (download != null && !download.validators().isEmpty()) {
        known.put(location, new Known(digest, null, download.validators()));
      } else {
        known.remove(location);
      }
      return digest;
    }

    /**
     * Whether a local file still has the stamp it had before its digest was taken. Besides size and mtime, the
     * file key and ctime notice a file replaced by rename, or rewritten, with the same size and mtime.
     */
    boolean unchangedSinceDigest() {
      if (local == null) {
        return true;
      }
      try {
        return FileStamp.of(local).equals(before);
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

  /** Ends after {@code limit} bytes, whatever follows them. */
  private static final class BoundedInputStream extends FilterInputStream {
    private long left;

    BoundedInputStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return len == 0 ? 0 : -1;
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(Math.min(n, left));
      left -= skipped;
      return skipped;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(super.available(), left);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  /** Counts the bytes read through it. */
  private static final class CountingInputStream extends FilterInputStream {
    private final IngestMetrics metrics;

    CountingInputStream(InputStream in, IngestMetrics metrics) {
      super(in);
      this.metrics = metrics;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        metrics.payloadBytesRead(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        metrics.payloadBytesRead(n);
      }
      return n;
    }
  }

  /** The open parse of one location. */
  private final class Cursor {
    final String location;
    final Snapshot snapshot;
    final String digest;
    final Map<String, String> partition;
    final PayloadCursor items;
    final int revision; // see FileOffset#revision
    /** The fingerprint of the dead letters left out (see {@link #leaveOut}), or null when they are sent. */
    final String leaveOut;
    /** The dead letters sent so far (when they are sent), and their state when the last batch was handed out. */
    final Digests.Unordered sent;
    String sentWhenReturned;

    Cursor(String location, Snapshot snapshot, String digest, long skip, int revision, String leaveOut,
        String sentBefore) throws IOException {
      this.location = location;
      this.revision = revision;
      this.snapshot = snapshot;
      this.digest = digest;
      this.partition = partition(location);
      this.leaveOut = leaveOut;
      this.sent = leaveOut == null ? Digests.resume(sentBefore) : null;
      this.sentWhenReturned = sentBefore;
      this.items = new PayloadCursor(LocationSourceTask.this.open(snapshot, location), snapshot, skip);
    }

    /** Whether {@code bad} goes out (counted into the fingerprint of those sent); the INFO of leaveOut said why not. */
    boolean deadLetter(BadRow bad) {
      if (leaveOut != null) {
        return false;
      }
      sent.add(bad.content());
      return true;
    }

    /** The offset after {@code rowsDone} items: complete, it keeps the fingerprint of every dead letter of the payload. */
    FileOffset offset(long rowsDone, boolean complete) {
      if (leaveOut != null) {
        return new FileOffset(rowsDone, digest, complete, revision, leaveOut, "");
      }
      if (sent.count() == 0) {
        return new FileOffset(rowsDone, digest, complete, revision, "", "");
      }
      return complete ? new FileOffset(rowsDone, digest, true, revision, sent.finish(), "")
          : new FileOffset(rowsDone, digest, false, revision, "", sent.state());
    }

    /** A batch was handed out. */
    void returned() {
      sentWhenReturned = sent == null ? "" : sent.state();
    }

    /** Where a new read resumes after a failed batch: past the batches handed out, with their dead letters. */
    FileOffset resumeOffset() {
      Digests.Unordered before = Digests.resume(sentWhenReturned);
      return leaveOut != null ? new FileOffset(items.resumePoint(), digest, false, revision, leaveOut, "")
          : new FileOffset(items.resumePoint(), digest, false, revision, "", before.count() == 0 ? "" : before.state());
    }
  }
}
