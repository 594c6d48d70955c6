package io.tradepulse.connect.common;

import java.util.Date;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Connect schemas mirroring the canonical Avro records. The schema NAMES are the Avro full names: the
 * tradepulse AvroConverter recognises them and writes the canonical .avsc schema from tradepulse-schemas,
 * so the registry subject holds exactly that schema. Enums (Flow, CommodityLevel, DeadLetterStage) are
 * Connect strings; the converter maps them to the Avro enum symbols.
 */
public final class TradeSchemas {
  private TradeSchemas() {}

  public static final String SERIES_KEY_NAME = "io.tradepulse.avro.SeriesKey";
  public static final String TRADE_RECORD_NAME = "io.tradepulse.avro.TradeRecord";
  public static final String DEAD_LETTER_NAME = "io.tradepulse.avro.DeadLetter";

  public static final Schema SERIES_KEY = SchemaBuilder.struct().name(SERIES_KEY_NAME)
      .field("reporter", Schema.STRING_SCHEMA)
      .field("partner", Schema.STRING_SCHEMA)
      .field("flow", Schema.STRING_SCHEMA)
      .field("commodity", Schema.STRING_SCHEMA)
      .build();

  public static final Schema TRADE_RECORD = SchemaBuilder.struct().name(TRADE_RECORD_NAME)
      .field("reporter", Schema.STRING_SCHEMA)
      .field("partner", Schema.STRING_SCHEMA)
      .field("flow", Schema.STRING_SCHEMA)
      .field("commodity", Schema.STRING_SCHEMA)
      .field("commodityLevel", Schema.STRING_SCHEMA)
      .field("year", Schema.INT32_SCHEMA)
      .field("month", Schema.INT32_SCHEMA)
      .field("months", SchemaBuilder.int32().defaultValue(1).build())
      .field("value", Schema.OPTIONAL_INT64_SCHEMA)
      .field("currency", SchemaBuilder.string().defaultValue("USD").build())
      .field("valuation", Schema.OPTIONAL_STRING_SCHEMA)
      .field("reportedYoyPct", Schema.OPTIONAL_FLOAT64_SCHEMA)
      .field("source", Schema.STRING_SCHEMA)
      .field("sourceRef", Schema.OPTIONAL_STRING_SCHEMA)
      .field("vintage", Schema.STRING_SCHEMA)
      .field("publishedAt", Timestamp.SCHEMA)
      .field("revision", SchemaBuilder.int32().defaultValue(0).build())
      .field("note", Schema.OPTIONAL_STRING_SCHEMA)
      .build();

  public static final Schema DEAD_LETTER = SchemaBuilder.struct().name(DEAD_LETTER_NAME)
      .field("stage", Schema.STRING_SCHEMA)
      .field("reason", Schema.STRING_SCHEMA)
      .field("errorClass", Schema.OPTIONAL_STRING_SCHEMA)
      .field("source", Schema.OPTIONAL_STRING_SCHEMA)
      .field("position", Schema.OPTIONAL_STRING_SCHEMA)
      .field("originTopic", Schema.OPTIONAL_STRING_SCHEMA)
      .field("originPartition", Schema.OPTIONAL_INT32_SCHEMA)
      .field("originOffset", Schema.OPTIONAL_INT64_SCHEMA)
      .field("rawKey", Schema.OPTIONAL_BYTES_SCHEMA)
      .field("rawValue", Schema.OPTIONAL_BYTES_SCHEMA)
      .field("occurredAt", Timestamp.SCHEMA)
      .build();

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
        .put("note", r.note());
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
