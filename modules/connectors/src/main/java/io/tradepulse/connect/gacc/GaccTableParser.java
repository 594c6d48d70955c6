package io.tradepulse.connect.gacc;

import io.tradepulse.avro.FigureQuality;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.NumberCells;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.PayloadParser;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.core.CsvReader;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Parses a China customs (GACC) country table as published in English, saved as CSV:
 *
 * <pre>
 * China's Total Export &amp; Import Values by Country (Region), May 2025   (optional title lines)
 * Unit: US$1,000                                                          (required)
 * Release: 2025-06-09                                                     (optional; also "Release date:", "Released:")
 * Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
 * United States,2025,5,28800000,10200000,1to5,...
 * YoY %,,,-34.5,-18.1,,...
 * </pre>
 *
 * Each value row is followed by a row of YoY % ("-" when not applicable), which becomes reportedYoyPct.
 * January and February are published combined: a row with Month "1to2", or Month 2 with Cumulative "1to2" (also
 * written "1-2" or "1~2"),
 * yields ONE record month=1, months=2 (from the 1to2 figures), never a split. Values are US$1,000, so whole
 * dollars are value x 1000 (exact). Exports are FOB, imports CIF. Only the US$ table is supported: the RMB
 * release (100 million yuan) would need an FX table, so its unit line is a dead letter.
 */
public final class GaccTableParser implements PayloadParser<GaccTableParser.Context> {
  public record Context(String location, int releaseDay) {}

  private static final ZoneId BEIJING = ZoneId.of("Asia/Shanghai");
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
  /** "Release:", and its spellings "Release date:" and "Released:" (any case, blanks before the colon). */
  private static final java.util.regex.Pattern RELEASE_LINE =
      java.util.regex.Pattern.compile("\\s*release(?:d|\\s+date)?\\s*:", java.util.regex.Pattern.CASE_INSENSITIVE);
  /**
   * January to February in a Month or Cumulative cell, spaces removed, lower case: "1to2", "1-2", "1~2", the notations
   * a cumulative column's header may use ({@link #CUMULATIVE_HEADER}).
   */
  private static final java.util.regex.Pattern JANUARY_TO_FEBRUARY = java.util.regex.Pattern.compile("1(to|-|~)2");

  /**
   * Whether a Month or Cumulative cell (spaces removed, lower case) says January to February. Only "1to2" was known: a
   * row of Month 2 with Cumulative "1-2" was read as February alone, its January-February figures as one month's (or,
   * with the month's cells "-", as nothing at all), and a Month "1-2" was a dead letter.
   */
  static boolean isJanuaryToFebruary(String cell) {
    return JANUARY_TO_FEBRUARY.matcher(cell).matches();
  }

  /** "1 to N", "1 to 5", "1to2", "1-5": the header of a cumulative column (lower case). */
  private static final java.util.regex.Pattern CUMULATIVE_HEADER =
      java.util.regex.Pattern.compile("\\b1\\s*(to|-|~)\\s*(n|1[0-2]|[1-9])\\b");

  private final GaccNames countries;

  public GaccTableParser(GaccNames countries) {
    this.countries = countries;
  }

  /** @param width the header's cells up to its last non-blank one: a row has no figure beyond them */
  private record Columns(int country, int year, int month, int exp, int imp, int cum, int expCum, int impCum,
      int width) {}

  /** A value row waiting for the YoY row that may follow it. */
  private record Pending(CsvReader.Row row, String partner, YearMonth period, int months, boolean useCumulative) {}

