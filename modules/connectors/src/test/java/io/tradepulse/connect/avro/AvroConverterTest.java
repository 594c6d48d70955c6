package io.tradepulse.connect.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.connect.common.TradeSchemas;
import io.tradepulse.registry.serde.KafkaAvroDeserializer;
import io.tradepulse.registry.serde.KafkaAvroSerializer;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AvroConverterTest {
  final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  static final Map<String, Object> CONF = Map.of("schema.registry.url", "http://unused:8081");

  static final TradeRow ROW = new TradeRow("CHN", "USA", "EXPORT", "TOTAL", "TOTAL", 2025, 5, 1, 28_800_000_000L, "USD",
      "FOB", -34.5, "GACC", "AP 2025-06-09", "2025-06-09", Instant.parse("2025-06-09T02:00:00Z").toEpochMilli(), 0, null,
      FigureQuality.PUBLISHED);

  AvroConverter converter(boolean isKey) {
    AvroConverter c = new AvroConverter(registry);
    c.configure(CONF, isKey);
    return c;
  }

  @Test
  void shouldRegisterExactlyTheCanonicalSchemaAndWriteConfluentWireFormat() {
    byte[] value = converter(false).fromConnectData("trade.records", TradeSchemas.TRADE_RECORD, TradeSchemas.value(ROW));
    byte[] key = converter(true).fromConnectData("trade.records", TradeSchemas.SERIES_KEY, TradeSchemas.key(ROW));

    assertThat(value[0]).isEqualTo((byte) 0);
    assertThat(registry.getLatestSchemaMetadata("trade.records-value").schema()).isEqualTo(TradeRecord.getClassSchema());
    assertThat(registry.getLatestSchemaMetadata("trade.records-key").schema()).isEqualTo(SeriesKey.getClassSchema());

    KafkaAvroDeserializer specific = new KafkaAvroDeserializer(registry);
    specific.configure(Map.of("schema.registry.url", "http://unused:8081", "specific.avro.reader", true), false);
    TradeRecord r = (TradeRecord) specific.deserialize("trade.records", value);
    assertThat(r.getFlow()).isEqualTo(Flow.EXPORT);
    assertThat(r.getValue()).isEqualTo(28_800_000_000L);
    assertThat(r.getReportedYoyPct()).isEqualTo(-34.5);
    assertThat(r.getPublishedAt()).isEqualTo(Instant.parse("2025-06-09T02:00:00Z"));
    assertThat(r.getNote()).isNull();
    SeriesKey k = (SeriesKey) specific.deserialize("trade.records", key);
    assertThat(k.getPartner()).isEqualTo("USA");
  }

  @Test
  void shouldWriteDeadLetterKeysExactlyAsTheTopicCatalogsStringKeySerde() {
    // Connectors and the processor both write trade.dlq: their keys must be the same bytes for the same text.
    byte[] fromConnect = converter(true).fromConnectData("trade.dlq", org.apache.kafka.connect.data.Schema.STRING_SCHEMA,
        "census:2025-05:row 17");
    try (io.tradepulse.registry.serde.StringAvroSerde catalog = new io.tradepulse.registry.serde.StringAvroSerde(registry)) {
      catalog.configure(CONF, true);
      assertThat(catalog.serialize("trade.dlq", "census:2025-05:row 17")).isEqualTo(fromConnect);
      assertThat(catalog.deserialize("trade.dlq", fromConnect)).isEqualTo("census:2025-05:row 17");
    }
  }

  @Test
  void shouldRoundTripTradeRecordsAndDeadLettersBackToConnectData() {
    AvroConverter c = converter(false);
    Struct value = TradeSchemas.value(ROW);
    SchemaAndValue back = c.toConnectData("trade.records", c.fromConnectData("trade.records", value.schema(), value));
    Struct s = (Struct) back.value();
    assertThat(back.schema().name()).isEqualTo("io.tradepulse.avro.TradeRecord");
    for (org.apache.kafka.connect.data.Field f : value.schema().fields()) {
      assertThat(s.get(f.name())).as(f.name()).isEqualTo(value.get(f));
    }

    Struct dl = TradeSchemas.deadLetter(BadRow.of("Unknown code", "census", "row 3",
        "[\"9999\"]".getBytes(StandardCharsets.UTF_8)), 1234L);
    byte[] bytes = c.fromConnectData("trade.dlq", TradeSchemas.DEAD_LETTER, dl);
    assertThat(registry.getLatestSchemaMetadata("trade.dlq-value").schema()).isEqualTo(DeadLetter.getClassSchema());
    Struct dlBack = (Struct) c.toConnectData("trade.dlq", bytes).value();
    assertThat(dlBack.getString("stage")).isEqualTo("INGEST");
    assertThat(dlBack.getBytes("rawValue")).isEqualTo("[\"9999\"]".getBytes(StandardCharsets.UTF_8));
    assertThat(dlBack.get("occurredAt")).isEqualTo(new Date(1234L));

    AvroConverter keys = converter(true);
    assertThat(keys.toConnectData("trade.dlq", keys.fromConnectData("trade.dlq", Schema.STRING_SCHEMA, "census#row 3")).value())
        .isEqualTo("census#row 3");
  }

  TradeRecord decoded(byte[] value) {
    KafkaAvroDeserializer specific = new KafkaAvroDeserializer(registry);
    specific.configure(Map.of("schema.registry.url", "http://unused:8081", "specific.avro.reader", true), false);
    return (TradeRecord) specific.deserialize("trade.records", value);
  }

  /** A connector's figure on its way: TradeRow, Connect struct, this converter's bytes, a consumer's TradeRecord. */
  @ParameterizedTest
  @EnumSource(value = FigureQuality.class, names = {"PUBLISHED", "ESTIMATED", "SECONDARY"})
  void shouldWriteTheQualityOfATradeRowSoThatTheDecodedTradeRecordHasItsSymbol(FigureQuality quality) {
    TradeRow row = new TradeRow("CHN", "USA", "EXPORT", "TOTAL", "TOTAL", 2025, 7, 1, 35_800_000_000L, "USD", "FOB",
        -21.67, "GACC", "Reuters", "seed-2026-01", Instant.parse("2026-01-14T00:00:00Z").toEpochMilli(), 0, "flag",
        quality);
    AvroConverter c = converter(false);
    byte[] bytes = c.fromConnectData("trade.records", TradeSchemas.TRADE_RECORD, TradeSchemas.value(row));

    assertThat(decoded(bytes).getQuality()).isEqualTo(quality);
    assertThat(decoded(bytes).getNote()).as("the note is kept beside it").isEqualTo("flag");
    assertThat(((Struct) c.toConnectData("trade.records", bytes).value()).getString("quality"))
        .as("and read back into Connect data").isEqualTo(quality.name());
  }

  /**
   * A record written before TradeRecord had {@code quality} (schemas/history/TradeRecord/v2.avsc: the fields but the
   * last), read into Connect data as written and written again, as a pipeline replaying old records does: the struct
   * has no such field, and the figure gets the field's default, as the schema says of records written before it.
   */
  @Test
  void shouldWriteAStructOfATradeRecordWrittenBeforeQualityExistedAsPublished() {
    org.apache.avro.Schema current = TradeRecord.getClassSchema();
    org.apache.avro.Schema v2 = org.apache.avro.Schema.createRecord(current.getName(), current.getDoc(),
        current.getNamespace(), false, current.getFields().stream().filter(f -> !f.name().equals("quality"))
            .map(f -> new org.apache.avro.Schema.Field(f, f.schema())).toList());
    GenericRecord old = new GenericData.Record(v2);
    TradeRecord published = decoded(converter(false).fromConnectData("trade.records", TradeSchemas.TRADE_RECORD,
        TradeSchemas.value(ROW)));
    v2.getFields().forEach(f -> old.put(f.name(), generic(published, f.name())));
    byte[] written;
    try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
      serializer.configure(CONF, false);
      written = serializer.serialize("trade.records.v2", old);
    }
    AvroConverter c = converter(false);
    SchemaAndValue read = c.toConnectData("trade.records.v2", written);
    assertThat(read.schema().name()).isEqualTo(TradeSchemas.TRADE_RECORD_NAME);
    assertThat(read.schema().field("quality")).as("read as written").isNull();

    TradeRecord again = decoded(c.fromConnectData("trade.records", read.schema(), read.value()));
    assertThat(again.getQuality()).isEqualTo(FigureQuality.PUBLISHED);
    assertThat(again.getValue()).isEqualTo(ROW.value());
  }

  /** {@code published}'s field {@code name} as generic data (enums as symbols, timestamps as millis). */
  private static Object generic(TradeRecord published, String name) {
    Object v = published.get(name);
    return v instanceof Enum<?> e ? new GenericData.EnumSymbol(TradeRecord.getClassSchema().getField(name).schema(),
        e.name()) : v instanceof Instant i ? i.toEpochMilli() : v;
  }

  /**
   * A struct of today's schema whose quality was never set is a connector's bug, not a record of an older schema: it
   * is refused rather than written PUBLISHED, which would vouch for a figure nobody vouched for.
   */
  @Test
  void shouldRefuseATradeRecordStructWhoseQualityWasLeftUnset() {
    Struct full = TradeSchemas.value(ROW);
    Struct withoutQuality = new Struct(TradeSchemas.TRADE_RECORD);
    TradeSchemas.TRADE_RECORD.fields().stream().filter(f -> !f.name().equals("quality"))
        .forEach(f -> withoutQuality.put(f, full.get(f)));

    assertThatThrownBy(() -> converter(false).fromConnectData("trade.records", TradeSchemas.TRADE_RECORD,
        withoutQuality)).isInstanceOf(DataException.class).hasMessageContaining("FigureQuality");
  }

  @Test
  void shouldMapOtherConnectSchemasGenerically() {
    Schema schema = SchemaBuilder.struct().name("com.example.Thing")
        .field("id", Schema.INT64_SCHEMA)
        .field("label", Schema.OPTIONAL_STRING_SCHEMA)
        .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
        .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
        .build();
    Struct thing = new Struct(schema).put("id", 7L).put("tags", List.of("a", "b")).put("attrs", Map.of("x", 1));
    AvroConverter c = converter(false);
    Struct back = (Struct) c.toConnectData("things", c.fromConnectData("things", schema, thing)).value();
    assertThat(back.getInt64("id")).isEqualTo(7L);
    assertThat(back.get("label")).isNull();
    assertThat(back.getArray("tags")).containsExactly("a", "b");
    assertThat(back.getMap("attrs")).containsEntry("x", 1);
    assertThat(registry.getLatestSchemaMetadata("things-value").schema().getFullName()).isEqualTo("com.example.Thing");
  }
}
