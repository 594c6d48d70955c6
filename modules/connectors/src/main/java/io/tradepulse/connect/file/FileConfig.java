package io.tradepulse.connect.file;

import io.tradepulse.connect.common.CrossKeyRules;
import io.tradepulse.connect.common.TradeSourceConfig;
import io.tradepulse.core.FigureQualities;
import io.tradepulse.core.RecordBounds;
import io.tradepulse.core.RecordRules;
import io.tradepulse.core.SourceNames;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link FileSourceConnector}: where the files are, their format, and for every
 * TradeRecord field either the column it comes from ({@code field.<name>}) or a constant
 * ({@code default.<name>}); a column value wins over the constant when both are set and the cell is not empty.
 */
public final class FileConfig extends TradeSourceConfig {
  public static final String GROUP = "File";
  public static final String GROUP_MAPPING = "Column mapping";

  public static final String PATHS_CONFIG = "file.paths";
  public static final String PATHS_DOC = "Files to read (local paths or http(s) URLs); each is a source partition.";

  public static final String FORMAT_CONFIG = "file.format";
  public static final String FORMAT_DOC = "CSV (first line is the header) or JSON (one object per line, NDJSON).";
  public static final String FORMAT_DEFAULT = "CSV";

  public static final String SOURCE_CONFIG = "file.source.name";
  public static final String SOURCE_DOC = "Value of TradeRecord.source (the publisher), e.g. FILE, GACC, CENSUS.";
  public static final String SOURCE_DEFAULT = "FILE";

  public static final String MULTIPLIER_CONFIG = "file.value.multiplier";
  public static final String MULTIPLIER_DOC = "Factor from the file's unit to whole units of currency, e.g. 1000000000 for "
      + "'USD bn' or 1000 for 'US$1,000'. The product is rounded half-even to a whole unit.";
  public static final String MULTIPLIER_DEFAULT = "1";

  public static final String SETTLE_CONFIG = "file.settle.ms";
  public static final String SETTLE_DOC = "How long a local file whose last line has no line break must have gone "
      + "unmodified before it is read. A file dropped by a writer that does not write-then-rename ends mid-line while "
      + "it is written, and its cut last value (1234 of 123456) would go out as a figure: such a file, and one that "
      + "changes while it is checked, is left for a later check (after this time, or poll.interval.ms if sooner), "
      + "with one INFO log; nothing is lost. Rows appended while a file is emitted are not read until it is read "
      + "again. 0 = read whatever a file holds when it is checked (no check). Not used for http(s) URLs.";
  public static final long SETTLE_DEFAULT = 10_000L;

  /** The TradeRecord fields a file can provide. */
  public enum Target {
    REPORTER("reporter", "ISO alpha-3 of the reporter."),
    PARTNER("partner", "ISO alpha-3 of the partner (WLD = world)."),
    FLOW("flow", "EXPORT, IMPORT, RE_EXPORT, RE_IMPORT (or X, M, RX, RM)."),
    COMMODITY("commodity", "HS code (dots allowed; an odd number of digits gets back the leading zero a "
        + "spreadsheet dropped, 10121 -> 010121) or TOTAL."),
    PERIOD("period", "First month of the period, yyyy-MM or yyyyMM (alternative to year + month)."),
    PERIOD_END("period.end", "Last month of the period (yyyy-MM); months = period.end - period + 1."),
    YEAR("year", "Year, with month, when there is no period column."),
    MONTH("month", "Month 1-12, with year."),
    MONTHS("months", "Months covered (default 1)."),
    VALUE("value", "Value in the file's unit (see file.value.multiplier); empty = growth rate only."),
    CURRENCY("currency", "ISO 4217 currency (default USD)."),
    VALUATION("valuation", "FOB, CIF, FAS or CUSTOMS."),
    REPORTED_YOY_PCT("reportedYoyPct", "YoY % as reported by the source."),
    SOURCE_REF("sourceRef", "Citation of the publication."),
    VINTAGE("vintage", "Release label."),
    PUBLISHED_AT("publishedAt", "Publication time: ISO instant, yyyy-MM-dd (UTC midnight) or epoch millis (12 or 13 "
        + "digits). A number of 9 to 11 digits (epoch seconds, e.g. 1749513600) or of more than 13 (micro- or "
        + "nanoseconds) makes the row a dead letter naming the cell; it is not reinterpreted. Also the occurredAt of "
        + "dead letters when set as a default."),
    NOTE("note", "Quality note."),
    QUALITY("quality", "How far the source stands behind the figure (TradeRecord.quality): a cell that is, trimmed and "
        + "in any case, SECONDARY (the level comes from a secondary source) or ESTIMATED (the source marks it "
        + "estimated) makes the figure so; any other text, such as a free-text flag ('published (GACC reports Jan+Feb "
        + "combined)', 'yoy only', 'published; one secondary source says +9.1%'), makes it PUBLISHED, as does no "
        + "column and no constant. A constant must be one of PUBLISHED, ESTIMATED, SECONDARY.");