  @Override
  public Parsed parse(byte[] payload, Context ctx) {
    CsvReader reader = new CsvReader(payload);
    List<ParsedItem> items = new ArrayList<>();
    int skipped = 0;
    boolean unitOk = false;
    String release = null;
    Columns cols = null;
    Pending pending = null;
    boolean swallowYoy = false; // the YoY row under a skipped group or dead-lettered value row
    String otherUnit = null; // a later unit line's other unit, whose rows are dead letters
    String badHeader = null; // a later header that cannot be read, whose rows are dead letters
    Map<ParsedItem, CsvReader.Row> origin = new IdentityHashMap<>(); // each figure's value row
    List<CsvReader.Row> rows = new ArrayList<>();
    for (CsvReader.Row r = reader.next(); r != null; r = reader.next()) {
      rows.add(r);
    }
    // Release metadata first: the records of the table carry the publishedAt/vintage of its first Release line (also
    // when it is printed under the table), the rows under a later one (a second table) that one's.
    for (CsvReader.Row r : rows) {
      String date = releaseLine(r.field(0));
      if (date != null) {
        try {
          LocalDate.parse(date);
        } catch (DateTimeParseException e) {
          // Every record of the table would carry a guessed publication time: the table is one dead letter instead
          // (an exception here would fail the task at every restart, the table never read and never parked).
          return Parsed.whollyBad(BadRow.wholePayload("Unreadable 'Release:' date '" + date + "' on line "
              + r.line() + ": expected yyyy-MM-dd, e.g. Release: 2025-06-09", e.getClass().getName(), ctx.location(),
              "table", payload));
        }
        if (release == null) {
          release = date;
        }
      }
    }
    String vintage = null;
    long publishedAt = 0;
    long firstPublishedAt = 0; // the payload's, for its dead letters
    for (CsvReader.Row r : rows) {
      String first = r.field(0);
      String lower = first.toLowerCase(Locale.ROOT);
      if (cols == null) {
        if (lower.startsWith("unit:")) {
          String unit = unit(r);
          unitOk = isThousandDollars(unit);
          if (!unitOk) {
            return Parsed.whollyBad(BadRow.of("Unsupported unit '" + unit + "': only 'Unit: US$1,000' tables are read",
                ctx.location(), "line " + r.line(), r.raw()));
          }
        } else if (lower.startsWith("country")) {
          if (!unitOk) {
            return Parsed.whollyBad(BadRow.of("No 'Unit: US$1,000' line before the header", ctx.location(),
                "line " + r.line(), r.raw()));
          }
          String twice = columnHeadedTwice(r);
          if (twice != null) {
            return Parsed.whollyBad(BadRow.of(twice, ctx.location(), "line " + r.line(), r.raw()));
          }
          cols = columns(r);
          if (cols == null) {
            return Parsed.whollyBad(BadRow.of("Unexpected header " + r.fields() + ": needs Country, Year, Month, "
                + "Exports, Imports", ctx.location(), "line " + r.line(), r.raw()));
          }
        }
        continue;
      }
      if (r.isBlank()) {
        continue;
      }
      if (releaseLine(first) != null) {
        // Tables of two releases pasted into one file: every record carried the last Release line's date (the earlier
        // table's figures dated as published with the later one), and a Release line under the header was a dead
        // letter as an unknown country. The rows under it are of that release.
        if (pending != null) {
          skipped += finish(pending, null, cols, ctx, vintage, publishedAt, items, origin);
          pending = null;
        }
        swallowYoy = false;
        release = releaseLine(first);
        vintage = null;
        continue;
      }
      if (lower.startsWith("unit:")) {
        // A second table in the same file (the RMB release pasted under the US$ one): its rows were read as US$1,000
        // like the first table's, 100 million yuan taken for a thousand dollars. From a unit line on, the rows are
        // that unit's.
        if (pending != null) {
          skipped += finish(pending, null, cols, ctx, vintage, publishedAt, items, origin);
          pending = null;
        }
        swallowYoy = false;
        String unit = unit(r);
        otherUnit = isThousandDollars(unit) ? null : "'Unit: " + unit + "' (line " + r.line() + ")";
        continue;
      }
      if (otherUnit != null) {
        items.add(BadRow.of("Row under " + otherUnit + ": only US$1,000 figures are read", ctx.location(),
            "line " + r.line(), r.raw()));
        continue;
      }
      if (lower.startsWith("country") && countries.lookup(first).isEmpty()) {
        // A header again (a table pasted together from pages, a second US$ table under the first): it was a dead
        // letter as an unknown country, and the rows under it were read by the first header's columns, so a page with
        // its columns in another order sent one flow's figures out as the other's. From a header on, the rows are
        // read by its columns; under one that cannot be read they are dead letters (the first would refuse the table).
        if (pending != null) {
          skipped += finish(pending, null, cols, ctx, vintage, publishedAt, items, origin);
          pending = null;
        }
        swallowYoy = false;
        String twice = columnHeadedTwice(r);
        Columns again = twice == null ? columns(r) : null;
        if (again == null) {
          items.add(BadRow.of(twice != null ? twice : "Unexpected header " + r.fields() + ": needs Country, Year, "
              + "Month, Exports, Imports", ctx.location(), "line " + r.line(), r.raw()));
          badHeader = "the header on line " + r.line() + ", which cannot be read";
        } else {
          cols = again;
          badHeader = null;
        }
        continue;
      }
      if (badHeader != null) {
        items.add(BadRow.of("Row under " + badHeader, ctx.location(), "line " + r.line(), r.raw()));
        continue;
      }
      if (isNote(r, lower)) {
        // The tables end with notes ("Note: data for the latest month are preliminary", "Source: ..."): no figure,
        // nothing to dead-letter each release. A row with any other cell filled is still read as a country row.
        skipped++;
        swallowYoy = false;
        continue;
      }
      if (isYoyLabel(lower)) {
        if (swallowYoy) {
          swallowYoy = false;
          continue;
        }
        if (pending == null) {
          items.add(BadRow.of("YoY row without a value row above it", ctx.location(), "line " + r.line(), r.raw()));
          continue;
        }
        String wide = beyondHeader(r, cols);
        if (wide != null) {
          // Its percents cannot be told apart from the cells shifted into their columns: the row above goes out
          // without them, and this row says why.
          items.add(BadRow.of(wide + ": the YoY % of the row above are not read", ctx.location(), "line " + r.line(),
              r.raw()));
          skipped += finish(pending, null, cols, ctx, vintage, publishedAt, items, origin);
          pending = null;
          continue;
        }
        skipped += finish(pending, r, cols, ctx, vintage, publishedAt, items, origin);
        pending = null;
        continue;
      }
      if (pending != null) {
        skipped += finish(pending, null, cols, ctx, vintage, publishedAt, items, origin);
        pending = null;
      }
      swallowYoy = true;
      Optional<CodeTable.Entry> entry = countries.lookup(first);
      if (entry.isPresent() && entry.get().kind() == CodeTable.Kind.GROUP) {
        skipped++;
        pending = null;
        continue;
      }
      if (entry.isEmpty()) {
        items.add(BadRow.of("Unknown country/region '" + first + "': not in " + countries.tableName(), ctx.location(),
            "line " + r.line(), r.raw()));
        continue;
      }
      String wide = beyondHeader(r, cols);
      if (wide != null) {
        items.add(BadRow.of(wide, ctx.location(), "line " + r.line(), r.raw()));
        continue; // and its YoY row with it (swallowYoy)
      }
      String monthCell = r.field(cols.month()).replace(" ", "").toLowerCase(Locale.ROOT);
      String cumCell = cols.cum() < 0 ? "" : r.field(cols.cum()).replace(" ", "").toLowerCase(Locale.ROOT);
      int year;
      int month;
      int months = 1;
      boolean useCum = false;
      try {
        year = Integer.parseInt(r.field(cols.year()));
        if (isJanuaryToFebruary(monthCell)) {
          month = 1;
          months = 2;
        } else {
          month = Integer.parseInt(monthCell);
          if (month == 2 && isJanuaryToFebruary(cumCell)) {
            month = 1;
            months = 2;
            useCum = true;
          }
        }
        YearMonth.of(year, month);
      } catch (RuntimeException e) {
        items.add(BadRow.of("Bad year/month '" + r.field(cols.year()) + "'/'" + r.field(cols.month()) + "'",
            ctx.location(), "line " + r.line(), r.raw()));
        continue;
      }
      int last = Math.max(useCum ? cols.expCum() : cols.exp(), useCum ? cols.impCum() : cols.imp());
      if (r.fields().size() <= last) {
        // Cut short (a line broken or truncated by hand): its figures' cells are not there, which read as "-" made the
        // row vanish as one without figures, counted among the skipped cells and never seen.
        items.add(BadRow.of("Row has " + r.fields().size() + " cells, the header " + cols.width() + ": the "
            + (useCum ? "cumulative " : "") + "Exports/Imports figures (cell " + (last + 1) + ") are missing",
            ctx.location(), "line " + r.line(), r.raw()));
        continue;
      }
      YearMonth period = YearMonth.of(year, month);
      if (vintage == null) {
        LocalDate rel = releaseDate(release, period, months, ctx.releaseDay());
        vintage = rel.toString();
        publishedAt = rel.atTime(LocalTime.of(10, 0)).atZone(BEIJING).toInstant().toEpochMilli();
        firstPublishedAt = firstPublishedAt == 0 ? publishedAt : firstPublishedAt;
      }
      pending = new Pending(r, entry.get().iso3(), period, months, useCum);
      swallowYoy = false;
    }
    if (pending != null) {
      skipped += finish(pending, null, cols, ctx, vintage, publishedAt, items, origin);
    }
    if (cols == null) {
      return Parsed.whollyBad(BadRow.wholePayload("No 'Country (Region)' header row found", null, ctx.location(), "table",
          payload));
    }
    sameFigureTwice(items, origin, ctx);
    return new Parsed(items, skipped, firstPublishedAt);
  }

