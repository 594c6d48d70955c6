package io.tradepulse.connect.common;

import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Builds SourceRecords for the trade topic and the dead-letter topic. Connect's DLQ
 * (errors.deadletterqueue.*) only exists for sink connectors, so a source task writes its own dead
 * letters as ordinary records; they carry the same source offset as their position, so a bad row is not
 * re-read after a restart either.
 */
public final class RecordFactory {
  private final String topic;
  private final String dlqTopic;
  private final IngestMetrics metrics;

  public RecordFactory(String topic, String dlqTopic, IngestMetrics metrics) {
    this.topic = topic;
    this.dlqTopic = dlqTopic;
    this.metrics = metrics;
  }

  public SourceRecord create(Map<String, ?> partition, Map<String, ?> offset, ParsedItem item, long occurredAt) {
    if (item instanceof TradeRow row) {
      metrics.record();
      // No partition and no timestamp: the producer partitions by key, and the record timestamp (set by
      // the producer) is not part of the value, so re-delivery yields the same key and value.
      return new SourceRecord(partition, offset, topic, null,
          TradeSchemas.SERIES_KEY, TradeSchemas.key(row), TradeSchemas.TRADE_RECORD, TradeSchemas.value(row));
    }
    BadRow bad = (BadRow) item;
    metrics.deadLetter();
    String key = (bad.source() == null ? "" : bad.source()) + "#" + (bad.position() == null ? "" : bad.position());
    return new SourceRecord(partition, offset, dlqTopic, null,
        Schema.STRING_SCHEMA, key, TradeSchemas.DEAD_LETTER, TradeSchemas.deadLetter(bad, occurredAt));
  }

  public String topic() { return topic; }
  public String dlqTopic() { return dlqTopic; }
}
