package io.tradepulse.connect.common;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The throttling answers of Azure API Management, the gateway in front of UN Comtrade's API, read from their bodies:
 * the gateway may send them without a Retry-After header, and its quota answer is a 403, which alone cannot be told
 * from a refused key. Only the text is matched, not the JSON around it, so a change of formatting does not hide it.
 *
 * <ul>
 *   <li>Out of quota (policy {@code quota-by-key}): HTTP 403 {@code {"statusCode": 403, "message": "Out of call volume
 *       quota. Quota will be replenished in 05:41:10."}}; the time is a .NET TimeSpan, {@code [d.]hh:mm:ss[.fffffff]}
 *       ("5.03:23:11" is 5 days 3 h 23 min 11 s). A bandwidth quota says "Out of bandwidth quota".</li>
 *   <li>Rate limit (policy {@code rate-limit}): HTTP 429 {@code {"statusCode": 429, "message": "Rate limit is
 *       exceeded. Try again in 2 seconds."}}.</li>
 * </ul>
 */
public final class ApimMessages {
  /** How much of a body is read for them: APIM's messages are some 100 bytes. */
  public static final int HEAD_BYTES = 1024;

  private static final Pattern OUT_OF_QUOTA = Pattern.compile("Out of (?:call volume|bandwidth) quota",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern REPLENISHED = Pattern.compile(
      "replenished in (?:(\\d{1,6})\\.)?(\\d{1,2}):(\\d{1,2}):(\\d{1,2})(?:\\.\\d{1,7})?(?!\\d)", Pattern.CASE_INSENSITIVE);
  private static final Pattern TRY_AGAIN = Pattern.compile("Try again in (\\d{1,9}) seconds?\\b",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.){0,500})\"");

  private ApimMessages() {
  }

  /**
   * APIM's answer that the subscription's quota is used up.
   *
   * @param message the gateway's message, to quote in a log line
   * @param replenishedIn when the quota comes back, counted from the answer; empty when the message says no time that
   *     can be read
   */
  public record OutOfQuota(String message, Optional<Duration> replenishedIn) {}

  /** The quota answer in {@code body} (the first {@link #HEAD_BYTES} of a 403's), empty when it is none. */
  public static Optional<OutOfQuota> outOfQuota(String body) {
    if (body == null || !OUT_OF_QUOTA.matcher(body).find()) {
      return Optional.empty();
    }
    return Optional.of(new OutOfQuota(message(body), replenishedIn(body)));
  }

  /** The wait a rate-limit answer asks for ("Try again in N seconds"), empty when {@code body} says none. */
  public static Optional<Duration> tryAgainIn(String body) {
    if (body == null) {
      return Optional.empty();
    }
    Matcher m = TRY_AGAIN.matcher(body);
    return m.find() ? Optional.of(Duration.ofSeconds(Long.parseLong(m.group(1)))) : Optional.empty();
  }

  private static Optional<Duration> replenishedIn(String body) {
    Matcher m = REPLENISHED.matcher(body);
    if (!m.find()) {
      return Optional.empty();
    }
    long days = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
    int hours = Integer.parseInt(m.group(2));
    int minutes = Integer.parseInt(m.group(3));
    int seconds = Integer.parseInt(m.group(4));
    // A TimeSpan's hours stop at 23 once there is a day part; minutes and seconds always at 59. Anything else is not
    // the format this was written for, so no time is taken from it rather than a wrong one.
    if ((m.group(1) != null && hours > 23) || minutes > 59 || seconds > 59) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofDays(days).plusHours(hours).plusMinutes(minutes).plusSeconds(seconds));
  }

  /** The JSON {@code message}, else the body on one line, at most 300 characters. */
  private static String message(String body) {
    Matcher m = MESSAGE.matcher(body);
    String text = m.find() ? m.group(1) : body.strip().replaceAll("\\s+", " ");
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }
}
