package io.tradepulse.connect.common;

import java.util.List;

/**
 * A 64-bit fingerprint of a row's cells, for the repeated-row checks that keep 8 bytes per row instead of the row
 * (the Census response's keys, the File source's): FNV-1a over the characters, cells delimited, then a final mix, so
 * nearby inputs spread over the whole range.
 */
public final class CellFingerprint {
  private CellFingerprint() {}

  public static long of(List<String> cells) {
    long h = 0xcbf29ce484222325L;
    for (String c : cells) {
      for (int j = 0; j < c.length(); j++) {
        h = (h ^ c.charAt(j)) * 0x100000001b3L;
      }
      h = (h ^ 0x10000 ^ c.length()) * 0x100000001b3L; // not a char: "ab","c" is not "a","bc"
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ h >>> 33;
  }
}
