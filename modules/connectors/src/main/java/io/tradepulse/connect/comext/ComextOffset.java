package io.tradepulse.connect.comext;

import java.time.YearMonth;
import java.util.Map;

/**
 * Offset of one Comext API partition (one reporter).
 *
 * @param next first month not yet completely emitted
 * @param rowsDone items already emitted from the response that starts at {@code next}
 * @param digest fingerprint of that response (a changed response is emitted in full)
 */
record ComextOffset(YearMonth next, long rowsDone, String digest) {
  Map<String, Object> toMap() {
    return Map.of("next", next.toString(), "rows_done", rowsDone, "digest", digest);
  }

  static ComextOffset fromMap(Map<String, ?> m, YearMonth start) {
    if (m == null || m.get("next") == null) {
      return new ComextOffset(start, 0, "");
    }
    Object rows = m.get("rows_done");
    return new ComextOffset(YearMonth.parse(m.get("next").toString()), rows == null ? 0 : ((Number) rows).longValue(),
        m.get("digest") == null ? "" : m.get("digest").toString());
  }
}
