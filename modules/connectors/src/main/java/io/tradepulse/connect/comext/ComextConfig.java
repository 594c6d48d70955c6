package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.CrossKeyRules;
import io.tradepulse.connect.common.CrossKeyRules.Problem;
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

/** Configuration of {@link ComextSourceConnector}. */
public final class ComextConfig extends TradeSourceConfig {
  public static final String GROUP = "Eurostat Comext";

  public static final String MODE_CONFIG = "comext.mode";
  public static final String MODE_DOC = "API reads SDMX-CSV from the Comext dissemination API (live; one source "
      + "partition per reporter); BULK reads the monthly bulk CSV files (full_v2_YYYYMM, extracted from the .7z) "
      + "listed in comext.files (finite; one partition per file); rows of annual totals (PERIOD YYYY52, the annual "
      + "files full_v2_YYYY52) are left out, with one WARN per file.";
  public static final String MODE_DEFAULT = "API";

  public static final String BASE_URL_CONFIG = "comext.base.url";
  public static final String BASE_URL_DOC = "SDMX 2.1 data endpoint; /<dataset>/<key>?format=SDMX-CSV is appended.";
  public static final String BASE_URL_DEFAULT = "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data";

  public static final String DATASET_CONFIG = "comext.dataset";
  public static final String DATASET_DOC = "Dataset (dataflow) id: DS-045409 is EU trade since 2002 by CN8.";
  public static final String DATASET_DEFAULT = "DS-045409";

  public static final String REPORTERS_CONFIG = "comext.reporters";
  public static final String REPORTERS_DOC = "Reporter codes as Comext spells them (EU27_2020, DE, FR ...). API: one "
      + "source partition each. BULK: rows of other reporters are skipped (empty = all); the files give the declaring "
      + "member state (DE, FR ...), never EU27_2020, so the default keeps nothing there (the task warns).";
  public static final String REPORTERS_DEFAULT = "EU27_2020";

  public static final String PARTNERS_CONFIG = "comext.partners";
  public static final String PARTNERS_DOC = "Partner codes (ISO alpha-2, e.g. CN,US). Empty = all partners; in API "
      + "mode that often makes the extraction too big (HTTP 413), see comext.products.";
  public static final String PARTNERS_DEFAULT = "";

  public static final String PRODUCTS_CONFIG = "comext.products";
  public static final String PRODUCTS_DOC = "Products: TOTAL or CN codes (2, 4, 6 or 8 digits). BULK: a row is kept "
      + "when its PRODUCT_NC starts with one of them (empty = all; TOTAL keeps only TOTAL rows, while the files give "
      + "CN8 codes: set CN codes or leave it empty).";
  public static final String PRODUCTS_DEFAULT = "TOTAL";

  public static final String FLOWS_CONFIG = "comext.flows";
  public static final String FLOWS_DOC = "IMPORT (flow 1) and/or EXPORT (flow 2).";
  public static final String FLOWS_DEFAULT = "IMPORT,EXPORT";

  public static final String START_CONFIG = "comext.start.period";
  public static final String START_DOC = "API: first month (yyyy-MM) to read when no offset is stored.";
  public static final String START_DEFAULT = "";

  public static final String FILES_CONFIG = "comext.files";
  public static final String FILES_DOC = "BULK: bulk CSV files (local paths or http(s) URLs), header REPORTER,PARTNER,"
      + "TRADE_TYPE,PRODUCT_NC,...,FLOW,STAT_PROCEDURE,...,PERIOD,VALUE_EUR,... Rows of one series and month "
      + "(several TRADE_TYPE/STAT_PROCEDURE/SUPPL_UNIT lines) are summed into one record; one whose line has an "
      + "unreadable VALUE_EUR is a dead letter naming the lines, never a partial sum.";
  public static final String FILES_DEFAULT = "";

  public static final String BULK_SETTLE_CONFIG = "comext.bulk.settle.ms";
  public static final String BULK_SETTLE_DOC = "BULK: how long a local bulk file whose last line has no line break must "
      + "have gone unmodified before it is read. A bulk file copied or extracted into place (not written then renamed) "
      + "ends mid-line while it is written, and its cut last VALUE_EUR (12 of 1234) would be summed into its series' "
      + "month: such a file, and one that changes while it is checked, is left for a later check (after this time, or "
      + "poll.interval.ms if sooner), with one INFO log; nothing is lost, and the task is neither caught up nor done "
      + "meanwhile. Rows appended while a file is emitted are not read until it is read again. 0 = read whatever a "
      + "file holds when it is checked (no check). Not used for http(s) URLs.";
  public static final long BULK_SETTLE_DEFAULT = 10_000L;

