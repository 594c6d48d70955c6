package io.tradepulse.connect.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.Hs;
import io.tradepulse.connect.common.ItemStream;
import io.tradepulse.connect.common.NumberCells;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.Payload;
import io.tradepulse.connect.common.PayloadParser;
import io.tradepulse.connect.common.StreamingCsvReader;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.connect.file.FileConfig.Target;
import io.tradepulse.core.CsvReader;
import io.tradepulse.core.FigureQualities;
import io.tradepulse.core.RecordBounds;
import io.tradepulse.core.RecordRules;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Generic CSV / NDJSON parser driven by the column mapping of {@link FileConfig}. */
public final class MappedRowParser implements PayloadParser<String> {
  private static final Logger log = LoggerFactory.getLogger(MappedRowParser.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter YYYYMM = DateTimeFormatter.ofPattern("yyyyMM");
  /** yyyy-MM, alone or as the start of a date yyyy-MM-dd, with or without a time after it (see {@link #month}). */
  private static final Pattern MONTH_CELL =
      Pattern.compile("\\d{4}-\\d{2}(-\\d{2}([T ].*)?)?");
  /** Longest NDJSON line read whole, as {@link StreamingCsvReader#MAX_RECORD_BYTES} for CSV. */
  static final int MAX_LINE_BYTES = StreamingCsvReader.MAX_RECORD_BYTES;
  /**
   * Most bytes of free text (sourceRef, vintage and note together, UTF-8) a figure may carry: a row holding more is a
   * dead letter. Well under a broker's default record limit (1 MB) with the rest of the record.
   */
  static final int MAX_FIGURE_TEXT_BYTES = 256 * 1024;

  private final FileConfig config;
  private final BigDecimal multiplier;
  /** "Now" of the processor's bounds a row is held to ({@link #checkPeriod}, {@link #checkPublishedAt}). */
  private final Clock clock;

  public MappedRowParser(FileConfig config) {
    this(config, Clock.systemUTC());
  }

  public MappedRowParser(FileConfig config, Clock clock) {
    this.config = config;
    this.multiplier = config.multiplier();
    this.clock = clock;
  }

  /** Deterministic occurredAt for dead letters: the configured default publishedAt, else 0. */
  long defaultPublishedAt() {
    String d = config.defaults().get(Target.PUBLISHED_AT);
    try {
      return d == null ? 0 : instant(d);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  @Override
  public Parsed parse(byte[] payload, String location) {
    try {
      return ItemStream.collect(open(Payload.of(payload), location));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory bytes do not fail
    }
  }

  /**
   * The rows of a CSV or NDJSON payload, parsed one at a time as they are asked for, rows that give one figure twice
   * made dead letters ({@link FileKeys}). To know them before the first row goes out, the payload is read ahead once
   * for its keys, and once more for the rows of the keys found several times when there are any; memory is one row
   * (plus the reader's buffer) and the keys ({@link FileKeys}: 8 bytes a row), whatever the size of the file.
   */
  public ItemStream open(Payload payload, String location) throws IOException {
    ItemStream first = open(payload.open(), location);
    if (!(first instanceof Rows collect)) {
      return first; // a header the rows cannot be read by (one dead letter), or an empty file
    }
    FileKeys keys = new FileKeys();
    try (collect) {
      for (Read r = collect.read(); r != null; r = collect.read()) {
        if (r.item() instanceof TradeRow t) {
          keys.add(t);
        }
      }
    }
    if (keys.overflowed()) {
      log.warn("{} has more than {} figure rows: not checked for rows that give one figure twice", location,
          FileKeys.MAX_KEYS);
    }
    if (keys.collected()) {
      try (ItemStream again = open(payload.open(), location)) {
        if (again instanceof Rows tally) { // else the file changed meanwhile: the task reads it again from the start
          for (Read r = tally.read(); r != null; r = tally.read()) {
            if (r.item() instanceof TradeRow t) {
              keys.tally(t, r.line());
            }
          }
        }
      }
    }
    ItemStream emit = open(payload.open(), location);
    if (!(emit instanceof Rows rows)) {
      return emit;
    }
    return new ItemStream() {
      @Override
      public ParsedItem next() throws IOException {
        Read r = rows.read();
        if (r == null) {
          return null;
        }
        return r.item() instanceof TradeRow t ? keys.judge(t, r.line(), location, r.raw()) : r.item();
      }

      @Override
      public int skipped() {
        return rows.skipped();
      }

      @Override
      public long publishedAt() {
        return rows.publishedAt();
      }

      @Override
      public void close() throws IOException {
        rows.close();
      }
    };
  }

  /**
   * The rows of a CSV or NDJSON payload as they are, parsed one at a time as they are asked for: memory is one row
   * (plus the reader's buffer), whatever the size of the file. Closing the stream closes {@code in}.
   */
  ItemStream open(InputStream in, String location) throws IOException {
    return config.format().equals("JSON") ? new JsonRows(in, location) : csv(in, location);
  }

  private ItemStream csv(InputStream in, String location) throws IOException {
    StreamingCsvReader r = new StreamingCsvReader(in);
    CsvReader.Row header = r.next();
    if (header == null) {
      r.close();
      return ItemStream.of(new Parsed(List.of(), 0, defaultPublishedAt()));
    }
    Map<String, Integer> idx = new HashMap<>();
    List<String> twice = new ArrayList<>();
    for (int i = 0; i < header.fields().size(); i++) {
      Integer earlier = idx.putIfAbsent(header.field(i), i);
      if (earlier != null && config.fields().containsValue(header.field(i)) && !twice.contains(header.field(i))) {
        twice.add(header.field(i));
      }
    }
    List<String> missing = config.fields().values().stream().filter(c -> !idx.containsKey(c)).toList();
    if (!missing.isEmpty()) {
      r.close();
      return ItemStream.of(Parsed.whollyBad(BadRow.of("Header lacks mapped columns " + missing + ": " + header.fields(),
          location, "line 1", header.raw()), defaultPublishedAt()));
    }
    if (!twice.isEmpty()) {
      // The last of them was read, silently: in a file joined from two exports, or with the month's and the
      // cumulative value both headed "value", which one holds the figure cannot be told, so none is guessed.
      r.close();
      return ItemStream.of(Parsed.whollyBad(BadRow.of("Header has mapped columns " + twice + " more than once: which "
          + "one to read cannot be told: " + header.fields(), location, "line 1", header.raw()), defaultPublishedAt()));
    }
    return new Rows(r) {
      @Override
      Read read() throws IOException {
        for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
          String position = "line " + row.line();
          if (StreamingCsvReader.isCut(row)) {
            return new Read(BadRow.of(StreamingCsvReader.CUT_REASON, location, position, row.raw()), row.line(),
                row.raw());
          }
          if (row.isBlank()) {
            continue;
          }
          if (row.fields().size() != header.fields().size()) {
            return new Read(BadRow.of("Expected " + header.fields().size() + " columns, got " + row.fields().size(),
                location, position, row.raw()), row.line(), row.raw());
          }
          CsvReader.Row current = row;
          return new Read(toItem(col -> current.field(idx.get(col)), location, position, row.raw()), row.line(),
              row.raw());
        }
        return null;
      }
    };
  }

  /** An item with the line its row starts on and the row's raw bytes, for a dead letter made of it later. */
  private record Read(ParsedItem item, long line, byte[] raw) {}

  /** Row streams of a mapped file: nothing is skipped, every record carries the configured publication time. */
  private abstract class Rows implements ItemStream {
    private final java.io.Closeable source;
    private final long publishedAt = defaultPublishedAt();

    Rows(java.io.Closeable source) {
      this.source = source;
    }

    /** @return the next item with where it was read, or null at the end */
    abstract Read read() throws IOException;

    @Override
    public ParsedItem next() throws IOException {
      Read r = read();
      return r == null ? null : r.item();
    }

    @Override
    public int skipped() {
      return 0;
    }

    @Override
    public long publishedAt() {
      return publishedAt;
    }

    @Override
    public void close() throws IOException {
      source.close();
    }
  }

  /**
   * NDJSON: one object per '\n'-terminated line (a trailing '\r' dropped), blank lines ignored but counted. A line
   * longer than {@link #MAX_LINE_BYTES} (a JSON array instead of NDJSON, a file without line breaks) is a dead letter
   * without being held whole; the file goes on at the next line.
   */
  private final class JsonRows extends Rows {
    private final InputStream in;
    private final String location;
    private byte[] line = new byte[256];
    private int lineNo;
    private boolean eof;

    JsonRows(InputStream in, String location) {
      this(in instanceof BufferedInputStream b ? b : new BufferedInputStream(in, 1 << 16), location);
    }

    private JsonRows(BufferedInputStream in, String location) {
      super(in);
      this.in = in;
      this.location = location;
    }

    @Override
    Read read() throws IOException {
      while (!eof) {
        int n = 0;
        long length = 0; // of the whole line; only its first MAX_LINE_BYTES are kept
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
          if (length++ >= MAX_LINE_BYTES) {
            continue; // read past, not kept: one line of gigabytes must not exhaust the heap
          }
          if (n == line.length) {
            line = Arrays.copyOf(line, n * 2);
          }
          line[n++] = (byte) b;
        }
        eof = b < 0;
        lineNo++;
        if (length > MAX_LINE_BYTES) {
          int kept = Math.min(n, BadRow.MAX_WHOLE_RAW_BYTES);
          byte[] head = Arrays.copyOf(line, kept);
          return new Read(BadRow.of("Line of " + length + " bytes, longer than " + MAX_LINE_BYTES + ": not read (raw "
              + "value: its first " + kept + " bytes)", location, "line " + lineNo, head), lineNo, head);
        }
        int end = n > 0 && line[n - 1] == '\r' ? n - 1 : n;
        if (end == 0) {
          continue;
        }
        byte[] raw = Arrays.copyOf(line, end);
        String position = "line " + lineNo;
        if (new String(raw, StandardCharsets.UTF_8).isBlank()) {
          continue;
        }
        try {
          Map<String, String> obj = readObject(raw, config.fields().values());
          return new Read(toItem(obj::get, location, position, raw), lineNo, raw);
        } catch (IOException | RuntimeException e) {
          return new Read(new BadRow("Malformed JSON: " + e.getMessage(), e.getClass().getName(), location, position,
              raw), lineNo, raw);
        }
      }
      return null;
    }
  }

  /**
   * One NDJSON line's object, its scalar members by name.
   *
   * @param mapped the mapped columns: one given twice in the object ({"value": 1, "value": 2}) makes the line a dead
   *     letter, as a mapped column headed twice does a CSV file; the last of them used to be read, silently, and which
   *     one holds the figure cannot be told
   */
  private static Map<String, String> readObject(byte[] raw, java.util.Collection<String> mapped) throws IOException {
    Map<String, String> m = new HashMap<>();
    try (JsonParser p = JSON.createParser(raw)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t == null) {
          throw new IOException("unexpected end of input");
        }
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
          p.skipChildren();
          continue;
        }
        if (m.put(name, v == JsonToken.VALUE_NULL ? "" : p.getText()) != null && mapped.contains(name)) {
          throw new IOException("mapped key '" + name + "' given more than once: which one to read cannot be told");
        }
      }
      if (p.nextToken() != null) {
        throw new IOException("trailing content after the object");
      }
    }
    return m;
  }

  private static long utf8Length(String s) {
    return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
  }

  private ParsedItem toItem(Function<String, String> column, String location, String position, byte[] raw) {
    Function<Target, String> get = t -> {
      String col = config.fields().get(t);
      String v = col == null ? null : column.apply(col);
      if (v == null || v.isBlank()) {
        v = config.defaults().get(t);
      }
      return v == null ? null : v.trim();
    };
    // Where a value came from, for a dead letter's reason: the cell of its column, or its constant.
    Function<Target, String> where = t -> {
      String col = config.fields().get(t);
      String v = col == null ? null : column.apply(col);
      return v == null || v.isBlank() ? t.defaultConfig() : "column '" + col + "' (" + t.fieldConfig() + ")";
    };
    try {
      String reporter = cell(Target.REPORTER, require(get.apply(Target.REPORTER), "reporter"), where,
          MappedRowParser::reporter);
      String partner = cell(Target.PARTNER, require(get.apply(Target.PARTNER), "partner"), where,
          MappedRowParser::partner);
      String same = RecordRules.sameEconomy(reporter, partner);
      if (same != null) {
        throw new IllegalArgumentException("reporter in " + where.apply(Target.REPORTER) + " and partner in "
            + where.apply(Target.PARTNER) + ": " + same + "; the processor refuses it");
      }
      String flow = cell(Target.FLOW, require(get.apply(Target.FLOW), "flow"), where, MappedRowParser::flow);
      String commodity = cell(Target.COMMODITY, require(get.apply(Target.COMMODITY), "commodity"), where,
          MappedRowParser::commodity);
      String level = Hs.level(commodity).orElseThrow();
      YearMonth start;
      String period = get.apply(Target.PERIOD);
      Target startFrom;
      if (period != null) {
        start = cell(Target.PERIOD, period, where, MappedRowParser::month);
        startFrom = Target.PERIOD;
      } else {
        start = YearMonth.of(cell(Target.YEAR, require(get.apply(Target.YEAR), "year"), where, Integer::parseInt),
            cell(Target.MONTH, require(get.apply(Target.MONTH), "month"), where, MappedRowParser::monthOfYear));
        startFrom = Target.YEAR;
      }
      String periodCell = startFrom == Target.PERIOD ? "period '" + period + "' in " + where.apply(Target.PERIOD)
          : "year '" + get.apply(Target.YEAR) + "' in " + where.apply(Target.YEAR);
      int months = 1;
      String end = get.apply(Target.PERIOD_END);
      String endCell = end == null ? null : "period.end '" + end + "' in " + where.apply(Target.PERIOD_END);
      String monthsCell = get.apply(Target.MONTHS);
      if (end != null) {
        YearMonth endMonth = cell(Target.PERIOD_END, end, where, MappedRowParser::month);
        if (endMonth.isBefore(start)) {
          // Said as "period covers 0 months", naming neither the column nor the months.
          throw new IllegalArgumentException(endCell + ": its month " + endMonth + " is before the first month of "
              + "the period, " + start + " (" + periodCell + ")");
        }
        long between = ChronoUnit.MONTHS.between(start, endMonth) + 1;
        months = (int) Math.min(between, Integer.MAX_VALUE);
      } else if (monthsCell != null) {
        months = cell(Target.MONTHS, monthsCell, where, MappedRowParser::months);
      }
      String length = RecordRules.months(start.getMonthValue(), months);
      if (length != null) {
        throw new IllegalArgumentException((end != null ? periodCell + " to " + endCell
            : monthsCell != null
            ? "months '" + monthsCell + "' in " + where.apply(Target.MONTHS) + " from " + periodCell
            : periodCell) + ": " + length + "; the processor refuses it");
      }
      if (end != null && !where.apply(Target.MONTHS).equals(Target.MONTHS.defaultConfig())) {
        // Both say how long the period is: period.end won, and a months cell saying otherwise was dropped silently,
        // though one of the two is wrong and which one cannot be told.
        int given = cell(Target.MONTHS, monthsCell, where, MappedRowParser::months);
        if (given != months) {
          throw new IllegalArgumentException("months '" + monthsCell + "' in " + where.apply(Target.MONTHS)
              + " conflicts with period.end '" + end + "' in " + where.apply(Target.PERIOD_END) + ": from " + start
              + " to " + start.plusMonths(months - 1L) + " is " + months + " months");
        }
      }
      YearMonth last = start.plusMonths(months - 1L);
      checkPeriod(start.getYear(), start.getMonthValue(), months, end == null ? periodCell
          : periodCell + " to " + endCell, clock);
      if (RecordRules.multiMonth(start.getMonthValue(), months) != null) {
        // The processor keeps one figure per starting month: it takes no other multi-month figure.
        throw new IllegalArgumentException(periodCell + ": " + start + " to " + last + " is " + months + " months; the "
            + "processor refuses any period of several months but a combined January+February");
      }
      BigDecimal amount = cell(Target.VALUE, get.apply(Target.VALUE), where, MappedRowParser::amount);
      Long value = amount == null ? null
          : wholeUnits(amount, multiplier, get.apply(Target.VALUE), where.apply(Target.VALUE));
      Double yoy = cell(Target.REPORTED_YOY_PCT, get.apply(Target.REPORTED_YOY_PCT), where, MappedRowParser::yoy);
      if (value == null && yoy == null) {
        throw new IllegalArgumentException("neither a value nor a reported YoY %");
      }
      String currency = get.apply(Target.CURRENCY);
      String valuation = get.apply(Target.VALUATION);
      String published = require(get.apply(Target.PUBLISHED_AT), "publishedAt");
      long publishedAt = cell(Target.PUBLISHED_AT, published, where, MappedRowParser::instant);
      String publishedCell = "publishedAt '" + published + "' in " + where.apply(Target.PUBLISHED_AT);
      checkPublishedAt(publishedAt, publishedCell, clock);
      if (RecordRules.publishedBeforePeriod(Instant.ofEpochMilli(publishedAt), start.getYear(), start.getMonthValue(),
          months) != null) {
        throw new IllegalArgumentException(publishedCell + " is before the last month of its period (" + last
            + ") began; the processor refuses it");
      }
      String sourceRef = get.apply(Target.SOURCE_REF);
      String vintage = require(get.apply(Target.VINTAGE), "vintage");
      String note = get.apply(Target.NOTE);
      long text = utf8Length(sourceRef) + utf8Length(vintage) + utf8Length(note);
      if (text > MAX_FIGURE_TEXT_BYTES) {
        // A row may be up to 1 MiB (MAX_RECORD_BYTES): its free text alone made a record the broker refuses (1 MB by
        // default), and the task failed at this row again at every restart.
        throw new IllegalArgumentException("sourceRef, vintage and note hold " + text + " bytes together, more than the "
            + MAX_FIGURE_TEXT_BYTES + " a figure may carry");
      }
      return new TradeRow(reporter, partner, flow, commodity, level, start.getYear(), start.getMonthValue(), months,
          value, currency == null ? "USD" : cell(Target.CURRENCY, currency, where, MappedRowParser::currency),
          valuation == null ? null : cell(Target.VALUATION, valuation, where, MappedRowParser::valuation), yoy,
          config.sourceName(), sourceRef, vintage, publishedAt, 0, note, quality(get.apply(Target.QUALITY)));
    } catch (RuntimeException e) {
      return BadRow.of(e, location, position, raw);
    }
  }

  /**
   * {@code v}, the value of {@code t} from {@code where}, read by {@code read}. The JDK's own messages name neither the
   * column nor what it may hold ({@code For input string: "5.0"}, {@code Text '2026-01-14T10:00' could not be parsed
   * at index 16}): a cell they refuse is named here, with its value and {@link FileConfig#allowed what is allowed}.
   * The reasons this class gives itself already name the value and are kept, the column put before them; those of a
   * number out of bounds are kept as they are.
   */
  private static <T> T cell(Target t, String v, Function<Target, String> where, Function<String, T> read) {
    if (v == null) {
      return read.apply(null);
    }
    try {
      return read.apply(v);
    } catch (NumberCells.OutOfBounds | Named e) {
      throw e; // names the cell and the bound ("Value '-28.8' is negative ...")
    } catch (NumberFormatException | DateTimeException e) {
      String own = e.getMessage() != null && e.getMessage().startsWith("'") ? " (" + e.getMessage() + ")" : "";
      String reason = t.key + " '" + v + "' in " + where.apply(t) + " is not " + FileConfig.allowed(t) + own;
      // Of the same class: a dead letter's errorClass stays what it was.
      if (e instanceof NumberFormatException) {
        NumberFormatException named = new NumberFormatException(reason);
        named.initCause(e);
        throw named;
      }
      throw new DateTimeException(reason, e);
    } catch (IllegalArgumentException e) {
      // A reason of this class, naming the value and what is allowed: the column is added.
      throw new IllegalArgumentException(where.apply(t) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a constant ({@code default.<name>}) as the rows read a cell of its field, so that one the rows would refuse
   * fails at start instead of making every row a dead letter. Free text (vintage, note, ...) is not checked. A year,
   * a month or a publication time the processor always refuses ({@link #checkPeriod}, {@link #checkPublishedAt}) is
   * refused too, against {@code clock}; so is an HS code of an odd number of digits, which only a cell gets its
   * leading zero back for ({@link FileConfig#allowed}).
   *
   * @throws RuntimeException when the rows could not read {@code v}
   */
  static void readConstant(Target t, String v, Clock clock) {
    switch (t) {
      case REPORTER -> reporter(v);
      case PARTNER -> partner(v);
      case FLOW -> flow(v);
      case COMMODITY -> {
        String digits = v.replace(".", "").replace(" ", "");
        if (digits.matches("\\d+") && digits.length() % 2 == 1) {
          throw new IllegalArgumentException("commodity '" + v + "' has an odd number of digits");
        }
        commodity(v);
      }
      case PERIOD, PERIOD_END -> {
        YearMonth m = month(v);
        checkPeriod(m.getYear(), m.getMonthValue(), 1, "period '" + v + "'", clock);
      }
      case YEAR -> checkPeriod(Long.parseLong(v), 1, 1, "year '" + v + "'", clock);
      case MONTH -> monthOfYear(v);
      case MONTHS -> {
        // Of all periods, the processor takes one month, and two from January (a combined January+February): a
        // constant of any other length made every row a dead letter.
        int n = months(v);
        if (n != 1 && n != 2) {
          throw new IllegalArgumentException("months '" + v + "' is neither 1 nor 2 (a combined January+February)");
        }
      }
      case VALUE -> amount(v);
      case CURRENCY -> currency(v);
      case VALUATION -> valuation(v);
      case REPORTED_YOY_PCT -> yoy(v);
      case PUBLISHED_AT -> checkPublishedAt(instant(v), "publishedAt '" + v + "'", clock);
      case QUALITY -> {
        // Stricter than a cell: a constant is typed for this key, and a typo (SECONDAY) would make every row PUBLISHED.
        if (!v.equalsIgnoreCase(quality(v).name())) {
          throw new IllegalArgumentException("quality '" + v + "' is not " + FileConfig.allowed(t));
        }
      }
      default -> { } // free text
    }
  }

  /**
   * The processor's bounds of a figure's period ({@link RecordRules#period}): no year before {@link
   * RecordBounds#MIN_YEAR}, no month after the current one (UTC). A row beyond them went out, to be refused there
   * with a reason naming neither the file nor the line.
   *
   * @param year the year as read (a constant may hold 25 or 99999999999, beyond a YearMonth and an int)
   * @param month the first month of the period, 1-12
   * @param months the months of the period, from {@code month} to December at most
   * @param what the cell, for the message
   */
  private static void checkPeriod(long year, int month, int months, String what, Clock clock) {
    YearMonth now = YearMonth.now(clock.withZone(ZoneOffset.UTC));
    int y = (int) Math.max(Integer.MIN_VALUE, Math.min(year, Integer.MAX_VALUE));
    if (RecordRules.period(y, month, months, now) == null) {
      return;
    }
    if (year < RecordBounds.MIN_YEAR) {
      throw new IllegalArgumentException(what + ": year " + year + " is before " + RecordBounds.MIN_YEAR
          + ", when modern trade statistics (HS) start; the processor refuses it (a two-digit year?)");
    }
    throw new IllegalArgumentException(what + ": " + (year > 9999 ? "year " + year
        : "month " + RecordRules.lastMonth(y, month, months)) + " is in the future (after " + now + "); the processor "
        + "refuses it");
  }

  /** The processor refuses a publication time after now plus {@link RecordBounds#PUBLICATION_SLACK}. */
  private static void checkPublishedAt(long publishedAt, String what, Clock clock) {
    Instant now = clock.instant();
    if (RecordRules.publishedAfterNow(Instant.ofEpochMilli(publishedAt), now) != null) {
      Instant latest = now.plus(RecordBounds.PUBLICATION_SLACK);
      throw new IllegalArgumentException(what + " is " + Instant.ofEpochMilli(publishedAt) + ", after now + "
          + RecordBounds.PUBLICATION_SLACK.toDays() + " day (" + latest + "): a date or unit error? The processor "
          + "refuses it");
    }
  }

  /** The quality a cell (or constant) gives ({@link FigureQualities#fromFlag}). */
  static FigureQuality quality(String v) {
    return FigureQualities.fromFlag(v);
  }

  /**
   * The valuations a figure may have: those the connectors write (Census exports are FAS, its imports CUSTOMS; GACC and
   * Comtrade FOB or CIF), so a file of any source's figures can say its basis.
   */
  static final List<String> VALUATIONS = List.of("FOB", "CIF", "FAS", "CUSTOMS");

  /**
   * A valuation, upper-cased. Any text went out as the record's valuation ("FOBB"), a label of no known basis that
   * a reader compares with FOB or CIF.
   */
  static String valuation(String v) {
    String s = v.toUpperCase(Locale.ROOT);
    if (!VALUATIONS.contains(s)) {
      throw new IllegalArgumentException("valuation '" + v + "' is not one of " + String.join(", ", VALUATIONS));
    }
    return s;
  }

  /**
   * An ISO 4217 code, upper-cased. Three letters were enough (XYZ; RMB, the common name of CNY), and such a figure
   * went out to be refused by the processor, far from its file and line.
   */
  static String currency(String v) {
    String s = v.toUpperCase(Locale.ROOT);
    if (!RecordRules.isCurrency(s)) { // ISO 4217, as the processor's validator has it
      throw new IllegalArgumentException("currency '" + v + "' is not an ISO 4217 code");
    }
    return s;
  }

  /** An HS code (dots allowed, a dropped leading zero restored) or TOTAL, as the series key spells it. */
  static String commodity(String v) {
    String c = Hs.normalize(require(v, "commodity")).toUpperCase(Locale.ROOT);
    if (Hs.level(c).isEmpty()) {
      throw new IllegalArgumentException("commodity '" + c + "' is not an HS code or TOTAL");
    }
    String chapter = RecordRules.hsChapter(c);
    if (chapter != null) {
      throw new IllegalArgumentException("commodity '" + v + "': " + chapter + "; the processor refuses it");
    }
    return c;
  }

  static int monthOfYear(String v) {
    return YearMonth.of(2000, Integer.parseInt(v)).getMonthValue();
  }

  static int months(String v) {
    return Integer.parseInt(v);
  }

  /**
   * A value in the file's unit, thousands separators allowed (commas grouping by threes: any other comma, a decimal
   * comma, makes the row a dead letter rather than a value off by a factor); null for none ("-" or empty).
   */
  static BigDecimal amount(String v) {
    if (v == null || v.equals("-")) {
      return null;
    }
    // A comma that groups no thousands is said so ("'28,8' has a comma ..."), a reason cell keeps.
    String plain = NumberCells.ungroup(v);
    try {
      return NumberCells.nonNegative(NumberCells.decimal(plain), v);
    } catch (NumberCells.OutOfBounds e) {
      throw new Named("Value " + e.getMessage());
    } catch (NumberFormatException e) {
      // cell names the column, the value and what is allowed for whoever reads the dead letter: a reason of its own
      // here would be added to that in parentheses, repeating it.
      throw new NumberFormatException("Non-numeric value '" + v + "'");
    }
  }

  /** A number cell refused with a reason that already names it and its bound: kept as it is by {@link #cell}. */
  private static final class Named extends NumberFormatException {
    Named(String message) {
      super(message);
    }
  }

  /**
   * {@code amount} (read from {@code cell}, times the multiplier) in whole units, see {@link NumberCells#wholeUnits}.
   *
   * @param where the cell's column or constant: an amount beyond a long was refused as "Overflow" alone, naming
   *     neither the column nor the value
   */
  private static long wholeUnits(BigDecimal amount, BigDecimal multiplier, String cell, String where) {
    try {
      return NumberCells.wholeUnits(amount, multiplier, cell);
    } catch (NumberCells.BeyondLong e) {
      // Named here, as before NumberCells named it: the column and the multiplier's key say more than the cell alone.
      // Of the same class and text: a dead letter's errorClass and reason (part of the fingerprint in offsets) stay.
      ArithmeticException named = new ArithmeticException("value '" + cell + "' in " + where + " is "
          + amount.multiply(multiplier).toPlainString() + " whole units" + (multiplier.compareTo(BigDecimal.ONE) == 0
          ? "" : " (times file.value.multiplier " + multiplier.toPlainString() + ")")
          + ", more than the largest allowed, " + Long.MAX_VALUE);
      named.initCause(e);
      throw named;
    } catch (NumberCells.OutOfBounds e) {
      throw new Named("Value " + e.getMessage());
    }
  }

  /**
   * A reported YoY % ({@link #percent}) the processor takes: not below -100 (trade cannot fall by more than all of
   * it). -150 went out, to be refused by the processor's validator without its file and line.
   */
  static Double yoy(String v) {
    Double d = percent(v);
    if (RecordRules.reportedYoyPct(d) != null) {
      throw new IllegalArgumentException("reportedYoyPct '" + v + "' is below -100 %: trade cannot fall by more than "
          + "100 %; the processor refuses it");
    }
    return d;
  }

  /** A YoY %, with or without the sign; null for none ("-" or empty). */
  static Double percent(String v) {
    return v == null || v.equals("-") ? null : NumberCells.percent(v.replace("%", ""), v);
  }

  private static String require(String v, String what) {
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("missing " + what);
    }
    return v;
  }

  /** A reporter: an ISO alpha-3 code, upper-cased, that is an economy the processor takes. */
  static String reporter(String v) {
    return economy(iso3(v, "reporter"), RecordRules::reporter);
  }

  /** A partner: an ISO alpha-3 code, upper-cased, that is an economy the processor takes. */
  static String partner(String v) {
    return economy(iso3(v, "partner"), RecordRules::partner);
  }

  /**
   * {@code code} when {@code rule} takes it. Three letters were enough (AAA; UK for GBR's common name is refused by
   * {@link #iso3}), and such a figure went out to be refused by the processor, far from its file and line.
   */
  private static String economy(String code, Function<String, String> rule) {
    String refused = rule.apply(code);
    if (refused != null) {
      throw new IllegalArgumentException(refused + "; the processor refuses it");
    }
    return code;
  }

  private static String iso3(String v, String what) {
    String s = require(v, what).toUpperCase(Locale.ROOT);
    if (!s.matches("[A-Z]{3}")) {
      throw new IllegalArgumentException(what + " '" + v + "' is not an ISO alpha-3 code");
    }
    return s;
  }

  static String flow(String v) {
    return switch (require(v, "flow").toUpperCase(Locale.ROOT)) {
      case "X", "EXPORT", "EXPORTS" -> "EXPORT";
      case "M", "IMPORT", "IMPORTS" -> "IMPORT";
      case "RX", "RE_EXPORT" -> "RE_EXPORT";
      case "RM", "RE_IMPORT" -> "RE_IMPORT";
      default -> throw new IllegalArgumentException("unknown flow '" + v + "'");
    };
  }

  /**
   * A month: yyyyMM, yyyy-MM, or a date (time) in it. Only the first seven characters were read, whatever followed: a
   * range in one cell ("2025-01/2025-02", "2025-01..2025-02", the combined January-February of a customs release) went
   * out as its first month alone, with the two months' figure.
   */
  static YearMonth month(String v) {
    if (v.length() == 6) {
      return YearMonth.parse(v, YYYYMM);
    }
    if (!MONTH_CELL.matcher(v).matches()) {
      throw new IllegalArgumentException("period '" + v + "' is not a month yyyy-MM, yyyyMM or a date yyyy-MM-dd (a "
          + "period of several months: its last month in the column mapped to field.period.end)");
    }
    YearMonth m = YearMonth.parse(v.substring(0, 7));
    if (v.length() >= 10) {
      // Only the month was read: 2025-05-99 went out as May.
      int day = Integer.parseInt(v.substring(8, 10));
      if (day < 1 || !m.isValidDay(day)) {
        throw new IllegalArgumentException("period '" + v + "' has day " + v.substring(8, 10) + ", which " + m
            + " does not have (" + m.lengthOfMonth() + " days)");
      }
    }
    return m;
  }

  /**
   * A publication time: an ISO instant, a date (UTC midnight) or epoch millis. Millis are 12 or 13 digits (1973-03-03
   * to 2286-11-20): a number of 9 to 11 digits is almost surely epoch seconds (1749513600, 2025-06-10), which read as
   * millis went out as a time in January 1970 and was refused by the processor's validation, far from the cell; one of
   * 14 digits or more, micro- or nanoseconds. Such a cell is refused here, naming what it looks like, rather than
   * reinterpreted: a unit guessed from a digit count would be silently wrong for the one file where it is not.
   */
  static long instant(String v) {
    if (v.matches("\\d+")) {
      if (v.length() >= 9 && v.length() <= 11) {
        long seconds = Long.parseLong(v);
        throw new IllegalArgumentException("publishedAt '" + v + "' looks like epoch seconds ("
            + Instant.ofEpochSecond(seconds) + "), not epoch millis (" + Instant.ofEpochMilli(seconds)
            + "): give epoch millis (" + v + "000) or an ISO-8601 instant or date");
      }
      if (v.length() > 13) {
        throw new IllegalArgumentException("publishedAt '" + v + "' has " + v.length() + " digits, more than epoch "
            + "millis until the year 2286 (13): micro- or nanoseconds? Give epoch millis or an ISO-8601 instant or "
            + "date");
      }
      if (v.length() >= 12) {
        return Long.parseLong(v);
      }
    }
    if (v.length() == 10) {
      return LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    }
    return Instant.parse(v).toEpochMilli();
  }
}
