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
        .advanced(YearMonth.of(2025, 3), Map.of(YearMonth.of(2025, 1), "a", YearMonth.of(2025, 2), "b"), 2)
        .advanced(YearMonth.of(2025, 5), Map.of(YearMonth.of(2025, 4), "d"), 2);
    assertThat(o.newest()).isEqualTo(YearMonth.of(2025, 4));
    assertThat(o.months()).containsOnlyKeys(YearMonth.of(2025, 2), YearMonth.of(2025, 4));

    ComextOffset revised = o.revisingRow(YearMonth.of(2025, 2), 1, "b2").revised(YearMonth.of(2025, 2), "b2", 2);
    assertThat(revised.months()).containsEntry(YearMonth.of(2025, 2), "b2").containsEntry(YearMonth.of(2025, 4), "d");
    assertThat(revised.revising()).isNull();
    assertThat(revised.rowsDone()).isZero();
    assertThat(revised.next()).isEqualTo(YearMonth.of(2025, 5));
  }
}
