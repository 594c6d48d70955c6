package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.HttpBody;
import io.tradepulse.connect.common.MonthGaps;
import io.tradepulse.connect.common.PayloadCursor;
import io.tradepulse.connect.common.RetryingFetcher;
import io.tradepulse.connect.common.SourcePartitions;
import io.tradepulse.connect.common.TradeSourceTask;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Comext dissemination API (SDMX 2.1, SDMX-CSV), one source partition per reporter. Asks everything from
 * the cursor month on ({@code startPeriod}); the cursor moves past the newest month that had data.
 * HTTP 413 EXTRACTION_TOO_BIG switches the reporter to one month per call; a single month that is still too
 * big fails the task with the keys to narrow (partners, products), since retrying cannot help.
 *
 * <p>Revisions: Eurostat revises months after first publishing them. Once a reporter is caught up, every
 * comext.revision.check.interval.ms the task re-fetches the look-back window (comext.lookback.months before
 * the newest emitted month) and re-emits a month, all its rows, only when the fingerprint of its figures
 * changed. The fingerprint leaves out LAST UPDATE: it is dataset-wide and moves at every monthly update, so a
 * digest of the raw response would re-emit the whole window every month.
 *
 * <p>A response (one month of every partner and CN8 product is hundreds of thousands of rows) is never held whole:
 * its body goes to a temporary file, is read once for its digest and once through ({@link ComextParser#scanSdmx}:
 * what moves the cursor, every record's publication time and the month fingerprints, sorted on disk when large), and
 * its records are then built at most batch.max.records per poll, in response order for new months and, for a revised
 * month, in fingerprint order from the rows the scan kept. The response stays open across polls; a restart resumes
 * after the last delivered record, as before.
 */
public class ComextApiSourceTask extends TradeSourceTask<ComextConfig> {
  static final String REPORTERS_TASK_CONFIG = "comext.task.reporters";
  private static final ZoneId BRUSSELS = ZoneId.of("Europe/Brussels");

  /** Months of one look-back call. */
  private record Window(YearMonth from, YearMonth to) {}

  private final Map<String, ComextOffset> state = new LinkedHashMap<>();
  private final Map<String, Instant> nextCheck = new HashMap<>();
  private final Map<String, Deque<Window>> revisionQueue = new HashMap<>();
  private final Map<String, Boolean> singleMonth = new HashMap<>();
  private ComextParser parser;
  private RetryingFetcher fetcher;
  private OpenResponse open; // the response whose records are being built, if any

  @Override
  protected ComextConfig parseConfig(Map<String, String> props) {
    return new ComextConfig(props);
  }

  Map<String, String> partition(String reporter) {
    return SourcePartitions.of("source", "comext", "dataset", config.dataset(), "reporter", reporter,
        "partners", String.join(",", config.partners()), "products", String.join(",", config.products()),
        "flows", String.join(",", config.flows()));
  }

  @Override
  protected void startTask(Map<String, String> props) {
    revisionChecks.schedule(config.lookback() > 0, Duration.ofMillis(config.revisionIntervalMs()));
    parser = new ComextParser(ComextGeo.load(config.geoTable()),
        config.fxTable().isBlank() ? null : FxTable.load(config.fxTable(), config.fxCurrency()));
    fetcher = retryingFetcher();
    for (String r : props.getOrDefault(REPORTERS_TASK_CONFIG, String.join(",", config.reporters())).split(",")) {
      if (!r.isBlank()) {
        Map<String, Object> stored = storedOffset(partition(r));
        // The next look-back check counts from the last one, which the offset keeps: a restart does not put it off.
        revisionChecks.restore(partition(r), stored, clock.instant());
        ComextOffset off = ComextOffset.fromMap(stored, config.start());
        state.put(r, off);
        nextCheck.put(r, Instant.MIN);
        Deque<Window> queue = new ArrayDeque<>();
        if (off.revising() != null) {
          // A revised month was being re-emitted when the task stopped: finish it before anything else moves
          // the offset, otherwise its remaining rows would only come back with the next revision check.
          queue.add(new Window(off.revising(), off.revising()));
        }
        revisionQueue.put(r, queue);
        log.info("Comext reporter {} resumes at {}", r, off.toMap());
      }
    }
  }

  String url(String reporter, YearMonth from, YearMonth to) {
    List<String> flows = config.flows().stream().map(f -> f.equals("IMPORT") ? "1" : "2").toList();
    String key = "M." + reporter + "." + String.join("+", config.partners()) + "." + String.join("+", config.products())
        + "." + String.join("+", flows) + ".VALUE_IN_EUROS";
    return config.baseUrl() + "/" + config.dataset() + "/" + key + "?format=SDMX-CSV&startPeriod=" + from
        + (to == null ? "" : "&endPeriod=" + to);
  }

  @Override
  protected List<SourceRecord> emitOpenPayload() throws InterruptedException {
    return open == null ? List.of() : emit();
  }

  @Override
  protected List<SourceRecord> nextRecords() throws InterruptedException {
    Instant now = clock.instant();
    YearMonth lastPossible = YearMonth.from(now.atZone(BRUSSELS)).minusMonths(1);
    for (String reporter : state.keySet()) {
      List<SourceRecord> out = step(reporter, now, lastPossible);
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  /** One unit of work for one reporter: a queued look-back call, else new months, else a due revision check. */
  private List<SourceRecord> step(String reporter, Instant now, YearMonth lastPossible) throws InterruptedException {
    Deque<Window> queue = revisionQueue.get(reporter);
    if (!queue.isEmpty()) {
      return revise(reporter);
    }
    // Every look-back call of the check under way was answered and its changed months emitted whole (steps run only
    // once no response is open): the check is complete, and the records built from now on carry its time.
    revisionChecks.complete(partition(reporter));
    if (!now.isBefore(nextCheck.get(reporter)) && !state.get(reporter).next().isAfter(lastPossible)) {
      List<SourceRecord> out = newMonths(reporter, now, lastPossible);
      if (out == null) {
        return List.of(); // just switched to one month per call: that call comes on the next poll
      }
      if (!out.isEmpty()) {
        return out;
      }
    }
    // Caught up: past the last month that can be out, or its next month is not out yet (nextCheck pushed).
    ComextOffset off = state.get(reporter);
    boolean caughtUp = off.next().isAfter(lastPossible) || now.isBefore(nextCheck.get(reporter));
    if (caughtUp && revisionChecks.due(partition(reporter), now)) {
      revisionChecks.start(partition(reporter), now);
      Window w = lookbackWindow(off);
      if (w != null) {
        queue.add(w);
        return revise(reporter);
      }
    }
    return List.of();
  }

  /** A look-back check under way, or due (it starts once the reporter is caught up, see {@link #step}). */
  @Override
  protected boolean workDue() {
    Instant now = clock.instant();
    return state.keySet().stream()
        .anyMatch(r -> !revisionQueue.get(r).isEmpty() || revisionChecks.pending(partition(r), now));
  }

  /**
   * The look-back window of a reporter, null when nothing was emitted yet. Its end is the newest month with a
   * stored fingerprint; an offset written before the look-back existed has none, and then the month before the
   * cursor stands in (its months have no fingerprints, so they are re-emitted once: a duplicate with identical
   * figures is harmless, a missed revision is not). Months before comext.start.period are not ours.
   */
  private Window lookbackWindow(ComextOffset off) {
    YearMonth newest = off.newest() != null ? off.newest()
        : off.next().isAfter(config.start()) ? off.next().minusMonths(1) : null;
    if (newest == null) {
      return null;
    }
    YearMonth from = newest.minusMonths(config.lookback());
    return new Window(from.isBefore(config.start()) ? config.start() : from, newest);
  }

  /**
   * New months from the cursor on (the original ingestion path): fetches them and opens the response for
   * {@link #emit()}.
   *
   * @return the first records, empty when there was nothing new, null after switching to one month per call
   */
  private List<SourceRecord> newMonths(String reporter, Instant now, YearMonth lastPossible) throws InterruptedException {
    ComextOffset off = state.get(reporter);
    boolean single = singleMonth.getOrDefault(reporter, false);
    String url = url(reporter, off.next(), single ? off.next() : null);
    HttpBody body = HttpBody.fetch(fetcher, URI.create(url), Map.of("Accept", "text/csv"), url, "comext");
    ComextParser.SdmxScan scan = null;
    boolean opened = false;
    try {
      if (tooBig(body)) {
        if (single) {
          throw tooBigForOneMonth(off.next(), url);
        }
        log.warn("Comext answered EXTRACTION_TOO_BIG for {}: asking one month per call", url);
        singleMonth.put(reporter, true);
        return null;
      }
      scan = noData(body) ? null : scan(body, url, false);
      YearMonth newest = scan == null ? null : scan.newestFigure;
      YearMonth windowEnd = single ? off.next() : lastPossible;
      YearMonth next = newest != null ? newest.plusMonths(1)
          : MonthGaps.afterEmptyWindow(off.next(), windowEnd, lastPossible, config.publicationLagMonths());
      // Not out yet: ask again later. Applied once the response is done, so a failed read is retried at once.
      Instant recheckAt = newest == null && !next.isAfter(off.next()) ? now.plus(config.pollInterval()) : null;
      if (newest == null && recheckAt == null) {
        log.warn("Comext {}: no data for {}..{} {} months on; treating as never published", reporter, off.next(),
            next.minusMonths(1), config.publicationLagMonths());
      }
      // Fingerprints of the months just read, so that the first revision check does not re-emit them.
      ComextOffset done = off.advanced(next, scan == null ? Map.of() : scan.digests(), config.lookback());
      if (scan == null || scan.items == 0) {
        finished(reporter, done, recheckAt, scan == null ? 0 : scan.skipped);
        return List.of();
      }
      String digest = body.digest();
      long skip = off.revising() == null && digest.equals(off.digest()) ? off.rowsDone() : 0;
      Deque<Part> parts = new ArrayDeque<>();
      parts.add(new Part(new PayloadCursor(parser.openSdmx(body, url, scan.items), null, skip), off, done,
          rows -> off.rowDone(rows, digest)));
      open = new OpenResponse(reporter, url, body, scan, scan.publishedAt, scan.skipped, parts, recheckAt, null);
      opened = true;
    } catch (IOException e) {
      throw new RetriableException("Cannot read the response of " + url, e);
    } finally {
      if (!opened) {
        close(body, scan);
      }
    }
    return emit();
  }

  /**
   * The look-back call at the head of the reporter's queue: re-emits every month of its window whose
   * fingerprint differs from the stored one (or that has none), all of its items, in fingerprint order;
   * unchanged months emit nothing. Months absent from the answer keep their fingerprint: nothing can be
   * retracted, and they are compared again next time. The window leaves the queue only once answered, so a
   * failed call (RetriableException) is repeated on the next poll instead of waiting for the next interval; so is
   * a response whose temporary file fails while it is read.
   *
   * @return the first records of the changed months, empty when none changed
   */
  private List<SourceRecord> revise(String reporter) throws InterruptedException {
    ComextOffset off = state.get(reporter);
    Deque<Window> queue = revisionQueue.get(reporter);
    Window w = queue.peek();
    if (singleMonth.getOrDefault(reporter, false) && !w.from().equals(w.to())) {
      queueMonthByMonth(reporter, queue.poll());
      w = queue.peek();
    }
    String url = url(reporter, w.from(), w.to());
    HttpBody body = HttpBody.fetch(fetcher, URI.create(url), Map.of("Accept", "text/csv"), url, "comext");
    queue.poll();
    ComextParser.SdmxScan scan = null;
    boolean opened = false;
    try {
      if (tooBig(body)) {
        if (w.from().equals(w.to())) {
          throw tooBigForOneMonth(w.from(), url);
        }
        log.warn("Comext answered EXTRACTION_TOO_BIG for {}: asking one month per call", url);
        singleMonth.put(reporter, true);
        queueMonthByMonth(reporter, w);
        return List.of();
      }
      scan = noData(body) ? null : scan(body, url, true);
      // Every month's offsets are known now (the fingerprints are): plan the months to re-emit, in month order.
      ComextOffset cur = off;
      Deque<Part> parts = new ArrayDeque<>();
      if (scan != null) {
        if (scan.withoutMonth > 0) {
          // Only an unreadable TIME_PERIOD or header: such rows belong to no month, so they cannot be compared;
          // the new-month call dead-letters them when it reads them.
          log.warn("Comext {}: {} rows without a readable month in {}; not part of the revision check", reporter,
              scan.withoutMonth, url);
        }
        for (Map.Entry<YearMonth, FingerprintSort.MonthPrint> e : scan.months.entrySet()) {
          YearMonth m = e.getKey();
          String digest = e.getValue().digest();
          if (m.isBefore(w.from()) || m.isAfter(w.to())) {
            continue; // outside the asked window: not ours to compare
          }
          boolean resuming = m.equals(off.revising());
          if (!resuming && digest.equals(cur.months().get(m))) {
            continue; // same figures (perhaps a new LAST UPDATE): nothing to re-emit
          }
          long skip = resuming && digest.equals(off.digest()) ? off.rowsDone() : 0;
          ComextOffset before = cur;
          ComextOffset done = cur.revised(m, digest, config.lookback());
          parts.add(new Part(new PayloadCursor(scan.monthItems(m), null, skip), before, done,
              rows -> before.revisingRow(m, rows, digest)));
          log.info("Comext {} {}: figures changed, re-emitting {} rows", reporter, m, e.getValue().items() - skip);
          cur = done;
        }
      }
      if (parts.isEmpty()) {
        // With an interrupted month gone from the source (rare), there is nothing left to resume.
        finished(reporter, cur.revising() != null ? cur.withoutRevision() : cur, null, scan == null ? 0 : scan.skipped);
        return List.of();
      }
      open = new OpenResponse(reporter, url, body, scan, scan.publishedAt, scan.skipped, parts, null, w);
      opened = true;
    } catch (IOException e) {
      queue.addFirst(w); // the temporary file failed, not the answer: ask again on the next poll
      throw new RetriableException("Cannot read the response of " + url, e);
    } finally {
      if (!opened) {
        close(body, scan);
      }
    }
    return emit();
  }

  /**
   * One run of records of the open response: the whole response (new months) or one changed month (revision).
   *
   * @param before the reporter's offset before its first record
   * @param done the offset its last record carries
   * @param midway the offset of a record after which that many of its items are done
   */
  private record Part(PayloadCursor cursor, ComextOffset before, ComextOffset done, LongFunction<ComextOffset> midway) {}

  /**
   * The response whose records are being built, one batch per poll, part after part.
   *
   * @param publishedAt the newest LAST UPDATE of the response, which every record carries
   * @param recheckAt new months without a figure: when to ask again, once done; null to go on at once
   * @param window the look-back call, queued again if reading fails; null for new months
   */
  private record OpenResponse(String reporter, String url, HttpBody body, ComextParser.SdmxScan scan, long publishedAt,
      int skipped, Deque<Part> parts, Instant recheckAt, Window window) {}

  /**
   * Up to batch.max.records records of the open response's current part, each item's offset counting the items
   * done and the last one's the part's end; at the last part's end the response is closed. A batch never spans two
   * parts, so the records of a failed batch are all of the part being read, which its resume point accounts for.
   */
  private List<SourceRecord> emit() {
    OpenResponse r = open;
    Map<String, String> partition = partition(r.reporter());
    while (true) {
      Part p = r.parts().peek();
      List<SourceRecord> out;
      try {
        out = p.cursor().next(config.batchMax(), (item, rowsDone, last) -> records.create(partition,
            (last ? p.done() : p.midway().apply(rowsDone)).toMap(), item, r.publishedAt()));
      } catch (IOException | RuntimeException e) {
        // Read again on the next poll (a look-back window is queued again), past the batches already handed out.
        long resume = p.cursor().resumePoint();
        state.put(r.reporter(), resume > 0 ? p.midway().apply(resume) : p.before());
        if (r.window() != null) {
          revisionQueue.get(r.reporter()).addFirst(r.window());
        }
        throw openPayloadFailed(e, "the response of " + r.url());
      }
      if (!p.cursor().ended()) {
        state.put(r.reporter(), p.midway().apply(p.cursor().index()));
        return out;
      }
      state.put(r.reporter(), p.done());
      r.parts().poll();
      p.cursor().closeQuietly(log, r.url());
      if (r.parts().isEmpty()) {
        closeOpenPayload();
        finished(r.reporter(), p.done(), r.recheckAt(), r.skipped());
        return out;
      }
      if (!out.isEmpty()) {
        return out;
      }
    }
  }

  /** A response is done: the reporter's offset, when to ask again, and its skipped rows, counted once. */
  private void finished(String reporter, ComextOffset done, Instant recheckAt, int skipped) {
    state.put(reporter, done);
    if (recheckAt != null) {
      nextCheck.put(reporter, recheckAt);
    }
    metrics.skipped(skipped);
  }

  @Override
  protected void closeOpenPayload() {
    OpenResponse r = open;
    open = null;
    if (r != null) {
      r.parts().forEach(p -> p.cursor().closeQuietly(log, r.url()));
      close(r.body(), r.scan());
    }
  }

  /** Deletes the temporary files of a response: its body and the sorted rows of its scan. */
  private static void close(HttpBody body, ComextParser.SdmxScan scan) {
    if (scan != null) {
      scan.close();
    }
    body.close();
  }

  /** Replaces a window by one call per month, at the head of the queue (EXTRACTION_TOO_BIG mode). */
  private void queueMonthByMonth(String reporter, Window w) {
    Deque<Window> queue = revisionQueue.get(reporter);
    for (YearMonth m = w.to(); !m.isBefore(w.from()); m = m.minusMonths(1)) {
      queue.addFirst(new Window(m, m));
    }
  }

  private static boolean tooBig(HttpBody body) throws IOException {
    return body.status() == 413 || body.head(300).contains("EXTRACTION_TOO_BIG");
  }

  private static boolean noData(HttpBody body) throws IOException {
    return body.isNoData() || (body.status() == 404 && body.head(300).contains("NO_RECORDS_FOUND"));
  }

  private static ConnectException tooBigForOneMonth(YearMonth month, String url) {
    return new ConnectException("Comext extraction too big even for one month (" + month + ") at " + url
        + ": narrow " + ComextConfig.PARTNERS_CONFIG + " or " + ComextConfig.PRODUCTS_CONFIG);
  }

  private ComextParser.SdmxScan scan(HttpBody body, String url, boolean keepRows) throws IOException {
    if (body.status() != 200) {
      // Other 4xx: the query itself is wrong (unknown dataset or code); retrying cannot help.
      throw new ConnectException("Comext answered HTTP " + body.status() + " for " + url + ": " + body.head(300));
    }
    return parser.scanSdmx(body, url, keepRows);
  }

  /** Visible for tests. */
  ComextOffset offsetOf(String reporter) {
    return state.get(reporter);
  }
}
