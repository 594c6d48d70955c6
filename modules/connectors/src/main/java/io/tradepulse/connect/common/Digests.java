package io.tradepulse.connect.common;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Short content fingerprints stored in offsets to tell a revised payload from an unchanged one. */
public final class Digests {
  private Digests() {}

  public static String of(byte[] data) {
    MessageDigest md = sha256();
    md.update(data);
    return format(md);
  }

  /**
   * The same fingerprint as {@link #of(byte[])} of the stream's bytes (stored offsets of files read whole by
   * earlier releases still match), read with a fixed buffer so a file of any size costs no heap. Reads to
   * the end; does not close the stream.
   */
  public static String of(InputStream in) throws IOException {
    MessageDigest md = sha256();
    byte[] buf = new byte[1 << 16];
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      md.update(buf, 0, n);
    }
    return format(md);
  }

  /** A fingerprint fed piece by piece, for content that is never held whole (one month of a large response). */
  public static Incremental incremental() {
    return new Incremental();
  }

  /** {@link #of(byte[])} of the concatenation of everything added, in order. */
  public static final class Incremental {
    private final MessageDigest md = sha256();

    private Incremental() {}

    public void add(byte[] data) {
      md.update(data);
    }

    public void add(byte b) {
      md.update(b);
    }

    public String finish() {
      return format(md);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String format(MessageDigest md) {
    // 16 hex chars = 64 bits: enough to tell revisions apart, small in the offsets topic.
    return HexFormat.of().formatHex(md.digest(), 0, 8);
  }
}
