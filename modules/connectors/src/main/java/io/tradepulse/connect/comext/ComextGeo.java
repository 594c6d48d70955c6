package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.CodeTable;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Comext reporter/partner codes -> ISO 3166-1 alpha-3. Plain ISO alpha-2 codes go through the JDK's ISO
 * 3166 table (authoritative, not hand-typed); the shipped table covers the codes that are not plain ISO
 * (EU27_2020, EL for Greece, XK for Kosovo, XS for Serbia, aggregates marked GROUP). Anything else is unknown and
 * dead-lettered: XI (Northern Ireland), XC/XL (Ceuta, Melilla) and the Q* codes have no country code to map to.
 */
final class ComextGeo {
  private static final Set<String> ISO2 = Set.of(Locale.getISOCountries());

  private final CodeTable table;

  ComextGeo(CodeTable table) {
    this.table = table;
  }

  static ComextGeo load(String override) {
    return new ComextGeo(CodeTable.load("/io/tradepulse/connect/ref/comext-geo.csv", override,
        ComextConfig.GEO_TABLE_CONFIG));
  }

  Optional<CodeTable.Entry> lookup(String code) {
    Optional<CodeTable.Entry> e = table.lookup(code);
    if (e.isPresent()) {
      return e;
    }
    String c = code == null ? "" : code.trim().toUpperCase(Locale.ROOT);
    if (ISO2.contains(c)) {
      return Optional.of(new CodeTable.Entry(c, new Locale("", c).getISO3Country(), CodeTable.Kind.COUNTRY, c));
    }
    return Optional.empty();
  }
}
