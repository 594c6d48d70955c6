package io.tradepulse.connect.common;

import java.time.YearMonth;

/**
 * When to stop waiting for a month. A month-cursor that only advances past months with data stalls
 * forever on a month the reporter never publishes (a suspended reporter, a discontinued series). Months
 * that still have no data {@code lagMonths} after the newest month that could be out are taken as never
 * published and stepped over; younger empty months are asked again later (they are merely not out yet).
 */
public final class MonthGaps {
  private MonthGaps() {}

  /** The oldest month that is still worth waiting for. */
  public static YearMonth horizon(YearMonth lastPossible, int lagMonths) {
    return lastPossible.minusMonths(lagMonths - 1L);
  }

  /**
   * @param next first month of an answered window that had no data at all
   * @param windowEnd last month of that window
   * @return where the cursor goes: past the window's months that are older than the horizon, or
   *     {@code next} unchanged when the window's first month may still be published
   */
  public static YearMonth afterEmptyWindow(YearMonth next, YearMonth windowEnd, YearMonth lastPossible, int lagMonths) {
    YearMonth horizon = horizon(lastPossible, lagMonths);
    if (!next.isBefore(horizon)) {
      return next;
    }
    YearMonth pastWindow = windowEnd.plusMonths(1);
    return pastWindow.isBefore(horizon) ? pastWindow : horizon;
  }
}
