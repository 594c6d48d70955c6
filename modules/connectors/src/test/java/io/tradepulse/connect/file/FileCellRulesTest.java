package io.tradepulse.connect.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.TaskHarness;
import io.tradepulse.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cells and constants the processor always refuses, or that cannot be read, are refused at the file, named. */
class FileCellRulesTest {
  @TempDir Path dir;
  final TaskHarness harness = new TaskHarness();
  /** "Now" of the task: the rows' bounds do not depend on the day the test runs. */
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-20T12:00:00Z"));

  /** The GACC seed mapping, each row's publication time in the column "released". */
  Map<String, String> props(Path f) {
    Map<String, String> p = FileSourceTaskTest.gaccSeedProps(f.toString());
    p.put("field.publishedAt", "released");
    return p;
  }

  List<SourceRecord> drain(Map<String, String> props) throws InterruptedException {
    FileSourceTask task = new FileSourceTask();
    task.useForTesting(clock, null);
    harness.start(task, props);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    return rs;
  }

  static String reason(SourceRecord r) {
    assertThat(r.topic()).isEqualTo("trade.dlq");
    return ((Struct) r.value()).getString("reason");
  }

  static String position(SourceRecord r) {
    return ((Struct) r.value()).getString("position");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "default.valuation|FOBB|FOB, CIF, FAS, CUSTOMS",
      "default.currency|XYZ|ISO 4217",
      "default.currency|RMB|ISO 4217",
      "default.commodity|123|2, 4, 6, 8 or 10 digits"})
  void shouldFailAtStartNamingTheKeyAndTheAllowedValuesWhenAValuationCurrencyOrCommodityConstantIsNotOne(String key,
      String value, String allowed) {
    FileSourceTaskTest.assertRefusedAtStartAndInValidate(key, value, allowed);
  }

  /**
   * A row may be up to 1 MiB: one whose free text (here a 300 KB sourceRef) made a record the broker refuses (1 MB by
   * default) failed the task at that row at every restart. It is a dead letter naming the limit; a row within it is a
   * figure.
   */
  @Test
  void shouldDeadLetterARowWhoseFreeTextIsMoreThanAFigureMayCarry() throws Exception {
    String within = "w".repeat(MappedRowParser.MAX_FIGURE_TEXT_BYTES - 100);
    String over = "o".repeat(MappedRowParser.MAX_FIGURE_TEXT_BYTES + 1);
    Path f = Files.writeString(dir.resolve("t.csv"), "period_start,period_end,value_usd_bn,reported_yoy_pct,source,"
        + "flag,released\n2025-05,2025-05,28.8,," + over + ",,2025-06-09\n2025-06,2025-06,38.2,," + within
        + ",,2025-07-14\n");
    List<SourceRecord> rs = drain(props(f));

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.records");
    assertThat(reason(rs.get(0))).isEqualTo("sourceRef, vintage and note hold "
        + (over.length() + "seed-2026-01".length()) + " bytes together, more than the "
        + MappedRowParser.MAX_FIGURE_TEXT_BYTES + " a figure may carry");
    assertThat(position(rs.get(0))).isEqualTo("line 2");
    assertThat(((Struct) rs.get(1).value()).getString("sourceRef")).isEqualTo(within);
  }

  @Test
  void shouldDeadLetterAValuationOrCurrencyCellThatIsNotOneNamingTheColumnWhenMapped() throws Exception {
    Path f = Files.writeString(dir.resolve("v.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag,released,basis,cur
        2025-05,2025-05,28.8,,x,typo,2025-06-09,FOBB,USD
        2025-06,2025-06,38.2,,x,rmb,2025-07-14,FOB,RMB
        2025-07,2025-07,35.8,,x,lower case,2025-08-07,cif,cny
        2025-08,2025-08,31.0,,x,census exports,2025-09-07,fas,USD
        """);
    Map<String, String> props = props(f);
    props.put("field.valuation", "basis");
    props.put("field.currency", "cur");
    List<SourceRecord> rs = drain(props);

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.dlq", "trade.records",
        "trade.records");
    assertThat(reason(rs.get(0))).contains("column 'basis' (field.valuation)").contains("valuation 'FOBB'")
        .contains("FOB, CIF, FAS, CUSTOMS");
    assertThat(reason(rs.get(1))).contains("column 'cur' (field.currency)").contains("currency 'RMB'")
        .contains("ISO 4217");
    assertThat(position(rs.get(1))).isEqualTo("line 3");
    Struct ok = (Struct) rs.get(2).value();
    assertThat(ok.getString("valuation") + " " + ok.getString("currency")).isEqualTo("CIF CNY");
    // The basis the Census connector writes for exports: a file of Census figures can say so.
    assertThat(((Struct) rs.get(3).value()).getString("valuation")).isEqualTo("FAS");
  }

  @Test
  void shouldDeadLetterYearsPeriodsAndPublicationTimesTheProcessorAlwaysRefusesNamingTheCellWhenMapped()
      throws Exception {
    Path f = Files.writeString(dir.resolve("bounds.csv"), """
        yr,mo,value_usd_bn,source,flag,released
        25,5,28.8,x,two-digit year,2025-06-09
        0,5,28.8,x,year zero,2025-06-09
        99999,5,28.8,x,five digits,2025-06-09
        2026,2,28.8,x,next month,2026-01-14
        2025,6,38.2,x,published in the future,2205-12-08
        2025,7,35.8,x,published before its period,2025-06-30
        2025,8,35.8,x,ok,2025-09-07
        """);
    Map<String, String> props = props(f);
    props.remove("field.period");
    props.remove("field.period.end");
    props.remove("field.reportedYoyPct");
    props.remove("field.note");
    props.put("field.year", "yr");
    props.put("field.month", "mo");
    List<SourceRecord> rs = drain(props);

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.dlq", "trade.dlq", "trade.dlq",
        "trade.dlq", "trade.dlq", "trade.records");
    assertThat(reason(rs.get(0))).contains("year '25' in column 'yr' (field.year)").contains("before 1988");
    assertThat(reason(rs.get(1))).contains("year '0'").contains("before 1988");
    assertThat(reason(rs.get(2))).contains("year '99999'").contains("future");
    assertThat(reason(rs.get(3))).contains("year '2026'").contains("2026-02 is in the future (after 2026-01)");
    assertThat(reason(rs.get(4))).contains("publishedAt '2205-12-08' in column 'released' (field.publishedAt)")
        .contains("after now");
    assertThat(reason(rs.get(5))).contains("publishedAt '2025-06-30'").contains("before the last month of its period");
    assertThat(rs.subList(0, 6)).extracting(FileCellRulesTest::position)
        .containsExactly("line 2", "line 3", "line 4", "line 5", "line 6", "line 7");
  }

  @Test
  void shouldDeadLetterAMultiMonthPeriodOtherThanJanuaryAndFebruaryWhichTheProcessorAlwaysRefuses() throws Exception {
    Path f = Files.writeString(dir.resolve("quarter.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag,released
        2025-01,2025-03,100.1,,x,first quarter,2025-04-14
        2024-12,2025-01,60.0,,x,across the year,2025-02-07
        2025-01,2025-02,63.3,,x,jan+feb,2025-03-07
        """);
    List<SourceRecord> rs = drain(props(f));

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.dlq", "trade.records");
    assertThat(reason(rs.get(0))).contains("period '2025-01' in column 'period_start' (field.period)")
        .contains("3 months").contains("January+February");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "default.year|25|from 1988",
      "default.year|1987|from 1988",
      "default.year|99999|to the current year",
      "default.period|1987-12|from 1988",
      "default.publishedAt|2205-12-08|not after now"})
  void shouldFailAtStartNamingTheKeyWhenAConstantIsOneTheProcessorAlwaysRefuses(String key, String value,
      String allowed) {
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps("x.csv");
    if (key.equals("default.year")) {
      props.remove("field.period");
      props.put("default.month", "5");
    }
    props.put(key, value);
    assertThatThrownBy(() -> new FileSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(key).hasMessageContaining(value).hasMessageContaining(allowed);
  }

  @Test
  void shouldDeadLetterAMonthsCellThatConflictsWithPeriodEndNamingBothWhenBothAreMapped() throws Exception {
    Path f = Files.writeString(dir.resolve("months.csv"), """
        period_start,period_end,m,value_usd_bn,reported_yoy_pct,source,flag,released
        2025-01,2025-02,3,63.3,,x,conflict,2025-03-07
        2025-03,2025-03,,43.7,,x,empty months,2025-04-14
        2025-04,2025-04,1,43.0,,x,agrees,2025-05-09
        """);
    Map<String, String> props = props(f);
    props.put("field.months", "m");
    List<SourceRecord> rs = drain(props);

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.records", "trade.records");
    assertThat(reason(rs.get(0))).contains("months '3' in column 'm' (field.months)")
        .contains("period.end '2025-02' in column 'period_end' (field.period.end)").contains("2 months");
  }

  @Test
  void shouldNameTheColumnTheValueAndWhatIsAllowedWhenACellCannotBeRead() throws Exception {
    Path f = Files.writeString(dir.resolve("cells.csv"), """
        yr,mo,n,value_usd_bn,yoy,source,flag,released
        5.0,5,1,28.8,,x,year,2025-06-09
        2025,13,1,28.8,,x,month,2025-06-09
        2025,5,5.0,28.8,,x,months,2025-06-09
        2025,5,1,n/a,,x,value,2025-06-09
        2025,5,1,,5.0x,x,yoy,2025-06-09
        2025,5,1,28.8,,x,publishedAt,2026-01-14T10:00
        """);
    Map<String, String> props = props(f);
    props.remove("field.period");
    props.remove("field.period.end");
    props.remove("field.note");
    props.put("field.year", "yr");
    props.put("field.month", "mo");
    props.put("field.months", "n");
    props.put("field.reportedYoyPct", "yoy");
    List<SourceRecord> rs = drain(props);

    assertThat(rs).extracting(FileCellRulesTest::reason).containsExactly(
        "year '5.0' in column 'yr' (field.year) is not " + FileConfig.allowed(FileConfig.Target.YEAR),
        "month '13' in column 'mo' (field.month) is not a month number 1-12",
        "months '5.0' in column 'n' (field.months) is not " + FileConfig.allowed(FileConfig.Target.MONTHS),
        "value 'n/a' in column 'value_usd_bn' (field.value) is not a decimal number (not negative) in the file's "
            + "unit, e.g. 28.8",
        "reportedYoyPct '5.0x' in column 'yoy' (field.reportedYoyPct) is not "
            + FileConfig.allowed(FileConfig.Target.REPORTED_YOY_PCT),
        "publishedAt '2026-01-14T10:00' in column 'released' (field.publishedAt) is not "
            + FileConfig.allowed(FileConfig.Target.PUBLISHED_AT));
    assertThat(rs).extracting(FileCellRulesTest::position)
        .containsExactly("line 2", "line 3", "line 4", "line 5", "line 6", "line 7");
    assertThat(new String(((Struct) rs.get(0).value()).getBytes("rawValue"), StandardCharsets.UTF_8))
        .isEqualTo("5.0,5,1,28.8,,x,year,2025-06-09");
  }

  @Test
  void shouldDeadLetterAReportedYoyBelowMinus100PercentWhichTheProcessorAlwaysRefusesNamingTheCell()
      throws Exception {
    Path f = Files.writeString(dir.resolve("yoy.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag,released
        2025-05,2025-05,,-150,x,impossible,2025-06-09
        2025-06,2025-06,,-100%,x,all of it,2025-07-14
        """);
    List<SourceRecord> rs = drain(props(f));

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.records");
    assertThat(reason(rs.get(0))).contains("column 'reported_yoy_pct' (field.reportedYoyPct)")
        .contains("reportedYoyPct '-150' is below -100 %");
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps("x.csv");
    props.put("default.reportedYoyPct", "-150");
    assertThatThrownBy(() -> new FileSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("default.reportedYoyPct").hasMessageContaining("-150");
  }

  @Test
  void shouldRefuseReporterPartnerAndCommodityCellsWhenTheProcessorWouldRefuseTheirCodesNamingTheColumn()
      throws Exception {
    Path f = Files.writeString(dir.resolve("codes.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag,rep,par,hs
        2025-05,2025-05,28.8,,x,no economy,AAA,USA,TOTAL
        2025-05,2025-05,28.8,,x,no economy,CHN,qqq,TOTAL
        2025-05,2025-05,28.8,,x,itself,CHN,chn,TOTAL
        2025-05,2025-05,28.8,,x,chapter 00,CHN,USA,0012
        2025-05,2025-05,28.8,,x,chapter 77,CHN,USA,7701
        2025-05,2025-05,28.8,,x,aggregates and kosovo,EUU,XKX,0101
        2025-05,2025-05,28.8,,x,world,CHN,WLD,TOTAL
        """);
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(f.toString());
    props.remove("default.reporter");
    props.remove("default.partner");
    props.remove("default.commodity");
    props.put("field.reporter", "rep");
    props.put("field.partner", "par");
    props.put("field.commodity", "hs");
    List<SourceRecord> rs = drain(props);

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.dlq", "trade.dlq", "trade.dlq",
        "trade.dlq", "trade.records", "trade.records");
    assertThat(reason(rs.get(0))).contains("column 'rep' (field.reporter)").contains("unknown reporter 'AAA'")
        .contains("not an ISO 3166-1 alpha-3 code (or WLD, EUU, XKX)");
    assertThat(reason(rs.get(1))).contains("column 'par' (field.partner)").contains("unknown partner 'QQQ'");
    assertThat(reason(rs.get(2))).contains("column 'rep' (field.reporter)").contains("column 'par' (field.partner)")
        .contains("reporter and partner are the same economy: CHN");
    assertThat(reason(rs.get(3))).contains("column 'hs' (field.commodity)").contains("unknown HS chapter 00 in 0012");
    assertThat(reason(rs.get(4))).contains("column 'hs' (field.commodity)").contains("unknown HS chapter 77 in 7701");
    assertThat(rs.subList(0, 5)).extracting(FileCellRulesTest::position)
        .containsExactly("line 2", "line 3", "line 4", "line 5", "line 6");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "default.reporter|AAA|an ISO 3166-1 alpha-3 code (or WLD = world, EUU = European Union, XKX = Kosovo)",
      "default.partner|QQQ|an ISO 3166-1 alpha-3 code (or WLD = world, EUU = European Union, XKX = Kosovo)",
      "default.partner|chn|an economy other than default.reporter",
      "default.commodity|00|a chapter other than 00 and 77",
      "default.commodity|7701.10|a chapter other than 00 and 77"})
  void shouldRefuseAtStartWhenAReporterPartnerOrCommodityConstantIsACodeTheProcessorRefuses(String key, String value,
      String allowed) {
    FileSourceTaskTest.assertRefusedAtStartAndInValidate(key, value, allowed);
  }

  @Test
  void shouldRefuseADateCellWhenItsDayDoesNotExistInItsMonthNamingTheColumn() throws Exception {
    Path f = Files.writeString(dir.resolve("days.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-05-99,2025-05-99,28.8,,x,day 99
        2025-02-29,2025-02-29,28.8,,x,not a leap year
        2025-05-00,2025-05-00,28.8,,x,day 0
        2024-02-29,2024-02-29,28.8,,x,a leap year
        2025-05-31T10:00,2025-05-31,28.8,,x,last day
        """);
    List<SourceRecord> rs = drain(FileSourceTaskTest.gaccSeedProps(f.toString()));

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.dlq", "trade.dlq",
        "trade.records", "trade.records");
    assertThat(reason(rs.get(0))).contains("column 'period_start' (field.period)").contains("'2025-05-99'")
        .contains("day 99, which 2025-05 does not have");
    assertThat(reason(rs.get(1))).contains("'2025-02-29'").contains("day 29, which 2025-02 does not have");
    assertThat(reason(rs.get(2))).contains("'2025-05-00'").contains("day 00");
  }

  @Test
  void shouldRefuseAValueCellWhenItIsBeyondALongNamingTheColumnTheValueAndTheLargestAllowed() throws Exception {
    Path f = Files.writeString(dir.resolve("big.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-05,2025-05,99999999999,,x,beyond a long once in units
        2025-06,2025-06,9223372036854775807,,x,a long but not times the multiplier
        """);
    List<SourceRecord> rs = drain(FileSourceTaskTest.gaccSeedProps(f.toString()));

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.dlq");
    assertThat(reason(rs.get(0))).contains("value '99999999999' in column 'value_usd_bn' (field.value)")
        .contains("99999999999000000000 whole units").contains("file.value.multiplier 1000000000")
        .contains("the largest allowed, " + Long.MAX_VALUE).doesNotStartWith("Overflow");
    assertThat(((Struct) rs.get(0).value()).getString("errorClass")).isEqualTo(ArithmeticException.class.getName());
  }

  @Test
  void shouldRefuseAPeriodEndCellWhenItIsBeforeThePeriodNamingItsColumnAndBothMonths() throws Exception {
    Path f = Files.writeString(dir.resolve("backwards.csv"), """
        period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag
        2025-05,2025-04,28.8,,x,backwards
        """);
    List<SourceRecord> rs = drain(FileSourceTaskTest.gaccSeedProps(f.toString()));

    assertThat(rs).singleElement().satisfies(r -> assertThat(reason(r))
        .contains("period.end '2025-04' in column 'period_end' (field.period.end)")
        .contains("2025-04 is before the first month of the period, 2025-05")
        .contains("column 'period_start' (field.period)").doesNotContain("covers 0 months"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"3", "0", "12", "-1"})
  void shouldRefuseAtStartWhenAMonthsConstantIsALengthTheProcessorNeverTakes(String months) {
    FileSourceTaskTest.assertRefusedAtStartAndInValidate("default.months", months,
        "1 or 2 (2: a combined January+February");
  }

  @Test
  void shouldRefuseAtStartWhenAMonthsConstantOf2StartsInAConstantMonthOtherThanJanuary() {
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps("x.csv");
    props.remove("field.period");
    props.remove("field.period.end");
    props.put("default.period", "2025-03");
    props.put("default.months", "2");
    assertThatThrownBy(() -> new FileSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("default.months").hasMessageContaining("1 or 2 (2: a combined January+February")
        .hasMessageContaining("month 3 (default.period)");
    assertThat(new FileSourceConnector().validate(props).configValues())
        .filteredOn(v -> v.name().equals("default.months")).singleElement().satisfies(v -> assertThat(v.errorMessages()).singleElement().asString()
            .contains("month 3 (default.period)"));
    props.put("default.period", "2025-01");
    new FileSourceConnector().start(props);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"gacc|GACC", "Census|CENSUS", "file|FILE"})
  void shouldRefuseAtStartWhenTheSourceNameIsACaseVariantOfABuiltInSourceName(String name, String builtIn) {
    FileSourceTaskTest.assertRefusedAtStartAndInValidate(FileConfig.SOURCE_CONFIG, name, "use " + builtIn);
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps("x.csv");
    props.put(FileConfig.SOURCE_CONFIG, "NBS");
    new FileSourceConnector().start(props);
  }
}
