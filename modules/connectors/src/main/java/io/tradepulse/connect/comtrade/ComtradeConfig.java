package io.tradepulse.connect.comtrade;

import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.CrossKeyRules;
import io.tradepulse.connect.common.TradeSourceConfig;
import java.net.URI;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Configuration of {@link ComtradeSourceConnector}. */
public final class ComtradeConfig extends TradeSourceConfig {
  public static final String GROUP = "UN Comtrade";
  static final DateTimeFormatter YYYYMM = DateTimeFormatter.ofPattern("yyyyMM");

  public static final String BASE_URL_CONFIG = "comtrade.base.url";
  public static final String BASE_URL_DOC = "Base URL of the v1 data API; /C/M/HS is appended. The free preview is "
      + "https://comtradeapi.un.org/public/v1/preview (max 500 records, no key; needs comtrade.max.records of at most "
      + "500).";
  public static final String BASE_URL_DEFAULT = "https://comtradeapi.un.org/data/v1/get";

  public static final String KEY_CONFIG = "comtrade.subscription.key";
  public static final String KEY_DOC = "Sent as the Ocp-Apim-Subscription-Key header; never logged.";

  public static final String REPORTERS_CONFIG = "comtrade.reporters";
  public static final String REPORTERS_DOC = "Reporter M49 codes (156 China, 842 USA); one source partition each.";

  public static final String PARTNERS_CONFIG = "comtrade.partners";
  public static final String PARTNERS_DOC = "Partner M49 codes; 0 = World.";
  public static final String PARTNERS_DEFAULT = "0";

  public static final String FLOWS_CONFIG = "comtrade.flows";
  public static final String FLOWS_DOC = "Flow codes: X export, M import, RX re-export, RM re-import.";
  public static final String FLOWS_DEFAULT = "X,M";

  public static final String CMD_CONFIG = "comtrade.cmd.codes";
  public static final String CMD_DOC = "Commodity codes (TOTAL or HS codes).";
  public static final String CMD_DEFAULT = "TOTAL";

  public static final String START_CONFIG = "comtrade.start.period";
  public static final String START_DOC = "First period (yyyyMM) to read when no offset is stored.";

  public static final String PERIODS_CONFIG = "comtrade.periods.per.call";
  public static final String PERIODS_DOC = "Periods asked per call; the API allows at most 12, the free preview 1 "
      + "(set 1 with the preview endpoint).";
  public static final int PERIODS_DEFAULT = 12;

  public static final String MAX_RECORDS_CONFIG = "comtrade.max.records";
  public static final String MAX_RECORDS_DOC = "maxRecords per call (API limit 100000 with a key, 500 in preview). A "
      + "response that hits it is incomplete: the task re-asks its periods one per call up to the end of that window. "
      + "A single period that still hits it fails the task, nothing of it emitted and the offset unchanged: raise this "
      + "or narrow comtrade.partners / comtrade.cmd.codes / comtrade.flows.";
  public static final int MAX_RECORDS_DEFAULT = 100_000;
  /** The most the API returns per call with a key, whatever maxRecords says. */
  public static final int MAX_RECORDS_LIMIT = 100_000;
  /** The most the free preview returns per call, whatever maxRecords says. */
  public static final int PREVIEW_MAX_RECORDS = 500;
  /** The path of the free preview endpoint (a proxy in front of it may add a prefix). */
  static final String PREVIEW_PATH = "/public/v1/preview";

  public static final String QUOTA_EXHAUSTED_CONFIG = "comtrade.quota.exhausted";
  public static final String QUOTA_EXHAUSTED_DOC = "What the task does when the subscription's call quota is used up "
      + "(HTTP 403 \"Out of call volume quota. Quota will be replenished in hh:mm:ss\"). WAIT: logs one WARN and asks the "
      + "same call again once the quota is back (and a minute more; at most 25 h), offsets untouched: for a connector "
      + "that runs on. FAIL: the task fails at once, naming the quota and when it is replenished; the offsets keep every "
      + "record delivered, so a restart after then resumes with that call. tradepulse ingest sets FAIL for a one-shot "
      + "run (not --follow) unless this key is given.";
  public static final String QUOTA_EXHAUSTED_DEFAULT = "WAIT";

  /** {@link #QUOTA_EXHAUSTED_CONFIG}. */
  public enum QuotaExhausted { WAIT, FAIL }

