package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.census.CensusParser;
import io.tradepulse.connect.common.CodeTable.Kind;
import io.tradepulse.connect.comtrade.ComtradeParser;
import io.tradepulse.core.CsvReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Invariants of the shipped partner-code tables (census-schedule-c.csv, m49.csv). Each table is read twice:
 * raw, line by line, so each check can name the lines it finds (a code listed twice is also refused by
 * {@link CodeTable#load}, with its line); and through {@link CodeTable#load}, as the connectors read it. The exceptions allowed here are
 * the ones each file's header documents; a new one must be documented there and here.
 */
public class ShippedCodeTablesTest {
  static final String CENSUS = "/io/tradepulse/connect/ref/census-schedule-c.csv";
  static final String M49 = "/io/tradepulse/connect/ref/m49.csv";

  /** Kosovo: no ISO 3166-1 code; XKX is the user-assigned code TradeRecordValidator also accepts. */
  static final Set<String> CENSUS_NON_ISO = Set.of("XKX");
  /** Comtrade's own code next to the plain ISO/M49 code of the same economy (m49.csv header). */
  static final Map<String, Set<String>> M49_SHARED_ALPHA3 = Map.of(
      "USA", Set.of("840", "842"), "FRA", Set.of("250", "251"), "ITA", Set.of("380", "381"),
      "NOR", Set.of("578", "579"), "CHE", Set.of("756", "757"), "IND", Set.of("356", "699"));

  static final Set<String> ISO_ALPHA3 = Locale.getISOCountries(Locale.IsoCountryCode.PART1_ALPHA3);

  /** A data row of a shipped table and its line (public: other packages' table tests read theirs with {@link #rawRows}). */
  public record Line(long line, List<String> fields) {
    String code() {
      return fields.get(0).trim().toUpperCase(Locale.ROOT);
    }

    String iso3() {
      return fields.get(1);
    }

    String kind() {
      return fields.get(2);
    }
  }

  /** The data rows of a shipped table (comments, blank lines and the header left out), as written. */
  public static List<Line> rawRows(String resource) {
    try (InputStream in = ShippedCodeTablesTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource + " is shipped").isNotNull();
      CsvReader r = new CsvReader(in.readAllBytes());
      List<Line> rows = new ArrayList<>();
      for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
        if (row.isBlank() || row.field(0).startsWith("#") || row.field(0).equalsIgnoreCase("code")) {
          continue;
        }
        rows.add(new Line(row.line(), row.fields()));
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Line> countries(String resource) {
    return rawRows(resource).stream().filter(l -> l.kind().equals("COUNTRY")).toList();
  }

  /** alpha-3 -> codes, for the alpha-3 codes that more than one COUNTRY row maps to. */
  static Map<String, Set<String>> sharedAlpha3(String resource) {
    return countries(resource).stream()
        .collect(Collectors.groupingBy(Line::iso3, TreeMap::new, Collectors.mapping(Line::code,
            Collectors.toCollection(TreeSet::new))))
        .entrySet().stream().filter(e -> e.getValue().size() > 1)
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  static Set<String> duplicateCodes(String resource) {
    Set<String> seen = new TreeSet<>();
    return rawRows(resource).stream().map(Line::code).filter(c -> !seen.add(c))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void shouldReadEveryDataLineAsFourColumnsSoNoHeaderCommentLeaksIntoTheTable() {
    for (String resource : List.of(CENSUS, M49)) {
      List<Line> rows = rawRows(resource);
      assertThat(rows).as(resource).allSatisfy(l -> {
        assertThat(l.fields()).as(resource + " line " + l.line()).hasSize(4);
        assertThat(l.kind()).as(resource + " line " + l.line()).isIn("COUNTRY", "GROUP", "TOTAL");
      });
      // A quote in a comment can make the reader swallow the lines up to the next quote as one field:
      // count the physical data lines independently of the CSV reader.
      assertThat(rows).as(resource + ": one row per physical data line").hasSize(physicalDataLines(resource));
      assertThat(CodeTable.load(resource, "").size()).as(resource).isEqualTo(rows.size());
    }
  }

  static int physicalDataLines(String resource) {
    try (InputStream in = ShippedCodeTablesTest.class.getResourceAsStream(resource)) {
      return (int) new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.equals("code,iso3,kind,name")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void shouldListEveryCodeOnce() {
    assertThat(duplicateCodes(CENSUS)).isEmpty();
    assertThat(duplicateCodes(M49)).isEmpty();
  }

  @Test
  void shouldKeepCodesInEachSourcesOwnFormat() {
    assertThat(rawRows(CENSUS)).allSatisfy(l -> assertThat(l.code()).matches("-|\\d{4}|\\d{3}X|\\dXXX"));
    assertThat(countries(CENSUS)).allSatisfy(l -> assertThat(l.code()).matches("\\d{4}"));
    assertThat(rawRows(M49)).allSatisfy(l -> assertThat(l.code()).matches("0|[1-9]\\d{0,2}"));
  }

  @Test
  void shouldMapEveryCensusCountryToARealIsoAlpha3OrTheDocumentedKosovoCode() {
    assertThat(countries(CENSUS)).allSatisfy(l -> assertThat(l.iso3())
        .as("Schedule C " + l.code()).isIn(union(ISO_ALPHA3, CENSUS_NON_ISO)));
    assertThat(countries(CENSUS)).filteredOn(l -> !ISO_ALPHA3.contains(l.iso3()))
        .extracting(Line::code).containsExactly("4803");
  }

  @Test
  void shouldMapEveryM49CountryToARealIsoAlpha3() {
    assertThat(countries(M49)).allSatisfy(l -> assertThat(l.iso3()).as("M49 " + l.code()).isIn(ISO_ALPHA3));
  }

  /**
   * Every ISO 3166-1 economy but Monaco (492 is Comtrade's Europe EU nes, left out) is the target of a row. With
   * {@link #shouldShareAnM49Alpha3OnlyBetweenComtradesOwnCodeAndThePlainIsoCode} this catches any single wrong
   * alpha-3: it either collides with the row that owns that code or leaves its own economy without a row.
   */
  @Test
  void shouldMapToEveryIsoAlpha3ButMonacoSoAWrongRowCollidesOrLeavesAGap() {
    Set<String> mapped = countries(M49).stream().map(Line::iso3).collect(Collectors.toCollection(TreeSet::new));
    Set<String> unmapped = new TreeSet<>(ISO_ALPHA3);
    unmapped.removeAll(mapped);
    assertThat(unmapped).containsExactly("MCO");
  }

  @Test
  void shouldNotMapTwoCensusCountriesToOneAlpha3() {
    // Two partners with one alpha-3 would give two records with one series key in the same month.
    assertThat(sharedAlpha3(CENSUS)).isEmpty();
  }

  @Test
  void shouldShareAnM49Alpha3OnlyBetweenComtradesOwnCodeAndThePlainIsoCode() {
    assertThat(sharedAlpha3(M49)).isEqualTo(M49_SHARED_ALPHA3);
  }

  @Test
  void shouldKeepTotalsAndGroupsApartFromCountries() {
    CodeTable census = CodeTable.load(CENSUS, "");
    assertThat(census.lookup("-")).hasValueSatisfying(e -> {
      assertThat(e.kind()).isEqualTo(Kind.TOTAL);
      assertThat(e.iso3()).isEqualTo("WLD");
    });
    assertThat(rawRows(CENSUS)).filteredOn(l -> l.kind().equals("GROUP"))
        .allSatisfy(l -> assertThat(l.iso3()).isEmpty())
        .extracting(Line::code).contains("0001", "0003", "0025", "1XXX", "7XXX");
    CodeTable m49 = CodeTable.load(M49, "");
    assertThat(m49.lookup("0")).hasValueSatisfying(e -> {
      assertThat(e.kind()).isEqualTo(Kind.TOTAL);
      assertThat(e.iso3()).isEqualTo("WLD");
    });
    assertThat(m49.lookup("97")).hasValueSatisfying(e -> assertThat(e.kind()).isEqualTo(Kind.GROUP));
  }

  @Test
  void shouldPinWellKnownScheduleCCodes() {
    CodeTable t = CodeTable.load(CENSUS, "");
    Map<String, String> pins = new TreeMap<>(Map.ofEntries(
        Map.entry("5700", "CHN"), Map.entry("1220", "CAN"), Map.entry("2010", "MEX"), Map.entry("5880", "JPN"),
        Map.entry("4280", "DEU"), Map.entry("4622", "BLR"), Map.entry("4099", "DNK"), Map.entry("1010", "GRL"),
        Map.entry("4120", "GBR"), Map.entry("5830", "TWN"), Map.entry("5800", "KOR"), Map.entry("5601", "TLS"),
        Map.entry("4803", "XKX"), Map.entry("5460", "MMR"), Map.entry("7370", "ESH"), Map.entry("9350", "GUM"),
        // 4791-4793 were once shipped as SVN and HRV; the official list says:
        Map.entry("4791", "HRV"), Map.entry("4792", "SVN"), Map.entry("4793", "BIH")));
    pins.forEach((code, iso3) -> assertThat(t.lookup(code)).as("Schedule C " + code)
        .hasValueSatisfying(e -> {
          assertThat(e.iso3()).isEqualTo(iso3);
          assertThat(e.kind()).isEqualTo(Kind.COUNTRY);
        }));
  }

  @Test
  void shouldPinWellKnownM49Codes() {
    CodeTable t = CodeTable.load(M49, "");
    Map<String, String> pins = new TreeMap<>(Map.ofEntries(
        Map.entry("156", "CHN"), Map.entry("842", "USA"), Map.entry("490", "TWN"), Map.entry("276", "DEU"),
        Map.entry("251", "FRA"), Map.entry("381", "ITA"), Map.entry("699", "IND"), Map.entry("757", "CHE"),
        Map.entry("579", "NOR"), Map.entry("410", "KOR"), Map.entry("408", "PRK"), Map.entry("704", "VNM"),
        Map.entry("112", "BLR"), Map.entry("531", "CUW"), Map.entry("728", "SSD"), Map.entry("642", "ROU")));
    pins.forEach((code, iso3) -> assertThat(t.lookup(code)).as("M49 " + code)
        .hasValueSatisfying(e -> {
          assertThat(e.iso3()).isEqualTo(iso3);
          assertThat(e.kind()).isEqualTo(Kind.COUNTRY);
        }));
  }

  /**
   * Economies the current API's lists have and the older lists lacked (m49.csv header, "Added from the current
   * lists"): each M49 code is the ISO numeric code of the economy, so it must map to that ISO alpha-3.
   */
  @Test
  void shouldMapTheEconomiesOnlyTheCurrentListsHaveToTheirIsoAlpha3() {
    CodeTable t = CodeTable.load(M49, "");
    Map<String, String> added = new TreeMap<>(Map.ofEntries(
        Map.entry("652", "BLM"), Map.entry("663", "MAF"), Map.entry("831", "GGY"), Map.entry("832", "JEY"),
        Map.entry("833", "IMN"), Map.entry("248", "ALA"), Map.entry("438", "LIE"), Map.entry("630", "PRI"),
        Map.entry("744", "SJM")));
    added.forEach((code, iso3) -> assertThat(t.lookup(code)).as("M49 " + code)
        .hasValueSatisfying(e -> {
          assertThat(e.iso3()).isEqualTo(iso3);
          assertThat(e.kind()).isEqualTo(Kind.COUNTRY);
        }));
  }

  @Test
  void shouldLeaveTheDocumentedCodesOutSoTheyAreDeadLetteredNotGuessed() {
    CodeTable census = CodeTable.load(CENSUS, "");
    // the reporter itself, territory inside the reporter's statistics, Gaza/West Bank (one ISO code for two)
    assertThat(List.of("1000", "9030", "9110", "5082", "5083")).allSatisfy(c -> assertThat(census.lookup(c)).isEmpty());
    CodeTable m49 = CodeTable.load(M49, "");
    // Comtrade's Europe EU nes (ISO Monaco), former economies, areas that are no economy
    assertThat(List.of("492", "58", "280", "810", "890", "530", "899", "837", "838"))
        .allSatisfy(c -> assertThat(m49.lookup(c)).isEmpty());
    // in the current API's lists but left out: Kosovo and Sark (no ISO code), Midway and Wake Island (ISO code
    // withdrawn), South America nes, the group ASEAN
    assertThat(List.of("412", "680", "488", "872", "283", "975"))
        .allSatisfy(c -> assertThat(m49.lookup(c)).isEmpty());
  }

  @Test
  void shouldResolveACensusAllPartnersPayloadWithoutDeadLettersForListedCountries() {
    String payload = """
        [["CTY_CODE","CTY_NAME","ALL_VAL_MO","SUMMARY_LVL","time"],
        ["-","TOTAL FOR ALL COUNTRIES","900","CGP","2025-05"],
        ["5XXX","ASIA","500","CGP","2025-05"],
        ["4622","BELARUS","100","DET","2025-05"],
        ["4803","KOSOVO","100","DET","2025-05"],
        ["4793","BOSNIA AND HERZEGOVINA","100","DET","2025-05"],
        ["7370","WESTERN SAHARA","100","DET","2025-05"],
        ["6863","FIJI","100","DET","2025-05"],
        ["5082","GAZA STRIP ADMINISTERED BY ISRAEL","100","DET","2025-05"]]""";
    Parsed parsed = new CensusParser(CodeTable.load(CENSUS, "")).parse(payload.getBytes(StandardCharsets.UTF_8),
        new CensusParser.Context("EXPORT", "ALL_VAL_MO", null, YearMonth.of(2025, 5), "FAS", "FT-900 2025-05",
            0L, "test"));

    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance).map(i -> ((TradeRow) i).partner())
        .containsExactly("WLD", "BLR", "XKX", "BIH", "ESH", "FJI");
    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).singleElement()
        .satisfies(b -> assertThat(((BadRow) b).reason()).contains("Unknown Schedule C country code '5082'"));
    assertThat(parsed.skipped()).isEqualTo(1);
  }

  @Test
  void shouldResolveComtradesOwnCodesThroughTheShippedTable() {
    String rec = """
        {"period":"202405","reporterCode":%s,"flowCode":"M","partnerCode":%s,"cmdCode":"TOTAL","primaryValue":10}""";
    String payload = "{\"count\":4,\"data\":[" + rec.formatted(381, 490) + "," + rec.formatted(757, 699) + ","
        + rec.formatted(579, 251) + "," + rec.formatted(842, 280) + "],\"error\":\"\"}";
    Parsed parsed = new ComtradeParser(CodeTable.load(M49, "")).parse(payload.getBytes(StandardCharsets.UTF_8), "t");

    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance)
        .map(i -> ((TradeRow) i).reporter() + "-" + ((TradeRow) i).partner())
        .containsExactly("ITA-TWN", "CHE-IND", "NOR-FRA");
    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).singleElement()
        .satisfies(b -> assertThat(((BadRow) b).reason()).isEqualTo("Unknown M49 partnerCode '280'"));
  }

  @Test
  void shouldResolvePartnersTheOlderListsLackedAndStillDeadLetterSark() {
    String rec = """
        {"period":"202405","reporterCode":842,"flowCode":"M","partnerCode":%s,"cmdCode":"TOTAL","primaryValue":10}""";
    String payload = "{\"count\":6,\"data\":[" + rec.formatted(652) + "," + rec.formatted(663) + ","
        + rec.formatted(831) + "," + rec.formatted(832) + "," + rec.formatted(833) + "," + rec.formatted(680)
        + "],\"error\":\"\"}";
    Parsed parsed = new ComtradeParser(CodeTable.load(M49, "")).parse(payload.getBytes(StandardCharsets.UTF_8), "t");

    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance).map(i -> ((TradeRow) i).partner())
        .containsExactly("BLM", "MAF", "GGY", "JEY", "IMN");
    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).singleElement()
        .satisfies(b -> assertThat(((BadRow) b).reason()).isEqualTo("Unknown M49 partnerCode '680'"));
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new TreeSet<>(a);
    u.addAll(b);
    return u;
  }
}
