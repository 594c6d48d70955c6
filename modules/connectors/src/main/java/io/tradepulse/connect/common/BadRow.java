package io.tradepulse.connect.common;

/**
 * A row (or whole payload) that could not be turned into a trade figure. Becomes a
 * {@code io.tradepulse.avro.DeadLetter} on the dead-letter topic; nothing is dropped silently.
 *
 * <p>Its raw value is never longer than {@link #MAX_WHOLE_RAW_BYTES}, whatever made it: a dead letter is one Kafka
 * record, and one the broker refuses (1 MB by default) fails the task, again at every restart on the same row. A
 * longer raw value is cut to its first bytes, and the reason says so.
 *
 * @param raw the raw bytes exactly as read (one CSV line, one JSON array/object, or the whole body), or their first
 *     {@link #MAX_WHOLE_RAW_BYTES} when longer
 */
public record BadRow(String reason, String errorClass, String source, String position, byte[] raw)
    implements ParsedItem {

  public BadRow {
    if (raw != null && raw.length > MAX_WHOLE_RAW_BYTES) {
      reason = cutReason(reason, MAX_WHOLE_RAW_BYTES, raw.length);
      raw = java.util.Arrays.copyOf(raw, MAX_WHOLE_RAW_BYTES);
    }
  }

  /**
   * Most raw bytes a dead letter carries, about a whole payload or a single row. A dead letter is one Kafka record and
   * a broker's default limit is 1 MB: a larger record would fail the task instead of parking the payload.
   */
  public static final int MAX_WHOLE_RAW_BYTES = 512 * 1024;

  /** A dead letter about a whole payload (a response, a table, a file): its raw value cut to the limit, said so. */
  public static BadRow wholePayload(String reason, String errorClass, String source, String position, byte[] payload) {
    if (payload == null || payload.length <= MAX_WHOLE_RAW_BYTES) {
      return new BadRow(reason, errorClass, source, position, payload);
    }
    return cut(reason, errorClass, source, position, java.util.Arrays.copyOf(payload, MAX_WHOLE_RAW_BYTES), payload.length);
  }

  /**
   * The same for a payload read as a stream (a file larger than the heap): only the first bytes are kept; the
   * rest is read past to count it, which happens once per rejected file.
   */
  public static BadRow wholePayload(String reason, String errorClass, String source, String position, Payload payload)
      throws java.io.IOException {
    try (java.io.InputStream in = payload.open()) {
      byte[] head = in.readNBytes(MAX_WHOLE_RAW_BYTES);
      long rest = in.transferTo(java.io.OutputStream.nullOutputStream());
      return rest == 0 ? new BadRow(reason, errorClass, source, position, head)
          : cut(reason, errorClass, source, position, head, head.length + rest);
    }
  }

  private static BadRow cut(String reason, String errorClass, String source, String position, byte[] head, long total) {
    return new BadRow(cutReason(reason, head.length, total), errorClass, source, position, head);
  }

  private static String cutReason(String reason, int kept, long total) {
    return reason + " (raw value cut to " + kept + " of " + total + " bytes)";
  }

  /**
   * What tells this dead letter apart from another of the same payload, for {@link Digests#unordered()}: its reason
   * and raw bytes, not its source or position, which name the call or the line and change when the same row comes in
   * another answer (a look-back window) or moves in a re-published file.
   */
  public byte[] content() {
    byte[] r = String.valueOf(reason).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] v = raw == null ? new byte[0] : raw;
    byte[] out = java.util.Arrays.copyOf(r, r.length + 1 + v.length);
    System.arraycopy(v, 0, out, r.length + 1, v.length); // a 0 byte between: no reason ends where a raw value starts
    return out;
  }

  public static BadRow of(String reason, String source, String position, byte[] raw) {
    return new BadRow(reason, null, source, position, raw);
  }

  public static BadRow of(Exception e, String source, String position, byte[] raw) {
    return new BadRow(String.valueOf(e.getMessage()), e.getClass().getName(), source, position, raw);
  }
}