  public static final String COUNTRY_TABLE_CONFIG = "comtrade.country.table";
  public static final String COUNTRY_TABLE_DOC = "Optional CSV (code,iso3,kind,name) replacing the shipped M49 -> ISO "
      + "alpha-3 table.";

  public static final String PUBLICATION_LAG_CONFIG = "comtrade.publication.lag.months";
  public static final String PUBLICATION_LAG_DOC = "A period still without data this many months after the newest "
      + "period that could be out is taken as never published by that reporter and stepped over, so a gap never "
      + "stalls the cursor. Younger empty periods are asked again after poll.interval.ms.";
  public static final int PUBLICATION_LAG_DEFAULT = 18;

  public static final String LOOKBACK_CONFIG = "comtrade.lookback.months";
  public static final String LOOKBACK_DOC = "Periods up to the newest one the cursor has passed that are asked again "
      + "every comtrade.revision.check.interval.ms, once the reporter is caught up, to pick up Comtrade's revisions and "
      + "figures published late (a late reporter, a partner reported later). A period is re-emitted, all its records "
      + "with revision one higher, only when its records changed. Each check costs one call per "
      + "comtrade.periods.per.call periods (one with the defaults) per reporter, against a quota of about 500 calls a "
      + "day. 0 turns the look-back off.";
  public static final int LOOKBACK_DEFAULT = 12;

  public static final String REVISION_INTERVAL_CONFIG = "comtrade.revision.check.interval.ms";
  public static final String REVISION_INTERVAL_DOC = "How often the look-back window of a reporter is asked again. At "
      + "least one hour, since each check spends calls of the daily quota.";
  public static final long REVISION_INTERVAL_DEFAULT = 86_400_000L;

  public static final ConfigDef CONFIG_DEF = commonDef(new ConfigDef())
      .define(BASE_URL_CONFIG, Type.STRING, BASE_URL_DEFAULT, new ConfigDef.NonEmptyString(), Importance.LOW, BASE_URL_DOC,
          GROUP, 1, ConfigDef.Width.LONG, BASE_URL_CONFIG)
      .define(KEY_CONFIG, Type.PASSWORD, null, Importance.HIGH, KEY_DOC, GROUP, 2, ConfigDef.Width.MEDIUM, KEY_CONFIG)
      .define(REPORTERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.LambdaValidator.with(
          ComtradeConfig::validateCodes, () -> "non-empty list of distinct M49 numeric codes"), Importance.HIGH,
          REPORTERS_DOC, GROUP, 3, ConfigDef.Width.MEDIUM, REPORTERS_CONFIG)
      .define(PARTNERS_CONFIG, Type.LIST, PARTNERS_DEFAULT, ConfigDef.LambdaValidator.with(
          ComtradeConfig::validateCodes, () -> "non-empty list of distinct M49 numeric codes"), Importance.MEDIUM,
          PARTNERS_DOC,
          GROUP, 4, ConfigDef.Width.MEDIUM, PARTNERS_CONFIG)
      .define(FLOWS_CONFIG, Type.LIST, FLOWS_DEFAULT, distinctList("X", "M", "RX", "RM"), Importance.MEDIUM,
          FLOWS_DOC, GROUP, 5, ConfigDef.Width.SHORT, FLOWS_CONFIG)
      .define(CMD_CONFIG, Type.LIST, CMD_DEFAULT, ConfigDef.LambdaValidator.with(ComtradeConfig::validateCmdCodes,
          () -> "non-empty list of distinct codes"), Importance.MEDIUM, CMD_DOC, GROUP, 6, ConfigDef.Width.MEDIUM,
          CMD_CONFIG)
      .define(START_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.LambdaValidator.with(
          ComtradeConfig::validatePeriod, () -> "yyyyMM"), Importance.HIGH, START_DOC, GROUP, 7, ConfigDef.Width.SHORT,
          START_CONFIG)
      .define(PERIODS_CONFIG, Type.INT, PERIODS_DEFAULT, Range.between(1, 12), Importance.LOW, PERIODS_DOC, GROUP, 8,
          ConfigDef.Width.SHORT, PERIODS_CONFIG)
      .define(MAX_RECORDS_CONFIG, Type.INT, MAX_RECORDS_DEFAULT, Range.between(1, MAX_RECORDS_LIMIT), Importance.LOW,
          MAX_RECORDS_DOC, GROUP, 9, ConfigDef.Width.SHORT, MAX_RECORDS_CONFIG)
      .define(COUNTRY_TABLE_CONFIG, Type.STRING, "", CodeTable.overrideValidator(), Importance.LOW, COUNTRY_TABLE_DOC,
          GROUP, 10, ConfigDef.Width.LONG, COUNTRY_TABLE_CONFIG)
      .define(PUBLICATION_LAG_CONFIG, Type.INT, PUBLICATION_LAG_DEFAULT, Range.between(1, 120), Importance.LOW,
          PUBLICATION_LAG_DOC, GROUP, 11, ConfigDef.Width.SHORT, PUBLICATION_LAG_CONFIG)
      .define(LOOKBACK_CONFIG, Type.INT, LOOKBACK_DEFAULT, Range.between(0, 36), Importance.MEDIUM, LOOKBACK_DOC, GROUP,
          12, ConfigDef.Width.SHORT, LOOKBACK_CONFIG)
      .define(REVISION_INTERVAL_CONFIG, Type.LONG, REVISION_INTERVAL_DEFAULT, Range.atLeast(3_600_000L),
          Importance.LOW, REVISION_INTERVAL_DOC, GROUP, 13, ConfigDef.Width.SHORT, REVISION_INTERVAL_CONFIG)
      .define(QUOTA_EXHAUSTED_CONFIG, Type.STRING, QUOTA_EXHAUSTED_DEFAULT, ConfigDef.ValidString.in("WAIT", "FAIL"),
          Importance.MEDIUM, QUOTA_EXHAUSTED_DOC, GROUP, 14, ConfigDef.Width.SHORT, QUOTA_EXHAUSTED_CONFIG);

