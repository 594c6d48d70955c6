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
        Map.of(JAN_2024, 2), null);

    ComtradeOffset movedOn = revisedTwice.advanced(YearMonth.of(2026, 1), Map.of(YearMonth.of(2025, 12), "d2"), 12);
    ComtradeOffset revisedElsewhere = movedOn.revised(Map.of(YearMonth.of(2025, 6), "d3"), 12);

    assertThat(movedOn.months()).as("fingerprints outside the window are dropped").doesNotContainKey(JAN_2024);
    assertThat(movedOn.revision(JAN_2024)).isEqualTo(2);
    assertThat(revisedElsewhere.revision(JAN_2024)).isEqualTo(2);
    assertThat(ComtradeOffset.fromMap(revisedElsewhere.toMap(), JAN_2024).revision(JAN_2024)).isEqualTo(2);
  }
}
