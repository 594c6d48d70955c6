package io.tradepulse.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Plain JSON shapes of Avro records for the REST API: field names as in the schema, enums and instants as
 * strings, bytes as base64. (Avro's own JSON encoding wraps unions in type objects, which browsers and BI
 * tools do not want.) Written straight to a generator, field by field: a response of 100,000 rows built as maps
 * first took ~700 MB of allocation and more heap than the processor's JVM has.
 */
final class AvroJson {
    private AvroJson() {
    }

    static void write(JsonGenerator g, GenericRecord record) throws IOException {
        g.writeStartObject();
        for (Schema.Field f : record.getSchema().getFields()) {
            g.writeFieldName(f.name());
            writeValue(g, record.get(f.pos()));
        }
        g.writeEndObject();
    }

    /**
     * JSON has no NaN or Infinity: Jackson writes them as the strings "NaN" and "Infinity", so a percent column was
     * sometimes a string (a typed BI import failed, the dashboard's toFixed threw and the table stayed empty). Null
     * is what the schemas already mean by a percent that has no value (a missing or zero base).
     */
    private static void writeDouble(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeNull();
        }
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Double d) {
            writeDouble(g, d);
        } else if (v instanceof Float f) {
            writeDouble(g, f.doubleValue());
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof GenericRecord r) {
            write(g, r);
        } else if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            g.writeString(Base64.getEncoder().encodeToString(bytes));
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object e : l) {
                writeValue(g, e);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString()); // CharSequence, enums, Instant, LocalDate
        }
    }
}
