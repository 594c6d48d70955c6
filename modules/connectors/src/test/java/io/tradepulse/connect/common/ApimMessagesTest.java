package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Azure API Management's throttling answers, in the shapes its quota and rate-limit policies send them. */
class ApimMessagesTest {

  static String answer(int status, String message) {
    return "{\"statusCode\": " + status + ", \"message\": \"" + message + "\"}";
  }

  @Test
  void shouldReadTheReplenishTimeOfAQuotaAnswer() {
    assertThat(ApimMessages.outOfQuota(answer(403, "Out of call volume quota. Quota will be replenished in 05:41:10.")))
        .hasValue(new ApimMessages.OutOfQuota("Out of call volume quota. Quota will be replenished in 05:41:10.",
            Optional.of(Duration.ofHours(5).plusMinutes(41).plusSeconds(10))));
  }

  @Test
  void shouldReadTheDayPartOfAReplenishTimeDaysAway() {
    assertThat(ApimMessages.outOfQuota(answer(403, "Out of call volume quota. Quota will be replenished in 5.03:23:11."))
        .orElseThrow().replenishedIn())
        .hasValue(Duration.ofDays(5).plusHours(3).plusMinutes(23).plusSeconds(11));
  }

  @Test
  void shouldReadABandwidthQuotaAnswerAndATimeWithFractionsOfASecond() {
    assertThat(ApimMessages.outOfQuota(answer(403, "Out of bandwidth quota. Quota will be replenished in 00:00:09.5"))
        .orElseThrow().replenishedIn()).hasValue(Duration.ofSeconds(9));
  }

  @Test
  void shouldTakeNoTimeFromAQuotaAnswerWithoutAReadableOne() {
    assertThat(ApimMessages.outOfQuota(answer(403, "Out of call volume quota. Quota will be replenished soon.")))
        .hasValueSatisfying(q -> assertThat(q.replenishedIn()).isEmpty());
    assertThat(ApimMessages.outOfQuota(answer(403, "Out of call volume quota. Quota will be replenished in 05:75:10.")))
        .as("75 minutes is no TimeSpan").hasValueSatisfying(q -> assertThat(q.replenishedIn()).isEmpty());
    assertThat(ApimMessages.outOfQuota(answer(403, "Out of call volume quota. Quota will be replenished in 1.30:00:00.")))
        .as("a day part then at most 23 hours").hasValueSatisfying(q -> assertThat(q.replenishedIn()).isEmpty());
  }

  @Test
  void shouldFindNoQuotaAnswerInOther403s() {
    assertThat(ApimMessages.outOfQuota(answer(403, "Forbidden"))).isEmpty();
    assertThat(ApimMessages.outOfQuota("<html><body>403 Forbidden</body></html>")).isEmpty();
    assertThat(ApimMessages.outOfQuota("")).isEmpty();
  }

  @Test
  void shouldReadTheWaitOfARateLimitAnswer() {
    assertThat(ApimMessages.tryAgainIn(answer(429, "Rate limit is exceeded. Try again in 2 seconds.")))
        .hasValue(Duration.ofSeconds(2));
    assertThat(ApimMessages.tryAgainIn(answer(429, "Rate limit is exceeded. Try again in 1 second.")))
        .hasValue(Duration.ofSeconds(1));
    assertThat(ApimMessages.tryAgainIn(answer(429, "Too many requests"))).isEmpty();
  }
}
