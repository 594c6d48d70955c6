package io.tradepulse.connect.common;

import java.util.Optional;

/** HS code helpers shared by the parsers. */
public final class Hs {
  private Hs() {}

  /** CommodityLevel symbol for a code without dots: TOTAL, HS2, HS4, HS6, HS8, HS10; empty if not HS-shaped. */
  public static Optional<String> level(String code) {
    if (code == null) {
      return Optional.empty();
    }
    if (code.equals("TOTAL")) {
      return Optional.of("TOTAL");
    }
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (c < '0' || c > '9') {
        return Optional.empty();
      }
    }
    return switch (code.length()) {
      case 2 -> Optional.of("HS2");
      case 4 -> Optional.of("HS4");
      case 6 -> Optional.of("HS6");
      case 8 -> Optional.of("HS8");
      case 10 -> Optional.of("HS10");
      default -> Optional.empty();
    };
  }

  /**
   * Strips dots and spaces ("7204.10" -> "720410") and restores a lost leading zero ("10121" -> "010121").
   *
   * <p>HS chapters 01-09 start with a zero, which a spreadsheet or a JSON number drops (010121 saved as 10121). HS
   * codes always have an even number of digits (2, 4, 6, 8, 10), so an odd number of digits can only be such a code
   * missing its zero: without it, every row of chapters 01-09 was a dead letter.
   */
  public static String normalize(String code) {
    if (code == null) {
      return null;
    }
    String c = code.replace(".", "").replace(" ", "").trim();
    if (c.length() % 2 == 1 && c.length() < 10 && c.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      return "0" + c;
    }
    return c;
  }
}
