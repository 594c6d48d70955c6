package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
}
