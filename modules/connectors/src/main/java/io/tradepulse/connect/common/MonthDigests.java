package io.tradepulse.connect.common;

import java.time.YearMonth;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * How connectors store per-month fingerprints in a Connect offset: one string {@code 2025-04=ab12;2025-05=cd34},
 * because offset values must be primitives or strings. Months are written in order, so equal maps give equal
 * offsets.
 */
public final class MonthDigests {
  private MonthDigests() {
  }

  public static String format(Map<YearMonth, String> digests) {
    return new TreeMap<>(digests).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(";"));
  }

  /** @param s as written by {@link #format}; null or empty gives an empty map */
  public static Map<YearMonth, String> parse(String s) {
    Map<YearMonth, String> d = new TreeMap<>();
    if (s != null) {
      for (String part : s.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          d.put(YearMonth.parse(part.substring(0, eq)), part.substring(eq + 1));
        }
      }
    }
    return d;
  }
}
