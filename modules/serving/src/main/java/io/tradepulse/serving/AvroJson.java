package io.tradepulse.serving;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Plain JSON shapes of Avro records for the REST API: field names as in the schema, enums and instants as
 * strings, bytes as base64. (Avro's own JSON encoding wraps unions in type objects, which browsers and BI
 * tools do not want.)
 */
final class AvroJson {
    private AvroJson() {
    }

    static Map<String, Object> toMap(GenericRecord record) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Schema.Field f : record.getSchema().getFields()) {
            out.put(f.name(), plain(record.get(f.pos())));
        }
        return out;
    }

    private static Object plain(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof GenericRecord r) {
            return toMap(r);
        }
        if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (v instanceof List<?> l) {
            return l.stream().map(AvroJson::plain).toList();
        }
        return v.toString(); // CharSequence, enums, Instant, LocalDate
    }
}
