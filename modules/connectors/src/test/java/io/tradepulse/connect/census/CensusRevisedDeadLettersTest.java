package io.tradepulse.connect.census;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.testsupport.MutableClock;
import io.tradepulse.connect.StubServer;
import io.tradepulse.connect.TaskHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A revised month is re-emitted whole; its dead letters go out again only when they are not the ones its last
 * emission sent (trade.dlq would otherwise get the same bad rows at every revision).
 */
class CensusRevisedDeadLettersTest {
  @RegisterExtension static final StubServer wm = new StubServer();

  static final String UNKNOWN = "[\"9998\",\"NOT A SCHEDULE C CODE\",\"85\",\"12\",\"DET\",\"2025-04\",\"HS2\"]";
  static final String MEXICO_1 = "[\"2010\",\"MEXICO\",\"85\",\"5000\",\"DET\",\"2025-04\",\"HS2\"]";
  static final String MEXICO_2 = "[\"2010\",\"MEXICO\",\"85\",\"6000\",\"DET\",\"2025-04\",\"HS2\"]";

  /** April with a code Schedule C does not have, and Mexico split in two rows with different figures. */
  static final String APRIL = CensusSourceTaskTest.APRIL_2025.replaceFirst("]]$",
      "],\n" + MEXICO_1 + ",\n" + UNKNOWN + ",\n" + MEXICO_2 + "]");

  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-20T12:00:00Z"));
  final Map<String, String> props = props();

  Map<String, String> props() {
    Map<String, String> p = CensusFixture.props(wm, "census-revised-dlq-" + System.nanoTime(), "2025-04");
    p.put(CensusConfig.LOOKBACK_CONFIG, "1");
    p.put(CensusConfig.REVISION_INTERVAL_CONFIG, "60000");
    return p;
  }

  CensusSourceTask start() {
    return CensusFixture.start(harness, clock, props);
  }

  /** April revised: China's figure is {@code china}, the unknown code's {@code unknown}, the rest as first sent. */
  static String april(String china, String unknown) {
    return APRIL.replace("1000000000", china).replace("\"12\"", "\"" + unknown + "\"");
  }

  /** The next revision check, a few minutes on, when the API answers {@code april} for April. */
  List<SourceRecord> check(CensusSourceTask task, String april) throws Exception {
    CensusFixture.stubMonth(wm, "2025-04", 200, april);
    clock.advance(Duration.ofMinutes(2));
    return harness.drain(task);
  }

  static List<String> figures(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.records")).map(r -> (Struct) r.value())
        .map(v -> v.getString("partner") + "=" + v.getInt64("value") + " r" + v.getInt32("revision")).toList();
  }

  /** The raw rows of the dead letters. */
  static List<String> deadLetters(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.dlq"))
        .map(r -> new String(((Struct) r.value()).getBytes("rawValue"), StandardCharsets.UTF_8)).toList();
  }


  static Map<String, Object> partition() {
    return Map.copyOf(CensusPartition.decode("EXPORT|HS2|*").toMap());
  }

  /** April and May sent, April's three dead letters with it. */
  CensusSourceTask startAndSendAprilAndMay() throws Exception {
    CensusFixture.stubMonth(wm, "2025-04", 200, APRIL);
    CensusFixture.stubMonth(wm, "2025-05", 200, CensusSourceTaskTest.MAY_2025);
    CensusSourceTask task = start();
    assertThat(deadLetters(harness.drain(task))).containsExactly(MEXICO_1, UNKNOWN, MEXICO_2);
    return task;
  }

  @Test
  void shouldNotDeadLetterTheSameBadRowsAgainWhenTheirMonthIsRevisedTwiceAcrossARestart() throws Exception {
    CensusSourceTask task = startAndSendAprilAndMay();
    List<SourceRecord> second = check(task, april("1000000500", "12"));
    task.stop();
    CensusSourceTask restarted = start();
    List<SourceRecord> third = check(restarted, april("1000000700", "12"));
    restarted.stop();

    assertThat(figures(second)).containsExactly("CHN=1000000500 r1", "GBR=700000000 r1");
    assertThat(deadLetters(second)).as("sent with the month's first emission already").isEmpty();
    assertThat(figures(third)).containsExactly("CHN=1000000700 r2", "GBR=700000000 r2");
    assertThat(deadLetters(third)).as("nor after a restart").isEmpty();
  }

