package io.tradepulse.connect.census;

import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.HttpPage;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.RetryingFetcher;
import io.tradepulse.connect.common.TradeSourceTask;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Reads its Census partitions month by month: catches up from census.start.month, then polls for the next
 * month (HTTP 204 = not released yet), and periodically re-fetches the look-back window, re-emitting a
 * month only when its payload fingerprint changed (a revision).
 *
 * <p>Determinism: publishedAt is derived from the release that carried the figure (a new month's own
 * FT-900; for a revision, the FT-900 of the newest month at the time), vintage = "FT-900 yyyy-MM". No
 * ingest clock goes into keys or values.
 */
public class CensusSourceTask extends TradeSourceTask<CensusConfig> {
  static final String PARTITIONS_CONFIG = "census.task.partitions";
  private static final ZoneId ET = ZoneId.of("America/New_York");

  private final class State {
    final CensusPartition partition;
    CensusOffset offset;
    Instant nextNewCheck = Instant.MIN;
    Instant nextRevisionCheck;
    final Deque<YearMonth> revisionQueue = new ArrayDeque<>();

    State(CensusPartition partition, CensusOffset offset) {
      this.partition = partition;
      this.offset = offset;
      this.nextRevisionCheck = clock.instant().plusMillis(config.revisionIntervalMs());
    }
  }

  private final List<State> states = new ArrayList<>();
  private CensusParser parser;
  private RetryingFetcher fetcher;
  private int roundRobin;

  @Override
  protected CensusConfig parseConfig(Map<String, String> props) {
    return new CensusConfig(props);
  }

  @Override
  protected void startTask(Map<String, String> props) {
    parser = new CensusParser(CodeTable.load("/io/tradepulse/connect/ref/census-schedule-c.csv", config.countryTable()));
    fetcher = retryingFetcher();
    for (String enc : props.getOrDefault(PARTITIONS_CONFIG, "").split(",")) {
      if (enc.isBlank()) {
        continue;
      }
      CensusPartition p = CensusPartition.decode(enc);
      CensusOffset off = CensusOffset.fromMap(storedOffset(p.toMap()));
      log.info("Census partition {} resumes at {}", p.toMap(), off.toMap());
      states.add(new State(p, off));
    }
  }

  @Override
  protected List<SourceRecord> nextRecords() throws InterruptedException {
    // Several rounds so that a month with only group rows (no records) does not stall a catch-up.
    for (int round = 0; round < states.size() * 4 + 1 && !states.isEmpty(); round++) {
      State s = states.get(roundRobin++ % states.size());
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
    if (!now.isBefore(s.nextNewCheck)) {
      YearMonth target = off.latest() == null ? config.startMonth() : off.latest().plusMonths(1);
      YearMonth lastPossible = YearMonth.from(now.atZone(ET)).minusMonths(1);
      if (target.isAfter(lastPossible)) {
        s.nextNewCheck = now.plus(config.pollInterval());
      } else {
        List<SourceRecord> out = emitMonth(s, target);
        if (out == null) {
          s.nextNewCheck = now.plus(config.pollInterval());
        } else {
          return out;
        }
      }
    }
    if (off.latest() != null && config.lookback() > 0 && !now.isBefore(s.nextRevisionCheck)) {
      if (s.revisionQueue.isEmpty()) {
        for (int i = config.lookback(); i >= 0; i--) {
          YearMonth m = off.latest().minusMonths(i);
          if (!m.isBefore(config.startMonth())) { // months before the configured start are not ours
            s.revisionQueue.add(m);
          }
        }
        s.nextRevisionCheck = now.plusMillis(config.revisionIntervalMs());
      }
    }
    YearMonth revision = s.revisionQueue.poll();
    return revision == null ? null : emitMonth(s, revision);
  }

  /** Fetches one month; null when the API has no data for it (204). */
  private List<SourceRecord> emitMonth(State s, YearMonth month) throws InterruptedException {
    CensusPartition p = s.partition;
    CensusOffset off = s.offset;
    String logUri = url(p, month, false);
    URI uri = URI.create(url(p, month, true));
    HttpPage page = fetcher.fetch(uri, Map.of("Accept", "application/json"), logUri);
    if (page.isNoData()) {
      if (month.equals(off.inProgress())) {
        // The month vanished meanwhile (rare): forget the in-progress marker and carry on.
        s.offset = new CensusOffset(off.latest(), null, 0, null, off.digests());
      }
      return null;
    }
    if (page.status() != 200) {
      // 4xx other than 429 means the query itself is wrong (unknown variable, bad key): retrying cannot help.
      throw new ConnectException("Census API answered HTTP " + page.status() + " for " + logUri + ": "
          + new String(page.body(), 0, Math.min(page.body().length, 300), StandardCharsets.UTF_8));
    }
    String digest = Digests.of(page.body());
    boolean resuming = month.equals(off.inProgress());
    boolean isRevision = off.latest() != null && !month.isAfter(off.latest());
    if (!resuming && isRevision && digest.equals(off.digests().get(month))) {
      return List.of(); // unchanged: nothing to re-emit
    }
    YearMonth release = isRevision ? off.latest() : month;
    long publishedAt = releaseInstant(release).toEpochMilli();
    CensusParser.Context ctx = new CensusParser.Context(p.flow(), valueVar(p), commodityVar(p), month,
        p.flow().equals("EXPORT") ? "FAS" : "CUSTOMS", "FT-900 " + release, publishedAt, logUri);
    Parsed parsed = parser.parse(page.body(), ctx);
    metrics.skipped(parsed.skipped());
    long skip = resuming && digest.equals(off.inProgressDigest()) ? off.rowsDone() : 0;
    List<ParsedItem> items = parsed.items();
    CensusOffset done = off.completed(month, digest, config.lookback());
    List<SourceRecord> out = new ArrayList<>(items.size());
    Map<String, String> partition = p.toMap();
    for (int i = (int) skip; i < items.size(); i++) {
      CensusOffset rowOffset = i == items.size() - 1 ? done : off.rowDone(month, i + 1, digest);
      out.add(records.create(partition, rowOffset.toMap(), items.get(i), publishedAt));
    }
    s.offset = done;
    if (isRevision && !resuming) {
      log.info("Census {} {}: revised payload, re-emitting {} rows", p.dataset(), month, out.size());
    }
    return out;
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

  static Instant epoch(YearMonth m) {
    return m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  @SuppressWarnings("unused")
  private static byte[] copy(byte[] b) {
    return Arrays.copyOf(b, b.length);
  }
}
