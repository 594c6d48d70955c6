package io.tradepulse.connect.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.BadRow;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FileSourceTaskTest {
  @TempDir Path dir;
  final TaskHarness harness = new TaskHarness();

  /** Maps the shared data file data/china-exports-to-us-gacc.csv (USD bn, Jan+Feb as a period range). */
  static Map<String, String> gaccSeedProps(String path) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "file-test-" + System.nanoTime());
    p.put(FileConfig.PATHS_CONFIG, path);
    p.put(FileConfig.SOURCE_CONFIG, "GACC");
    p.put(FileConfig.MULTIPLIER_CONFIG, "1000000000");
    p.put("default.reporter", "CHN");
    p.put("default.partner", "USA");
    p.put("default.flow", "EXPORT");
    p.put("default.commodity", "TOTAL");
    p.put("default.valuation", "FOB");
    p.put("field.period", "period_start");
    p.put("field.period.end", "period_end");
    p.put("field.value", "value_usd_bn");
    p.put("field.reportedYoyPct", "reported_yoy_pct");
    p.put("field.sourceRef", "source");
    p.put("field.note", "flag");
    p.put("field.quality", "flag");
    p.put("default.vintage", "seed-2026-01");
    p.put("default.publishedAt", "2026-01-14");
    p.put("poll.interval.ms", "10");
    return p;
  }

  FileSourceTask start(Map<String, String> props) {
    return harness.start(new FileSourceTask(), props);
  }

  @Test
  void shouldMapTheSharedGaccSeedFileIncludingYoyOnlyAndCombinedMonths() throws Exception {
    Path seed = Path.of(getClass().getResource("/china-exports-to-us-gacc.csv").toURI());
    FileSourceTask task = start(gaccSeedProps(seed.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).allMatch(r -> r.topic().equals("trade.records")).hasSize(16);
    Struct may2025 = rs.stream().map(r -> (Struct) r.value())
        .filter(s -> s.getInt32("year") == 2025 && s.getInt32("month") == 5).findFirst().orElseThrow();
    assertThat(may2025.getInt64("value")).isEqualTo(28_800_000_000L);
    assertThat(may2025.getFloat64("reportedYoyPct")).isEqualTo(-34.5);
    assertThat(may2025.getString("source")).isEqualTo("GACC");
    Struct janFeb2025 = (Struct) rs.get(7).value();
    assertThat(janFeb2025.getInt32("month")).isEqualTo(1);
    assertThat(janFeb2025.getInt32("months")).isEqualTo(2);
    assertThat(janFeb2025.get("value")).as("yoy only").isNull();
    assertThat(janFeb2025.getFloat64("reportedYoyPct")).isEqualTo(2.3);
    Struct mar2023 = (Struct) rs.get(1).value();
    assertThat(mar2023.getInt64("value")).as("exact, no binary floating point").isEqualTo(43_678_000_000L);
  }

  /** The documented mapping of the shared seed file (modules/connectors/examples/gacc-seed.properties) of a path. */
  static Map<String, String> exampleProps(String path) throws IOException {
    Properties example = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of("examples", "gacc-seed.properties"))) {
      example.load(r);
    }
    Map<String, String> p = new HashMap<>();
    example.stringPropertyNames().forEach(k -> p.put(k, example.getProperty(k)));
    p.put("name", "file-example-" + System.nanoTime());
    p.put(FileConfig.PATHS_CONFIG, path);
    return p;
  }

  /** Each record's first month and one of its fields, in month order. */
  static Map<YearMonth, String> byMonth(List<SourceRecord> rs, String field) {
    Map<YearMonth, String> out = new TreeMap<>();
    rs.stream().map(r -> (Struct) r.value())
        .forEach(s -> out.put(YearMonth.of(s.getInt32("year"), s.getInt32("month")), s.getString(field)));
    return out;
  }

  /**
   * In the shared seed file one level only, July 2025's, comes from a secondary source (flag {@code secondary}); the
   * others are China customs' figures or quotations of them, March 2025's too, whose flag only says that a secondary
   * source gives another YoY. Read with the documented example mapping, the flag stays the note as well.
   */
  @Test
  void shouldMarkTheSecondarySourceLevelOfJuly2025Secondary() throws Exception {
    Path seed = Path.of(getClass().getResource("/china-exports-to-us-gacc.csv").toURI());
    FileSourceTask task = start(exampleProps(seed.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    Map<YearMonth, String> quality = byMonth(rs, "quality");
    assertThat(quality).hasSize(16);
    assertThat(quality.entrySet()).filteredOn(e -> !e.getValue().equals("PUBLISHED"))
        .containsExactly(Map.entry(YearMonth.of(2025, 7), "SECONDARY"));
    Map<YearMonth, String> note = byMonth(rs, "note");
    assertThat(note).containsEntry(YearMonth.of(2025, 7), "secondary")
        .containsEntry(YearMonth.of(2025, 3), "published; one secondary source says +9.1%");
  }

  /**
   * A quality cell lowers a figure's quality only when it is exactly a quality's name (trimmed, in any case): a flag
   * column is free text, and one that mentions a secondary source is no secondary level. An empty cell takes the
   * constant, else PUBLISHED.
   */
  @Test
  void shouldTakeAQualityCellOnlyWhenItIsExactlyTheNameOfAQuality() throws Exception {
    Path csv = Files.writeString(dir.resolve("q.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-03,2025-03,40.1,4.5,AP 2025-04-13; RFI,published; one secondary source says +9.1%
        2025-05,2025-05,28.8,-34.5,AP 2025-06-09,published (news rounded to -35%)
        2025-06,2025-06,38.17,-16.1,TASS,  Secondary\s
        2025-07,2025-07,35.8,-21.67,Reuters,ESTIMATED
        2025-08,2025-08,,-33.1,CNBC,
        2025-10,2025-10,,-25.17,Reuters,secondary source
        """);
    FileSourceTask task = start(gaccSeedProps(csv.toString()));
    Map<YearMonth, String> quality = byMonth(harness.drain(task), "quality");
    task.stop();
    assertThat(quality.values()).containsExactly("PUBLISHED", "PUBLISHED", "SECONDARY", "ESTIMATED", "PUBLISHED",
        "PUBLISHED");

    Map<String, String> withConstant = gaccSeedProps(csv.toString());
    withConstant.put("default.quality", "estimated");
    TaskHarness again = new TaskHarness();
    FileSourceTask constant = again.start(new FileSourceTask(), withConstant);
    Map<YearMonth, String> qualityWithConstant = byMonth(again.drain(constant), "quality");
    constant.stop();
    assertThat(qualityWithConstant).as("the empty cell of August, and it alone, takes the constant")
        .containsEntry(YearMonth.of(2025, 8), "ESTIMATED")
        .containsAllEntriesOf(Map.of(YearMonth.of(2025, 3), "PUBLISHED", YearMonth.of(2025, 6), "SECONDARY",
            YearMonth.of(2025, 10), "PUBLISHED"));
  }

  @Test
  void shouldReturnControlToTheWorkerWithinSecondsWhenIdleSoAGracefulStopCommitsOffsets() throws Exception {
    // Kafka >= 3.7 calls SourceTask.stop() only after poll() returns; an hour-long idle poll made the
    // worker cancel the task and drop its final offset commit (restart re-delivered every row).
    Path seed = Path.of(getClass().getResource("/china-exports-to-us-gacc.csv").toURI());
    Map<String, String> props = gaccSeedProps(seed.toString());
    props.put("poll.interval.ms", "3600000");
    FileSourceTask task = start(props);
    assertThat(harness.drain(task)).hasSize(16);

    long t0 = System.nanoTime();
    assertThat(task.poll()).isNull();
    // An idle poll() takes up to twice TradeSourceTask.MAX_IDLE_BLOCK (1 s) by design: 3 s leaves room for a loaded
    // machine, under the worker's task.shutdown.graceful.timeout.ms (5 s), far from the hour guarded against.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    task.stop();
  }

  @Test
  void shouldDeadLetterBadCsvAndJsonRowsAndKeepGoing() throws Exception {
    Path csv = Files.writeString(dir.resolve("a.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-05,2025-05,28.8,-34.5,AP,published
        2025-06,2025-06,lots,,x,published
        2025-07,2025-07,,,x,neither
        2025-08,2025-08
        2025-09,2025-09,30.1,,x,ok
        """);
    FileSourceTask task = start(gaccSeedProps(csv.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    assertThat(rs).extracting(SourceRecord::topic)
        .containsExactly("trade.records", "trade.dlq", "trade.dlq", "trade.dlq", "trade.records");
    Struct bad = (Struct) rs.get(1).value();
    assertThat(bad.getString("errorClass")).isEqualTo(NumberFormatException.class.getName());
    assertThat(bad.getString("position")).isEqualTo("line 3");
    assertThat(new String(bad.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo("2025-06,2025-06,lots,,x,published");
    assertThat(((Struct) rs.get(3).value()).getString("reason")).contains("Expected 6 columns, got 2");

    Map<String, String> json = gaccSeedProps(Files.writeString(dir.resolve("b.ndjson"),
        "{\"period_start\":\"2025-05\",\"period_end\":\"2025-05\",\"value_usd_bn\":28.8,\"reported_yoy_pct\":-34.5,\"source\":\"AP\",\"flag\":\"p\"}\n"
            + "{\"period_start\":\"2025-06\",\"value_usd_bn\":\n"
            + "{\"period_start\":\"2025-07\",\"period_end\":\"2025-07\",\"value_usd_bn\":\"35.8\",\"source\":\"R\",\"flag\":\"s\"}\n")
        .toString());
    json.put(FileConfig.FORMAT_CONFIG, "JSON");
    FileSourceTask jt = start(json);
    List<SourceRecord> jr = harness.drain(jt);
    jt.stop();
    assertThat(jr).extracting(SourceRecord::topic).containsExactly("trade.records", "trade.dlq", "trade.records");
    assertThat(((Struct) jr.get(1).value()).getString("reason")).startsWith("Malformed JSON");
    assertThat(((Struct) jr.get(0).value()).getInt64("value")).isEqualTo(28_800_000_000L);
  }

  static final String GOOD_CSV_ROW = "2025-09,2025-09,30.1,,x,ok";
  static final String GOOD_JSON_ROW = "{\"period_start\":\"2025-07\",\"period_end\":\"2025-07\",\"value_usd_bn\":\"35.8\","
      + "\"source\":\"R\",\"flag\":\"s\"}";

  @Test
  void shouldDeadLetterACsvLineLongerThanALimitCutToWhatABrokerAcceptsAndGoOnAtTheNextLine() throws Exception {
    // 1.4 MB on one line: as a dead letter whole it would exceed the broker's 1 MB and fail the task at every restart.
    String longLine = "2025-06,2025-06,1," + "z".repeat(1_400_000) + ",x,published";
    Path csv = Files.writeString(dir.resolve("a.csv"), "period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n"
        + longLine + "\n" + GOOD_CSV_ROW + "\n");
    FileSourceTask task = start(gaccSeedProps(csv.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.records");
    Struct bad = (Struct) rs.get(0).value();
    assertThat(bad.getString("reason")).startsWith("Record longer than 1048576 bytes: not read");
    assertThat(bad.getString("position")).isEqualTo("line 2");
    assertThat(bad.getBytes("rawValue")).hasSize(BadRow.MAX_WHOLE_RAW_BYTES)
        .startsWith(longLine.substring(0, 100).getBytes(StandardCharsets.UTF_8));
    assertThat(((Struct) rs.get(1).value()).getInt64("value")).isEqualTo(30_100_000_000L);
  }

  @Test
  void shouldDeadLetterAnNdjsonLineLongerThanALimitWithoutHoldingItAndGoOnAtTheNextLine() throws Exception {
    // A JSON array where NDJSON is expected: one line of 2 MB.
    StringBuilder array = new StringBuilder("[");
    for (int i = 0; array.length() < 2_000_000; i++) {
      array.append(i == 0 ? "" : ",").append("{\"period_start\":\"2024-01\",\"value_usd_bn\":\"").append(i).append("\"}");
    }
    String line = array.append("]").toString();
    Map<String, String> json = gaccSeedProps(Files.writeString(dir.resolve("b.ndjson"),
        line + "\n" + GOOD_JSON_ROW + "\n").toString());
    json.put(FileConfig.FORMAT_CONFIG, "JSON");
    FileSourceTask task = start(json);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.records");
    Struct bad = (Struct) rs.get(0).value();
    assertThat(bad.getString("reason")).isEqualTo("Line of " + line.length() + " bytes, longer than 1048576: not read "
        + "(raw value: its first 524288 bytes)");
    assertThat(bad.getString("position")).isEqualTo("line 1");
    assertThat(new String(bad.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo(line.substring(0, 524_288));
    assertThat(((Struct) rs.get(1).value()).getInt64("value")).isEqualTo(35_800_000_000L);
  }

  @Test
  void shouldSignalCompletionOnlyAfterEveryRecordWasAcknowledged() throws Exception {
    Path seed = Path.of(getClass().getResource("/china-exports-to-us-gacc.csv").toURI());
    Map<String, String> props = gaccSeedProps(seed.toString());
    FileSourceTask task = start(props);
    List<SourceRecord> batch = TaskHarness.poll(task);
    assertThat(batch).hasSize(16);
    assertThat(TaskHarness.poll(task)).isNull();
    assertThat(io.tradepulse.connect.common.SourceCompletion.isDone(props.get("name"))).isFalse();
    for (SourceRecord r : batch) {
      task.commitRecord(r, TaskHarness.written(r));
    }
    assertThat(io.tradepulse.connect.common.SourceCompletion.await(props.get("name"), Duration.ofSeconds(1))).isTrue();
    task.stop();
  }

  @Test
  void shouldRejectAnIncompleteMappingNamingTheMissingKeys() {
    Map<String, String> props = gaccSeedProps("x.csv");
    props.remove("default.publishedAt");
    props.remove("field.period");
    assertThatThrownBy(() -> new FileSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("field.publishedAt or default.publishedAt").hasMessageContaining("field.period");
    props.put("default.publishedAt", "2026-01-14");
    props.put("field.period", "period_start");
    props.put(FileConfig.FORMAT_CONFIG, "XML");
    assertThatThrownBy(() -> new FileSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("file.format").hasMessageContaining("CSV");
  }

  /**
   * A constant holds for every row: one that cannot be read made every row of every file a dead letter, each saying
   * the same, while the connector ran as if configured. It is a configuration error, refused at start on its key.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "default.publishedAt|2026-01-14T00:00|ISO instant",
      "default.publishedAt|1749513600|epoch seconds are refused",
      "default.flow|SHIPMENT|EXPORT",
      "default.reporter|CN|alpha-3",
      "default.partner|United States|alpha-3",
      "default.commodity|72O4|HS code",
      "default.period|2025-13|yyyy-MM",
      "default.period.end|May 2025|yyyy-MM",
      "default.year|twenty|year",
      "default.month|13|1-12",
      "default.months|0|1 or 2",
      "default.value|1.5 bn|decimal",
      "default.currency|US$|ISO 4217",
      "default.reportedYoyPct|-34.5 pct|percent",
      "default.quality|SECONDAY|PUBLISHED, ESTIMATED, SECONDARY",
      "default.quality|UNKNOWN|PUBLISHED, ESTIMATED, SECONDARY"})
  void shouldFailAtStartNamingTheKeyWhenAConstantCannotBeRead(String key, String value, String allowed) {
    assertRefusedAtStartAndInValidate(key, value, allowed);
  }

  /**
   * The seed configuration with {@code key=value} fails the connector's start naming the key, the value and
   * {@code allowed}, and Connect's validate shows {@code allowed} on that key alone.
   */
  static void assertRefusedAtStartAndInValidate(String key, String value, String allowed) {
    Map<String, String> props = gaccSeedProps("x.csv");
    props.put(key, value);
    assertThatThrownBy(() -> new FileSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(key).hasMessageContaining(value).hasMessageContaining(allowed);
    assertThat(new FileSourceConnector().validate(props).configValues()).filteredOn(v -> v.name().equals(key))
        .singleElement().satisfies(v -> assertThat(v.errorMessages()).singleElement().asString().contains(allowed));
  }

  @Test
  void shouldAcceptEveryFormOfAConstantThatTheRowsAccept() {
    Map<String, String> props = gaccSeedProps("x.csv");
    props.putAll(Map.of("default.publishedAt", "1768348800000", "default.flow", "x", "default.reporter", "chn",
        "default.commodity", "7204.10", "default.period", "202505", "default.period.end", "2025-05",
        "default.value", "28.8", "default.currency", "usd", "default.reportedYoyPct", "-34.5%", "default.months", "1"));
    props.put("default.quality", " Secondary ");
    new FileSourceConnector().start(props);
    props.put("default.publishedAt", "2026-01-14T00:00:00Z");
    props.remove("default.period");
    props.remove("field.period");
    props.putAll(Map.of("default.year", "2025", "default.month", "5"));
    new FileSourceConnector().start(props);
  }

  @Test
  void shouldRestoreTheLeadingZeroThatASpreadsheetDroppedFromAnHsCode() throws Exception {
    // HS chapters 01-09 start with a zero; a CSV saved from a spreadsheet stores 010121 as the number 10121, and
    // 0901 as 901. An odd number of digits is never an HS code, so these rows were all dead letters.
    Path csv = Files.writeString(dir.resolve("hs.csv"), """
        period_start,period_end,hs,value_usd_bn,reported_yoy_pct,source,flag
        2025-05,2025-05,10121,0.5,,x,live horses
        2025-05,2025-05,901,1.5,,x,coffee
        2025-05,2025-05,1,2.5,,x,chapter 01
        2025-05,2025-05,8703,3.5,,x,cars
        """);
    Map<String, String> props = gaccSeedProps(csv.toString());
    props.remove("default.commodity");
    props.put("field.commodity", "hs");
    FileSourceTask task = start(props);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).allMatch(r -> r.topic().equals("trade.records"));
    assertThat(rs).extracting(r -> ((Struct) r.value()).getString("commodity"))
        .containsExactly("010121", "0901", "01", "8703");
    assertThat(rs).extracting(r -> ((Struct) r.value()).getString("commodityLevel"))
        .containsExactly("HS6", "HS4", "HS2", "HS4");
  }
  @Test
  void shouldDeadLetterAValueWithADecimalCommaWhenThousandsSeparatorsAreAllowed() throws Exception {
    // Commas are read as thousands separators: one that groups no thousands (a decimal comma of a European export)
    // was dropped all the same, so 28,8 (bn) went out as 288 bn and 1.234,5 as 1.2345 bn.
    Path csv = Files.writeString(dir.resolve("comma.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-05,2025-05,"28,8",,x,decimal comma
        2025-06,2025-06,"1.234,5",,x,european grouping
        2025-07,2025-07,"1,234.5",,x,thousands
        2025-08,2025-08,"12,345,678",,x,thousands
        """);
    Map<String, String> props = gaccSeedProps(csv.toString());
    props.put(FileConfig.MULTIPLIER_CONFIG, "1000");
    FileSourceTask task = start(props);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic)
        .containsExactly("trade.dlq", "trade.dlq", "trade.records", "trade.records");
    assertThat(((Struct) rs.get(0).value()).getString("reason")).contains("28,8");
    assertThat(((Struct) rs.get(1).value()).getString("position")).isEqualTo("line 3");
    assertThat(rs.subList(2, 4)).extracting(r -> ((Struct) r.value()).getInt64("value"))
        .containsExactly(1_234_500L, 12_345_678_000L);
  }
  @Test
  void shouldDeadLetterAReportedYoyThatIsNotAFiniteNumberWhenTheRowHasNoValue() throws Exception {
    // Double.valueOf reads NaN, Infinity and 1e999 (infinite): such a YoY-only row went out as a record whose growth
    // rate is NaN or infinite, and every median and signal of the series computed from it with it.
    Path csv = Files.writeString(dir.resolve("yoy.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-05,2025-05,,NaN,x,nan
        2025-06,2025-06,,Infinity%,x,infinite
        2025-07,2025-07,,1e999,x,overflow
        2025-08,2025-08,,-34.5%,x,ok
        """);
    FileSourceTask task = start(gaccSeedProps(csv.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic)
        .containsExactly("trade.dlq", "trade.dlq", "trade.dlq", "trade.records");
    assertThat(((Struct) rs.get(0).value()).getString("reason")).contains("NaN");
    assertThat(((Struct) rs.get(3).value()).getFloat64("reportedYoyPct")).isEqualTo(-34.5);
  }

  @Test
  void shouldDeadLetterAReportedYoyWrittenAsAJavaLiteralWhenItHasATypeSuffixOrIsHexadecimal() throws Exception {
    // Double.parseDouble read 5d as 5.0 and 0x1p3 as 8.0: such a cell went out as a growth rate.
    Path csv = Files.writeString(dir.resolve("yoy.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-05,2025-05,,5d,x,double
        2025-06,2025-06,28.8,5F%,x,float
        2025-07,2025-07,,0x1p3,x,hex
        2025-08,2025-08,,-34.5%,x,ok
        2025-09,2025-09,,+1.5e1,x,exponent
        """);
    FileSourceTask task = start(gaccSeedProps(csv.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic)
        .containsExactly("trade.dlq", "trade.dlq", "trade.dlq", "trade.records", "trade.records");
    assertThat(rs.subList(0, 3)).extracting(r -> ((Struct) r.value()).getString("reason"))
        .allMatch(reason -> reason.contains("is not a plain decimal number"));
    assertThat(((Struct) rs.get(3).value()).getFloat64("reportedYoyPct")).isEqualTo(-34.5);
    assertThat(((Struct) rs.get(4).value()).getFloat64("reportedYoyPct")).isEqualTo(15.0);
  }

  @Test
  void shouldDeadLetterAnNdjsonLineThatGivesAMappedKeyTwice() throws Exception {
    // The last one was read, silently: a line joined from two exports sent 35.8 where the first said 28.8.
    Map<String, String> json = gaccSeedProps(Files.writeString(dir.resolve("twice.ndjson"),
        "{\"period_start\":\"2025-05\",\"period_end\":\"2025-05\",\"value_usd_bn\":28.8,\"source\":\"AP\","
            + "\"value_usd_bn\":35.8}\n"
            + "{\"period_start\":\"2025-06\",\"period_end\":\"2025-06\",\"value_usd_bn\":30.1,\"x\":1,\"x\":2}\n")
        .toString());
    json.put(FileConfig.FORMAT_CONFIG, "JSON");
    FileSourceTask task = start(json);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.records");
    Struct bad = (Struct) rs.get(0).value();
    assertThat(bad.getString("reason"))
        .isEqualTo("Malformed JSON: mapped key 'value_usd_bn' given more than once: which one to read cannot be told");
    assertThat(bad.getString("position")).isEqualTo("line 1");
    assertThat(((Struct) rs.get(1).value()).getInt64("value")).as("an unmapped key twice does not matter")
        .isEqualTo(30_100_000_000L);
  }

  @Test
  void shouldDeadLetterANegativeValueNamingTheCellAndItsLine() throws Exception {
    // Sent, it reached the processor's validator, whose dead letter cannot say which file line it came from.
    Path csv = Files.writeString(dir.resolve("neg.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-05,2025-05,-28.8,-34.5,AP,negative
        2025-06,2025-06,-0,,x,zero
        """);
    FileSourceTask task = start(gaccSeedProps(csv.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.records");
    Struct bad = (Struct) rs.get(0).value();
    assertThat(bad.getString("reason")).isEqualTo("Value '-28.8' is negative (a trade value never is)");
    assertThat(bad.getString("position")).isEqualTo("line 2");
    assertThat(((Struct) rs.get(1).value()).getInt64("value")).isZero();
  }

  @Test
  void shouldDeadLetterAPublishedAtInEpochSecondsNamingTheCellInsteadOfEmittingATimeIn1970() throws Exception {
    // 1749513600 is 2025-06-10 in epoch seconds; read as the documented millis it went out as 1970-01-21, and the
    // processor refused the record ("published before its period began"), far from the file and the cell.
    Path csv = Files.writeString(dir.resolve("released.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag,released
        2025-05,2025-05,28.8,-34.5,AP,seconds,1749513600
        2025-05,2025-05,28.8,-34.5,AP,millis,1749513600000
        2025-04,2025-04,28.8,-34.5,AP,date,2025-06-10
        2025-05,2025-05,28.8,-34.5,AP,microseconds,1749513600000000
        """);
    Map<String, String> props = gaccSeedProps(csv.toString());
    props.put("field.publishedAt", "released");
    FileSourceTask task = start(props);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic)
        .containsExactly("trade.dlq", "trade.records", "trade.records", "trade.dlq");
    Struct seconds = (Struct) rs.get(0).value();
    assertThat(seconds.getString("reason")).contains("publishedAt '1749513600'").contains("epoch seconds")
        .contains("2025-06-10T00:00:00Z");
    assertThat(seconds.getString("position")).isEqualTo("line 2");
    assertThat(new String(seconds.getBytes("rawValue"), StandardCharsets.UTF_8)).endsWith(",seconds,1749513600");
    assertThat(rs.subList(1, 3)).extracting(r -> ((java.util.Date) ((Struct) r.value()).get("publishedAt")).toInstant())
        .containsOnly(java.time.Instant.parse("2025-06-10T00:00:00Z"));
    assertThat(((Struct) rs.get(3).value()).getString("reason")).contains("publishedAt '1749513600000000'");
  }

  @Test
  void shouldDeadLetterAFileWhoseHeaderNamesAMappedColumnTwiceInsteadOfReadingTheLastOne() throws Exception {
    // An export with the month's and the year-to-date value both headed value_usd_bn: the last one was read, and
    // January-May went out as May.
    Path csv = Files.writeString(dir.resolve("twice.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag,value_usd_bn
        2025-05,2025-05,28.8,-34.5,AP,published,150.2
        """);
    FileSourceTask task = start(gaccSeedProps(csv.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq");
    Struct bad = (Struct) rs.get(0).value();
    assertThat(bad.getString("reason")).contains("[value_usd_bn] more than once");
    assertThat(bad.getString("position")).isEqualTo("line 1");
  }

  @Test
  void shouldDeadLetterAPeriodCellHoldingARangeInsteadOfReadingItsFirstMonthWithTheRangesFigure() throws Exception {
    // January+February 2025 written as one cell: only its first seven characters were read, and the two months'
    // exports went out as January's.
    Path csv = Files.writeString(dir.resolve("range.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-01/2025-02,2025-01/2025-02,63.3,,x,slash range
        2025-01..2025-02,2025-02,63.3,,x,dotted range
        2025-05-01,2025-05-31,28.8,,x,dates
        2025-06-01T00:00:00Z,2025-06,38.17,,x,instant
        """);
    FileSourceTask task = start(gaccSeedProps(csv.toString()));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic)
        .containsExactly("trade.dlq", "trade.dlq", "trade.records", "trade.records");
    assertThat(((Struct) rs.get(0).value()).getString("reason")).contains("period '2025-01/2025-02'")
        .contains("field.period.end");
    assertThat(((Struct) rs.get(1).value()).getString("position")).isEqualTo("line 3");
    assertThat(rs.subList(2, 4)).extracting(r -> ((Struct) r.value()).getInt32("month") + "/"
        + ((Struct) r.value()).getInt32("months")).containsExactly("5/1", "6/1");
  }
}