  /**
   * A record key (partner, flow, period) and its publication: two releases' figures of one month (tables of two
   * releases in one file) are a revision, not a repeat.
   */
  private record Slot(String key, long publishedAt) {}

  /**
   * A table gives one figure per economy, flow and period. A country row printed twice (a table pasted together from
   * two pages, a row copied by hand) gave two records of one key: with different figures, downstream kept the larger
   * as if it were the table's, and nothing showed. As the Census source does with the rows of a response: copies with
   * the same figures go out once, each later copy a dead letter saying so; different figures are all dead letters,
   * since which one is right cannot be told. Each stays an item in its place, so offsets count items as before.
   *
   * <p>Rows are compared by the economy their names map to, not by the name as printed: one economy under two names
   * (an alias, "United States (US)" and "U.S.A."; a member row "of which: Germany" and a row "Germany") is as much one
   * key downstream. GACC's country table prints each economy once (a member of a group under the group only), so two
   * such rows with different figures cannot both be the table's; the reason then names the printed names.
   */
  private static void sameFigureTwice(List<ParsedItem> items, Map<ParsedItem, CsvReader.Row> origin, Context ctx) {
    Map<Slot, List<Integer>> byKey = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) instanceof TradeRow t) {
        String period = t.months() == 1 ? YearMonth.of(t.year(), t.month()).toString()
            : YearMonth.of(t.year(), t.month()) + " + " + (t.months() - 1) + " month(s)";
        byKey.computeIfAbsent(new Slot(t.partner() + " " + t.flow() + " " + period, t.publishedAt()),
            k -> new ArrayList<>()).add(i);
      }
    }
    byKey.forEach((keyed, at) -> {
      if (at.size() < 2) {
        return;
      }
      String slot = keyed.key();
      Map<String, String> names = new LinkedHashMap<>(); // the names printed, told apart ignoring case and spacing
      for (int i : at) {
        String name = origin.get(items.get(i)).field(0).replace('\u00a0', ' ').strip().replaceAll("\\s+", " ");
        names.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
      }
      String key = names.size() < 2 ? slot : slot + " (printed as '" + String.join("', '", names.values()) + "')";
      ParsedItem first = items.get(at.get(0));
      boolean same = at.stream().allMatch(i -> items.get(i).equals(first));
      List<Long> lines = at.stream().map(i -> origin.get(items.get(i)).line()).toList();
      for (int n = same ? 1 : 0; n < at.size(); n++) {
        int i = at.get(n);
        CsvReader.Row row = origin.get(items.get(i));
        String reason = same
            ? key + " again, with the same figures as on line " + lines.get(0) + ": emitted once"
            : key + " given different figures on lines " + lines + ": which one is the table's cannot be told, "
                + "none is emitted";
        items.set(i, BadRow.of(reason, ctx.location(), "line " + row.line(), row.raw()));
      }
    });
  }

  /**
   * The reason a row cannot be read, when it has a non-blank cell beyond the header's last, else null. Such a row is
   * shifted: a value written with unquoted thousands separators (United States,2025,5,28,800,000,...) is split into
   * several cells, and the month's exports were read as 28 (thousand dollars) and its imports as 800, the other cells
   * pushed past the header.
   */
  private static String beyondHeader(CsvReader.Row r, Columns cols) {
    for (int i = cols.width(); i < r.fields().size(); i++) {
      if (!r.field(i).isBlank()) {
        return "Row has " + r.fields().size() + " cells, more than the header's " + cols.width() + " (cell " + (i + 1)
            + " is '" + r.field(i) + "'): its cells are shifted, as by a value with unquoted thousands separators "
            + "(quote it: \"28,800,000\")";
      }
    }
    return null;
  }

  /** The unit a "Unit:" line names, its cells joined again (an unquoted "US$1,000" is two cells). */
  private static String unit(CsvReader.Row r) {
    return String.join(",", r.fields()).trim().substring(5).replaceAll("[\\s,]+$", "").trim();
  }

  private static boolean isThousandDollars(String unit) {
    return unit.replace(" ", "").equalsIgnoreCase("US$1,000");
  }

  /**
   * The date text of a Release line, null when {@code first} (a row's first cell) is not one. Spelt "Release date:"
   * or "Released:" too: such a line was not read as one, and the table's figures went out with a publication date
   * derived from the period (release.day) instead of the one printed, silently (above the header the line passed for
   * a title line).
   */
  static String releaseLine(String first) {
    java.util.regex.Matcher m = RELEASE_LINE.matcher(first);
    return m.lookingAt() ? first.substring(m.end()).trim() : null;
  }

  private static LocalDate releaseDate(String release, YearMonth period, int months, int releaseDay) {
    if (release != null) {
      return LocalDate.parse(release);
    }
    return period.plusMonths(months).atDay(releaseDay);
  }

  /** What a YoY row's label may hold besides "yoy" and "%": spacing (non-breaking too), parentheses, hyphens. */
  private static final java.util.regex.Pattern YOY_LABEL_NOISE = java.util.regex.Pattern.compile("[\\s\\p{Z}()\\-]+");

  /**
   * Whether a first cell (lower case) labels the YoY row under a value row: "YoY %", and the spellings of the same label
   * that tables also print, "YoY (%)", "YoY(%)", "Y-o-Y %". Read as a country, such a row was a dead letter ("Unknown
   * country/region") and the figures above it went out without their reported YoY.
   */
  static boolean isYoyLabel(String lowerFirst) {
    return YOY_LABEL_NOISE.matcher(lowerFirst).replaceAll("").matches("yoy%?");
  }

  /** Words a GACC table's notes start with (English tables; 注 in Chinese ones). */
  private static final java.util.regex.Pattern NOTE =
      java.util.regex.Pattern.compile("(?:notes?|sources?|remarks?)(?![a-z]).*|[*注].*", java.util.regex.Pattern.DOTALL);

  /** A note under the table: a first cell starting with a note word, every other cell empty. */
  static boolean isNote(CsvReader.Row r, String lowerFirst) {
    if (!NOTE.matcher(lowerFirst.strip()).matches()) {
      return false;
    }
    for (int i = 1; i < r.fields().size(); i++) {
      if (!r.field(i).isBlank()) {
        return false;
      }
    }
    return true;
  }

  /** Emits the export and import records of a value row; returns how many cells were skipped ("-"). */
  private static int finish(Pending p, CsvReader.Row yoy, Columns c, Context ctx, String vintage, long publishedAt,
      List<ParsedItem> out, Map<ParsedItem, CsvReader.Row> origin) {
    int skipped = 0;
    int[][] flows = {{p.useCumulative() ? c.expCum() : c.exp()}, {p.useCumulative() ? c.impCum() : c.imp()}};
    String[] names = {"EXPORT", "IMPORT"};
    String[] valuation = {"FOB", "CIF"};
    for (int f = 0; f < 2; f++) {
      int col = flows[f][0];
      if (col < 0) {
        // Only a cumulative column can be missing (the header check requires Exports and Imports). The row's figures
        // are January+February, published in those columns alone: without them there is nothing to read, which must
        // show, not pass as a row that gave nothing.
        String name = names[f].charAt(0) + names[f].substring(1).toLowerCase(Locale.ROOT) + "s";
        out.add(BadRow.of("Combined January-February row (Cumulative 1to2) but the table has no cumulative " + names[f]
            + " column (e.g. '" + name + " 1 to N') to read it from", ctx.location(), "line " + p.row().line(),
            p.row().raw()));
        continue;
      }
      String cell = p.row().field(col);
      String yoyCell = yoy == null ? "" : yoy.field(col);
      int other = p.months() != 2 ? -1 : p.useCumulative() ? (f == 0 ? c.exp() : c.imp())
          : (f == 0 ? c.expCum() : c.impCum());
      if (other >= 0) {
        // GACC publishes no February alone: in a combined row ("2 | 1to2", or Month "1to2") the month's cells and the
        // cumulative ones, when filled, hold the same January-February figure. A table that printed it in one pair
        // and "-" (not given) in the pair read lost it: the row was counted as skipped. Each cell is read from the
        // pair the row's notation names, else from the other one.
        // Both filled but different, the figure read was the one of the notation's pair, the other dropped silently:
        // a January-February figure cannot be two numbers, and which one is right cannot be told.
        String where = p.useCumulative() ? "the cumulative cell" : "the month's cell";
        String otherWhere = p.useCumulative() ? "the month's cell" : "the cumulative cell";
        if (isAbsent(cell)) {
          cell = p.row().field(other);
        } else if (disagree(cell, p.row().field(other), GaccTableParser::thousands)) {
          out.add(BadRow.of("Combined January-February " + names[f] + " value given as '" + cell.trim() + "' in "
              + where + " and '" + p.row().field(other).trim() + "' in " + otherWhere + ": which one is the figure "
              + "cannot be told", ctx.location(), "line " + p.row().line(), p.row().raw()));
          continue;
        }
        if (yoy != null && isAbsent(yoyCell)) {
          yoyCell = yoy.field(other);
        } else if (yoy != null && disagree(yoyCell, yoy.field(other), GaccTableParser::percent)) {
          out.add(BadRow.of("Combined January-February " + names[f] + " YoY % given as '" + yoyCell.trim() + "' in "
              + where + " and '" + yoy.field(other).trim() + "' in " + otherWhere + ": which one is the figure cannot "
              + "be told", ctx.location(), "line " + yoy.line(), yoy.raw()));
          continue;
        }
      }
      Long value;
      Double pct;
      try {
        value = thousands(cell);
      } catch (NumberFormatException e) { // not a number, or out of bounds (beyond a long, also once x 1000)
        // A cell refused for its size says so: it is a number, only not a plausible one (its reason names the cell).
        out.add(BadRow.of(e instanceof NumberCells.OutOfBounds ? names[f] + " value " + e.getMessage()
            : "Non-numeric " + names[f] + " value '" + cell + "'", ctx.location(),
            "line " + p.row().line(), p.row().raw()));
        continue;
      }
      try {
        pct = percent(yoyCell);
      } catch (NumberFormatException e) {
        out.add(BadRow.of("Non-numeric YoY % '" + yoyCell + "'", ctx.location(), "line " + yoy.line(), yoy.raw()));
        continue;
      }
      if (value == null && pct == null) {
        skipped++;
        continue;
      }
      TradeRow figure = new TradeRow("CHN", p.partner(), names[f], "TOTAL", "TOTAL", p.period().getYear(),
          p.period().getMonthValue(), p.months(), value, "USD", valuation[f], pct, "GACC", ctx.location(), vintage,
          publishedAt, 0, p.months() == 2 ? "January and February published combined" : null,
          FigureQuality.PUBLISHED); // China customs' own table
      out.add(figure);
      origin.put(figure, p.row());
    }
    return skipped;
  }

  /**
   * Whether two cells of one figure both give a number, and different ones. A cell that gives none (absent, or not a
   * number, which the cell read makes a dead letter of its own) disagrees with nothing.
   */
  private static boolean disagree(String a, String b, java.util.function.Function<String, ?> read) {
    if (isAbsent(a) || isAbsent(b)) {
      return false;
    }
    Object x;
    Object y;
    try {
      x = read.apply(a);
      y = read.apply(b);
    } catch (NumberFormatException | ArithmeticException e) {
      return false;
    }
    // numerically: "-0" and "0" (YoY %) are one figure; the values are longs, compared exactly
    return x instanceof Long l ? !l.equals(y) : ((Number) x).doubleValue() != ((Number) y).doubleValue();
  }

  /** Whether a figure or YoY cell gives nothing: empty or "-". */
  private static boolean isAbsent(String cell) {
    String s = cell.replace("%", "").trim();
    return s.isEmpty() || s.equals("-");
  }

  static Long thousands(String cell) {
    String s = cell.trim();
    if (s.isEmpty() || s.equals("-")) {
      return null;
    }
    return NumberCells.wholeUnits(NumberCells.nonNegative(NumberCells.decimal(NumberCells.ungroup(s)), cell), THOUSAND,
        cell);
  }

  static Double percent(String cell) {
    String s = cell.replace("%", "").trim();
    if (s.isEmpty() || s.equals("-")) {
      return null;
    }
    return NumberCells.percent(s, cell);
  }

  /** Whether a header cell heads a cumulative column (see {@link #columns}). */
  private static boolean isCumulative(String lowerHeader) {
    // The published tables head a cumulative column with the months it covers ("1 to 5", "1to2"), not "1 to N";
    // taken for the month's column, it sent January-May out as May.
    return CUMULATIVE_HEADER.matcher(lowerHeader).find()
        || lowerHeader.contains("cumulative") && !lowerHeader.equals("cumulative");
  }

  /**
   * The reason a header cannot be read, when two of its cells claim one column (the month's exports, the month's
   * imports, or a cumulative one of them), else null. The last of them used to win silently: a cumulative column
   * headed in words the header check does not know ("Exports Jan-May", "Exports YTD") sent the months so far out as
   * the month, and a YoY column ("Exports YoY %") sent the percent out as thousands of dollars. Which one holds the
   * month's figures cannot be told from the header, so the table is refused rather than guessed.
   */
  private static String columnHeadedTwice(CsvReader.Row header) {
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < header.fields().size(); i++) {
      String h = header.field(i).toLowerCase(Locale.ROOT).trim();
      String flow = h.startsWith("exports") ? "Exports" : h.startsWith("imports") ? "Imports" : null;
      if (flow == null) {
        continue;
      }
      String column = isCumulative(h) ? "cumulative " + flow : flow + " of the month";
      Integer earlier = first.putIfAbsent(column, i);
      if (earlier != null) {
        return "Header " + header.fields() + " has two columns for " + column + ", '" + header.field(earlier).trim()
            + "' and '" + header.field(i).trim() + "': which one holds the figures cannot be told. Head a cumulative "
            + "column with the months it covers ('" + flow + " 1 to 5', '" + flow + " 1 to N') or 'cumulative', and "
            + "leave out other columns (YoY % is read from the row under each value row)";
      }
    }
    return null;
  }

  private static Columns columns(CsvReader.Row header) {
    int year = -1, month = -1, exp = -1, imp = -1, cum = -1, expCum = -1, impCum = -1;
    for (int i = 0; i < header.fields().size(); i++) {
      String h = header.field(i).toLowerCase(Locale.ROOT).trim();
      boolean cumulative = isCumulative(h);
      if (h.equals("year")) {
        year = i;
      } else if (h.equals("month")) {
        month = i;
      } else if (h.equals("cumulative")) {
        cum = i;
      } else if (h.startsWith("exports")) {
        if (cumulative) expCum = i; else exp = i;
      } else if (h.startsWith("imports")) {
        if (cumulative) impCum = i; else imp = i;
      }
    }
    if (year < 0 || month < 0 || exp < 0 || imp < 0) {
      return null;
    }
    int width = header.fields().size();
    while (width > 0 && header.field(width - 1).isBlank()) {
      width--;
    }
    return new Columns(0, year, month, exp, imp, cum, expCum, impCum, width);
  }
}
