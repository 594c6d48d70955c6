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
    CensusOffset o = CensusOffset.EMPTY.completed(YearMonth.of(2025, 1), "a", 2)
        .completed(YearMonth.of(2025, 2), "b", 2).completed(YearMonth.of(2025, 4), "d", 2);
    assertThat(o.latest()).isEqualTo(YearMonth.of(2025, 4));
    assertThat(o.digests()).containsOnlyKeys(YearMonth.of(2025, 2), YearMonth.of(2025, 4));
  }

  @Test
  void shouldKeepRevisionsOfTheLookBackWindowAcrossARestartAndWriteNoneWhileThereAreNone() {
    CensusOffset o = CensusOffset.EMPTY.completed(YearMonth.of(2025, 1), "a", 2).withRevision(YearMonth.of(2025, 1), 2)
        .completed(YearMonth.of(2025, 2), "b", 2).withRevision(YearMonth.of(2025, 2), 1);
    assertThat(CensusOffset.fromMap(o.toMap())).isEqualTo(o);
    assertThat(o.completed(YearMonth.of(2025, 4), "d", 2).revisions()).containsOnlyKeys(YearMonth.of(2025, 2));
    assertThat(CensusOffset.EMPTY.completed(YearMonth.of(2025, 1), "a", 2).toMap()).doesNotContainKey("revisions");
  }

  @Test
  void shouldRoundTripPartitions() {
    CensusPartition p = new CensusPartition("IMPORT", "HS6", "72*");
    assertThat(CensusPartition.fromMap(p.toMap())).isEqualTo(p);
    assertThat(CensusPartition.decode(p.encode())).isEqualTo(p);
  }
}
