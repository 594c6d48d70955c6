package io.tradepulse.connect.comtrade;

import io.tradepulse.connect.common.CodeTable;
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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Pages through periods, at most 12 per call, per reporter. The cursor advances past the newest period
 * that had data; periods without data yet are asked again after poll.interval.ms (Comtrade publishes
 * with months of lag). A response that hits maxRecords is incomplete, so its periods are re-asked one per call.
 */
public class ComtradeSourceTask extends TradeSourceTask<ComtradeConfig> {
  static final String REPORTERS_TASK_CONFIG = "comtrade.task.reporters";

  private final Map<String, ComtradeOffset> state = new LinkedHashMap<>();
  private final Map<String, Instant> nextCheck = new HashMap<>();
  private final Map<String, Boolean> singlePeriod = new HashMap<>();
  private ComtradeParser parser;
  private RetryingFetcher fetcher;

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
    parser = new ComtradeParser(CodeTable.load("/io/tradepulse/connect/ref/m49.csv", config.countryTable()));
    fetcher = retryingFetcher();
    for (String r : props.getOrDefault(REPORTERS_TASK_CONFIG, String.join(",", config.reporters())).split(",")) {
      if (!r.isBlank()) {
        state.put(r, ComtradeOffset.fromMap(storedOffset(partition(r)), config.start()));
        nextCheck.put(r, Instant.MIN);
      }
    }
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
      int n = singlePeriod.getOrDefault(reporter, false) ? 1 : config.periodsPerCall();
      List<String> periods = new ArrayList<>();
      for (YearMonth m = off.next(); periods.size() < n && !m.isAfter(lastPossible); m = m.plusMonths(1)) {
        periods.add(m.format(ComtradeConfig.YYYYMM));
      }
      String query = "/C/M/HS?reporterCode=" + reporter + "&partnerCode=" + String.join(",", config.partners())
          + "&period=" + String.join(",", periods) + "&flowCode=" + String.join(",", config.flows()) + "&cmdCode="
          + String.join(",", config.cmdCodes()) + "&maxRecords=" + config.maxRecords();
      String logUri = config.baseUrl() + query;
      Map<String, String> headers = config.key() == null ? Map.of() : Map.of("Ocp-Apim-Subscription-Key", config.key());
      HttpPage page = fetcher.fetch(URI.create(logUri), headers, logUri);
      YearMonth windowEnd = YearMonth.parse(periods.get(periods.size() - 1), ComtradeConfig.YYYYMM);
      if (page.isNoData()) {
        YearMonth past = MonthGaps.afterEmptyWindow(off.next(), windowEnd, lastPossible, config.publicationLagMonths());
        if (past.isAfter(off.next())) {
          log.warn("Comtrade reporter {}: no data for {}..{} after {} months; treating as never published",
              reporter, off.next(), past.minusMonths(1), config.publicationLagMonths());
          e.setValue(new ComtradeOffset(past, 0, ""));
        } else {
          nextCheck.put(reporter, now.plus(config.pollInterval()));
        }
        continue;
      }
      if (page.status() != 200) {
        throw new ConnectException("Comtrade answered HTTP " + page.status() + " for " + logUri + ": "
            + new String(page.body(), 0, Math.min(300, page.body().length), StandardCharsets.UTF_8));
      }
      Parsed parsed = parser.parse(page.body(), logUri);
      if (parser.lastCount() >= config.maxRecords() && periods.size() > 1) {
        log.warn("Comtrade response for {} hit maxRecords={}: asking its periods one by one", logUri, config.maxRecords());
        singlePeriod.put(reporter, true);
        return List.of();
      }
      YearMonth newest = null;
      for (ParsedItem item : parsed.items()) {
        if (item instanceof TradeRow t) {
          YearMonth ym = YearMonth.of(t.year(), t.month());
          newest = newest == null || ym.isAfter(newest) ? ym : newest;
        }
      }
      String digest = Digests.of(page.body());
      long skip = digest.equals(off.digest()) ? off.rowsDone() : 0;
      // Without data in the chunk the cursor stays (those periods are probably not published yet) unless
      // they are so old that they never will be (MonthGaps): a gap must not stall the reporter for ever.
      YearMonth next = newest == null
          ? MonthGaps.afterEmptyWindow(off.next(), windowEnd, lastPossible, config.publicationLagMonths())
          : newest.plusMonths(1);
      ComtradeOffset done = new ComtradeOffset(next, 0, "");
      List<SourceRecord> out = new ArrayList<>();
      List<ParsedItem> items = parsed.items();
      long occurredAt = off.next().plusMonths(2).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
      for (int i = (int) skip; i < items.size(); i++) {
        ComtradeOffset o = i == items.size() - 1 ? done : new ComtradeOffset(off.next(), i + 1, digest);
        out.add(records.create(partition(reporter), o.toMap(), items.get(i), occurredAt));
      }
      e.setValue(done);
      singlePeriod.put(reporter, false);
      if (newest == null && !next.isAfter(off.next())) {
        nextCheck.put(reporter, now.plus(config.pollInterval()));
      }
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }
}
