package io.tradepulse.connect.common;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpValidatorsTest {
  @Test
  void shouldKeepAnEtagAsSentWeakOrStrongAndAskWithIt() {
    assertThat(HttpValidators.of("W/\"abc\"", null, null).conditionalHeaders())
        .containsExactly(entry("If-None-Match", "W/\"abc\""));
    assertThat(HttpValidators.of("\"abc\"", null, null).etag()).isEqualTo("\"abc\"");
  }

  @Test
  void shouldUseALastModifiedOnlyWhenTheResponseDateShowsItAMinuteOld() {
    String lm = "Tue, 15 Jul 2025 09:00:00 GMT";
    assertThat(HttpValidators.of(null, lm, "Tue, 15 Jul 2025 09:01:00 GMT").conditionalHeaders())
        .containsExactly(entry("If-Modified-Since", lm));
    assertThat(HttpValidators.of(null, lm, "Tue, 15 Jul 2025 09:00:59 GMT")).as("changed again within its second?")
        .isEqualTo(HttpValidators.NONE);
    assertThat(HttpValidators.of(null, lm, null)).as("no Date").isEqualTo(HttpValidators.NONE);
    assertThat(HttpValidators.of(null, "15 Jul 2025", "Tue, 15 Jul 2025 10:00:00 GMT")).as("no HTTP-date")
        .isEqualTo(HttpValidators.NONE);
  }

  @Test
  void shouldReadTheObsoleteDateFormsAndAskInImfFixdate() {
    String date = "Tue, 15 Jul 2025 10:00:00 GMT";
    assertThat(HttpValidators.of(null, "Tuesday, 15-Jul-25 09:00:00 GMT", date).lastModified()).as("RFC 850")
        .isEqualTo("Tue, 15 Jul 2025 09:00:00 GMT");
    assertThat(HttpValidators.of(null, "Sun Jul  6 09:00:00 2025", date).lastModified()).as("asctime, day padded")
        .isEqualTo("Sun, 06 Jul 2025 09:00:00 GMT");
    assertThat(HttpValidators.of(null, "Tue, 15 Jul 2025 09:00:00 GMT", "Tuesday, 15-Jul-25 09:00:30 GMT"))
        .as("a Date in RFC 850 form still shows it too fresh").isEqualTo(HttpValidators.NONE);
    assertThat(HttpValidators.of(null, "Tue Jul 15 09:00:00 2025", "Tue Jul 15 09:01:00 2025").lastModified())
        .as("both asctime").isEqualTo("Tue, 15 Jul 2025 09:00:00 GMT");
  }

  @Test
  void shouldReadATwoDigitYearMoreThanFiftyYearsAheadAsThePast() {
    java.time.ZonedDateTime now = java.time.ZonedDateTime.parse("2026-11-30T00:00:00Z");
    assertThat(HttpValidators.httpDate("Sunday, 06-Nov-94 08:49:37 GMT", now)).get()
        .extracting(java.time.ZonedDateTime::getYear).isEqualTo(1994);
    assertThat(HttpValidators.httpDate("Thursday, 06-Nov-76 08:49:37 GMT", now)).get()
        .extracting(java.time.ZonedDateTime::getYear).isEqualTo(2076);
    assertThat(HttpValidators.httpDate("Saturday, 06-Nov-77 08:49:37 GMT", now)).get()
        .extracting(java.time.ZonedDateTime::getYear).isEqualTo(1977);
    assertThat(HttpValidators.httpDate("Sunday, 06-Xyz-94 08:49:37 GMT", now)).isEmpty();
  }

  @Test
  void shouldSendBothWhenTheServerGaveBothAndNothingWhenItGaveNeither() {
    String lm = "Tue, 15 Jul 2025 09:00:00 GMT";
    assertThat(HttpValidators.of("\"v1\"", lm, "Wed, 16 Jul 2025 09:00:00 GMT").conditionalHeaders())
        .containsExactly(entry("If-None-Match", "\"v1\""), entry("If-Modified-Since", lm));
    HttpValidators none = HttpValidators.of(null, null, "Wed, 16 Jul 2025 09:00:00 GMT");
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.conditionalHeaders()).isEmpty();
  }
}
