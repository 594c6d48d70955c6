package io.tradepulse.connect.comtrade;

import io.tradepulse.connect.common.ApimMessages;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.HttpBody;
import io.tradepulse.connect.common.ItemStream;
import io.tradepulse.connect.common.MonthDigests;
import io.tradepulse.connect.common.MonthGaps;
import io.tradepulse.connect.common.OutOfQuotaException;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.PayloadCursor;
import io.tradepulse.connect.common.ReporterApiSourceTask;
import io.tradepulse.connect.common.RetryingFetcher;
import io.tradepulse.connect.common.SourcePartitions;
import io.tradepulse.connect.common.StreamingJson;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.connect.comtrade.ComtradeOffset.Window;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Pages through periods, at most 12 per call, per reporter. The cursor advances past the newest period
 * that had data; periods without data yet are asked again after poll.interval.ms (Comtrade publishes
 * with months of lag). A response that hits maxRecords is incomplete, so its periods are re-asked one per call up to
 * the end of that window; a single period that still hits it fails the task ({@link #truncated}).
 *
 * <p>Look-back: Comtrade revises periods after first publishing them, and a reporter's figures for a partner may come
 * months after its other figures, while the cursor only ever moves forward. Once a reporter is caught up, every
 * comtrade.revision.check.interval.ms the task asks again the comtrade.lookback.months periods below the cursor
 * (comtrade.periods.per.call per call: one call with the defaults, against a quota of some 500 a day) and re-emits a
 * period, all its records with a revision one higher, only when the fingerprint of its records changed
 * ({@link ComtradeParser.Page#periodDigests}: kept per period in the offset, so a restart does not re-emit). The
 * revision is what makes the new figures win downstream: their publishedAt, derived from the period, is the one the
 * figures they replace carry ({@link ComtradeOffset#revisions}). A look-back page that hits maxRecords is asked again
 * one period per call, as a new-period page is; a single period that still hits it fails the task.
 *
 * <p>A page (up to 100,000 records, some 90 MB) is never held whole: its body goes to a temporary file, is read
 * through once (to check it, and for its count, newest period and digest) and then parsed lazily, and each poll
 * builds at most batch.max.records records; the page stays open across polls, and a restart resumes after the last
 * delivered record.
 */
public class ComtradeSourceTask extends ReporterApiSourceTask<ComtradeConfig, ComtradeOffset, Window> {
  static final String REPORTERS_TASK_CONFIG = "comtrade.task.reporters";
  /**
   * The totals over second partner, customs procedure and mode of transport: without these filters the API answers
   * every breakdown it holds as well, records sharing the total's series key (see {@link ComtradeParser#isTotal}).
   */
  static final String TOTALS_ONLY = "&partner2Code=0&customsCode=C00&motCode=0";

  /**
   * Waited beyond the replenish time the gateway gives: it counts on its own clock, to the second, and a call a
   * moment early is refused again (a wasted call and another WARN); a minute late costs a minute of a day's quota.
   */
  static final Duration QUOTA_MARGIN = Duration.ofMinutes(1);
  /**
   * The longest wait for the quota. Comtrade's quota is per day, so a time beyond a day and a bit is no time its
   * gateway gives for it (a weekly quota of another subscription, a clock gone wrong); asking after this costs one
   * call, whose answer says how long is left.
   */
  static final Duration MAX_QUOTA_WAIT = Duration.ofHours(25);
  /**
   * The wait when the quota message says no time that can be read (the gateway changed its wording): asking hourly
   * costs at most 24 refused calls and WARNs a day, and loses at most an hour of a replenished quota. The retry
   * backoff's maximum (a minute) would ask, and warn, 1,440 times a day.
   */
  static final Duration UNREADABLE_QUOTA_WAIT = Duration.ofHours(1);

  /** Per reporter asking one period per call: the window whose page hit maxRecords. */
  private final Map<String, SingleWindow> singlePeriod = new HashMap<>();
  /** Reporters whose look-back window hit maxRecords: their look-back asks one period per call from then on. */
  private final Set<String> lookbackOnePerCall = new HashSet<>();
  private ComtradeParser parser;
  private RetryingFetcher fetcher;
  private OpenPage open; // the page whose records are being built, if any

  public ComtradeSourceTask() {
    // Periods are UTC months; a revision check is several calls (periods.per.call each), most of them unchanged.
    super(ZoneOffset.UTC);
  }

  @Override
  protected ComtradeConfig parseConfig(Map<String, String> props) {
    return new ComtradeConfig(props);
  }

  @Override
  protected Map<String, String> partition(String reporter) {
    return SourcePartitions.of("source", "comtrade", "reporter", reporter, "partners", String.join(",", config.partners()),
        "flows", String.join(",", config.flows()), "cmd", String.join(",", config.cmdCodes()));
  }

  @Override
  protected void startTask(Map<String, String> props) {
    revisionChecks.schedule(config.lookbackMonths() > 0, Duration.ofMillis(config.revisionIntervalMs()));
    parser = new ComtradeParser(CodeTable.load("/io/tradepulse/connect/ref/m49.csv", config.countryTable(),
        ComtradeConfig.COUNTRY_TABLE_CONFIG));
    fetcher = retryingFetcher();
    for (String r : assignedReporters(props, REPORTERS_TASK_CONFIG, config.reporters())) {
      startReporter(r);
    }
  }

  @Override
  protected ComtradeOffset offsetFrom(Map<String, Object> stored) {
    return ComtradeOffset.fromMap(stored, config.start());
  }

  /** The look-back call whose changed periods were being re-emitted when the task stopped. */
  @Override
  protected Window resumedLookBack(ComtradeOffset off) {
    return off.revising();
  }

  @Override
  protected List<SourceRecord> emitOpenPayload() throws InterruptedException {
    return open == null ? List.of() : emit();
  }

  /**
   * New periods from the cursor on, at most comtrade.periods.per.call per call (one while a window that hit
   * maxRecords is asked one by one): fetches them and opens the page for {@link #emit()}.
   *
   * @return the first records, empty when there were none, null after switching to one period per call
   */
  @Override
  protected List<SourceRecord> newPeriods(String reporter, Instant now, YearMonth lastPossible)
      throws InterruptedException {
    ComtradeOffset off = state.get(reporter);
    SingleWindow overflowed = singlePeriod.get(reporter);
    if (overflowed != null && off.next().isAfter(overflowed.end())) {
      singlePeriod.remove(reporter); // past the window that overflowed: back to several periods per call
    }
    SingleWindow single = singlePeriod.get(reporter);
    int n = single != null ? 1 : config.periodsPerCall();
    List<String> periods = new ArrayList<>();
    for (YearMonth m = off.next(); periods.size() < n && !m.isAfter(lastPossible); m = m.plusMonths(1)) {
      periods.add(m.format(ComtradeConfig.YYYYMM));
    }
    String logUri = url(reporter, periods);
    // The page goes to a temporary file and is read twice, never held: once to check it and find its count and
    // newest period, and for its digests; then parsed lazily, one batch of records per poll.
    HttpBody body = fetch(logUri);
    return read(reporter, body, logUri, null, files -> {
      YearMonth windowEnd = YearMonth.parse(periods.get(periods.size() - 1), ComtradeConfig.YYYYMM);
      if (body.isNoData()) {
        YearMonth past = afterEmpty(reporter, single, off.next(), windowEnd, lastPossible);
        if (laterHasData(single, off.next())) {
          log.info("Comtrade reporter {}: no data for {}, but a later period of the window asked one by one has: "
              + "moving on", reporter, off.next());
          state.put(reporter, off.advanced(past, Map.of(), Map.of(), config.lookbackMonths()));
        } else if (past.isAfter(off.next())) {
          log.warn("Comtrade reporter {}: no data for {}..{} after {} months; treating as never published",
              reporter, off.next(), past.minusMonths(1), config.publicationLagMonths());
          state.put(reporter, off.advanced(past, Map.of(), Map.of(), config.lookbackMonths()));
        } else {
          nextCheck.put(reporter, now.plus(config.pollInterval()));
        }
        return List.of();
      }
      if (body.status() != 200) {
        throw new ConnectException("Comtrade answered HTTP " + body.status() + " for " + logUri + ": "
            + body.head(300));
      }
      Set<YearMonth> askedPeriods = new HashSet<>();
      periods.forEach(m -> askedPeriods.add(YearMonth.parse(m, ComtradeConfig.YYYYMM)));
      ComtradeParser.Page page = parser.open(body, logUri, askedPeriods);
      if (page.count() >= config.maxRecords()) {
        page.close();
        if (periods.size() == 1) {
          throw truncated(reporter, periods.get(0), page.count(), logUri);
        }
        log.warn("Comtrade response for {} hit maxRecords={}: asking its periods one by one up to {}", logUri,
            config.maxRecords(), windowEnd);
        singlePeriod.put(reporter, new SingleWindow(windowEnd, page.newestPeriod()));
        return null;
      }
      YearMonth newest = page.newestPeriod();
      // The page's fingerprint covers its data[] only (see ComtradeParser.Page#dataDigest); a page that is one dead
      // letter has none and is fingerprinted whole.
      String digest = page.dataDigest() != null ? page.dataDigest() : page.wholeDigest();
      long skip = resumable(off, digest, body) ? off.rowsDone() : 0;
      // Without data in the chunk the cursor stays (those periods are probably not published yet) unless
      // they are so old that they never will be (MonthGaps): a gap must not stall the reporter for ever. A page that is
      // one dead letter as a whole (the API's "error", such as a query timeout) says nothing of its periods: the cursor
      // stays whatever their age. Taken as an answer without data, it stepped a catching-up reporter over old periods
      // as never published, and they were never asked again.
      YearMonth next = newest != null ? newest.plusMonths(1)
          : page.dataDigest() == null ? off.next()
          : afterEmpty(reporter, single, off.next(), windowEnd, lastPossible);
      // The fingerprints of the periods it carries, so that the look-back re-emits them only once they change.
      Window asked = new Window(off.next(), windowEnd);
      Map<YearMonth, String> emitted = new TreeMap<>();
      page.periodDigests().forEach((m, d) -> {
        if (asked.contains(m)) {
          emitted.put(m, d);
        }
      });
      long occurredAt = off.next().plusMonths(2).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
      Instant recheckAt = newest == null && !next.isAfter(off.next()) ? now.plus(config.pollInterval()) : null;
      // A period after the newest with a figure keeps the cursor, so the next call answers it again: one whose records
      // are all dead letters (an unknown partner code, say) sent them with every call, each poll.interval.ms until it
      // got a figure or comtrade.publication.lag.months passed. Those an earlier page sent, unchanged, stay out, as a
      // re-emitted period's do. Decided from the offset this page starts from, which its records' offsets keep, so a
      // restart leaves out the same items and rows_done holds.
      Set<YearMonth> quiet = new HashSet<>();
      page.badRowDigests().forEach((m, badRows) -> {
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
      ItemStream items = page;
      if (!quiet.isEmpty()) {
        page.close(); // not read yet: the page's items are read again without those dead letters
        items = parser.items(body, logUri, askedPeriods, quiet);
      }
      // A page read again from its first item although the stored offset had delivered some of it changed meanwhile
      // (revised between a crash and the restart): its figures go out over those delivered, whose publishedAt
      // (derived from the period) they share, so they carry a revision one higher, as a look-back's do; downstream
      // kept the larger of two figures of the same revision, and the look-back, which compares with this page, never
      // re-emitted them. The offsets keep the revisions, so a resume of this page keeps them too.
      ComtradeOffset base = skip == 0 && off.rowsDone() > 0 && !off.digest().isEmpty()
          ? off.revisedMidPage(emitted.keySet()) : off;
      ComtradeOffset done = base.advanced(next, emitted, page.badRowDigests(), config.lookbackMonths());
      if (page.dataDigest() == null && !next.isAfter(off.next())) {
        // One dead letter as a whole (an "error") keeps the cursor, and the next call answers it again: it has no
        // period, so no dead-letter fingerprint covers it, and it went out with every call. Its one item is done with
        // it: the same dead letter (wholeDigest) is skipped next time. rows_done and digest keep their meaning.
        done = done.rowDone(1, digest, false);
        if (skip > 0) {
          log.warn("Comtrade reporter {}: the same unreadable answer again for {} (dead letter already sent)",
              reporter, logUri);
        }
      }
      open = new OpenPage(reporter, partition(reporter), new Part<>(new PayloadCursor(items, body, skip), off,
          done, rows -> base.rowDone(rows, digest, leavesOut)),
          item -> item instanceof TradeRow t ? t.withRevision(base.revision(YearMonth.of(t.year(), t.month()))) : item,
          occurredAt, recheckAt, logUri, null);
      files.handOver();
      return emit();
    });
  }

  /**
   * The look-back calls of a revision check: the comtrade.lookback.months periods below the cursor (the newest is the
   * last one it moved past: emitted, or stepped over as never published, and then still read here), never before
   * comtrade.start.period, comtrade.periods.per.call periods per call (one after a look-back page hit maxRecords).
   * An offset written before the look-back has no fingerprints: its window is re-emitted once (a duplicate with the
   * same figures is harmless, a missed revision is not).
   */
  @Override
  protected List<Window> lookbackWindows(String reporter, ComtradeOffset off) {
    YearMonth newest = off.next().minusMonths(1);
    YearMonth from = ComtradeOffset.windowStart(off.next(), config.lookbackMonths());
    if (from.isBefore(config.start())) {
      from = config.start();
    }
    int n = lookbackOnePerCall.contains(reporter) ? 1 : config.periodsPerCall();
    List<Window> out = new ArrayList<>();
    for (YearMonth m = from; !m.isAfter(newest); m = m.plusMonths(n)) {
      YearMonth to = m.plusMonths(n - 1L);
      out.add(new Window(m, to.isAfter(newest) ? newest : to));
    }
    return out;
  }

  /**
   * The look-back call at the head of the reporter's queue: re-emits the records of every period of its window whose
   * fingerprint differs from the stored one (or that has none: figures published late), all of them, with the
   * period's revision one higher; unchanged periods emit nothing. Periods absent from the answer keep their
   * fingerprint: nothing can be retracted, and they are compared again next time. The window leaves the queue only
   * once answered, so a failed call (RetriableException) is repeated on the next poll; so is a page whose temporary
   * file fails while it is read.
   *
   * @return the first records of the changed periods, empty when none changed
   */
  @Override
  protected List<SourceRecord> lookBack(String reporter) throws InterruptedException {
    ComtradeOffset off = state.get(reporter);
    Deque<Window> queue = revisionQueue.get(reporter);
    if (lookbackOnePerCall.contains(reporter) && !queue.peek().single()) {
      queueOneByOne(queue, queue.poll());
    }
    Window w = queue.peek();
    List<String> periods = w.periods();
    String logUri = url(reporter, periods);
    HttpBody body = fetch(logUri);
    queue.poll();
    return read(reporter, body, logUri, w, files -> {
      if (body.isNoData()) {
        state.put(reporter, off.withoutRevising());
        return List.of();
      }
      if (body.status() != 200) {
        throw new ConnectException("Comtrade answered HTTP " + body.status() + " for " + logUri + ": "
            + body.head(300));
      }
      ComtradeParser.Page page = parser.open(body, logUri, null);
      page.close(); // only what its first read found is used: the changed periods are read again, alone
      if (page.count() >= config.maxRecords()) {
        if (w.single()) {
          throw truncated(reporter, periods.get(0), page.count(), logUri);
        }
        // As for new periods: a cut page would make a period look changed (records missing) and re-emit it short.
        log.warn("Comtrade look-back response for {} hit maxRecords={}: asking its periods one by one", logUri,
            config.maxRecords());
        lookbackOnePerCall.add(reporter);
        queueOneByOne(queue, w);
        return List.of();
      }
      if (page.dataDigest() == null) {
        // One dead letter as a new page (an "error", a truncated body): nothing to compare. Already read once as a new
        // page, it is not dead-lettered again at every check; the next check asks again.
        log.warn("Comtrade look-back response for {} is unreadable: nothing compared; asked again at the next "
            + "revision check", logUri);
        state.put(reporter, off.withoutRevising());
        return List.of();
      }
      Map<YearMonth, String> changed = new TreeMap<>();
      page.periodDigests().forEach((m, d) -> {
        if (w.contains(m) && !d.equals(off.months().get(m))) {
          changed.put(m, d);
        }
      });
      if (changed.isEmpty()) {
        state.put(reporter, off.withoutRevising());
        return List.of();
      }
      // Tells a restart whether the changes it resumes are the ones whose first records went out; never equal to a
      // page's digest, so a release that does not know "revising" does not skip rows of its new-period page.
      String changedDigest = Digests.of(("revising " + MonthDigests.format(changed)).getBytes(StandardCharsets.UTF_8));
      boolean sameAsInProgress = w.equals(off.revising()) && changedDigest.equals(off.digest());
      // A period going out again carries a revision one higher than the figures it replaces (which carry the same
      // derived publishedAt); resumed with the same changes, it keeps the revision its first records went out with.
      Map<YearMonth, Integer> revisions = new TreeMap<>(off.revisions());
      if (!sameAsInProgress) {
        changed.keySet().forEach(m -> revisions.merge(m, 1, Integer::sum));
      }
      ComtradeOffset before = sameAsInProgress ? off : off.revising(w, changedDigest, revisions);
      long skip = sameAsInProgress ? off.rowsDone() : 0;
      log.info("Comtrade reporter {}: records of {} changed since they were emitted (a revision, or figures published "
          + "late): re-emitting them, revisions {}", reporter, changed.keySet(), before.revisions());
      long occurredAt = w.from().plusMonths(2).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
      // A changed period whose dead letters are those it sent before (its good records changed) sends none of them
      // again: trade.dlq would get the same dead letters at every revision. Decided from the offset the re-emission
      // starts from, which a resumed one starts from too, so a restart leaves out the same items and rows_done holds.
      Set<YearMonth> quiet = new HashSet<>();
      changed.keySet().forEach(m -> {
        if (before.sentDeadLetters(m, page.badRowDigests().get(m))) {
          quiet.add(m);
        }
      });
      ItemStream items = parser.periodItems(body, logUri, changed.keySet(), quiet);
      ComtradeOffset done = before.revised(changed, page.badRowDigests(), config.lookbackMonths());
      if (off.revising() == null) {
        // What is done of the new-period page at the cursor stays done: an error page whose dead letter was sent is
        // skipped when answered again, and went out again after every re-emission. (A resumed re-emission's offset
        // has that re-emission's rows_done and digest instead.)
        done = done.withNewPeriodProgressOf(off);
      }
      open = new OpenPage(reporter, partition(reporter), new Part<>(new PayloadCursor(items, body, skip), before,
          done, before::revisingRow),
          item -> item instanceof TradeRow t
              ? t.withRevision(before.revision(YearMonth.of(t.year(), t.month()))) : item,
          occurredAt, null, logUri, w);
      files.handOver();
      return emit();
    });
  }

  /** Replaces a window by one call per period, at the head of the queue. */
  private static void queueOneByOne(Deque<Window> queue, Window w) {
    for (YearMonth m = w.to(); !m.isBefore(w.from()); m = m.minusMonths(1)) {
      queue.addFirst(new Window(m, m));
    }
  }

  private String url(String reporter, List<String> periods) {
    return config.baseUrl() + "/C/M/HS?reporterCode=" + reporter + "&partnerCode=" + String.join(",", config.partners())
        + "&period=" + String.join(",", periods) + "&flowCode=" + String.join(",", config.flows()) + "&cmdCode="
        + String.join(",", config.cmdCodes()) + TOTALS_ONLY + "&maxRecords=" + config.maxRecords();
  }

  /**
   * One call, asked again once the subscription's quota is back when Comtrade's gateway (Azure API Management) answers
   * that it is used up: a 403 with its "Out of call volume quota" message. That 403 says nothing about the query, so it
   * must not fail the task as other 4xx do (it would stay failed until restarted by hand, the next day); the call is
   * made again instead, the reporter's state and offsets untouched, and a restart meanwhile simply asks it again. The
   * wait is on the task's own thread ({@link io.tradepulse.connect.common.TradeSourceTask}), so poll() keeps returning
   * within its bound, and stop() ends it. Any other 403 (a refused key) is returned, and fails the task as before.
   */
  private HttpBody fetch(String logUri) throws InterruptedException {
    while (true) {
      // A body cut in transit is fetched again, not read as a malformed page (StreamingJson#requireComplete).
      HttpBody body = HttpBody.fetch(fetcher, URI.create(logUri), headers(), logUri, "comtrade",
          StreamingJson::requireComplete);
      Optional<ApimMessages.OutOfQuota> quota = body.status() == 403 ? outOfQuota(body, logUri) : Optional.empty();
      if (quota.isEmpty()) {
        return body;
      }
      body.close();
      if (config.quotaExhausted() == ComtradeConfig.QuotaExhausted.FAIL) {
        throw outOfQuota(quota.get(), logUri);
      }
      awaitQuota(quota.get(), logUri);
    }
  }

  /**
   * comtrade.quota.exhausted=FAIL: the task fails instead of waiting (a one-shot tradepulse ingest, which would
   * otherwise wait for hours and end at its --timeout, "not done", without saying why). Thrown before anything of the
   * call is emitted and with the reporter's state untouched, as a stop during the wait would leave them; Connect's
   * final offset commit of the failed task keeps every record delivered before, so a restart asks this call first.
   */
  private OutOfQuotaException outOfQuota(ApimMessages.OutOfQuota quota, String logUri) {
    // To the second, as the gateway counts: a run again a fraction of a second early is covered by the margin.
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Optional<Instant> askAgainAt = quota.replenishedIn().map(in -> now.plus(in).plus(QUOTA_MARGIN));
    String when = askAgainAt.map(at -> "it is replenished at " + now.plus(quota.replenishedIn().get())
        + "; run again (restart the task) after " + at).orElse("the answer gives no replenish time that can be "
        + "read; run again (restart the task) in an hour or so");
    return new OutOfQuotaException("Comtrade: the subscription is out of its call quota (HTTP 403 \""
        + quota.message() + "\") for " + logUri + "; " + when + ". Not waiting for it ("
        + ComtradeConfig.QUOTA_EXHAUSTED_CONFIG + "=FAIL): the offsets keep every record delivered so far, so the next "
        + "run resumes with this call", askAgainAt);
  }

  private static Optional<ApimMessages.OutOfQuota> outOfQuota(HttpBody body, String logUri) {
    try {
      return ApimMessages.outOfQuota(body.head(ApimMessages.HEAD_BYTES));
    } catch (IOException e) {
      body.close();
      throw new RetriableException("Cannot read the response of " + logUri, e);
    }
  }

  /**
   * Waits until the quota is replenished, and {@link #QUOTA_MARGIN} more; at most {@link #MAX_QUOTA_WAIT}, and
   * {@link #UNREADABLE_QUOTA_WAIT} when the gateway's time cannot be read. One WARN per wait.
   *
   * @throws RetriableException when the task stops meanwhile (nothing moved: a restart asks the call again)
   */
  private void awaitQuota(ApimMessages.OutOfQuota quota, String logUri) throws InterruptedException {
    Duration wait;
    String when;
    if (quota.replenishedIn().isEmpty()) {
      wait = UNREADABLE_QUOTA_WAIT;
      when = "in " + hours(wait) + ": the message gives no replenish time that can be read";
    } else if (quota.replenishedIn().get().plus(QUOTA_MARGIN).compareTo(MAX_QUOTA_WAIT) > 0) {
      wait = MAX_QUOTA_WAIT;
      when = "in " + hours(wait) + ", the longest this task waits for the daily quota (that answer says how long is "
          + "left then)";
    } else {
      wait = quota.replenishedIn().get().plus(QUOTA_MARGIN);
      when = "once it is replenished, and " + QUOTA_MARGIN.toSeconds() + " s more";
    }
    Instant until = clock.instant().plus(wait);
    log.warn("Comtrade: the subscription is out of its call quota (HTTP 403 \"{}\") for {}: asking the same call "
        + "again at {}, {}. Nothing is skipped, and the offsets stay where they are meanwhile", quota.message(), logUri,
        until, when);
    metrics.quotaWait(until);
    try {
      sleeper.sleep(wait);
    } finally {
      metrics.quotaWaitOver();
    }
    if (sleeper.stopped()) {
      throw new RetriableException("Task stopping: not asking " + logUri + " again (out of call quota)");
    }
  }

  private static String hours(Duration d) {
    return d.toMinutesPart() == 0 ? d.toHours() + " h" : d.toHours() + " h " + d.toMinutesPart() + " min";
  }

  private Map<String, String> headers() {
    return config.key() == null ? Map.of() : Map.of("Ocp-Apim-Subscription-Key", config.key());
  }

  /**
   * The window of a reporter asked one period per call because a page of several periods hit maxRecords: it stays so
   * up to the end of that window (going back to several periods after each page would hit maxRecords again and double
   * the calls, against a quota of some 500 a day).
   *
   * @param end last period of the page that hit maxRecords
   * @param newestWithData newest period among the records that page did carry (null if none)
   */
  private record SingleWindow(YearMonth end, YearMonth newestWithData) {}

  /**
   * Where the cursor goes after an answered window without figures. A period asked alone because its window was cut
   * ({@link SingleWindow}) is stepped over when a later period of that window is known to have data: several periods
   * per call, the cursor would have moved past it as well. Otherwise the periods are probably not published yet, and
   * the cursor stays unless they are so old that they never will be ({@link MonthGaps}); a reporter asked one period
   * per call then goes back to several (it is asked again after poll.interval.ms), since whether the later periods of
   * the cut window have data is unknown: asking them one by one could wait on this period while they are out.
   */
  private YearMonth afterEmpty(String reporter, SingleWindow single, YearMonth next, YearMonth windowEnd,
      YearMonth lastPossible) {
    if (laterHasData(single, next)) {
      return windowEnd.plusMonths(1);
    }
    singlePeriod.remove(reporter);
    return MonthGaps.afterEmptyWindow(next, windowEnd, lastPossible, config.publicationLagMonths());
  }

  private static boolean laterHasData(SingleWindow single, YearMonth next) {
    return single != null && single.newestWithData() != null && next.isBefore(single.newestWithData());
  }

  /**
   * A page of one period that hit maxRecords: it is cut, and there is no smaller call to split it into. Emitting it
   * would publish part of the period as if it were all of it (totals computed downstream would be silently short),
   * and moving the cursor past it would lose the rest for good; so the task fails, before anything of the period is
   * emitted and with the offset where it was, naming the settings that make the query smaller.
   */
  private ConnectException truncated(String reporter, String period, int count, String logUri) {
    return new ConnectException("Comtrade reporter " + reporter + ", period " + period + ": the response reports "
        + count + " records, the most one call returns (" + ComtradeConfig.MAX_RECORDS_CONFIG + "="
        + config.maxRecords() + "), so it is cut even for a single period; nothing of it was emitted. Raise "
        + ComtradeConfig.MAX_RECORDS_CONFIG + " (at most " + config.maxRecordsLimit() + " at this endpoint) or narrow "
        + ComtradeConfig.PARTNERS_CONFIG + "="
        + String.join(",", config.partners()) + " / " + ComtradeConfig.CMD_CONFIG + "="
        + String.join(",", config.cmdCodes()) + " / " + ComtradeConfig.FLOWS_CONFIG + "="
        + String.join(",", config.flows()) + " (" + logUri + ")");
  }

  /**
   * Whether the page just fetched is the one the stored offset was emitting, so its first {@code rowsDone} items were
   * delivered. Offsets written before the fingerprint left the rest of the body out carry the digest of the whole
   * body: that one is still accepted (it matches when the API happened to report the same elapsedTime), and read
   * only then, since it costs one more pass over the page.
   */
  private static boolean resumable(ComtradeOffset off, String digest, HttpBody body) throws IOException {
    if (off.rowsDone() == 0 || off.digest().isEmpty()) {
      return false;
    }
    return digest.equals(off.digest()) || body.digest().equals(off.digest());
  }

  /**
   * The page being emitted: its records (one {@link Part}) are built one batch per poll.
   *
   * @param revised the item as it goes out (a re-emitted period's figures with their revision)
   * @param recheckAt when to ask the reporter again if the page had no figures and the cursor cannot move; null
   *     to ask for the next window right away
   * @param window the look-back call, queued again if reading fails; null for new periods
   */
  private record OpenPage(String reporter, Map<String, String> partition, Part<ComtradeOffset> part,
      UnaryOperator<ParsedItem> revised, long occurredAt, Instant recheckAt, String logUri, Window window) {}

  /**
   * Up to batch.max.records records of the open page, each item's offset counting the items done and the last one's
   * moving the cursor past the newest period with data (or, for a look-back page, storing the changed periods'
   * fingerprints); at the page's end the reporter's state moves on.
   */
  private List<SourceRecord> emit() {
    OpenPage pg = open;
    Part<ComtradeOffset> p = pg.part();
    try {
      List<SourceRecord> out = batch(p, pg.partition(), pg.revised(), pg.occurredAt());
      if (p.cursor().ended()) {
        int breakdowns = p.cursor().skipped();
        if (breakdowns > 0) {
          metrics.skipped(breakdowns);
          log.warn("Comtrade response for {} had {} records that are not totals (partner2Code/customsCode/motCode "
              + "breakdowns) despite the filter: skipped", pg.logUri(), breakdowns);
        }
        moveOn(pg.reporter(), p.done(), pg.recheckAt());
        closeOpenPayload();
      } else {
        state.put(pg.reporter(), p.reached());
      }
      return out;
    } catch (IOException | RuntimeException e) {
      // Asked and read again on the next poll (a look-back window is queued again).
      throw partFailed(pg.reporter(), p, pg.window(), e, pg.logUri());
    }
  }

  @Override
  protected void closeOpenPayload() {
    OpenPage pg = open;
    open = null;
    if (pg != null) {
      pg.part().cursor().closeQuietly(log, pg.logUri()); // deletes the temporary file
    }
  }

  /** Visible for tests. */
  ComtradeOffset offsetOf(String reporter) {
    return state.get(reporter);
  }
}
