package io.tradepulse.connect.common;

import java.util.List;

/**
 * Result of parsing one payload.
 *
 * @param items good and bad rows in input order
 * @param skipped rows intentionally not emitted (country groups, quantity indicators...), counted for metrics
 */
public record Parsed(List<ParsedItem> items, int skipped, long publishedAt) {
  public Parsed {
    items = List.copyOf(items);
  }

  public Parsed(List<ParsedItem> items, int skipped) {
    this(items, skipped, 0L);
  }

  public static Parsed whollyBad(BadRow bad) {
    return new Parsed(List.of(bad), 0);
  }

  public static Parsed whollyBad(BadRow bad, long publishedAt) {
    return new Parsed(List.of(bad), 0, publishedAt);
  }
}
