package io.tradepulse.registry.serde;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

import org.apache.avro.Conversion;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.io.Encoder;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.avro.util.Utf8;

/**
 * Writes one generated SpecificRecord class with its own schema, like {@code SpecificDatumWriter} but
 * through an array of per-field writers decided once per class: no union resolution by schema name, no
 * logical-type conversion lookup and no per-field schema walk per record. Produces the same bytes because
 * it makes the same {@link Encoder} calls with the same values.
 *
 * <p>It only takes the shapes whose encoding is unambiguous: flat records whose fields are {@code null},
 * {@code boolean}, {@code int}, {@code long}, {@code float}, {@code double}, {@code string}, generated
 * enums, {@code timestamp-millis} longs, and two-branch unions of {@code null} with one of those.
 * {@link #compile} returns null for anything else (the caller keeps {@code SpecificDatumWriter}). At
 * write time every value's class is checked; a value it does not expect (a {@code Utf8} subclass, an
 * {@code Integer} in a {@code long} union, a null in a non-null field ...) throws {@link Unsupported} or a
 * runtime exception, and the caller then writes the record again with {@code SpecificDatumWriter}, which
 * either succeeds (same bytes) or fails with Avro's own message.
 */
final class CompiledSpecificWriter {

    /** Thrown, without a stack trace, for a value the compiled writer does not handle. */
    static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Unsupported INSTANCE = new Unsupported();

