package io.tradepulse.connect.common;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wait a {@code Retry-After} header asks for (RFC 9110 section 10.2.3): delta-seconds ({@code 120}) or an
 * HTTP-date ({@code Wed, 21 Oct 2015 07:28:00 GMT}). The public APIs send seconds, but gateways and CDNs in front of
 * them (nginx, Azure API Management, ...) send the date: read as nothing, the retry fell back to its own exponential
 * backoff, which hammers a server that said when to come back, or gives up before that time.
 *
 * <p>Pure: the caller supplies "now", so a test needs no real clock.
 */
final class RetryAfter {
  /**
   * What a delta-seconds larger than this stands for: RFC 9111 section 1.2.2 asks a recipient to take a value it cannot
   * represent, or whose calculations overflow, as 2^31 seconds rather than reject it (the caller's cap then applies as
   * to any long wait). Any larger value is taken as this, not only one larger than a long: from 2^63 / 1000 seconds the
   * wait overflowed as milliseconds (its WARN, the fetcher's waits), an ArithmeticException that failed the task.
   */
  static final Duration OVERFLOW = Duration.ofSeconds(1L << 31);

  private static final Pattern DELTA_SECONDS = Pattern.compile("\\d+");

  private static final List<String> MONTHS =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");

  // The three forms of RFC 9110 section 5.6.7, parsed by hand rather than with DateTimeFormatter: its formatters check
  // the day name against the date, which fails an RFC 850 date before its two-digit year is placed in a century, and
  // a sender's wrong day name (the RFC calls it redundant) would cost the whole value. Whitespace and letter case are
  // read leniently, as section 5.6.7 asks of recipients; the day name is matched but not used.
  /** IMF-fixdate, the form senders must use: {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  private static final Pattern IMF_FIXDATE = Pattern.compile(
      "(?:[a-z]{3},\\s*)?(\\d{1,2})\\s+([a-z]{3})\\s+(\\d{4})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s+GMT",
      Pattern.CASE_INSENSITIVE);
  /** Obsolete RFC 850 form: {@code Sunday, 06-Nov-94 08:49:37 GMT}. */
  private static final Pattern RFC_850 = Pattern.compile(
      "[a-z]+,\\s*(\\d{2})-([a-z]{3})-(\\d{2})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s+GMT", Pattern.CASE_INSENSITIVE);
  /** Obsolete asctime form, in UTC: {@code Sun Nov  6 08:49:37 1994}. */
  private static final Pattern ASCTIME = Pattern.compile(
      "[a-z]{3}\\s+([a-z]{3})\\s+(\\d{1,2})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s+(\\d{4})", Pattern.CASE_INSENSITIVE);

  private RetryAfter() {
  }

  /**
   * The wait {@code value} asks for, never negative: a date already past asks for none, as delta-seconds 0 does.
   *
   * @param value the Retry-After header's value
   * @param date the response's Date header, or null: a Retry-After date is on the server's clock, so it is counted
   *     from the server's own Date when that can be read; counting from ours would add the skew between the two clocks
   * @param now the client's time, used when there is no readable Date
   * @return empty when {@code value} is neither form (the caller backs off as without the header)
   */
  static Optional<Duration> of(String value, String date, Instant now) {
    String v = value.trim();
    if (DELTA_SECONDS.matcher(v).matches()) {
      try {
        long seconds = Long.parseLong(v);
        return Optional.of(seconds > OVERFLOW.getSeconds() ? OVERFLOW : Duration.ofSeconds(seconds));
      } catch (NumberFormatException e) { // digits only, so too large
        return Optional.of(OVERFLOW);
      }
    }
    Instant from = date == null ? now : httpDate(date, now).orElse(now);
    return httpDate(v, from).map(at -> at.isAfter(from) ? Duration.between(from, at) : Duration.ZERO);
  }

  /**
   * An HTTP-date in any of its three forms, empty when {@code value} is none of them or names no real time (31 Feb).
   *
   * @param now places an RFC 850 date's two-digit year: in the century that puts it at most 50 years after now, as
   *     RFC 9110 section 5.6.7 asks
   */
  static Optional<Instant> httpDate(String value, Instant now) {
    String v = value.trim();
    Matcher imf = IMF_FIXDATE.matcher(v);
    if (imf.matches()) {
      return instant(Integer.parseInt(imf.group(3)), imf.group(2), imf.group(1), imf.group(4), imf.group(5),
          imf.group(6));
    }
    Matcher rfc850 = RFC_850.matcher(v);
    if (rfc850.matches()) {
      int thisYear = now.atOffset(ZoneOffset.UTC).getYear();
      int year = Math.floorDiv(thisYear, 100) * 100 + Integer.parseInt(rfc850.group(3));
      if (year > thisYear + 50) {
        year -= 100;
      } else if (year <= thisYear - 50) {
        year += 100;
      }
      return instant(year, rfc850.group(2), rfc850.group(1), rfc850.group(4), rfc850.group(5), rfc850.group(6));
    }
    Matcher asctime = ASCTIME.matcher(v);
    if (asctime.matches()) {
      return instant(Integer.parseInt(asctime.group(6)), asctime.group(1), asctime.group(2), asctime.group(3),
          asctime.group(4), asctime.group(5));
    }
    return Optional.empty();
  }

  private static Optional<Instant> instant(int year, String month, String day, String hour, String minute,
      String second) {
    int monthIndex = MONTHS.indexOf(month.toUpperCase(Locale.ROOT));
    if (monthIndex < 0) {
      return Optional.empty();
    }
    // 60 is a leap second (RFC 9110 allows it); java.time has none, and a second early is as good for a wait.
    int sec = Math.min(Integer.parseInt(second), 59);
    try {
      return Optional.of(LocalDateTime.of(year, monthIndex + 1, Integer.parseInt(day), Integer.parseInt(hour),
          Integer.parseInt(minute), sec).toInstant(ZoneOffset.UTC));
    } catch (DateTimeException e) { // 31 Feb, 25:00, ...
      return Optional.empty();
    }
  }
}
