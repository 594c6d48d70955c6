package io.tradepulse.connect.common;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * How the trade tables' number cells are read, where a lenient read would send a wrong figure rather than a dead
 * letter. Values are written with commas as thousands separators ("1,234,567.8"): dropping every comma is right only
 * for such a grouping, since a decimal comma ("1234,56", "1.234,56") or a comma typed by mistake then reads as another,
 * silently wrong, number (123456; 1.23456). Commas anywhere else refuse the cell, so it becomes a dead letter naming it
 * instead of a figure off by a factor; so does a growth rate that is not a finite number ({@link #finite}), and an
 * amount too long or too far out of range to be a figure ({@link #decimal}, {@link #wholeUnits}).
 */
public final class NumberCells {
  /** A plain decimal, as a table or a CSV writes one: digits, an optional fraction and an optional exponent. */
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  /** Digits grouped by threes with commas, then an optional fraction after a dot. */
  private static final Pattern GROUPED = Pattern.compile("[+-]?\\d{1,3}(,\\d{3})+(\\.\\d*)?");

  /**
   * Most characters of an amount cell. Far above any figure (a long has 19 digits; a few decimals, a sign, an
   * exponent), yet short enough to parse at once: BigDecimal reads a long digit string in time quadratic in its
   * length (about 25 s of CPU for one 1 MB cell, which a line may be), stalling the task on a broken file.
   */
  public static final int MAX_AMOUNT_CHARS = 100;

  /** Most digits a whole amount has before the decimal point: Long.MAX_VALUE has 19. */
  private static final int MAX_INTEGER_DIGITS = 19;

  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);

  private NumberCells() {
  }

  /**
   * A cell refused for its size (too long, an exponent or amount beyond a long) or its sign, the first two before any
   * costly parsing or rounding. Its message quotes the cell (or its start) and says what is out of bounds, for a dead
   * letter's reason to keep: a reader's usual "Non-numeric ..." would hide that the cell is a number, only not a
   * plausible one.
   */
  public static class OutOfBounds extends NumberFormatException {
    OutOfBounds(String message) {
      super(message);
    }
  }

  /**
   * An amount cell below zero. No trade value is (imports and exports are both positive flows), and the processor's
   * validator refuses one; refused at the connector, the dead letter names the file, line or cell it came from, which
   * the processor's cannot. An {@link OutOfBounds}: where a reader names the cell's field before the message of that,
   * it does the same for this one ("VALUE_EUR '-5' is negative ...").
   */
  public static final class Negative extends OutOfBounds {
    Negative(String cell) {
      super("'" + cell + "' is negative (a trade value never is)");
    }
  }

  /**
   * {@code v}, read from {@code cell}, when it is not below zero ("-0" is zero).
   *
   * @throws Negative when it is
   */
  public static BigDecimal nonNegative(BigDecimal v, String cell) {
    if (v.signum() < 0) {
      throw new Negative(cell);
    }
    return v;
  }

  /** What an amount cell may hold, for the reason of one that holds no number. */
  public static final String DECIMAL_ALLOWED = "a plain decimal: digits, an optional fraction after a dot and an "
      + "optional exponent, such as 1234.5 or 1.2E6";

  /**
   * {@code v} read as a decimal amount, refused before parsing when longer than {@link #MAX_AMOUNT_CHARS}.
   *
   * @throws OutOfBounds when {@code v} is too long to be an amount (names its length, not the whole cell)
   * @throws NumberFormatException when {@code v} is not a number (names it and what is allowed)
   */
  public static BigDecimal decimal(String v) {
    return decimal(v, null);
  }

  /**
   * {@link #decimal(String)}, with {@code field} (the column or field the cell is read from; null: unknown) before the
   * reason of a cell that is not a number. BigDecimal's own reason named neither the cell nor what is allowed
   * ("Character n is neither a decimal digit number, decimal point, nor "e" notation exponential mark."), and went out
   * as the dead letter's reason where a reader kept it.
   *
   * @throws OutOfBounds when {@code v} is too long to be an amount (names its length, not the whole cell)
   * @throws NumberFormatException when {@code v} is not a number: "{@code field} 'n/a' is not a number (...)"
   */
  public static BigDecimal decimal(String v, String field) {
    if (v.length() > MAX_AMOUNT_CHARS) {
      throw new OutOfBounds("'" + v.substring(0, 20) + "...' is " + v.length()
          + " characters long, more than an amount has (at most " + MAX_AMOUNT_CHARS + ")");
    }
    try {
      return new BigDecimal(v);
    } catch (NumberFormatException e) {
      // Of the same class: a dead letter's errorClass stays what it was.
      NumberFormatException named = new NumberFormatException((field == null ? "" : field + " ") + "'" + v
          + "' is not a number (" + DECIMAL_ALLOWED + ")");
      named.initCause(e);
      throw named;
    }
  }

  /**
   * An amount cell that is a number, but beyond a long once rounded to whole units (and multiplied by its unit): the
   * readers named it "Non-numeric" (or gave BigDecimal's "Overflow"), though it is a number, only more than any figure
   * can be. Its message names the cell, its whole units when they read otherwise than the cell, and the largest (or
   * smallest) allowed; a reader puts the cell's field before it, as for any {@link OutOfBounds}.
   */
  public static final class BeyondLong extends OutOfBounds {
    private final BigDecimal units;

    BeyondLong(String cell, BigDecimal unit, BigDecimal units) {
      super("'" + cell + "'" + (unit == null ? "" : " times " + unit.toPlainString()) + " is "
          + (unit == null && units.toPlainString().equals(cell.trim()) ? "" : units.toPlainString() + " whole units, ")
          + (units.signum() > 0 ? "more than the largest allowed, " + Long.MAX_VALUE
          : "less than the smallest allowed, " + Long.MIN_VALUE));
      this.units = units;
    }

    /** The amount in whole units, rounded, that is beyond a long. */
    public BigDecimal units() {
      return units;
    }
  }

  /**
   * {@code v}, read from {@code cell}, rounded half-even to a whole unit. Its size is checked from its digits and
   * exponent before any rounding: BigDecimal reads "1e9999999" (or "1e-9999999") at once, but rounding it builds a
   * ten-million-digit power of ten, 5 to 20 s of CPU per cell, during which the task is stalled on one broken row.
   *
   * <p>A cell whose exponent puts more digits before the point than any cell has characters is refused naming the
   * exponent; from 20 digits up to that, rounding is cheap, and the amount is refused as beyond a long
   * ({@link BeyondLong}, naming the cell and the largest allowed).
   *
   * @throws OutOfBounds when {@code v}'s exponent is beyond any amount (names the cell and the exponent)
   * @throws BeyondLong when {@code v} is otherwise beyond a long
   */
  public static long wholeUnits(BigDecimal v, String cell) {
    return rounded(v, null, cell);
  }

  /**
   * {@code v} in {@code unit}s (a cell of a table in thousands: 1000), read from {@code cell}, as {@link #wholeUnits}
   * rounds it; the cell's own exponent is checked first, so that the reason names the exponent the cell shows. A cell
   * within a long that is beyond it once multiplied is a {@link BeyondLong} naming the unit too.
   */
  public static long wholeUnits(BigDecimal v, BigDecimal unit, String cell) {
    if (v.signum() != 0) {
      checkExponent(v, cell);
    }
    return rounded(v.multiply(unit), unit, cell);
  }

  /** {@code amount}, read from {@code cell} (times {@code unit}; null: none), rounded half-even to a whole unit. */
  private static long rounded(BigDecimal amount, BigDecimal unit, String cell) {
    if (amount.signum() == 0) {
      return 0;
    }
    long integerDigits = checkExponent(amount, cell);
    if (integerDigits < 0) {
      return 0; // |amount| < 0.1 rounds half-even to 0, whatever its exponent: no need to scale it
    }
    BigDecimal units = amount.setScale(0, RoundingMode.HALF_EVEN);
    if (units.compareTo(LONG_MAX) > 0 || units.compareTo(LONG_MIN) < 0) {
      throw new BeyondLong(cell, unit, units);
    }
    return units.longValueExact();
  }

  /** @return the digits {@code v} (not zero) has before its decimal point, negative for |v| < 0.1 */
  private static long checkExponent(BigDecimal v, String cell) {
    long integerDigits = (long) v.precision() - v.scale(); // adjusted exponent + 1
    if (integerDigits > MAX_AMOUNT_CHARS) {
      throw new OutOfBounds("'" + cell + "' is out of range: exponent " + (integerDigits - 1) + ", beyond any amount"
          + " (a whole amount has at most " + MAX_INTEGER_DIGITS + " digits)");
    }
    return integerDigits;
  }

  /**
   * @return {@code v} without its thousands separators (unchanged when it has no comma)
   * @throws NumberFormatException when {@code v} has a comma that is not a thousands separator
   */
  public static String ungroup(String v) {
    if (v.indexOf(',') < 0) {
      return v;
    }
    if (!GROUPED.matcher(v).matches()) {
      throw new NumberFormatException("'" + v + "' has a comma that is not a thousands separator (a decimal comma?)");
    }
    return v.replace(",", "");
  }

  /**
   * {@code d}, read from {@code cell}, when it is finite. Double.parseDouble also reads "NaN", "Infinity" and
   * overflowing exponents ("1e999"): as a reported YoY % such a cell went out as a figure, and a NaN growth rate
   * poisons every median and signal computed from it downstream.
   *
   * @throws NumberFormatException when {@code d} is NaN or infinite
   */
  public static double finite(double d, String cell) {
    if (!Double.isFinite(d)) {
      throw new NumberFormatException("'" + cell + "' is not a finite number");
    }
    return d;
  }

  /**
   * {@code s} (the cell {@code cell} without its "%") read as a percentage. Double.parseDouble also reads Java's
   * literal forms, a type suffix ("5d", "5f") and hexadecimal ("0x1p3" = 8.0): no table or CSV writes a figure so,
   * and such a cell went out as a growth rate (0x1p3 as 8 %); it is refused like any other cell that is not a number.
   * What Double.parseDouble refuses, and what is not finite ({@link #finite}), is refused as before, with the same
   * message.
   *
   * @throws NumberFormatException when {@code s} is not a plain finite decimal
   */
  public static double percent(String s, String cell) {
    double d = finite(Double.parseDouble(s), cell);
    if (!DECIMAL.matcher(s.trim()).matches()) {
      throw new NumberFormatException("'" + cell + "' is not a plain decimal number");
    }
    return d;
  }
}
