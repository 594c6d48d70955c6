package io.tradepulse.connect.census;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.testsupport.MutableClock;
import io.tradepulse.connect.StubServer;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.TradeRow;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One response must not give several figures for one (partner, commodity, month): the API answers one row per
 * combination of every variable the request leaves open, so rows split by one (DF: 1 domestic, 2 foreign exports) all
 * map to one series and month, and downstream would keep one of the parts as if it were the total.
 */
class CensusConflictingRowsTest {
  @RegisterExtension static final StubServer wm = new StubServer();
  static final String PATH = CensusFixture.PATH;

  /** China's row split by DF (the column as the API appends a filter variable), every other country a single row. */
  static final String SPLIT_BY_DF = """
      [["CTY_CODE","CTY_NAME","E_COMMODITY","ALL_VAL_MO","SUMMARY_LVL","time","COMM_LVL","DF"],
      ["0003","EUROPEAN UNION","85","2345000000","CGP","2025-05","HS2","1"],
      ["-","TOTAL FOR ALL COUNTRIES","85","17385342234","DET","2025-05","HS2","-"],
      ["5700","CHINA","85","1000000000","DET","2025-05","HS2","1"],
      ["1220","CANADA","85","2999999999","DET","2025-05","HS2","-"],
      ["1220","CANADA","8501","123456789","DET","2025-05","HS2","-"],
      ["5700","CHINA","85","34567890","DET","2025-05","HS2","2"],
      ["2010","MEXICO","85","4100000000","DET","2025-05","HS2","-"]]""";

  /** Canada's row twice, every cell the same; nothing else is repeated. */
  static final String EXACT_DUPLICATE = """
      [["CTY_CODE","CTY_NAME","E_COMMODITY","ALL_VAL_MO","SUMMARY_LVL","time","COMM_LVL"],
      ["5700","CHINA","85","1034567890","DET","2025-05","HS2"],
      ["1220","CANADA","85","2999999999","DET","2025-05","HS2"],
      ["2010","MEXICO","85","4100000000","DET","2025-05","HS2"],
      ["1220","CANADA","85","2999999999","DET","2025-05","HS2"]]""";

  /**
   * Split without the breakdown column: China's parts differ, Mexico's happen to be equal (identical rows), Japan's
   * second part is not a number; a group and a row with an unknown code between them.
   */
  static final String SPLIT_WITHOUT_COLUMN = """
      [["CTY_CODE","CTY_NAME","E_COMMODITY","ALL_VAL_MO","SUMMARY_LVL","time","COMM_LVL"],
      ["5700","CHINA","85","1000000000","DET","2025-05","HS2"],
      ["2010","MEXICO","85","5000","DET","2025-05","HS2"],
      ["0003","EUROPEAN UNION","85","2345000000","CGP","2025-05","HS2"],
      ["5880","JAPAN","85","777","DET","2025-05","HS2"],
      ["1220","CANADA","85","2999999999","DET","2025-05","HS2"],
      ["5700","CHINA","85","34567890","DET","2025-05","HS2"],
      ["9998","NOT A SCHEDULE C CODE","85","12","DET","2025-05","HS2"],
      ["2010","MEXICO","85","5000","DET","2025-05","HS2"],
      ["5880","JAPAN","85","(X)","DET","2025-05","HS2"],
      ["4120","UNITED KINGDOM","85","700000000","DET","2025-05","HS2"],
      ["5700","CHINA","85","1034567890","DET","2025-05","HS2"]]""";

  final MutableClock clock = new MutableClock(Instant.parse("2025-06-20T12:00:00Z"));

  Map<String, String> props(int batch) {
    Map<String, String> p = CensusFixture.props(wm, "census-conflicts-" + System.nanoTime(), "2025-05");
    p.put("batch.max.records", Integer.toString(batch));
    return p;
  }

  static void stubMay(String body) {
    CensusFixture.stubMonth(wm, "2025-05", 200, body);
  }

  /** The records of the May response, read by a task without a stored offset. */
  List<SourceRecord> drainMay(String body, int batch) throws Exception {
    stubMay(body);
    TaskHarness fresh = new TaskHarness();
    CensusSourceTask task = CensusFixture.start(fresh, clock, props(batch));
    List<SourceRecord> rs = fresh.drain(task);
    task.stop();
    return rs;
  }

