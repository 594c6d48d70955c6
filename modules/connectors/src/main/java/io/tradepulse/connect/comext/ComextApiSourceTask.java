package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.HttpPage;
import io.tradepulse.connect.common.MonthGaps;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.RetryingFetcher;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.connect.common.TradeSourceTask;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
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
 */
public class ComextApiSourceTask extends TradeSourceTask<ComextConfig> {
  static final String REPORTERS_TASK_CONFIG = "comext.task.reporters";
  private static final ZoneId BRUSSELS = ZoneId.of("Europe/Brussels");

  private final Map<String, ComextOffset> state = new LinkedHashMap<>();
  private final Map<String, Instant> nextCheck = new HashMap<>();
  private final Map<String, Boolean> singleMonth = new HashMap<>();
  private ComextParser parser;
  private RetryingFetcher fetcher;

  @Override
  protected ComextConfig parseConfig(Map<String, String> props) {
    return new ComextConfig(props);
  }

  Map<String, String> partition(String reporter) {
    return Map.of("source", "comext", "dataset", config.dataset(), "reporter", reporter,
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
        log.info("Comext reporter {} resumes at {}", r, off);
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
    for (Map.Entry<String, ComextOffset> e : state.entrySet()) {
      String reporter = e.getKey();
      ComextOffset off = e.getValue();
      if (now.isBefore(nextCheck.get(reporter)) || off.next().isAfter(lastPossible)) {
        continue;
      }
      boolean single = singleMonth.getOrDefault(reporter, false);
      String url = url(reporter, off.next(), single ? off.next() : null);
      HttpPage page = fetcher.fetch(URI.create(url), Map.of("Accept", "text/csv"), url);
      String body = ComextParser.text(page.body());
      if (page.status() == 413 || body.contains("EXTRACTION_TOO_BIG")) {
        if (single) {
          throw new ConnectException("Comext extraction too big even for one month (" + off.next() + ") at " + url
              + ": narrow " + ComextConfig.PARTNERS_CONFIG + " or " + ComextConfig.PRODUCTS_CONFIG);
        }
        log.warn("Comext answered EXTRACTION_TOO_BIG for {}: asking one month per call", url);
        singleMonth.put(reporter, true);
        continue;
      }
      boolean noData = page.isNoData() || (page.status() == 404 && body.contains("NO_RECORDS_FOUND"));
      Parsed parsed = noData ? null : parse(page, url);
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
      ComextOffset done = new ComextOffset(next, 0, "");
      List<SourceRecord> out = new ArrayList<>();
      if (parsed != null) {
        String digest = Digests.of(page.body());
        long skip = digest.equals(off.digest()) ? off.rowsDone() : 0;
        List<ParsedItem> items = parsed.items();
        for (int i = (int) skip; i < items.size(); i++) {
          ComextOffset o = i == items.size() - 1 ? done : new ComextOffset(off.next(), i + 1, digest);
          out.add(records.create(partition(reporter), o.toMap(), items.get(i), parsed.publishedAt()));
        }
      }
      e.setValue(done);
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  private Parsed parse(HttpPage page, String url) {
    if (page.status() != 200) {
      // Other 4xx: the query itself is wrong (unknown dataset or code); retrying cannot help.
      throw new ConnectException("Comext answered HTTP " + page.status() + " for " + url + ": "
          + new String(page.body(), 0, Math.min(page.body().length, 300), StandardCharsets.UTF_8));
    }
    Parsed parsed = parser.parseSdmx(page.body(), url);
    metrics.skipped(parsed.skipped());
    return parsed;
  }

  /** Visible for tests. */
  ComextOffset offsetOf(String reporter) {
    return state.get(reporter);
  }
}
