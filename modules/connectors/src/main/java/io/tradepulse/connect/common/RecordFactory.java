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
  private final RevisionChecks revisionChecks;

  public RecordFactory(String topic, String dlqTopic, IngestMetrics metrics) {
    this(topic, dlqTopic, metrics, null);
  }

  /** With {@code revisionChecks}: each record's offset carries its partition's last look-back check, if known. */
  public RecordFactory(String topic, String dlqTopic, IngestMetrics metrics, RevisionChecks revisionChecks) {
    this.topic = topic;
    this.dlqTopic = dlqTopic;
    this.metrics = metrics;
    this.revisionChecks = revisionChecks;
  }

  public SourceRecord create(Map<String, ?> partition, Map<String, ?> rowOffset, ParsedItem item, long occurredAt) {
    Map<String, ?> offset = revisionChecks == null ? rowOffset : revisionChecks.withCheckTime(partition, rowOffset);
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
