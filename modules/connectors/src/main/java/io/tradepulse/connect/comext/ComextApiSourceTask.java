package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.HttpBody;
import io.tradepulse.connect.common.MonthGaps;
import io.tradepulse.connect.common.PayloadCursor;
import io.tradepulse.connect.common.ReporterApiSourceTask;
import io.tradepulse.connect.common.RetryingFetcher;
import io.tradepulse.connect.common.SourcePartitions;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.kafka.connect.errors.ConnectException;
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
public class ComextApiSourceTask
    extends ReporterApiSourceTask<ComextConfig, ComextOffset, ComextApiSourceTask.Window> {
  static final String REPORTERS_TASK_CONFIG = "comext.task.reporters";
  private static final ZoneId BRUSSELS = ZoneId.of("Europe/Brussels");

  /** Months of one look-back call. */
  record Window(YearMonth from, YearMonth to) {}

  private final Map<String, Boolean> singleMonth = new HashMap<>();
  private ComextParser parser;
  private RetryingFetcher fetcher;
  private OpenResponse open; // the response whose records are being built, if any

  public ComextApiSourceTask() {
    // One look-back call a step, as ever here: a check is a single call, unless its window proved too big (then one
    // call per month of it).
    super(BRUSSELS);
  }

  @Override
  protected ComextConfig parseConfig(Map<String, String> props) {
    return new ComextConfig(props);
  }

  @Override
  protected Map<String, String> partition(String reporter) {
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
    for (String r : assignedReporters(props, REPORTERS_TASK_CONFIG, config.reporters())) {
      log.info("Comext reporter {} resumes at {}", r, startReporter(r).toMap());
    }
  }

  @Override
  protected ComextOffset offsetFrom(Map<String, Object> stored) {
    return ComextOffset.fromMap(stored, config.start());
  }

  /** The revised month being re-emitted when the task stopped. */
  @Override
  protected Window resumedLookBack(ComextOffset off) {
    return off.revising() == null ? null : new Window(off.revising(), off.revising());
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

  /**
   * The look-back window of a reporter, one call, none when nothing was emitted yet. Its end is the newest month with a
   * stored fingerprint; an offset written before the look-back existed has none, and then the month before the
   * cursor stands in (its months have no fingerprints, so they are re-emitted once: a duplicate with identical
   * figures is harmless, a missed revision is not). Months before comext.start.period are not ours.
   *
   * <p>The window ends before the cursor: a month from the cursor on is the new-month call's, even when it has a
   * fingerprint (a month answered with dead letters only, confidential rows, keeps the cursor and has one). A check
   * that asked it saw its first figures as a revision and emitted them, and the new-month call, whose cursor had not
   * moved, emitted them again: every record of that month twice.
   */
  @Override
  protected List<Window> lookbackWindows(String reporter, ComextOffset off) {
    YearMonth newest = off.newest() != null ? off.newest()
        : off.next().isAfter(config.start()) ? off.next().minusMonths(1) : null;
    if (newest == null) {
      return List.of();
    }
    YearMonth from = newest.minusMonths(config.lookback());
    if (from.isBefore(config.start())) {
      from = config.start();
    }
    YearMonth to = newest.isBefore(off.next()) ? newest : off.next().minusMonths(1);
    return to.isBefore(from) ? List.of() : List.of(new Window(from, to));
  }

  /**
   * New months from the cursor on (the original ingestion path): fetches them and opens the response for
   * {@link #emit()}.
   *
   * @return the first records, empty when there was nothing new or after switching to one month per call (the
   *     reporter's state did not move, so its step ends and the next reporter's comes)
   */
  @Override
  protected List<SourceRecord> newPeriods(String reporter, Instant now, YearMonth lastPossible)
      throws InterruptedException {
    ComextOffset off = state.get(reporter);
    boolean single = singleMonth.getOrDefault(reporter, false);
    String url = url(reporter, off.next(), single ? off.next() : null);
    HttpBody body = HttpBody.fetch(fetcher, URI.create(url), Map.of("Accept", "text/csv"), url, "comext",
        ComextParser::requireWholeLastRecord); // a body seen to be cut in transit is fetched again
    return read(reporter, body, url, null, files -> {
      if (tooBig(body)) {
        if (single) {
          throw tooBigForOneMonth(off.next(), url);
        }
        log.warn("Comext answered EXTRACTION_TOO_BIG for {}: asking one month per call", url);
        singleMonth.put(reporter, true);
        return List.of();
      }
      ComextParser.Asked asked = new ComextParser.Asked(off.next(), single ? off.next() : lastPossible);
      ComextParser.SdmxScan scan = noData(body) ? null
          : files.hold(scan(body, url, false, asked), ComextParser.SdmxScan::close);
      YearMonth newest = scan == null ? null : scan.newestFigure;
      YearMonth windowEnd = single ? off.next() : lastPossible;
      // A body that is not SDMX-CSV (an XML envelope, a gateway's page) says nothing about the months asked: the cursor
      // stays, however old they are. Taken as an answer without data, it stepped a catching-up reporter over every
      // month older than comext.publication.lag.months as never published, and they were never asked again.
      YearMonth next = newest != null ? newest.plusMonths(1)
          : scan != null && scan.notSdmxCsv() ? off.next()
          : MonthGaps.afterEmptyWindow(off.next(), windowEnd, lastPossible, config.publicationLagMonths());
      // Not out yet: ask again later. Applied once the response is done, so a failed read is retried at once.
      Instant recheckAt = newest == null && !next.isAfter(off.next()) ? now.plus(config.pollInterval()) : null;
      if (newest == null && recheckAt == null) {
        log.warn("Comext {}: no data for {}..{} {} months on; treating as never published", reporter, off.next(),
            next.minusMonths(1), config.publicationLagMonths());
      }
      // Fingerprints of the months just read, so that the first revision check does not re-emit them.
      ComextOffset advanced = off.advanced(next, scan == null ? Map.of() : scan.digests(),
          scan == null ? Map.of() : scan.deadLetters, config.lookback());
      if (scan == null || scan.items == 0) {
        finished(reporter, advanced, recheckAt, scan == null ? 0 : scan.skipped);
        return List.of();
      }
      ComextOffset done = advanced;
      String digest = body.digest();
      long skip = off.revising() == null && digest.equals(off.digest()) ? off.rowsDone() : 0;
      if (!next.isAfter(off.next())) {
        // No figure: the cursor stays, and the next call answers this response again. Its items, all dead letters (a
        // response that is one as a whole, which no month's fingerprint covers, or rows without a readable month), are
        // done with it: the same body (its digest) is skipped whole next time, not sent to trade.dlq with every call.
        // rows_done and digest keep their meaning, so an older release resuming from this offset skips them too.
        done = done.rowDone(scan.items, digest, false); // every item, left out or not: all are done
        if (skip >= scan.items) {
          log.warn("Comext {}: the same response without a figure again for {} ({} dead letters already sent)",
              reporter, url, scan.items);
        }
      }
      // A month after the newest with a figure keeps the cursor, so the next call answers it again: one whose rows are
      // all dead letters (confidential, an unknown code) sent them with every call, each poll.interval.ms until it got
      // a figure or comext.publication.lag.months passed. Those an earlier response sent, unchanged, stay out, as a
      // revised month's do. Decided from the offset this response starts from, which its records' offsets keep, so a
      // restart leaves out the same items and rows_done holds.
      Set<YearMonth> quiet = new HashSet<>();
      scan.deadLetters.forEach((m, badRows) -> {
        if (off.sentDeadLetters(m, badRows)) {
          quiet.add(m);
        }
      });
      if (skip > 0 && !off.leavesOutSent()) {
        // Resumed from an offset whose rows_done counts the items it left out too (an earlier release sent them):
        // skipped with them left out, as many figures past the resume point were never sent. Sent again instead.
        quiet.clear();
      }
      boolean leavesOut = !quiet.isEmpty();
      Deque<Part<ComextOffset>> parts = new ArrayDeque<>();
      parts.add(new Part<>(new PayloadCursor(parser.openSdmx(body, url, scan.items, quiet, asked), null, skip), off,
          done, rows -> off.rowDone(rows, digest, leavesOut)));
      open = new OpenResponse(reporter, url, body, scan, scan.publishedAt, scan.skipped, parts, recheckAt, null);
      files.handOver();
      return emit();
    });
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
  @Override
  protected List<SourceRecord> lookBack(String reporter) throws InterruptedException {
    ComextOffset off = state.get(reporter);
    Deque<Window> queue = revisionQueue.get(reporter);
    Window head = queue.peek();
    if (singleMonth.getOrDefault(reporter, false) && !head.from().equals(head.to())) {
      queueMonthByMonth(reporter, queue.poll());
    }
    Window w = queue.peek();
    String url = url(reporter, w.from(), w.to());
    HttpBody body = HttpBody.fetch(fetcher, URI.create(url), Map.of("Accept", "text/csv"), url, "comext",
        ComextParser::requireWholeLastRecord); // a body seen to be cut in transit is fetched again
    queue.poll();
    return read(reporter, body, url, w, files -> {
      if (tooBig(body)) {
        if (w.from().equals(w.to())) {
          throw tooBigForOneMonth(w.from(), url);
        }
        log.warn("Comext answered EXTRACTION_TOO_BIG for {}: asking one month per call", url);
        singleMonth.put(reporter, true);
        queueMonthByMonth(reporter, w);
        return List.of();
      }
      ComextParser.SdmxScan scan = noData(body) ? null
          : files.hold(scan(body, url, true, null), ComextParser.SdmxScan::close);
      // Every month's offsets are known now (the fingerprints are): plan the months to re-emit, in month order.
      ComextOffset cur = off;
      Deque<Part<ComextOffset>> parts = new ArrayDeque<>();
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
          if (m.isBefore(w.from()) || m.isAfter(w.to()) || !m.isBefore(off.next())) {
            // Outside the asked window: not ours to compare. From the cursor on (a window queued by an earlier
            // release, or resumed from its offset): the new-month call emits it, once (see lookbackWindows).
            continue;
          }
          boolean resuming = m.equals(off.revising());
          if (!resuming && digest.equals(cur.months().get(m))) {
            continue; // same figures (perhaps a new LAST UPDATE): nothing to re-emit
          }
          long skip = resuming && digest.equals(off.digest()) ? off.rowsDone() : 0;
          ComextOffset before = cur;
          ComextOffset done = cur.revised(m, digest, scan.deadLetters.get(m), config.lookback());
          // A revised month whose dead letters are those it sent before (its figures changed) sends none of them
          // again: trade.dlq would get the same dead letters at every revision. Decided from the offset the month's
          // emission starts from, which a resumed one starts from too, so a restart leaves out the same items.
          boolean quiet = before.sentDeadLetters(m, scan.deadLetters.get(m));
          parts.add(new Part<>(new PayloadCursor(scan.monthItems(m, quiet), null, skip), before, done,
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
      files.handOver();
      return emit();
    });
  }

  /**
   * The response whose records are being built, one batch per poll, part after part: the whole response (new months)
   * or each changed month (revision).
   *
   * @param publishedAt the newest LAST UPDATE of the response, which every record carries
   * @param recheckAt new months without a figure: when to ask again, once done; null to go on at once
   * @param window the look-back call, queued again if reading fails; null for new months
   */
  private record OpenResponse(String reporter, String url, HttpBody body, ComextParser.SdmxScan scan, long publishedAt,
      int skipped, Deque<Part<ComextOffset>> parts, Instant recheckAt, Window window) {}

  /**
   * Up to batch.max.records records of the open response's current part, each item's offset counting the items
   * done and the last one's the part's end; at the last part's end the response is closed. A batch never spans two
   * parts, so the records of a failed batch are all of the part being read, which its resume point accounts for.
   */
  private List<SourceRecord> emit() {
    OpenResponse r = open;
    Map<String, String> partition = partition(r.reporter());
    while (true) {
      Part<ComextOffset> p = r.parts().peek();
      List<SourceRecord> out;
      try {
        out = batch(p, partition, UnaryOperator.identity(), r.publishedAt());
      } catch (IOException | RuntimeException e) {
        throw partFailed(r.reporter(), p, r.window(), e, r.url());
      }
      if (!p.cursor().ended()) {
        state.put(r.reporter(), p.reached());
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
    moveOn(reporter, done, recheckAt);
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

  private ComextParser.SdmxScan scan(HttpBody body, String url, boolean keepRows, ComextParser.Asked asked)
      throws IOException {
    if (body.status() != 200) {
      // Other 4xx: the query itself is wrong (unknown dataset or code); retrying cannot help.
      throw new ConnectException("Comext answered HTTP " + body.status() + " for " + url + ": " + body.head(300));
    }
    return parser.scanSdmx(body, url, keepRows, asked);
  }

  /** Visible for tests. */
  ComextOffset offsetOf(String reporter) {
    return state.get(reporter);
  }
}
