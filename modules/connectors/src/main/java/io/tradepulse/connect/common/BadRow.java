package io.tradepulse.connect.common;

/**
 * A row (or whole payload) that could not be turned into a trade figure. Becomes a
 * {@code io.tradepulse.avro.DeadLetter} on the dead-letter topic; nothing is dropped silently.
 *
 * @param raw the raw bytes exactly as read (one CSV line, one JSON array/object, or the whole body)
 */
public record BadRow(String reason, String errorClass, String source, String position, byte[] raw)
    implements ParsedItem {

  public static BadRow of(String reason, String source, String position, byte[] raw) {
    return new BadRow(reason, null, source, position, raw);
  }

  public static BadRow of(Exception e, String source, String position, byte[] raw) {
    return new BadRow(String.valueOf(e.getMessage()), e.getClass().getName(), source, position, raw);
  }
}