  static void validateCodes(String name, Object value) {
    if (value == null) {
      return; // a missing required key: ConfigDef reports it (Connect's validate called this with null: a NPE)
    }
    @SuppressWarnings("unchecked")
    List<String> l = (List<String>) value;
    if (l.isEmpty() || !l.stream().allMatch(s -> s.matches("\\d{1,3}"))) {
      throw new ConfigException(name, value, "must be a non-empty list of M49 numeric codes, e.g. 156,842");
    }
    requireDistinct(name, value);
  }

  static void validateCmdCodes(String name, Object value) {
    if (value == null) {
      return; // missing: ConfigDef reports it
    }
    if (((List<?>) value).isEmpty()) {
      throw new ConfigException(name, value, "must list at least one commodity code (TOTAL or HS codes)");
    }
    requireDistinct(name, value);
  }

  static void validatePeriod(String name, Object value) {
    try {
      YearMonth.parse(String.valueOf(value), YYYYMM);
    } catch (RuntimeException e) {
      throw new ConfigException(name, value, "must be a period yyyyMM, e.g. 202401");
    }
  }

  /**
   * Whether comtrade.max.records fits the endpoint: the free preview returns at most {@link #PREVIEW_MAX_RECORDS}
   * records per call whatever maxRecords says, and a page is taken as cut only when it reaches maxRecords; so with
   * more (the default is 100000) a page cut at 500 would be taken as complete and every total built on it would be
   * silently short. Refused rather than capped: the setting then says what the task asks, in the logs' URLs too, and
   * the user sees the preview's limit once instead of learning it from short totals or a silent override.
   *
   * @return the problem, empty when there is none
   */
  static Optional<String> previewLimitProblem(String baseUrl, int maxRecords) {
    if (maxRecords <= PREVIEW_MAX_RECORDS || !isPreview(baseUrl)) {
      return Optional.empty();
    }
    return Optional.of("must be in [1,...," + PREVIEW_MAX_RECORDS + "] with the free preview endpoint ("
        + BASE_URL_CONFIG + "=" + baseUrl + "), which returns at most " + PREVIEW_MAX_RECORDS + " records per call "
        + "whatever maxRecords says: a page cut there would be taken as complete, and totals would be silently short. "
        + "Set " + MAX_RECORDS_CONFIG + "=" + PREVIEW_MAX_RECORDS + ", or use the data API with a subscription key ("
        + BASE_URL_DEFAULT + ", at most " + MAX_RECORDS_LIMIT + ")");
  }