  /** The figures emitted, as partner/commodity=value. */
  static List<String> figures(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.records")).map(r -> (Struct) r.value())
        .map(v -> v.getString("partner") + "/" + v.getString("commodity") + "=" + v.getInt64("value")).toList();
  }

  static List<Struct> deadLetters(List<SourceRecord> rs) {
    return rs.stream().filter(r -> r.topic().equals("trade.dlq")).map(r -> (Struct) r.value()).toList();
  }

  static String raw(Struct deadLetter) {
    return new String(deadLetter.getBytes("rawValue"), StandardCharsets.UTF_8);
  }

  /** The data rows of a fixture (after the header), as the dead letters carry them. */
  static List<String> rows(String body) {
    List<String> rows = new ArrayList<>();
    for (String line : body.split("\n")) {
      String row = line.strip().replaceAll(",$", "").replaceAll("]]$", "]");
      if (!row.startsWith("[[")) {
        rows.add(row);
      }
    }
    return rows;
  }

  @Test
  void shouldDeadLetterEveryRowOfACountrySplitByDfNamingTheKeyAndTheCauseAndEmitTheOtherCountries() throws Exception {
    List<SourceRecord> rs = drainMay(SPLIT_BY_DF, 2000);

    assertThat(figures(rs)).containsExactly("WLD/85=17385342234", "CAN/85=2999999999", "CAN/8501=123456789",
        "MEX/85=4100000000");
    List<String> rows = rows(SPLIT_BY_DF);
    assertThat(deadLetters(rs)).hasSize(2).allSatisfy(d -> {
      assertThat(d.getString("reason")).contains("2 rows of this response", "partner CHN", "commodity 85", "2025-05",
          "different figures", "none of them is emitted", "breakdown variable such as DF", "not pinned in the request");
      assertThat(d.getString("source")).isEqualTo(wm.baseUrl() + PATH
          + "?get=CTY_CODE,CTY_NAME,E_COMMODITY,ALL_VAL_MO,SUMMARY_LVL&time=2025-05&COMM_LVL=HS2");
    }).satisfiesExactly(
        d -> assertThat(d.getString("position")).isEqualTo("2025-05 row 3"),
        d -> assertThat(d.getString("position")).isEqualTo("2025-05 row 6"));
    assertThat(deadLetters(rs).stream().map(CensusConflictingRowsTest::raw)).containsExactly(rows.get(2), rows.get(5));
    // Every row is accounted for: 4 figures, 2 dead letters, the group skipped; the month is complete.
    assertThat(TaskHarness.offset(rs.get(rs.size() - 1))).containsEntry("latest", "2025-05")
        .containsEntry("in_progress", "");
  }

  @Test
  void shouldEmitExactDuplicateRowsOnceAndDeadLetterTheCopySayingSo() throws Exception {
    List<SourceRecord> rs = drainMay(EXACT_DUPLICATE, 2000);

    assertThat(figures(rs)).containsExactly("CHN/85=1034567890", "CAN/85=2999999999", "MEX/85=4100000000");
    assertThat(deadLetters(rs)).singleElement().satisfies(d -> {
      assertThat(d.getString("reason")).startsWith("Exact duplicate of row 2 (every cell the same; 2 rows of this "
          + "response map to the record key (partner CAN, commodity 85, 2025-05)): its figure was emitted once");
      assertThat(d.getString("position")).isEqualTo("2025-05 row 4");
      assertThat(raw(d)).isEqualTo(rows(EXACT_DUPLICATE).get(3));
    });
  }

