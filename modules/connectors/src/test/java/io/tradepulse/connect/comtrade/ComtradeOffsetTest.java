package io.tradepulse.connect.comtrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.YearMonth;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComtradeOffsetTest {
  private static final YearMonth JAN_2024 = YearMonth.of(2024, 1);

  /**
   * Comtrade figures carry a publishedAt derived from the period, so a period's revision number alone decides which
   * of its figures wins downstream: a period re-emitted after it came back into a raised look-back window must go
   * out above its last revision, so the offset keeps the count after the period left the window.
   */
  @Test
  void shouldKeepAPeriodsRevisionAfterItLeavesTheLookbackWindow() {
    ComtradeOffset revisedTwice = new ComtradeOffset(YearMonth.of(2024, 6), 0, "", Map.of(JAN_2024, "d1"),
        Map.of(JAN_2024, 2), null, Map.of());

    ComtradeOffset movedOn = revisedTwice.advanced(YearMonth.of(2026, 1), Map.of(YearMonth.of(2025, 12), "d2"),
        Map.of(), 12);
    ComtradeOffset revisedElsewhere = movedOn.revised(Map.of(YearMonth.of(2025, 6), "d3"), Map.of(), 12);

    assertThat(movedOn.months()).as("fingerprints outside the window are dropped").doesNotContainKey(JAN_2024);
    assertThat(movedOn.revision(JAN_2024)).isEqualTo(2);
    assertThat(revisedElsewhere.revision(JAN_2024)).isEqualTo(2);
    assertThat(ComtradeOffset.fromMap(revisedElsewhere.toMap(), JAN_2024).revision(JAN_2024)).isEqualTo(2);
  }

  /**
   * The fingerprint of a period's dead letters is kept while its figures' is, replaced with them and dropped with them,
   * and written only while there is one, so an offset without dead letters stays as earlier releases wrote it and one
   * of an earlier release reads as "nothing known": every dead letter is sent.
   */
  @Test
  void shouldKeepAPeriodsDeadLetterFingerprintWithItsFiguresAndReadOffsetsWithoutIt() {
    YearMonth feb = YearMonth.of(2024, 2);
    YearMonth mar = YearMonth.of(2024, 3);
    ComtradeOffset earlier = ComtradeOffset.fromMap(Map.of("next", "202404", "rows_done", 0, "digest", "",
        "month_digests", "2024-02=a;2024-03=b"), JAN_2024);
    assertThat(earlier.deadLetters()).isEmpty();
    assertThat(earlier.sentDeadLetters(mar, "x")).as("unknown: sent again").isFalse();

    ComtradeOffset emitted = earlier.advanced(YearMonth.of(2024, 5), Map.of(YearMonth.of(2024, 4), "c"),
        Map.of(YearMonth.of(2024, 4), "x4"), 3);
    ComtradeOffset revised = emitted.revised(Map.of(feb, "a2", mar, "b2"), Map.of(mar, "x3"), 3);
    ComtradeOffset badRowsGone = revised.revised(Map.of(mar, "b3"), Map.of(), 3);
    ComtradeOffset movedOn = revised.advanced(YearMonth.of(2024, 7), Map.of(), Map.of(), 3);

    assertThat(revised.deadLetters()).containsExactly(Map.entry(mar, "x3"), Map.entry(YearMonth.of(2024, 4), "x4"));
    assertThat(revised.sentDeadLetters(mar, "x3")).isTrue();
    assertThat(revised.sentDeadLetters(mar, "other")).isFalse();
    assertThat(revised.sentDeadLetters(feb, null)).as("none now: nothing to leave out").isFalse();
    assertThat(ComtradeOffset.fromMap(revised.toMap(), JAN_2024)).isEqualTo(revised);
    assertThat(revised.toMap()).containsEntry("dead_letter_digests", "2024-03=x3;2024-04=x4");
    assertThat(badRowsGone.deadLetters()).doesNotContainKey(mar);
    assertThat(movedOn.deadLetters()).as("out of the window with its fingerprint").containsOnlyKeys(
        YearMonth.of(2024, 4));
    assertThat(earlier.toMap()).doesNotContainKey("dead_letter_digests");
  }
}
