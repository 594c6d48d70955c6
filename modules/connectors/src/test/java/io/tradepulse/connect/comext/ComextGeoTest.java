package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.common.CodeTable;
import org.junit.jupiter.api.Test;

class ComextGeoTest {
  private final ComextGeo geo = ComextGeo.load("");

  @Test
  void shouldMapTheGeonomenclaturesOwnCountryCodes() {
    // Regulation (EU) 2020/1470 departs from ISO alpha-2 for these two countries; the processor accepts XKX.
    assertThat(geo.lookup("XK")).get().extracting(CodeTable.Entry::iso3, CodeTable.Entry::kind)
        .containsExactly("XKX", CodeTable.Kind.COUNTRY);
    assertThat(geo.lookup("XS")).get().extracting(CodeTable.Entry::iso3).isEqualTo("SRB");
    assertThat(geo.lookup("EL")).get().extracting(CodeTable.Entry::iso3).isEqualTo("GRC");
  }

  @Test
  void shouldMapPlainIsoCodesThroughTheJdkTable() {
    assertThat(geo.lookup("gb")).get().extracting(CodeTable.Entry::iso3).isEqualTo("GBR");
    assertThat(geo.lookup("RS")).get().extracting(CodeTable.Entry::iso3).isEqualTo("SRB");
  }

  @Test
  void shouldLeaveCodesWithoutACountryCodeUnknownSoTheyAreDeadLettered() {
    assertThat(geo.lookup("XI")).isEmpty(); // Northern Ireland: part of GBR, published apart
    assertThat(geo.lookup("XC")).isEmpty(); // Ceuta
    assertThat(geo.lookup("QU")).isEmpty(); // countries and territories not specified
    assertThat(geo.lookup(null)).isEmpty();
  }
}
