package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.TradeRow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Comext values that are numbers, but beyond any whole amount: dead letters, never a failed task or a stall. */
class ComextValueBoundsTest {
  private static final ComextParser.Filter ALL = new ComextParser.Filter(Set.of(), Set.of(), List.of(), Set.of());

  private static String bulkRow(String partner, String value) {
    return "DE," + partner + ",E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505," + value + ",,1,0\n";
  }

  private static Parsed bulk(ComextParser parser, String rows) {
    return parser.parseBulk((ComextSourceTaskTest.BULK_HEADER + rows).getBytes(StandardCharsets.UTF_8),
        "full_v2_202505.csv", ALL, 45);
  }

  private static List<String> reasons(Parsed p) {
    return p.items().stream().filter(BadRow.class::isInstance).map(i -> ((BadRow) i).reason()).toList();
  }

  @Test
  void shouldDeadLetterTheSeriesNamingTheExponentWhenABulkValueHasAHugeExponent() {
    Parsed p = bulk(new ComextParser(ComextGeo.load(""), null), bulkRow("CN", "1e9999999") + bulkRow("US", "7"));

    assertThat(reasons(p)).singleElement().asString()
        .startsWith("VALUE_EUR '1e9999999' is out of range: exponent 9999999");
    assertThat(p.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).partner())
        .containsExactly("USA");
  }

  /** Beyond a long, the series' dead letter read "Non-numeric VALUE_EUR '99999999999999999999'": a number. */
  @Test
  void shouldRefuseTheSeriesNamingTheFieldTheValueAndTheLargestAllowedWhenABulkValueIsBeyondALong() {
    Parsed p = bulk(new ComextParser(ComextGeo.load(""), null), bulkRow("CN", "99999999999999999999")
        + bulkRow("US", "7"));

    assertThat(reasons(p)).singleElement().asString().startsWith(
        "VALUE_EUR '99999999999999999999' is more than the largest allowed, 9223372036854775807 on line 2: series ");
    assertThat(p.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).partner())
        .containsExactly("USA");
  }

  @Test
  void shouldDeadLetterTheSeriesWhenItsBulkSumIsBeyondALong() {
    Parsed p = bulk(new ComextParser(ComextGeo.load(""), null),
        bulkRow("CN", "9000000000000000000") + bulkRow("CN", "9000000000000000000") + bulkRow("US", "7"));

    assertThat(reasons(p)).singleElement().asString()
        .startsWith("Sum of VALUE_EUR beyond a whole amount with '9000000000000000000' on line 3");
    assertThat(p.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).partner())
        .containsExactly("USA");
  }

  @Test
  void shouldDeadLetterTheRowWhenItsValueConvertedFromEurIsBeyondALong() {
    FxTable fx = FxTable.parse("fx.csv", "2025-05,USD,10\n".getBytes(StandardCharsets.UTF_8), "USD");
    Parsed p = bulk(new ComextParser(ComextGeo.load(""), fx),
        bulkRow("CN", "1000000000000000000") + bulkRow("US", "7"));

    assertThat(reasons(p)).containsExactly("EUR 1000000000000000000 at 10 USD/EUR is beyond a whole amount");
    assertThat(p.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).value())
        .containsExactly(70L);
  }

  @Test
  void shouldDeadLetterTheSeriesNamingTheCellWhenABulkValueIsNegative() {
    // Summed into its series, -40 made CN's 100 a figure of 60 that no validator could tell from a real one.
    Parsed p = bulk(new ComextParser(ComextGeo.load(""), null),
        bulkRow("CN", "100") + bulkRow("CN", "-40") + bulkRow("US", "7"));

    assertThat(reasons(p)).singleElement().asString().contains("VALUE_EUR '-40' is negative (a trade value never is)");
    assertThat(p.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).partner())
        .containsExactly("USA");
  }
}
