package io.tradepulse.connect.common;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The validators of an HTTP response (RFC 9110 section 8.8): sent back as {@code If-None-Match} /
 * {@code If-Modified-Since}, they let the server answer 304 Not Modified, without the body, when the resource has
 * not changed since.
 *
 * @param etag the ETag exactly as sent (quotes and any {@code W/} kept), or null
 * @param lastModified the Last-Modified exactly as sent, or null
 */
public record HttpValidators(String etag, String lastModified) {
  public static final HttpValidators NONE = new HttpValidators(null, null);

  /**
   * How much older than the response's Date a Last-Modified must be to be used (RFC 9110 8.8.2.2 asks 60 s for a
   * strong one). Last-Modified has one-second resolution: a resource changed again within the second it names keeps
   * it, and If-Modified-Since would then be answered 304 for a body never read. An ETag needs no such care.
   */
  static final Duration SETTLE = Duration.ofSeconds(60);

  /**
   * From the values of a response's ETag, Last-Modified and Date headers (each null when absent). A Last-Modified is
   * kept only when the Date shows it {@link #SETTLE} old; without a Date, or with a date in another format than
   * RFC 1123 (the obsolete RFC 850 and asctime forms), it is dropped.
   */
  public static HttpValidators of(String etag, String lastModified, String date) {
    String lm = lastModified != null && date != null && settled(lastModified, date) ? lastModified : null;
    String tag = etag == null || etag.isBlank() ? null : etag;
    return tag == null && lm == null ? NONE : new HttpValidators(tag, lm);
  }

  private static boolean settled(String lastModified, String date) {
    try {
      ZonedDateTime lm = ZonedDateTime.parse(lastModified.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
      ZonedDateTime at = ZonedDateTime.parse(date.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
      return !lm.plus(SETTLE).isAfter(at);
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** Whether there is nothing to validate with: a request then goes out unconditional. */
  public boolean isEmpty() {
    return etag == null && lastModified == null;
  }

  /**
   * The request headers asking for the body only if it changed. A server that knows ETags decides by
   * If-None-Match and ignores If-Modified-Since (RFC 9110 13.1.3); one that ignores both answers 200 with the body.
   */
  public Map<String, String> conditionalHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    if (etag != null) {
      h.put("If-None-Match", etag);
    }
    if (lastModified != null) {
      h.put("If-Modified-Since", lastModified);
    }
    return h;
  }
}
