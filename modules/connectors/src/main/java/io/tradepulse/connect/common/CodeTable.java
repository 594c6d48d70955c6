package io.tradepulse.connect.common;

import io.tradepulse.core.CsvReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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
    try {
      byte[] bytes;
      String name;
      if (override != null && !override.isBlank()) {
        bytes = Files.readAllBytes(Path.of(override));
        name = override;
      } else {
        try (InputStream in = CodeTable.class.getResourceAsStream(resource)) {
          if (in == null) {
            throw new IllegalStateException("Reference table missing from the plugin: " + resource);
          }
          bytes = in.readAllBytes();
        }
        name = resource;
      }
      return parse(name, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read reference table " + override, e);
    }
  }

  static CodeTable parse(String name, byte[] bytes) {
    Map<String, Entry> m = new HashMap<>();
    CsvReader r = new CsvReader(bytes);
    for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
      if (row.isBlank() || row.field(0).startsWith("#") || row.field(0).equalsIgnoreCase("code")) {
        continue;
      }
      Entry e = new Entry(row.field(0), row.field(1), Kind.valueOf(row.field(2).toUpperCase(Locale.ROOT)),
          row.field(3));
      m.put(key(e.code()), e);
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

  public String name() {
    return name;
  }
}