  public static final String PUBLICATION_LAG_CONFIG = "comext.publication.lag.months";
  public static final String PUBLICATION_LAG_DOC = "API: a month still without data this many months after it "
      + "ended is taken as never published and skipped, so a gap never stalls the cursor.";
  public static final int PUBLICATION_LAG_DEFAULT = 12;

  public static final String LOOKBACK_CONFIG = "comext.lookback.months";
  public static final String LOOKBACK_DOC = "API: months before the newest emitted one that are re-fetched to pick up "
      + "revisions (Eurostat revises Comext months after first publication). Only months whose figures changed are "
      + "re-emitted; LAST UPDATE alone is no change. 0 disables revision checks.";
  public static final int LOOKBACK_DEFAULT = 12;

  public static final String REVISION_INTERVAL_CONFIG = "comext.revision.check.interval.ms";
  public static final String REVISION_INTERVAL_DOC = "API: how often the look-back window of a caught-up reporter "
      + "is re-fetched.";
  public static final long REVISION_INTERVAL_DEFAULT = 86_400_000L;

  public static final String RELEASE_LAG_CONFIG = "comext.bulk.release.lag.days";
  public static final String RELEASE_LAG_DOC = "BULK: the files carry no release date; publishedAt is the end of the "
      + "month plus this many days (deterministic), vintage is the file name.";
  public static final int RELEASE_LAG_DEFAULT = 46;

  public static final String FX_TABLE_CONFIG = "comext.fx.table";
  public static final String FX_TABLE_DOC = "Optional CSV period,currency,rate (rate = units of currency per 1 EUR, "
      + "e.g. 2025-05,USD,1.1278; a rate outside 0.0001 to 10000000 fails the start). When set, EUR values are "
      + "converted to comext.fx.currency (rounded half-even to a whole unit; the rate is in the note); a month "
      + "without a rate is a dead letter, never left in EUR among converted rows. When empty, values stay in EUR with "
      + "currency=EUR.";
  public static final String FX_TABLE_DEFAULT = "";

  public static final String FX_CURRENCY_CONFIG = "comext.fx.currency";
  public static final String FX_CURRENCY_DOC = "Target currency of comext.fx.table.";
  public static final String FX_CURRENCY_DEFAULT = "USD";

  public static final String GEO_TABLE_CONFIG = "comext.geo.table";
  public static final String GEO_TABLE_DOC = "Optional CSV (code,iso3,kind,name) replacing the shipped table of "
      + "Comext codes that are not plain ISO alpha-2 (EU27_2020, EL, XK, XS, aggregates). ISO alpha-2 codes map through the "
      + "JDK's ISO 3166 table; anything else is dead-lettered.";
  public static final String GEO_TABLE_DEFAULT = "";

  public static final ConfigDef CONFIG_DEF = define();