    public final String key;
    public final String doc;

    Target(String key, String doc) {
      this.key = key;
      this.doc = doc;
    }

    public String fieldConfig() {
      return "field." + key;
    }

    public String defaultConfig() {
      return "default." + key;
    }
  }

  public static final ConfigDef CONFIG_DEF = define();

  private static ConfigDef define() {
    ConfigDef def = commonDef(new ConfigDef())
        .define(PATHS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, distinctList(),
            Importance.HIGH, PATHS_DOC, GROUP, 1, ConfigDef.Width.LONG, PATHS_CONFIG)
        .define(FORMAT_CONFIG, Type.STRING, FORMAT_DEFAULT, ConfigDef.ValidString.in("CSV", "JSON"), Importance.HIGH,
            FORMAT_DOC, GROUP, 2, ConfigDef.Width.SHORT, FORMAT_CONFIG)
        .define(SOURCE_CONFIG, Type.STRING, SOURCE_DEFAULT, ConfigDef.CompositeValidator.of(
            new ConfigDef.NonEmptyString(), ConfigDef.LambdaValidator.with(FileConfig::validateSourceName,
                () -> "not a case variant of " + String.join(", ", new TreeSet<>(SourceNames.BUILT_IN)))),
            Importance.MEDIUM, SOURCE_DOC, GROUP, 3, ConfigDef.Width.SHORT, SOURCE_CONFIG)
        .define(MULTIPLIER_CONFIG, Type.STRING, MULTIPLIER_DEFAULT,
            ConfigDef.LambdaValidator.with(FileConfig::validateMultiplier, () -> "positive decimal"), Importance.MEDIUM,
            MULTIPLIER_DOC, GROUP, 4, ConfigDef.Width.SHORT, MULTIPLIER_CONFIG)
        .define(SETTLE_CONFIG, Type.LONG, SETTLE_DEFAULT, ConfigDef.Range.between(0, 86_400_000L), Importance.LOW,
            SETTLE_DOC, GROUP, 5, ConfigDef.Width.SHORT, SETTLE_CONFIG);
    int o = 0;
    for (Target t : Target.values()) {
      def.define(t.fieldConfig(), Type.STRING, "", Importance.MEDIUM, "Column holding " + t.key + ". " + t.doc,
          GROUP_MAPPING, ++o, ConfigDef.Width.SHORT, t.fieldConfig());
      def.define(t.defaultConfig(), Type.STRING, "", constant(t), Importance.MEDIUM, "Constant " + t.key + " for every "
          + "row (or when the column cell is empty).", GROUP_MAPPING, ++o, ConfigDef.Width.SHORT, t.defaultConfig());
    }
    return def;
  }

  /**
   * The validator of {@code default.<name>}: a constant holds for every row, so one the rows cannot read (a date in
   * another format, a country name for a code) made every row of every file a dead letter, each with the same reason,
   * while the connector ran as if configured. It is read exactly as a cell of the field ({@link
   * MappedRowParser#readConstant}) and refused at start, on its key. Null for free text.
   */
  private static ConfigDef.Validator constant(Target t) {
    String allowed = allowed(t);
    if (allowed == null) {
      return null;
    }
    return ConfigDef.LambdaValidator.with((name, value) -> {
      String v = value == null ? "" : value.toString().trim();
      if (v.isEmpty()) {
        return;
      }
      try {
        MappedRowParser.readConstant(t, v, Clock.systemUTC());
      } catch (RuntimeException e) {
        throw new ConfigException(name, value, "must be " + allowed);
      }
    }, () -> "empty or " + allowed);
  }

