package io.tradepulse.connect.comtrade;

import java.time.YearMonth;
import java.util.Map;

/**
 * Offset of one Comtrade reporter partition.
 *
 * @param next first period not yet completely emitted
 * @param rowsDone items already emitted from the response of the chunk starting at {@code next}
 * @param digest fingerprint of that response (a changed response is emitted in full)
 */
public record ComtradeOffset(YearMonth next, long rowsDone, String digest) {
  public Map<String, Object> toMap() {
    return Map.of("next", next.format(ComtradeConfig.YYYYMM), "rows_done", rowsDone, "digest", digest);
  }

  public static ComtradeOffset fromMap(Map<String, ?> m, YearMonth start) {
    if (m == null || m.get("next") == null) {
      return new ComtradeOffset(start, 0, "");
    }
    Object rows = m.get("rows_done");
    return new ComtradeOffset(YearMonth.parse(m.get("next").toString(), ComtradeConfig.YYYYMM),
        rows == null ? 0 : ((Number) rows).longValue(), m.get("digest") == null ? "" : m.get("digest").toString());
  }
}
