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

  /**
   * A fingerprint of a multiset of pieces, whatever order they are added in (the records of one month in a response
   * whose record order the source does not promise): equal multisets give equal fingerprints, and adding, removing or
   * changing any piece gives another one. Costs no memory per piece.
   */
  public static Unordered unordered() {
    return new Unordered();
  }

  /**
   * {@link #unordered()} continued from a {@link Unordered#state()}; an empty state starts afresh.
   *
   * @throws IllegalArgumentException for a state {@link Unordered#state()} cannot have written
   */
  public static Unordered resume(String state) {
    Unordered u = new Unordered();
    if (state != null && !state.isEmpty()) {
      int colon = state.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("Not a fingerprint state: '" + state + "'");
      }
      u.count = Long.parseLong(state.substring(0, colon));
      u.sum = Long.parseUnsignedLong(state.substring(colon + 1), 16);
    }
    return u;
  }

  /** {@link #unordered()}: the sum of the pieces' SHA-256 prefixes (mod 2^64) and their count, digested. */
  public static final class Unordered {
    private long sum;
    private long count;

    private Unordered() {}

    public void add(byte[] piece) {
      byte[] h = sha256().digest(piece);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (h[i] & 0xff);
      }
      sum += v; // addition commutes: the order of the pieces does not matter, their multiplicity does
      count++;
    }

    /** How many pieces were added. */
    public long count() {
      return count;
    }

    /**
     * The fingerprint so far as a resumable state ({@code <count>:<sum in hex>}), for an offset written part-way: {@link
     * #resume} continues from it as if every piece before had been added again.
     */
    public String state() {
      return count + ":" + Long.toHexString(sum);
    }

    public String finish() {
      MessageDigest md = sha256();
      for (long x : new long[] {count, sum}) {
        for (int i = 7; i >= 0; i--) {
          md.update((byte) (x >>> (8 * i)));
        }
      }
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
