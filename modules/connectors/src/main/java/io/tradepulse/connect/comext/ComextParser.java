package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.Hs;
import io.tradepulse.connect.common.ItemStream;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.Payload;
import io.tradepulse.connect.common.StreamingCsvReader;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.core.CsvReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Parses the two Comext payloads into TradeRows, values in EUR (currency=EUR) unless an {@link FxTable} is
 * configured, in which case every row is converted or dead-lettered (never a mix). Columns are found by
 * name. Imports are valued CIF, exports FOB (Eurostat methodology).
 *
 * <ul>
 *   <li>SDMX-CSV from the API: {@code DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,
 *       TIME_PERIOD,OBS_VALUE}; one row per observation; only VALUE_IN_EUROS rows are used (quantities are
 *       skipped). LAST UPDATE (dd/MM/yy) is the publication date: publishedAt and vintage come from it.</li>
 *   <li>Bulk monthly CSV: one row per (reporter, partner, trade type, product, flow, statistical procedure,
 *       supplementary unit, period); rows of one series and month are SUMMED into one record, because
 *       emitting them separately would let the last one overwrite the others downstream (upsert per
 *       series and month).</li>
 * </ul>
 */
final class ComextParser {
  static final String SOURCE = "COMEXT";
  private static final DateTimeFormatter LAST_UPDATE = DateTimeFormatter.ofPattern("dd/MM/yy", Locale.ROOT);
  private static final ZoneId CET = ZoneId.of("Europe/Luxembourg");

  /** Row filters of the bulk files (the API filters server-side). Empty = everything. */
  record Filter(Set<String> reporters, Set<String> partners, List<String> products, Set<String> flows) {
    boolean keeps(String reporter, String partner, String product, String flow) {
      return (reporters.isEmpty() || reporters.contains(reporter)) && (partners.isEmpty() || partners.contains(partner))
          && (flows.isEmpty() || flows.contains(flow))
          && (products.isEmpty() || products.stream().anyMatch(p -> p.equals("TOTAL") ? product.equals("TOTAL")
              : product.startsWith(p)));
    }
  }

  private final ComextGeo geo;
  private final FxTable fx; // null = keep EUR

  ComextParser(ComextGeo geo, FxTable fx) {
    this.geo = geo;
    this.fx = fx;
  }

  /**
   * A parsed SDMX-CSV response plus, for each item (same index), the month it belongs to and its content
   * for fingerprints; both are what a revision check compares.
   *
   * @param months month of each item, null when the row's TIME_PERIOD (or the whole header) is unreadable
   * @param contents the item's economic content: for a TradeRow its figure and identity, for a dead letter its
   *     reason and fields; never LAST UPDATE, line number or URL, because those change while figures do not
   *     (LAST UPDATE is dataset-wide and moves at every monthly update, for every row)
   */
  record SdmxParsed(Parsed parsed, List<YearMonth> months, List<String> contents) {
    SdmxParsed {
      months = Collections.unmodifiableList(new ArrayList<>(months)); // List.copyOf rejects nulls
      contents = List.copyOf(contents);
    }

    /**
     * Items grouped by month, each month's items sorted by content and fingerprinted. Sorting makes the
     * fingerprint and the emission order independent of the response's row order and window, so a month
     * read by a new-month call and by a look-back call gets the same digest, and rowsDone means the same
     * rows after a restart. Items without a month are left out.
     */
    SortedMap<YearMonth, Month> byMonth() {
      SortedMap<YearMonth, List<Integer>> idx = new TreeMap<>();
      for (int i = 0; i < months.size(); i++) {
        if (months.get(i) != null) {
          idx.computeIfAbsent(months.get(i), m -> new ArrayList<>()).add(i);
        }
      }
      SortedMap<YearMonth, Month> out = new TreeMap<>();
      idx.forEach((month, is) -> {
        is.sort(Comparator.comparing(contents::get));
        StringBuilder all = new StringBuilder();
        for (int i : is) {
          all.append(contents.get(i)).append('\u001e');
        }
        out.put(month, new Month(is.stream().map(i -> parsed.items().get(i)).toList(),
            Digests.of(all.toString().getBytes(StandardCharsets.UTF_8))));
      });
      return out;
    }

