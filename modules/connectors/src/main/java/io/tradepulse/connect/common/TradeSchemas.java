package io.tradepulse.connect.common;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.connect.avro.AvroConverter;
import java.util.Date;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Connect schemas of the canonical Avro records, derived from them. The schema NAMES are the Avro full names: the
 * tradepulse AvroConverter recognises them and writes the canonical .avsc schema from tradepulse-schemas,
 * so the registry subject holds exactly that schema. Enums (Flow, CommodityLevel, FigureQuality, DeadLetterStage)
 * are Connect strings; the converter maps them to the Avro enum symbols.
 */
public final class TradeSchemas {
  private TradeSchemas() {}

  public static final String SERIES_KEY_NAME = "io.tradepulse.avro.SeriesKey";
  public static final String TRADE_RECORD_NAME = "io.tradepulse.avro.TradeRecord";
  public static final String DEAD_LETTER_NAME = "io.tradepulse.avro.DeadLetter";

  // Derived from the canonical .avsc (the one source of truth), never written down twice.
  public static final Schema SERIES_KEY = AvroConverter.connectSchema(SeriesKey.getClassSchema());
  public static final Schema TRADE_RECORD = AvroConverter.connectSchema(TradeRecord.getClassSchema());
  public static final Schema DEAD_LETTER = AvroConverter.connectSchema(DeadLetter.getClassSchema());

  public static Struct key(TradeRow r) {
    return new Struct(SERIES_KEY)
        .put("reporter", r.reporter())
        .put("partner", r.partner())
        .put("flow", r.flow())
        .put("commodity", r.commodity());
  }

  public static Struct value(TradeRow r) {
    return new Struct(TRADE_RECORD)
        .put("reporter", r.reporter())
        .put("partner", r.partner())
        .put("flow", r.flow())
        .put("commodity", r.commodity())
        .put("commodityLevel", r.commodityLevel())
        .put("year", r.year())
        .put("month", r.month())
        .put("months", r.months())
        .put("value", r.value())
        .put("currency", r.currency())
        .put("valuation", r.valuation())
        .put("reportedYoyPct", r.reportedYoyPct())
        .put("source", r.source())
        .put("sourceRef", r.sourceRef())
        .put("vintage", r.vintage())
        .put("publishedAt", new Date(r.publishedAt()))
        .put("revision", r.revision())
        .put("note", r.note())
        .put("quality", r.quality().name());
  }

  /** @param occurredAt deterministic time: the publication time of the payload the row came from */
  public static Struct deadLetter(BadRow b, long occurredAt) {
    return new Struct(DEAD_LETTER)
        .put("stage", "INGEST")
        .put("reason", b.reason())
        .put("errorClass", b.errorClass())
        .put("source", b.source())
        .put("position", b.position())
        .put("rawValue", b.raw())
        .put("occurredAt", new Date(occurredAt));
  }
}
