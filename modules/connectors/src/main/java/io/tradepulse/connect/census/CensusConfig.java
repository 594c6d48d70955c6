package io.tradepulse.connect.census;

import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.CrossKeyRules;
import io.tradepulse.connect.common.TradeSourceConfig;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Configuration of {@link CensusSourceConnector}. */
public final class CensusConfig extends TradeSourceConfig {
  public static final String GROUP = "Census";

  public static final String BASE_URL_CONFIG = "census.base.url";
  public static final String BASE_URL_DOC = "Base URL of the International Trade API time series; the task appends "
      + "/exports/hs or /imports/hs.";
  public static final String BASE_URL_DEFAULT = "https://api.census.gov/data/timeseries/intltrade";

  public static final String FLOWS_CONFIG = "census.flows";
  public static final String FLOWS_DOC = "Datasets to read: EXPORT (exports/hs, ALL_VAL_MO) and/or IMPORT (imports/hs).";
  public static final String FLOWS_DEFAULT = "EXPORT,IMPORT";

  public static final String COMM_LVL_CONFIG = "census.comm.lvl";
  public static final String COMM_LVL_DOC = "HS level (COMM_LVL). TOTAL asks for all commodities (no commodity variable, "
      + "commodity=TOTAL).";
  public static final String COMM_LVL_DEFAULT = "HS2";

  public static final String COMMODITIES_CONFIG = "census.commodities";
  public static final String COMMODITIES_DOC = "Commodity filters (E_COMMODITY/I_COMMODITY), 2-10 digits with an optional "
      + "trailing * wildcard, e.g. 72*,8703 with census.comm.lvl=HS4: a code without * has the digits of the level, a "
      + "prefix with * at most as many. Each filter is its own source partition. Empty = all commodities of the level.";
  public static final String COMMODITIES_DEFAULT = "";

  public static final String API_KEY_CONFIG = "census.api.key";
  public static final String API_KEY_DOC = "Optional Census API key (sent as key=...; never logged or put in sourceRef).";

  public static final String IMPORT_VALUE_CONFIG = "census.import.value";
  public static final String IMPORT_VALUE_DOC = "Import value variable: GEN (general imports, GEN_VAL_MO) or CON "
      + "(imports for consumption, CON_VAL_MO). The series key does not carry it: feed one of the two into a "
      + "trade.records topic, or a GEN and a CON connector overwrite each other's import figures (the newer "
      + "publication wins per month).";
  public static final String IMPORT_VALUE_DEFAULT = "GEN";

  public static final String START_MONTH_CONFIG = "census.start.month";
  public static final String START_MONTH_DOC = "First month (yyyy-MM) to read when no offset is stored.";

  public static final String LOOKBACK_CONFIG = "census.lookback.months";
  public static final String LOOKBACK_DOC = "Months before the newest released one that are re-fetched to pick up "
      + "revisions. Country/commodity detail of the whole previous year is revised each June, with April's figures: "
      + "the default 15 reaches back from that April to January of the revised year (12 stopped at its April). Only "
      + "months whose payload changed are re-emitted.";
  // Not 12: the June annual revision comes with April (newest month), and April minus 12 leaves January to March of
  // the revised year out of the window for good.
  public static final int LOOKBACK_DEFAULT = 15;

  public static final String REVISION_INTERVAL_CONFIG = "census.revision.check.interval.ms";
  public static final String REVISION_INTERVAL_DOC = "How often the look-back window is re-fetched.";
  public static final long REVISION_INTERVAL_DEFAULT = 86_400_000L;

  public static final String RELEASE_LAG_CONFIG = "census.release.lag.days";
  public static final String RELEASE_LAG_DOC = "Days after the end of a month at which its FT-900 release is assumed to "
      + "be published (08:30 America/New_York); gives publishedAt a deterministic value, since the API does not "
      + "return a release date. The vintage is 'FT-900 yyyy-MM' of the release that carried the figure.";
  public static final int RELEASE_LAG_DEFAULT = 35;

  public static final String COUNTRY_TABLE_CONFIG = "census.country.table";
  public static final String COUNTRY_TABLE_DOC = "Optional CSV (code,iso3,kind,name) replacing the shipped Schedule C -> "
      + "ISO alpha-3 table.";

  public static final ConfigDef CONFIG_DEF = define();

