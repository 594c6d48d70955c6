package io.tradepulse.connect.comtrade;

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
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parses a Comtrade v1 response {@code {"elapsedTime":..,"count":n,"data":[{...}],"error":""}}.
 * M49 codes map to ISO alpha-3 through the shipped table (unknown = dead letter); flow codes X, M, RX, RM
 * map to EXPORT, IMPORT, RE_EXPORT, RE_IMPORT (others, e.g. DX, are dead letters); primaryValue is rounded
 * half-even to whole USD; isAggregate/isLeaf/aggrLevel are kept in {@code note} since TradeRecord has no
 * field for them. publishedAt is derived (the API gives no release date): the first day of the second month
 * after the period, UTC; vintage "COMTRADE yyyyMM".
 */
public final class ComtradeParser implements PayloadParser<String> {
  private static final JsonFactory JSON = new JsonFactory();
  private final CodeTable m49;

  /** count as reported by the last parse; equal to maxRecords means the response was cut. */
  private int lastCount;

  public ComtradeParser(CodeTable m49) {
    this.m49 = m49;
  }

  int lastCount() {
    return lastCount;
  }

  @Override
  public Parsed parse(byte[] payload, String sourceRef) {
    List<ParsedItem> items = new ArrayList<>();
    lastCount = 0;
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Parsed.whollyBad(BadRow.wholePayload("Comtrade response is not a JSON object", null, sourceRef, "payload", payload));
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if (field.equals("data") && v == JsonToken.START_ARRAY) {
          int index = 0;
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            if (e != JsonToken.START_OBJECT) {
              throw new IOException("data[] element is not an object");
            }
            int start = (int) p.currentTokenLocation().getByteOffset();
            Map<String, String> rec = readFlat(p);
            int end = (int) p.currentLocation().getByteOffset();
            items.add(toItem(rec, sourceRef, "data[" + index++ + "]", Arrays.copyOfRange(payload, start, end)));
          }
        } else if (field.equals("count") && v == JsonToken.VALUE_NUMBER_INT) {
          lastCount = p.getIntValue();
        } else if (field.equals("error") && v == JsonToken.VALUE_STRING && !p.getText().isBlank()) {
          return Parsed.whollyBad(BadRow.wholePayload("Comtrade error: " + p.getText(), null, sourceRef, "payload", payload));
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      return Parsed.whollyBad(BadRow.wholePayload("Malformed or truncated Comtrade response: " + e.getMessage(),
          e.getClass().getName(), sourceRef, "payload", payload));
    }
    return new Parsed(items, 0);
  }

  private static Map<String, String> readFlat(JsonParser p) throws IOException {
    Map<String, String> m = new HashMap<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      if (t == null) {
        throw new IOException("unexpected end of input");
      }
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
        p.skipChildren();
      } else {
        m.put(name, v == JsonToken.VALUE_NULL ? null : p.getText());
      }
    }
    return m;
  }

  private ParsedItem toItem(Map<String, String> r, String sourceRef, String position, byte[] raw) {
    Optional<CodeTable.Entry> reporter = m49.lookup(r.get("reporterCode"));
    Optional<CodeTable.Entry> partner = m49.lookup(r.get("partnerCode"));
    if (reporter.isEmpty() || reporter.get().iso3().isEmpty()) {
      return BadRow.of("Unknown M49 reporterCode '" + r.get("reporterCode") + "'", sourceRef, position, raw);
    }
    if (partner.isEmpty() || partner.get().iso3().isEmpty()) {
      return BadRow.of("Unknown M49 partnerCode '" + r.get("partnerCode") + "'", sourceRef, position, raw);
    }
    String flowCode = String.valueOf(r.get("flowCode"));
    String flow = switch (flowCode) {
      case "X" -> "EXPORT";
      case "M" -> "IMPORT";
      case "RX" -> "RE_EXPORT";
      case "RM" -> "RE_IMPORT";
      default -> null;
    };
    if (flow == null) {
      return BadRow.of("Unsupported flowCode '" + flowCode + "'", sourceRef, position, raw);
    }
    String cmd = Hs.normalize(String.valueOf(r.get("cmdCode")));
    Optional<String> level = Hs.level(cmd);
    if (level.isEmpty()) {
      return BadRow.of("Not an HS code: cmdCode '" + cmd + "'", sourceRef, position, raw);
    }
    YearMonth period;
    Long value;
    try {
      period = YearMonth.parse(String.valueOf(r.get("period")), ComtradeConfig.YYYYMM);
      String pv = r.get("primaryValue");
      value = pv == null ? null : new BigDecimal(pv).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    } catch (RuntimeException e) {
      return BadRow.of(e, sourceRef, position, raw);
    }
    if (value == null) {
      return BadRow.of("Missing primaryValue", sourceRef, position, raw);
    }
    String note = "isAggregate=" + r.get("isAggregate") + ";isLeaf=" + r.get("isLeaf") + ";aggrLevel=" + r.get("aggrLevel");
    long publishedAt = period.plusMonths(2).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    return new TradeRow(reporter.get().iso3(), partner.get().iso3(), flow, cmd, level.get(), period.getYear(),
        period.getMonthValue(), 1, value, "USD", flow.endsWith("EXPORT") ? "FOB" : "CIF", null, "COMTRADE", sourceRef,
        "COMTRADE " + period.format(ComtradeConfig.YYYYMM), publishedAt, 0, note);
  }
}
