package io.tradepulse.connect.common;

import io.tradepulse.core.CsvReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * A shipped reference table mapping a source's partner/reporter codes to ISO 3166-1 alpha-3, with a kind
 * (COUNTRY, GROUP, TOTAL). Loaded from a CSV resource {@code code,iso3,kind,name}; lines starting with #
 * are comments. An unknown code is never guessed: callers dead-letter it.
 */
public final class CodeTable {
  public enum Kind { COUNTRY, GROUP, TOTAL }

  public record Entry(String code, String iso3, Kind kind, String name) {}

  private final Map<String, Entry> byCode;
  private final String name;

  private CodeTable(String name, Map<String, Entry> byCode) {
    this.name = name;
    this.byCode = Map.copyOf(byCode);
  }

  /** @param override optional file path replacing the shipped table (blank = shipped resource) */
  public static CodeTable load(String resource, String override) {
    return load(resource, override, null);
  }

  /**
   * @param override optional file path replacing the shipped table (blank = shipped resource)
   * @param configKey the setting {@code override} comes from: a file that cannot be read or has a bad line is a
   *     {@link ConfigException} naming it (null: an unchecked exception)
   */
  public static CodeTable load(String resource, String override, String configKey) {
    if (override != null && !override.isBlank()) {
      try {
        return parse(override, Files.readAllBytes(Path.of(override)));
      } catch (IOException e) {
        if (configKey != null) {
          throw new ConfigException(configKey, override, "cannot be read: " + e);
        }
        throw new UncheckedIOException("Cannot read reference table " + override, e);
      } catch (IllegalArgumentException e) {
        if (configKey != null) {
          throw new ConfigException(configKey, override, e.getMessage());
        }
        throw e;
      }
    }
    try (InputStream in = CodeTable.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Reference table missing from the plugin: " + resource);
      }
      return parse(resource, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read reference table " + resource, e);
    }
  }

  /**
   * The validator of a setting naming an override table: the file must be readable and every line a valid entry, so
   * that a wrong table fails the connector at start, naming the setting, instead of every task later.
   */
  public static ConfigDef.Validator overrideValidator() {
    return ConfigDef.LambdaValidator.with((name, value) -> {
      if (value != null && !value.toString().isBlank()) {
        load(null, value.toString(), name);
      }
    }, () -> "empty (the shipped table) or a readable CSV code,iso3,kind,name with kind "
        + Arrays.toString(Kind.values()));
  }

  /**
   * @throws IllegalArgumentException naming the line, for an entry that is not {@code code,iso3,kind,name} with a
   *     code, a kind of {@link Kind}, an ISO alpha-3 code (three capital letters, required but for a GROUP), or a code
   *     listed twice (which of the two would count is not for the table to decide silently)
   */
  static CodeTable parse(String name, byte[] bytes) {
    Map<String, Entry> m = new HashMap<>();
    Map<String, Long> lines = new HashMap<>();
    CsvReader r = new CsvReader(bytes);
    for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
      if (row.isBlank() || row.field(0).startsWith("#") || row.field(0).equalsIgnoreCase("code")) {
        continue;
      }
      String where = "line " + row.line() + " (" + row.text().strip() + ")";
      Kind kind;
      try {
        kind = Kind.valueOf(row.field(2).trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": kind must be one of " + Arrays.toString(Kind.values()) + ", got '"
            + row.field(2) + "'");
      }
      String iso3 = row.field(1).trim();
      if (!iso3.isEmpty() && !iso3.matches("[A-Z]{3}") || iso3.isEmpty() && kind != Kind.GROUP) {
        throw new IllegalArgumentException(where + ": iso3 must be an ISO 3166-1 alpha-3 code (three capital letters"
            + (kind == Kind.GROUP ? "" : "; only a GROUP may leave it empty") + "), got '" + row.field(1) + "'");
      }
      Entry e = new Entry(row.field(0).trim(), iso3, kind, row.field(3));
      if (e.code().isEmpty()) {
        throw new IllegalArgumentException(where + ": the code is empty");
      }
      Long earlier = lines.put(key(e.code()), row.line());
      if (earlier != null) {
        throw new IllegalArgumentException(where + ": code '" + e.code() + "' is listed on line " + earlier
            + " already");
      }
      m.put(key(e.code()), e);
    }
    if (m.isEmpty()) {
      throw new IllegalArgumentException("has no entry (code,iso3,kind,name)");
    }
    return new CodeTable(name, m);
  }

  private static String key(String code) {
    return code.trim().toUpperCase(Locale.ROOT);
  }

  public Optional<Entry> lookup(String code) {
    return code == null ? Optional.empty() : Optional.ofNullable(byCode.get(key(code)));
  }

  public int size() {
    return byCode.size();
  }

  /** Every entry, in no particular order. */
  public Collection<Entry> entries() {
    return byCode.values();
  }

  public String name() {
    return name;
  }
}
