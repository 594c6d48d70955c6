package io.tradepulse.registry;

import org.apache.avro.Schema;

/**
 * A cache key for a schema that is equal to another exactly when the registry would see the same schema: the same
 * text ({@link Schema#toString()}, what is registered and looked up).
 *
 * <p>Why not {@link Schema#equals}: it ignores docs and aliases, while the registry stores and compares the text, so a
 * schema differing from a cached one only in a doc or an alias is another registration with another id. Keyed by
 * Schema.equals, caches answered the first schema's id for it (Confluent's client compares docs and aliases too, see
 * its {@code AvroSchema.equals}, and asks the registry). Hashing stays Avro's cached hash code, and the text is only
 * compared, lazily and once per key, when two distinct instances are already equal by Schema.equals.
 */
public final class SchemaKey {

    private final Schema schema;
    private volatile String text;

    private SchemaKey(Schema schema) {
        this.schema = schema;
    }

    public static SchemaKey of(Schema schema) {
        return new SchemaKey(java.util.Objects.requireNonNull(schema, "schema"));
    }

    public Schema schema() {
        return schema;
    }

    private String text() {
        String t = text;
        if (t == null) {
            t = schema.toString();
            text = t;
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SchemaKey other)) {
            return false;
        }
        return schema == other.schema || (schema.equals(other.schema) && text().equals(other.text()));
    }

    @Override
    public int hashCode() {
        return schema.hashCode();
    }

    @Override
    public String toString() {
        return schema.getFullName();
    }
}
