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
    assertThat(HttpValidators.of(null, "Tuesday, 15-Jul-25 09:00:00 GMT", "Tue, 15 Jul 2025 10:00:00 GMT"))
        .as("RFC 850 form").isEqualTo(HttpValidators.NONE);
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
