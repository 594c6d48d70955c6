package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import java.lang.reflect.Proxy;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.junit.jupiter.api.Test;

/**
 * The handler on its own: TopologyTestDriver 4.4 does not route KIP-1034 dead-letter records returned by a
 * deserialization handler to its output topics, so the full path (bytes on trade.records -> DeadLetter on
 * trade.dlq, same transaction) is covered on a real broker by EndToEndPipelineIT in the launcher module.
 */
class DeadLetterDeserializationHandlerTest {
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    private DeadLetterDeserializationHandler handler(SchemaRegistryClient client) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        cfg.put(ProcessorConfig.REGISTRY_CLIENT_INSTANCE, client);
        DeadLetterDeserializationHandler h = new DeadLetterDeserializationHandler();
        h.configure(cfg);
        return h;
    }

    @Test
    void shouldResumeWithADeadLetterCarryingRawBytesAndOrigin() {
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>(TopicCatalog.RECORDS, 3, 42L, garbage, garbage);

        DeserializationExceptionHandler.Response response = handler(registry)
                .handleError(null, in, new SerializationException("Unknown magic byte"));

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).hasSize(1);
        ProducerRecord<byte[], byte[]> out = response.deadLetterQueueRecords().get(0);
        assertThat(out.topic()).isEqualTo(TopicCatalog.DLQ);
        // An Avro string in the wire format, as the connectors' dead letters (Connect's Avro converter) have it.
        assertThat(out.key()[0]).isEqualTo((byte) 0);
        try (var keys = new io.tradepulse.registry.serde.StringAvroSerde(registry)) {
            keys.configure(Map.of(), true);
            assertThat(keys.deserialize(TopicCatalog.DLQ, out.key())).isEqualTo("trade.records/3/42");
        }

        Map<String, Object> serdeCfg = Map.of();
        var serde = new io.tradepulse.registry.serde.SpecificAvroSerde<DeadLetter>(registry);
        serde.configure(serdeCfg, false);
        DeadLetter dl = serde.deserializer().deserialize(TopicCatalog.DLQ, out.value());
        assertThat(dl.getStage()).isEqualTo(DeadLetterStage.DESERIALIZATION);
        assertThat(dl.getReason()).contains("Unknown magic byte");
        assertThat(dl.getErrorClass()).isEqualTo(SerializationException.class.getName());
        assertThat(dl.getOriginTopic()).isEqualTo(TopicCatalog.RECORDS);
        assertThat(dl.getOriginPartition()).isEqualTo(3);
        assertThat(dl.getOriginOffset()).isEqualTo(42L);
        assertThat(bytes(dl.getRawValue())).isEqualTo(garbage);
        assertThat(bytes(dl.getRawKey())).isEqualTo(garbage);
    }

    @Test
    void shouldFailInsteadOfLosingTheRecordWhenTheDeadLetterCannotBeWritten() {
        // A registry that is down for every call (what a DNS failure or an outage looks like to the serde).
        SchemaRegistryClient down = (SchemaRegistryClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SchemaRegistryClient.class}, (proxy, method, args) -> {
                    throw new SchemaRegistryUnavailableException("registry down", -1, 503, method.getName(), null);
                });
        ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>(TopicCatalog.RECORDS, 0, 7L, null, new byte[] {1});

        DeserializationExceptionHandler.Response response = handler(down)
                .handleError(null, in, new SerializationException("registry unavailable"));

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
    }

    /**
     * The registry is down and the input's writer schema is not cached, but the dead letter's schema is (a dead letter
     * was written before): the good input must wait for the registry, not be dead-lettered.
     */
    @Test
    void shouldFailWithoutADeadLetterWhenTheInputFailedOnlyBecauseTheRegistryWasUnavailable() {
        ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>(TopicCatalog.RECORDS, 4, 11L, null, new byte[] {0, 0, 0, 0, 9});
        var outage = new SerializationException("Schema registry unavailable while fetching Avro schema id 9",
                new SchemaRegistryUnavailableException("Schema registry unavailable", -1, 503, "getById", null));
        DeadLetterDeserializationHandler handler = handler(registry);
        // Warm the dead letter's schema in the shared client, as an earlier bad record would have.
        assertThat(handler.handleError(null, new ConsumerRecord<>(TopicCatalog.RECORDS, 4, 10L, null, new byte[] {1}),
                new SerializationException("Unknown magic byte")).result())
                .isEqualTo(DeserializationExceptionHandler.Result.RESUME);

        DeserializationExceptionHandler.Response response = handler.handleError(null, in, outage);

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    /**
     * Answers of the registry that say nothing about the record (expired credentials, its backing store down) must not
     * dead-letter it either; "no schema has this id" (404) does.
     */
    @Test
    void shouldFailWithoutADeadLetterWhenTheRegistryRefusedTheCredentialsOrKeptFailingButDeadLetterAnUnknownId() {
        DeadLetterDeserializationHandler handler = handler(registry);
        int offset = 0;
        for (int status : new int[] {401, 403, 500}) {
            var refused = new SerializationException("Error retrieving Avro schema for id 9",
                    new io.tradepulse.registry.SchemaRegistryException("registry says no", status, status, "getById", null));
            DeserializationExceptionHandler.Response response = handler.handleError(null,
                    new ConsumerRecord<>(TopicCatalog.RECORDS, 4, offset++, null, new byte[] {0, 0, 0, 0, 9}), refused);
            assertThat(response.result()).as("HTTP " + status).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
            assertThat(response.deadLetterQueueRecords()).as("HTTP " + status).isEmpty();
        }
        var unknownId = new SerializationException("Error retrieving Avro schema for id 9",
                new io.tradepulse.registry.SchemaRegistryException("Schema 9 not found",
                        io.tradepulse.registry.SchemaRegistryException.SCHEMA_NOT_FOUND, 404, "getById", null));
        DeserializationExceptionHandler.Response response = handler.handleError(null,
                new ConsumerRecord<>(TopicCatalog.RECORDS, 4, offset, null, new byte[] {0, 0, 0, 0, 9}), unknownId);
        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).hasSize(1);
    }

    /**
     * A schema.registry.url with the wrong path (Apicurio's root without /apis/ccompat/v7, or that path added to a
     * Confluent URL) answers every id lookup with a plain 404 (error code 404 or none, never the registry's 40403):
     * it says nothing about the record, which was dead-lettered, and so was every other input.
     */
    @Test
    void shouldFailWithoutADeadLetterWhenTheRegistryUrlAnswersAPlain404() {
        DeadLetterDeserializationHandler handler = handler(registry);
        var wrongPath = new SerializationException("Error retrieving Avro schema for id 9",
                new io.tradepulse.registry.SchemaRegistryException("HTTP 404 Not Found", 404, 404, "getById", null));

        DeserializationExceptionHandler.Response response = handler.handleError(null,
                new ConsumerRecord<>(TopicCatalog.RECORDS, 4, 0, null, new byte[] {0, 0, 0, 0, 9}), wrongPath);

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
        assertThat(DeadLetterDeserializationHandler.wrongUrlHint(wrongPath)).contains("schema.registry.url",
                "/apis/ccompat/v7");
    }

    @Test
    void shouldSkipATariffEventWithoutADeadLetterWhenTheRegistryWasUnavailable() {
        ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>(TopicCatalog.TARIFF_EVENTS, 0, 3L, null, new byte[] {0, 0, 0, 0, 9});
        var outage = new SerializationException("Schema registry unavailable while fetching Avro schema id 9",
                new SchemaRegistryUnavailableException("Schema registry unavailable", -1, 503, "getById", null));
        Map<String, Object> cfg = new HashMap<>();
        // A broker nobody answers on: a dead letter sent there waits for its metadata (max.block.ms) before it fails,
        // so an answer within seconds shows that none was sent.
        cfg.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        cfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, "tradepulse-processor");
        cfg.put(ProcessorConfig.REGISTRY_CLIENT_INSTANCE, registry);
        cfg.put("producer.max.block.ms", "60000");
        DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
        handler.configure(cfg);

        long start = System.nanoTime();
        DeserializationExceptionHandler.Response response = handler.handleError(null, in, outage);

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(5));
    }

    /** Real failures of the real value deserializer, each handed to the handler as Kafka Streams would. */
    @Test
    void shouldDeadLetterEveryKindOfUndeserializableInput() {
        TopicCatalog topics = ProcessorConfig.fromStreamsConfig(Map.of(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                ProcessorConfig.REGISTRY_CLIENT_INSTANCE, registry)).topicCatalog();
        byte[] valid = topics.records().valueSerde().serializer().serialize(TopicCatalog.RECORDS,
                TopologyFixture.figure(2025, 5, 1L, "2025-06-09"));
        byte[] unknownId = valid.clone();
        unknownId[1] = 0x7f; // schema id 0x7f...: never registered
        byte[] truncated = java.util.Arrays.copyOf(valid, valid.length / 2);
        byte[] wrongMagic = valid.clone();
        wrongMagic[0] = 1;
        byte[] json = "{\"reporter\":\"CHN\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> kinds = new java.util.LinkedHashMap<>();
        kinds.put("unknown schema id", unknownId);
        kinds.put("truncated Avro payload", truncated);
        kinds.put("wrong magic byte", wrongMagic);
        kinds.put("JSON instead of Avro", json);
        kinds.put("empty value", new byte[0]);
        DeadLetterDeserializationHandler handler = handler(registry);
        long offset = 0;
        for (var kind : kinds.entrySet()) {
            Exception failure = null;
            try {
                topics.records().valueSerde().deserializer().deserialize(TopicCatalog.RECORDS, kind.getValue());
            } catch (RuntimeException e) {
                failure = e;
            }
            assertThat(failure).as(kind.getKey() + " must fail to deserialize").isNotNull();
            ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>(TopicCatalog.RECORDS, 1, offset++, null, kind.getValue());
            DeserializationExceptionHandler.Response response = handler.handleError(null, in, failure);
            assertThat(response.result()).as(kind.getKey()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
            var serde = new io.tradepulse.registry.serde.SpecificAvroSerde<DeadLetter>(registry);
            serde.configure(Map.of(), false);
            DeadLetter dl = serde.deserializer().deserialize(TopicCatalog.DLQ, response.deadLetterQueueRecords().get(0).value());
            assertThat(bytes(dl.getRawValue())).as(kind.getKey()).isEqualTo(kind.getValue());
            assertThat(dl.getReason()).as(kind.getKey()).isNotBlank();
        }
    }

    /**
     * A record that fits its own topic (or was written by a producer with a larger max.request.size) plus the dead
     * letter's other fields exceeds the processor's max.request.size: the send of the dead letter failed, the thread
     * was replaced and met the record again, for ever.
     */
    @Test
    void shouldDeadLetterWithoutTheRawValueWhenTheDeadLetterWouldExceedMaxRequestSize() {
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        byte[] large = new byte[2 * 1024 * 1024];
        new java.util.Random(7).nextBytes(large);
        ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>(TopicCatalog.RECORDS, 2, 99L, key, large);

        DeserializationExceptionHandler.Response response = handler(registry)
                .handleError(null, in, new SerializationException("Unknown magic byte"));

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        ProducerRecord<byte[], byte[]> out = response.deadLetterQueueRecords().get(0);
        // The producer's default max.request.size, which refuses anything larger (RecordTooLargeException).
        assertThat(out.key().length + out.value().length).isLessThan(1024 * 1024);
        DeadLetter dl = deadLetter(out);
        assertThat(dl.getRawValue()).isNull();
        assertThat(bytes(dl.getRawKey())).isEqualTo(key);
        assertThat(dl.getStage()).isEqualTo(DeadLetterStage.DESERIALIZATION);
        assertThat(dl.getReason()).contains("Unknown magic byte").contains(String.valueOf(large.length))
                .contains("max.request.size").contains("trade.records/2/99");
        assertThat(dl.getOriginTopic()).isEqualTo(TopicCatalog.RECORDS);
        assertThat(dl.getOriginPartition()).isEqualTo(2);
        assertThat(dl.getOriginOffset()).isEqualTo(99L);
    }

    @Test
    void shouldKeepALargeRawValueWhenTheProducersMaxRequestSizeAllowsIt() {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        cfg.put(ProcessorConfig.REGISTRY_CLIENT_INSTANCE, registry);
        cfg.put("producer.max.request.size", "8388608");
        DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
        handler.configure(cfg);
        byte[] large = new byte[2 * 1024 * 1024];
        new java.util.Random(7).nextBytes(large);

        DeserializationExceptionHandler.Response response = handler.handleError(null,
                new ConsumerRecord<>(TopicCatalog.RECORDS, 0, 1L, null, large), new SerializationException("bad"));

        assertThat(bytes(deadLetter(response.deadLetterQueueRecords().get(0)).getRawValue())).isEqualTo(large);
    }

    private DeadLetter deadLetter(ProducerRecord<byte[], byte[]> out) {
        var serde = new io.tradepulse.registry.serde.SpecificAvroSerde<DeadLetter>(registry);
        serde.configure(Map.of(), false);
        return serde.deserializer().deserialize(TopicCatalog.DLQ, out.value());
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
