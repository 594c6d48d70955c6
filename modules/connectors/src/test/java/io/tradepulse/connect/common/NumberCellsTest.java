package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NumberCellsTest {
  /**
   * BigDecimal's own reason ("Character n is neither a decimal digit number, decimal point, nor "e" notation
   * exponential mark.") named neither the cell nor what is allowed, and a reader that kept it sent it as the dead
   * letter's reason.
   */
  @ParameterizedTest
  @ValueSource(strings = {"n/a", "", "1.2.3", "12 345", "0x1F", "-"})
  void shouldRefuseACellNamingItsValueAndWhatIsAllowedWhenItIsNotANumber(String cell) {
    assertThatThrownBy(() -> NumberCells.decimal(cell)).isExactlyInstanceOf(NumberFormatException.class)
        .hasMessage("'" + cell + "' is not a number (a plain decimal: digits, an optional fraction after a dot and an "
            + "optional exponent, such as 1234.5 or 1.2E6)");
    assertThatThrownBy(() -> NumberCells.decimal(cell, "primaryValue"))
        .isExactlyInstanceOf(NumberFormatException.class)
        .hasMessageStartingWith("primaryValue '" + cell + "' is not a number (a plain decimal");
  }

  @Test
  void shouldReadANumberAsBefore() {
    assertThat(NumberCells.decimal("1234.5")).isEqualByComparingTo("1234.5");
    assertThat(NumberCells.decimal("1.2E6", "x")).isEqualByComparingTo(new BigDecimal("1200000"));
    assertThat(NumberCells.decimal("-0")).isEqualByComparingTo("0");
  }

  /**
   * From 20 digits up to the exponent bound, rounding threw BigDecimal's ArithmeticException ("Overflow"), which the
   * readers sent as "Non-numeric ..." or "Overflow": a number, named as none, with no bound.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "99999999999999999999   | '99999999999999999999' is more than the largest allowed, 9223372036854775807",
      "9223372036854775808    | '9223372036854775808' is more than the largest allowed, 9223372036854775807",
      "9223372036854775807.5  | '9223372036854775807.5' is 9223372036854775808 whole units, more than the largest "
          + "allowed, 9223372036854775807",
      "1e25                   | '1e25' is 10000000000000000000000000 whole units, more than the largest allowed, "
          + "9223372036854775807"})
  void shouldRefuseAnAmountNamingTheCellAndTheLargestAllowedWhenItIsBeyondALong(String cell, String reason) {
    assertThatThrownBy(() -> NumberCells.wholeUnits(new BigDecimal(cell), cell))
        .isInstanceOf(NumberCells.OutOfBounds.class).hasMessage(reason);
  }

  @Test
  void shouldRefuseAnAmountNamingTheCellTheUnitAndTheLargestAllowedWhenItIsBeyondALongOnceMultiplied() {
    // within a long as written, beyond it in thousands (a GACC table's unit)
    assertThatThrownBy(() -> NumberCells.wholeUnits(new BigDecimal("9300000000000000"), BigDecimal.valueOf(1000),
        "9,300,000,000,000,000")).isInstanceOf(NumberCells.OutOfBounds.class)
        .hasMessage("'9,300,000,000,000,000' times 1000 is 9300000000000000000 whole units, more than the largest "
            + "allowed, 9223372036854775807");
  }

  @Test
  void shouldReadTheLargestAndSmallestWholeAmountsAsBefore() {
    assertThat(NumberCells.wholeUnits(new BigDecimal("9223372036854775807.4"), "c")).isEqualTo(Long.MAX_VALUE);
    assertThat(NumberCells.wholeUnits(new BigDecimal("-9223372036854775808"), "c")).isEqualTo(Long.MIN_VALUE);
    assertThat(NumberCells.wholeUnits(new BigDecimal("9223372036854775.807"), BigDecimal.valueOf(1000), "c"))
        .isEqualTo(Long.MAX_VALUE);
  }

  /** No reader passes a negative amount (each refuses it first), but the bound named must be the one crossed. */
  @Test
  void shouldRefuseANegativeAmountNamingTheSmallestAllowedWhenItIsBeyondALong() {
    assertThatThrownBy(() -> NumberCells.wholeUnits(new BigDecimal("-9223372036854775809"), "c"))
        .isInstanceOf(NumberCells.OutOfBounds.class)
        .hasMessage("'c' is -9223372036854775809 whole units, less than the smallest allowed, -9223372036854775808");
  }
}
