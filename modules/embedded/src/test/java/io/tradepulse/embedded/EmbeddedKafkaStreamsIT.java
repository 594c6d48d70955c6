package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stateful exactly_once_v2 Streams app against the embedded broker: exercises what the plain
 * transactional producer does not (sendOffsetsToTransaction with group metadata, a compacted
 * changelog that Streams creates itself while broker auto-creation is off).
 */
class EmbeddedKafkaStreamsIT {

    @Test
    void exactlyOnceV2StatefulAppRuns(@TempDir final Path stateDir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            final String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("words", 1, (short) 1), new NewTopic("word-counts", 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }

            final StreamsBuilder builder = new StreamsBuilder();
            builder.stream("words", Consumed.with(Serdes.String(), Serdes.String()))
                    .groupByKey()
                    .count()
                    .toStream()
                    .to("word-counts", Produced.with(Serdes.String(), Serdes.Long()));
            final Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-it-" + UUID.randomUUID());
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);

            try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
                 KafkaProducer<String, String> producer = new KafkaProducer<>(
                         Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                         new StringSerializer(), new StringSerializer())) {
                streams.start();
                for (String word : List.of("gold", "oil", "gold")) {
                    producer.send(new ProducerRecord<>("words", word, word)).get(30, TimeUnit.SECONDS);
                }

                final Map<String, Long> latest = new HashMap<>();
                try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG, "eos-it-reader-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                        new StringDeserializer(), new LongDeserializer())) {
                    consumer.subscribe(Set.of("word-counts"));
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (!(Long.valueOf(2).equals(latest.get("gold")) && Long.valueOf(1).equals(latest.get("oil")))
                            && System.nanoTime() < deadline) {
                        consumer.poll(Duration.ofMillis(200)).forEach(r -> latest.put(r.key(), r.value()));
                    }
                }
                assertThat(latest).containsEntry("gold", 2L).containsEntry("oil", 1L);
                assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
            }
        }
    }
}
