package io.tradepulse.connect.comtrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.TradeRow;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ComtradeValueBoundsTest {
  private static final String M49 = "/io/tradepulse/connect/ref/m49.csv";

  @Test
  void shouldDeadLetterTheRecordNamingTheExponentWhenPrimaryValueHasAHugeExponent() {
    Parsed parsed = parseChinaThenCanada("1e9999999");

    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).singleElement()
        .satisfies(b -> assertThat(((BadRow) b).reason())
            .startsWith("primaryValue '1e9999999' is out of range: exponent 9999999"));
    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).partner())
        .containsExactly("CAN");
  }

  @Test
  void shouldDeadLetterTheRecordNamingTheCellWhenPrimaryValueIsNegative() {
    Parsed parsed = parseChinaThenCanada("-1234.5");

    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).singleElement()
        .satisfies(b -> assertThat(((BadRow) b).reason())
            .isEqualTo("primaryValue '-1234.5' is negative (a trade value never is)"));
    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).partner())
        .containsExactly("CAN");
  }

  /** Beyond a long, the record was a dead letter reading "Overflow" (BigDecimal's reason), naming neither. */
  @Test
  void shouldRefuseARecordNamingTheFieldTheValueAndTheLargestAllowedWhenPrimaryValueIsBeyondALong() {
    Parsed parsed = parseChinaThenCanada("99999999999999999999");

    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).singleElement().satisfies(b -> {
      assertThat(((BadRow) b).reason())
          .isEqualTo("primaryValue '99999999999999999999' is more than the largest allowed, 9223372036854775807");
      // as for primaryValue's other bounds (exponent, sign); it was java.lang.ArithmeticException with "Overflow"
      assertThat(((BadRow) b).errorClass()).isNull();
    });
    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).partner())
        .containsExactly("CAN");
  }

  /** BigDecimal's own reason, "Character n is neither a decimal digit number, ...", named neither field nor value. */
  @Test
  void shouldRefuseARecordNamingTheFieldTheValueAndWhatIsAllowedWhenPrimaryValueIsNotANumber() {
    Parsed parsed = parseChinaThenCanada("\"n/a\"");

    assertThat(parsed.items()).filteredOn(BadRow.class::isInstance).singleElement().satisfies(b -> {
      assertThat(((BadRow) b).reason()).isEqualTo("primaryValue 'n/a' is not a number (a plain decimal: digits, an "
          + "optional fraction after a dot and an optional exponent, such as 1234.5 or 1.2E6)");
      assertThat(((BadRow) b).errorClass()).isEqualTo(NumberFormatException.class.getName());
    });
    assertThat(parsed.items()).filteredOn(TradeRow.class::isInstance).extracting(i -> ((TradeRow) i).partner())
        .containsExactly("CAN");
  }

  /**
   * A page of two US import records, from China with {@code chinaPrimaryValue} (JSON text: a number, or a quoted
   * string) and from Canada with 10: the second shows that one bad record does not cost the page.
   */
  private static Parsed parseChinaThenCanada(String chinaPrimaryValue) {
    String rec = """
        {"period":"202405","reporterCode":842,"flowCode":"M","partnerCode":%s,"cmdCode":"TOTAL","primaryValue":%s}""";
    String payload = "{\"count\":2,\"data\":[" + rec.formatted(156, chinaPrimaryValue) + "," + rec.formatted(124, "10")
        + "],\"error\":\"\"}";
    return new ComtradeParser(CodeTable.load(M49, "")).parse(payload.getBytes(StandardCharsets.UTF_8), "t");
  }
}
