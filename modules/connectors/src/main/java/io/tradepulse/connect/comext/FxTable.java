package io.tradepulse.connect.comext;

import io.tradepulse.connect.common.NumberCells;
import io.tradepulse.core.CsvReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Monthly EUR exchange rates from a user-supplied CSV {@code period,currency,rate} (rate = units of the
 * currency per 1 EUR, the ECB reference-rate convention). Exact decimal arithmetic; a missing month is
 * reported to the caller (which dead-letters the row) rather than falling back to EUR: a topic where some
 * rows are USD and others silently EUR would poison every sum and YoY downstream.
 */
public final class FxTable {
  /**
   * Bounds of a rate, units of a currency per 1 EUR. The strongest currency per EUR is about 0.3 (KWD), the weakest
   * in use about 10^6 (IRR at its market rate); the bounds leave room for both and refuse rates off by orders of
   * magnitude.
   */
  static final BigDecimal MIN_RATE = new BigDecimal("0.0001");
  static final BigDecimal MAX_RATE = new BigDecimal("10000000");
  static final String RANGE = "a decimal from " + MIN_RATE.toPlainString() + " to " + MAX_RATE.toPlainString()
      + " units of the currency per 1 EUR";

  private final String currency;
  private final Map<YearMonth, BigDecimal> rates;
  private final String name;

  FxTable(String name, String currency, Map<YearMonth, BigDecimal> rates) {
    this.name = name;
    this.currency = currency;
    this.rates = Map.copyOf(rates);
  }

  /** @throws ConfigException naming comext.fx.table when the file cannot be read, has a bad line or no rate */
  public static FxTable load(String file, String currency) {
    byte[] csv;
    try {
      csv = Files.readAllBytes(Path.of(file));
    } catch (IOException e) {
      throw new ConfigException(ComextConfig.FX_TABLE_CONFIG, file, "cannot be read: " + e);
    }
    return parse(file, csv, currency);
  }

  /**
   * The validator of comext.fx.table: empty, or a readable table whose every line is well formed (checked for every
   * currency, since which one is used is another setting; {@link ComextConfig} checks that it has a rate).
   */
  static ConfigDef.Validator validator() {
    return ConfigDef.LambdaValidator.with((name, value) -> {
      if (value != null && !value.toString().isBlank()) {
        load(value.toString(), null);
      }
    }, () -> "empty, or a readable CSV period(yyyy-MM),currency,rate(" + MIN_RATE.toPlainString() + " to "
        + MAX_RATE.toPlainString() + ")");
  }

  /** @param currency the currency whose rates are kept; null to check every line and keep none */
  static FxTable parse(String name, byte[] csv, String currency) {
    Map<YearMonth, BigDecimal> m = new HashMap<>();
    // Per month and currency, the first rate and its line: a second, different rate is refused (see below).
    Map<String, BigDecimal> seen = new HashMap<>();
    Map<String, Long> seenLine = new HashMap<>();
    CsvReader r = new CsvReader(csv);
    int lines = 0;
    for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
      if (row.isBlank() || row.field(0).startsWith("#") || row.field(0).equalsIgnoreCase("period")) {
        continue;
      }
      lines++;
      YearMonth month;
      BigDecimal rate;
      try {
        rate = new BigDecimal(row.field(2).trim());
        if (!row.field(1).trim().matches("[A-Za-z]{3}")) {
          throw new NumberFormatException("not a currency");
        }
        month = YearMonth.parse(row.field(0).trim());
      } catch (RuntimeException e) {
        throw new ConfigException(ComextConfig.FX_TABLE_CONFIG, name, "line " + row.line()
            + " must be period(yyyy-MM),currency,rate (" + RANGE + "): "
            + new String(row.raw(), java.nio.charset.StandardCharsets.UTF_8));
      }
      // A rate off by orders of magnitude (typed in the wrong unit, inverted for a currency such as IDR, an extra
      // exponent) converted every figure of its month into a plausible-looking wrong one: refused at start.
      if (rate.compareTo(MIN_RATE) < 0 || rate.compareTo(MAX_RATE) > 0) {
        throw new ConfigException(ComextConfig.FX_TABLE_CONFIG, name, "line " + row.line() + " gives the rate "
            + row.field(2).trim() + ", outside the allowed range " + RANGE);
      }
      String rowCurrency = row.field(1).trim().toUpperCase(Locale.ROOT);
      // Two different rates for one month: the later line used to win silently, so which rate every figure of the
      // month was converted at depended on the order of the lines. Which one is meant is not for the table to guess.
      String key = month + " " + rowCurrency;
      BigDecimal earlier = seen.putIfAbsent(key, rate);
      if (earlier != null && earlier.compareTo(rate) != 0) {
        throw new ConfigException(ComextConfig.FX_TABLE_CONFIG, name, "line " + row.line() + " gives " + month + " "
            + rowCurrency + " the rate " + rate.toPlainString() + ", line " + seenLine.get(key) + " the rate "
            + earlier.toPlainString() + ": one rate per month and currency");
      }
      seenLine.putIfAbsent(key, row.line());
      if (currency != null && rowCurrency.equals(currency)) {
        m.put(month, rate);
      }
    }
    if (currency == null ? lines == 0 : m.isEmpty()) {
      throw new ConfigException(ComextConfig.FX_TABLE_CONFIG, name, "has no " + (currency == null ? "" : currency + " ")
          + "rate");
    }
    return new FxTable(name, currency, m);
  }

  public String currency() {
    return currency;
  }

  public Optional<BigDecimal> rate(YearMonth month) {
    return Optional.ofNullable(rates.get(month));
  }

  /**
   * EUR amount converted at the month's rate, rounded half-even to a whole unit.
   *
   * @throws ArithmeticException when the amount converted is beyond a long
   */
  public static long convert(long eur, BigDecimal rate) {
    BigDecimal converted = BigDecimal.valueOf(eur).multiply(rate);
    try {
      // bounded first: a rate such as 1e-9999999 in the table would take seconds of CPU per row to round
      return NumberCells.wholeUnits(converted, converted.toString());
    } catch (NumberCells.OutOfBounds e) {
      throw new ArithmeticException(e.getMessage());
    }
  }

  public String name() {
    return name;
  }
}
