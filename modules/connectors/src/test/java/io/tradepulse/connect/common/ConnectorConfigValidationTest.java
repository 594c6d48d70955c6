package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.census.CensusSourceConnector;
import io.tradepulse.connect.comext.ComextSourceConnector;
import io.tradepulse.connect.comtrade.ComtradeConfig;
import io.tradepulse.connect.comtrade.ComtradeSourceConnector;
import io.tradepulse.connect.docs.ConnectorDocGenerator;
import io.tradepulse.connect.file.FileSourceConnector;
import io.tradepulse.connect.gacc.GaccSourceConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A setting that cannot work fails the connector at start (and Connect's validate), naming the key and what is
 * allowed: not each task later, with a message about a file or a class.
 */
class ConnectorConfigValidationTest {
  @TempDir Path dir;

  /** The smallest valid configuration of a connector, and its override-table setting (null: it has none). */
  record Smallest(Map<String, String> config, String table) {}

  /** Of each connector, by class: a connector Connect finds that is missing here fails {@link #connectors()}. */
  static final Map<Class<?>, Smallest> SMALLEST = Map.of(
      CensusSourceConnector.class, new Smallest(Map.of("census.start.month", "2024-01"), "census.country.table"),
      ComtradeSourceConnector.class, new Smallest(Map.of("comtrade.reporters", "156", "comtrade.start.period",
          "202401"), "comtrade.country.table"),
      GaccSourceConnector.class, new Smallest(Map.of("gacc.tables", "/data/gacc/2025-05.csv"), "gacc.country.table"),
      ComextSourceConnector.class, new Smallest(Map.of("comext.start.period", "2024-01"), "comext.geo.table"),
      FileSourceConnector.class, new Smallest(Map.of("file.paths", "/data/x.csv", "file.source.name", "X",
          "field.reporter", "r", "field.partner", "p", "field.flow", "f", "field.commodity", "c", "field.period", "m",
          "field.value", "v", "field.vintage", "vt", "field.publishedAt", "pa"), null));

  /**
   * Every connector Connect finds (ConnectorDocGenerator's list, the services file's), with its smallest valid
   * configuration: listed by hand, a new connector went unchecked by every test below.
   */
  static Stream<Arguments> connectors() {
    return ConnectorDocGenerator.connectors().stream().map(c -> {
      Class<? extends SourceConnector> type = c.getClass();
      Smallest smallest = SMALLEST.get(type);
      if (smallest == null) {
        throw new AssertionError(type.getName() + " has no smallest valid configuration in "
            + "ConnectorConfigValidationTest.SMALLEST: add it, so that the checks every connector gets check it too");
      }
      return Arguments.of(supplier(type), smallest.config(), smallest.table());
    });
  }

  /** {@link #connectors()} that have an override table (the third argument). */
  static Stream<Arguments> tables() {
    return connectors().filter(a -> a.get()[2] != null);
  }

  private static Supplier<SourceConnector> supplier(Class<? extends SourceConnector> type) {
    return () -> {
      try {
        return type.getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  @ParameterizedTest
  @MethodSource("connectors")
  void shouldStartAndValidateWithoutAnErrorWhenGivenTheSmallestValidConfiguration(Supplier<SourceConnector> connector,
      Map<String, String> base, String table) {
    connector.get().start(base);
    assertThat(connector.get().validate(base).configValues()).allSatisfy(v -> assertThat(v.errorMessages())
        .as(v.name()).isEmpty());
  }

  static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> p = new HashMap<>(base);
    p.put(key, value);
    return p;
  }

  @ParameterizedTest
  @MethodSource("tables")
  void shouldFailConnectorStartNamingTheKeyWhenAnOverrideTableCannotBeRead(Supplier<SourceConnector> connector,
      Map<String, String> base, String key) {
    Map<String, String> props = with(base, key, dir.resolve("missing.csv").toString());
    assertThatThrownBy(() -> connector.get().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(key).hasMessageContaining("missing.csv").hasMessageContaining("cannot be read");
  }

  @ParameterizedTest
  @MethodSource("tables")
  void shouldFailConnectorStartNamingTheKeyAndTheLineWhenAnOverrideTableHasABadEntry(Supplier<SourceConnector> connector,
      Map<String, String> base, String key) throws Exception {
    Path table = Files.writeString(dir.resolve("codes.csv"), "code,iso3,kind,name\n156,CHN,COUNTRY,China\n"
        + "United States,USA,CNTRY,US\n");
    assertThatThrownBy(() -> connector.get().start(with(base, key, table.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining(key)
        .hasMessageContaining("line 3").hasMessageContaining("kind must be one of [COUNTRY, GROUP, TOTAL]");
  }

  @ParameterizedTest
  @MethodSource("tables")
  void shouldReportABadOverrideTableOnItsKeyInValidate(Supplier<SourceConnector> connector, Map<String, String> base,
      String key) throws Exception {
    Path table = Files.writeString(dir.resolve("codes.csv"), "code,iso3,kind,name\n842,usa,COUNTRY,USA\n");
    ConfigValue value = connector.get().validate(with(base, key, table.toString())).configValues().stream()
        .filter(v -> v.name().equals(key)).findFirst().orElseThrow();
    assertThat(value.errorMessages()).singleElement().asString().contains("line 2").contains("alpha-3");
  }

  @ParameterizedTest
  @MethodSource("tables")
  void shouldAcceptAGoodOverrideTable(Supplier<SourceConnector> connector, Map<String, String> base, String key)
      throws Exception {
    Path table = Files.writeString(dir.resolve("codes.csv"), "# mine\ncode,iso3,kind,name\n156,CHN,COUNTRY,China\n"
        + "0,WLD,TOTAL,World\nAsia,,GROUP,Asia\n");
    connector.get().start(with(base, key, table.toString()));
  }

  @Test
  void shouldFailComextStartNamingTheFxTableWhenItCannotBeReadIsMalformedOrHasNoRateOfTheCurrency() throws Exception {
    Map<String, String> base = Map.of("comext.start.period", "2024-01");
    assertThatThrownBy(() -> new ComextSourceConnector().start(with(base, "comext.fx.table", "/nonexistent/fx.csv")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comext.fx.table").hasMessageContaining("cannot be read");
    Path bad = Files.writeString(dir.resolve("bad-fx.csv"), "period,currency,rate\n2025-05,USD,1.1278\n2025-13,JPY,163\n");
    assertThatThrownBy(() -> new ComextSourceConnector().start(with(base, "comext.fx.table", bad.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comext.fx.table").hasMessageContaining("line 3");
    Path yen = Files.writeString(dir.resolve("jpy.csv"), "period,currency,rate\n2025-05,JPY,163.5\n");
    assertThatThrownBy(() -> new ComextSourceConnector().start(with(base, "comext.fx.table", yen.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comext.fx.table").hasMessageContaining("no USD rate");
    Map<String, String> jpy = with(with(base, "comext.fx.table", yen.toString()), "comext.fx.currency", "JPY");
    new ComextSourceConnector().start(jpy);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1.1278", "NaN", "Infinity", "1e12", "0.00000001"})
  void shouldFailComextStartNamingTheFxTableAndTheAllowedRangeWhenARateIsNotAPlausibleRate(String rate)
      throws Exception {
    // 1e12 (or 1e-8) converted every figure of its month into a plausible-looking wrong one.
    Map<String, String> base = Map.of("comext.start.period", "2024-01");
    Path fx = Files.writeString(dir.resolve("fx.csv"), "period,currency,rate\n2025-05,USD,1.1278\n2025-06,USD," + rate
        + "\n");
    assertThatThrownBy(() -> new ComextSourceConnector().start(with(base, "comext.fx.table", fx.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comext.fx.table").hasMessageContaining("line 3")
        .hasMessageContaining("from 0.0001 to 10000000 units of the currency per 1 EUR");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0001", "0.3264", "16342.5", "10000000"})
  void shouldAcceptAnFxRateWithinTheAllowedRange(String rate) throws Exception {
    Path fx = Files.writeString(dir.resolve("fx.csv"), "period,currency,rate\n2025-05,USD," + rate + "\n");
    new ComextSourceConnector().start(with(Map.of("comext.start.period", "2024-01"), "comext.fx.table", fx.toString()));
  }

  @Test
  void shouldFailComextStartNamingBothLinesWhenTheFxTableGivesAMonthTwoDifferentRates() throws Exception {
    // The later line won silently: every May figure was converted at whichever rate came last in the file.
    Map<String, String> base = Map.of("comext.start.period", "2024-01");
    Path twice = Files.writeString(dir.resolve("fx.csv"),
        "period,currency,rate\n2025-05,USD,1.1278\n2025-06,USD,1.1520\n2025-05,usd,1.1347\n");
    assertThatThrownBy(() -> new ComextSourceConnector().start(with(base, "comext.fx.table", twice.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comext.fx.table")
        .hasMessageContaining("line 4 gives 2025-05 USD the rate 1.1347, line 2 the rate 1.1278");
    Path same = Files.writeString(dir.resolve("fx-same.csv"),
        "period,currency,rate\n2025-05,USD,1.1278\n2025-05,USD,1.12780\n2025-05,JPY,163.5\n");
    new ComextSourceConnector().start(with(base, "comext.fx.table", same.toString()));
  }

  /**
   * A records topic that is also the dead-letter topic put dead letters (no TradeRecords) on trade.records, where the
   * processor dead-lettered each of them again, and the launcher created the one topic with the records' settings.
   */
  @ParameterizedTest
  @MethodSource("connectors")
  void shouldRefuseADeadLetterTopicThatIsTheRecordsTopicNamingTheKey(Supplier<SourceConnector> connector,
      Map<String, String> base, String tableKey) {
    Map<String, String> same = with(with(base, "topic", "x.records"), "dlq.topic", "x.records");

    assertThatThrownBy(() -> connector.get().start(same)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("Invalid value x.records for configuration dlq.topic")
        .hasMessageContaining("is the records topic (topic)");
    assertThat(connector.get().validate(same).configValues().stream()
        .filter(v -> v.name().equals("dlq.topic")).findFirst().orElseThrow().errorMessages())
        .singleElement().asString().contains("is the records topic");
    connector.get().start(with(same, "dlq.topic", "x.dlq"));
  }

  /**
   * Connect's errors.tolerance=all made the worker drop a record it could not convert or write (a schema the registry
   * refused) and commit its offset: the row reached neither the records nor the dead-letter topic, and tradepulse
   * ingest reported the source complete. Every connector refuses it, in any case and with spaces around, as Connect
   * reads it (a trimmed string; the tolerance looked up ignoring case), and takes none.
   */
  @ParameterizedTest
  @MethodSource("connectors")
  void shouldRefuseErrorsToleranceAllAtStartAndInValidateNamingTheKeyTheAllowedValueAndWhy(
      Supplier<SourceConnector> connector, Map<String, String> base, String tableKey) {
    for (String all : List.of("all", "ALL", " All ")) {
      Map<String, String> props = with(base, "errors.tolerance", all);

      assertThatThrownBy(() -> connector.get().start(props)).as(all).isInstanceOf(ConfigException.class)
          .hasMessageContaining("Invalid value " + all + " for configuration errors.tolerance: must be none")
          .hasMessageContaining("drops a record it cannot convert or write")
          .hasMessageContaining("commits its source offset").hasMessageContaining("no dead letter");
      assertThat(connector.get().validate(props).configValues()).as(all)
          .filteredOn(v -> !v.errorMessages().isEmpty()).singleElement().satisfies(v -> {
            assertThat(v.name()).isEqualTo("errors.tolerance");
            assertThat(v.errorMessages()).singleElement().asString()
                .startsWith("Invalid value " + all + " for configuration errors.tolerance: must be none");
          });
    }
    Map<String, String> none = with(base, "errors.tolerance", "none");
    connector.get().start(none);
    assertThat(connector.get().validate(none).configValues()).allSatisfy(v -> assertThat(v.errorMessages())
        .as(v.name()).isEmpty());
  }

  static Stream<Arguments> duplicates() {
    Map<String, String> comtrade = Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401");
    Map<String, String> comextApi = Map.of("comext.start.period", "2024-01");
    Map<String, String> comextBulk = Map.of("comext.mode", "BULK", "comext.files", "/data/a.csv");
    Map<String, String> census = Map.of("census.start.month", "2024-01");
    Supplier<SourceConnector> ct = ComtradeSourceConnector::new;
    Supplier<SourceConnector> cx = ComextSourceConnector::new;
    Supplier<SourceConnector> cs = CensusSourceConnector::new;
    return Stream.of(
        Arguments.of(ct, comtrade, "comtrade.reporters", "156,842,156"),
        Arguments.of(ct, comtrade, "comtrade.partners", "842,0,842"),
        Arguments.of(ct, comtrade, "comtrade.cmd.codes", "TOTAL,TOTAL"),
        Arguments.of(cx, comextApi, "comext.reporters", "EU27_2020,DE,EU27_2020"),
        Arguments.of(cx, comextApi, "comext.partners", "CN,CN"),
        Arguments.of(cx, comextApi, "comext.products", "TOTAL,TOTAL"),
        Arguments.of(cx, comextBulk, "comext.files", "/data/a.csv,/data/a.csv"),
        Arguments.of(cs, census, "census.commodities", "72*,8703,72*"));
  }

  @ParameterizedTest
  @MethodSource("duplicates")
  void shouldRejectAListThatNamesAnEntryTwiceNamingTheKey(Supplier<SourceConnector> connector, Map<String, String> base,
      String key, String value) {
    String twice = value.substring(value.lastIndexOf(',') + 1);
    assertThatThrownBy(() -> connector.get().start(with(base, key, value))).isInstanceOf(ConfigException.class)
        .hasMessageContaining(key).hasMessageContaining("lists '" + twice + "' twice");
    assertThat(connector.get().validate(with(base, key, value)).configValues().stream()
        .filter(v -> v.name().equals(key)).findFirst().orElseThrow().errorMessages()).isNotEmpty();
  }

  static Stream<Arguments> fixedValueAndLocationLists() {
    Map<String, String> comtrade = Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401");
    Supplier<SourceConnector> file = io.tradepulse.connect.file.FileSourceConnector::new;
    return Stream.of(
        Arguments.of((Supplier<SourceConnector>) GaccSourceConnector::new, Map.of(), "gacc.tables",
            "/data/t.csv,/data/t.csv"),
        Arguments.of(file, Map.of("file.source.name", "X"), "file.paths", "x.csv,y.csv,x.csv"),
        Arguments.of((Supplier<SourceConnector>) CensusSourceConnector::new, Map.of("census.start.month", "2024-01"),
            "census.flows", "EXPORT,EXPORT"),
        Arguments.of((Supplier<SourceConnector>) ComextSourceConnector::new, Map.of("comext.start.period", "2024-01"),
            "comext.flows", "IMPORT,IMPORT"),
        Arguments.of((Supplier<SourceConnector>) ComtradeSourceConnector::new, comtrade, "comtrade.flows", "X,M,X"));
  }

  /**
   * These keys used Kafka's ValidList: a start removed a duplicate with a WARN, but Connect's validate, which the
   * worker, the standalone herder and tradepulse ingest run first, refused it with "values must not be duplicated",
   * naming no entry. Each is refused now, at start and in validate, naming the entry.
   */
  @ParameterizedTest
  @MethodSource("fixedValueAndLocationLists")
  void shouldRefuseAFixedValueOrLocationListThatNamesAnEntryTwiceNamingTheEntryAtStartAndInValidate(
      Supplier<SourceConnector> connector, Map<String, String> base, String key, String value) {
    String twice = value.substring(value.lastIndexOf(',') + 1);
    Map<String, String> props = with(base, key, value);
    assertThatThrownBy(() -> connector.get().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(key).hasMessageContaining("lists '" + twice + "' twice");
    assertThat(connector.get().validate(props).configValues()).filteredOn(v -> v.name().equals(key)).singleElement()
        .satisfies(v -> assertThat(v.errorMessages()).singleElement().asString().contains("lists '" + twice + "' twice"));
  }

  @Test
  void shouldReadAFixedValueListWithoutARepeatedEntryAsBeforeAndRefuseAnUnknownValueNamingTheAllowedOnes() {
    Map<String, String> comtrade = Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401");
    assertThat(new ComtradeConfig(with(comtrade, "comtrade.flows", "X,M")).flows()).containsExactly("X", "M");
    assertThatThrownBy(() -> new CensusSourceConnector().start(Map.of("census.start.month", "2024-01",
        "census.flows", "EXPORT,SHIP"))).isInstanceOf(ConfigException.class).hasMessageContaining("census.flows")
        .hasMessageContaining("SHIP").hasMessageContaining("IMPORT");
  }

  /**
   * The free preview returns at most 500 records per call whatever maxRecords says, and a page is taken as cut only
   * once it reaches maxRecords: with the default 100000, every page cut at 500 was taken as complete.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"https://comtradeapi.un.org/public/v1/preview",
      "https://comtradeapi.un.org/public/v1/preview/", "http://proxy.example/comtrade/public/v1/preview"})
  void shouldRefuseMoreThan500MaxRecordsWithThePreviewEndpointNamingTheKeyAndTheRange(String preview) {
    Map<String, String> base = with(Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401"),
        "comtrade.base.url", preview);

    assertThatThrownBy(() -> new ComtradeSourceConnector().start(base)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("comtrade.max.records").hasMessageContaining("[1,...,500]")
        .hasMessageContaining("100000");
    assertThatThrownBy(() -> new ComtradeSourceConnector().start(with(base, "comtrade.max.records", "501")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comtrade.max.records");
    assertThat(new ComtradeSourceConnector().validate(base).configValues().stream()
        .filter(v -> v.name().equals("comtrade.max.records")).findFirst().orElseThrow().errorMessages())
        .singleElement().asString().contains("comtrade.max.records").contains("[1,...,500]");
    Map<String, String> onePeriod = with(base, "comtrade.periods.per.call", "1");
    new ComtradeSourceConnector().start(with(onePeriod, "comtrade.max.records", "500"));
    assertThat(new ComtradeConfig(with(onePeriod, "comtrade.max.records", "500")).maxRecordsLimit()).isEqualTo(500);
  }

  /**
   * The free preview answers a call for more than one period with HTTP 400 "Maximum number of periods for preview is
   * 1": start accepted the default 12, and the task failed at its first call.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"https://comtradeapi.un.org/public/v1/preview",
      "http://proxy.example/comtrade/public/v1/preview/"})
  void shouldRefuseMoreThanOnePeriodPerCallWithThePreviewEndpointNamingTheKeyAndTheValueAllowed(String preview) {
    Map<String, String> base = with(Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401",
        "comtrade.max.records", "500"), "comtrade.base.url", preview);

    assertThatThrownBy(() -> new ComtradeSourceConnector().start(base)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("comtrade.periods.per.call").hasMessageContaining("must be 1")
        .hasMessageContaining("Maximum number of periods for preview is 1");
    assertThat(new ComtradeSourceConnector().validate(base).configValues().stream()
        .filter(v -> v.name().equals("comtrade.periods.per.call")).findFirst().orElseThrow().errorMessages())
        .singleElement().asString().contains("comtrade.periods.per.call").contains("must be 1");
    new ComtradeSourceConnector().start(with(base, "comtrade.periods.per.call", "1"));
    new ComtradeSourceConnector().start(with(with(base, "comtrade.base.url", "https://comtradeapi.un.org/data/v1/get"),
        "comtrade.periods.per.call", "12"));
  }

  /** A typo in one of the connector's own keys fell back to the default silently: every partner for comext.partner. */
  @ParameterizedTest
  @MethodSource("tables")
  void shouldFailStartAndValidateNamingAnUnknownOwnKeyAndTheClosestKnownOneButLeaveConnectsKeysAlone(
      Supplier<SourceConnector> connector, Map<String, String> base, String table) {
    String prefix = table.substring(0, table.indexOf('.') + 1);
    String typo = table.substring(0, table.length() - 1); // census.country.tabl
    Map<String, String> withTypo = with(base, typo, "/data/t.csv");

    assertThatThrownBy(() -> connector.get().start(withTypo)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(typo).hasMessageContaining("did you mean '" + table + "'")
        .satisfies(e -> assertThat(e.getMessage()).as("a misspelt key may hold a secret").doesNotContain("/data/t.csv"));
    assertThatThrownBy(() -> connector.get().start(with(base, "http.timout.ms", "1000")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http.timout.ms")
        .hasMessageContaining("did you mean 'http.timeout.ms'");
    assertThat(connector.get().validate(withTypo).configValues()).filteredOn(v -> v.name().equals(typo))
        .singleElement().satisfies(v -> assertThat(v.errorMessages()).singleElement().asString().contains(prefix));

    // Connect's and the worker's keys, and other connectors' prefixes, are not this connector's to judge.
    Map<String, String> connects = new HashMap<>(base);
    connects.putAll(Map.of("name", "c", "connector.class", "x", "tasks.max", "1", "transforms", "t",
        "transforms.t.type", "x", "errors.tolerance", "none", "value.converter", "x", "other.key", "1"));
    connector.get().start(connects);
    assertThat(connector.get().validate(connects).configValues()).allSatisfy(v -> assertThat(v.errorMessages())
        .as(v.name()).isEmpty());
  }

  @Test
  void shouldReportMissingComtradeReportersInValidateInsteadOfThrowing() {
    assertThat(new ComtradeSourceConnector().validate(Map.of("comtrade.start.period", "202401")).configValues())
        .filteredOn(v -> v.name().equals("comtrade.reporters")).singleElement()
        .satisfies(v -> assertThat(v.errorMessages()).singleElement().asString().contains("comtrade.reporters"));
  }

  @Test
  void shouldFailFileStartNamingAnUnknownFieldKey() {
    assertThatThrownBy(() -> new io.tradepulse.connect.file.FileSourceConnector().start(Map.of(
        "file.paths", "/data/x.csv", "file.source.name", "X", "field.reporter", "r", "field.partner", "p",
        "field.flow", "f", "field.commodity", "c", "field.period", "m", "field.valu", "v")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("field.valu")
        .hasMessageContaining("did you mean 'field.value'");
  }

  @Test
  void shouldAcceptTheFullMaxRecordsRangeWithTheDataApi() {
    Map<String, String> base = Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401");
    new ComtradeSourceConnector().start(with(base, "comtrade.max.records", "100000"));
    new ComtradeSourceConnector().start(with(with(base, "comtrade.base.url",
        "https://comtradeapi.un.org/data/v1/get"), "comtrade.max.records", "100000"));
    assertThat(new ComtradeConfig(base).maxRecordsLimit()).isEqualTo(100_000);
    assertThat(new ComtradeSourceConnector().validate(base).configValues().stream()
        .allMatch(v -> v.errorMessages().isEmpty())).isTrue();
  }

  @Test
  void shouldRefuseAnUnknownQuotaExhaustedValueNamingTheKeyAndTheAllowedValues() {
    Map<String, String> base = Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401");
    assertThatThrownBy(() -> new ComtradeSourceConnector().start(with(base, "comtrade.quota.exhausted", "STOP")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comtrade.quota.exhausted")
        .hasMessageContaining("WAIT, FAIL");
    assertThat(new ComtradeConfig(base).quotaExhausted()).isEqualTo(ComtradeConfig.QuotaExhausted.WAIT);
  }

  static Stream<Arguments> badRetryAfterMaxima() {
    return connectors().flatMap(a -> Stream.of("0", "999", "604800001", "1h")
        .map(v -> Arguments.of(a.get()[0], a.get()[1], v)));
  }

  /** Under a second would ignore what servers ask (Retry-After counts seconds); over a week, a task silent for longer. */
  @ParameterizedTest
  @MethodSource("badRetryAfterMaxima")
  void shouldFailStartNamingTheKeyWhenHttpRetryAfterMaxIsOutOfRange(Supplier<SourceConnector> connector,
      Map<String, String> base, String value) {
    assertThatThrownBy(() -> connector.get().start(with(base, "http.retry.after.max.ms", value)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http.retry.after.max.ms")
        .hasMessageContaining(value);
  }

  @Test
  void shouldHonourRetryAfterForADayByDefaultAndAsLongAsConfigured() {
    Map<String, String> base = Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401");
    assertThat(new ComtradeConfig(base).backoff().retryAfterMax()).isEqualTo(java.time.Duration.ofDays(1));
    assertThat(new ComtradeConfig(with(base, "http.retry.after.max.ms", "604800000")).backoff().retryAfterMax())
        .isEqualTo(java.time.Duration.ofDays(7));
  }

  static Stream<Arguments> badLongRetryAfterValues() {
    return connectors().flatMap(a -> Stream.of("STOP", "fail", "")
        .map(v -> Arguments.of(a.get()[0], a.get()[1], v)));
  }

  /** Every connector: an unknown value fails the start naming the key and the allowed values, as Connect's validate. */
  @ParameterizedTest
  @MethodSource("badLongRetryAfterValues")
  void shouldFailStartNamingTheKeyAndTheAllowedValuesWhenHttpRetryAfterLongIsUnknown(
      Supplier<SourceConnector> connector, Map<String, String> base, String value) {
    Map<String, String> props = with(base, "http.retry.after.long", value);
    assertThatThrownBy(() -> connector.get().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.retry.after.long").hasMessageContaining("WAIT, FAIL");
    assertThat(connector.get().validate(props).configValues().stream()
        .filter(v -> v.name().equals("http.retry.after.long")).findFirst().orElseThrow().errorMessages())
        .singleElement().asString().contains("WAIT, FAIL");
  }

  @Test
  void shouldWaitForALongRetryAfterByDefaultAndFailWhenConfigured() {
    Map<String, String> base = Map.of("comtrade.reporters", "156", "comtrade.start.period", "202401");
    assertThat(new ComtradeConfig(base).backoff().longRetryAfter()).isEqualTo(TradeSourceConfig.LongRetryAfter.WAIT);
    assertThat(new ComtradeConfig(with(base, "http.retry.after.long", "FAIL")).backoff().longRetryAfter())
        .isEqualTo(TradeSourceConfig.LongRetryAfter.FAIL);
  }
}