  private static ConfigDef define() {
    int o = 0;
    return commonDef(new ConfigDef())
        .define(MODE_CONFIG, Type.STRING, MODE_DEFAULT, ValidString.in("API", "BULK"), Importance.HIGH, MODE_DOC,
            GROUP, ++o, ConfigDef.Width.SHORT, MODE_CONFIG)
        .define(BASE_URL_CONFIG, Type.STRING, BASE_URL_DEFAULT, new ConfigDef.NonEmptyString(), Importance.LOW,
            BASE_URL_DOC, GROUP, ++o, ConfigDef.Width.LONG, BASE_URL_CONFIG)
        .define(DATASET_CONFIG, Type.STRING, DATASET_DEFAULT, new ConfigDef.NonEmptyString(), Importance.LOW,
            DATASET_DOC, GROUP, ++o, ConfigDef.Width.SHORT, DATASET_CONFIG)
        .define(REPORTERS_CONFIG, Type.LIST, REPORTERS_DEFAULT, distinct(), Importance.HIGH, REPORTERS_DOC, GROUP, ++o,
            ConfigDef.Width.MEDIUM, REPORTERS_CONFIG)
        .define(PARTNERS_CONFIG, Type.LIST, PARTNERS_DEFAULT, distinct(), Importance.HIGH, PARTNERS_DOC, GROUP, ++o,
            ConfigDef.Width.MEDIUM, PARTNERS_CONFIG)
        .define(PRODUCTS_CONFIG, Type.LIST, PRODUCTS_DEFAULT, ConfigDef.LambdaValidator.with(ComextConfig::validateProducts,
            () -> "distinct codes: TOTAL or 2/4/6/8 digits"), Importance.HIGH, PRODUCTS_DOC, GROUP, ++o,
            ConfigDef.Width.MEDIUM, PRODUCTS_CONFIG)
        .define(FLOWS_CONFIG, Type.LIST, FLOWS_DEFAULT, distinctList("IMPORT", "EXPORT"), Importance.HIGH, FLOWS_DOC,
            GROUP, ++o, ConfigDef.Width.SHORT, FLOWS_CONFIG)
        .define(START_CONFIG, Type.STRING, START_DEFAULT, ConfigDef.LambdaValidator.with(ComextConfig::validateMonth,
            () -> "yyyy-MM"), Importance.HIGH, START_DOC, GROUP, ++o, ConfigDef.Width.SHORT, START_CONFIG)
        .define(FILES_CONFIG, Type.LIST, FILES_DEFAULT, distinct(), Importance.HIGH, FILES_DOC, GROUP, ++o,
            ConfigDef.Width.LONG, FILES_CONFIG)
        .define(BULK_SETTLE_CONFIG, Type.LONG, BULK_SETTLE_DEFAULT, Range.between(0, 86_400_000L), Importance.LOW,
            BULK_SETTLE_DOC, GROUP, ++o, ConfigDef.Width.SHORT, BULK_SETTLE_CONFIG)
        .define(PUBLICATION_LAG_CONFIG, Type.INT, PUBLICATION_LAG_DEFAULT, Range.between(1, 60), Importance.LOW,
            PUBLICATION_LAG_DOC, GROUP, ++o, ConfigDef.Width.SHORT, PUBLICATION_LAG_CONFIG)
        .define(LOOKBACK_CONFIG, Type.INT, LOOKBACK_DEFAULT, Range.between(0, 36), Importance.MEDIUM, LOOKBACK_DOC,
            GROUP, ++o, ConfigDef.Width.SHORT, LOOKBACK_CONFIG)
        .define(REVISION_INTERVAL_CONFIG, Type.LONG, REVISION_INTERVAL_DEFAULT, Range.atLeast(1000), Importance.LOW,
            REVISION_INTERVAL_DOC, GROUP, ++o, ConfigDef.Width.SHORT, REVISION_INTERVAL_CONFIG)
        .define(RELEASE_LAG_CONFIG, Type.INT, RELEASE_LAG_DEFAULT, Range.between(0, 365), Importance.LOW,
            RELEASE_LAG_DOC, GROUP, ++o, ConfigDef.Width.SHORT, RELEASE_LAG_CONFIG)
        .define(FX_TABLE_CONFIG, Type.STRING, FX_TABLE_DEFAULT, FxTable.validator(), Importance.MEDIUM, FX_TABLE_DOC,
            GROUP, ++o, ConfigDef.Width.LONG, FX_TABLE_CONFIG)
        .define(FX_CURRENCY_CONFIG, Type.STRING, FX_CURRENCY_DEFAULT, ConfigDef.LambdaValidator.with(
            ComextConfig::validateCurrency, () -> "ISO 4217 code other than EUR"), Importance.LOW, FX_CURRENCY_DOC,
            GROUP, ++o, ConfigDef.Width.SHORT, FX_CURRENCY_CONFIG)
        .define(GEO_TABLE_CONFIG, Type.STRING, GEO_TABLE_DEFAULT, CodeTable.overrideValidator(), Importance.LOW,
            GEO_TABLE_DOC, GROUP, ++o, ConfigDef.Width.LONG, GEO_TABLE_CONFIG);
  }

  /** Each entry once ({@link #requireDistinct}). */
  private static ConfigDef.Validator distinct() {
    return ConfigDef.LambdaValidator.with(TradeSourceConfig::requireDistinct, () -> "distinct entries");
  }

  static void validateMonth(String name, Object value) {
    String s = String.valueOf(value);
    if (s.isEmpty()) {
      return;
    }
    try {
      YearMonth.parse(s);
    } catch (DateTimeParseException e) {
      throw new ConfigException(name, value, "must be a month yyyy-MM, e.g. 2024-01");
    }
  }

