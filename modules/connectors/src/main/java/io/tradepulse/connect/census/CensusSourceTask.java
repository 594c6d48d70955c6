package io.tradepulse.connect.census;

import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.HttpBody;
import io.tradepulse.connect.common.MonthGaps;
import io.tradepulse.connect.common.PayloadCursor;
import io.tradepulse.connect.common.RetryingFetcher;
import io.tradepulse.connect.common.StreamingJson;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.connect.common.TradeSourceTask;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Reads its Census partitions month by month: catches up from census.start.month, then polls for the next
 * month (HTTP 204 = not released yet, or no trade: see {@link #stepOverMonthWithoutData}), and periodically re-fetches
 * the look-back window, re-emitting a month only when its payload fingerprint changed (a revision).
 *
 * <p>A month's response (an HS10 month of every country is hundreds of thousands of rows) is never held whole: its
 * body goes to a temporary file, is read once for its digest, once to check it (a fault anywhere makes it one dead
 * letter) and to find rows of one record key (dead letters, see {@link ResponseKeys}), then parsed lazily, and each
 * poll builds at most batch.max.records records; the month stays open across polls, and a restart resumes after the
 * last delivered row.
 *
 * <p>Determinism: publishedAt is derived from the release that carried the figure (a new month's own
 * FT-900; for a revision, the FT-900 of the newest month at the time), vintage = "FT-900 yyyy-MM". No
 * ingest clock goes into keys or values.
 */
public class CensusSourceTask extends TradeSourceTask<CensusConfig> {
  static final String PARTITIONS_CONFIG = "census.task.partitions";
  private static final ZoneId ET = ZoneId.of("America/New_York");
  /**
   * Releases after its own that a month answered 204 is waited for before it is taken as without trade: one, so the
   * month after it must be due too (see {@link #stepOverMonthWithoutData}).
   */
  private static final int NO_TRADE_MARGIN_MONTHS = 1;

  private final class State {
    final CensusPartition partition;
    CensusOffset offset;
    Instant nextNewCheck = Instant.MIN;
    final Deque<YearMonth> revisionQueue = new ArrayDeque<>();

    State(CensusPartition partition, CensusOffset offset) {
      this.partition = partition;
      this.offset = offset;
    }

    /** Whether its look-back check is under way, or due now (once caught up, see {@link #step}). */
    boolean lookbackDue(Instant now) {
      Map<String, String> p = partition.toMap();
      return !revisionQueue.isEmpty() || revisionChecks.underWay(p)
          || offset.latest() != null && revisionChecks.due(p, now);
    }
  }

  private final List<State> states = new ArrayList<>();
  private CensusParser parser;
  private RetryingFetcher fetcher;
  private int roundRobin; // the partition whose turn is next: kept below states.size(), see nextRecords
  private OpenMonth open; // the month whose records are being built, if any

  @Override
  protected CensusConfig parseConfig(Map<String, String> props) {
    return new CensusConfig(props);
  }

  @Override
  protected void startTask(Map<String, String> props) {
    revisionChecks.schedule(config.lookback() > 0, Duration.ofMillis(config.revisionIntervalMs()));
    parser = new CensusParser(CodeTable.load("/io/tradepulse/connect/ref/census-schedule-c.csv",
        config.countryTable(), CensusConfig.COUNTRY_TABLE_CONFIG));
    fetcher = retryingFetcher();
    for (String enc : props.getOrDefault(PARTITIONS_CONFIG, "").split(",")) {
      if (enc.isBlank()) {
        continue;
      }
      CensusPartition p = CensusPartition.decode(enc);
      Map<String, Object> stored = storedOffset(p.toMap());
      // The next look-back check counts from the last one, which the offset keeps: a restart does not put it off.
      revisionChecks.restore(p.toMap(), stored, clock.instant());
      CensusOffset off = CensusOffset.fromMap(stored);
      log.info("Census partition {} resumes at {}", p.toMap(), off.toMap());
      states.add(new State(p, off));
    }
  }

  @Override
  protected List<SourceRecord> emitOpenPayload() throws InterruptedException {
    return open == null ? List.of() : emit();
  }

  @Override
  protected List<SourceRecord> nextRecords() throws InterruptedException {
    // Several rounds so that a month with only group rows (no records) does not stall a catch-up.
    for (int round = 0; round < states.size() * 4 + 1 && !states.isEmpty(); round++) {
      // Never a running count: an idle task takes up to 4 turns a partition per unit, two units a second, so with some
      // hundred partitions (flows x commodity filters) a count passed Integer.MAX_VALUE within weeks, went negative,
      // and the negative index failed the task.
      int turn = roundRobin % states.size();
      roundRobin = turn + 1;
      State s = states.get(turn);
      List<SourceRecord> out = step(s);
      if (out != null && !out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  /** One unit of work for one partition; null = nothing to do there now. */
  private List<SourceRecord> step(State s) throws InterruptedException {
    Instant now = clock.instant();
    CensusOffset off = s.offset;
    if (off.inProgress() != null) {
      return emitMonth(s, off.inProgress());
    }
    // A month stepped over as without trade is no record: the month after it is asked at once (the loop ends, since
    // each step moves the cursor towards the last month that can be out).
    while (!now.isBefore(s.nextNewCheck)) {
      YearMonth target = s.offset.latest() == null ? config.startMonth() : s.offset.latest().plusMonths(1);
      YearMonth lastPossible = YearMonth.from(now.atZone(ET)).minusMonths(1);
      if (target.isAfter(lastPossible)) {
        s.nextNewCheck = now.plus(config.pollInterval());
      } else {
        List<SourceRecord> out = emitMonth(s, target);
        if (out != null) {
          return out;
        }
        if (!stepOverMonthWithoutData(s, target, now)) {
          s.nextNewCheck = now.plus(config.pollInterval());
        }
      }
    }
    off = s.offset;
    Map<String, String> partition = s.partition.toMap();
    if (s.revisionQueue.isEmpty()) {
      // Every month of the check under way was answered and, if changed, emitted whole (this step runs only once no
      // month is open): the check is complete, and the records built from now on carry its time in their offset.
      revisionChecks.complete(partition);
      if (off.latest() != null && revisionChecks.due(partition, now)) {
        for (int i = config.lookback(); i >= 0; i--) {
          YearMonth m = off.latest().minusMonths(i);
          if (!m.isBefore(config.startMonth())) { // months before the configured start are not ours
            s.revisionQueue.add(m);
          }
        }
        revisionChecks.start(partition, now);
      }
    }
    YearMonth revision = s.revisionQueue.peek();
    if (revision == null) {
      return null;
    }
    // Leaves the queue only once answered: a failed call (RetriableException) is repeated on the next poll, not
    // dropped from the check.
    List<SourceRecord> out = emitMonth(s, revision);
    s.revisionQueue.poll();
    return out;
  }

  @Override
  protected boolean workDue() {
    Instant now = clock.instant();
    return states.stream().anyMatch(s -> s.lookbackDue(now));
  }

  /**
   * After a new month was answered 204: whether it is taken as a month without trade and stepped over. The API answers
   * 204 both for a month that is not released yet and for a combination without trade that month (a seasonal HS10
   * line, a small partner); the partition's cursor only moves past emitted months, so without this a single month
   * without trade would stall it for ever. A month still answered 204 once the FT-900 of the month AFTER it is due
   * ({@link #releaseInstant}, one month of margin for a late release) is taken as without trade: the cursor moves past
   * it, and the look-back window re-reads it at the next revision check, so figures published late for it still come
   * (as a revision, carried by the newest release).
   */
  private boolean stepOverMonthWithoutData(State s, YearMonth month, Instant now) {
    YearMonth next = MonthGaps.afterEmptyWindow(month, month, lastReleased(now), NO_TRADE_MARGIN_MONTHS);
    if (!next.isAfter(month)) {
      return false;
    }
    log.warn("Census {} {}: no data (HTTP 204) although the FT-900 of {} is due; taken as a month without trade for "
        + "this partition, moving on (re-read by the revision checks of the look-back window)",
        s.partition.toMap(), month, month.plusMonths(1));
    s.offset = s.offset.withoutTrade(month, config.lookback());
    return true;
  }

  /** The newest month whose FT-900 is due by {@code now}. */
  private YearMonth lastReleased(Instant now) {
    YearMonth m = YearMonth.from(now.atZone(ET));
    while (releaseInstant(m).isAfter(now)) {
      m = m.minusMonths(1);
    }
    return m;
  }

  /**
   * Fetches one month and opens it for {@link #emit()}; null when the API has no data for it (204). The body goes to
   * a temporary file and is never held: it is read for its digest first (an unchanged revision is skipped, a resume
   * needs the same payload), then checked and parsed lazily ({@link CensusParser#open}).
   */
  private List<SourceRecord> emitMonth(State s, YearMonth month) throws InterruptedException {
    CensusPartition p = s.partition;
    CensusOffset off = s.offset;
    String logUri = url(p, month, false);
    URI uri = URI.create(url(p, month, true));
    // A body cut in transit is fetched again, not read as a malformed month (StreamingJson#requireComplete).
    HttpBody body = HttpBody.fetch(fetcher, uri, Map.of("Accept", "application/json"), logUri, "census",
        StreamingJson::requireComplete);
    boolean opened = false;
    try {
      if (body.isNoData()) {
        if (month.equals(off.inProgress())) {
          // The month vanished meanwhile (rare): forget the in-progress marker and carry on.
          s.offset = off.withoutInProgress();
        }
        return null;
      }
      if (body.status() != 200) {
        // 4xx other than 408/425/429 (retried by the fetcher) means the query itself is wrong (unknown variable, bad
        // key): retrying cannot help.
        throw new ConnectException("Census API answered HTTP " + body.status() + " for " + logUri + ": "
            + body.head(300));
      }
      String start = body.head(300);
      if (start.stripLeading().startsWith("<")) {
        // An invalid or not yet activated key is answered 200 with an HTML page, not an error status. Read as a
        // malformed payload, every month became one dead letter and was completed: the cursor ran to the present,
        // and after the key was fixed those months were not read again (outside the look-back window).
        throw new ConnectException("Census API answered an HTML page instead of data for " + logUri + " (it does so "
            + "for an invalid or not yet activated " + CensusConfig.API_KEY_CONFIG + "): " + start);
      }
      String digest = body.digest();
      boolean resuming = month.equals(off.inProgress());
      boolean isRevision = off.latest() != null && !month.isAfter(off.latest());
      if (!resuming && isRevision && digest.equals(off.digests().get(month))) {
        return List.of(); // unchanged: nothing to re-emit
      }
      YearMonth release = isRevision ? off.latest() : month;
      long publishedAt = releaseInstant(release).toEpochMilli();
      CensusParser.Context ctx = new CensusParser.Context(p.flow(), valueVar(p), commodityVar(p), month,
          p.flow().equals("EXPORT") ? "FAS" : "CUSTOMS", "FT-900 " + release, publishedAt, logUri);
      boolean sameAsInProgress = resuming && digest.equals(off.inProgressDigest());
      long skip = sameAsInProgress ? off.rowsDone() : 0;
      // A revision outranks the figures it replaces by its revision number too (see CensusOffset#revisions): its
      // publication time is that of the newest release, which they may carry already. A resumed month keeps the
      // revision its first rows went out with, unless its payload changed meanwhile.
      int revision = sameAsInProgress ? off.revision(month)
          : isRevision || resuming ? off.revision(month) + 1 : off.revision(month);
      CensusOffset before = off.withRevision(month, revision);
      CensusParser.Response response = parser.open(body, ctx);
      // A revised month whose dead letters are those it sent before (its good rows changed) sends none of them again:
      // trade.dlq would get the same dead letters at every revision. Decided from the offset the emission starts
      // from, whose in-progress offsets keep it, so a restart leaves out the same items and rows_done holds.
      boolean quiet = off.sentDeadLetters(month, response.deadLetters());
      open = new OpenMonth(s, month, before,
          before.completed(month, digest, response.deadLetters(), config.lookback()), digest, publishedAt, revision,
          isRevision && !resuming, logUri, new PayloadCursor(response.items(quiet), body, skip));
      opened = true;
    } catch (IOException e) {
      throw new RetriableException("Cannot read the response of " + logUri, e);
    } finally {
      if (!opened) {
        body.close();
      }
    }
    return emit();
  }

  /** The month being emitted: its records are built one batch per poll. */
  private record OpenMonth(State state, YearMonth month, CensusOffset before, CensusOffset done, String digest,
      long publishedAt, int revision, boolean revised, String logUri, PayloadCursor cursor) {}

  /**
   * Up to batch.max.records records of the open month, each row's offset {@code rowDone} and the last one's
   * {@code completed}; closes the month at its end.
   */
  private List<SourceRecord> emit() {
    OpenMonth m = open;
    Map<String, String> partition = m.state().partition.toMap();
    try {
      List<SourceRecord> out = m.cursor().next(config.batchMax(), (item, rowsDone, last) -> records.create(partition,
          (last ? m.done() : m.before().rowDone(m.month(), rowsDone, m.digest())).toMap(),
          item instanceof TradeRow t && m.revision() > 0 ? t.withRevision(m.revision()) : item, m.publishedAt()));
      if (m.cursor().ended()) {
        metrics.skipped(m.cursor().skipped());
        m.state().offset = m.done();
        if (m.revised()) {
          log.info("Census {} {}: revised payload, re-emitting {} rows", m.state().partition.dataset(), m.month(),
              m.cursor().index());
        }
        closeOpenPayload();
      } else {
        m.state().offset = m.before().rowDone(m.month(), m.cursor().index(), m.digest());
      }
      return out;
    } catch (IOException | RuntimeException e) {
      // Fetched and read again on the next poll, past the rows of the batches already handed out.
      long resume = m.cursor().resumePoint();
      m.state().offset = resume > 0 ? m.before().rowDone(m.month(), resume, m.digest()) : m.before();
      throw openPayloadFailed(e, "the response of " + m.logUri());
    }
  }

  @Override
  protected void closeOpenPayload() {
    OpenMonth m = open;
    open = null;
    if (m != null) {
      m.cursor().closeQuietly(log, m.logUri()); // deletes the temporary file
    }
  }

  Instant releaseInstant(YearMonth month) {
    return month.atEndOfMonth().plusDays(config.releaseLagDays()).atTime(LocalTime.of(8, 30)).atZone(ET).toInstant();
  }

  private String valueVar(CensusPartition p) {
    return p.flow().equals("EXPORT") ? "ALL_VAL_MO" : config.importValue() + "_VAL_MO";
  }

  private static String commodityVar(CensusPartition p) {
    if (p.commLvl().equals("TOTAL")) {
      return null;
    }
    return p.flow().equals("EXPORT") ? "E_COMMODITY" : "I_COMMODITY";
  }

  String url(CensusPartition p, YearMonth month, boolean withKey) {
    String comm = commodityVar(p);
    StringBuilder b = new StringBuilder(config.baseUrl()).append('/').append(p.dataset())
        .append("?get=CTY_CODE,CTY_NAME,");
    if (comm != null) {
      b.append(comm).append(',');
    }
    b.append(valueVar(p)).append(",SUMMARY_LVL&time=").append(month);
    if (comm != null) {
      b.append("&COMM_LVL=").append(p.commLvl());
      if (!p.commodity().equals("*")) {
        b.append('&').append(comm).append('=').append(p.commodity());
      }
    }
    String key = config.apiKey();
    if (withKey && key != null) {
      b.append("&key=").append(java.net.URLEncoder.encode(key, StandardCharsets.UTF_8));
    }
    return b.toString();
  }

  /** Visible for tests. */
  CensusOffset offsetOf(CensusPartition p) {
    return states.stream().filter(s -> s.partition.equals(p)).findFirst().map(s -> s.offset).orElse(null);
  }
}
