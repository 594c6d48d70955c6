package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter topic's max.message.bytes, read at start, bounds the dead letters as the producer's max.request.size
 * does. The start itself (ProcessorApp.start reading it from a broker) is covered by the launcher's ITs.
 */
class DeadLetterTopicLimitTest {
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    /**
     * trade.dlq created with max.message.bytes=100000, the producer at its default 1 MB max.request.size: a 200 KB input
     * that fails to deserialize made a 200 KB dead letter, which the producer sent and the broker refused; under
     * exactly_once_v2 the transaction aborted, the replaced thread met the same input again, and the partition stopped.
     */
    @Test
    void shouldLeaveTheRawValueOutWhenTheDeadLetterWouldExceedTheTopicsMaxMessageBytesBelowMaxRequestSize() {
        DeadLetterTopicLimit limit = new DeadLetterTopicLimit();
        limit.read(describing(TopicCatalog.DLQ, "100000"), TopicCatalog.DLQ, Duration.ofSeconds(1));
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[200 * 1024];
        new Random(7).nextBytes(value);

        DeserializationExceptionHandler.Response response = handler(limit).handleError(null,
                new ConsumerRecord<>(TopicCatalog.RECORDS, 1, 5L, key, value), new SerializationException("bad"));

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        ProducerRecord<byte[], byte[]> out = response.deadLetterQueueRecords().get(0);
        assertThat(out.key().length + out.value().length).isLessThan(100_000);
        DeadLetter dl = deadLetter(out);
        assertThat(dl.getRawValue()).isNull();
        assertThat(dl.getRawKey()).isNotNull();
        assertThat(dl.getReason()).contains("max.message.bytes (100000 bytes)").contains(String.valueOf(value.length))
                .contains("trade.records/1/5");
    }

    @Test
    void shouldKeepTheRawValueWhenItFitsTheTopicsMaxMessageBytes() {
        DeadLetterTopicLimit limit = new DeadLetterTopicLimit();
        limit.read(describing(TopicCatalog.DLQ, "100000"), TopicCatalog.DLQ, Duration.ofSeconds(1));
        byte[] value = new byte[50 * 1024];
        new Random(7).nextBytes(value);

        DeserializationExceptionHandler.Response response = handler(limit).handleError(null,
                new ConsumerRecord<>(TopicCatalog.RECORDS, 1, 5L, null, value), new SerializationException("bad"));

        assertThat(deadLetter(response.deadLetterQueueRecords().get(0)).getRawValue().remaining()).isEqualTo(value.length);
    }

    @Test
    void shouldFitToMaxRequestSizeAloneWhenTheTopicCannotBeDescribed() {
        DeadLetterTopicLimit limit = new DeadLetterTopicLimit();
        limit.read(failing(new TopicAuthorizationException("no DescribeConfigs")), TopicCatalog.DLQ, Duration.ofSeconds(1));
        byte[] value = new byte[200 * 1024];

        DeserializationExceptionHandler.Response response = handler(limit).handleError(null,
                new ConsumerRecord<>(TopicCatalog.RECORDS, 1, 5L, null, value), new SerializationException("bad"));

        assertThat(limit.maxMessageBytes()).isEqualTo(DeadLetterTopicLimit.UNKNOWN);
        assertThat(deadLetter(response.deadLetterQueueRecords().get(0)).getRawValue().remaining()).isEqualTo(value.length);
    }

    private DeadLetterDeserializationHandler handler(DeadLetterTopicLimit limit) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        cfg.put(ProcessorConfig.REGISTRY_CLIENT_INSTANCE, registry);
        cfg.put(DeadLetterTopicLimit.CONFIG, limit);
        DeadLetterDeserializationHandler h = new DeadLetterDeserializationHandler();
        h.configure(cfg);
        return h;
    }

    private DeadLetter deadLetter(ProducerRecord<byte[], byte[]> out) {
        var serde = new io.tradepulse.registry.serde.SpecificAvroSerde<DeadLetter>(registry);
        serde.configure(Map.of(), false);
        return serde.deserializer().deserialize(TopicCatalog.DLQ, out.value());
    }

    /** An admin client whose describeConfigs gives {@code topic} that max.message.bytes. */
    private static Admin describing(String topic, String maxMessageBytes) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = new Config(List.of(new ConfigEntry("max.message.bytes", maxMessageBytes)));
        return admin(Map.of(resource, KafkaFuture.completedFuture(config)));
    }

    private static Admin failing(RuntimeException error) {
        KafkaFutureImpl<Config> future = new KafkaFutureImpl<>();
        future.completeExceptionally(error);
        return admin(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TopicCatalog.DLQ), future));
    }

    private static Admin admin(Map<ConfigResource, KafkaFuture<Config>> futures) {
        DescribeConfigsResult result = new DescribeConfigsResult(futures) {
        };
        return (Admin) Proxy.newProxyInstance(DeadLetterTopicLimitTest.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("describeConfigs")) {
                        return result;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
