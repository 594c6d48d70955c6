package io.tradepulse.connect.gacc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.TaskHarness;
import io.tradepulse.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GaccSourceTaskTest {
  @TempDir Path dir;
  final TaskHarness harness = new TaskHarness();

  // May 2025 country table (US$1,000). US exports 28.8 bn, YoY -34.5 % (real, GACC via AP 2025-06-09).
  static final String MAY_2025 = """
      China's Total Export & Import Values by Country (Region), May 2025
      "Unit: US$1,000"
      Release: 2025-06-09
      Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
      Total,2025,5,"316,100,000","212,880,000",1to5,"1,498,000,000","1,060,000,000"
      YoY %,,,4.8,-3.4,,6.0,-6.0
      Asia,2025,5,"150,000,000","110,000,000",1to5,"700,000,000","500,000,000"
      YoY %,,,6.1,-1.0,,7.0,-2.0
      United States,2025,5,"28,800,000","10,200,000",1to5,"160,000,000","60,000,000"
      YoY %,,,-34.5,-18.1,,-10.0,-12.0
      Atlantis,2025,5,"1,000",-,1to5,"5,000",-
      YoY %,,,-,-,,-,-
      Japan,2025,5,"13,000,000",n/a,1to5,"60,000,000","60,000,000"
      YoY %,,,-,-,,-,-
      """;

  // February table: Jan and Feb are published combined ("2 | 1to2").
  static final String FEB_2024 = """
      Unit: US$1,000
      Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
      United States,2024,2,-,-,1to2,"73,410,000","25,000,000"
      YoY %,,,-,-,,5.0,-
      """;

  Map<String, String> props(Path... tables) {
    return Map.of("name", "gacc-test", GaccConfig.LOCATIONS_CONFIG,
        String.join(",", java.util.Arrays.stream(tables).map(Path::toString).toList()), "poll.interval.ms", "10");
  }

  GaccSourceTask start(Map<String, String> props) {
    GaccSourceTask t = new GaccSourceTask();
    t.useForTesting(new MutableClock(Instant.parse("2025-07-01T00:00:00Z")), null);
    t.initialize(harness.context(props));
    t.start(props);
    return t;
  }

  static List<Struct> values(List<SourceRecord> rs, String topic) {
    return rs.stream().filter(r -> r.topic().equals(topic)).map(r -> (Struct) r.value()).toList();
  }

  @Test
  void shouldReadCountryTableWithReportedYoyAndSkipGroups() throws Exception {
    Path t = Files.writeString(dir.resolve("2025-05.csv"), MAY_2025);
    GaccSourceTask task = start(props(t));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    List<Struct> trades = values(rs, "trade.records");
    assertThat(trades).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .containsExactly("WLD EXPORT", "WLD IMPORT", "USA EXPORT", "USA IMPORT", "JPN EXPORT");
    Struct usExports = trades.get(2);
    assertThat(usExports.getInt64("value")).isEqualTo(28_800_000_000L);
    assertThat(usExports.getFloat64("reportedYoyPct")).isEqualTo(-34.5);
    assertThat(usExports.getString("reporter")).isEqualTo("CHN");
    assertThat(usExports.getString("valuation")).isEqualTo("FOB");
    assertThat(trades.get(3).getString("valuation")).isEqualTo("CIF");
    assertThat(usExports.getString("vintage")).isEqualTo("2025-06-09");
    assertThat(((java.util.Date) usExports.get("publishedAt")).toInstant())
        .isEqualTo(Instant.parse("2025-06-09T02:00:00Z"));
    assertThat(usExports.getInt32("months")).isEqualTo(1);
    assertThat(trades.get(4).get("reportedYoyPct")).as("'-' is not applicable, not zero").isNull();
    assertThat(trades).extracting(s -> s.getString("quality")).as("China customs' own table").containsOnly("PUBLISHED");

    List<Struct> dlq = values(rs, "trade.dlq");
    assertThat(dlq).extracting(s -> s.getString("reason"))
        .anySatisfy(r -> assertThat(r).contains("Unknown country/region 'Atlantis'"))
        .anySatisfy(r -> assertThat(r).contains("Non-numeric IMPORT value 'n/a'"));
    assertThat(new String(dlq.get(0).getBytes("rawValue"), StandardCharsets.UTF_8))
        .isEqualTo("Atlantis,2025,5,\"1,000\",-,1to5,\"5,000\",-");
    assertThat(task.metrics().skipped()).as("the Asia group row").isGreaterThanOrEqualTo(1);
  }

  /** The notes under a published table are no figures: skipped, not dead-lettered with every release. */
  @Test
  void shouldSkipTheNotesUnderTheTableButDeadLetterARowWithFiguresWhateverItsName() throws Exception {
    Path t = Files.writeString(dir.resolve("2025-05.csv"), """
        Unit: US$1,000
        Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
        United States,2025,5,"28,800,000","10,200,000",1to5,"160,000,000","60,000,000"
        YoY %,,,-34.5,-18.1,,-10.0,-12.0
        "Note: 1. The data of the latest month are preliminary.",,,,,,,
        Notes,,,,,,,
        Source: General Administration of Customs,,,,,,,
        * Including re-exports
        注：本表为初步数据
        Notebook Islands,2025,5,"1,000",-,1to5,"5,000",-
        """);
    GaccSourceTask task = start(props(t));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .containsExactly("USA EXPORT", "USA IMPORT");
    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("reason"))
        .singleElement().asString().contains("Unknown country/region 'Notebook Islands'");
    assertThat(task.metrics().skipped()).as("five note rows").isGreaterThanOrEqualTo(5);
  }

  @Test
  void shouldDeadLetterATableWithAnUnreadableReleaseDateAndGoOnWithTheNextTable() throws Exception {
    String badRelease = MAY_2025.replace("Release: 2025-06-09", "Release: 9 June 2025");
    Path bad = Files.writeString(dir.resolve("2025-05.csv"), badRelease);
    Path good = Files.writeString(dir.resolve("2024-02.csv"), FEB_2024);
    GaccSourceTask task = start(props(bad, good));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.dlq")).singleElement().satisfies(d -> {
      assertThat(d.getString("reason")).isEqualTo(
          "Unreadable 'Release:' date '9 June 2025' on line 3: expected yyyy-MM-dd, e.g. Release: 2025-06-09");
      assertThat(d.getString("errorClass")).isEqualTo("java.time.format.DateTimeParseException");
      assertThat(d.getString("source")).isEqualTo(bad.toString());
      assertThat(new String(d.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo(badRelease);
    });
    assertThat(values(rs, "trade.records")).as("the next table is read").extracting(s -> s.getString("partner"))
        .containsExactly("USA", "USA");
  }

  @Test
  void shouldDeadLetterAValueTooLargeForWholeDollarsInsteadOfFailingTheTask() throws Exception {
    List<SourceRecord> rs = readTable(MAY_2025.replace("\"28,800,000\"", "99999999999999999999"));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason"))
        .contains("EXPORT value '99999999999999999999' times 1000 is 99999999999999999999000 whole units, more than "
            + "the largest allowed, 9223372036854775807");
    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .contains("USA IMPORT");
  }

  /** Within a long as printed, beyond it in dollars: the dead letter read "Non-numeric EXPORT value '...'". */
  @Test
  void shouldRefuseAValueNamingTheFlowTheCellAndTheLargestAllowedWhenItIsBeyondALongOnceInDollars() throws Exception {
    List<SourceRecord> rs = readTable(MAY_2025.replace("\"28,800,000\"", "\"9,300,000,000,000,000\""));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason"))
        .contains("EXPORT value '9,300,000,000,000,000' times 1000 is 9300000000000000000 whole units, more than the "
            + "largest allowed, 9223372036854775807");
    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .contains("USA IMPORT").doesNotContain("USA EXPORT");
  }

  @Test
  void shouldDeadLetterAValueNamingItsExponentWhenTheExponentIsBeyondAnyAmount() throws Exception {
    // Rounding 1e9999999 (x 1000) to whole dollars took ~10 s of CPU before the cell became a dead letter.
    List<SourceRecord> rs = readTable(MAY_2025.replace("\"28,800,000\"", "1e9999999"));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason"))
        .anySatisfy(r -> assertThat(r).startsWith("EXPORT value '1e9999999' is out of range: exponent 9999999"));
    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .contains("USA IMPORT");
  }

  @Test
  void shouldDeadLetterANegativeValueNamingTheCellAndItsLine() throws Exception {
    // Sent, it reached the processor's validator, whose dead letter cannot say which table line it came from.
    List<SourceRecord> rs = readTable(MAY_2025.replace("\"28,800,000\"", "\"-28,800,000\""));

    assertThat(values(rs, "trade.dlq")).filteredOn(d -> d.getString("reason").contains("-28,800,000")).singleElement()
        .satisfies(d -> {
          assertThat(d.getString("reason")).isEqualTo("EXPORT value '-28,800,000' is negative (a trade value never is)");
          assertThat(d.getString("position")).isEqualTo("line 9");
        });
    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .contains("USA IMPORT").doesNotContain("USA EXPORT");
  }

  @Test
  void shouldLeaveATableForALaterCheckWhenItsLastRowIsCutAndItWasJustWritten() throws Exception {
    // Read while it was being saved in place, the cut 102 of 10200000 went out as US imports of $102,000.
    Path t = Files.writeString(dir.resolve("2025-05.csv"), """
        "Unit: US$1,000"
        Release: 2025-06-09
        Country (Region),Year,Month,Exports,Imports
        Japan,2025,5,12000000,13000000
        YoY %,,,1.5,2.5
        United States,2025,5,28800000,102""");
    MutableClock clock = new MutableClock(Instant.parse("2025-07-01T00:00:00Z"));
    GaccSourceTask task = new GaccSourceTask();
    task.useForTesting(clock, null);
    Map<String, String> props = props(t);
    task.initialize(harness.context(props));
    task.start(props);

    assertThat(harness.drain(task)).as("the table is still being written").isEmpty();
    Files.writeString(t, "00000\nYoY %,,,-34.5,-18.1\n", java.nio.file.StandardOpenOption.APPEND);
    clock.advance(java.time.Duration.ofSeconds(1)); // past poll.interval.ms, when it is checked again
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow") + " "
        + s.getInt64("value")).containsExactly("JPN EXPORT 12000000000", "JPN IMPORT 13000000000",
            "USA EXPORT 28800000000", "USA IMPORT 10200000000");
  }

  @Test
  void shouldDeadLetterAValueNamingItsLengthWhenTheCellIsLongerThanAnyAmount() throws Exception {
    // BigDecimal parses a long digit string in quadratic time: a 1 MB cell took ~25 s before becoming a dead letter.
    String digits = "1" + "0".repeat(200);
    List<SourceRecord> rs = readTable(MAY_2025.replace("\"28,800,000\"", digits));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason"))
        .anySatisfy(r -> assertThat(r).startsWith("EXPORT value '1000").contains("' is 201 characters long"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Release date: 2025-06-11", "Released: 2025-06-11", "RELEASE DATE : 2025-06-11"})
  void shouldDateTheFiguresByTheReleaseLineWhenItIsSpeltReleaseDateOrReleased(String line) throws Exception {
    // Such a line passed for a title line: the figures went out dated 2025-06-10 (release.day), not as printed.
    List<SourceRecord> rs = readTable(MAY_2025.replace("Release: 2025-06-09", line));

    Struct usExports = usExports(rs);
    assertThat(usExports.getString("vintage")).isEqualTo("2025-06-11");
    assertThat(((java.util.Date) usExports.get("publishedAt")).toInstant())
        .isEqualTo(Instant.parse("2025-06-11T02:00:00Z"));
  }

  @Test
  void shouldDeadLetterAValueWithADecimalCommaInsteadOfReadingItAsThousandsSeparators() throws Exception {
    // A table re-typed with a decimal comma (28800,5 thousand) went out as 288,005,000 thousand: ten times the figure.
    List<SourceRecord> rs = readTable(MAY_2025.replace("\"28,800,000\"", "\"28800,5\""));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason"))
        .contains("Non-numeric EXPORT value '28800,5'");
    assertThat(values(rs, "trade.records")).filteredOn(s -> s.getString("partner").equals("USA"))
        .extracting(s -> s.getString("flow") + " " + s.getInt64("value")).containsExactly("IMPORT 10200000000");
  }

  @Test
  void shouldDeadLetterARowWhoseUnquotedThousandsSeparatorsShiftItsCellsInsteadOfSendingWrongFigures()
      throws Exception {
    // Saved without quotes around grouped numbers, the US row splits into 16 cells: its exports were read as 28 and
    // its imports as 800 (thousand dollars), sent out as US exports of 28,000 USD and imports of 800,000 USD.
    List<SourceRecord> rs = readTable(MAY_2025.replace(
        "United States,2025,5,\"28,800,000\",\"10,200,000\",1to5,\"160,000,000\",\"60,000,000\"",
        "United States,2025,5,28,800,000,10,200,000,1to5,160,000,000,60,000,000"));

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .containsExactly("WLD EXPORT", "WLD IMPORT", "JPN EXPORT");
    Struct shifted = values(rs, "trade.dlq").stream().filter(d -> d.getString("position").equals("line 9"))
        .findFirst().orElseThrow();
    assertThat(shifted.getString("reason")).contains("16 cells").contains("header's 8").contains("thousands");
    assertThat(new String(shifted.getBytes("rawValue"), StandardCharsets.UTF_8)).startsWith("United States,2025,5,28,");
  }

  @Test
  void shouldDeadLetterARowCutShortBeforeItsFiguresInsteadOfSkippingItAsARowWithoutFigures() throws Exception {
    // A line broken by hand: the US row ends after its month, its figures on no line the table reads. Read as "-"
    // cells, the row and its YoY row vanished, counted among the skipped cells.
    List<SourceRecord> rs = readTable(MAY_2025.replace(
        "United States,2025,5,\"28,800,000\"", "United States,2025,5\n\"28,800,000\""));

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner")).doesNotContain("USA");
    assertThat(values(rs, "trade.dlq")).filteredOn(d -> d.getString("position").equals("line 9")).singleElement()
        .satisfies(d -> assertThat(d.getString("reason")).contains("Row has 3 cells").contains("missing"));
  }

  @Test
  void shouldSendTheFiguresWithoutTheirYoyAndDeadLetterAYoyRowWithMoreCellsThanTheHeader() throws Exception {
    List<SourceRecord> rs = readTable(MAY_2025.replace("YoY %,,,-34.5,-18.1,,-10.0,-12.0",
        "YoY %,,,-34.5,-18.1,,-10.0,-12.0,1,234.5"));

    assertThat(values(rs, "trade.records")).filteredOn(s -> s.getString("partner").equals("USA"))
        .extracting(s -> s.getString("flow") + " " + s.getInt64("value") + " " + s.get("reportedYoyPct"))
        .containsExactly("EXPORT 28800000000 null", "IMPORT 10200000000 null");
    assertThat(values(rs, "trade.dlq")).filteredOn(d -> d.getString("position").equals("line 10")).singleElement()
        .satisfies(d -> assertThat(d.getString("reason")).contains("more than the header's 8")
            .contains("YoY % of the row above are not read"));
  }

  @Test
  void shouldDeadLetterTheRowsOfASecondTableInAnotherUnitInsteadOfReadingThemAsThousandsOfDollars() throws Exception {
    // The RMB release (100 million yuan) pasted under the US$ table: its US row went out as exports of 2,070 thousand
    // dollars next to the 28.8 bn of the US$ table.
    List<SourceRecord> rs = readTable(MAY_2025 + """
        "Unit: 100 million yuan"
        Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
        United States,2025,5,"2,070",733,1to5,"11,500","4,310"
        YoY %,,,-34.0,-17.5,,-9.5,-11.5
        """);

    assertThat(values(rs, "trade.records")).filteredOn(s -> s.getString("partner").equals("USA"))
        .extracting(s -> s.getString("flow") + " " + s.getInt64("value"))
        .containsExactly("EXPORT 28800000000", "IMPORT 10200000000");
    assertThat(values(rs, "trade.dlq")).filteredOn(d -> d.getString("reason").contains("100 million yuan"))
        .extracting(d -> d.getString("position")).containsExactly("line 16", "line 17", "line 18");
  }

  @Test
  void shouldEmitACopiedCountryRowOnceAndDeadLetterEveryRowOfACountryGivenTwoDifferentFigures() throws Exception {
    // A table pasted together from two pages: the US rows repeated as they were, Japan's exports printed again with
    // another figure. Both went out, two records of one key; downstream kept the larger Japanese figure as the table's.
    List<SourceRecord> rs = readTable(MAY_2025 + """
        United States,2025,5,"28,800,000","10,200,000",1to5,"160,000,000","60,000,000"
        YoY %,,,-34.5,-18.1,,-10.0,-12.0
        Japan,2025,5,"13,500,000",n/a,1to5,"60,000,000","60,000,000"
        YoY %,,,-,-,,-,-
        """);

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow") + " "
        + s.getInt64("value")).containsExactly("WLD EXPORT 316100000000", "WLD IMPORT 212880000000",
            "USA EXPORT 28800000000", "USA IMPORT 10200000000");
    assertThat(values(rs, "trade.dlq")).filteredOn(d -> d.getString("reason").contains("USA"))
        .extracting(d -> d.getString("position") + ": " + d.getString("reason")).containsExactly(
            "line 15: USA EXPORT 2025-05 again, with the same figures as on line 9: emitted once",
            "line 15: USA IMPORT 2025-05 again, with the same figures as on line 9: emitted once");
    assertThat(values(rs, "trade.dlq")).filteredOn(d -> d.getString("reason").contains("JPN"))
        .extracting(d -> d.getString("position") + ": " + d.getString("reason")).containsExactly(
            "line 13: JPN EXPORT 2025-05 given different figures on lines [13, 17]: which one is the table's cannot "
                + "be told, none is emitted",
            "line 17: JPN EXPORT 2025-05 given different figures on lines [13, 17]: which one is the table's cannot "
                + "be told, none is emitted");
  }

  @Test
  void shouldTreatOneEconomyPrintedUnderTwoNamesAsOneKeyWhenTheTableRepeatsIt() throws Exception {
    // "U.S.A." maps to the United States like "United States", "of which: Japan" to Japan like "Japan". The US rows
    // repeated under the alias with the same figures went out twice; Japan's exports again under the member-row
    // spelling with another figure went out beside the first, and downstream kept the larger as the table's.
    List<SourceRecord> rs = readTable(MAY_2025 + """
        U.S.A.,2025,5,"28,800,000","10,200,000",1to5,"160,000,000","60,000,000"
        YoY %,,,-34.5,-18.1,,-10.0,-12.0
        of which: Japan,2025,5,"13,500,000",n/a,1to5,"60,000,000","60,000,000"
        YoY %,,,-,-,,-,-
        """);

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow") + " "
        + s.getInt64("value")).containsExactly("WLD EXPORT 316100000000", "WLD IMPORT 212880000000",
            "USA EXPORT 28800000000", "USA IMPORT 10200000000");
    assertThat(values(rs, "trade.dlq")).filteredOn(d -> d.getString("reason").contains("USA"))
        .extracting(d -> d.getString("position") + ": " + d.getString("reason")).containsExactly(
            "line 15: USA EXPORT 2025-05 (printed as 'United States', 'U.S.A.') again, with the same figures as on "
                + "line 9: emitted once",
            "line 15: USA IMPORT 2025-05 (printed as 'United States', 'U.S.A.') again, with the same figures as on "
                + "line 9: emitted once");
    assertThat(values(rs, "trade.dlq")).filteredOn(d -> d.getString("reason").contains("JPN"))
        .extracting(d -> d.getString("position") + ": " + d.getString("reason")).containsExactly(
            "line 13: JPN EXPORT 2025-05 (printed as 'Japan', 'of which: Japan') given different figures on lines "
                + "[13, 17]: which one is the table's cannot be told, none is emitted",
            "line 17: JPN EXPORT 2025-05 (printed as 'Japan', 'of which: Japan') given different figures on lines "
                + "[13, 17]: which one is the table's cannot be told, none is emitted");
  }

  @Test
  void shouldReadTheRowsUnderARepeatedHeaderByItsColumnsWhenATableIsPastedFromPages() throws Exception {
    // Page 2 repeats the header (a dead letter as an unknown country) with Imports before Exports: Japan's rows were
    // read by page 1's columns, its imports sent out as exports and the other way round. Page 3's header is unreadable.
    List<SourceRecord> rs = readTable("""
        Unit: US$1,000
        Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
        United States,2025,5,"28,800,000","10,200,000",1to5,"160,000,000","60,000,000"
        YoY %,,,-34.5,-18.1,,-10.0,-12.0
        Country (Region),Year,Month,Imports,Exports,Cumulative,Imports 1 to N,Exports 1 to N
        Japan,2025,5,"13,000,000","14,000,000",1to5,"60,000,000","70,000,000"
        YoY %,,,-1.0,2.0,,-,-
        Country (Region),Year,Month,Value
        Canada,2025,5,"1,000"
        """);

    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow") + " "
        + s.getInt64("value") + " " + s.get("reportedYoyPct")).containsExactly("USA EXPORT 28800000000 -34.5",
            "USA IMPORT 10200000000 -18.1", "JPN EXPORT 14000000000 2.0", "JPN IMPORT 13000000000 -1.0");
    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("position") + ": " + d.getString("reason"))
        .containsExactly("line 8: Unexpected header [Country (Region), Year, Month, Value]: needs Country, Year, Month, "
            + "Exports, Imports", "line 9: Row under the header on line 8, which cannot be read");
  }

  @Test
  void shouldDateTheRowsOfEachTableByItsOwnReleaseLineWhenAFileHoldsTablesOfTwoReleases() throws Exception {
    // The May and June 2025 tables pasted into one file (US exports 28.8 bn and 38.17 bn, GACC via AP and TASS): every
    // record carried the last Release line's date, May's figures dated as published in July, and the second Release
    // line, under the first header, was a dead letter as an unknown country.
    List<SourceRecord> rs = readTable("2025-05-06.csv", """
        Unit: US$1,000
        Release: 2025-06-09
        Country (Region),Year,Month,Exports,Imports
        United States,2025,5,"28,800,000",-
        YoY %,,,-34.5,-
        Release: 2025-07-14
        United States,2025,6,"38,170,000",-
        YoY %,,,-16.1,-
        """);

    assertThat(values(rs, "trade.dlq")).isEmpty();
    assertThat(values(rs, "trade.records")).extracting(s -> s.getInt32("month") + " " + s.getInt64("value") + " "
            + s.getString("vintage") + " " + ((java.util.Date) s.get("publishedAt")).toInstant())
        .containsExactly("5 28800000000 2025-06-09 2025-06-09T02:00:00Z", "6 38170000000 2025-07-14 2025-07-14T02:00:00Z");
  }

  @Test
  void shouldEmitBothReleasesFiguresOfOneMonthWhenALaterTableInTheFileRevisesIt() throws Exception {
    // The later release revises May: a revision (the newer publication wins downstream), not one table giving May
    // two figures, which would make both dead letters.
    List<SourceRecord> rs = readTable("2025-05-06.csv", """
        Unit: US$1,000
        Release: 2025-06-09
        Country (Region),Year,Month,Exports,Imports
        United States,2025,5,"28,800,000",-
        Release: 2025-07-14
        United States,2025,5,"28,900,000",-
        """);

    assertThat(values(rs, "trade.dlq")).isEmpty();
    assertThat(values(rs, "trade.records")).extracting(s -> s.getInt32("month") + " " + s.getInt64("value") + " "
        + s.getString("vintage")).containsExactly("5 28800000000 2025-06-09", "5 28900000000 2025-07-14");
  }

  @Test
  void shouldDeadLetterAYoyCellThatIsNotAFiniteNumberInsteadOfSendingANanGrowthRate() throws Exception {
    List<SourceRecord> rs = readTable(MAY_2025.replace("YoY %,,,-34.5,-18.1", "YoY %,,,NaN,-18.1"));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason")).contains("Non-numeric YoY % 'NaN'");
    assertThat(values(rs, "trade.records")).filteredOn(s -> s.getString("partner").equals("USA"))
        .extracting(s -> s.getString("flow") + " " + s.getFloat64("reportedYoyPct")).containsExactly("IMPORT -18.1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"5d", "-34.5D", "5f", "0x1p3", "0x22.8p0"})
  void shouldDeadLetterAYoyCellWrittenAsAJavaLiteralInsteadOfReadingItAsAGrowthRate(String cell) throws Exception {
    // Double.parseDouble read 0x1p3 as 8.0 and 5d as 5.0: no table writes a growth rate so.
    List<SourceRecord> rs = readTable(MAY_2025.replace("YoY %,,,-34.5,-18.1", "YoY %,,," + cell + ",-18.1"));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("reason"))
        .contains("Non-numeric YoY % '" + cell + "'");
    assertThat(values(rs, "trade.records")).filteredOn(s -> s.getString("partner").equals("USA"))
        .extracting(s -> s.getString("flow") + " " + s.getFloat64("reportedYoyPct")).containsExactly("IMPORT -18.1");
  }

  @Test
  void shouldKeepCombinedJanuaryFebruaryWhole() throws Exception {
    Path t = Files.writeString(dir.resolve("2024-02.csv"), FEB_2024);
    GaccSourceTask task = start(props(t));
    List<Struct> trades = values(harness.drain(task), "trade.records");
    task.stop();

    assertThat(trades).hasSize(2);
    Struct exports = trades.get(0);
    assertThat(exports.getInt32("year")).isEqualTo(2024);
    assertThat(exports.getInt32("month")).isEqualTo(1);
    assertThat(exports.getInt32("months")).isEqualTo(2);
    assertThat(exports.getInt64("value")).isEqualTo(73_410_000_000L);
    assertThat(exports.getFloat64("reportedYoyPct")).isEqualTo(5.0);
    assertThat(exports.getString("vintage")).as("derived: 10th of the month after the period").isEqualTo("2024-03-10");
  }

  @ParameterizedTest
  @ValueSource(strings = {"2,-,-,1-2", "2,-,-,1 ~ 2", "1-2,\"73,410,000\",\"25,000,000\",1-2"})
  void shouldKeepCombinedJanuaryFebruaryWholeWhenItsCellsWriteTheMonthsWithADashOrATilde(String cells)
      throws Exception {
    // Month 2 with Cumulative "1-2" was February alone: with the month's cells "-" China's January-February exports
    // to the US (73.41 bn, GACC via Sputnik 2024-03-07) gave nothing; a Month "1-2" was a dead letter.
    List<SourceRecord> rs = readTable("2024-02.csv", FEB_2024.replace("2,-,-,1to2", cells)
        .replace("YoY %,,,-,-,,5.0,-", "YoY %,,,5.0,-,,5.0,-"));

    assertThat(values(rs, "trade.dlq")).isEmpty();
    assertThat(values(rs, "trade.records")).extracting(s -> s.getInt32("year") + "-" + s.getInt32("month") + "x"
            + s.getInt32("months") + " " + s.getString("flow") + " " + s.getInt64("value") + " "
            + s.get("reportedYoyPct"))
        .containsExactly("2024-1x2 EXPORT 73410000000 5.0", "2024-1x2 IMPORT 25000000000 null");
  }

  @Test
  void shouldDeadLetterTheCombinedJanuaryFebruaryNamingBothFiguresWhenTheMonthsAndCumulativeCellsDiffer()
      throws Exception {
    // The figure of the notation's pair (here the cumulative one) went out, the other dropped without a word.
    List<SourceRecord> rs = readTable("2024-02.csv", FEB_2024
        .replace("2,-,-,1to2", "2,\"73,000,000\",\"25,000,000.0\",1to2")
        .replace("YoY %,,,-,-,,5.0,-", "YoY %,,,5.0,-2,,5.0,-"));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("position") + ": " + d.getString("reason"))
        .containsExactly("line 3: Combined January-February EXPORT value given as '73,410,000' in the cumulative cell"
            + " and '73,000,000' in the month's cell: which one is the figure cannot be told");
    assertThat(values(rs, "trade.records")).as("the same figure, written apart, and a YoY % given once agree")
        .extracting(s -> s.getString("flow") + " " + s.getInt64("value") + " " + s.get("reportedYoyPct"))
        .containsExactly("IMPORT 25000000000 -2.0");
  }

  @Test
  void shouldDeadLetterTheCombinedJanuaryFebruaryNamingBothYoyWhenTheMonthsAndCumulativeYoyDiffer() throws Exception {
    List<SourceRecord> rs = readTable("2024-02.csv", FEB_2024
        .replace("YoY %,,,-,-,,5.0,-", "YoY %,,,4.0,-,,5.0,-"));

    assertThat(values(rs, "trade.dlq")).extracting(d -> d.getString("position") + ": " + d.getString("reason"))
        .containsExactly("line 4: Combined January-February EXPORT YoY % given as '5.0' in the cumulative cell and"
            + " '4.0' in the month's cell: which one is the figure cannot be told");
    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("flow")).containsExactly("IMPORT");
  }

  @Test
  void shouldReadTheCombinedJanuaryFebruaryFromTheMonthsCellsWhenItsCumulativeCellsAreDashes() throws Exception {
    // GACC publishes no February alone: in a "2 | 1to2" row the month's figures are January-February. Printed there
    // with "-" (not given) in the cumulative cells, China's January-February exports to the US (73.41 bn, +5.0 %,
    // GACC via Sputnik 2024-03-07) were counted as a skipped row and never went out.
    Path t = Files.writeString(dir.resolve("2024-02.csv"), """
        Unit: US$1,000
        Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
        United States,2024,2,"73,410,000","25,000,000",1to2,-,-
        YoY %,,,5.0,-,,-,-
        Japan,2024,2,"20,000,000",-,1to2,-,"24,000,000"
        YoY %,,,-,-,,-,-3.0
        """);
    GaccSourceTask task = start(props(t));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.dlq")).isEmpty();
    assertThat(values(rs, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getInt32("year") + "-"
            + s.getInt32("month") + "x" + s.getInt32("months") + " " + s.getString("flow") + " " + s.getInt64("value")
            + " " + s.get("reportedYoyPct"))
        .containsExactly("USA 2024-1x2 EXPORT 73410000000 5.0", "USA 2024-1x2 IMPORT 25000000000 null",
            "JPN 2024-1x2 EXPORT 20000000000 null", "JPN 2024-1x2 IMPORT 24000000000 -3.0");
    assertThat(task.metrics().skipped()).as("no cell of a figure left out").isZero();
  }

  @Test
  void shouldReadTheCombinedJanuaryFebruaryFromTheCumulativeCellsWhenAMonth1to2RowHasDashesInTheMonthsCells()
      throws Exception {
    // The same figures written the other way round: Month "1to2" (its figures read from the month's cells), those
    // cells "-" as in the "2 | 1to2" tables, the figures in the cumulative cells. The row was counted as skipped.
    List<SourceRecord> rs = readTable("2024-02.csv", FEB_2024.replace("United States,2024,2,-,-,1to2",
        "United States,2024,1to2,-,-,1to2"));

    assertThat(values(rs, "trade.dlq")).isEmpty();
    assertThat(values(rs, "trade.records")).extracting(s -> s.getInt32("year") + "-" + s.getInt32("month") + "x"
            + s.getInt32("months") + " " + s.getString("flow") + " " + s.getInt64("value") + " "
            + s.get("reportedYoyPct"))
        .containsExactly("2024-1x2 EXPORT 73410000000 5.0", "2024-1x2 IMPORT 25000000000 null");
  }

  @Test
  void shouldDeadLetterACombinedJanuaryFebruaryRowWhenTheTableHasNoCumulativeColumnsInsteadOfDroppingIt()
      throws Exception {
    // The row says its figures are January+February ("2 | 1to2"), which are read from the cumulative columns. Without
    // them the row gave no record, no dead letter and no count: China's exports to the US for the two months vanished.
    List<SourceRecord> rs = readTable("2024-02.csv", """
        Unit: US$1,000
        Country (Region),Year,Month,Exports,Imports,Cumulative
        United States,2024,2,"73,410,000","25,000,000",1to2
        YoY %,,,5.0,-
        """);

    assertThat(values(rs, "trade.records")).isEmpty();
    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("position") + ": " + s.getString("reason"))
        .containsExactly(
            "line 3: Combined January-February row (Cumulative 1to2) but the table has no cumulative EXPORT column "
                + "(e.g. 'Exports 1 to N') to read it from",
            "line 3: Combined January-February row (Cumulative 1to2) but the table has no cumulative IMPORT column "
                + "(e.g. 'Imports 1 to N') to read it from");
    assertThat(values(rs, "trade.dlq")).allSatisfy(s -> assertThat(new String(s.getBytes("rawValue"),
        StandardCharsets.UTF_8)).startsWith("United States,2024,2,"));
  }

  @Test
  void shouldDeadLetterRmbTablesInsteadOfMixingCurrencies() throws Exception {
    List<SourceRecord> rs = readTable("rmb.csv", MAY_2025.replace("US$1,000", "100 million yuan"));
    assertThat(values(rs, "trade.records")).isEmpty();
    assertThat(values(rs, "trade.dlq")).singleElement()
        .satisfies(s -> assertThat(s.getString("reason")).contains("Unsupported unit"));
  }

  @Test
  void shouldResumeMidTableAndReReadARevisedTable() throws Exception {
    Path t = Files.writeString(dir.resolve("2025-05.csv"), MAY_2025);
    Map<String, String> props = new java.util.HashMap<>(props(t));
    props.put("batch.max.records", "1");
    GaccSourceTask first = start(props);
    List<SourceRecord> before = harness.take(first, 3);
    first.stop();
    GaccSourceTask second = start(props);
    List<SourceRecord> after = harness.drain(second);
    assertThat(before.size() + after.size()).isEqualTo(7); // 5 records + 2 dead letters
    assertThat(after.get(0).value()).isNotEqualTo(before.get(2).value());

    Files.writeString(t, MAY_2025.replace("\"28,800,000\"", "\"28,900,000\""));
    Thread.sleep(20);
    second.useForTesting(new MutableClock(Instant.parse("2025-08-01T00:00:00Z")), null);
    List<SourceRecord> revised = harness.drain(second);
    second.stop();
    assertThat(revised).as("every figure again; its two dead letters are those sent before: left out").hasSize(5)
        .allMatch(r -> r.topic().equals("trade.records"));
  }

  @Test
  void shouldReadTheMonthNotTheCumulativeColumnsWhenTheHeaderNamesTheMonthsTheyCover() throws Exception {
    // The published tables head the cumulative columns with the months they cover ("1 to 5" in May, "1to2" in
    // February), not a literal "1 to N": such a column was taken for the month's, so January-May went out as May.
    Path may = Files.writeString(dir.resolve("2025-05.csv"), MAY_2025.replace("Exports 1 to N,Imports 1 to N",
        "Exports 1 to 5,Imports 1 to 5"));
    Path feb = Files.writeString(dir.resolve("2024-02.csv"), FEB_2024.replace("Exports 1 to N,Imports 1 to N",
        "Exports 1to2,Imports 1to2"));
    GaccSourceTask task = start(props(may, feb));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).filteredOn(s -> s.getString("partner").equals("USA"))
        .extracting(s -> s.getInt32("month") + "/" + s.getInt32("months") + " " + s.getString("flow") + " "
            + s.getInt64("value"))
        .containsExactly("5/1 EXPORT 28800000000", "5/1 IMPORT 10200000000", "1/2 EXPORT 73410000000",
            "1/2 IMPORT 25000000000");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Exports Jan-May,Imports Jan-May", "Exports YTD,Imports YTD"})
  void shouldDeadLetterATableWhoseHeaderHasTwoColumnsForTheMonthsExportsInsteadOfReadingTheLastOne(String cumulative)
      throws Exception {
    // A cumulative column headed in words the header check does not know was taken for the month's column, the last
    // one winning: US exports of January-May, 160 bn, went out as May's (GACC's real May figure is 28.8 bn).
    Path t = Files.writeString(dir.resolve("2025-05.csv"), MAY_2025.replace("Exports 1 to N,Imports 1 to N",
        cumulative));
    Path good = Files.writeString(dir.resolve("2024-02.csv"), FEB_2024);
    GaccSourceTask task = start(props(t, good));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(values(rs, "trade.records")).as("only the next table").extracting(s -> s.getInt64("value"))
        .containsExactly(73_410_000_000L, 25_000_000_000L);
    assertThat(values(rs, "trade.dlq")).singleElement().satisfies(d -> {
      assertThat(d.getString("reason")).contains("two columns for Exports of the month, 'Exports' and '"
          + cumulative.substring(0, cumulative.indexOf(',')) + "'");
      assertThat(d.getString("position")).isEqualTo("line 4");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"YoY (%)", "YoY(%)", "Y-o-Y %", "\"YoY\u00a0%\""})
  void shouldReadTheReportedYoyWhenTheYoyRowIsLabelledAnotherWay(String label) throws Exception {
    // Read as a country name, the row was a dead letter and May's figures went out without GACC's -34.5 %.
    List<SourceRecord> rs = readTable(MAY_2025.replace("YoY %,,,-34.5", label + ",,,-34.5"));

    assertThat(values(rs, "trade.dlq")).extracting(s -> s.getString("reason"))
        .noneSatisfy(r -> assertThat(r).contains("YoY"));
    assertThat(usExports(rs).getFloat64("reportedYoyPct")).isEqualTo(-34.5);
    assertThat(values(rs, "trade.records")).filteredOn(s -> s.getString("partner").equals("USA"))
        .extracting(s -> s.getString("flow") + " " + s.getFloat64("reportedYoyPct"))
        .containsExactly("EXPORT -34.5", "IMPORT -18.1");
  }

  @Test
  void shouldDeadLetterATableWithAYoyColumnNextToTheValuesInsteadOfReadingThePercentAsThousandsOfDollars()
      throws Exception {
    List<SourceRecord> rs = readTable("""
        Unit: US$1,000
        Country (Region),Year,Month,Exports,Exports YoY %,Imports,Imports YoY %
        United States,2025,5,"28,800,000",-34.5,"10,200,000",4.8
        """);

    assertThat(values(rs, "trade.records")).as("not 4,800 dollars of imports").isEmpty();
    assertThat(values(rs, "trade.dlq")).singleElement().extracting(s -> s.getString("reason")).asString()
        .contains("two columns for Exports of the month, 'Exports' and 'Exports YoY %'");
  }

  @Test
  void shouldRankAFigureOfARevisedTableAboveTheOneItRevisesEvenWithTheSameReleaseLine() throws Exception {
    // A corrected table re-published under the same Release line: downstream keeps, per period, the figure with the
    // newest publishedAt, then the highest revision, then (a tie) the larger value. With both equal, a figure revised
    // down lost to the figure it revised, and the corrected table changed nothing.
    Path t = Files.writeString(dir.resolve("2025-05.csv"), MAY_2025);
    GaccSourceTask task = start(props(t));
    Struct first = usExports(harness.drain(task));

    Files.writeString(t, MAY_2025.replace("\"28,800,000\"", "\"28,700,000\""));
    Thread.sleep(20);
    task.useForTesting(new MutableClock(Instant.parse("2025-08-01T00:00:00Z")), null);
    Struct revised = usExports(harness.drain(task));
    task.stop();
    GaccSourceTask restarted = start(props(t));
    assertThat(harness.drain(restarted)).as("the revised table was read: nothing again after a restart").isEmpty();
    restarted.stop();

    assertThat(revised.getInt64("value")).isEqualTo(28_700_000_000L);
    assertThat(revised.get("publishedAt")).isEqualTo(first.get("publishedAt"));
    assertThat(revised.getInt32("revision")).isGreaterThan(first.getInt32("revision"));
  }

  /** Reads {@code table} as the May 2025 table file, start to end, and returns what the task emitted. */
  private List<SourceRecord> readTable(String table) throws Exception {
    return readTable("2025-05.csv", table);
  }

  /** Reads {@code table} as the file {@code name}, start to end, and returns what the task emitted. */
  private List<SourceRecord> readTable(String name, String table) throws Exception {
    Path t = Files.writeString(dir.resolve(name), table);
    GaccSourceTask task = start(props(t));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    return rs;
  }

  static Struct usExports(List<SourceRecord> rs) {
    return values(rs, "trade.records").stream()
        .filter(s -> s.getString("partner").equals("USA") && s.getString("flow").equals("EXPORT")).findFirst()
        .orElseThrow();
  }
  /** Two pages pasted together: the header is repeated between the US and the Japan rows. */
  static final String TWO_PAGES = """
      Unit: US$1,000
      Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
      United States,2025,5,"28,800,000","10,200,000",1to5,"160,000,000","60,000,000"
      YoY %,,,-34.5,-18.1,,-10.0,-12.0
      Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to N,Imports 1 to N
      Japan,2025,5,"13,000,000","12,000,000",1to5,"60,000,000","60,000,000"
      YoY %,,,-,-,,-,-
      Atlantis,2025,5,"1,000",-,1to5,"5,000",-
      """;

  /**
   * A release before 2026-11-30 made a dead letter of the repeated header (USA EXPORT, USA IMPORT, the header, JPN
   * EXPORT, JPN IMPORT) and could leave the table after its third item; this parser makes no item of the header, so
   * resuming after three items skipped JPN EXPORT, which had never gone out. Which dead letters that release left out
   * was decided from its own items: they are sent.
   */
  @Test
  void shouldReadTheTableAgainFromItsStartWhenAnEarlierReleaseLeftItMidTable() throws Exception {
    Path t = Files.writeString(dir.resolve("2025-05.csv"), TWO_PAGES);
    GaccSourceTask first = start(props(t));
    List<SourceRecord> all = harness.drain(first);
    first.stop();
    assertThat(values(all, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .containsExactly("USA EXPORT", "USA IMPORT", "JPN EXPORT", "JPN IMPORT");
    // What the earlier release committed after its third item, leaving out the dead letters of the table's version
    // before (their fingerprint): no items_version key.
    Map<String, Object> old = new java.util.HashMap<>(TaskHarness.offset(all.get(0)));
    old.put("rows_done", 3L);
    old.put("complete", false);
    old.put("dead_letters", "1:0123456789abcdef");
    old.remove("items_version");
    old.remove("dead_letters_sent");
    harness.offsets.put(new java.util.HashMap<>(all.get(0).sourcePartition()), old);

    GaccSourceTask second = start(props(t));
    List<SourceRecord> after = harness.drain(second);
    second.stop();
    assertThat(values(after, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .as("read again from the start: the first items once more, none lost")
        .containsExactly("USA EXPORT", "USA IMPORT", "JPN EXPORT", "JPN IMPORT");
    assertThat(values(after, "trade.dlq")).extracting(s -> s.getString("reason"))
        .singleElement().asString().contains("Unknown country/region 'Atlantis'");
    assertThat(TaskHarness.offset(after.get(after.size() - 1))).containsEntry("complete", true);
  }

  /** An offset this release took mid-table is resumed where it stopped: nothing sent twice. */
  @Test
  void shouldResumeAfterTheLastItemWhenThisReleaseLeftTheTableMidTable() throws Exception {
    Path t = Files.writeString(dir.resolve("2025-05.csv"), TWO_PAGES);
    GaccSourceTask first = start(props(t));
    List<SourceRecord> taken = harness.take(first, 3);
    first.stop();
    assertThat(TaskHarness.offset(taken.get(2))).containsEntry("rows_done", 3L).containsEntry("items_version", 1);

    GaccSourceTask second = start(props(t));
    List<SourceRecord> after = harness.drain(second);
    second.stop();
    assertThat(values(after, "trade.records")).extracting(s -> s.getString("partner") + " " + s.getString("flow"))
        .containsExactly("JPN IMPORT");
  }
}
