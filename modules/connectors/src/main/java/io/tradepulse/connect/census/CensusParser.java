package io.tradepulse.connect.census;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Hs;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.PayloadParser;
import io.tradepulse.connect.common.TradeRow;
import java.io.IOException;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Parses a Census International Trade API response: a JSON array of arrays of strings whose first row is
 * the header (filter variables appended as trailing columns). Columns are found by name, never by position.
 *
 * <p>Country groups (SUMMARY_LVL=CGP, or a code the reference table marks GROUP) are skipped, never added
 * to countries; CTY_CODE "-" is the all-countries total and becomes partner WLD. An unknown country code,
 * a non-numeric value or a row of the wrong width is a dead letter. A structurally malformed or truncated
 * body is one dead letter for the whole payload: emitting a prefix of a month would look like a complete
 * release.
 */
public final class CensusParser implements PayloadParser<CensusParser.Context> {
  /** Everything about the request and its release that the rows need. */
  public record Context(String flow, String valueVar, String commodityVar, YearMonth month, String valuation,
      String vintage, long publishedAt, String sourceRef) {}

  static final int MAX_RAW_BYTES = BadRow.MAX_WHOLE_RAW_BYTES;
  private static final JsonFactory JSON = new JsonFactory();

  private final CodeTable countries;

  public CensusParser(CodeTable countries) {
    this.countries = countries;
  }

  @Override
  public Parsed parse(byte[] payload, Context ctx) {
    List<ParsedItem> items = new ArrayList<>();
    int skipped = 0;
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_ARRAY || p.nextToken() != JsonToken.START_ARRAY) {
        return whole(ctx, "Census response is not a JSON array of arrays", null, payload);
      }
      List<String> header = readRow(p);
      int cty = header.indexOf("CTY_CODE");
      int name = header.indexOf("CTY_NAME");
      int val = header.indexOf(ctx.valueVar());
      int comm = ctx.commodityVar() == null ? -1 : header.indexOf(ctx.commodityVar());
      int sum = header.indexOf("SUMMARY_LVL");
      int time = header.indexOf("time");
      if (cty < 0 || val < 0 || (ctx.commodityVar() != null && comm < 0)) {
        return whole(ctx, "Unexpected Census header " + header + ": needs CTY_CODE, " + ctx.valueVar()
            + (ctx.commodityVar() == null ? "" : ", " + ctx.commodityVar()), null, payload);
      }
      int width = header.size();
      int rowNo = 0;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        rowNo++;
        if (t != JsonToken.START_ARRAY) {
          return whole(ctx, "Expected a row array at data row " + rowNo + ", got " + t, null, payload);
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        List<String> row = readRow(p);
        int end = (int) p.currentLocation().getByteOffset();
        String position = ctx.month() + " row " + rowNo;
        if (row.size() != width) {
          items.add(bad(ctx, "Expected " + width + " columns, got " + row.size(), position, payload, start, end));
          continue;
        }
        String code = row.get(cty);
        Optional<CodeTable.Entry> entry = countries.lookup(code);
        String partner;
        if (entry.isPresent() && entry.get().kind() == CodeTable.Kind.TOTAL) {
          partner = entry.get().iso3();
        } else if ((sum >= 0 && "CGP".equals(row.get(sum)))
            || (entry.isPresent() && entry.get().kind() == CodeTable.Kind.GROUP)) {
          skipped++;
          continue;
        } else if (entry.isEmpty()) {
          items.add(bad(ctx, "Unknown Schedule C country code '" + code + "'"
              + (name >= 0 ? " (" + row.get(name) + ")" : "") + ": not in " + countries.name(),
              position, payload, start, end));
          continue;
        } else {
          partner = entry.get().iso3();
        }
        String commodity = comm < 0 ? "TOTAL" : Hs.normalize(row.get(comm));
        if ("-".equals(commodity)) {
          commodity = "TOTAL";
        }
        Optional<String> level = Hs.level(commodity);
        if (level.isEmpty()) {
          items.add(bad(ctx, "Not an HS code: '" + commodity + "'", position, payload, start, end));
          continue;
        }
        Long value = parseValue(row.get(val));
        if (value == null) {
          items.add(bad(ctx, "Non-numeric " + ctx.valueVar() + " '" + row.get(val) + "'", position, payload, start, end));
          continue;
        }
        YearMonth ym = ctx.month();
        if (time >= 0) {
          try {
            ym = YearMonth.parse(row.get(time));
          } catch (RuntimeException e) {
            items.add(bad(ctx, "Bad time '" + row.get(time) + "'", position, payload, start, end));
            continue;
          }
        }
        items.add(new TradeRow("USA", partner, ctx.flow(), commodity, level.get(), ym.getYear(),
            ym.getMonthValue(), 1, value, "USD", ctx.valuation(), null, "CENSUS", ctx.sourceRef(), ctx.vintage(),
            ctx.publishedAt(), 0, null));
      }
    } catch (IOException | RuntimeException e) {
      return whole(ctx, "Malformed or truncated Census response: " + e.getMessage(), e.getClass().getName(), payload);
    }
    return new Parsed(items, skipped);
  }

  /** Whole US dollars as published; anything else (suppression marks, decimals, negatives) is not a value. */
  static Long parseValue(String s) {
    if (s == null || s.isEmpty() || s.length() > 18) {
      return null;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
      v = v * 10 + (c - '0');
    }
    return v;
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

  private static BadRow bad(Context ctx, String reason, String position, byte[] payload, int start, int end) {
    return BadRow.of(reason, ctx.sourceRef(), position, Arrays.copyOfRange(payload, start, end));
  }

  private static Parsed whole(Context ctx, String reason, String errorClass, byte[] payload) {
    return Parsed.whollyBad(BadRow.wholePayload(reason, errorClass, ctx.sourceRef(), ctx.month() + " payload", payload));
  }
}
