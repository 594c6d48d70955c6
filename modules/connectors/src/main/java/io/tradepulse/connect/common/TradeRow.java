package io.tradepulse.connect.common;

import io.tradepulse.avro.FigureQuality;
import java.util.Objects;

/**
 * One normalized trade figure as parsed from a source, before it becomes Connect data. Mirrors
 * {@code io.tradepulse.avro.TradeRecord} field by field so the mapping stays obvious, but for {@code derivedFrom},
 * which only the processor's roll-ups set. {@code quality} is the generated enum rather than a string, as Connect
 * carries it, so that no parser can write a symbol the schema does not have.
 */
public record TradeRow(
    String reporter,
    String partner,
    String flow,
    String commodity,
    String commodityLevel,
    int year,
    int month,
    int months,
    Long value,
    String currency,
    String valuation,
    Double reportedYoyPct,
    String source,
    String sourceRef,
    String vintage,
    long publishedAt,
    int revision,
    String note,
    FigureQuality quality) implements ParsedItem {

  public TradeRow {
    Objects.requireNonNull(reporter, "reporter");
    Objects.requireNonNull(partner, "partner");
    Objects.requireNonNull(flow, "flow");
    Objects.requireNonNull(commodity, "commodity");
    Objects.requireNonNull(commodityLevel, "commodityLevel");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(vintage, "vintage");
    Objects.requireNonNull(quality, "quality");
  }

  /** Same row with another value/currency/note, used by the FX conversion of Comext rows. */
  public TradeRow withMoney(Long newValue, String newCurrency, String newNote) {
    return new TradeRow(reporter, partner, flow, commodity, commodityLevel, year, month, months, newValue,
        newCurrency, valuation, reportedYoyPct, source, sourceRef, vintage, publishedAt, revision, newNote, quality);
  }

  public TradeRow withReportedYoyPct(Double pct) {
    return new TradeRow(reporter, partner, flow, commodity, commodityLevel, year, month, months, value,
        currency, valuation, pct, source, sourceRef, vintage, publishedAt, revision, note, quality);
  }

  public TradeRow withRevision(int newRevision) {
    return new TradeRow(reporter, partner, flow, commodity, commodityLevel, year, month, months, value, currency,
        valuation, reportedYoyPct, source, sourceRef, vintage, publishedAt, newRevision, note, quality);
  }
}
