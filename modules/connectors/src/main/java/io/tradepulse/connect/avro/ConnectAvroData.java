package io.tradepulse.connect.avro;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema.Field;
import org.apache.avro.Schema.Type;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Connect data <-> Avro generic data. Canonical schemas: a Connect schema named like a generated
 * SpecificRecord class resolves to that class's schema; values are converted field by field against it
 * (strings become enum symbols, Timestamps epoch millis, missing fields take the Avro default).
 */
final class ConnectAvroData {
  private final Map<Schema, org.apache.avro.Schema> toAvroCache = new ConcurrentHashMap<>();
  private final Map<org.apache.avro.Schema, Schema> toConnectCache = new ConcurrentHashMap<>();

  org.apache.avro.Schema avroSchema(Schema schema) {
    if (schema == null) {
      throw new DataException("AvroConverter needs schemas (the tradepulse connectors always send them)");
    }
    return toAvroCache.computeIfAbsent(schema, s -> {
      org.apache.avro.Schema canonical = canonical(s.name());
      return canonical != null ? canonical : generic(s, new int[] {0});
    });
  }

  /** The generated class's schema when the name is a SpecificRecord on our class path, else null. */
  static org.apache.avro.Schema canonical(String name) {
    if (name == null || !name.startsWith("io.tradepulse.")) {
      return null;
    }
    try {
      Class<?> c = Class.forName(name, false, ConnectAvroData.class.getClassLoader());
      if (!SpecificRecord.class.isAssignableFrom(c)) {
        return null;
      }
      return (org.apache.avro.Schema) c.getMethod("getClassSchema").invoke(null);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private static org.apache.avro.Schema generic(Schema s, int[] counter) {
    org.apache.avro.Schema base = switch (s.type()) {
      case INT8, INT16 -> org.apache.avro.Schema.create(Type.INT);
      case INT32 -> {
        org.apache.avro.Schema i = org.apache.avro.Schema.create(Type.INT);
        if (org.apache.kafka.connect.data.Date.LOGICAL_NAME.equals(s.name())) {
          LogicalTypes.date().addToSchema(i);
        }
        yield i;
      }
      case INT64 -> {
        org.apache.avro.Schema l = org.apache.avro.Schema.create(Type.LONG);
        if (Timestamp.LOGICAL_NAME.equals(s.name())) {
          LogicalTypes.timestampMillis().addToSchema(l);
        }
        yield l;
      }
      case FLOAT32 -> org.apache.avro.Schema.create(Type.FLOAT);
      case FLOAT64 -> org.apache.avro.Schema.create(Type.DOUBLE);
      case BOOLEAN -> org.apache.avro.Schema.create(Type.BOOLEAN);
      case STRING -> org.apache.avro.Schema.create(Type.STRING);
      case BYTES -> org.apache.avro.Schema.create(Type.BYTES);
      case ARRAY -> org.apache.avro.Schema.createArray(generic(s.valueSchema(), counter));
      case MAP -> {
        if (s.keySchema().type() != Schema.Type.STRING) {
          throw new DataException("Only string-keyed maps can be written as Avro maps: " + s);
        }
        yield org.apache.avro.Schema.createMap(generic(s.valueSchema(), counter));
      }
      case STRUCT -> {
        String name = s.name() != null ? s.name() : "io.tradepulse.connect.ConnectRecord" + (counter[0]++ == 0 ? "" : counter[0]);
        SchemaBuilder.FieldAssembler<org.apache.avro.Schema> fa = SchemaBuilder.record(name).fields();
        for (org.apache.kafka.connect.data.Field f : s.fields()) {
          org.apache.avro.Schema fs = generic(f.schema(), counter);
          if (f.schema().isOptional()) {
            fa = fa.name(f.name()).type(fs).withDefault(null);
          } else {
            fa = fa.name(f.name()).type(fs).noDefault();
          }
        }
        yield fa.endRecord();
      }
    };
    if (s.isOptional()) {
      return org.apache.avro.Schema.createUnion(org.apache.avro.Schema.create(Type.NULL), base);
    }
    return base;
  }

  /** Converts a Connect value to Avro generic data of the target schema. */
  Object toAvro(org.apache.avro.Schema target, Schema connect, Object value) {
    if (value == null) {
      if (target.getType() == Type.NULL || target.isNullable()) {
        return null;
      }
      throw new DataException("null for non-nullable Avro " + target.getFullName());
    }
    switch (target.getType()) {
      case UNION: {
        for (org.apache.avro.Schema branch : target.getTypes()) {
          if (branch.getType() != Type.NULL && accepts(branch, value)) {
            return toAvro(branch, connect, value);
          }
        }
        throw new DataException("No branch of " + target + " accepts " + value.getClass().getSimpleName());
      }
      case RECORD: {
        Struct struct = (Struct) value;
        GenericData.Record rec = new GenericData.Record(target);
        for (Field f : target.getFields()) {
          org.apache.kafka.connect.data.Field cf = struct.schema().field(f.name());
          if (cf == null) {
            if (!f.hasDefaultValue()) {
              throw new DataException("Connect struct " + struct.schema().name() + " lacks field " + f.name()
                  + " required by Avro " + target.getFullName());
            }
            rec.put(f.pos(), GenericData.get().getDefaultValue(f));
          } else {
            rec.put(f.pos(), toAvro(f.schema(), cf.schema(), struct.get(cf)));
          }
        }
        return rec;
      }
      case ENUM:
        return new GenericData.EnumSymbol(target, value.toString());
      case STRING:
        return value.toString();
      case LONG:
        if (value instanceof Date d) {
          return d.getTime();
        }
        return ((Number) value).longValue();
      case INT:
        if (value instanceof Date d) {
          if (target.getLogicalType() instanceof LogicalTypes.Date) {
            return (int) (d.getTime() / 86_400_000L);
          }
          return (int) (d.getTime() % 86_400_000L);
        }
        return ((Number) value).intValue();
      case FLOAT:
        return ((Number) value).floatValue();
      case DOUBLE:
        return ((Number) value).doubleValue();
      case BOOLEAN:
        return value;
      case BYTES:
        return value instanceof byte[] b ? ByteBuffer.wrap(b) : value;
      case ARRAY: {
        List<Object> out = new ArrayList<>();
        Schema elem = connect == null ? null : connect.valueSchema();
        for (Object o : (Collection<?>) value) {
          out.add(toAvro(target.getElementType(), elem, o));
        }
        return new GenericData.Array<>(target, out);
      }
      case MAP: {
        Map<String, Object> out = new LinkedHashMap<>();
        Schema v = connect == null ? null : connect.valueSchema();
        ((Map<?, ?>) value).forEach((k, o) -> out.put(k.toString(), toAvro(target.getValueType(), v, o)));
        return out;
      }
      default:
        throw new DataException("Unsupported Avro type " + target.getType());
    }
  }

  private static boolean accepts(org.apache.avro.Schema s, Object v) {
    return switch (s.getType()) {
      case RECORD -> v instanceof Struct st && (st.schema().name() == null || s.getFullName().equals(st.schema().name())
          || s.getName().equals(simple(st.schema().name())));
      case ENUM, STRING -> v instanceof CharSequence;
      case LONG -> v instanceof Long || v instanceof Integer || v instanceof Date;
      case INT -> v instanceof Integer || v instanceof Short || v instanceof Byte || v instanceof Date;
      case FLOAT -> v instanceof Float;
      case DOUBLE -> v instanceof Double || v instanceof Float;
      case BOOLEAN -> v instanceof Boolean;
      case BYTES, FIXED -> v instanceof byte[] || v instanceof ByteBuffer;
      case ARRAY -> v instanceof Collection;
      case MAP -> v instanceof Map;
      default -> false;
    };
  }

  private static String simple(String name) {
    int i = name.lastIndexOf('.');
    return i < 0 ? name : name.substring(i + 1);
  }

  static org.apache.avro.Schema primitiveSchema(Object v) {
    if (v instanceof CharSequence) return org.apache.avro.Schema.create(Type.STRING);
    if (v instanceof Long) return org.apache.avro.Schema.create(Type.LONG);
    if (v instanceof Integer) return org.apache.avro.Schema.create(Type.INT);
    if (v instanceof Double) return org.apache.avro.Schema.create(Type.DOUBLE);
    if (v instanceof Float) return org.apache.avro.Schema.create(Type.FLOAT);
    if (v instanceof Boolean) return org.apache.avro.Schema.create(Type.BOOLEAN);
    if (v instanceof byte[] || v instanceof ByteBuffer) return org.apache.avro.Schema.create(Type.BYTES);
    throw new DataException("Unsupported Avro datum " + v.getClass());
  }

  /** Uncached {@link #connectSchema}, for schemas built once (TradeSchemas). */
  static Schema connectSchemaOf(org.apache.avro.Schema avro) {
    return connect(avro, false);
  }

  /** Connect schema for an Avro schema: records -> structs named by the Avro full name, enums -> strings. */
  Schema connectSchema(org.apache.avro.Schema avro) {
    return toConnectCache.computeIfAbsent(avro, a -> connect(a, false));
  }

  private static Schema connect(org.apache.avro.Schema a, boolean optional) {
    org.apache.kafka.connect.data.SchemaBuilder b;
    switch (a.getType()) {
      case UNION: {
        List<org.apache.avro.Schema> nonNull = a.getTypes().stream().filter(t -> t.getType() != Type.NULL).toList();
        if (nonNull.size() != 1) {
          throw new DataException("Only [null, T] unions map to Connect: " + a);
        }
        return connect(nonNull.get(0), a.isNullable() || optional);
      }
      case RECORD:
        b = org.apache.kafka.connect.data.SchemaBuilder.struct().name(a.getFullName());
        for (Field f : a.getFields()) {
          Schema fs = connect(f.schema(), false);
          b.field(f.name(), fs);
        }
        break;
      case ENUM:
      case STRING:
        b = org.apache.kafka.connect.data.SchemaBuilder.string();
        break;
      case LONG:
        b = a.getLogicalType() instanceof LogicalTypes.TimestampMillis ? Timestamp.builder()
            : org.apache.kafka.connect.data.SchemaBuilder.int64();
        break;
      case INT:
        b = a.getLogicalType() instanceof LogicalTypes.Date ? org.apache.kafka.connect.data.Date.builder()
            : org.apache.kafka.connect.data.SchemaBuilder.int32();
        break;
      case FLOAT:
        b = org.apache.kafka.connect.data.SchemaBuilder.float32();
        break;
      case DOUBLE:
        b = org.apache.kafka.connect.data.SchemaBuilder.float64();
        break;
      case BOOLEAN:
        b = org.apache.kafka.connect.data.SchemaBuilder.bool();
        break;
      case BYTES:
      case FIXED:
        b = org.apache.kafka.connect.data.SchemaBuilder.bytes();
        break;
      case ARRAY:
        b = org.apache.kafka.connect.data.SchemaBuilder.array(connect(a.getElementType(), false));
        break;
      case MAP:
        b = org.apache.kafka.connect.data.SchemaBuilder.map(Schema.STRING_SCHEMA, connect(a.getValueType(), false));
        break;
      default:
        throw new DataException("Unsupported Avro type " + a.getType());
    }
    if (optional) {
      b.optional();
    }
    return b.build();
  }

  /** Avro generic datum -> Connect value of the given Connect schema. */
  Object toConnect(Schema connect, org.apache.avro.Schema avro, Object v) {
    if (v == null) {
      return null;
    }
    if (avro.getType() == Type.UNION) {
      int idx = GenericData.get().resolveUnion(avro, v);
      return toConnect(connect, avro.getTypes().get(idx), v);
    }
    switch (avro.getType()) {
      case RECORD: {
        GenericRecord r = (GenericRecord) v;
        Struct s = new Struct(connect);
        for (Field f : avro.getFields()) {
          s.put(f.name(), toConnect(connect.field(f.name()).schema(), f.schema(), r.get(f.pos())));
        }
        return s;
      }
      case ENUM:
        return v instanceof GenericEnumSymbol<?> e ? e.toString() : v.toString();
      case STRING:
        return v.toString();
      case LONG:
        if (Timestamp.LOGICAL_NAME.equals(connect.name())) {
          return v instanceof Instant i ? Date.from(i) : new Date((Long) v);
        }
        return v;
      case INT:
        if (org.apache.kafka.connect.data.Date.LOGICAL_NAME.equals(connect.name())) {
          long days = v instanceof java.time.LocalDate ld ? ld.toEpochDay() : (Integer) v;
          return new Date(days * 86_400_000L);
        }
        return v;
      case BYTES:
      case FIXED:
        if (v instanceof ByteBuffer bb) {
          byte[] out = new byte[bb.remaining()];
          bb.duplicate().get(out);
          return out;
        }
        return v instanceof GenericData.Fixed f ? f.bytes() : v;
      case ARRAY: {
        List<Object> out = new ArrayList<>();
        for (Object o : (Collection<?>) v) {
          out.add(toConnect(connect.valueSchema(), avro.getElementType(), o));
        }
        return out;
      }
      case MAP: {
        Map<String, Object> out = new HashMap<>();
        ((Map<?, ?>) v).forEach((k, o) -> out.put(k.toString(), toConnect(connect.valueSchema(), avro.getValueType(), o)));
        return out;
      }
      default:
        return v;
    }
  }

  @SuppressWarnings("unused")
  private static final Object NULL_DEFAULT = JsonProperties.NULL_VALUE;
}
