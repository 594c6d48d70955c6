package io.tradepulse.connect.gacc;

import io.tradepulse.connect.common.CodeTable;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The country/region names of GACC's English tables, resolved through a {@link CodeTable} keyed by name
 * ({@code gacc-countries.csv} or the {@code gacc.country.table} override).
 *
 * <p>A name is first looked up as {@link CodeTable#lookup} does (trimmed, case ignored), so every row of the table
 * keeps matching exactly as before. Otherwise it is matched by its {@linkplain #key normalised key}: GACC writes one
 * country several ways across tables and years ("Korea, Rep." / "R.O. Korea", "U.S.A." / "USA", "Côte d'Ivoire" /
 * "Cote d’Ivoire", "The Bahamas" / "Bahamas, The", member rows prefixed "of which:", cells indented with
 * non-breaking spaces), and listing every such spelling would leave the next one to the dead letters. Names that differ
 * in more than that (words, abbreviations such as "St." / "Saint") are rows of their own.
 *
 * <p>Two rows whose names share a key but not their ISO code and kind would make the key ambiguous: such a table is
 * refused at load (naming both rows), never resolved by whichever row happens to come first.
 */
public final class GaccNames {
  public static final String SHIPPED = "/io/tradepulse/connect/ref/gacc-countries.csv";

  private final CodeTable table;
  private final Map<String, CodeTable.Entry> byKey;

  /** @throws IllegalArgumentException naming both rows, when two rows share a key but not their ISO code and kind */
  public GaccNames(CodeTable table) {
    this.table = table;
    Map<String, CodeTable.Entry> m = new HashMap<>();
    List<CodeTable.Entry> entries = new ArrayList<>(table.entries());
    entries.sort(Comparator.comparing(CodeTable.Entry::code)); // the same message whatever the map's order
    for (CodeTable.Entry e : entries) {
      String key = key(e.code());
      if (key.isEmpty()) {
        continue; // a name of punctuation alone ("-") is only matched exactly
      }
      CodeTable.Entry other = m.putIfAbsent(key, e);
      if (other != null && !(other.iso3().equals(e.iso3()) && other.kind() == e.kind())) {
        throw new IllegalArgumentException("'" + other.code() + "' (" + describe(other) + ") and '" + e.code() + "' ("
            + describe(e) + ") are the same name once case, accents, spacing, punctuation and 'the' are ignored: "
            + "remove or rename one of them");
      }
    }
    this.byKey = Map.copyOf(m);
  }

  /**
   * The shipped table, or {@code override} (a file) in its place.
   *
   * @param configKey the setting {@code override} comes from: an unreadable, invalid or ambiguous table is a
   *     {@link ConfigException} naming it
   */
  public static GaccNames load(String override, String configKey) {
    CodeTable table = CodeTable.load(SHIPPED, override, configKey);
    try {
      return new GaccNames(table);
    } catch (IllegalArgumentException e) {
      if (configKey != null && override != null && !override.isBlank()) {
        throw new ConfigException(configKey, override, e.getMessage());
      }
      throw new IllegalStateException("Shipped table " + SHIPPED + ": " + e.getMessage(), e);
    }
  }

  /**
   * The validator of {@code gacc.country.table}: besides what {@link CodeTable#overrideValidator()} checks, no two
   * names of the table may share a key with different codes, so that such a table fails the connector at start.
   */
  public static ConfigDef.Validator overrideValidator() {
    return ConfigDef.LambdaValidator.with((name, value) -> {
      if (value != null && !value.toString().isBlank()) {
        load(value.toString(), name);
      }
    }, () -> CodeTable.overrideValidator() + ", no two of its names alike once case, accents, spacing, punctuation "
        + "and 'the' are ignored");
  }

  public Optional<CodeTable.Entry> lookup(String name) {
    if (name == null) {
      return Optional.empty();
    }
    Optional<CodeTable.Entry> exact = table.lookup(name);
    return exact.isPresent() ? exact : Optional.ofNullable(byKey.get(key(name)));
  }

  /** The table's name, for messages: the shipped resource or the override's path. */
  public String tableName() {
    return table.name();
  }

  /**
   * The key two spellings of one name share: compatibility-decomposed (full-width letters and non-breaking spaces
   * become plain ones) without accents, lower case, "&amp;" read as "and", then the words (runs of letters and digits)
   * joined without separator, leaving out a leading "of which" (GACC's member rows, "of which: Germany") and every
   * "the". So "R. O. Korea" and "RO Korea", "U.S.A." and "USA", "Türkiye" and "Turkiye" share a key; "Korea, Rep." and
   * "Republic of Korea" do not.
   */
  static String key(String name) {
    String s = Normalizer.normalize(name, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "")
        .toLowerCase(Locale.ROOT).replace("&", " and ");
    List<String> words = new ArrayList<>(List.of(s.split("[^a-z0-9]+")));
    words.removeIf(String::isEmpty);
    if (words.size() > 2 && words.get(0).equals("of") && words.get(1).equals("which")) {
      words.subList(0, 2).clear();
    }
    words.removeIf("the"::equals);
    return String.join("", words);
  }

  private static String describe(CodeTable.Entry e) {
    return e.kind() + (e.iso3().isEmpty() ? "" : " " + e.iso3());
  }
}
