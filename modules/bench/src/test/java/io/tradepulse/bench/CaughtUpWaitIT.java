package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.embedded.Resources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** When a phase counts as finished: what the end of a Streams phase waits for, on a real broker. */
class CaughtUpWaitIT {

    /**
     * The input's end committed and no other topic committed yet: the processors' roll-up loop topics have no committed
     * offset before their first derived figure was read, so the wait took the phase for finished with every roll-up
     * cell still pending (the app "busy") and the rate counted none of the roll-up work.
     */
    @Test
    void shouldWaitForTheAppsPendingWorkWhenOnlyTheInputHasCommittedOffsets() throws Exception {
        try (Resources resources = new Resources()) {
            EmbeddedKafka kafka = resources.start(EmbeddedKafka::start);
            Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            String topic = "bench.caught-up-input";
            String group = "bench-pending";
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1))).all().get();
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(client, new StringSerializer(),
                        new StringSerializer())) {
                    for (int i = 0; i < 3; i++) {
                        producer.send(new ProducerRecord<>(topic, "k" + i, "v")).get();
                    }
                }
                admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(3)))
                        .all().get();
            }
            long idleFrom = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            AtomicBoolean askedWhenIdle = new AtomicBoolean();

            BackfillBenchmark.awaitCaughtUp(client, group, topic, Duration.ofSeconds(60), () -> {
                boolean busy = System.nanoTime() < idleFrom;
                askedWhenIdle.compareAndSet(false, !busy);
                return busy;
            }, () -> KafkaStreams.State.RUNNING);

            assertThat(askedWhenIdle).as("returned only once the app had no pending work").isTrue();
        }
    }
}
