package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The parsing behind Retry-After (RetryingFetcherTest covers it over HTTP, through the retries). */
class RetryAfterTest {
  static final Instant NOW = Instant.parse("2026-11-30T07:00:00Z");

  @ParameterizedTest
  @ValueSource(strings = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
      // leniently, as RFC 9110 5.6.7 asks: case, spacing, a one-digit day, a wrong (redundant) day name
      "sun, 06 nov 1994 08:49:37 gmt", "  Sun,  6 Nov 1994 08:49:37 GMT ", "Mon, 06 Nov 1994 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994"})
  void shouldReadEachFormOfAnHttpDateAsTheSameInstant(String date) {
    assertThat(RetryAfter.httpDate(date, NOW)).contains(Instant.parse("1994-11-06T08:49:37Z"));
  }

  /** RFC 9110 5.6.7: a two-digit year more than 50 years ahead is the last such year in the past. */
  @Test
  void shouldPlaceAnRfc850YearWithinFiftyYearsOfNow() {
    assertThat(RetryAfter.httpDate("Thursday, 01-Jan-76 00:00:00 GMT", NOW))
        .contains(Instant.parse("2076-01-01T00:00:00Z"));
    assertThat(RetryAfter.httpDate("Saturday, 01-Jan-77 00:00:00 GMT", NOW))
        .contains(Instant.parse("1977-01-01T00:00:00Z"));
    assertThat(RetryAfter.httpDate("Monday, 30-Nov-26 07:00:30 GMT", NOW)).contains(NOW.plusSeconds(30));
    assertThat(RetryAfter.httpDate("Friday, 01-Jan-10 00:00:00 GMT", Instant.parse("2090-06-01T00:00:00Z")))
        .contains(Instant.parse("2110-01-01T00:00:00Z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "soon", "Wed, 31 Feb 2015 07:28:00 GMT", "Wed, 21 Oct 2015 24:00:00 GMT",
      "Wed, 21 Foo 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00", "Wed, 21 Oct 2015 07:28:00 +0100",
      "2015-10-21T07:28:00Z", "1445412480"})
  void shouldReadNoDateFromWhatIsNoHttpDate(String value) {
    assertThat(RetryAfter.httpDate(value, NOW)).isEmpty();
  }

  @Test
  void shouldTakeALeapSecondAsTheSecondBefore() {
    assertThat(RetryAfter.httpDate("Sat, 31 Dec 2016 23:59:60 GMT", NOW))
        .contains(Instant.parse("2016-12-31T23:59:59Z"));
  }

  @Test
  void shouldCountADateFromTheResponsesDateElseFromNowAndNeverBelowZero() {
    String at = "Mon, 30 Nov 2026 07:02:00 GMT";
    assertThat(RetryAfter.of(at, "Mon, 30 Nov 2026 07:01:00 GMT", NOW)).contains(Duration.ofMinutes(1));
    assertThat(RetryAfter.of(at, null, NOW)).contains(Duration.ofMinutes(2));
    assertThat(RetryAfter.of(at, "not a date", NOW)).as("unreadable Date").contains(Duration.ofMinutes(2));
    assertThat(RetryAfter.of(at, "Mon, 30 Nov 2026 07:05:00 GMT", NOW)).as("past").contains(Duration.ZERO);
  }

  @Test
  void shouldReadDeltaSecondsAsBeforeAndAnOverflowAsTwoToThe31Seconds() {
    assertThat(RetryAfter.of(" 120 ", "Mon, 30 Nov 2026 07:01:00 GMT", NOW)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.of("0", null, NOW)).contains(Duration.ZERO);
    assertThat(RetryAfter.of("99999999999999999999", null, NOW)).contains(Duration.ofSeconds(2_147_483_648L));
    assertThat(RetryAfter.of("9223372036854775807", null, NOW)).as("a long, but not in ms")
        .contains(Duration.ofSeconds(2_147_483_648L));
    assertThat(RetryAfter.of("2147483649", null, NOW)).contains(Duration.ofSeconds(2_147_483_648L));
    assertThat(RetryAfter.of("2147483648", null, NOW)).contains(Duration.ofSeconds(2_147_483_648L));
    assertThat(RetryAfter.of("-5", null, NOW)).as("not delta-seconds").isEqualTo(Optional.empty());
    assertThat(RetryAfter.of("+5", null, NOW)).isEmpty();
    assertThat(RetryAfter.of("1.5", null, NOW)).isEmpty();
  }
}
