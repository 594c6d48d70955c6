package io.tradepulse.connect.gacc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ShippedCodeTablesTest;
import io.tradepulse.connect.common.TradeRow;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The shipped gacc-countries.csv: that GACC's real rows resolve, and invariants that keep the table from silently
 * shrinking or mapping a name to the wrong economy. The file is read raw, line by line (what it says), and through
 * {@link GaccNames#load} (what the connector reads).
 */
class ShippedGaccCountriesTest {
  /** Kosovo: no ISO 3166-1 code; XKX is the user-assigned code the processor also accepts (the CSV's header). */
  static final Set<String> NON_ISO = Set.of("XKX");
  /** The reporter itself: a partner China (re-imports) would be a series from China to China (the CSV's header). */
  static final Set<String> LEFT_OUT = Set.of("CHN");

  // The JDK's ISO 3166-1 list is used here only, to check the static table against it; the connector never reads it.
  static final Set<String> ISO_ALPHA3 = Locale.getISOCountries(Locale.IsoCountryCode.PART1_ALPHA3);

  record Line(long line, List<String> fields) {
    String code() {
      return fields.get(0);
    }

    String iso3() {
      return fields.get(1);
    }

    String kind() {
      return fields.get(2);
    }
  }

  static byte[] shipped() {
    try (InputStream in = ShippedGaccCountriesTest.class.getResourceAsStream(GaccNames.SHIPPED)) {
      assertThat(in).as(GaccNames.SHIPPED + " is shipped").isNotNull();
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Line> rows() {
    return ShippedCodeTablesTest.rawRows(GaccNames.SHIPPED).stream().map(l -> new Line(l.line(), l.fields())).toList();
  }

  static List<Line> rows(String kind) {
    return rows().stream().filter(l -> l.kind().equals(kind)).toList();
  }

  // Rows of GACC's English country tables as published (names as printed, see the CSV's header for the sources),
  // in the table's order, with the economy each stands for; the figures below are made up, the names are not.
  static final List<Map.Entry<String, String>> MONTHLY_TABLE = List.of(
      Map.entry("Total", "WLD"), Map.entry("European Union", ""), Map.entry("\u00a0\u00a0of which: Germany", "DEU"),
      Map.entry("\u00a0\u00a0Netherlands", "NLD"), Map.entry("\u00a0\u00a0France", "FRA"),
      Map.entry("\u00a0\u00a0Italy", "ITA"), Map.entry("United States (US)", "USA"), Map.entry("ASEAN", ""),
      Map.entry("\u00a0\u00a0of which: Vietnam", "VNM"), Map.entry("\u00a0\u00a0Malaysia", "MYS"),
      Map.entry("\u00a0\u00a0Thailand", "THA"), Map.entry("\u00a0\u00a0Singapore", "SGP"),
      Map.entry("\u00a0\u00a0Indonesia", "IDN"), Map.entry("\u00a0\u00a0Philippines", "PHL"), Map.entry("Japan", "JPN"),
      Map.entry("Hong Kong, China", "HKG"), Map.entry("R. O. Korea", "KOR"), Map.entry("Taiwan, China", "TWN"),
      Map.entry("Australia", "AUS"), Map.entry("Russian Federation", "RUS"), Map.entry("India", "IND"),
      Map.entry("United Kingdom (UK)", "GBR"), Map.entry("Canada", "CAN"), Map.entry("New Zealand", "NZL"),
      Map.entry("Latin America", ""), Map.entry("\u00a0\u00a0of which: Brazil", "BRA"), Map.entry("Africa", ""),
      Map.entry("\u00a0\u00a0of which: South Africa", "ZAF"), Map.entry("Regional Comprehensive Economic Partnership", ""),
      Map.entry("Jointly build the countries along Belt and Road Routes", ""), Map.entry("EU", ""), Map.entry("US", "USA"),
      Map.entry("Belt and Road countries", ""),
      // the full tables' partners, in the spellings GACC's tables and the UN/World Bank style use
      Map.entry("Kazakhstan", "KAZ"), Map.entry("Saudi Arabia", "SAU"), Map.entry("Bangladesh", "BGD"),
      Map.entry("Myanmar", "MMR"), Map.entry("DPRK", "PRK"), Map.entry("Iran", "IRN"), Map.entry("Türkiye", "TUR"),
      Map.entry("Turkey", "TUR"), Map.entry("Viet Nam", "VNM"), Map.entry("Korea, Rep.", "KOR"),
      Map.entry("Macao, China", "MAC"), Map.entry("Lao PDR", "LAO"), Map.entry("Côte d'Ivoire", "CIV"),
      Map.entry("Congo, Dem. Rep.", "COD"), Map.entry("Kosovo", "XKX"), Map.entry("Kyrgyzstan", "KGZ"),
      Map.entry("Mongolia", "MNG"), Map.entry("Pakistan", "PAK"), Map.entry("Nigeria", "NGA"),
      Map.entry("United Arab Emirates", "ARE"), Map.entry("Chile", "CHL"), Map.entry("Peru", "PER"),
      Map.entry("Curaçao", "CUW"), Map.entry("St. Vincent & Grenadines", "VCT"), Map.entry("The Gambia", "GMB"));

  static String table(List<Map.Entry<String, String>> rows) {
    StringBuilder t = new StringBuilder("""
        China's Total Export & Import Values by Country (Region), May 2025
        Unit: US$1,000
        Release: 2025-06-09
        Country (Region),Year,Month,Exports,Imports,Cumulative,Exports 1 to 5,Imports 1 to 5
        """);
    int n = 1;
    for (Map.Entry<String, String> row : rows) {
      // Each row a year of its own: the list spells some economies twice (names of several sources), which in one
      // period would be one economy given twice, a dead letter.
      t.append('"').append(row.getKey()).append("\",").append(1960 + n).append(",5,\"").append(n * 1000).append("\",\"").append(n * 500)
          .append("\",1to5,\"").append(n * 5000).append("\",\"").append(n * 2500).append("\"\nYoY %,,,1.5,-2.0,,,\n");
      n++;
    }
    return t.append("Note: 1. The data of the latest month are preliminary.,,,,,,,\n").toString();
  }

  static Parsed parse(String table) {
    return new GaccTableParser(GaccNames.load("", null)).parse(table.getBytes(StandardCharsets.UTF_8),
        new GaccTableParser.Context("2025-05.csv", 10));
  }

  @Test
  void shouldReadEveryRowOfARealTableWithTheRightIsoCodeAndNoDeadLetter() {
    Parsed parsed = parse(table(MONTHLY_TABLE));

    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).map(i -> ((BadRow) i).reason()).isEmpty();
    List<String> exported = parsed.items().stream().filter(TradeRow.class::isInstance).map(i -> (TradeRow) i)
        .filter(r -> r.flow().equals("EXPORT")).map(r -> r.partner()).toList();
    assertThat(exported).containsExactlyElementsOf(
        MONTHLY_TABLE.stream().map(Map.Entry::getValue).filter(iso3 -> !iso3.isEmpty()).toList());
    long groups = MONTHLY_TABLE.stream().filter(e -> e.getValue().isEmpty()).count();
    assertThat(parsed.skipped()).as("the group rows and the note").isEqualTo(groups + 1);
  }

  @Test
  void shouldStillDeadLetterAnUnknownNameNamingItAndTheTable() {
    Parsed parsed = parse(table(List.of(Map.entry("Japan", "JPN"), Map.entry("Atlantis", "?"),
        Map.entry("Korea", "?"), Map.entry("China", "?"), Map.entry("Middle East", "?"))));

    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance).map(i -> ((TradeRow) i).partner())
        .containsExactly("JPN", "JPN");
    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).map(i -> ((BadRow) i).reason())
        .containsExactly("Unknown country/region 'Atlantis': not in " + GaccNames.SHIPPED,
            "Unknown country/region 'Korea': not in " + GaccNames.SHIPPED,
            "Unknown country/region 'China': not in " + GaccNames.SHIPPED,
            "Unknown country/region 'Middle East': not in " + GaccNames.SHIPPED);
  }

  /**
   * Every economy ISO 3166-1 knows has a COUNTRY row (the reporter itself aside), so the table cannot become short
   * again without this failing; with {@link #shouldMapEveryCountryToAnIsoCodeOrTheDocumentedKosovoCode} and the
   * key check of GaccNames, a wrong code either leaves its own economy without a row or is not an ISO code.
   */
  @Test
  void shouldHaveACountryRowForEveryIsoAlpha3ButTheReporter() {
    Set<String> mapped = rows("COUNTRY").stream().map(Line::iso3).collect(Collectors.toCollection(TreeSet::new));
    Set<String> missing = new TreeSet<>(ISO_ALPHA3);
    missing.removeAll(mapped);
    assertThat(missing).isEqualTo(LEFT_OUT);
    assertThat(ISO_ALPHA3).as("the JDK knows all of ISO 3166-1").hasSizeGreaterThanOrEqualTo(249);
  }

  @Test
  void shouldMapEveryCountryToAnIsoCodeOrTheDocumentedKosovoCode() {
    Set<String> allowed = new TreeSet<>(ISO_ALPHA3);
    allowed.addAll(NON_ISO);
    assertThat(rows("COUNTRY")).allSatisfy(l -> assertThat(l.iso3()).as("line " + l.line() + " " + l.code())
        .matches("[A-Z]{3}").isIn(allowed).isNotIn(LEFT_OUT));
  }

  @Test
  void shouldKeepGroupsWithoutCodeAndOneTotal() {
    assertThat(rows("GROUP")).isNotEmpty()
        .allSatisfy(l -> assertThat(l.iso3()).as("line " + l.line() + " " + l.code()).isEmpty());
    assertThat(rows("TOTAL")).singleElement().satisfies(l -> {
      assertThat(l.code()).isEqualTo("Total");
      assertThat(l.iso3()).isEqualTo("WLD");
    });
  }

  /** Two names alike once normalised must stand for one economy: else which one a table's row is would be luck. */
  @Test
  void shouldNotGiveTwoDifferentEconomiesOrAGroupAndACountryOneNameKey() {
    Map<String, Set<String>> byKey = new TreeMap<>();
    for (Line l : rows()) {
      byKey.computeIfAbsent(GaccNames.key(l.code()), k -> new TreeSet<>()).add(l.kind() + " " + l.iso3());
    }
    assertThat(byKey).as("keys of more than one economy or kind")
        .allSatisfy((key, targets) -> assertThat(targets).as(key).hasSize(1));
    assertThat(byKey).doesNotContainKey("");
    // and as the connector loads it (which refuses such a table)
    CodeTable.Entry korea = GaccNames.load("", null).lookup("R.O. KOREA").orElseThrow();
    assertThat(korea.iso3()).isEqualTo("KOR");
  }

  @Test
  void shouldReadEveryDataLineAsFourColumnsOnceSoNoCommentLeaksIntoTheTable() {
    List<Line> rows = rows();
    assertThat(rows).allSatisfy(l -> {
      assertThat(l.fields()).as("line " + l.line()).hasSize(4);
      assertThat(l.kind()).as("line " + l.line()).isIn("COUNTRY", "GROUP", "TOTAL");
      assertThat(l.code()).as("line " + l.line()).isEqualTo(l.code().strip()).isNotEmpty();
    });
    // a quote in a comment would make the reader swallow the lines up to the next quote as one field
    long physical = new String(shipped(), StandardCharsets.UTF_8).lines()
        .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.equals("code,iso3,kind,name")).count();
    assertThat(rows).hasSize((int) physical);
    assertThat(CodeTable.load(GaccNames.SHIPPED, "").size()).isEqualTo(rows.size());
  }
}