  /**
   * What a value of {@code t} may be, in the words of the start-up error of its constant and of the dead letter of a
   * cell that is not one; null for free text.
   */
  static String allowed(Target t) {
    return switch (t) {
      case REPORTER, PARTNER -> "an ISO 3166-1 alpha-3 code (or WLD = world, EUU = European Union, XKX = Kosovo), e.g. "
          + (t == Target.PARTNER ? "USA, other than the reporter" : "CHN");
      case FLOW -> "one of EXPORT, IMPORT, RE_EXPORT, RE_IMPORT (or X, M, RX, RM)";
      // A constant is typed by hand, not saved by a spreadsheet: 123 is more likely a typo (1234?) than heading 0123
      // missing its zero, so only a cell gets the zero back (MappedRowParser#readConstant refuses an odd length).
      case COMMODITY -> "TOTAL or an HS code of 2, 4, 6, 8 or 10 digits (dots allowed) of a chapter other than 00 "
          + "and 77";
      case PERIOD, PERIOD_END -> "a month yyyy-MM or yyyyMM, from " + RecordBounds.MIN_YEAR + " to the current month";
      case YEAR -> "a year from " + RecordBounds.MIN_YEAR + " to the current year, e.g. 2025";
      case MONTH -> "a month number 1-12";
      // The processor takes a month, or a combined January+February (month 1, months 2): no other period.
      case MONTHS -> "1 or 2 (2: a combined January+February, starting in January)";
      case VALUE -> "a decimal number (not negative) in the file's unit, e.g. 28.8";
      case CURRENCY -> "an ISO 4217 code, e.g. USD";
      case VALUATION -> "one of " + String.join(", ", MappedRowParser.VALUATIONS);
      case REPORTED_YOY_PCT -> "a percent not below -100, e.g. -34.5";
      // UNKNOWN is what a reader makes of a quality its schema does not know, not one a source gives.
      case QUALITY -> "one of " + String.join(", ", FigureQualities.SETTABLE.stream().map(Enum::name).toList());
      case PUBLISHED_AT -> "an ISO instant (2026-01-14T00:00:00Z), a date yyyy-MM-dd (UTC midnight) or epoch millis "
          + "(12 or 13 digits; epoch seconds are refused), not after now + " + RecordBounds.PUBLICATION_SLACK.toDays()
          + " day";
      default -> null;
    };
  }

  /**
   * Refuses a case variant of a built-in source name ({@code gacc}): TradeRecord.source is compared as written, and the
   * processor's tradepulse.source.precedence refuses such a variant, so figures of this name could never be ranked.
   */
  static void validateSourceName(String name, Object value) {
    String builtIn = value == null ? null : SourceNames.builtInSpellingOfVariant(value.toString().strip());
    if (builtIn != null) {
      throw new ConfigException(name, value, "is written " + builtIn + " by tradepulse's own connectors: source names "
          + "are case-sensitive, and tradepulse.source.precedence can rank " + builtIn + " but no case variant of it; "
          + "use " + builtIn + " (built-in names: " + String.join(", ", new TreeSet<>(SourceNames.BUILT_IN)) + ")");
    }
  }

  static void validateMultiplier(String name, Object value) {
    try {
      if (new BigDecimal(String.valueOf(value)).signum() <= 0) {
        throw new ConfigException(name, value, "must be a positive number");
      }
    } catch (NumberFormatException e) {
      throw new ConfigException(name, value, "must be a positive decimal number, e.g. 1000");
    }
  }

  /** The start of the message of an incomplete mapping, at start and on each key validate reports it on. */
  static final String INCOMPLETE = "File source mapping incomplete, set: ";

  /**
   * A part of the mapping every row needs.
   *
   * @param key the key validate reports it on when it is missing
   * @param set what to set, in the message
   * @param alternatives the sets of targets that give it (each target by its column or its constant): any one set
   */
  private record Needed(String key, String set, List<List<Target>> alternatives) {
    List<String> reads() {
      return alternatives.stream().flatMap(List::stream).distinct()
          .flatMap(t -> Stream.of(t.fieldConfig(), t.defaultConfig())).toList();
    }

    boolean given(Map<String, ?> values) {
      return alternatives.stream().anyMatch(a -> a.stream().allMatch(t -> has(values, t)));
    }
  }

  /** In the order start names them. */
  private static final List<Needed> NEEDED = needed();

  private static List<Needed> needed() {
    List<Needed> out = new ArrayList<>();
    for (Target t : List.of(Target.REPORTER, Target.PARTNER, Target.FLOW, Target.COMMODITY, Target.VINTAGE,
        Target.PUBLISHED_AT)) {
      out.add(new Needed(t.fieldConfig(), t.fieldConfig() + " or " + t.defaultConfig(), List.of(List.of(t))));
    }
    out.add(new Needed(Target.PERIOD.fieldConfig(), "field.period (or field.year and field.month)",
        List.of(List.of(Target.PERIOD), List.of(Target.YEAR, Target.MONTH))));
    return List.copyOf(out);
  }

  /**
   * The rules across keys: one per part of the mapping every row needs. Start fails naming all the missing parts
   * ("File source mapping incomplete, set: ..."); the connector's validate reports each on its field.* key, with the
   * same words ({@link CrossKeyRules}).
   */
  static final List<CrossKeyRules.Rule> RULES = Stream.concat(NEEDED.stream()
      .map(n -> new CrossKeyRules.Rule(n.reads(), v -> n.given(v)
          ? Optional.<CrossKeyRules.Problem>empty()
          : Optional.of(new CrossKeyRules.Problem(n.key(), INCOMPLETE + n.set())))), constantRules().stream())
      .toList();

