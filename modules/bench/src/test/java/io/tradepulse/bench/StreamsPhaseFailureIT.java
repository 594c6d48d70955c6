package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.Resources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.Test;

/** A Streams phase whose app stops with an error fails at once, not after --timeout. */
class StreamsPhaseFailureIT {

    /**
     * A stream thread that fails shuts its client down (Kafka Streams' default handler, which the pass-through apps
     * keep): the app commits nothing more, but the phase waited out the whole --timeout (30 min by default, 60 in the
     * documented runs) and then said the group "did not catch up".
     */
    @Test
    void shouldFailThePhaseAtOnceWhenTheAppStopsWithAnError() throws Exception {
        try (Resources resources = new Resources()) {
            EmbeddedKafka kafka = resources.start(EmbeddedKafka::start);
            Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            String topic = "bench.failing-input";
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(client, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "k", "v")).get();
            }
            Path stateDir = BackfillBenchmark.newStateDir();
            resources.keep(() -> Resources.deleteRecursively(stateDir));
            String group = "bench-failing";
            BackfillBenchmark.StreamsFactory failing = () -> {
                StreamsBuilder b = new StreamsBuilder();
                b.stream(topic, Consumed.with(Serdes.String(), Serdes.String())).foreach((k, v) -> {
                    throw new IllegalStateException("the app's own failure");
                });
                Properties props = new Properties();
                props.putAll(client);
                props.put(StreamsConfig.APPLICATION_ID_CONFIG, group);
                props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
                return new KafkaStreams(b.build(), props);
            };
            BackfillBenchmark bench = new BackfillBenchmark(new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8));

            long t0 = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(90), () ->
                    assertThatThrownBy(() -> bench.streamsPhase(resources, "failing app", group, 1, client, topic,
                            Duration.ofMinutes(10), failing, streams -> false))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("group " + group + " stopped before catching up")
                            .hasMessageContaining("ERROR"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(90));
        }
    }
}
