package io.tradepulse.connect.common;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Short content fingerprints stored in offsets to tell a revised payload from an unchanged one. */
public final class Digests {
  private Digests() {}

  public static String of(byte[] data) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(data);
      // 16 hex chars = 64 bits: enough to tell revisions apart, small in the offsets topic.
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