  @Test
  void shouldEmitTheFirstOfExactDuplicatesAndLeaveOutTheCopysDeadLetterWhenTheirMonthIsRevised() throws Exception {
    String canada = "[\"1220\",\"CANADA\",\"85\",\"2999999999\",\"DET\",\"2025-04\",\"HS2\"]";
    String april = """
        [["CTY_CODE","CTY_NAME","E_COMMODITY","ALL_VAL_MO","SUMMARY_LVL","time","COMM_LVL"],
        ["5700","CHINA","85","1000000000","DET","2025-04","HS2"],
        %s,
        %s]""".formatted(canada, canada);
    CensusFixture.stubMonth(wm, "2025-04", 200, april);
    CensusFixture.stubMonth(wm, "2025-05", 200, CensusSourceTaskTest.MAY_2025);
    CensusSourceTask task = start();
    List<SourceRecord> first = harness.drain(task);
    List<SourceRecord> revised = check(task, april.replace("1000000000", "1000000500"));
    task.stop();

    assertThat(figures(first)).startsWith("CHN=1000000000 r0", "CAN=2999999999 r0");
    assertThat(deadLetters(first)).containsExactly(canada);
    assertThat(figures(revised)).containsExactly("CHN=1000000500 r1", "CAN=2999999999 r1");
    assertThat(deadLetters(revised)).isEmpty();
  }

  @Test
  void shouldDeadLetterAllBadRowsOfARevisedMonthAgainWhenOneOfThemChanged() throws Exception {
    CensusSourceTask task = startAndSendAprilAndMay();
    List<SourceRecord> again = check(task, april("1000000000", "13"));
    task.stop();

    assertThat(figures(again)).as("the month goes out again, its figures unchanged")
        .containsExactly("CHN=1000000000 r1", "GBR=700000000 r1");
    assertThat(deadLetters(again)).containsExactly(MEXICO_1, UNKNOWN.replace("\"12\"", "\"13\""), MEXICO_2);
  }

  @Test
  void shouldDeadLetterTheBadRowsOfARevisedMonthAgainWhenTheOffsetIsOfAnEarlierRelease() throws Exception {
    CensusSourceTask task = startAndSendAprilAndMay();
    task.stop();
    // What a release before the dead-letter fingerprints wrote: the same offset without them.
    Map<String, Object> partition = partition();
    Map<String, Object> stored = new HashMap<>(harness.offsets.get(partition));
    assertThat(stored.remove("dead_letter_digests")).isNotNull();
    harness.offsets.put(partition, stored);
    CensusSourceTask restarted = start();
    List<SourceRecord> revised = check(restarted, april("1000000500", "12"));
    restarted.stop();

    assertThat(figures(revised)).containsExactly("CHN=1000000500 r1", "GBR=700000000 r1");
    assertThat(deadLetters(revised)).containsExactly(MEXICO_1, UNKNOWN, MEXICO_2);
  }

  @Test
  void shouldResumeAnInterruptedRevisionThatLeavesOutSentDeadLettersAfterItsLastDeliveredRecord() throws Exception {
    props.put("batch.max.records", "1");
    CensusSourceTask task = startAndSendAprilAndMay();
    CensusFixture.stubMonth(wm, "2025-04", 200, april("1000000500", "12"));
    clock.advance(Duration.ofMinutes(2));
    List<SourceRecord> got = new ArrayList<>(TaskHarness.poll(task)); // then the worker dies
    got.forEach(r -> harness.offsets.put(partition(), r.sourceOffset().entrySet().stream()
        .collect(HashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), HashMap::putAll)));
    task.stop();
    CensusSourceTask restarted = start();
    got.addAll(harness.drain(restarted));
    restarted.stop();

    // rows_done counts the items the revision builds, the dead letters left out both times: nothing is skipped
    assertThat(figures(got)).containsExactly("CHN=1000000500 r1", "GBR=700000000 r1");
    assertThat(deadLetters(got)).isEmpty();
  }
}
