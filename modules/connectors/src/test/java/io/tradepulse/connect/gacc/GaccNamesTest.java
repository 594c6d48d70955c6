package io.tradepulse.connect.gacc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.TradeRow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a GACC table's country/region cell is matched to a row of the name table. */
class GaccNamesTest {
  @TempDir Path dir;

  static final String TABLE = """
      code,iso3,kind,name
      Total,WLD,TOTAL,Total
      European Union,,GROUP,European Union
      "Korea, Rep.",KOR,COUNTRY,Republic of Korea
      U.S.A.,USA,COUNTRY,United States
      Germany,DEU,COUNTRY,Germany
      Cote d'Ivoire,CIV,COUNTRY,Cote d'Ivoire
      Bahamas,BHS,COUNTRY,Bahamas
      Antigua and Barbuda,ATG,COUNTRY,Antigua and Barbuda
      Turkiye,TUR,COUNTRY,Turkiye
      """;

  GaccNames names(String csv) throws Exception {
    Path t = Files.writeString(dir.resolve("names.csv"), csv);
    return GaccNames.load(t.toString(), GaccConfig.COUNTRY_TABLE_CONFIG);
  }

  String iso3(GaccNames names, String name) {
    return names.lookup(name).map(CodeTable.Entry::iso3).orElse("(none)");
  }

  @Test
  void shouldMatchSpellingsThatDifferOnlyInCaseAccentsSpacingPunctuationOrThe() throws Exception {
    GaccNames names = names(TABLE);
    Map<String, String> spellings = Map.ofEntries(
        Map.entry("Korea, Rep.", "KOR"), Map.entry("KOREA REP", "KOR"), Map.entry("Korea , Rep", "KOR"),
        Map.entry("USA", "USA"), Map.entry("U. S. A.", "USA"), Map.entry("u.s.a", "USA"),
        Map.entry("Côte d’Ivoire", "CIV"), Map.entry("COTE D'IVOIRE", "CIV"), Map.entry("Cote-d-Ivoire", "CIV"),
        Map.entry("The Bahamas", "BHS"), Map.entry("Bahamas, The", "BHS"), Map.entry("Bahamas (the)", "BHS"),
        Map.entry("Antigua & Barbuda", "ATG"), Map.entry("Türkiye", "TUR"),
        // full-width letters and the non-breaking spaces GACC's pages indent rows with
        Map.entry("\u00a0\u00a0\u00a0Germany", "DEU"), Map.entry("Ｇｅｒｍａｎｙ", "DEU"), Map.entry("Ger\u3000many", "DEU"));
    spellings.forEach((name, iso3) -> assertThat(iso3(names, name)).as(name).isEqualTo(iso3));
  }

  @Test
  void shouldMatchAMemberRowMarkedOfWhichByTheMembersName() throws Exception {
    GaccNames names = names(TABLE);
    assertThat(iso3(names, "of which: Germany")).isEqualTo("DEU");
    assertThat(iso3(names, "\u00a0\u00a0Of which:\u00a0Korea, Rep.")).isEqualTo("KOR");
    assertThat(names.lookup("of which: European Union")).get().extracting(CodeTable.Entry::kind)
        .isEqualTo(CodeTable.Kind.GROUP);
  }

  @Test
  void shouldNotMatchNamesThatDifferInWords() throws Exception {
    GaccNames names = names(TABLE);
    // other words name another economy, or none this table knows: a dead letter, not a guess
    assertThat(names.lookup("Republic of Korea")).isEmpty();
    assertThat(names.lookup("Korea")).isEmpty();
    assertThat(names.lookup("Korea, Dem. Rep.")).isEmpty();
    assertThat(names.lookup("United States")).isEmpty();
    assertThat(names.lookup("Germany East")).isEmpty();
    assertThat(names.lookup("")).isEmpty();
    assertThat(names.lookup("-")).isEmpty();
    assertThat(names.lookup(null)).isEmpty();
  }

