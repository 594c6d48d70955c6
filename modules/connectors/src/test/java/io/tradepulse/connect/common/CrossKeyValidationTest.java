package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tradepulse.connect.census.CensusSourceConnector;
import io.tradepulse.connect.comext.ComextConfig;
import io.tradepulse.connect.comext.ComextSourceConnector;
import io.tradepulse.connect.comtrade.ComtradeSourceConnector;
import io.tradepulse.connect.file.FileConfig;
import io.tradepulse.connect.file.FileSourceConnector;
import io.tradepulse.connect.gacc.GaccSourceConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

/**
 * The rules across keys that a connector's start enforces (comext.files when comext.mode=BULK, a complete file
 * mapping, ...) show in its validate, on the key to fix, with start's words: Connect's validate (and tradepulse
 * ingest's check before anything starts) said "no errors" for settings the connector then refused at start.
 */
class CrossKeyValidationTest {
  private static final String INCOMPLETE = "File source mapping incomplete, set: ";

  @TempDir Path dir;

  /** Each key's error messages, keys without errors left out. */
  private static Map<String, List<String>> errors(SourceConnector connector, Map<String, String> props) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (ConfigValue v : connector.validate(props).configValues()) {
      if (!v.errorMessages().isEmpty()) {
        out.put(v.name(), v.errorMessages());
      }
    }
    return out;
  }

  private static Map<String, String> props(String... keyValues) {
    Map<String, String> p = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      p.put(keyValues[i], keyValues[i + 1]);
    }
    return p;
  }

  /** A mapping of every part a row needs, by column. */
  private static Map<String, String> fileMapping() {
    return props("file.paths", "/data/x.csv", "field.reporter", "r", "field.partner", "p", "field.flow", "f",
        "field.commodity", "c", "field.period", "m", "field.value", "v", "default.vintage", "2025-05",
        "default.publishedAt", "2025-06-20");
  }

  private Path usdRates() throws Exception {
    return Files.writeString(dir.resolve("fx.csv"), "period,currency,rate\n2025-05,USD,1.1278\n");
  }

  @Test
  void shouldReportMissingFilesInValidateWhenModeIsBulk() {
    Map<String, String> bulk = props("comext.mode", "BULK");
    assertThat(errors(new ComextSourceConnector(), bulk)).containsOnlyKeys("comext.files")
        .extractingByKey("comext.files").asList().singleElement().asString()
        .contains("comext.files").contains("must list at least one file when comext.mode=BULK");
    assertThat(errors(new ComextSourceConnector(), props("comext.mode", "BULK", "comext.files", "/data/a.csv")))
        .isEmpty();
  }

  @Test
  void shouldReportMissingStartPeriodInValidateWhenModeIsApi() {
    assertThat(errors(new ComextSourceConnector(), props("comext.partners", "CN")))
        .containsOnlyKeys("comext.start.period")
        .extractingByKey("comext.start.period").asList().singleElement().asString()
        .isEqualTo("Invalid value  for configuration comext.start.period: is required when comext.mode=API "
            + "(a month yyyy-MM)");
  }

  @Test
  void shouldReportEmptyReportersInValidateWhenModeIsApi() {
    assertThat(errors(new ComextSourceConnector(), props("comext.start.period", "2024-01", "comext.reporters", "")))
        .containsOnlyKeys("comext.reporters").extractingByKey("comext.reporters").asList().singleElement().asString()
        .contains("must list at least one reporter when comext.mode=API");
    // BULK reads every reporter of the files when the list is empty.
    assertThat(errors(new ComextSourceConnector(), props("comext.mode", "BULK", "comext.files", "/data/a.csv",
        "comext.reporters", ""))).isEmpty();
  }

  @Test
  void shouldReportAnFxTableWithoutRatesOfTheCurrencyInValidateOnTheFxTableKey() throws Exception {
    Map<String, String> yen = props("comext.start.period", "2024-01", "comext.fx.table", usdRates().toString(),
        "comext.fx.currency", "JPY");
    assertThat(errors(new ComextSourceConnector(), yen)).containsOnlyKeys("comext.fx.table")
        .extractingByKey("comext.fx.table").asList().singleElement().asString().contains("has no JPY rate");
    yen.put("comext.fx.currency", "USD");
    assertThat(errors(new ComextSourceConnector(), yen)).isEmpty();
  }

  @Test
  void shouldLeaveTheModeRulesOutOfValidateWhenTheModeIsInvalid() {
    // "bulk" is no mode: judged as not BULK, it would ask for an API start month the user never meant to give.
    assertThat(errors(new ComextSourceConnector(), props("comext.mode", "bulk", "comext.files", "/data/a.csv")))
        .containsOnlyKeys("comext.mode");
  }

  @Test
  void shouldLeaveTheFxRateRuleOutOfValidateWhenTheCurrencyIsInvalid() throws Exception {
    assertThat(errors(new ComextSourceConnector(), props("comext.start.period", "2024-01", "comext.fx.table",
        usdRates().toString(), "comext.fx.currency", "EUR"))).containsOnlyKeys("comext.fx.currency");
  }

  @Test
  void shouldReportEachMissingMappingPartInValidateOnItsFieldKey() {
    // In the order the keys are defined, which tradepulse ingest lists them in (ConfigDef.validate's is a HashMap's).
    assertThat(errors(new FileSourceConnector(), props("file.paths", "/data/x.csv"))).containsExactly(
        Map.entry("field.reporter", List.of(INCOMPLETE + "field.reporter or default.reporter")),
        Map.entry("field.partner", List.of(INCOMPLETE + "field.partner or default.partner")),
        Map.entry("field.flow", List.of(INCOMPLETE + "field.flow or default.flow")),
        Map.entry("field.commodity", List.of(INCOMPLETE + "field.commodity or default.commodity")),
        Map.entry("field.period", List.of(INCOMPLETE + "field.period (or field.year and field.month)")),
        Map.entry("field.vintage", List.of(INCOMPLETE + "field.vintage or default.vintage")),
        Map.entry("field.publishedAt", List.of(INCOMPLETE + "field.publishedAt or default.publishedAt")));
  }

  @Test
  void shouldReportOnlyTheMissingMappingPartsInValidateWhenTheOthersAreGivenByColumnOrConstant() {
    Map<String, String> props = fileMapping();
    props.remove("field.period");
    props.remove("default.publishedAt");
    props.put("field.year", "y");
    assertThat(errors(new FileSourceConnector(), props)).containsOnlyKeys("field.period", "field.publishedAt");
    props.put("field.month", "mo");
    props.put("field.publishedAt", "released");
    assertThat(errors(new FileSourceConnector(), props)).isEmpty();
  }

  @Test
  void shouldReportACommodityFilterThatMatchesNoCodeOfTheLevelInValidate() {
    Map<String, String> props = props("census.start.month", "2024-01", "census.commodities", "72*,8703");
    assertThat(errors(new CensusSourceConnector(), props)).containsOnlyKeys("census.commodities")
        .extractingByKey("census.commodities").asList().singleElement().asString()
        .contains("'8703' matches no HS2 code").contains("'8703*'");
    props.put("census.comm.lvl", "HS4");
    assertThat(errors(new CensusSourceConnector(), props)).isEmpty();
  }

  @Test
  void shouldLeaveTheCommodityLevelRuleOutOfValidateWhenTheLevelIsInvalid() {
    assertThat(errors(new CensusSourceConnector(), props("census.start.month", "2024-01", "census.comm.lvl", "HS3",
        "census.commodities", "8703"))).containsOnlyKeys("census.comm.lvl");
  }

  /** Settings of every connector, valid and not, around the rules across keys; {fx} is a table of USD rates. */
  static Stream<Arguments> settings() {
    Supplier<SourceConnector> comext = ComextSourceConnector::new;
    Supplier<SourceConnector> census = CensusSourceConnector::new;
    Supplier<SourceConnector> comtrade = ComtradeSourceConnector::new;
    Supplier<SourceConnector> file = FileSourceConnector::new;
    Supplier<SourceConnector> gacc = GaccSourceConnector::new;
    String preview = "https://comtradeapi.un.org/public/v1/preview";
    Map<String, String> mapping = fileMapping();
    Map<String, String> withoutPeriod = new HashMap<>(mapping);
    withoutPeriod.remove("field.period");
    withoutPeriod.remove("default.publishedAt");
    Map<String, String> yearMonth = new HashMap<>(mapping);
    yearMonth.remove("field.period");
    yearMonth.putAll(props("field.year", "y", "field.month", "mo"));
    Map<String, String> yearOnly = new HashMap<>(mapping);
    yearOnly.remove("field.period");
    yearOnly.put("field.year", "y");
    Map<String, String> badConstant = new HashMap<>(mapping);
    badConstant.remove("field.reporter");
    badConstant.put("default.reporter", "China");
    return Stream.of(
        Arguments.of(comext, props()),
        Arguments.of(comext, props("comext.start.period", "2024-01")),
        Arguments.of(comext, props("comext.start.period", "2024-01", "comext.reporters", "")),
        Arguments.of(comext, props("comext.reporters", "")),
        Arguments.of(comext, props("comext.mode", "BULK")),
        Arguments.of(comext, props("comext.mode", "BULK", "comext.files", "/data/a.csv")),
        Arguments.of(comext, props("comext.mode", "BULK", "comext.files", "/data/a.csv", "comext.reporters", "")),
        Arguments.of(comext, props("comext.mode", "bulk", "comext.files", "/data/a.csv")),
        Arguments.of(comext, props("comext.start.period", "2024-01", "comext.fx.table", "{fx}")),
        Arguments.of(comext, props("comext.start.period", "2024-01", "comext.fx.table", "{fx}", "comext.fx.currency",
            "JPY")),
        Arguments.of(comext, props("comext.start.period", "2024-01", "comext.fx.table", "{fx}", "comext.fx.currency",
            "EUR")),
        Arguments.of(comext, props("comext.mode", "BULK", "comext.fx.table", "{fx}", "comext.fx.currency", "JPY")),
        Arguments.of(census, props("census.start.month", "2024-01")),
        Arguments.of(census, props("census.start.month", "2024-01", "census.commodities", "8703")),
        Arguments.of(census, props("census.start.month", "2024-01", "census.commodities", "8703",
            "census.comm.lvl", "HS4")),
        Arguments.of(census, props("census.start.month", "2024-01", "census.commodities", "8703",
            "census.comm.lvl", "HS3")),
        Arguments.of(census, props("census.start.month", "2024-01", "census.commodities", "8703",
            "census.comm.lvl", "TOTAL")),
        Arguments.of(comtrade, props("comtrade.reporters", "156", "comtrade.start.period", "202401")),
        Arguments.of(comtrade, props("comtrade.reporters", "156", "comtrade.start.period", "202401",
            "comtrade.base.url", preview)),
        Arguments.of(comtrade, props("comtrade.reporters", "156", "comtrade.start.period", "202401",
            "comtrade.base.url", preview, "comtrade.max.records", "500")),
        Arguments.of(comtrade, props("comtrade.reporters", "156", "comtrade.start.period", "202401",
            "comtrade.base.url", preview, "comtrade.max.records", "0")),
        Arguments.of(comtrade, props("comtrade.reporters", "156", "comtrade.start.period", "202401",
            "comtrade.base.url", preview, "comtrade.max.records", "500", "comtrade.periods.per.call", "1")),
        Arguments.of(comtrade, props("comtrade.reporters", "156", "comtrade.start.period", "202401",
            "comtrade.base.url", preview, "comtrade.max.records", "500", "comtrade.periods.per.call", "2")),
        Arguments.of(file, props("file.paths", "/data/x.csv")),
        Arguments.of(file, mapping),
        Arguments.of(file, withoutPeriod),
        Arguments.of(file, yearMonth),
        Arguments.of(file, yearOnly),
        Arguments.of(file, badConstant),
        Arguments.of(gacc, props("gacc.tables", "/data/t.csv")),
        Arguments.of(gacc, props("gacc.tables", "/data/t.csv", "gacc.release.day", "29")));
  }

  /**
   * For each of {@link #settings()}: start fails exactly when validate reports an error, and with validate's words:
   * one of its messages, or for an incomplete file mapping the parts validate reports on their keys.
   */
  @ParameterizedTest
  @MethodSource("settings")
  void shouldFailStartExactlyWhenValidateReportsAnErrorAndInItsWords(Supplier<SourceConnector> connector,
      Map<String, String> settings) throws Exception {
    Map<String, String> props = new HashMap<>(settings);
    String fx = usdRates().toString();
    props.replaceAll((k, v) -> v.equals("{fx}") ? fx : v);
    List<String> validateSays = errors(connector.get(), props).values().stream().flatMap(List::stream).toList();

    Throwable startSays = catchThrowable(() -> connector.get().start(props));

    if (validateSays.isEmpty()) {
      assertThat(startSays).as("start of settings validate accepts").isNull();
    } else if (startSays instanceof ConfigException e && e.getMessage().startsWith(INCOMPLETE)) {
      assertThat(Arrays.asList(e.getMessage().substring(INCOMPLETE.length()).split("; ")))
          .containsExactlyInAnyOrderElementsOf(
              validateSays.stream().map(m -> m.substring(INCOMPLETE.length())).toList());
    } else {
      assertThat(startSays).as("start of settings validate refuses: %s", validateSays)
          .isInstanceOf(ConfigException.class);
      boolean byTheRules = Arrays.stream(startSays.getStackTrace()).anyMatch(f ->
          f.getClassName().equals(CrossKeyRules.class.getName()) && f.getMethodName().equals("check"));
      if (byTheRules) {
        // No key has an error of its own: every problem validate reports, in one message.
        assertThat(problemsNamed(startSays.getMessage(), validateSays)).containsExactlyInAnyOrderElementsOf(validateSays);
      } else {
        // A key's own error stops start at Kafka's parse of the settings, before any rule across keys is checked.
        assertThat(validateSays).contains(startSays.getMessage());
      }
    }
  }

  /**
   * The messages of {@code candidates} that {@code message} is made of, joined by {@link CrossKeyRules#SEPARATOR}
   * (in its order); the message itself when it is not such a join.
   */
  private static List<String> problemsNamed(String message, List<String> candidates) {
    List<String> named = new ArrayList<>();
    String rest = message;
    while (!rest.isEmpty()) {
      String tail = rest;
      String next = candidates.stream().filter(c -> tail.equals(c) || tail.startsWith(c + CrossKeyRules.SEPARATOR))
          .findFirst().orElse(null);
      if (next == null) {
        return List.of(message);
      }
      named.add(next);
      rest = rest.substring(Math.min(rest.length(), next.length() + CrossKeyRules.SEPARATOR.length()));
    }
    return named;
  }

  /**
   * Start (the configuration's constructor) failed with the first problem across keys only: a user fixed it, started
   * again, and only then learnt of the next one, which validate had reported all along. One exception names them all,
   * the first one's message first and as it was.
   */
  @Test
  void shouldFailAtConstructionNamingEveryKeyWhenTwoRulesAcrossKeysAreBroken() {
    // API mode with neither a start month nor reporters: two of ComextConfig's rules.
    Map<String, String> props = props("comext.reporters", "");
    List<String> validateSays = errors(new ComextSourceConnector(), props).values().stream().flatMap(List::stream)
        .toList();

    Throwable thrown = catchThrowable(() -> new ComextConfig(props));

    assertThat(thrown).isInstanceOf(ConfigException.class);
    assertThat(thrown.getMessage())
        .startsWith("Invalid value  for configuration comext.start.period: is required when comext.mode=API")
        .contains("comext.reporters").contains("must list at least one reporter when comext.mode=API");
    assertThat(problemsNamed(thrown.getMessage(), validateSays)).as("validate's messages, in one")
        .containsExactly(validateSays.stream().filter(m -> m.contains("comext.start.period")).findFirst().orElseThrow(),
            validateSays.stream().filter(m -> m.contains("comext.reporters")).findFirst().orElseThrow());
  }

  /**
   * The rule every connector shares (dlq.topic not the records topic) was checked by the common configuration's
   * constructor before the connector's own rules: settings breaking both were refused for the dead-letter topic only.
   */
  @Test
  void shouldNameTheSharedAndTheConnectorsOwnProblemsTogetherAtStart() {
    Map<String, String> comext = props("comext.partners", "CN", "dlq.topic", "trade.records");
    assertThat(catchThrowable(() -> new ComextConfig(comext))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Invalid value trade.records for configuration dlq.topic: is the records topic")
        .hasMessageContaining("comext.start.period");

    Map<String, String> file = props("file.paths", "/data/x.csv", "field.reporter", "r", "topic", "t", "dlq.topic",
        "t");
    assertThat(catchThrowable(() -> new FileConfig(file))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Invalid value t for configuration dlq.topic: is the records topic")
        .hasMessageContaining(INCOMPLETE + "field.partner or default.partner; field.flow or default.flow");
    assertThat(errors(new FileSourceConnector(), file)).containsKeys("dlq.topic", "field.partner", "field.flow");
  }

  /**
   * errors.tolerance is Connect's key, not the connector's, yet a rule every connector shares reads it: settings that
   * also break a rule of the connector's own are refused for both at start, in validate's words, and validate puts
   * each on its key.
   */
  @Test
  void shouldNameErrorsToleranceAllTogetherWithTheConnectorsOwnProblemAtStartAndInValidate() {
    Map<String, String> props = props("comext.mode", "BULK", "errors.tolerance", " all");
    Map<String, List<String>> validateSays = errors(new ComextSourceConnector(), props);

    Throwable thrown = catchThrowable(() -> new ComextSourceConnector().start(props));

    assertThat(validateSays).containsOnlyKeys("comext.files", "errors.tolerance");
    assertThat(thrown).isInstanceOf(ConfigException.class);
    List<String> messages = validateSays.values().stream().flatMap(List::stream).toList();
    assertThat(problemsNamed(thrown.getMessage(), messages)).containsExactlyInAnyOrderElementsOf(messages);
  }
}