  @Test
  void shouldDeadLetterIdenticalRowsTooInAResponseWithConflictingOnes() throws Exception {
    List<SourceRecord> rs = drainMay(SPLIT_WITHOUT_COLUMN, 2000);

    assertThat(figures(rs)).containsExactly("CAN/85=2999999999", "GBR/85=700000000");
    List<Struct> dead = deadLetters(rs);
    assertThat(dead.stream().map(d -> d.getString("position"))).containsExactly("2025-05 row 1", "2025-05 row 2",
        "2025-05 row 4", "2025-05 row 6", "2025-05 row 7", "2025-05 row 8", "2025-05 row 9", "2025-05 row 11");
    assertThat(dead.get(0).getString("reason")).contains("3 rows of this response", "partner CHN", "different figures");
    assertThat(dead.get(1).getString("reason")).contains("2 rows of this response", "partner MEX", "identical rows",
        "2 other record key(s) have rows with different figures", "none of them is emitted",
        "breakdown variable such as DF");
    assertThat(dead.get(2).getString("reason")).contains("2 rows of this response", "partner JPN", "different figures");
    assertThat(dead.get(4).getString("reason")).startsWith("Unknown Schedule C country code '9998'");
    assertThat(dead.get(6).getString("reason")).contains("partner JPN", "different figures");
    List<String> rows = rows(SPLIT_WITHOUT_COLUMN);
    assertThat(dead.stream().map(CensusConflictingRowsTest::raw)).containsExactly(rows.get(0), rows.get(1),
        rows.get(3), rows.get(5), rows.get(6), rows.get(7), rows.get(8), rows.get(10));
  }

  @Test
  void shouldResumeMidResponseWithoutEmittingADeadLetteredRowOrSkippingAGoodOne() throws Exception {
    for (String body : List.of(SPLIT_WITHOUT_COLUMN, EXACT_DUPLICATE)) {
      List<String> whole = drainMay(body, 2000).stream().map(TaskHarness::renderAll).toList();
      assertThat(crashAfterEveryRecord(body)).as("one record per row that gives one, in order, each once")
          .isEqualTo(whole);
    }
    // ... and those are the verdicts: across the restarts no part of a split key went out as a figure, and the copy of
    // an exact duplicate went out as a dead letter, its original as the one figure.
    List<String> split = crashAfterEveryRecord(SPLIT_WITHOUT_COLUMN);
    assertThat(split.stream().filter(r -> r.startsWith("trade.records")).map(r -> r.replaceAll(".*?;partner=(\\w+);.*",
        "$1"))).containsExactly("CAN", "GBR");
    assertThat(split).hasSize(10).filteredOn(r -> r.startsWith("trade.dlq")).hasSize(8);
    List<String> duplicated = crashAfterEveryRecord(EXACT_DUPLICATE);
    assertThat(duplicated).hasSize(4).filteredOn(r -> r.startsWith("trade.records")).hasSize(3);
    assertThat(duplicated.get(3)).startsWith("trade.dlq").contains("reason=Exact duplicate of row 2");
  }

  /** The records of the May response taken one per task: a crash after each, the next task resuming from its offset. */
  List<String> crashAfterEveryRecord(String body) throws Exception {
    stubMay(body);
    TaskHarness crashing = new TaskHarness();
    Map<String, String> props = props(1);
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      CensusSourceTask task = CensusFixture.start(crashing, clock, props);
      List<SourceRecord> one = crashing.take(task, 1);
      task.stop();
      got.add(TaskHarness.renderAll(one.get(0)));
      if (one.get(0).sourceOffset().get("latest").equals("2025-05")) {
        return got;
      }
    }
    throw new AssertionError("the month did not complete: " + got);
  }

  @Test
  void shouldParseBytesInMemoryWithTheSameVerdicts() {
    CensusParser parser = new CensusParser(CodeTable.load("/io/tradepulse/connect/ref/census-schedule-c.csv", ""));
    Parsed parsed = parser.parse(SPLIT_BY_DF.getBytes(StandardCharsets.UTF_8), new CensusParser.Context("EXPORT",
        "ALL_VAL_MO", "E_COMMODITY", YearMonth.of(2025, 5), "FAS", "FT-900 2025-05", 0L, "test"));

    assertThat(parsed.items()).hasSize(6);
    assertThat(parsed.items().stream().filter(BadRow.class::isInstance).map(i -> ((BadRow) i).position()))
        .containsExactly("2025-05 row 3", "2025-05 row 6");
    assertThat(parsed.items().stream().filter(TradeRow.class::isInstance).map(ParsedItem.class::cast).count())
        .isEqualTo(4);
  }
}