        private Unsupported() {
            super("value not handled by the compiled writer", null, false, false);
        }
    }

    @FunctionalInterface
    private interface ValueWriter {
        void write(Object value, Encoder out) throws IOException;
    }

    private final Schema schema;
    private final ValueWriter[] fields;

    private CompiledSpecificWriter(Schema schema, ValueWriter[] fields) {
        this.schema = schema;
        this.fields = fields;
    }

    Schema schema() {
        return schema;
    }

    /**
     * A writer for records of {@code sample}'s class written with {@code schema} (the class's own schema
     * instance), or null when some field has a shape this writer does not take.
     */
    static CompiledSpecificWriter compile(SpecificRecordBase sample, Schema schema) {
        if (schema.getType() != Schema.Type.RECORD || sample.getSchema() != schema) {
            return null;
        }
        List<Schema.Field> schemaFields = schema.getFields();
        ValueWriter[] writers = new ValueWriter[schemaFields.size()];
        for (Schema.Field field : schemaFields) {
            ValueWriter writer = field(field.schema(), sample.getConversion(field.pos()));
            if (writer == null) {
                return null;
            }
            writers[field.pos()] = writer;
        }
        return new CompiledSpecificWriter(schema, writers);
    }

    /** Writes {@code record}, which must be an instance of the compiled class. */
    void write(SpecificRecordBase record, Encoder out) throws IOException {
        ValueWriter[] writers = fields;
        for (int i = 0; i < writers.length; i++) {
            writers[i].write(record.get(i), out);
        }
    }

    /**
     * A record field: {@code SpecificDatumWriter.writeField} applies the field's conversion (from the
     * generated class) when the field schema itself has a logical type, then writes without conversion.
     */
    private static ValueWriter field(Schema fieldSchema, Conversion<?> conversion) {
        LogicalType logicalType = fieldSchema.getLogicalType();
        if (logicalType != null) {
            // Only timestamp-millis with Avro's Instant conversion; a field without a conversion is a raw long.
            if (!(logicalType instanceof LogicalTypes.TimestampMillis) || fieldSchema.getType() != Schema.Type.LONG) {
                return null;
            }
            if (conversion == null) {
                return CompiledSpecificWriter::writeLong;
            }
            if (conversion.getClass() != TimeConversions.TimestampMillisConversion.class) {
                return null;
            }
            return (value, out) -> out.writeLong(((Instant) value).toEpochMilli());
        }
        if (fieldSchema.getType() == Schema.Type.UNION) {
            return union(fieldSchema);
        }
        return plain(fieldSchema);
    }

    /**
     * {@code ["null", X]} or {@code [X, "null"]}: {@code GenericData.resolveUnion} picks the null branch for
     * null and X for a value whose class names X (checked by the branch writer, strictly).
     */
    private static ValueWriter union(Schema union) {
        int nullIndex = AvroSchemas.nullBranchOfNullable(union);
        if (nullIndex < 0) {
            return null;
        }
        int valueIndex = 1 - nullIndex;
        ValueWriter branch = unionBranch(union.getTypes().get(valueIndex));
        if (branch == null) {
            return null;
        }
        return (value, out) -> {
            if (value == null) {
                out.writeIndex(nullIndex);
                out.writeNull();
            } else {
                out.writeIndex(valueIndex);
                branch.write(value, out);
            }
        };
    }

    /**
     * The non-null branch of a union. Inside a union {@code GenericDatumWriter.write} converts by the
     * value's class: an Instant in a timestamp-millis branch is converted, a Long is written as is.
     */
    private static ValueWriter unionBranch(Schema branch) {
        LogicalType logicalType = branch.getLogicalType();
        if (logicalType != null) {
            if (!(logicalType instanceof LogicalTypes.TimestampMillis) || branch.getType() != Schema.Type.LONG) {
                return null;
            }
            return (value, out) -> {
                if (value instanceof Instant instant) {
                    out.writeLong(instant.toEpochMilli());
                } else if (value instanceof Long l) {
                    out.writeLong(l);
                } else {
                    throw Unsupported.INSTANCE;
                }
            };
        }
        return switch (branch.getType()) {
            case BOOLEAN -> (value, out) -> out.writeBoolean(strict(value, Boolean.class));
            case INT -> (value, out) -> out.writeInt(strict(value, Integer.class));
            case LONG -> (value, out) -> out.writeLong(strict(value, Long.class));
            case FLOAT -> (value, out) -> out.writeFloat(strict(value, Float.class));
            case DOUBLE -> (value, out) -> out.writeDouble(strict(value, Double.class));
            case STRING -> CompiledSpecificWriter::writeString;
            case ENUM -> enumWriter(branch);
            default -> null;
        };
    }

    /** A field schema without logical type and not a union. */
    private static ValueWriter plain(Schema schema) {
        return switch (schema.getType()) {
            case NULL -> (value, out) -> out.writeNull();
            case BOOLEAN -> (value, out) -> out.writeBoolean(strict(value, Boolean.class));
            case INT -> (value, out) -> out.writeInt(strict(value, Integer.class));
            case LONG -> CompiledSpecificWriter::writeLong;
            case FLOAT -> (value, out) -> out.writeFloat(strict(value, Float.class));
            case DOUBLE -> (value, out) -> out.writeDouble(strict(value, Double.class));
            case STRING -> CompiledSpecificWriter::writeString;
            case ENUM -> enumWriter(schema);
            default -> null;
        };
    }

    private static void writeLong(Object value, Encoder out) throws IOException {
        out.writeLong(strict(value, Long.class));
    }

    /** {@code SpecificDatumWriter.writeString}: a CharSequence goes to {@code Encoder.writeString(CharSequence)}. */
    private static void writeString(Object value, Encoder out) throws IOException {
        if (value instanceof String s) {
            out.writeString(s);
        } else if (value != null && value.getClass() == Utf8.class) {
            out.writeString((Utf8) value);
        } else {
            throw Unsupported.INSTANCE; // stringable classes, other CharSequences, null: SpecificDatumWriter decides
        }
    }

    /**
     * {@code SpecificDatumWriter.writeEnum} writes a Java enum's ordinal; only the generated enum of this
     * schema is taken (its constants are declared in symbol order, checked here).
     */
    private static ValueWriter enumWriter(Schema schema) {
        List<String> symbols = schema.getEnumSymbols();
        Class<?>[] verified = new Class<?>[1]; // the enum class seen to match the symbols; racy but idempotent
        return (value, out) -> {
            if (!(value instanceof Enum<?> e)) {
                throw Unsupported.INSTANCE;
            }
            Class<?> type = e.getDeclaringClass();
            if (type != verified[0]) {
                if (!matches(type, schema, symbols)) {
                    throw Unsupported.INSTANCE;
                }
                verified[0] = type;
            }
            out.writeEnum(e.ordinal());
        };
    }

    private static boolean matches(Class<?> enumType, Schema schema, List<String> symbols) {
        Object[] constants = enumType.getEnumConstants();
        if (!enumType.getName().equals(schema.getFullName()) || constants.length != symbols.size()) {
            return false;
        }
        for (int i = 0; i < constants.length; i++) {
            if (!((Enum<?>) constants[i]).name().equals(symbols.get(i))) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static <T> T strict(Object value, Class<T> type) {
        if (value == null || value.getClass() != type) {
            throw Unsupported.INSTANCE;
        }
        return (T) value;
    }
}
