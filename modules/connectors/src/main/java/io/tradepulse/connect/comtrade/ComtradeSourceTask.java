package io.tradepulse.connect.comtrade;

import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.HttpBody;
import io.tradepulse.connect.common.MonthGaps;
import io.tradepulse.connect.common.PayloadCursor;
import io.tradepulse.connect.common.RetryingFetcher;
import io.tradepulse.connect.common.SourcePartitions;
import io.tradepulse.connect.common.TradeSourceTask;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Pages through periods, at most 12 per call, per reporter. The cursor advances past the newest period
 * that had data; periods without data yet are asked again after poll.interval.ms (Comtrade publishes
 * with months of lag). A response that hits maxRecords is incomplete, so its periods are re-asked one per call up to
 * the end of that window; a single period that still hits it fails the task ({@link #truncated}).
 *
 * <p>A page (up to 100,000 records, some 90 MB) is never held whole: its body goes to a temporary file, is read
 * through once (to check it, and for its count, newest period and digest) and then parsed lazily, and each poll
 * builds at most batch.max.records records; the page stays open across polls, and a restart resumes after the last
 * delivered record.
 */
public class ComtradeSourceTask extends TradeSourceTask<ComtradeConfig> {
  static final String REPORTERS_TASK_CONFIG = "comtrade.task.reporters";
  /**
   * The totals over second partner, customs procedure and mode of transport: without these filters the API answers
   * every breakdown it holds as well, records sharing the total's series key (see {@link ComtradeParser#isTotal}).
   */
  static final String TOTALS_ONLY = "&partner2Code=0&customsCode=C00&motCode=0";

  private final Map<String, ComtradeOffset> state = new LinkedHashMap<>();
  private final Map<String, Instant> nextCheck = new HashMap<>();
  /** Per reporter asking one period per call: the window whose page hit maxRecords. */
  private final Map<String, SingleWindow> singlePeriod = new HashMap<>();
  private ComtradeParser parser;
  private RetryingFetcher fetcher;
  private OpenPage open; // the page whose records are being built, if any

  @Override
  protected ComtradeConfig parseConfig(Map<String, String> props) {
    return new ComtradeConfig(props);
  }

  Map<String, String> partition(String reporter) {
    return SourcePartitions.of("source", "comtrade", "reporter", reporter, "partners", String.join(",", config.partners()),
        "flows", String.join(",", config.flows()), "cmd", String.join(",", config.cmdCodes()));
  }

  @Override
  protected void startTask(Map<String, String> props) {
    parser = new ComtradeParser(CodeTable.load("/io/tradepulse/connect/ref/m49.csv", config.countryTable(),
        ComtradeConfig.COUNTRY_TABLE_CONFIG));
    fetcher = retryingFetcher();
    for (String r : props.getOrDefault(REPORTERS_TASK_CONFIG, String.join(",", config.reporters())).split(",")) {
      if (!r.isBlank()) {
        state.put(r, ComtradeOffset.fromMap(storedOffset(partition(r)), config.start()));
        nextCheck.put(r, Instant.MIN);
      }
    }
  }

  @Override
  protected List<SourceRecord> emitOpenPayload() throws InterruptedException {
    return open == null ? List.of() : emit();
  }

  @Override
  protected List<SourceRecord> nextRecords() throws InterruptedException {
    Instant now = clock.instant();
    YearMonth lastPossible = YearMonth.from(now.atZone(ZoneOffset.UTC)).minusMonths(1);
    for (Map.Entry<String, ComtradeOffset> e : state.entrySet()) {
      String reporter = e.getKey();
      ComtradeOffset off = e.getValue();
      if (now.isBefore(nextCheck.get(reporter)) || off.next().isAfter(lastPossible)) {
        continue;
      }
      SingleWindow single = singlePeriod.get(reporter);
      if (single != null && off.next().isAfter(single.end())) {
        singlePeriod.remove(reporter); // past the window that overflowed: back to several periods per call
        single = null;
      }
      int n = single != null ? 1 : config.periodsPerCall();
      List<String> periods = new ArrayList<>();
      for (YearMonth m = off.next(); periods.size() < n && !m.isAfter(lastPossible); m = m.plusMonths(1)) {
        periods.add(m.format(ComtradeConfig.YYYYMM));
      }
      String query = "/C/M/HS?reporterCode=" + reporter + "&partnerCode=" + String.join(",", config.partners())
          + "&period=" + String.join(",", periods) + "&flowCode=" + String.join(",", config.flows()) + "&cmdCode="
          + String.join(",", config.cmdCodes()) + TOTALS_ONLY + "&maxRecords=" + config.maxRecords();
      String logUri = config.baseUrl() + query;
      Map<String, String> headers = config.key() == null ? Map.of() : Map.of("Ocp-Apim-Subscription-Key", config.key());
      // The page goes to a temporary file and is read twice, never held: once to check it and find its count and
      // newest period, and for its digest; then parsed lazily, one batch of records per poll.
      HttpBody body = HttpBody.fetch(fetcher, URI.create(logUri), headers, logUri, "comtrade");
      boolean opened = false;
      try {
        YearMonth windowEnd = YearMonth.parse(periods.get(periods.size() - 1), ComtradeConfig.YYYYMM);
        if (body.isNoData()) {
          YearMonth past = afterEmpty(reporter, single, off.next(), windowEnd, lastPossible);
          if (laterHasData(single, off.next())) {
            log.info("Comtrade reporter {}: no data for {}, but a later period of the window asked one by one has: "
                + "moving on", reporter, off.next());
            e.setValue(new ComtradeOffset(past, 0, ""));
          } else if (past.isAfter(off.next())) {
            log.warn("Comtrade reporter {}: no data for {}..{} after {} months; treating as never published",
                reporter, off.next(), past.minusMonths(1), config.publicationLagMonths());
            e.setValue(new ComtradeOffset(past, 0, ""));
          } else {
            nextCheck.put(reporter, now.plus(config.pollInterval()));
          }
          continue;
        }
        if (body.status() != 200) {
          throw new ConnectException("Comtrade answered HTTP " + body.status() + " for " + logUri + ": "
              + body.head(300));
        }
        ComtradeParser.Page page = parser.open(body, logUri);
        if (page.count() >= config.maxRecords()) {
          page.close();
          if (periods.size() == 1) {
            throw truncated(reporter, periods.get(0), page.count(), logUri);
          }
          log.warn("Comtrade response for {} hit maxRecords={}: asking its periods one by one up to {}", logUri,
              config.maxRecords(), windowEnd);
          singlePeriod.put(reporter, new SingleWindow(windowEnd, page.newestPeriod()));
          return List.of();
        }
        YearMonth newest = page.newestPeriod();
        // The page's fingerprint covers its data[] only (see ComtradeParser.Page#dataDigest); a page that is one dead
        // letter has none and is fingerprinted whole.
        String digest = page.dataDigest() != null ? page.dataDigest() : body.digest();
        long skip = resumable(off, digest, body) ? off.rowsDone() : 0;
        // Without data in the chunk the cursor stays (those periods are probably not published yet) unless
        // they are so old that they never will be (MonthGaps): a gap must not stall the reporter for ever.
        YearMonth next = newest == null ? afterEmpty(reporter, single, off.next(), windowEnd, lastPossible)
            : newest.plusMonths(1);
        long occurredAt = off.next().plusMonths(2).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        Instant recheckAt = newest == null && !next.isAfter(off.next()) ? now.plus(config.pollInterval()) : null;
        open = new OpenPage(reporter, partition(reporter), off, new ComtradeOffset(next, 0, ""), digest, occurredAt,
            recheckAt, logUri, new PayloadCursor(page, body, skip));
        opened = true;
      } catch (IOException ex) {
        throw new RetriableException("Cannot read the response of " + logUri, ex);
      } finally {
        if (!opened) {
          body.close();
        }
      }
      List<SourceRecord> out = emit();
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
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
        + ComtradeConfig.MAX_RECORDS_CONFIG + " (at most 100000) or narrow " + ComtradeConfig.PARTNERS_CONFIG + "="
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
   * The page being emitted: its records are built one batch per poll.
   *
   * @param recheckAt when to ask the reporter again if the page had no figures and the cursor cannot move; null
   *     to ask for the next window right away
   */
  private record OpenPage(String reporter, Map<String, String> partition, ComtradeOffset before, ComtradeOffset done,
      String digest, long occurredAt, Instant recheckAt, String logUri, PayloadCursor cursor) {}

  /**
   * Up to batch.max.records records of the open page, each item's offset counting the items done and the last one's
   * moving the cursor past the newest period with data; at the page's end the reporter's state moves on.
   */
  private List<SourceRecord> emit() {
    OpenPage pg = open;
    try {
      List<SourceRecord> out = pg.cursor().next(config.batchMax(), (item, rowsDone, last) -> records.create(
          pg.partition(), (last ? pg.done() : new ComtradeOffset(pg.before().next(), rowsDone, pg.digest())).toMap(),
          item, pg.occurredAt()));
      if (pg.cursor().ended()) {
        int breakdowns = pg.cursor().skipped();
        if (breakdowns > 0) {
          metrics.skipped(breakdowns);
          log.warn("Comtrade response for {} had {} records that are not totals (partner2Code/customsCode/motCode "
              + "breakdowns) despite the filter: skipped", pg.logUri(), breakdowns);
        }
        state.put(pg.reporter(), pg.done());
        if (pg.recheckAt() != null) {
          nextCheck.put(pg.reporter(), pg.recheckAt());
        }
        closeOpenPayload();
      } else {
        state.put(pg.reporter(), new ComtradeOffset(pg.before().next(), pg.cursor().index(), pg.digest()));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      // Asked and read again on the next poll, past the items of the batches already handed out.
      long resume = pg.cursor().resumePoint();
      state.put(pg.reporter(), resume > 0 ? new ComtradeOffset(pg.before().next(), resume, pg.digest()) : pg.before());
      throw openPayloadFailed(e, "the response of " + pg.logUri());
    }
  }

  @Override
  protected void closeOpenPayload() {
    OpenPage pg = open;
    open = null;
    if (pg != null) {
      pg.cursor().closeQuietly(log, pg.logUri()); // deletes the temporary file
    }
  }
}
