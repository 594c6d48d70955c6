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

  /** Strips dots and spaces ("7204.10" -> "720410"). */
  public static String normalize(String code) {
    return code == null ? null : code.replace(".", "").replace(" ", "").trim();
  }
}
