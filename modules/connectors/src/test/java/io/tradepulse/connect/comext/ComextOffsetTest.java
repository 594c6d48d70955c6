package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.YearMonth;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComextOffsetTest {
  static final YearMonth START = YearMonth.of(2024, 1);

  @Test
  void shouldRoundTripThroughItsMap() {
    ComextOffset o = new ComextOffset(YearMonth.of(2025, 6), 2, "beef", YearMonth.of(2025, 4),
        Map.of(YearMonth.of(2025, 4), "1111", YearMonth.of(2025, 5), "2222"));
    assertThat(ComextOffset.fromMap(o.toMap(), START)).isEqualTo(o);
    ComextOffset idle = new ComextOffset(YearMonth.of(2025, 6), 0, "");
    assertThat(ComextOffset.fromMap(idle.toMap(), START)).isEqualTo(idle);
    assertThat(ComextOffset.fromMap(null, START)).isEqualTo(new ComextOffset(START, 0, ""));
    ComextOffset leavingOut = idle.rowDone(4, "beef", true);
    assertThat(ComextOffset.fromMap(leavingOut.toMap(), START)).isEqualTo(leavingOut);
    assertThat(idle.rowDone(4, "beef", false).toMap()).as("as earlier releases wrote it")
        .doesNotContainKey("leaves_out_sent");
  }

  @Test
  void shouldReadOffsetsWrittenBeforeLookback() {
    // The previous release wrote only these three keys; the JSON offset store hands small integers back as Integer.
    ComextOffset o = ComextOffset.fromMap(Map.of("next", "2025-05", "rows_done", 3, "digest", "ab12cd34ef56ab78"),
        START);
    assertThat(o.next()).isEqualTo(YearMonth.of(2025, 5));
    assertThat(o.rowsDone()).isEqualTo(3);
    assertThat(o.digest()).isEqualTo("ab12cd34ef56ab78");
    assertThat(o.revising()).isNull();
    assertThat(o.months()).isEmpty();
    assertThat(o.newest()).isNull();
  }

  @Test
  void shouldForgetFingerprintsOutsideTheLookBackWindow() {
    ComextOffset o = new ComextOffset(YearMonth.of(2025, 2), 0, "")
        .advanced(YearMonth.of(2025, 3), Map.of(YearMonth.of(2025, 1), "a", YearMonth.of(2025, 2), "b"), Map.of(), 2)
        .advanced(YearMonth.of(2025, 5), Map.of(YearMonth.of(2025, 4), "d"), Map.of(), 2);
    assertThat(o.newest()).isEqualTo(YearMonth.of(2025, 4));
    assertThat(o.months()).containsOnlyKeys(YearMonth.of(2025, 2), YearMonth.of(2025, 4));

    ComextOffset revised = o.revisingRow(YearMonth.of(2025, 2), 1, "b2").revised(YearMonth.of(2025, 2), "b2", null,
        2);
    assertThat(revised.months()).containsEntry(YearMonth.of(2025, 2), "b2").containsEntry(YearMonth.of(2025, 4), "d");
    assertThat(revised.revising()).isNull();
    assertThat(revised.rowsDone()).isZero();
    assertThat(revised.next()).isEqualTo(YearMonth.of(2025, 5));
  }

  /**
   * A month's dead-letter fingerprint is replaced when its emission completes (dropped when it has none now), kept by
   * the offsets in between, trimmed with its month, and written only while there is one: an offset without dead
   * letters stays as earlier releases wrote it, and one of an earlier release reads as "nothing sent".
   */
  @Test
  void shouldKeepAMonthsDeadLetterFingerprintAcrossItsMapAndReadOffsetsWithoutIt() {
    YearMonth feb = YearMonth.of(2025, 2);
    YearMonth mar = YearMonth.of(2025, 3);
    ComextOffset earlier = ComextOffset.fromMap(Map.of("next", "2025-04", "rows_done", 0, "digest", "",
        "revising", "", "month_digests", "2025-02=a;2025-03=b"), START);
    assertThat(earlier.deadLetters()).isEmpty();
    assertThat(earlier.sentDeadLetters(mar, "x")).as("unknown: sent again").isFalse();
    assertThat(earlier.toMap()).doesNotContainKey("dead_letter_digests");

    ComextOffset o = earlier.advanced(YearMonth.of(2025, 5), Map.of(YearMonth.of(2025, 4), "c"),
        Map.of(YearMonth.of(2025, 4), "x4"), 2).revised(mar, "b2", "x3", 2);
    ComextOffset midRevision = o.revisingRow(mar, 1, "b3");
    ComextOffset badRowsGone = midRevision.revised(mar, "b3", null, 2);
    ComextOffset movedOn = o.advanced(YearMonth.of(2025, 6), Map.of(YearMonth.of(2025, 5), "e"), Map.of(), 1);

    assertThat(o.deadLetters()).isEqualTo(Map.of(mar, "x3", YearMonth.of(2025, 4), "x4"));
    assertThat(o.toMap()).containsEntry("dead_letter_digests", "2025-03=x3;2025-04=x4");
    assertThat(ComextOffset.fromMap(o.toMap(), START)).isEqualTo(o);
    assertThat(ComextOffset.fromMap(midRevision.toMap(), START)).isEqualTo(midRevision);
    assertThat(midRevision.sentDeadLetters(mar, "x3")).as("the one the emission started from").isTrue();
    assertThat(o.sentDeadLetters(mar, "other")).isFalse();
    assertThat(o.sentDeadLetters(feb, null)).as("none now: nothing to leave out").isFalse();
    assertThat(badRowsGone.deadLetters()).containsOnlyKeys(YearMonth.of(2025, 4));
    assertThat(movedOn.deadLetters()).as("out of the window with its month").containsOnlyKeys(YearMonth.of(2025, 4));
  }
}
