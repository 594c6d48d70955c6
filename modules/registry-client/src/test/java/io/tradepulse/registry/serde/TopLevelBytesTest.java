package io.tradepulse.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * A top-level {@code "bytes"} value in Confluent's wire format: magic byte, 4-byte id, then the bytes themselves with
 * no Avro length prefix. That is what Confluent's {@code AbstractKafkaAvroSerializer} writes for a {@code byte[]} or
 * {@code ByteBuffer} whose schema is bytes ({@code out.write((byte[]) value)}), and what its
 * {@code AbstractKafkaAvroDeserializer} expects for a bytes writer schema (the rest of the message, copied as is).
 * The shaded Confluent jar used elsewhere in the tests holds only the registry client, not the serde, so the expected
 * bytes are spelled out here; {@code ConfluentClientConformanceIT} checks the same against the genuine client's id.
 */
class TopLevelBytesTest {

    private static final Schema BYTES = Schema.create(Schema.Type.BYTES);

    private final MemorySchemaRegistryClient registry = new MemorySchemaRegistryClient();

    private int bytesId() {
        registry.register("unrelated", Schema.create(Schema.Type.STRING)); // so the id is not 1 by accident
        return registry.register("blobs-value", BYTES);
    }

    private static byte[] confluentWay(int id, int... body) {
        byte[] bytes = new byte[5 + body.length];
        ByteBuffer.wrap(bytes).put((byte) 0).putInt(id);
        for (int i = 0; i < body.length; i++) {
            bytes[5 + i] = (byte) body[i];
        }
        return bytes;
    }

    @Test
    void shouldWriteByteArrayRawAfterTheHeaderAsConfluentDoes() {
        int id = bytesId();
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            assertThat(serializer.serialize("blobs", new byte[] {10, 20, 30})).isEqualTo(confluentWay(id, 10, 20, 30));
            assertThat(serializer.serialize("blobs", new byte[0])).isEqualTo(confluentWay(id));
        }
    }

    @Test
    void shouldWriteTheRemainingBytesOfAByteBufferWithoutMovingIt() {
        int id = bytesId();
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            ByteBuffer whole = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
            assertThat(serializer.serialize("blobs", whole)).isEqualTo(confluentWay(id, 1, 2, 3, 4));
            assertThat(whole.position()).isZero();
            ByteBuffer slice = ByteBuffer.wrap(new byte[] {1, 2, 3, 4}, 1, 2);
            assertThat(serializer.serialize("blobs", slice)).isEqualTo(confluentWay(id, 2, 3));
            ByteBuffer direct = ByteBuffer.allocateDirect(2).put((byte) 7).put((byte) 8).flip();
            assertThat(serializer.serialize("blobs", direct.asReadOnlyBuffer())).isEqualTo(confluentWay(id, 7, 8));
        }
    }

    @Test
    void shouldReadTheRestOfTheMessageRawForABytesWriterSchema() {
        int id = bytesId();
        try (KafkaAvroDeserializer generic = new KafkaAvroDeserializer(registry);
                KafkaAvroDeserializer specific = new KafkaAvroDeserializer(registry)) {
            specific.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
            for (KafkaAvroDeserializer deserializer : new KafkaAvroDeserializer[] {generic, specific}) {
                assertThat(deserializer.deserialize("blobs", confluentWay(id, 10, 20, 30))).isEqualTo(new byte[] {10, 20, 30});
                // 0x80 0x80 would be an unterminated Avro length: read raw, it is just two bytes.
                assertThat(deserializer.deserialize("blobs", confluentWay(id, 0x80, 0x80))).isEqualTo(new byte[] {(byte) 0x80, (byte) 0x80});
                assertThat(deserializer.deserialize("blobs", confluentWay(id))).isEqualTo(new byte[0]);
            }
        }
    }

    @Test
    void shouldRoundTripTopLevelBytes() {
        bytesId();
        byte[] value = {0, 1, 2, (byte) 0xff, 6, 0};
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry);
                KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(registry)) {
            assertThat(deserializer.deserialize("blobs", serializer.serialize("blobs", value))).isEqualTo(value);
        }
    }

    @Test
    void shouldStillAvroEncodeBytesInsideRecords() {
        Schema record = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Blob\",\"fields\":[{\"name\":\"b\",\"type\":\"bytes\"}]}");
        org.apache.avro.generic.GenericRecord blob = new org.apache.avro.generic.GenericData.Record(record);
        blob.put("b", ByteBuffer.wrap(new byte[] {10, 20, 30}));
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            byte[] bytes = serializer.serialize("records", blob);
            assertThat(bytes).endsWith(6, 10, 20, 30); // zigzag length 3 -> 6, then the bytes
        }
    }

    @Test
    void shouldWriteAValueConvertedToALatestBytesSchemaRaw() {
        bytesId();
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer(registry)) {
            serializer.configure(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false,
                    AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true), false);
            // string -> bytes is a legal Avro promotion, so the latest (bytes) schema accepts it, converted.
            assertThat(serializer.serialize("blobs", "hi")).endsWith('h', 'i');
            assertThatThrownBy(() -> serializer.serialize("blobs", 5)).isInstanceOf(SerializationException.class);
        }
    }
}