  static void validateProducts(String name, Object value) {
    @SuppressWarnings("unchecked")
    List<String> list = (List<String>) value;
    for (String p : list) {
      if (!p.equals("TOTAL") && !p.matches("\\d{2}|\\d{4}|\\d{6}|\\d{8}")) {
        throw new ConfigException(name, value, "each product must be TOTAL or a CN code of 2, 4, 6 or 8 digits, got '" + p + "'");
      }
    }
    requireDistinct(name, value);
  }

  static void validateCurrency(String name, Object value) {
    String s = String.valueOf(value);
    if (!s.matches("[A-Z]{3}") || s.equals("EUR")) {
      throw new ConfigException(name, value, "must be an ISO 4217 code other than EUR, e.g. USD");
    }
  }

  /**
   * The rules across keys, in the order start checks them: BULK reads comext.files, API needs a start month and
   * reporters, and a comext.fx.table (well formed, its validator says) must have rates of comext.fx.currency. Start
   * fails naming every problem, in this order; the connector's validate reports each on its key
   * ({@link CrossKeyRules}).
   */
  static final List<CrossKeyRules.Rule> RULES = List.of(
      new CrossKeyRules.Rule(List.of(MODE_CONFIG, FILES_CONFIG), v -> isBulk(v) && list(v, FILES_CONFIG).isEmpty()
          ? Optional.of(Problem.of(FILES_CONFIG, v.get(FILES_CONFIG),
              "must list at least one file when " + MODE_CONFIG + "=BULK"))
          : Optional.empty()),
      new CrossKeyRules.Rule(List.of(MODE_CONFIG, START_CONFIG), v -> !isBulk(v) && v.get(START_CONFIG).equals("")
          ? Optional.of(Problem.of(START_CONFIG, "", "is required when " + MODE_CONFIG + "=API (a month yyyy-MM)"))
          : Optional.empty()),
      new CrossKeyRules.Rule(List.of(MODE_CONFIG, REPORTERS_CONFIG), v -> !isBulk(v) && list(v, REPORTERS_CONFIG).isEmpty()
          ? Optional.of(Problem.of(REPORTERS_CONFIG, "",
              "must list at least one reporter when " + MODE_CONFIG + "=API"))
          : Optional.empty()),
      new CrossKeyRules.Rule(List.of(FX_TABLE_CONFIG, FX_CURRENCY_CONFIG), ComextConfig::fxRateProblem));

  private static boolean isBulk(Map<String, ?> values) {
    return values.get(MODE_CONFIG).equals("BULK");
  }

  private static List<?> list(Map<String, ?> values, String key) {
    return (List<?>) values.get(key);
  }

  private static Optional<Problem> fxRateProblem(Map<String, ?> values) {
    String table = values.get(FX_TABLE_CONFIG).toString();
    if (table.isBlank()) {
      return Optional.empty();
    }
    try {
      FxTable.load(table, values.get(FX_CURRENCY_CONFIG).toString()); // has rates of this currency
      return Optional.empty();
    } catch (ConfigException e) {
      return Optional.of(new Problem(FX_TABLE_CONFIG, e.getMessage()));
    }
  }

  public ComextConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props, RULES);
  }

  public boolean bulk() { return getString(MODE_CONFIG).equals("BULK"); }
  public String baseUrl() { return getString(BASE_URL_CONFIG).replaceAll("/+$", ""); }
  public String dataset() { return getString(DATASET_CONFIG); }
  public List<String> reporters() { return getList(REPORTERS_CONFIG); }
  public List<String> partners() { return getList(PARTNERS_CONFIG); }
  public List<String> products() { return getList(PRODUCTS_CONFIG); }
  public List<String> flows() { return getList(FLOWS_CONFIG); }
  public YearMonth start() { return YearMonth.parse(getString(START_CONFIG)); }
  public List<String> files() { return getList(FILES_CONFIG); }
  public java.time.Duration bulkSettle() { return java.time.Duration.ofMillis(getLong(BULK_SETTLE_CONFIG)); }
  public int publicationLagMonths() { return getInt(PUBLICATION_LAG_CONFIG); }
  public int lookback() { return getInt(LOOKBACK_CONFIG); }
  public long revisionIntervalMs() { return getLong(REVISION_INTERVAL_CONFIG); }
  public int releaseLagDays() { return getInt(RELEASE_LAG_CONFIG); }
  public String fxTable() { return getString(FX_TABLE_CONFIG); }
  public String fxCurrency() { return getString(FX_CURRENCY_CONFIG); }
  public String geoTable() { return getString(GEO_TABLE_CONFIG); }
}
