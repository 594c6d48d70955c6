package io.tradepulse.registry.serde;

import java.nio.ByteBuffer;

import org.apache.avro.Conversions;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.common.errors.SerializationException;

/** Which Avro schema describes a Java value handed to the serializer, and how the data model converts it. */
final class AvroSchemas {

    /** Magic byte of the Confluent wire format. */
    static final byte MAGIC_BYTE = 0;
    /** Magic byte plus the 4-byte big-endian schema id. */
    static final int HEADER_SIZE = 5;

    private static final Schema NULL = Schema.create(Schema.Type.NULL);
    private static final Schema BOOLEAN = Schema.create(Schema.Type.BOOLEAN);
    private static final Schema INT = Schema.create(Schema.Type.INT);
    private static final Schema LONG = Schema.create(Schema.Type.LONG);
    private static final Schema FLOAT = Schema.create(Schema.Type.FLOAT);
    private static final Schema DOUBLE = Schema.create(Schema.Type.DOUBLE);
    private static final Schema STRING = Schema.create(Schema.Type.STRING);
    private static final Schema BYTES = Schema.create(Schema.Type.BYTES);

    /**
     * Generic model for writing: with the standard logical-type conversions, so a GenericRecord holding
     * an Instant for a timestamp-millis field is written too. Conversions are chosen by the datum's
     * class, so records holding the raw long keep working.
     */
    static final GenericData GENERIC_WRITE_MODEL = genericWithConversions();

    private AvroSchemas() {
    }

    private static GenericData genericWithConversions() {
        GenericData data = new GenericData();
        data.addLogicalTypeConversion(new Conversions.DecimalConversion());
        data.addLogicalTypeConversion(new Conversions.UUIDConversion());
        data.addLogicalTypeConversion(new TimeConversions.DateConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
        data.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
        data.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
        return data;
    }

    /**
     * The schema of {@code value}: its own for Avro records/enums/fixed, the primitive schema for the
     * primitives Confluent's serializer accepts (Boolean, Integer, Long, Float, Double, CharSequence,
     * byte[], ByteBuffer).
     */
    static Schema schemaOf(Object value) {
        if (value instanceof GenericContainer container) {
            return container.getSchema();
        }
        if (value == null) {
            return NULL;
        }
        if (value instanceof CharSequence) {
            return STRING;
        }
        if (value instanceof Integer) {
            return INT;
        }
        if (value instanceof Long) {
            return LONG;
        }
        if (value instanceof Boolean) {
            return BOOLEAN;
        }
        if (value instanceof Double) {
            return DOUBLE;
        }
        if (value instanceof Float) {
            return FLOAT;
        }
        if (value instanceof byte[] || value instanceof ByteBuffer) {
            return BYTES;
        }
        throw new SerializationException("Unsupported type " + value.getClass().getName() + " for Avro serialization; "
                + "expected an Avro record (GenericRecord/SpecificRecord), enum or fixed, or Boolean, Integer, Long, Float, "
                + "Double, CharSequence, byte[] or ByteBuffer");
    }

    /**
     * The index of the "null" branch of a two-branch nullable union ({@code ["null", X]} or {@code [X, "null"]}),
     * or -1 for any other union: the one union shape the compiled reader and writer handle themselves.
     */
    static int nullBranchOfNullable(Schema union) {
        List<Schema> branches = union.getTypes();
        if (branches.size() != 2) {
            return -1;
        }
        return branches.get(0).getType() == Schema.Type.NULL ? 0 : branches.get(1).getType() == Schema.Type.NULL ? 1 : -1;
    }
}
