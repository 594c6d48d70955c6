package io.tradepulse.connect.census;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.MutableClock;
import io.tradepulse.connect.StubServer;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.Digests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Census responses are read as streams: a temporary file, a digest pass, a lazy parse, one batch of records at a
 * time. The expected renderings (src/test/resources/.../census/*-before-streaming.txt) were produced by these tests on
 * the parent commit, where the task read each response whole into a byte[], so any difference in what is emitted
 * (topic, key, value, headers, source partition and offset, digests included) shows here.
 */
class CensusStreamingTest {
  @RegisterExtension static final StubServer wm = new StubServer();
  static final String PATH = CensusFixture.PATH;
  static final String HEADER = "[[\"CTY_CODE\",\"CTY_NAME\",\"E_COMMODITY\",\"ALL_VAL_MO\",\"SUMMARY_LVL\",\"time\",\"COMM_LVL\"]";

  /** Every kind of row: groups, the world total, figures, and each reason for a dead letter; multi-byte names. */
  static final String MAY_2025 = HEADER + """
      ,
      ["0001","OPEC","85","5765070418","CGP","2025-05","HS2"],
      ["-","TOTAL FOR ALL COUNTRIES","85","17385342234","CGP","2025-05","HS2"],
      ["5700","CHINA","85","1034567890","DET","2025-05","HS2"],
      ["9998","CÔTE D’IVOIRE ✓","85","100","DET","2025-05","HS2"],
      ["1220","CANADA","85","(D)","DET","2025-05","HS2"],
      ["2010","MÉXICO","85","42","DET","2025-05"],
      ["4120","UNITED KINGDOM","8X","42","DET","2025-05","HS2"],
      ["4280","GERMANY","85","42","DET","2025-13","HS2"],
      ["5880","JAPAN","-","7","DET","2025-05","HS2"],
      ["5800","KOREA, SOUTH","85",null,"DET","2025-05","HS2"],
        ["0003","EUROPEAN UNION","85","1","DET","2025-05","HS2"] ,
      ["5830","TAIWAN","85","18446744073709551616","DET","2025-05","HS2"],
      ["4279","FRANCE","85.01","12","DET","2025-05","HS2"],
      ["7480","COTE D'IVOIRE","85","3","DET","2025-05","HS2"]]""";

  static final String APRIL_2025 = HEADER + """
      ,
      ["5700","CHINA","85","1000000000","DET","2025-04","HS2"],
      ["4120","UNITED KINGDOM","85","700000000","DET","2025-04","HS2"]]""";

  static final String GOOD_ROWS = HEADER + ",\n[\"5700\",\"CHINA\",\"85\",\"1\",\"DET\",\"%s\",\"HS2\"],\n"
      + "[\"1220\",\"CANADA\",\"85\",\"2\",\"DET\",\"%s\",\"HS2\"]";

  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-20T12:00:00Z"));

  Map<String, String> props(String startMonth, int batch) {
    Map<String, String> p = CensusFixture.props(wm, "census-stream-" + System.nanoTime(), startMonth);
    p.put(CensusConfig.API_KEY_CONFIG, "s3cret");
    p.put("batch.max.records", Integer.toString(batch));
    return p;
  }

  static void stubMonth(String month, int status, String body) {
    CensusFixture.stubMonth(wm, month, status, body);
  }

  CensusSourceTask start(Map<String, String> props) {
    return CensusFixture.start(harness, clock, props);
  }

  String show(SourceRecord r) {
    return TaskHarness.show(r, wm.baseUrl());
  }


  /**
   * The records as recorded before the dead-letter fingerprints: the offset of the last record of May, the one month
   * with dead letters, carries theirs (so a revision of May with the same ones leaves them out), no other record does.
   */
  static List<String> asRecorded(List<String> got) {
    String last = got.get(got.size() - 1);
    assertThat(last).containsPattern("\\{dead_letter_digests=2025-05=[0-9a-f]{16}, digests=");
    assertThat(got.subList(0, got.size() - 1)).noneMatch(r -> r.contains("dead_letter_digests"));
    List<String> rs = new ArrayList<>(got.subList(0, got.size() - 1));
    rs.add(last.replaceAll("dead_letter_digests=[^,}]*, ", ""));
    return rs;
  }

  @Test
  void shouldEmitExactlyTheRecordsOfTheWholeBodyPath() throws Exception {
    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 200, MAY_2025);
    CensusSourceTask task = start(props("2025-04", 2000));
    List<String> got = harness.drain(task).stream().map(this::show).toList();
    assertThat(task.metrics().skipped()).isEqualTo(2);
    task.stop();
    TaskHarness.assertSameAsRecorded(CensusStreamingTest.class, asRecorded(got),
        "census-records-before-streaming.txt");
  }

  @Test
  void shouldResumeAfterEveryCommittedRecordWithTheRecordsOfTheWholeBodyPath() throws Exception {
    stubMonth("2025-04", 200, APRIL_2025);
    stubMonth("2025-05", 200, MAY_2025);
    Map<String, String> props = props("2025-04", 1);
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 20; i++) { // a crash after every record: each restart resumes from the stored offset
      CensusSourceTask task = start(props);
      List<SourceRecord> one = harness.take(task, 1);
      task.stop();
      got.add(show(one.get(0)));
      if (one.get(0).sourceOffset().get("in_progress").equals("") && one.get(0).sourceOffset().get("latest")
          .equals("2025-05")) {
        break;
      }
    }
    TaskHarness.assertSameAsRecorded(CensusStreamingTest.class, asRecorded(got),
        "census-records-before-streaming.txt");
  }

  @Test
  void shouldDeadLetterAWholeUnreadableResponseAsBefore() throws Exception {
    StringBuilder big = new StringBuilder(HEADER);
    while (big.length() <= BadRow.MAX_WHOLE_RAW_BYTES + 10_000) {
      big.append(",\n[\"5700\",\"CHINA\",\"85\",\"1\",\"DET\",\"2025-05\",\"HS2\"]");
    }
    String good = GOOD_ROWS.formatted("2024-10", "2024-10");
    // A body that ends inside its document is fetched again, not dead-lettered (CensusCutBodyTest): these end whole.
    stubMonth("2024-10", 200, good.substring(0, good.length() - 12) + "\"\"x\"]]"); // a comma missing in a row
    stubMonth("2024-11", 200, good + ",\n]"); // a comma before the end
    stubMonth("2024-12", 200, "[[\"CTY_CODE\",\"CTY_NAME\",\"ALL_VAL_MO\",\"time\"],[\"5700\",\"CHINA\",\"1\",\"2024-12\"]]");
    stubMonth("2025-01", 200, "{\"error\":\"unknown variable 'E_COMMODITY'\"}");
    stubMonth("2025-02", 200, GOOD_ROWS.formatted("2025-02", "2025-02") + ",\n\"oops\"]");
    stubMonth("2025-03", 200, GOOD_ROWS.formatted("2025-03", "2025-03") + ",\n[\"5700\",[\"nested\"],\"85\"]]");
    stubMonth("2025-04", 200, GOOD_ROWS.formatted("2025-04", "2025-04").replace("],\n[", "]\n[") + "]");
    // Malformed at its end, larger than a dead letter carries.
    String malformedEnd = ",\n[\"5700\",[\"nested\"]]]";
    stubMonth("2025-05", 200, big + malformedEnd);
    CensusSourceTask task = start(props("2024-10", 2000));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).hasSize(8).allSatisfy(r -> assertThat(r.topic()).isEqualTo("trade.dlq"));
    Struct last = (Struct) rs.get(7).value();
    assertThat(last.getString("reason")).startsWith("Malformed or truncated Census response")
        .endsWith("(raw value cut to 524288 of " + (big.length() + malformedEnd.length()) + " bytes)");
    assertThat(last.getBytes("rawValue")).hasSize(BadRow.MAX_WHOLE_RAW_BYTES);
    TaskHarness.assertSameAsRecorded(CensusStreamingTest.class, rs.stream().map(this::show).toList(), "census-whole-dead-letters-before-streaming.txt");
  }

  @Test
  void shouldFailOnAClientErrorNamingTheStartOfTheBody() throws Exception {
    stubMonth("2025-05", 400, "error: unknown variable 'E_COMMODITY'; " + "x".repeat(400));
    CensusSourceTask task = start(props("2025-05", 2000));
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(ConnectException.class)
        .hasMessage("Census API answered HTTP 400 for " + wm.baseUrl() + PATH + "?get=CTY_CODE,CTY_NAME,E_COMMODITY,"
            + "ALL_VAL_MO,SUMMARY_LVL&time=2025-05&COMM_LVL=HS2: error: unknown variable 'E_COMMODITY'; "
            + "x".repeat(300 - 39));
    task.stop();
  }

  @Test
  void shouldTreatAnEmptyBodyAsNoDataYet() throws Exception {
    stubMonth("2025-05", 200, "");
    CensusSourceTask task = start(props("2025-05", 2000));
    assertThat(harness.drain(task)).isEmpty();
    assertThat(task.offsetOf(CensusPartition.decode("EXPORT|HS2|*"))).isEqualTo(CensusOffset.EMPTY);
    task.stop();
  }

  static final int ROWS = 5_000;
  static final int BATCH = 700;

  /**
   * One data row of {@link #bigMonth()}: its value is its number; every 97th has an unknown country code (a dead
   * letter carrying the row), every other 50th is a country group (skipped). Names of varying length with multi-byte
   * characters, so rows straddle the reader's buffers at every offset. Each row has its own commodity: rows of one
   * partner, commodity and month are one record key, whose several rows would be dead letters.
   */
  static String bigRow(int i) {
    String code = i % 97 == 0 ? "9998" : i % 50 == 0 ? "0003" : "5700";
    return "[\"" + code + "\",\"CHINA – 中国 " + "x".repeat(i % 13) + "\",\"" + String.format("85%08d", i) + "\",\""
        + i + "\",\"DET\",\"2025-05\",\"HS2\"]";
  }

  static String bigMonth() {
    StringBuilder b = new StringBuilder(HEADER);
    for (int i = 1; i <= ROWS; i++) {
      b.append(",\n").append(bigRow(i));
    }
    return b.append(']').toString();
  }

  /** The numbers of the rows that give a record, in order: all but the groups. */
  static List<Integer> recordRows(int from) {
    return IntStream.rangeClosed(from, ROWS).filter(i -> i % 97 == 0 || i % 50 != 0).boxed().toList();
  }

  /** The row a record came from: a figure's value, a dead letter's raw row (which must be exactly the row sent). */
  static int row(SourceRecord r) {
    Struct v = (Struct) r.value();
    if (r.topic().equals("trade.records")) {
      return v.getInt64("value").intValue();
    }
    String raw = new String(v.getBytes("rawValue"), StandardCharsets.UTF_8);
    int i = Integer.parseInt(raw.split("\",\"")[3]);
    assertThat(raw).isEqualTo(bigRow(i));
    return i;
  }



  @Test
  void shouldBuildAtMostBatchMaxRecordsPerPoll() throws Exception {
    stubMonth("2025-05", 200, bigMonth());
    CensusSourceTask task = start(props("2025-05", BATCH));
    TaskHarness.Batches drained = TaskHarness.drainInBatches(task, BATCH);
    List<SourceRecord> all = drained.records();
    int polls = drained.polls();
    task.stop();

    List<Integer> expected = recordRows(1);
    assertThat(polls).isEqualTo((expected.size() + BATCH - 1) / BATCH);
    assertThat(all.stream().map(CensusStreamingTest::row).toList()).isEqualTo(expected);
    assertThat(all.stream().filter(r -> r.topic().equals("trade.dlq")).count()).isEqualTo(ROWS / 97);
    for (int i = 0; i < all.size() - 1; i += 333) {
      assertThat(TaskHarness.offset(all.get(i))).containsEntry("in_progress", "2025-05")
          .containsEntry("rows_done", (long) i + 1).containsEntry("latest", "");
    }
    assertThat(TaskHarness.offset(all.get(all.size() - 1))).containsEntry("in_progress", "").containsEntry("latest", "2025-05")
        .containsEntry("rows_done", 0L);
    assertThat(task.metrics().skipped()).isEqualTo(ROWS - expected.size());
  }

  @Test
  void shouldDeleteTheBodyWhenStoppedMidMonthAndResumeFromTheCommittedOffsetWithoutDuplicatesOrGaps() throws Exception {
    stubMonth("2025-05", 200, bigMonth());
    Map<String, String> props = props("2025-05", BATCH);
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-census-");
    TaskHarness.Restarted<CensusSourceTask> run = harness.stopMidPayloadAndRestart(() -> start(props), 2 * BATCH + 5,
        "tradepulse-census-", "month");

    assertThat(run.records().stream().map(CensusStreamingTest::row).toList()).as("no duplicates, no gaps")
        .isEqualTo(recordRows(1));
    assertThat(run.second().peakPendingRecords()).isLessThanOrEqualTo(BATCH);
    assertThat(TaskHarness.tempFilesNamed("tradepulse-census-")).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void shouldDigestTheStreamedBodyLikeItsBytesSoOffsetsStoredByEarlierReleasesResume() throws Exception {
    String body = bigMonth();
    String digest = Digests.of(body.getBytes(StandardCharsets.UTF_8));
    stubMonth("2025-05", 200, body);
    // Such an offset has no revision check time: the look-back check comes once caught up, and finds 2025-04 gone.
    stubMonth("2025-04", 204, null);
    // As the byte[] path stored it after 1,234 records of 2025-05 (2025-04 done before).
    CensusOffset earlier = new CensusOffset(YearMonth.of(2025, 4), null, 0, null, Map.of(YearMonth.of(2025, 4), "x"))
        .rowDone(YearMonth.of(2025, 5), 1_234, digest);
    harness.offsets.put(Map.copyOf(CensusPartition.decode("EXPORT|HS2|*").toMap()), Map.copyOf(earlier.toMap()));
    CensusSourceTask task = start(props("2025-04", BATCH));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    List<Integer> all = recordRows(1);
    assertThat(rs.stream().map(CensusStreamingTest::row).toList()).isEqualTo(all.subList(1_234, all.size()));
    assertThat(TaskHarness.offset(rs.get(0))).containsEntry("in_progress_digest", digest).containsEntry("rows_done", 1_235L);
    assertThat(rs.get(rs.size() - 1).sourceOffset().get("digests")).isEqualTo("2025-04=x;2025-05=" + digest);
  }

  @Test
  void shouldEmitNoRowOfAMonthWhoseBodyTurnsOutMalformedAfterSeveralBatches() throws Exception {
    String body = bigMonth();
    // Complete, but a row nested near its end; a body that ends inside its document is fetched again instead.
    stubMonth("2025-05", 200, body.substring(0, body.length() - 1) + ",[\"5700\",[\"nested\"]]]");
    CensusSourceTask task = start(props("2025-05", BATCH));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).singleElement().satisfies(r -> {
      assertThat(r.topic()).isEqualTo("trade.dlq");
      assertThat(((Struct) r.value()).getString("reason")).startsWith("Malformed or truncated Census response");
      assertThat(TaskHarness.offset(r)).containsEntry("latest", "2025-05");
    });
  }

  @Test
  void shouldFetchAgainAndResumeAfterTheHandedOutRecordsWhenTheBodyCannotBeReadMidMonth() throws Exception {
    stubMonth("2025-05", 200, bigMonth());
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-census-");
    CensusSourceTask task = start(props("2025-05", BATCH));
    List<SourceRecord> got = new ArrayList<>(TaskHarness.poll(task));
    List<Path> open = TaskHarness.tempFilesMadeSince("tradepulse-census-", before);
    Files.write(open.get(0), new byte[0]); // the body on disk is lost under the open month

    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(RetriableException.class).hasMessageContaining("time=2025-05");
    assertThat(open.get(0)).doesNotExist();
    got.addAll(harness.drain(task)); // the worker polls again: the month is fetched again, resumed after batch 1
    task.stop();

    assertThat(got.stream().map(CensusStreamingTest::row).toList()).isEqualTo(recordRows(1));
    assertThat(TaskHarness.tempFilesNamed("tradepulse-census-")).containsExactlyInAnyOrderElementsOf(before);
  }
}
