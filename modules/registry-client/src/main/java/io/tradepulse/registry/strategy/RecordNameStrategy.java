package io.tradepulse.registry.strategy;

import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The record's full name (e.g. {@code io.tradepulse.avro.TradeRecord}), independent of the topic: one
 * lineage per record type, shared by every topic carrying it. Only records have a subject under this
 * strategy: a primitive, enum, fixed, union, array or map fails with a {@link SerializationException}, as in
 * Confluent.
 */
public final class RecordNameStrategy implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return recordName(schema, isKey, getClass());
    }

    /**
     * The full name of a record schema. Anything else is refused, as Confluent's RecordNameStrategy refuses it
     * (its {@code AvroSchema.name()} is null for non-records): naming the subject after the type ({@code string},
     * {@code union}) put unrelated values of every topic under one subject, so the second union or primitive to
     * arrive was checked for compatibility against the first, and ids differed from Confluent's serializer.
     */
    static String recordName(Schema schema, boolean isKey, Class<?> strategy) {
        if (schema.getType() == Schema.Type.RECORD) {
            return schema.getFullName();
        }
        // Confluent's message, so searches for it find the same explanation.
        throw new SerializationException("In configuration " + (isKey ? "key" : "value") + ".subject.name.strategy = "
                + strategy.getName() + ", the message " + (isKey ? "key" : "value") + " must only be a record schema (was "
                + schema.getType().getName() + ")");
    }
}