  @Test
  void shouldLookUpAnExactlyListedNameFirst() throws Exception {
    // Rows that agree on code and kind may share a key; a name listed as written still resolves to its own row, so
    // every row of an existing table matches as it did before names were normalised.
    GaccNames names = new GaccNames(CodeTable.load(null, Files.writeString(dir.resolve("t.csv"), """
        code,iso3,kind,name
        U.S.A.,USA,COUNTRY,United States
        USA,USA,COUNTRY,United States (as printed in 2025)
        """).toString()));
    assertThat(names.lookup("usa")).get().extracting(CodeTable.Entry::name)
        .isEqualTo("United States (as printed in 2025)");
    assertThat(names.lookup("U.S.A.")).get().extracting(CodeTable.Entry::name).isEqualTo("United States");
  }

  @Test
  void shouldRefuseATableWhereTwoNamesAreAlikeButMapToDifferentEconomies() throws Exception {
    Path t = Files.writeString(dir.resolve("ambiguous.csv"), TABLE + "Korea Rep,PRK,COUNTRY,Wrong\n");
    assertThatThrownBy(() -> GaccNames.load(t.toString(), GaccConfig.COUNTRY_TABLE_CONFIG))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(GaccConfig.COUNTRY_TABLE_CONFIG)
        .hasMessageContaining("'Korea Rep' (COUNTRY PRK) and 'Korea, Rep.' (COUNTRY KOR) are the same name");
    // and a group alike with a country: the country would be dropped as a group, or the group emitted as a country
    Path g = Files.writeString(dir.resolve("group.csv"), TABLE + "GERMANY (THE),,GROUP,Germany group\n");
    assertThatThrownBy(() -> GaccNames.load(g.toString(), GaccConfig.COUNTRY_TABLE_CONFIG))
        .hasMessageContaining("'GERMANY (THE)' (GROUP) and 'Germany' (COUNTRY DEU) are the same name");
  }

  @Test
  void shouldFailTheConnectorConfigNamingTheKeyWhenTheOverrideIsAmbiguous() throws Exception {
    Path t = Files.writeString(dir.resolve("ambiguous.csv"), TABLE + "Korea Rep,PRK,COUNTRY,Wrong\n");
    assertThatThrownBy(() -> new GaccConfig(Map.of(GaccConfig.LOCATIONS_CONFIG, "/data/t.csv",
        GaccConfig.COUNTRY_TABLE_CONFIG, t.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(GaccConfig.COUNTRY_TABLE_CONFIG)
        .hasMessageContaining("are the same name");
    // a consistent override is accepted
    Path ok = Files.writeString(dir.resolve("ok.csv"), TABLE);
    assertThat(new GaccConfig(Map.of(GaccConfig.LOCATIONS_CONFIG, "/data/t.csv", GaccConfig.COUNTRY_TABLE_CONFIG,
        ok.toString())).countryTable()).isEqualTo(ok.toString());
  }

  @Test
  void shouldReadRowsSpelledOtherwiseThanTheTableAndStillDeadLetterAnUnknownName() throws Exception {
    GaccNames names = names(TABLE);
    String table = """
        Unit: US$1,000
        Country (Region),Year,Month,Exports,Imports
        European Union,2025,5,"45,000,000","22,000,000"
        YoY %,,,-,-
        "\u00a0\u00a0of which: Germany",2025,5,"8,000,000","7,000,000"
        YoY %,,,-,-
        KOREA REP,2025,5,"12,000,000","15,000,000"
        YoY %,,,-,-
        USA,2025,5,"28,800,000","10,200,000"
        YoY %,,,-34.5,-18.1
        Korea,2025,5,"1,000","1,000"
        YoY %,,,-,-
        """;
    Parsed parsed = new GaccTableParser(names).parse(table.getBytes(StandardCharsets.UTF_8),
        new GaccTableParser.Context("t.csv", 10));

    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance).map(i -> (TradeRow) i)
        .filteredOn(r -> r.flow().equals("EXPORT")).extracting(TradeRow::partner)
        .containsExactly("DEU", "KOR", "USA");
    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).map(i -> ((BadRow) i).reason())
        .containsExactly("Unknown country/region 'Korea': not in " + dir.resolve("names.csv"));
  }
}
