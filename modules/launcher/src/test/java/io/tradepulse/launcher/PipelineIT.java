package io.tradepulse.launcher;

import static io.tradepulse.launcher.PlatformClients.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

@WithEmbeddedPlatform
class PipelineIT {

    /**
     * "Caught up" also waits for the outputs' transactions to complete. A processor's group offsets become visible when
     * its transaction's marker is written on __consumer_offsets, and the markers on its output partitions are written
     * apart from it: a read_committed read of the outputs started just then ended before the newest rows (the demo could
     * print a table without its last figures). Here the group has committed the input's end while a transaction on the
     * output is still open: caught up only once it is committed.
     */
    @Test
    void shouldNotCallTheProcessorCaughtUpWhileATransactionOnItsOutputsIsOpen(EmbeddedPlatform platform) throws Exception {
        String prefix = "pipeline-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String input = prefix + "in";
        String output = prefix + "out";
        String group = prefix + "processor";
        Map<String, Object> client = client(platform);
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(output, 2, (short) 1))).all().get();
            admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(input, 0), new OffsetAndMetadata(0),
                    new TopicPartition(input, 1), new OffsetAndMetadata(0))).all().get();
        }
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "tx");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(output, 1, null, new byte[] {1})).get();

            // Waited out in full (the transaction stays open), so no longer than needed; but the deadline counts from
            // before the admin client is made, and its first calls must reach the transaction check on a loaded box
            // too, or the timeout names an earlier step (end offsets, committed offsets) instead.
            assertThatThrownBy(() -> Pipeline.awaitCaughtUp(client, group, input, Duration.ofSeconds(10), output))
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("a transaction on [" + output + "] was still open or being completed");
            Pipeline.awaitCaughtUp(client, group, input, Duration.ofSeconds(30)); // the input alone: caught up

            producer.commitTransaction();
            long started = System.nanoTime();
            Pipeline.awaitCaughtUp(client, group, input, Duration.ofSeconds(30), output);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