    /** Items that belong to no month (unreadable TIME_PERIOD or header). */
    int withoutMonth() {
      return (int) months.stream().filter(Objects::isNull).count();
    }
  }

  /** The items of one month in fingerprint order, and the fingerprint. */
  record Month(List<ParsedItem> items, String digest) {}

  /** SDMX-CSV response of the dissemination API, with each item's month and fingerprint content. */
  SdmxParsed parseSdmx(byte[] payload, String sourceRef) {
    CsvReader r = new CsvReader(payload);
    CsvReader.Row header = r.next();
    if (header == null) {
      return new SdmxParsed(new Parsed(List.of(), 0), List.of(), List.of());
    }
    List<String> h = header.fields().stream().map(String::trim).toList();
    int upd = h.indexOf("LAST UPDATE");
    int rep = h.indexOf("reporter");
    int par = h.indexOf("partner");
    int prod = h.indexOf("product");
    int flow = h.indexOf("flow");
    int ind = h.indexOf("indicators");
    int time = h.indexOf("TIME_PERIOD");
    int obs = h.indexOf("OBS_VALUE");
    if (Math.min(Math.min(Math.min(rep, par), Math.min(prod, flow)), Math.min(Math.min(ind, time), obs)) < 0) {
      BadRow bad = BadRow.of("Unexpected Comext SDMX-CSV header " + h + ": needs reporter, partner, "
          + "product, flow, indicators, TIME_PERIOD, OBS_VALUE", sourceRef, "header", payload);
      return new SdmxParsed(Parsed.whollyBad(bad), Collections.singletonList(null), List.of(bad.reason()));
    }
    Collector out = new Collector(upd);
    int skipped = 0;
    long newestPublished = 0;
    for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
      if (row.isBlank()) {
        continue;
      }
      String position = "line " + row.line();
      if (!"VALUE_IN_EUROS".equals(row.field(ind).trim())) {
        skipped++;
        continue;
      }
      // Read first, so that a row dead-lettered for another reason still counts for its month's fingerprint.
      YearMonth month = monthOrNull(row.field(time));
      Long published = null;
      if (upd >= 0) {
        try {
          published = LocalDate.parse(row.field(upd).trim(), LAST_UPDATE).atTime(LocalTime.of(11, 0)).atZone(CET)
              .toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
          out.add(BadRow.of("Unreadable LAST UPDATE '" + row.field(upd) + "' (dd/MM/yy)", sourceRef, position,
              row.raw()), month, row);
          continue;
        }
      }
      if (published == null) {
        out.add(BadRow.of("No LAST UPDATE column: publication date unknown", sourceRef, position, row.raw()), month, row);
        continue;
      }
      newestPublished = Math.max(newestPublished, published);
      if (month == null) {
        out.add(BadRow.of("Unreadable TIME_PERIOD '" + row.field(time) + "' (yyyy-MM)", sourceRef, position, row.raw()),
            null, row);
        continue;
      }
      String vintage = "COMEXT " + lastUpdateDate(published);
      ParsedItem item = toRow(row.field(rep), row.field(par), row.field(prod), row.field(flow), month,
          row.field(obs), vintage, published, sourceRef, position, row.raw());
      if (item == null) {
        skipped++;
      } else {
        out.add(item, month, row);
      }
    }
    return new SdmxParsed(new Parsed(out.items, skipped, newestPublished), out.months, out.contents);
  }

  /** Items of an SDMX-CSV response with their months and fingerprint contents (see {@link SdmxParsed}). */
  private static final class Collector {
    final List<ParsedItem> items = new ArrayList<>();
    final List<YearMonth> months = new ArrayList<>();
    final List<String> contents = new ArrayList<>();
    private final int lastUpdateColumn;

    Collector(int lastUpdateColumn) {
      this.lastUpdateColumn = lastUpdateColumn;
    }

    void add(ParsedItem item, YearMonth month, CsvReader.Row row) {
      items.add(item);
      months.add(month);
      contents.add(item instanceof TradeRow t ? content(t) : content((BadRow) item, row, lastUpdateColumn));
    }
  }

  private static YearMonth monthOrNull(String s) {
    try {
      return YearMonth.parse(s.trim());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Fingerprint content of a figure: everything downstream keys or reads, except vintage and publishedAt. */
  static String content(TradeRow t) {
    return String.join("\u001f", "T", t.reporter(), t.partner(), t.flow(), t.commodity(), t.commodityLevel(),
        YearMonth.of(t.year(), t.month()).toString(), Integer.toString(t.months()), String.valueOf(t.value()),
        t.currency(), String.valueOf(t.valuation()), String.valueOf(t.note()));
  }

  /** Fingerprint content of a dead letter: its reason and fields, LAST UPDATE blanked (see {@link SdmxParsed}). */
  private static String content(BadRow bad, CsvReader.Row row, int upd) {
    List<String> fields = new ArrayList<>(row.fields());
    if (upd >= 0 && upd < fields.size()) {
      fields.set(upd, "");
    }
    return "B\u001f" + bad.reason() + "\u001f" + String.join("\u001f", fields);
  }

  private static String lastUpdateDate(long millis) {
    return java.time.Instant.ofEpochMilli(millis).atZone(CET).toLocalDate().toString();
  }

  /** A bulk monthly CSV (already extracted from its .7z), held in memory: tests and small files. */
  Parsed parseBulk(byte[] payload, String location, Filter filter, int releaseLagDays) {
    return ItemStream.collect(openBulk(Payload.of(payload), location, filter, releaseLagDays));
  }

  /**
   * A bulk monthly CSV read as a stream. The sums need the whole file, so the first {@link ItemStream#next()}
   * reads it all, keeping per (reporter, partner, product, flow, period) kept by the filter only its sum and
   * what its record needs (first line number; the raw first row only for a key that will be dead-lettered),
   * then hands out the records one at a time. Memory: the distinct filtered keys, not the file.
   */
  ItemStream openBulk(Payload payload, String location, Filter filter, int releaseLagDays) {
    return new BulkRows(payload, location, filter, releaseLagDays);
  }

  /** The aggregate of one key: its sum, its first row's line (the record's position) and, if needed, raw bytes. */
  private static final class Sum {
    long value;
    final long line;
    final byte[] raw; // null when the key makes a TradeRow, which carries no raw bytes

    Sum(long line, byte[] raw) {
      this.line = line;
      this.raw = raw;
    }
  }

  private final class BulkRows implements ItemStream {
    private static final DateTimeFormatter YYYYMM = DateTimeFormatter.ofPattern("yyyyMM", Locale.ROOT);
    private final Payload payload;
    private final String location;
    private final Filter filter;
    private final int releaseLagDays;
    private final String fileName;
    private Iterator<ParsedItem> bad; // dead letters of single rows come first, as they always did
    private Iterator<Map.Entry<List<String>, Sum>> sums;
    private int skipped;
    private long newest;
    private StreamingCsvReader reader;

    BulkRows(Payload payload, String location, Filter filter, int releaseLagDays) {
      this.payload = payload;
      this.location = location;
      this.filter = filter;
      this.releaseLagDays = releaseLagDays;
      this.fileName = location.substring(location.replace('\\', '/').lastIndexOf('/') + 1);
    }

    @Override
    public ParsedItem next() throws IOException {
      if (sums == null) {
        aggregate();
      }
      if (bad.hasNext()) {
        return bad.next();
      }
      while (sums.hasNext()) {
        Map.Entry<List<String>, Sum> e = sums.next();
        sums.remove(); // emitted keys need no memory any more
        ParsedItem item = item(e.getKey(), e.getValue(), e.getValue().value);
        if (item == null) {
          skipped++;
        } else {
          return item;
        }
      }
      return null;
    }

    /** The record of one key; {@code value} is its sum (any number for the dead-letter check at first sight). */
    private ParsedItem item(List<String> k, Sum s, long value) {
      String position = "line " + s.line;
      YearMonth month;
      try {
        month = YearMonth.parse(k.get(4), YYYYMM);
      } catch (DateTimeParseException ex) {
        return BadRow.of("Unreadable PERIOD '" + k.get(4) + "' (yyyyMM)", location, position, s.raw);
      }
      return toRow(k.get(0), k.get(1), k.get(2), k.get(3), month, Long.toString(value), "COMEXT bulk " + fileName,
          published(month), location, position, s.raw);
    }

    private long published(YearMonth month) {
      return month.atEndOfMonth().plusDays(releaseLagDays).atTime(LocalTime.of(11, 0)).atZone(CET).toInstant()
          .toEpochMilli();
    }

    private void aggregate() throws IOException {
      List<ParsedItem> badRows = new ArrayList<>();
      // Sum per (reporter, partner, product, flow, period); keep first-seen order so offsets are stable.
      LinkedHashMap<List<String>, Sum> bySeries = new LinkedHashMap<>();
      // The same few reporter, partner, flow and period strings recur on millions of rows: share one copy.
      Map<String, String> shared = new HashMap<>();
      reader = new StreamingCsvReader(payload.open());
      try {
        CsvReader.Row header = reader.next();
        if (header == null) {
          bad = Collections.emptyIterator();
          sums = Collections.emptyIterator();
          return;
        }
        List<String> h = header.fields().stream().map(s -> s.trim().toUpperCase(Locale.ROOT)).toList();
        int rep = h.indexOf("REPORTER");
        int par = h.indexOf("PARTNER");
        int prod = h.indexOf("PRODUCT_NC");
        int flow = h.indexOf("FLOW");
        int period = h.indexOf("PERIOD");
        int val = h.indexOf("VALUE_EUR");
        if (Math.min(Math.min(rep, par), Math.min(Math.min(prod, flow), Math.min(period, val))) < 0) {
          bad = List.<ParsedItem>of(BadRow.wholePayload("Unexpected Comext bulk header " + h + ": needs REPORTER, "
              + "PARTNER, PRODUCT_NC, FLOW, PERIOD, VALUE_EUR", null, location, "header", payload)).iterator();
          sums = Collections.emptyIterator();
          return;
        }
        for (CsvReader.Row row = reader.next(); row != null; row = reader.next()) {
          if (row.isBlank()) {
            continue;
          }
          String flowName = flowName(row.field(flow).trim());
          String product = row.field(prod).trim();
          if (!filter.keeps(row.field(rep).trim(), row.field(par).trim(), product, flowName == null ? "" : flowName)) {
            skipped++;
            continue;
          }
          long v;
          try {
            v = new BigDecimal(row.field(val).trim()).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
          } catch (RuntimeException e) {
            badRows.add(BadRow.of("Non-numeric VALUE_EUR '" + row.field(val) + "'", location, "line " + row.line(),
                row.raw()));
            continue;
          }
          List<String> key = List.of(shared.computeIfAbsent(row.field(rep).trim(), x -> x),
              shared.computeIfAbsent(row.field(par).trim(), x -> x), product,
              shared.computeIfAbsent(row.field(flow).trim(), x -> x),
              shared.computeIfAbsent(row.field(period).trim(), x -> x));
          Sum sum = bySeries.get(key);
          if (sum == null) {
            // Whether the key is a dead letter depends on the key alone (codes, period, FX month), never on the
            // sum: keep the raw first row only for those, the only records that carry it.
            Sum probe = new Sum(row.line(), row.raw());
            sum = item(key, probe, 0) instanceof BadRow ? probe : new Sum(row.line(), null);
            bySeries.put(key, sum);
          }
          sum.value = Math.addExact(sum.value, v);
        }
      } finally {
        reader.close();
      }
      for (List<String> k : bySeries.keySet()) { // records carry the newest publication time of the file
        try {
          newest = Math.max(newest, published(YearMonth.parse(k.get(4), YYYYMM)));
        } catch (DateTimeParseException e) {
          // an unreadable period is a dead letter and no publication time
        }
      }
      bad = badRows.iterator();
      sums = bySeries.entrySet().iterator();
    }

    @Override
    public int skipped() {
      return skipped;
    }

    @Override
    public long publishedAt() {
      return newest;
    }

    @Override
    public void close() throws IOException {
      if (reader != null) {
        reader.close();
      }
    }
  }

  static String flowName(String code) {
    return switch (code) {
      case "1" -> "IMPORT";
      case "2" -> "EXPORT";
      default -> null;
    };
  }

  /** @return the row, a dead letter, or null for an aggregate partner (skipped, never added to countries) */
  private ParsedItem toRow(String reporterCode, String partnerCode, String productCode, String flowCode,
      YearMonth month, String obs, String vintage, long published, String sourceRef, String position, byte[] raw) {
    Optional<CodeTable.Entry> reporter = geo.lookup(reporterCode);
    if (reporter.isEmpty() || reporter.get().kind() == CodeTable.Kind.GROUP) {
      return BadRow.of("Unknown Comext reporter '" + reporterCode + "'", sourceRef, position, raw);
    }
    Optional<CodeTable.Entry> partner = geo.lookup(partnerCode);
    if (partner.isPresent() && partner.get().kind() == CodeTable.Kind.GROUP) {
      return null;
    }
    if (partner.isEmpty()) {
      return BadRow.of("Unknown Comext partner '" + partnerCode + "'", sourceRef, position, raw);
    }
    String flow = flowName(flowCode.trim());
    if (flow == null) {
      return BadRow.of("Unknown Comext flow '" + flowCode + "' (1 import, 2 export)", sourceRef, position, raw);
    }
    String commodity = Hs.normalize(productCode);
    Optional<String> level = Hs.level(commodity);
    if (level.isEmpty()) {
      return BadRow.of("Unsupported product code '" + productCode + "'", sourceRef, position, raw);
    }
    if (obs == null || obs.isBlank()) {
      return BadRow.of("Empty OBS_VALUE (confidential or not available)", sourceRef, position, raw);
    }
    long eur;
    try {
      eur = new BigDecimal(obs.trim()).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
    } catch (RuntimeException e) {
      return BadRow.of("Non-numeric value '" + obs + "'", sourceRef, position, raw);
    }
    Long value = eur;
    String currency = "EUR";
    String note = null;
    if (fx != null) {
      Optional<BigDecimal> rate = fx.rate(month);
      if (rate.isEmpty()) {
        return BadRow.of("No EUR->" + fx.currency() + " rate for " + month + " in " + fx.name()
            + ": not converted, and not published in EUR among converted rows", sourceRef, position, raw);
      }
      value = FxTable.convert(eur, rate.get());
      currency = fx.currency();
      note = "converted from EUR " + eur + " at " + rate.get().toPlainString() + " " + fx.currency() + "/EUR";
    }
    return new TradeRow(reporter.get().iso3(), partner.get().iso3(), flow, commodity, level.get(), month.getYear(),
        month.getMonthValue(), 1, value, currency, flow.equals("IMPORT") ? "CIF" : "FOB", null, SOURCE, sourceRef,
        vintage, published, 0, note);
  }

  static String text(byte[] b) {
    return new String(b, 0, Math.min(b.length, 300), StandardCharsets.UTF_8);
  }
}
