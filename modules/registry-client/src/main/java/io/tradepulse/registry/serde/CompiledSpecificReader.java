package io.tradepulse.registry.serde;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.time.Instant;
import java.util.List;

import org.apache.avro.Conversion;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.Decoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.avro.util.Utf8;

/**
 * Reads one generated SpecificRecord class when the writer schema has the same binary layout as the
 * class's schema (equal Parsing Canonical Form: same names, types, field order and enum symbols; docs,
 * defaults and properties such as {@code avro.java.string} or {@code logicalType} do not change the
 * encoding). Schema resolution is then the identity, so the {@code ResolvingDecoder} that
 * {@code SpecificDatumReader} always puts in between can be skipped: an array of per-field readers,
 * decided once, reads straight from the {@link Decoder} and makes the same values SpecificDatumReader
 * makes (String or Utf8 per the class schema's {@code avro.java.string}, the class's conversions,
 * {@code SpecificData.createEnum} constants).
 *
 * <p>Takes the same shapes as {@link CompiledSpecificWriter}; {@link #compile} returns null for anything
 * else and the caller keeps SpecificDatumReader (which also handles every writer schema that differs).
 */
final class CompiledSpecificReader {

    @FunctionalInterface
    private interface ValueReader {
        Object read(Decoder in) throws IOException;
    }

    private final Constructor<?> constructor;
    private final ValueReader[] fields;

    private CompiledSpecificReader(Constructor<?> constructor, ValueReader[] fields) {
        this.constructor = constructor;
        this.fields = fields;
    }

    /**
     * A reader of data written with {@code writerSchema} into {@code type} (schema {@code classSchema},
     * model {@code model}), or null when the layouts differ or some field has a shape not handled here.
     */
    static CompiledSpecificReader compile(Schema writerSchema, Class<?> type, Schema classSchema, SpecificData model) {
        if (classSchema.getType() != Schema.Type.RECORD || !SpecificRecordBase.class.isAssignableFrom(type)
                || !SchemaNormalization.toParsingForm(writerSchema).equals(SchemaNormalization.toParsingForm(classSchema))) {
            return null;
        }
        SpecificRecordBase sample;
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor();
            sample = (SpecificRecordBase) constructor.newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
        if (sample.getSchema() != classSchema && !sample.getSchema().equals(classSchema)) {
            return null;
        }
        List<Schema.Field> schemaFields = classSchema.getFields();
        ValueReader[] readers = new ValueReader[schemaFields.size()];
        for (Schema.Field field : schemaFields) {
            ValueReader reader = field(field.schema(), sample.getConversion(field.pos()), model);
            if (reader == null) {
                return null;
            }
            readers[field.pos()] = reader;
        }
        return new CompiledSpecificReader(constructor, readers);
    }

    /** Reads one record; any exception means the data is not what the writer schema says (or a bug: retry). */
    Object read(Decoder in) throws IOException {
        SpecificRecordBase record;
        try {
            record = (SpecificRecordBase) constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot instantiate " + constructor.getDeclaringClass().getName(), e);
        }
        ValueReader[] readers = fields;
        for (int i = 0; i < readers.length; i++) {
            record.put(i, readers[i].read(in));
        }
        return record;
    }

    /**
     * A record field: {@code SpecificDatumReader.readField} applies the class's field conversion when there
     * is one; otherwise it reads the field schema without conversion, except that a union's branch is read
     * with the model's conversion for the branch's logical type ({@code GenericDatumReader.read}).
     */
    private static ValueReader field(Schema fieldSchema, Conversion<?> conversion, SpecificData model) {
        LogicalType logicalType = fieldSchema.getLogicalType();
        if (logicalType != null) {
            // With the field's conversion: converted; without one SpecificDatumReader reads the raw value
            // (the model's conversions are not consulted for a record field).
            return timestampMillis(fieldSchema, conversion);
        }
        if (conversion != null) {
            return null; // a conversion on a field without logical type: leave that to SpecificDatumReader
        }
        if (fieldSchema.getType() == Schema.Type.UNION) {
            int nullIndex = AvroSchemas.nullBranchOfNullable(fieldSchema);
            if (nullIndex < 0) {
                return null;
            }
            int valueIndex = 1 - nullIndex;
            Schema branch = fieldSchema.getTypes().get(valueIndex);
            ValueReader value = branch.getLogicalType() != null
                    ? timestampMillis(branch, model.getConversionFor(branch.getLogicalType()))
                    : plain(branch, model);
            if (value == null) {
                return null;
            }
            return in -> {
                int index = in.readIndex();
                if (index == valueIndex) {
                    return value.read(in);
                }
                if (index == nullIndex) {
                    in.readNull();
                    return null;
                }
                throw new IOException("Union index " + index + " out of range for " + fieldSchema);
            };
        }
        return plain(fieldSchema, model);
    }

    /** {@code timestamp-millis}: an Instant with Avro's conversion, the raw Long without one. */
    private static ValueReader timestampMillis(Schema schema, Conversion<?> conversion) {
        if (!(schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) || schema.getType() != Schema.Type.LONG) {
            return null;
        }
        if (conversion == null) {
            return Decoder::readLong;
        }
        if (conversion.getClass() != TimeConversions.TimestampMillisConversion.class) {
            return null;
        }
        return in -> Instant.ofEpochMilli(in.readLong());
    }

    private static ValueReader plain(Schema schema, SpecificData model) {
        return switch (schema.getType()) {
            case NULL -> in -> {
                in.readNull();
                return null;
            };
            case BOOLEAN -> Decoder::readBoolean;
            case INT -> Decoder::readInt;
            case LONG -> Decoder::readLong;
            case FLOAT -> Decoder::readFloat;
            case DOUBLE -> Decoder::readDouble;
            case STRING -> string(schema);
            case ENUM -> enumReader(schema, model);
            default -> null;
        };
    }

    /**
     * {@code GenericDatumReader.readString}: String when the schema says {@code avro.java.string: String},
     * a new Utf8 without the property; a {@code java-class} (stringable class) is left to SpecificDatumReader.
     */
    private static ValueReader string(Schema schema) {
        if (schema.getProp(SpecificData.CLASS_PROP) != null) {
            return null;
        }
        String stringType = schema.getProp(GenericData.STRING_PROP);
        if (stringType == null || stringType.equals(GenericData.StringType.CharSequence.name())
                || stringType.equals(GenericData.StringType.Utf8.name())) {
            return in -> in.readString((Utf8) null);
        }
        if (stringType.equals(GenericData.StringType.String.name())) {
            return Decoder::readString;
        }
        return null;
    }

    /** {@code SpecificData.createEnum} for each symbol, once; an index out of range fails like Avro's. */
    private static ValueReader enumReader(Schema schema, SpecificData model) {
        List<String> symbols = schema.getEnumSymbols();
        Object[] constants = new Object[symbols.size()];
        for (int i = 0; i < constants.length; i++) {
            constants[i] = model.createEnum(symbols.get(i), schema);
            if (!(constants[i] instanceof Enum<?>)) {
                return null; // no generated enum class: GenericData.EnumSymbol, leave it to SpecificDatumReader
            }
        }
        return in -> {
            int index = in.readEnum();
            if (index < 0 || index >= constants.length) {
                throw new IOException("Enumeration out of range: max is " + constants.length + " but received " + index);
            }
            return constants[index];
        };
    }
}