  /**
   * The rules start checks, after {@link TradeSourceConfig#COMMON_RULES}: the missing parts of the mapping as one
   * problem naming them all ("File source mapping incomplete, set: field.reporter or default.reporter; ..."), then the
   * rules across constants. Start fails naming every problem they find ({@link CrossKeyRules#check}).
   */
  private static final List<CrossKeyRules.Rule> START_RULES = Stream.concat(Stream.of(new CrossKeyRules.Rule(
      NEEDED.stream().flatMap(n -> n.reads().stream()).distinct().toList(), v -> {
        List<Needed> missing = NEEDED.stream().filter(n -> !n.given(v)).toList();
        return missing.isEmpty() ? Optional.<CrossKeyRules.Problem>empty()
            : Optional.of(new CrossKeyRules.Problem(missing.get(0).key(),
                INCOMPLETE + String.join("; ", missing.stream().map(Needed::set).toList())));
      })), constantRules().stream()).toList();

  /**
   * The rules across constants that hold for every row: each row would break the processor's rule and become a dead
   * letter, while the connector ran as if configured.
   */
  private static List<CrossKeyRules.Rule> constantRules() {
    String reporter = Target.REPORTER.defaultConfig();
    String partner = Target.PARTNER.defaultConfig();
    String months = Target.MONTHS.defaultConfig();
    return List.of(
        new CrossKeyRules.Rule(List.of(reporter, partner), v -> {
          String r = constant(v, Target.REPORTER);
          String p = constant(v, Target.PARTNER);
          String same = r == null || p == null ? null : RecordRules.sameEconomy(r.toUpperCase(Locale.ROOT),
              p.toUpperCase(Locale.ROOT));
          return same == null ? Optional.empty() : Optional.of(CrossKeyRules.Problem.of(partner, v.get(partner),
              "must be an economy other than " + reporter + " (" + same + "; the processor refuses every row)"));
        }),
        new CrossKeyRules.Rule(List.of(months, Target.PERIOD.fieldConfig(), Target.PERIOD.defaultConfig(),
            Target.MONTH.fieldConfig(), Target.MONTH.defaultConfig(), Target.PERIOD_END.fieldConfig(),
            Target.PERIOD_END.defaultConfig()), v -> {
              String start = constantStartMonth(v);
              String n = constant(v, Target.MONTHS);
              return n == null || start == null || has(v, Target.PERIOD_END)
                  || RecordRules.multiMonth(Integer.parseInt(start), Integer.parseInt(n)) == null
                  ? Optional.empty()
                  : Optional.of(CrossKeyRules.Problem.of(months, v.get(months), "must be " + allowed(Target.MONTHS)
                      + ": every period starts in month " + Integer.parseInt(start) + " ("
                      + (has(v, Target.PERIOD) ? Target.PERIOD.defaultConfig() : Target.MONTH.defaultConfig())
                      + ")"));
            }));
  }

  /** The constant of {@code t} when no column is mapped to {@code t}: then it holds for every row. Else null. */
  private static String constant(Map<String, ?> values, Target t) {
    Object column = values.get(t.fieldConfig());
    Object constant = values.get(t.defaultConfig());
    return (column == null || column.toString().isBlank()) && constant != null && !constant.toString().isBlank()
        ? constant.toString().trim() : null;
  }

  /** The first month (1-12) of every row's period when it is a constant, else null. */
  private static String constantStartMonth(Map<String, ?> values) {
    if (has(values, Target.PERIOD)) {
      String period = constant(values, Target.PERIOD);
      return period == null ? null : String.valueOf(MappedRowParser.month(period).getMonthValue());
    }
    return constant(values, Target.MONTH);
  }

  /** Whether {@code t} has a column or a constant in {@code values} (the parsed settings). */
  private static boolean has(Map<String, ?> values, Target t) {
    return !String.valueOf(values.get(t.fieldConfig())).isBlank()
        || !String.valueOf(values.get(t.defaultConfig())).isBlank();
  }

  private final Map<Target, String> fields = new LinkedHashMap<>();
  private final Map<Target, String> defaults = new LinkedHashMap<>();

  public FileConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props, START_RULES);
    for (Target t : Target.values()) {
      String f = getString(t.fieldConfig());
      String d = getString(t.defaultConfig());
      if (!f.isBlank()) {
        fields.put(t, f.trim());
      }
      if (!d.isBlank()) {
        defaults.put(t, d.trim());
      }
    }
  }

  public Map<Target, String> fields() { return fields; }
  public Map<Target, String> defaults() { return defaults; }
  public List<String> paths() { return getList(PATHS_CONFIG); }
  public String format() { return getString(FORMAT_CONFIG); }
  public String sourceName() { return getString(SOURCE_CONFIG); }
  public BigDecimal multiplier() { return new BigDecimal(getString(MULTIPLIER_CONFIG)); }
  public java.time.Duration settle() { return java.time.Duration.ofMillis(getLong(SETTLE_CONFIG)); }
}
