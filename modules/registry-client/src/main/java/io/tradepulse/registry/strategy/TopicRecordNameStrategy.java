package io.tradepulse.registry.strategy;

import org.apache.avro.Schema;

/**
 * {@code <topic>-<record full name>}: several record types per topic, each with its own lineage per
 * topic. Like {@link RecordNameStrategy}, only records have a subject (Confluent's rule).
 */
public final class TopicRecordNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return topic + "-" + RecordNameStrategy.recordName(schema, isKey, getClass());
    }
}
