package io.tradepulse.connect.census;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.Hs;
import io.tradepulse.connect.common.ItemStream;
import io.tradepulse.connect.common.JsonItems;
import io.tradepulse.connect.common.NumberCells;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.Payload;
import io.tradepulse.connect.common.PayloadParser;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.connect.common.UnreadablePayloadException;
import java.io.IOException;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses a Census International Trade API response: a JSON array of arrays of strings whose first row is
 * the header (filter variables appended as trailing columns). Columns are found by name, never by position.
 *
 * <p>Country groups (SUMMARY_LVL=CGP, or a code the reference table marks GROUP) are skipped, never added
 * to countries; CTY_CODE "-" is the all-countries total and becomes partner WLD. An unknown country code,
 * a non-numeric value, a {@code time} other than the month asked or a row of the wrong width is a dead letter. So
 * are rows that map to the same record key (partner, commodity, month) with different figures: a response split by a
 * variable the request does not pin (see {@link ResponseKeys}, which also says what becomes of identical rows). A
 * structurally malformed or truncated body is one dead letter for the whole payload: emitting a prefix of a month
 * would look like a complete release. (The task never hands it a body that ends inside its document: that one was cut
 * in transit and is fetched again, see StreamingJson#requireComplete.)
 *
 * <p>A response (an HS10 month of every country is hundreds of thousands of rows) is read as a stream
 * ({@link #open}); {@link #parse} is the same parse over bytes in memory.
 */
public final class CensusParser implements PayloadParser<CensusParser.Context> {
  private static final Logger log = LoggerFactory.getLogger(CensusParser.class);

  /** Everything about the request and its release that the rows need. */
  public record Context(String flow, String valueVar, String commodityVar, YearMonth month, String valuation,
      String vintage, long publishedAt, String sourceRef) {}

  private final CodeTable countries;

  public CensusParser(CodeTable countries) {
    this.countries = countries;
  }

  @Override
  public Parsed parse(byte[] payload, Context ctx) {
    Payload in = Payload.of(payload);
    ResponseKeys keys = new ResponseKeys();
    try {
      readThrough(new Rows(in, ctx, keys, false));
      tally(in, ctx, keys);
    } catch (IOException e) { // only malformed, over bytes in memory: the collect below makes it the one dead letter
      keys = ResponseKeys.none();
    }
    return ItemStream.collectDocument(new Rows(in, ctx, keys, false), payload, ctx.sourceRef(), position(ctx));
  }

  /**
   * A response read as a stream, checked: the fingerprint of its dead letters, and its items, parsed lazily.
   *
   * @param deadLetters the fingerprint of the dead letters the response gives ({@link BadRow#content()}, whatever their
   *     order), null when none, or when it is one dead letter as a whole (its raw value is the payload: the same only
   *     when the payload is, which is not re-emitted anyway)
   */
  record Response(String deadLetters, Function<Boolean, ItemStream> reader) {
    /**
     * The items, to be read once.
     *
     * @param leaveOutDeadLetters whether the dead letters are left out (not counted as skipped either): they are the
     *     ones the month's last emission sent, see {@link CensusOffset#deadLetters}
     */
    ItemStream items(boolean leaveOutDeadLetters) {
      return reader.apply(leaveOutDeadLetters);
    }
  }

  /**
   * A response read as a stream: first read through once, keeping only the record key of each row, because a fault
   * anywhere makes the whole payload one dead letter and rows of one key must be known before the first of them goes
   * out ({@link ResponseKeys}); read once more only if some key has several rows (and then once more for the
   * fingerprint of the dead letters, whose verdicts only that second read decides); then parsed lazily from a last
   * read, one row at a time ({@link Response#items}).
   *
   * @throws IOException when the payload cannot be read (not when it is malformed: that is the dead letter)
   */
  Response open(Payload payload, Context ctx) throws IOException {
    ResponseKeys keys = new ResponseKeys();
    Rows check = new Rows(payload, ctx, keys, false);
    check.badPrints = Digests.unordered();
    BadRow whole = ItemStream.checkDocument(check, payload, ctx.sourceRef(), position(ctx));
    if (whole != null) {
      return new Response(null, quiet -> ItemStream.of(Parsed.whollyBad(whole)));
    }
    if (tally(payload, ctx, keys)) {
      // The check pass did not know which rows of repeated keys are dead letters, nor why: a read with the verdicts.
      check = new Rows(payload, ctx, keys, false);
      check.badPrints = Digests.unordered();
      readThrough(check);
      keys.rewind();
    }
    return new Response(check.badRows > 0 ? check.badPrints.finish() : null,
        quiet -> new Rows(payload, ctx, keys, quiet));
  }

  /**
   * Ends the collect pass of {@code keys} and, if some key has several rows, reads the payload again to tally them.
   *
   * @return whether some key has several rows
   */
  private boolean tally(Payload payload, Context ctx, ResponseKeys keys) throws IOException {
    if (keys.collected()) {
      readThrough(new Rows(payload, ctx, keys, false));
      keys.tallied();
      if (keys.conflicts() > 0) {
        log.warn("Census response {} ({}): {} record key(s) have several rows with different figures, {} key(s) "
            + "several rows in all; their rows are dead letters, not figures (a breakdown variable such as DF not "
            + "pinned in the request?)", ctx.sourceRef(), ctx.month(), keys.conflicts(), keys.repeatedKeys());
      } else {
        log.warn("Census response {} ({}): {} record key(s) have several identical rows; each is emitted once, the "
            + "copies are dead letters", ctx.sourceRef(), ctx.month(), keys.repeatedKeys());
      }
      return true;
    }
    return false;
  }

  private static void readThrough(ItemStream s) throws IOException {
    try (s) {
      while (s.next() != null) {
        // the pass only feeds the keys
      }
    }
  }

  private static String position(Context ctx) {
    return ctx.month() + " payload";
  }

  /** The rows of one read of the payload, parsed as they are asked for. */
  private final class Rows extends JsonItems {
    private final Context ctx;
    private final ResponseKeys keys;
    private int cty;
    private int name;
    private int val;
    private int comm;
    private int sum;
    private int time;
    private int width;
    private int rowNo;
    private int skipped;
    private final boolean quiet; // leave the dead letters out
    Digests.Unordered badPrints; // set on the read that fingerprints the dead letters
    int badRows;

    /**
     * @param keys the record keys of the response, in the phase this read is for
     * @param quiet whether to leave the dead letters out
     */
    Rows(Payload payload, Context ctx, ResponseKeys keys, boolean quiet) {
      super(payload, "Census response");
      this.ctx = ctx;
      this.keys = keys;
      this.quiet = quiet;
    }

    @Override
    protected ParsedItem advance() throws IOException {
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        rowNo++;
        if (t != JsonToken.START_ARRAY) {
          throw new UnreadablePayloadException("Expected a row array at data row " + rowNo + ", got " + t, null);
        }
        long start = json.startValue();
        ParsedItem item = item(readRow(p), start);
        if (item instanceof BadRow b) {
          badRows++;
          if (badPrints != null) {
            badPrints.add(b.content());
          }
          if (quiet) {
            continue; // sent with the month's last emission, and the same: not again
          }
        }
        if (item != null) {
          return item;
        }
      }
      return null;
    }

    /** The header row. */
    @Override
    protected void begin() throws IOException {
      if (p.nextToken() != JsonToken.START_ARRAY || p.nextToken() != JsonToken.START_ARRAY) {
        throw new UnreadablePayloadException("Census response is not a JSON array of arrays", null);
      }
      List<String> header = readRow(p);
      cty = header.indexOf("CTY_CODE");
      name = header.indexOf("CTY_NAME");
      val = header.indexOf(ctx.valueVar());
      comm = ctx.commodityVar() == null ? -1 : header.indexOf(ctx.commodityVar());
      sum = header.indexOf("SUMMARY_LVL");
      time = header.indexOf("time");
      if (cty < 0 || val < 0 || (ctx.commodityVar() != null && comm < 0)) {
        throw new UnreadablePayloadException("Unexpected Census header " + header + ": needs CTY_CODE, "
            + ctx.valueVar() + (ctx.commodityVar() == null ? "" : ", " + ctx.commodityVar()), null);
      }
      width = header.size();
    }

    /** The item of the row just read (which started at {@code start}); null for a row that is skipped. */
    private ParsedItem item(List<String> row, long start) throws UnreadablePayloadException {
      String position = ctx.month() + " row " + rowNo;
      if (row.size() != width) {
        return bad("Expected " + width + " columns, got " + row.size(), position, start);
      }
      String code = row.get(cty);
      Optional<CodeTable.Entry> entry = countries.lookup(code);
      String partner;
      if (entry.isPresent() && entry.get().kind() == CodeTable.Kind.TOTAL) {
        partner = entry.get().iso3();
      } else if ((sum >= 0 && "CGP".equals(row.get(sum)))
          || (entry.isPresent() && entry.get().kind() == CodeTable.Kind.GROUP)) {
        skipped++;
        return null;
      } else if (entry.isEmpty()) {
        return bad("Unknown Schedule C country code '" + code + "'"
            + (name >= 0 ? " (" + row.get(name) + ")" : "") + ": not in " + countries.name(), position, start);
      } else {
        partner = entry.get().iso3();
      }
      String commodity = comm < 0 ? "TOTAL" : Hs.normalize(row.get(comm));
      if ("-".equals(commodity)) {
        commodity = "TOTAL";
      }
      Optional<String> level = Hs.level(commodity);
      if (level.isEmpty()) {
        return bad("Not an HS code: '" + commodity + "'", position, start);
      }
      Long value;
      String outOfBounds = null; // the reason of a value that is a number, but beyond a long
      try {
        value = parseValue(row.get(val));
      } catch (NumberCells.OutOfBounds e) {
        value = null;
        outOfBounds = ctx.valueVar() + " " + e.getMessage();
      }
      YearMonth ym = ctx.month();
      String otherMonth = null; // the reason of a row of another month than the one asked
      if (time >= 0) {
        try {
          ym = YearMonth.parse(row.get(time));
        } catch (RuntimeException e) {
          ym = null;
        }
        if (ym != null && !ym.equals(ctx.month())) {
          // Every request asks one month (time=yyyy-MM). A row of another went out as a figure of that month with the
          // asked month's release and revision: 2099-01 or 1950-04 to be refused by the processor, far from this URL
          // and row; 2025-04 in May's answer dated by May's FT-900, outranking April's own figure downstream.
          otherMonth = "time '" + row.get(time) + "' is not the month asked, " + ctx.month();
          ym = null;
        }
      }
      if (ym != null) {
        // A row with a key counts whatever its value: a part that is not a number still makes the others parts.
        String conflict = keys.check(partner, commodity, ym, value, row, rowNo);
        if (conflict != null) {
          return bad(conflict, position, start);
        }
      }
      if (value == null) {
        return bad(outOfBounds != null ? outOfBounds : "Non-numeric " + ctx.valueVar() + " '" + row.get(val) + "'",
            position, start);
      }
      if (ym == null) {
        return bad(otherMonth != null ? otherMonth : "Bad time '" + row.get(time) + "'", position, start);
      }
      // The Census Bureau's own release (FT-900): the API marks no figure as estimated.
      return new TradeRow("USA", partner, ctx.flow(), commodity, level.get(), ym.getYear(), ym.getMonthValue(), 1,
          value, "USD", ctx.valuation(), null, "CENSUS", ctx.sourceRef(), ctx.vintage(), ctx.publishedAt(), 0, null,
          FigureQuality.PUBLISHED);
    }

    private BadRow bad(String reason, String position, long start) {
      return BadRow.of(reason, ctx.sourceRef(), position, json.raw(start));
    }

    @Override
    public int skipped() {
      return skipped;
    }

    @Override
    public long publishedAt() {
      return ctx.publishedAt();
    }

  }

  /**
   * Whole US dollars as published; anything else (suppression marks, decimals, negatives) is not a value (null).
   *
   * @throws NumberCells.OutOfBounds when {@code s} is all digits but beyond a long (or longer than any amount): it is
   *     a number, which "Non-numeric" misnamed, and the reason names it and the largest allowed
   */
  static Long parseValue(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    if (s.length() > 18) {
      // A long may not hold 19 digits or more: read exactly, as the other sources' amounts are, up to Long.MAX_VALUE.
      return NumberCells.wholeUnits(NumberCells.decimal(s), s);
    }
    return Long.parseLong(s);
  }

  private static List<String> readRow(JsonParser p) throws IOException {
    List<String> row = new ArrayList<>(8);
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t == null) {
        throw new IOException("unexpected end of input");
      }
      if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
        throw new IOException("nested structure in a row");
      }
      row.add(t == JsonToken.VALUE_NULL ? "" : p.getText());
    }
    return row;
  }
}
