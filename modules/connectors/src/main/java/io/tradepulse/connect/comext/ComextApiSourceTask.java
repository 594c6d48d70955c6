package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.HttpPage;
import io.tradepulse.connect.common.MonthGaps;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.RetryingFetcher;
import io.tradepulse.connect.common.SourcePartitions;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.connect.common.TradeSourceTask;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 */
public class ComextApiSourceTask extends TradeSourceTask<ComextConfig> {
  static final String REPORTERS_TASK_CONFIG = "comext.task.reporters";
  private static final ZoneId BRUSSELS = ZoneId.of("Europe/Brussels");

  /** Months of one look-back call. */
  private record Window(YearMonth from, YearMonth to) {}

  private final Map<String, ComextOffset> state = new LinkedHashMap<>();
  private final Map<String, Instant> nextCheck = new HashMap<>();
  private final Map<String, Instant> nextRevisionCheck = new HashMap<>();
  private final Map<String, Deque<Window>> revisionQueue = new HashMap<>();
  private final Map<String, Boolean> singleMonth = new HashMap<>();
  private ComextParser parser;
  private RetryingFetcher fetcher;

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
    parser = new ComextParser(ComextGeo.load(config.geoTable()),
        config.fxTable().isBlank() ? null : FxTable.load(config.fxTable(), config.fxCurrency()));
    fetcher = retryingFetcher();
    for (String r : props.getOrDefault(REPORTERS_TASK_CONFIG, String.join(",", config.reporters())).split(",")) {
      if (!r.isBlank()) {
        ComextOffset off = ComextOffset.fromMap(storedOffset(partition(r)), config.start());
        state.put(r, off);
        nextCheck.put(r, Instant.MIN);
        nextRevisionCheck.put(r, clock.instant().plusMillis(config.revisionIntervalMs()));
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
    if (caughtUp && config.lookback() > 0 && !now.isBefore(nextRevisionCheck.get(reporter))) {
      nextRevisionCheck.put(reporter, now.plusMillis(config.revisionIntervalMs()));
      Window w = lookbackWindow(off);
      if (w != null) {
        queue.add(w);
        return revise(reporter);
      }
    }
    return List.of();
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
   * New months from the cursor on (the original ingestion path).
   *
   * @return the records, empty when there was nothing new, null after switching to one month per call
   */
  private List<SourceRecord> newMonths(String reporter, Instant now, YearMonth lastPossible) throws InterruptedException {
    ComextOffset off = state.get(reporter);
    boolean single = singleMonth.getOrDefault(reporter, false);
    String url = url(reporter, off.next(), single ? off.next() : null);
    HttpPage page = fetcher.fetch(URI.create(url), Map.of("Accept", "text/csv"), url);
    if (tooBig(page)) {
      if (single) {
        throw tooBigForOneMonth(off.next(), url);
      }
      log.warn("Comext answered EXTRACTION_TOO_BIG for {}: asking one month per call", url);
      singleMonth.put(reporter, true);
      return null;
    }
    ComextParser.SdmxParsed sdmx = noData(page) ? null : parse(page, url);
    Parsed parsed = sdmx == null ? null : sdmx.parsed();
    YearMonth newest = null;
    if (parsed != null) {
      for (ParsedItem item : parsed.items()) {
        if (item instanceof TradeRow t) {
          YearMonth ym = YearMonth.of(t.year(), t.month());
          newest = newest == null || ym.isAfter(newest) ? ym : newest;
        }
      }
    }
    YearMonth windowEnd = single ? off.next() : lastPossible;
    YearMonth next = newest != null ? newest.plusMonths(1)
        : MonthGaps.afterEmptyWindow(off.next(), windowEnd, lastPossible, config.publicationLagMonths());
    if (newest == null && !next.isAfter(off.next())) {
      nextCheck.put(reporter, now.plus(config.pollInterval())); // not out yet: ask again later
    } else if (newest == null) {
      log.warn("Comext {}: no data for {}..{} {} months on; treating as never published", reporter, off.next(),
          next.minusMonths(1), config.publicationLagMonths());
    }
    // Fingerprints of the months just emitted, so that the first revision check does not re-emit them.
    Map<YearMonth, String> emitted = new HashMap<>();
    if (sdmx != null) {
      sdmx.byMonth().forEach((m, month) -> emitted.put(m, month.digest()));
    }
    ComextOffset done = off.advanced(next, emitted, config.lookback());
    List<SourceRecord> out = new ArrayList<>();
    if (parsed != null) {
      String digest = Digests.of(page.body());
      long skip = off.revising() == null && digest.equals(off.digest()) ? off.rowsDone() : 0;
      List<ParsedItem> items = parsed.items();
      for (int i = (int) skip; i < items.size(); i++) {
        ComextOffset o = i == items.size() - 1 ? done : off.rowDone(i + 1, digest);
        out.add(records.create(partition(reporter), o.toMap(), items.get(i), parsed.publishedAt()));
      }
    }
    state.put(reporter, done);
    return out;
  }

  /**
   * The look-back call at the head of the reporter's queue: re-emits every month of its window whose
   * fingerprint differs from the stored one (or that has none), all of its items, in fingerprint order;
   * unchanged months emit nothing. Months absent from the answer keep their fingerprint: nothing can be
   * retracted, and they are compared again next time. The window leaves the queue only once answered, so a
   * failed call (RetriableException) is repeated on the next poll instead of waiting for the next interval.
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
    HttpPage page = fetcher.fetch(URI.create(url), Map.of("Accept", "text/csv"), url);
    queue.poll();
    if (tooBig(page)) {
      if (w.from().equals(w.to())) {
        throw tooBigForOneMonth(w.from(), url);
      }
      log.warn("Comext answered EXTRACTION_TOO_BIG for {}: asking one month per call", url);
      singleMonth.put(reporter, true);
      queueMonthByMonth(reporter, w);
      return List.of();
    }
    ComextParser.SdmxParsed sdmx = noData(page) ? null : parse(page, url);
    ComextOffset cur = off;
    List<SourceRecord> out = new ArrayList<>();
    if (sdmx != null) {
      if (sdmx.withoutMonth() > 0) {
        // Only an unreadable TIME_PERIOD or header: such rows belong to no month, so they cannot be compared;
        // the new-month call dead-letters them when it reads them.
        log.warn("Comext {}: {} rows without a readable month in {}; not part of the revision check", reporter,
            sdmx.withoutMonth(), url);
      }
      for (Map.Entry<YearMonth, ComextParser.Month> e : sdmx.byMonth().entrySet()) {
        YearMonth m = e.getKey();
        ComextParser.Month month = e.getValue();
        if (m.isBefore(w.from()) || m.isAfter(w.to())) {
          continue; // outside the asked window: not ours to compare
        }
        boolean resuming = m.equals(off.revising());
        if (!resuming && month.digest().equals(cur.months().get(m))) {
          continue; // same figures (perhaps a new LAST UPDATE): nothing to re-emit
        }
        long skip = resuming && month.digest().equals(off.digest()) ? off.rowsDone() : 0;
        List<ParsedItem> items = month.items();
        ComextOffset done = cur.revised(m, month.digest(), config.lookback());
        for (int i = (int) skip; i < items.size(); i++) {
          ComextOffset o = i == items.size() - 1 ? done : cur.revisingRow(m, i + 1, month.digest());
          out.add(records.create(partition(reporter), o.toMap(), items.get(i), sdmx.parsed().publishedAt()));
        }
        log.info("Comext {} {}: figures changed, re-emitting {} rows", reporter, m, items.size() - skip);
        cur = done;
      }
    }
    if (cur.revising() != null) {
      // The interrupted month is gone from the source (rare): nothing left to resume.
      cur = cur.withoutRevision();
    }
    state.put(reporter, cur);
    return out;
  }

  /** Replaces a window by one call per month, at the head of the queue (EXTRACTION_TOO_BIG mode). */
  private void queueMonthByMonth(String reporter, Window w) {
    Deque<Window> queue = revisionQueue.get(reporter);
    for (YearMonth m = w.to(); !m.isBefore(w.from()); m = m.minusMonths(1)) {
      queue.addFirst(new Window(m, m));
    }
  }

  private static boolean tooBig(HttpPage page) {
    return page.status() == 413 || ComextParser.text(page.body()).contains("EXTRACTION_TOO_BIG");
  }

  private static boolean noData(HttpPage page) {
    return page.isNoData() || (page.status() == 404 && ComextParser.text(page.body()).contains("NO_RECORDS_FOUND"));
  }

  private static ConnectException tooBigForOneMonth(YearMonth month, String url) {
    return new ConnectException("Comext extraction too big even for one month (" + month + ") at " + url
        + ": narrow " + ComextConfig.PARTNERS_CONFIG + " or " + ComextConfig.PRODUCTS_CONFIG);
  }

  private ComextParser.SdmxParsed parse(HttpPage page, String url) {
    if (page.status() != 200) {
      // Other 4xx: the query itself is wrong (unknown dataset or code); retrying cannot help.
      throw new ConnectException("Comext answered HTTP " + page.status() + " for " + url + ": "
          + new String(page.body(), 0, Math.min(page.body().length, 300), StandardCharsets.UTF_8));
    }
    ComextParser.SdmxParsed sdmx = parser.parseSdmx(page.body(), url);
    metrics.skipped(sdmx.parsed().skipped());
    return sdmx;
  }

  /** Visible for tests. */
  ComextOffset offsetOf(String reporter) {
    return state.get(reporter);
  }
}
