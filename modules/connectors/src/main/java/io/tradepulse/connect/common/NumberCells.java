package io.tradepulse.connect.common;

import java.util.regex.Pattern;

/**
 * How the trade tables' number cells are read, where a lenient read would send a wrong figure rather than a dead
 * letter. Values are written with commas as thousands separators ("1,234,567.8"): dropping every comma is right only
 * for such a grouping, since a decimal comma ("1234,56", "1.234,56") or a comma typed by mistake then reads as another,
 * silently wrong, number (123456; 1.23456). Commas anywhere else refuse the cell, so it becomes a dead letter naming it
 * instead of a figure off by a factor; so does a growth rate that is not a finite number ({@link #finite}).
 */
public final class NumberCells {
  /** Digits grouped by threes with commas, then an optional fraction after a dot. */
  private static final Pattern GROUPED = Pattern.compile("[+-]?\\d{1,3}(,\\d{3})+(\\.\\d*)?");

  private NumberCells() {
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
}
