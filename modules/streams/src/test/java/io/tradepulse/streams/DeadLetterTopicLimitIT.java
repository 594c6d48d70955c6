package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.core.TopicAdmin;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real broker: a trade.dlq whose max.message.bytes is below the producer's max.request.size. The broker refused
 * the dead letter of a large undeserializable record, the transaction aborted, the replaced thread met the same record
 * again, and the partition stopped without any dead letter written.
 */
@WithEmbeddedPlatform
class DeadLetterTopicLimitIT {
    private static final int TOPIC_LIMIT = 100_000;

    @Test
    void shouldWriteTheDeadLetterOfALargeRecordWithoutItsRawValueWhenTheTopicAllowsLessThanTheProducer(
            EmbeddedPlatform platform, @TempDir Path stateDir) throws Exception {
        String prefix = "dlqlimit-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        Map<String, Object> cfg = new HashMap<>(client);
        cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl());
        cfg.put(ProcessorConfig.STATE_DIR_CONFIG, stateDir.toString());
        cfg.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
        cfg.put(ProcessorConfig.APPLICATION_ID_CONFIG, prefix + "processor");
        cfg.put(ProcessorConfig.TOPIC_PARTITIONS_CONFIG, 1);
        ProcessorConfig config = new ProcessorConfig(cfg);
        TopicCatalog topics = config.topicCatalog();
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(topics.deadLetters().name(), 1, (short) -1)
                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(TOPIC_LIMIT))))).all().get();
            TopicAdmin.ensureTopics(admin, topics);
        }
        byte[] junk = new byte[3 * TOPIC_LIMIT]; // under the broker's default 1 MB, over trade.dlq's limit
        new Random(11).nextBytes(junk);
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(client, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(topics.records().name(), "junk".getBytes(), junk)).get();
        }

        List<DeadLetter> letters = new ArrayList<>();
        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            letters.addAll(readDeadLetters(client, topics, Duration.ofSeconds(90)));
        }

        assertThat(letters).hasSize(1);
        DeadLetter dl = letters.get(0);
        assertThat(dl.getOriginTopic()).isEqualTo(topics.records().name());
        assertThat(dl.getRawValue()).isNull();
        assertThat(dl.getReason()).contains("max.message.bytes (" + TOPIC_LIMIT + " bytes)");
    }

    /** The committed dead letters, polled until one arrives or the timeout passes. */
    private static List<DeadLetter> readDeadLetters(Map<String, Object> client, TopicCatalog topics, Duration timeout) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<DeadLetter> out = new ArrayList<>();
        var values = topics.deadLetters().valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topics.deadLetters().name(), 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    out.add(values.deserialize(r.topic(), r.value()));
                }
            }
        }
        return out;
    }
}
