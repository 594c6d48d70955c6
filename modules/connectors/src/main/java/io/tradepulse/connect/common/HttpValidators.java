package io.tradepulse.connect.common;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
   * kept only when the Date shows it {@link #SETTLE} old; without a Date, or with either not an HTTP-date, it is
   * dropped. Both are read in the three forms RFC 9110 (5.6.7) asks recipients to accept: the IMF-fixdate of RFC 1123
   * and the obsolete RFC 850 and asctime forms (older servers still send them; dropping them cost such a server a full
   * download at every check). A Last-Modified in an obsolete form is sent back in IMF-fixdate, the only form a sender
   * may generate (and one a server must understand): the same second.
   */
  public static HttpValidators of(String etag, String lastModified, String date) {
    String lm = null;
    if (lastModified != null && date != null) {
      Optional<ZonedDateTime> at = httpDate(date, ZonedDateTime.now(ZoneOffset.UTC));
      Optional<ZonedDateTime> modified = at.flatMap(d -> httpDate(lastModified, d));
      if (modified.isPresent() && !modified.get().plus(SETTLE).isAfter(at.get())) {
        lm = IMF_FIXDATE.matcher(lastModified.trim()).matches() ? lastModified
            : IMF_FIXDATE_FORMAT.format(modified.get().withZoneSameInstant(ZoneOffset.UTC));
      }
    }
    String tag = etag == null || etag.isBlank() ? null : etag;
    return tag == null && lm == null ? NONE : new HttpValidators(tag, lm);
  }

  private static final Pattern IMF_FIXDATE =
      Pattern.compile("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
  private static final Pattern RFC_850 = Pattern.compile(
      "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-([A-Z][a-z]{2})-(\\d{2}) "
          + "(\\d{2}):(\\d{2}):(\\d{2}) GMT");
  /** Not {@link DateTimeFormatter#RFC_1123_DATE_TIME}, which writes a day below 10 with one digit. */
  private static final DateTimeFormatter IMF_FIXDATE_FORMAT =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);
  private static final List<String> MONTHS =
      List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");

  /**
   * An HTTP-date in any of its three forms, else empty.
   *
   * @param now what a two-digit RFC 850 year is read against: a year more than 50 years after it is the most recent
   *     past year with those digits (RFC 9110 5.6.7)
   */
  static Optional<ZonedDateTime> httpDate(String value, ZonedDateTime now) {
    String v = value.trim();
    try {
      Matcher m = RFC_850.matcher(v);
      if (m.matches()) {
        int month = MONTHS.indexOf(m.group(2)) + 1;
        if (month == 0) {
          return Optional.empty();
        }
        int century = now.getYear() / 100 * 100;
        int year = century + Integer.parseInt(m.group(3));
        if (year > now.getYear() + 50) {
          year -= 100;
        }
        return Optional.of(ZonedDateTime.of(year, month, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(4)),
            Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)), 0, ZoneOffset.UTC));
      }
      if (!v.isEmpty() && Character.isDigit(v.charAt(v.length() - 1)) && !v.contains(",")) {
        return Optional.of(ZonedDateTime.parse(v, ASCTIME));
      }
      return Optional.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
    } catch (java.time.DateTimeException e) { // unparsable, or no such date (31 Feb)
      return Optional.empty();
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
