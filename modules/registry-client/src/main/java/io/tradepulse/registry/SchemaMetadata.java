package io.tradepulse.registry;

import java.util.Objects;

import org.apache.avro.Schema;

/**
 * One registered version of a subject.
 *
 * @param id      the registry-wide schema id (the one written into the Confluent wire format)
 * @param version the version within {@code subject}, starting at 1
 * @param subject the subject
 * @param schema  the parsed schema
 */
public record SchemaMetadata(int id, int version, String subject, Schema schema) {
    public SchemaMetadata {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
