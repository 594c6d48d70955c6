package io.tradepulse.registry.strategy;

import org.apache.avro.Schema;

/**
 * The record's full name (e.g. {@code io.tradepulse.avro.TradeRecord}), independent of the topic: one
 * lineage per record type, shared by every topic carrying it. For a non-named schema (a primitive) the
 * type name ({@code string}), as Confluent does.
 */
public final class RecordNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return schema.getFullName();
    }
}