  private static ConfigDef define() {
    int o = 0;
    return commonDef(new ConfigDef())
        .define(BASE_URL_CONFIG, Type.STRING, BASE_URL_DEFAULT, new ConfigDef.NonEmptyString(), Importance.LOW,
            BASE_URL_DOC, GROUP, ++o, ConfigDef.Width.LONG, BASE_URL_CONFIG)
        .define(FLOWS_CONFIG, Type.LIST, FLOWS_DEFAULT, distinctList("EXPORT", "IMPORT"), Importance.HIGH,
            FLOWS_DOC, GROUP, ++o, ConfigDef.Width.SHORT, FLOWS_CONFIG)
        .define(COMM_LVL_CONFIG, Type.STRING, COMM_LVL_DEFAULT, ValidString.in("TOTAL", "HS2", "HS4", "HS6", "HS10"),
            Importance.HIGH, COMM_LVL_DOC, GROUP, ++o, ConfigDef.Width.SHORT, COMM_LVL_CONFIG)
        .define(COMMODITIES_CONFIG, Type.LIST, COMMODITIES_DEFAULT, ConfigDef.LambdaValidator.with(CensusConfig::validateCommodities,
            () -> "distinct filters of 2-10 digits with optional trailing *"),
            Importance.MEDIUM, COMMODITIES_DOC, GROUP, ++o, ConfigDef.Width.LONG, COMMODITIES_CONFIG)
        .define(API_KEY_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, API_KEY_DOC, GROUP, ++o,
            ConfigDef.Width.MEDIUM, API_KEY_CONFIG)
        .define(IMPORT_VALUE_CONFIG, Type.STRING, IMPORT_VALUE_DEFAULT, ValidString.in("GEN", "CON"),
            Importance.LOW, IMPORT_VALUE_DOC, GROUP, ++o, ConfigDef.Width.SHORT, IMPORT_VALUE_CONFIG)
        .define(START_MONTH_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.LambdaValidator.with(CensusConfig::validateMonth, () -> "yyyy-MM"),
            Importance.HIGH, START_MONTH_DOC, GROUP, ++o, ConfigDef.Width.SHORT, START_MONTH_CONFIG)
        .define(LOOKBACK_CONFIG, Type.INT, LOOKBACK_DEFAULT, Range.between(0, 36), Importance.MEDIUM, LOOKBACK_DOC,
            GROUP, ++o, ConfigDef.Width.SHORT, LOOKBACK_CONFIG)
        .define(REVISION_INTERVAL_CONFIG, Type.LONG, REVISION_INTERVAL_DEFAULT, Range.atLeast(1000),
            Importance.LOW, REVISION_INTERVAL_DOC, GROUP, ++o, ConfigDef.Width.SHORT, REVISION_INTERVAL_CONFIG)
        .define(RELEASE_LAG_CONFIG, Type.INT, RELEASE_LAG_DEFAULT, Range.between(0, 120), Importance.LOW,
            RELEASE_LAG_DOC, GROUP, ++o, ConfigDef.Width.SHORT, RELEASE_LAG_CONFIG)
        .define(COUNTRY_TABLE_CONFIG, Type.STRING, "", CodeTable.overrideValidator(), Importance.LOW, COUNTRY_TABLE_DOC,
            GROUP, ++o, ConfigDef.Width.LONG, COUNTRY_TABLE_CONFIG);
  }

  static void validateMonth(String name, Object value) {
    try {
      YearMonth.parse(String.valueOf(value));
    } catch (DateTimeParseException e) {
      throw new ConfigException(name, value, "must be a month yyyy-MM, e.g. 2024-01");
    }
  }

  static void validateCommodities(String name, Object value) {
    @SuppressWarnings("unchecked")
    List<String> list = (List<String>) value;
    for (String c : list) {
      if (!c.matches("\\d{2,10}\\*?")) {
        throw new ConfigException(name, value, "each filter must be 2-10 digits with an optional trailing *, got '" + c + "'");
      }
    }
    requireDistinct(name, value);
  }

  /**
   * The rule across keys: census.commodities against census.comm.lvl ({@link #commodityLevelProblem}). Start fails on
   * it; the connector's validate reports it on census.commodities ({@link CrossKeyRules}).
   */
  static final List<CrossKeyRules.Rule> RULES = List.of(new CrossKeyRules.Rule(
      List.of(COMM_LVL_CONFIG, COMMODITIES_CONFIG), v -> commodityLevelProblem(v.get(COMM_LVL_CONFIG).toString(),
          ((List<?>) v.get(COMMODITIES_CONFIG)).stream().map(Object::toString).toList())));

  public CensusConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props, RULES);
  }

  /**
   * A filter must be able to match codes of the level asked: the API matches a code without {@code *} exactly, so 8703
   * with COMM_LVL=HS2 (or HS6) matches no row and every month is answered 204, as if there were no trade; the
   * partition then steps over month after month and emits nothing, without any error.
   *
   * @return the first filter that cannot, on census.commodities; empty when there is none
   */
  static Optional<CrossKeyRules.Problem> commodityLevelProblem(String level, List<String> commodities) {
    if (level.equals("TOTAL")) {
      return Optional.empty(); // no commodity variable: the filters are not used
    }
    int digits = Integer.parseInt(level.substring(2));
    for (String c : commodities) {
      boolean wildcard = c.endsWith("*");
      int n = wildcard ? c.length() - 1 : c.length();
      if (wildcard ? n > digits : n != digits) {
        return Optional.of(CrossKeyRules.Problem.of(COMMODITIES_CONFIG, String.join(",", commodities), "'" + c
            + "' matches no " + level + " code (" + COMM_LVL_CONFIG + "=" + level + "): a code without * must have "
            + digits + " digits, a prefix with * at most " + digits + (wildcard ? "" : "; for the " + level
            + " codes under it use '" + c + "*'")));
      }
    }
    return Optional.empty();
  }

  public String baseUrl() { return getString(BASE_URL_CONFIG).replaceAll("/+$", ""); }
  public List<String> flows() { return getList(FLOWS_CONFIG); }
  public String commLvl() { return getString(COMM_LVL_CONFIG); }
  public List<String> commodities() { return getList(COMMODITIES_CONFIG); }
  public String apiKey() {
    Password p = getPassword(API_KEY_CONFIG);
    return p == null || p.value().isBlank() ? null : p.value();
  }
  public String importValue() { return getString(IMPORT_VALUE_CONFIG); }
  public YearMonth startMonth() { return YearMonth.parse(getString(START_MONTH_CONFIG)); }
  public int lookback() { return getInt(LOOKBACK_CONFIG); }
  public long revisionIntervalMs() { return getLong(REVISION_INTERVAL_CONFIG); }
  public int releaseLagDays() { return getInt(RELEASE_LAG_CONFIG); }
  public String countryTable() { return getString(COUNTRY_TABLE_CONFIG); }
}
