package io.tradepulse.connect.comext;

import io.tradepulse.avro.FigureQuality;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.Hs;
import io.tradepulse.connect.common.ItemStream;
import io.tradepulse.connect.common.NumberCells;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.Payload;
import io.tradepulse.connect.common.StreamingCsvReader;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.core.CsvReader;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Parses the two Comext payloads into TradeRows, values in EUR (currency=EUR) unless an {@link FxTable} is
 * configured, in which case every row is converted or dead-lettered (never a mix). Columns are found by
 * name. Imports are valued CIF, exports FOB (Eurostat methodology). Every figure is Eurostat's release, quality
 * PUBLISHED, unless an SDMX-CSV response has Eurostat's optional {@code OBS_FLAG} column and the row's flag marks the
 * observation estimated ({@link #quality}); the bulk files have no such column.
 *
 * <ul>
 *   <li>SDMX-CSV from the API: {@code DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,
 *       TIME_PERIOD,OBS_VALUE}, optionally {@code OBS_FLAG} after it (the dissemination API adds it to datasets whose
 *       observations carry flags); one row per observation; only VALUE_IN_EUROS rows are used (quantities are
 *       skipped). LAST UPDATE (dd/MM/yy) is the publication date: publishedAt and vintage come from it. A
 *       response is read as a stream, twice: once through ({@link #scanSdmx}: counts, newest LAST UPDATE, month
 *       fingerprints), then item by item ({@link #openSdmx}, or a month's items in fingerprint order).</li>
 *   <li>Bulk monthly CSV: one row per (reporter, partner, trade type, product, flow, statistical procedure,
 *       supplementary unit, period); rows of one series and month are SUMMED into one record, because
 *       emitting them separately would let the last one overwrite the others downstream (upsert per
 *       series and month).</li>
 * </ul>
 */
final class ComextParser {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ComextParser.class);
  static final String SOURCE = "COMEXT";
  // Strict: the default (smart) resolver moved an impossible day to the month's last (31/06/25 read as 30 June), so a
  // garbled date went out as a publication time instead of a dead letter. "uu" is the two-digit year (2000-2099) that
  // strict resolution accepts without an era.
  private static final DateTimeFormatter LAST_UPDATE = DateTimeFormatter.ofPattern("dd/MM/uu", Locale.ROOT)
      .withResolverStyle(ResolverStyle.STRICT);
  private static final DateTimeFormatter LAST_UPDATE_TIME = DateTimeFormatter.ofPattern("dd/MM/uu HH:mm:ss", Locale.ROOT)
      .withResolverStyle(ResolverStyle.STRICT);
  private static final ZoneId CET = ZoneId.of("Europe/Luxembourg");

  /**
   * Row filters of the bulk files (the API filters server-side). Empty = everything. A FLOW that is neither 1 nor 2
   * ({@code flow} null) is kept, whatever the flows chosen: it is no flow left out but a garbled line, a dead letter
   * ("Unknown Comext flow"); the flows filter, never empty, counted it as skipped and it vanished.
   */
  record Filter(Set<String> reporters, Set<String> partners, List<String> products, Set<String> flows) {
    boolean keeps(String reporter, String partner, String product, String flow) {
      return (reporters.isEmpty() || reporters.contains(reporter)) && (partners.isEmpty() || partners.contains(partner))
          && (flow == null || flows.isEmpty() || flows.contains(flow))
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
   * The columns of an SDMX-CSV response, found by name in its header; {@code upd} is -1 without LAST UPDATE, {@code flag}
   * -1 without OBS_FLAG (optional: the documented response has none).
   */
  private record SdmxColumns(int upd, int rep, int par, int prod, int flow, int ind, int time, int obs, int flag) {
    /** @return the columns, or null when the header lacks one that the records need */
    static SdmxColumns of(CsvReader.Row header) {
      List<String> h = trimmed(header);
      SdmxColumns c = new SdmxColumns(h.indexOf("LAST UPDATE"), h.indexOf("reporter"), h.indexOf("partner"),
          h.indexOf("product"), h.indexOf("flow"), h.indexOf("indicators"), h.indexOf("TIME_PERIOD"),
          h.indexOf("OBS_VALUE"), h.indexOf("OBS_FLAG"));
      return Math.min(Math.min(Math.min(c.rep, c.par), Math.min(c.prod, c.flow)), Math.min(Math.min(c.ind, c.time), c.obs))
          < 0 ? null : c;
    }

    static List<String> trimmed(CsvReader.Row header) {
      return header.fields().stream().map(String::trim).toList();
    }

    /** How many fields a row needs to hold every column the records read (OBS_FLAG may be left off). */
    int fieldsNeeded() {
      return Math.max(Math.max(Math.max(upd, rep), Math.max(par, prod)),
          Math.max(Math.max(flow, ind), Math.max(time, obs))) + 1;
    }

    /** The reason of the dead letter for a response whose header lacks a column. */
    static String fault(CsvReader.Row header) {
      return "Unexpected Comext SDMX-CSV header " + trimmed(header) + ": needs reporter, partner, product, flow, "
          + "indicators, TIME_PERIOD, OBS_VALUE";
    }
  }

  /** What one data row becomes: its item (a figure or a dead letter) and the month it belongs to (null if unreadable). */
  private record SdmxItem(ParsedItem item, YearMonth month) {}

  /**
   * The months a new-month call asked: from its startPeriod to its endPeriod, or, without one, to the newest month that
   * can be out (the month before the current one: the task never asks a later one).
   */
  record Asked(YearMonth from, YearMonth to) {
    boolean contains(YearMonth m) {
      return !m.isBefore(from) && !m.isAfter(to);
    }

    @Override
    public String toString() {
      return from.equals(to) ? from.toString() : from + ".." + to;
    }
  }

  /**
   * Turns the data rows of one SDMX-CSV response into items, counting the rows left out and the newest LAST UPDATE
   * read. The one place a row's outcome is decided, for both reads of a response and for a row read back from a
   * {@link FingerprintSort}, so they cannot disagree.
   */
  private final class SdmxRows {
    private final SdmxColumns c;
    private final String sourceRef;
    private final Asked asked; // null: every month (a look-back call compares the months of its window only)
    int skipped;
    long newestPublished;

    SdmxRows(SdmxColumns c, String sourceRef, Asked asked) {
      this.c = c;
      this.sourceRef = sourceRef;
      this.asked = asked;
    }

    /** @return the row's item and month, or null for a blank row or one left out (counted in {@link #skipped}) */
    SdmxItem read(CsvReader.Row row) {
      String position = "line " + row.line();
      if (StreamingCsvReader.isCut(row)) { // no month: counted apart from the fingerprints, as other rows without one
        return new SdmxItem(BadRow.of(StreamingCsvReader.CUT_REASON, sourceRef, position, row.raw()), null);
      }
      if (row.isBlank()) {
        return null;
      }
      if (row.fields().size() <= c.ind()) {
        // Too short to hold its indicators field, which read as empty: as a row of another indicator it was counted as
        // skipped, its figure gone without a dead letter. No month: counted apart from the fingerprints, as a cut row.
        // (A short row that holds VALUE_IN_EUROS is a dead letter already, for the first field it lacks.)
        return new SdmxItem(BadRow.of("Row has " + row.fields().size() + " fields, fewer than the " + c.fieldsNeeded()
            + " the header's columns need: cut or mangled", sourceRef, position, row.raw()), null);
      }
      if (!"VALUE_IN_EUROS".equals(row.field(c.ind()).trim())) {
        skipped++;
        return null;
      }
      // Read first, so that a row dead-lettered for another reason still counts for its month's fingerprint.
      YearMonth month = monthOrNull(row.field(c.time()));
      Long published = null;
      if (c.upd() >= 0) {
        try {
          published = lastUpdate(row.field(c.upd()).trim());
        } catch (DateTimeParseException e) {
          // The reason is part of the month's fingerprint: unchanged, so that offsets stored before still match.
          return new SdmxItem(BadRow.of("Unreadable LAST UPDATE '" + row.field(c.upd()) + "' (dd/MM/yy)", sourceRef,
              position, row.raw()), month);
        }
      }
      if (published == null) {
        return new SdmxItem(BadRow.of("No LAST UPDATE column: publication date unknown", sourceRef, position,
            row.raw()), month);
      }
      newestPublished = Math.max(newestPublished, published);
      if (month == null) {
        return new SdmxItem(BadRow.of("Unreadable TIME_PERIOD '" + row.field(c.time()) + "' (yyyy-MM)", sourceRef,
            position, row.raw()), null);
      }
      if (asked != null && !asked.contains(month)) {
        // Taken as a figure, a month before startPeriod went out dated by its own month and, the only figure of its
        // response, moved the cursor back; one after the newest that can be out (2099-01) moved it past every month
        // between, never asked. Like an unreadable month, it belongs to no month's fingerprint.
        return new SdmxItem(BadRow.of("TIME_PERIOD '" + row.field(c.time()).trim()
            + "' is not one of the months asked (" + asked + ")", sourceRef, position, row.raw()), null);
      }
      String vintage = "COMEXT " + lastUpdateDate(published);
      // false: the reason is part of the month's fingerprint, which a new reason would change for every stored offset
      String flag = c.flag() < 0 ? "" : row.field(c.flag()).trim();
      ParsedItem item = toRow(row.field(c.rep()), row.field(c.par()), row.field(c.prod()), row.field(c.flow()), month,
          row.field(c.obs()), flag, vintage, published, sourceRef, position, row.raw(), false);
      if (item == null) {
        skipped++;
        return null;
      }
      return new SdmxItem(item, month);
    }

    /** The item's fingerprint content (see {@link SdmxScan}). */
    String content(ParsedItem item, CsvReader.Row row) {
      return item instanceof TradeRow t ? ComextParser.content(t) : ComextParser.content((BadRow) item, row, c.upd());
    }
  }

  /**
   * What the first read of an SDMX-CSV response found, all that the task must know before its first record goes out:
   * how many items and skipped rows, the newest LAST UPDATE (every record's publication time), the newest month with
   * a figure (where the cursor moves), the items without a month, and each month's fingerprint. A fingerprint is taken
   * over the month's items sorted by content: for a figure its identity and value, for a dead letter its reason and
   * fields; never LAST UPDATE, line number or URL, because those change while figures do not (LAST UPDATE is
   * dataset-wide and moves at every monthly update, for every row). Sorting makes the fingerprint and a revised
   * month's emission order independent of the response's row order and window, so a month read by a new-month call
   * and by a look-back call gets the same digest, and rows_done means the same rows after a restart.
   *
   * <p>Holds the sorted items' temporary files ({@link FingerprintSort}) until closed.
   */
  final class SdmxScan implements Closeable {
    final long items;
    final int skipped;
    final long publishedAt;
    final YearMonth newestFigure; // null when no month has a figure
    final int withoutMonth;
    final SortedMap<YearMonth, FingerprintSort.MonthPrint> months;
    /**
     * Per month, the fingerprint of its dead letters (their fingerprint content, LAST UPDATE blanked as in the month's
     * fingerprint: a dead letter's raw row carries it, and it moves at every monthly update, so its raw bytes would
     * differ at every revision), whatever their order; months without any are absent.
     */
    final Map<YearMonth, String> deadLetters;
    private final FingerprintSort sort;
    private final SdmxColumns columns;
    private final String sourceRef;
    private final Asked asked;

    private SdmxScan(long items, int skipped, long publishedAt, YearMonth newestFigure, int withoutMonth,
        Map<YearMonth, String> deadLetters, FingerprintSort sort, SdmxColumns columns, String sourceRef, Asked asked)
        throws IOException {
      this.items = items;
      this.skipped = skipped;
      this.publishedAt = publishedAt;
      this.newestFigure = newestFigure;
      this.withoutMonth = withoutMonth;
      this.deadLetters = deadLetters;
      this.months = sort.finish();
      this.sort = sort;
      this.columns = columns;
      this.sourceRef = sourceRef;
      this.asked = asked;
    }

    /**
     * Whether the response is not SDMX-CSV at all (a header without the columns): one dead letter for the whole of it,
     * which says nothing about the months asked.
     */
    boolean notSdmxCsv() {
      return columns == null && items > 0;
    }

    /** Each month's fingerprint, as an offset stores them. */
    Map<YearMonth, String> digests() {
      Map<YearMonth, String> d = new TreeMap<>();
      months.forEach((m, p) -> d.put(m, p.digest()));
      return d;
    }

    /**
     * The items of {@code month} in fingerprint order, rebuilt from the rows the scan kept (scanned with keepRows);
     * nothing is read before the first {@link ItemStream#next()}.
     *
     * @param leaveOutDeadLetters whether its dead letters are left out (not counted as skipped either): they are the
     *     ones the month's last emission sent ({@link #deadLetters})
     */
    ItemStream monthItems(YearMonth month, boolean leaveOutDeadLetters) {
      SdmxRows rows = new SdmxRows(columns, sourceRef, asked);
      return new ItemStream() {
        private FingerprintSort.Rows kept;

        @Override
        public ParsedItem next() throws IOException {
          if (kept == null) {
            kept = sort.rows(month);
          }
          for (CsvReader.Row row = kept.next(); row != null; row = kept.next()) {
            SdmxItem i = rows.read(row);
            // i is never null: only rows that made an item were kept
            if (i != null && !(leaveOutDeadLetters && i.item() instanceof BadRow)) {
              return i.item();
            }
          }
          return null;
        }

        @Override
        public int skipped() {
          return 0; // counted by the scan, once per response
        }

        @Override
        public long publishedAt() {
          return publishedAt;
        }

        @Override
        public void close() throws IOException {
          if (kept != null) {
            kept.close();
          }
        }
      };
    }

    /** Deletes the temporary files of the sorted items. */
    @Override
    public void close() {
      sort.close();
    }
  }

  /**
   * A {@link io.tradepulse.connect.common.RetryingFetcher.BodyCheck} for SDMX-CSV responses: fails with an
   * {@link EOFException} when the body ends inside its last record, told by that record lacking its line break and
   * having fewer fields than the header. An HTTP/1.1 body delimited by the connection's close (no Content-Length, not
   * chunked), or one a proxy re-framed after its upstream closed early, reads as complete when the transfer is cut:
   * the cut row became a dead letter and every row after it was lost, its month taken as read. No whole record of a
   * well-formed response is short, so such a body is fetched again instead.
   *
   * <p>CSV cannot show every cut: one at a line break, or inside the last field (the row then has all its fields, its
   * OBS_VALUE cut short), leaves a body that reads as whole, and a last record without a line break may be legitimate.
   * So only a short one counts, and only in a body whose header is SDMX-CSV, when the last line has no quote (a quoted
   * field could hold a line break, making the last line part of a record); anything else is read as before.
   */
  static void requireWholeLastRecord(Path body) throws IOException {
    long size = Files.size(body);
    CsvReader.Row header;
    try (StreamingCsvReader csv = new StreamingCsvReader(Files.newInputStream(body))) {
      header = csv.next();
    }
    if (header == null || StreamingCsvReader.isCut(header) || SdmxColumns.of(header) == null) {
      return; // no SDMX-CSV: the scan makes it what it is (a dead letter, or an answer without a month)
    }
    int tailLength = (int) Math.min(size, 1 << 16); // far longer than any SDMX-CSV record
    byte[] tail = new byte[tailLength];
    try (SeekableByteChannel ch = Files.newByteChannel(body)) {
      ch.position(size - tailLength);
      ByteBuffer buf = ByteBuffer.wrap(tail);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // fills the tail
      }
    }
    int lastBreak = tailLength - 1;
    while (lastBreak >= 0 && tail[lastBreak] != '\n' && tail[lastBreak] != '\r') {
      lastBreak--;
    }
    if (lastBreak == tailLength - 1 || lastBreak < 0) {
      return; // ends with a line break; or the header is the only line, or a line too long to be a record
    }
    byte[] line = Arrays.copyOfRange(tail, lastBreak + 1, tailLength);
    for (byte b : line) {
      if (b == '"') {
        return;
      }
    }
    CsvReader.Row last = new StreamingCsvReader(new ByteArrayInputStream(line)).next();
    if (last != null && last.fields().size() < header.fields().size()) {
      throw new EOFException("Response body ends inside its last SDMX-CSV record after " + size + " bytes ("
          + last.fields().size() + " of " + header.fields().size() + " fields, no line break), cut in transit");
    }
  }

  /**
   * Reads an SDMX-CSV response through once, keeping no item: see {@link SdmxScan}. A header that lacks a column makes
   * the whole response one dead letter, and then one item without a month.
   *
   * @param keepRows keep the rows in fingerprint order, for {@link SdmxScan#monthItems} (a look-back call)
   * @param asked the months a new-month call asked, whose rows of other months are dead letters; null for a look-back
   *     call, which compares the months of its window and leaves the others alone
   * @throws IOException when the payload cannot be read (it is read again; a row can always be read as CSV)
   */
  SdmxScan scanSdmx(Payload payload, String sourceRef, boolean keepRows, Asked asked) throws IOException {
    FingerprintSort sort = new FingerprintSort(keepRows);
    boolean ok = false;
    try (StreamingCsvReader csv = new StreamingCsvReader(payload.open())) {
      CsvReader.Row header = csv.next();
      SdmxColumns columns = header == null ? null : SdmxColumns.of(header);
      SdmxScan scan;
      if (header == null) {
        scan = new SdmxScan(0, 0, 0, null, 0, Map.of(), sort, null, sourceRef, asked);
      } else if (columns == null) {
        // the whole response is the one dead letter
        scan = new SdmxScan(1, 0, 0, null, 1, Map.of(), sort, null, sourceRef, asked);
      } else {
        SdmxRows rows = new SdmxRows(columns, sourceRef, asked);
        long items = 0;
        int withoutMonth = 0;
        YearMonth newestFigure = null;
        Map<YearMonth, Digests.Unordered> badPrints = new TreeMap<>();
        for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
          SdmxItem i = rows.read(row);
          if (i == null) {
            continue;
          }
          if (i.month() == null) {
            withoutMonth++;
          } else {
            String content = rows.content(i.item(), row);
            sort.add(i.month(), content, items, row);
            if (i.item() instanceof BadRow) {
              badPrints.computeIfAbsent(i.month(), m -> Digests.unordered())
                  .add(content.getBytes(StandardCharsets.UTF_8));
            }
            if (i.item() instanceof TradeRow && (newestFigure == null || i.month().isAfter(newestFigure))) {
              newestFigure = i.month();
            }
          }
          items++;
        }
        Map<YearMonth, String> deadLetters = new TreeMap<>();
        badPrints.forEach((m, d) -> deadLetters.put(m, d.finish()));
        scan = new SdmxScan(items, rows.skipped, rows.newestPublished, newestFigure, withoutMonth, deadLetters, sort,
            columns, sourceRef, asked);
      }
      ok = true;
      return scan;
    } finally {
      if (!ok) {
        sort.close();
      }
    }
  }

  /**
   * The items of an SDMX-CSV response in response order, parsed as they are asked for (the records of a new-month
   * call; {@link #scanSdmx} read it before). A header that lacks a column gives the one dead letter for the whole
   * response; its raw value is the response cut to {@link BadRow#MAX_WHOLE_RAW_BYTES}, as every whole-payload dead
   * letter's, since a larger record could exceed the broker's limit and fail the task on every retry.
   *
   * @param items the items the scan found: a CSV cut short reads as a shorter CSV, so a payload that ends before them
   *     has changed since (its temporary file was cut): an IOException, read again, never a response taken as done
   * @param asked as the scan's ({@link #scanSdmx})
   * @param quiet months whose dead letters are left out (not counted as skipped either): the ones an earlier response
   *     of the same cursor sent already ({@link SdmxScan#deadLetters})
   */
  ItemStream openSdmx(Payload payload, String sourceRef, long items, Set<YearMonth> quiet, Asked asked) {
    return new ItemStream() {
      private StreamingCsvReader csv;
      private SdmxRows rows;
      private long read;
      private boolean ended;

      @Override
      public ParsedItem next() throws IOException {
        if (ended) {
          return null;
        }
        if (csv == null) {
          csv = new StreamingCsvReader(payload.open());
          CsvReader.Row header = csv.next();
          SdmxColumns columns = header == null ? null : SdmxColumns.of(header);
          if (columns == null) {
            ended = true;
            return header == null ? end()
                : BadRow.wholePayload(SdmxColumns.fault(header), null, sourceRef, "header", payload);
          }
          rows = new SdmxRows(columns, sourceRef, asked);
        }
        for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
          SdmxItem i = rows.read(row);
          if (i != null) {
            read++;
            if (i.item() instanceof BadRow && i.month() != null && quiet.contains(i.month())) {
              continue; // sent with an earlier response of this month, and the same: not again
            }
            return i.item();
          }
        }
        ended = true;
        return end();
      }

      private ParsedItem end() throws IOException {
        if (read < items) {
          throw new IOException("Comext response " + sourceRef + " ended after " + read + " of the " + items
              + " items its first read found: its temporary file changed");
        }
        return null;
      }

      @Override
      public int skipped() {
        return rows == null ? 0 : rows.skipped;
      }

      @Override
      public long publishedAt() {
        return rows == null ? 0 : rows.newestPublished;
      }

      @Override
      public void close() throws IOException {
        if (csv != null) {
          csv.close();
        }
      }
    };
  }

  /**
   * The publication time of a LAST UPDATE, Luxembourg time. The dissemination API sends {@code dd/MM/yy HH:mm:ss}
   * (its updates run at 11:00 and 23:00); read as a bare date, every row of every response was a dead letter. A bare
   * {@code dd/MM/yy} (saved extracts) is taken as the 11:00 update.
   */
  static long lastUpdate(String s) {
    java.time.LocalDateTime at = s.length() > 8
        ? java.time.LocalDateTime.parse(s, LAST_UPDATE_TIME) : LocalDate.parse(s, LAST_UPDATE).atTime(LocalTime.of(11, 0));
    return at.atZone(CET).toInstant().toEpochMilli();
  }

  private static YearMonth monthOrNull(String s) {
    try {
      return YearMonth.parse(s.trim());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Fingerprint content of a figure: everything downstream keys or reads, except vintage and publishedAt, and quality:
   * a figure's quality follows from its OBS_FLAG, which its note carries, so a month whose estimate Eurostat confirms
   * at the same value changes content through the note and is re-emitted with its new quality. Added, the quality
   * would change the content of every figure whose month the offsets keep, and the next look-back would re-emit them
   * all as revisions of nothing.
   */
  static String content(TradeRow t) {
    return String.join("\u001f", "T", t.reporter(), t.partner(), t.flow(), t.commodity(), t.commodityLevel(),
        YearMonth.of(t.year(), t.month()).toString(), Integer.toString(t.months()), String.valueOf(t.value()),
        t.currency(), String.valueOf(t.valuation()), String.valueOf(t.note()));
  }

  /** Eurostat's flags that mark an observation estimated: e (estimated), s (Eurostat estimate), f (forecast). */
  private static final String ESTIMATE_FLAGS = "esf";
  /** Every flag of Eurostat's code list (b break, c confidential, d definition differs, ..., z not applicable). */
  private static final String EUROSTAT_FLAGS = "bcdefinprsuz";

  /**
   * The quality an SDMX-CSV OBS_FLAG gives: ESTIMATED when one of its flags is e, s or f; otherwise PUBLISHED. A cell
   * holds zero or more one-letter flags ({@code "ep"}: estimated and provisional), or, in a response asked with labels,
   * the codes before a colon ({@code "p: provisional"}). Provisional, revised and the other flags stay PUBLISHED:
   * Eurostat stands behind them as its release, and a revision replaces them like any first release. A cell that is
   * not such flags (letters outside the code list) is PUBLISHED too: its text stays in the note, and it never turns a
   * figure ESTIMATED by the letters of a word.
   */
  static FigureQuality quality(String flag) {
    String codes = flag.indexOf(':') >= 0 ? flag.substring(0, flag.indexOf(':')).strip() : flag.strip();
    if (codes.isEmpty() || !codes.chars().allMatch(ch -> EUROSTAT_FLAGS.indexOf(ch) >= 0)) {
      return FigureQuality.PUBLISHED;
    }
    return codes.chars().anyMatch(ch -> ESTIMATE_FLAGS.indexOf(ch) >= 0) ? FigureQuality.ESTIMATED
        : FigureQuality.PUBLISHED;
  }

  /** Fingerprint content of a dead letter: its reason and fields, LAST UPDATE blanked (see {@link SdmxScan}). */
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
  BulkRows openBulk(Payload payload, String location, Filter filter, int releaseLagDays) {
    return new BulkRows(payload, location, filter, releaseLagDays);
  }

  /**
   * PERIOD of an annual total: Eurostat's annual bulk files ({@code full_v2_YYYY52}) give the year as YYYY52. They sum
   * the year's monthly files, which BULK mode reads; a glob over a download directory picks both up.
   */
  private static boolean annual(String period) {
    return period.length() == 6 && period.endsWith("52") && period.chars().allMatch(ch -> ch >= '0' && ch <= '9');
  }

  /** The aggregate of one key: its sum, its first row's line (the record's position) and, if needed, raw bytes. */
  private static final class Sum {
    /** Line numbers of unreadable values named in a tainted key's dead letter; the others are counted. */
    static final int MAX_BAD_LINES_NAMED = 10;
    long value;
    final long line;
    final byte[] raw; // null when the key makes a TradeRow, which carries no raw bytes
    // Set once a line of the key cannot be summed (see BulkRows#taint); null while the key is clean.
    String badReason;
    byte[] badRaw;
    List<Long> badLines;
    int badCount;

    Sum(long line, byte[] raw) {
      this.line = line;
      this.raw = raw;
    }

    boolean tainted() {
      return badLines != null;
    }
  }

  final class BulkRows implements ItemStream {
    private static final DateTimeFormatter YYYYMM = DateTimeFormatter.ofPattern("yyyyMM", Locale.ROOT);
    private final Payload payload;
    private final String location;
    private final Filter filter;
    private final int releaseLagDays;
    private final String fileName;
    private Iterator<ParsedItem> bad; // dead letters of single rows come first, as they always did
    private Iterator<Map.Entry<List<String>, Sum>> sums;
    private int skipped;
    // Rows of annual totals, left out (and counted in skipped): not dead letters, which they were, one per series.
    private int annualRows;
    private final Set<String> annualPeriods = new java.util.TreeSet<>();
    private long newest;
    private StreamingCsvReader reader;

    BulkRows(Payload payload, String location, Filter filter, int releaseLagDays) {
      this.payload = payload;
      this.location = location;
      this.filter = filter;
      this.releaseLagDays = releaseLagDays;
      this.fileName = location.substring(location.replace('\\', '/').lastIndexOf('/') + 1);
    }

    /**
     * The dead letter of a series and month one of whose lines has an unreadable VALUE_EUR. Its record is not emitted:
     * the sum of the other lines would pass downstream for the series' value that month (and overwrite a complete one
     * emitted before), while it lacks a part of unknown size. The whole series-month is parked instead, naming the
     * lines; its raw value is the first such line.
     */
    private BadRow tainted(List<String> k, Sum s) {
      StringBuilder lines = new StringBuilder();
      for (Long l : s.badLines) {
        lines.append(lines.length() == 0 ? "" : ", ").append(l);
      }
      if (s.badCount > s.badLines.size()) {
        lines.append(" and ").append(s.badCount - s.badLines.size()).append(" more");
      }
      return BadRow.of(s.badReason + " on line" + (s.badCount > 1 ? "s " : " ") + lines
          + ": series REPORTER=" + k.get(0) + " PARTNER=" + k.get(1) + " PRODUCT_NC=" + k.get(2) + " FLOW=" + k.get(3)
          + " PERIOD=" + k.get(4) + " not emitted (a sum without " + (s.badCount > 1 ? "them" : "it")
          + " would pass for the total)", location, "line " + s.badLines.get(0), s.badRaw);
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
      return toRow(k.get(0), k.get(1), k.get(2), k.get(3), month, Long.toString(value), "", "COMEXT bulk " + fileName,
          published(month), location, position, s.raw, true);
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
          if (StreamingCsvReader.isCut(row)) {
            cutLine(row, new int[] {rep, par, prod, flow, period}, bySeries, badRows);
            continue;
          }
          if (row.isBlank()) {
            continue;
          }
          if (annual(row.field(period).trim())) {
            leaveOutAnnual(row.field(period).trim());
            continue;
          }
          String flowName = flowName(row.field(flow).trim());
          String product = row.field(prod).trim();
          if (!filter.keeps(row.field(rep).trim(), row.field(par).trim(), product, flowName)) {
            skipped++;
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
          long v;
          try {
            String cell = row.field(val).trim();
            v = NumberCells.wholeUnits(NumberCells.nonNegative(NumberCells.decimal(cell, "VALUE_EUR"), cell), cell);
          } catch (RuntimeException e) {
            taint(sum, row, e instanceof NumberCells.OutOfBounds ? "VALUE_EUR " + e.getMessage()
                : "Non-numeric VALUE_EUR '" + row.field(val) + "'");
            continue;
          }
          try {
            sum.value = Math.addExact(sum.value, v);
          } catch (ArithmeticException e) {
            // Thrown out of the parser, an overflowing sum failed the task, again at every restart on the same file.
            taint(sum, row, "Sum of VALUE_EUR beyond a whole amount with '" + row.field(val).trim() + "'");
          }
        }
      } finally {
        reader.close();
      }
      if (annualRows > 0) {
        log.warn("{}: {} row{} of annual totals (PERIOD {}) left out: {}=BULK reads the monthly files (full_v2_YYYYMM) "
            + "only, and an annual file (full_v2_YYYY52) sums them for the year; leave it out of {}", location,
            annualRows, annualRows == 1 ? "" : "s", String.join(", ", annualPeriods), ComextConfig.MODE_CONFIG,
            ComextConfig.FILES_CONFIG);
      }
      for (List<String> k : bySeries.keySet()) { // records carry the newest publication time of the file
        try {
          newest = Math.max(newest, published(YearMonth.parse(k.get(4), YYYYMM)));
        } catch (DateTimeParseException e) {
          // an unreadable period is a dead letter and no publication time
        }
      }
      // A tainted series-month is one dead letter, among the others that come first, in first-seen order.
      for (Iterator<Map.Entry<List<String>, Sum>> it = bySeries.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<List<String>, Sum> e = it.next();
        if (e.getValue().tainted()) {
          badRows.add(tainted(e.getKey(), e.getValue()));
          it.remove();
        }
      }
      bad = badRows.iterator();
      sums = bySeries.entrySet().iterator();
    }

    /**
     * A line too long to read ({@link StreamingCsvReader#isCut}). When its first bytes still hold the columns of its
     * key, whole, its series and month is tainted like one with an unreadable value (a sum without the line would pass
     * for the total); otherwise the line is a dead letter of its own, and the series it belongs to cannot be known.
     */
    private void cutLine(CsvReader.Row row, int[] keyColumns, Map<List<String>, Sum> bySeries,
        List<ParsedItem> badRows) {
      CsvReader.Row head = new CsvReader(row.raw()).next();
      int last = Arrays.stream(keyColumns).max().orElseThrow();
      if (head == null || head.fields().size() <= last + 1) { // the last field of the head may be cut short
        log.warn("{} line {}: longer than {} bytes and its series cannot be told from its first bytes; the sums of the "
            + "file may lack it", location, row.line(), StreamingCsvReader.MAX_RECORD_BYTES);
        badRows.add(BadRow.of(StreamingCsvReader.CUT_REASON, location, "line " + row.line(), row.raw()));
        return;
      }
      if (annual(head.field(keyColumns[4]).trim())) {
        leaveOutAnnual(head.field(keyColumns[4]).trim());
        return;
      }
      String flowName = flowName(head.field(keyColumns[3]).trim());
      if (!filter.keeps(head.field(keyColumns[0]).trim(), head.field(keyColumns[1]).trim(),
          head.field(keyColumns[2]).trim(), flowName)) {
        skipped++;
        return;
      }
      List<String> key = List.of(head.field(keyColumns[0]).trim(), head.field(keyColumns[1]).trim(),
          head.field(keyColumns[2]).trim(), head.field(keyColumns[3]).trim(), head.field(keyColumns[4]).trim());
      Sum sum = bySeries.computeIfAbsent(key, k -> new Sum(row.line(), null));
      taint(sum, row, "Record longer than " + StreamingCsvReader.MAX_RECORD_BYTES + " bytes");
    }

    private void leaveOutAnnual(String period) {
      skipped++;
      annualRows++;
      annualPeriods.add(period);
    }

    /** @return the rows of annual totals left out, among {@link #skipped()} (complete once the first item was read) */
    int annualRows() {
      return annualRows;
    }

    /** Marks a key one of whose lines, {@code row}, cannot be summed; keeps what its dead letter names. */
    private void taint(Sum sum, CsvReader.Row row, String reason) {
      if (sum.badLines == null) {
        sum.badLines = new ArrayList<>();
        sum.badReason = reason;
        sum.badRaw = row.raw();
      }
      sum.badCount++;
      if (sum.badLines.size() < Sum.MAX_BAD_LINES_NAMED) {
        sum.badLines.add(row.line());
      }
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

  /**
   * A confidential product line of the bulk files: the leading digits of a CN code, the rest X ({@code 39XXXXXX},
   * {@code 7204XXXX}). It holds the trade whose CN8 codes are confidential, published only at that higher level.
   */
  private static boolean confidential(String product) {
    int digits = 0;
    while (digits < product.length() && product.charAt(digits) >= '0' && product.charAt(digits) <= '9') {
      digits++;
    }
    return product.length() == 8 && digits >= 2 && digits < 8
        && product.substring(digits).chars().allMatch(ch -> ch == 'X');
  }

  /**
   * @param flag the row's OBS_FLAG, trimmed; empty without one (and always for the bulk files)
   * @param namesConfidential whether a confidential product line ({@link #confidential}) is named as one in its dead
   *     letter (bulk files), rather than as an unsupported code (the API's reason, kept in its stored fingerprints)
   * @return the row, a dead letter, or null for an aggregate partner (skipped, never added to countries)
   */
  private ParsedItem toRow(String reporterCode, String partnerCode, String productCode, String flowCode,
      YearMonth month, String obs, String flag, String vintage, long published, String sourceRef, String position,
      byte[] raw, boolean namesConfidential) {
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
      String code = productCode.trim();
      if (namesConfidential && confidential(code)) {
        // Read in trade.dlq, "unsupported" sent users to fix a code that is right: there is no CN8 code to publish it
        // under, and emitted under its digits it would pass for the whole chapter or heading. Its value is the sum of
        // the series' lines (obs), which the raw value, the first line alone, does not hold.
        String known = code.substring(0, code.indexOf('X'));
        return BadRow.of("Confidential product line '" + productCode + "': trade of CN8 codes kept confidential, "
            + "published only as a total under " + known + " (no code to emit it under), VALUE_EUR " + obs
            + " summed over its lines; not an error to fix", sourceRef, position, raw);
      }
      return BadRow.of("Unsupported product code '" + productCode + "'", sourceRef, position, raw);
    }
    if (obs == null || obs.isBlank()) {
      return BadRow.of("Empty OBS_VALUE (confidential or not available)", sourceRef, position, raw);
    }
    long eur;
    try {
      eur = NumberCells.wholeUnits(NumberCells.nonNegative(NumberCells.decimal(obs.trim(), "OBS_VALUE"), obs.trim()), obs.trim());
    } catch (RuntimeException e) {
      return BadRow.of(e instanceof NumberCells.OutOfBounds ? "OBS_VALUE " + e.getMessage()
          : "Non-numeric value '" + obs + "'", sourceRef, position, raw);
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
      try {
        value = FxTable.convert(eur, rate.get());
      } catch (ArithmeticException e) {
        // Beyond a long once converted: thrown out of the parser, it failed the task, again at every restart.
        // toString, not toPlainString: a rate with a large exponent would be written out in millions of digits
        return BadRow.of("EUR " + eur + " at " + rate.get() + " " + fx.currency()
            + "/EUR is beyond a whole amount", sourceRef, position, raw);
      }
      currency = fx.currency();
      note = "converted from EUR " + eur + " at " + rate.get().toPlainString() + " " + fx.currency() + "/EUR";
    }
    if (!flag.isEmpty()) { // what Eurostat says of the observation, kept where every source's own words go
      note = note == null ? "OBS_FLAG " + flag : note + "; OBS_FLAG " + flag;
    }
    return new TradeRow(reporter.get().iso3(), partner.get().iso3(), flow, commodity, level.get(), month.getYear(),
        month.getMonthValue(), 1, value, currency, flow.equals("IMPORT") ? "CIF" : "FOB", null, SOURCE, sourceRef,
        vintage, published, 0, note, quality(flag));
  }
}
