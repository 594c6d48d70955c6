package io.tradepulse.connect.census;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.YearMonth;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CensusOffsetTest {
  @Test
  void shouldRoundTripThroughItsMap() {
    CensusOffset o = new CensusOffset(YearMonth.of(2025, 5), YearMonth.of(2025, 3), 17, "abcd",
        Map.of(YearMonth.of(2025, 4), "1111", YearMonth.of(2025, 5), "2222"));
    assertThat(CensusOffset.fromMap(o.toMap())).isEqualTo(o);
    assertThat(CensusOffset.fromMap(CensusOffset.EMPTY.toMap())).isEqualTo(CensusOffset.EMPTY);
    assertThat(CensusOffset.fromMap(null)).isEqualTo(CensusOffset.EMPTY);
  }

  @Test
  void shouldRestoreFromWhatTheJsonOffsetStoreReturns() {
    // Connect's JSON offset store hands integers back as Long (or Integer for small ones).
    Map<String, Object> stored = Map.of("latest", "2025-05", "in_progress", "", "rows_done", 3,
        "in_progress_digest", "", "digests", "2025-05=ff");
    CensusOffset o = CensusOffset.fromMap(stored);
    assertThat(o.latest()).isEqualTo(YearMonth.of(2025, 5));
    assertThat(o.inProgress()).isNull();
    assertThat(o.rowsDone()).isEqualTo(3);
    assertThat(o.digests()).containsEntry(YearMonth.of(2025, 5), "ff");
  }

  @Test
  void shouldForgetDigestsOutsideTheLookBackWindow() {
    CensusOffset o = CensusOffset.EMPTY.completed(YearMonth.of(2025, 1), "a", null, 2)
        .completed(YearMonth.of(2025, 2), "b", null, 2).completed(YearMonth.of(2025, 4), "d", null, 2);
    assertThat(o.latest()).isEqualTo(YearMonth.of(2025, 4));
    assertThat(o.digests()).containsOnlyKeys(YearMonth.of(2025, 2), YearMonth.of(2025, 4));
  }

  @Test
  void shouldKeepRevisionsOfTheLookBackWindowAcrossARestartAndWriteNoneWhileThereAreNone() {
    CensusOffset o = CensusOffset.EMPTY.completed(YearMonth.of(2025, 1), "a", null, 2)
        .withRevision(YearMonth.of(2025, 1), 2)
        .completed(YearMonth.of(2025, 2), "b", null, 2).withRevision(YearMonth.of(2025, 2), 1);
    assertThat(CensusOffset.fromMap(o.toMap())).isEqualTo(o);
    assertThat(o.completed(YearMonth.of(2025, 4), "d", null, 2).revisions()).containsOnlyKeys(YearMonth.of(2025, 2));
    assertThat(CensusOffset.EMPTY.completed(YearMonth.of(2025, 1), "a", null, 2).toMap())
        .doesNotContainKey("revisions");
  }

  /**
   * A month's dead-letter fingerprint is replaced when the month completes (dropped when it has none now), kept by the
   * in-progress offsets, trimmed with the look-back window, and written only while there is one: an offset without
   * dead letters stays as earlier releases wrote it, and one of an earlier release reads as "nothing sent".
   */
  @Test
  void shouldKeepAMonthsDeadLetterFingerprintAcrossItsMapAndReadOffsetsWithoutIt() {
    YearMonth feb = YearMonth.of(2025, 2);
    YearMonth mar = YearMonth.of(2025, 3);
    CensusOffset earlier = CensusOffset.fromMap(Map.of("latest", "2025-03", "in_progress", "", "rows_done", 0,
        "in_progress_digest", "", "digests", "2025-02=a;2025-03=b"));
    assertThat(earlier.deadLetters()).isEmpty();
    assertThat(earlier.sentDeadLetters(mar, "x")).as("unknown: sent again").isFalse();
    assertThat(earlier.toMap()).doesNotContainKey("dead_letter_digests");

    CensusOffset o = earlier.completed(feb, "a2", "x2", 2).completed(mar, "b2", "x3", 2);
    CensusOffset midRevision = o.rowDone(mar, 5, "b3");
    CensusOffset badRowsGone = midRevision.completed(mar, "b3", null, 2);
    CensusOffset movedOn = o.completed(YearMonth.of(2025, 5), "d", null, 2);

    assertThat(o.deadLetters()).isEqualTo(Map.of(feb, "x2", mar, "x3"));
    assertThat(o.toMap()).containsEntry("dead_letter_digests", "2025-02=x2;2025-03=x3");
    assertThat(CensusOffset.fromMap(o.toMap())).isEqualTo(o);
    assertThat(CensusOffset.fromMap(midRevision.toMap())).isEqualTo(midRevision);
    assertThat(midRevision.sentDeadLetters(mar, "x3")).as("the one the emission started from").isTrue();
    assertThat(o.sentDeadLetters(mar, "other")).isFalse();
    assertThat(o.sentDeadLetters(mar, null)).as("none now: nothing to leave out").isFalse();
    assertThat(badRowsGone.deadLetters()).containsOnlyKeys(feb);
    assertThat(movedOn.deadLetters()).as("out of the window with its fingerprint").containsOnlyKeys(mar);
  }

  @Test
  void shouldRoundTripPartitions() {
    CensusPartition p = new CensusPartition("IMPORT", "HS6", "72*");
    assertThat(CensusPartition.fromMap(p.toMap())).isEqualTo(p);
    assertThat(CensusPartition.decode(p.encode())).isEqualTo(p);
  }
}
