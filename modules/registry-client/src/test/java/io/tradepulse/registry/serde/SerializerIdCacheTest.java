package io.tradepulse.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.registry.SchemaRegistryClient;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class SerializerIdCacheTest {

    @Test
    void shouldAskTheRegistryOncePerTopicAndSchemaInstance() {
        AtomicInteger registrations = new AtomicInteger();
        SchemaRegistryClient client = (SchemaRegistryClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register")) {
                        registrations.incrementAndGet();
                        return 7;
                    }
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        Schema schema = SchemaBuilder.record("Thing").namespace("com.example").fields().requiredLong("n").endRecord();
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(client);
        serializer.configure(Map.of(), false);
        for (int i = 0; i < 100; i++) {
            GenericRecord r = new GenericData.Record(schema);
            r.put("n", (long) i);
            byte[] bytes = serializer.serialize("things", r);
            assertThat(bytes[4]).isEqualTo((byte) 7); // the id in the wire format
        }
        serializer.serialize("other-things", record(schema));
        assertThat(registrations).hasValue(2); // once per topic (subject), not once per record
    }

    private static GenericRecord record(Schema schema) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("n", 1L);
        return r;
    }
}