  private static boolean isPreview(String baseUrl) {
    String path;
    try {
      path = URI.create(baseUrl.strip()).getPath();
    } catch (IllegalArgumentException e) {
      return false; // not a URL at all: its fetch fails, naming it
    }
    return path != null && path.replaceAll("/+$", "").toLowerCase(Locale.ROOT).endsWith(PREVIEW_PATH);
  }

  /**
   * Whether comtrade.periods.per.call fits the endpoint: the free preview answers a call with more than one period
   * "Maximum number of periods for preview is 1" (HTTP 400), so with the default 12 the task failed at its first call,
   * after start had accepted the settings. Refused at start instead, naming the key, for the reason of
   * {@link #previewLimitProblem}: the setting stays what the task asks.
   *
   * @return the problem, empty when there is none
   */
  static Optional<String> previewPeriodsProblem(String baseUrl, int periodsPerCall) {
    if (periodsPerCall <= PREVIEW_PERIODS || !isPreview(baseUrl)) {
      return Optional.empty();
    }
    return Optional.of("must be " + PREVIEW_PERIODS + " with the free preview endpoint (" + BASE_URL_CONFIG + "="
        + baseUrl + "), which refuses a call for more than one period (\"Maximum number of periods for preview is 1\"). "
        + "Set " + PERIODS_CONFIG + "=" + PREVIEW_PERIODS + ", or use the data API with a subscription key ("
        + BASE_URL_DEFAULT + ", at most 12)");
  }

  /** The most periods the free preview answers per call. */
  static final int PREVIEW_PERIODS = 1;

  /**
   * The rules across keys: comtrade.max.records and comtrade.periods.per.call against the preview endpoint
   * ({@link #previewLimitProblem}, {@link #previewPeriodsProblem}). Start fails naming each one broken; the
   * connector's validate reports each on its key ({@link CrossKeyRules}).
   */
  static final List<CrossKeyRules.Rule> RULES = List.of(
      new CrossKeyRules.Rule(List.of(BASE_URL_CONFIG, MAX_RECORDS_CONFIG),
          v -> previewLimitProblem(v.get(BASE_URL_CONFIG).toString(), (Integer) v.get(MAX_RECORDS_CONFIG))
              .map(p -> CrossKeyRules.Problem.of(MAX_RECORDS_CONFIG, v.get(MAX_RECORDS_CONFIG), p))),
      new CrossKeyRules.Rule(List.of(BASE_URL_CONFIG, PERIODS_CONFIG),
          v -> previewPeriodsProblem(v.get(BASE_URL_CONFIG).toString(), (Integer) v.get(PERIODS_CONFIG))
              .map(p -> CrossKeyRules.Problem.of(PERIODS_CONFIG, v.get(PERIODS_CONFIG), p))));

  public ComtradeConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props, RULES);
  }

  public String baseUrl() { return getString(BASE_URL_CONFIG).replaceAll("/+$", ""); }
  public String key() {
    Password p = getPassword(KEY_CONFIG);
    return p == null || p.value().isBlank() ? null : p.value();
  }
  public List<String> reporters() { return getList(REPORTERS_CONFIG); }
  public List<String> partners() { return getList(PARTNERS_CONFIG); }
  public List<String> flows() { return getList(FLOWS_CONFIG); }
  public List<String> cmdCodes() { return getList(CMD_CONFIG); }
  public YearMonth start() { return YearMonth.parse(getString(START_CONFIG), YYYYMM); }
  public int periodsPerCall() { return getInt(PERIODS_CONFIG); }
  public int maxRecords() { return getInt(MAX_RECORDS_CONFIG); }
  public int publicationLagMonths() { return getInt(PUBLICATION_LAG_CONFIG); }
  public String countryTable() { return getString(COUNTRY_TABLE_CONFIG); }
  public int lookbackMonths() { return getInt(LOOKBACK_CONFIG); }
  public long revisionIntervalMs() { return getLong(REVISION_INTERVAL_CONFIG); }
  public QuotaExhausted quotaExhausted() { return QuotaExhausted.valueOf(getString(QUOTA_EXHAUSTED_CONFIG)); }
  /** The most one call can return at the configured endpoint. */
  public int maxRecordsLimit() { return isPreview(baseUrl()) ? PREVIEW_MAX_RECORDS : MAX_RECORDS_LIMIT; }
}
