package io.tradepulse.connect.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.LogCapture;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.SourceCompletion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

/**
 * The worker acknowledges a record it did not write with commitRecord(record, null): a transform (an SMT such as
 * Filter) dropped it. The task counted it as delivered, so its counts and its summary said every record built had gone
 * to Kafka. It is counted apart, and still lets a finite source finish.
 */
class TransformDroppedRecordsTest {
  private final TaskHarness harness = new TaskHarness();

  private static RecordMetadata written(SourceRecord r, long offset) {
    return new RecordMetadata(new TopicPartition(r.topic(), 0), offset, 0, 0L, 0, 0);
  }

  @Test
  void shouldCountRecordsAcknowledgedWithoutMetadataAsDroppedByATransformAndStillFinishTheSource() throws Exception {
    Path seed = Path.of(getClass().getResource("/china-exports-to-us-gacc.csv").toURI());
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps(seed.toString());
    FileSourceTask task = harness.start(new FileSourceTask(), props);
    List<SourceRecord> batch = TaskHarness.poll(task);
    assertThat(batch).hasSize(16);
    assertThat(TaskHarness.poll(task)).as("the file is read").isNull();

    try (LogCapture log = new LogCapture(Level.INFO)) {
      for (int i = 0; i < batch.size(); i++) {
        // Every fourth record dropped, the last one among them: the source must finish all the same.
        boolean dropped = i % 4 == 3;
        task.commitRecord(batch.get(i), dropped ? null : written(batch.get(i), i));
      }

      assertThat(SourceCompletion.await(props.get("name"), Duration.ofSeconds(1)))
          .as("a record a transform dropped is done with, like a written one").isTrue();
      assertThat(task.metrics().records()).as("built").isEqualTo(16);
      assertThat(task.metrics().droppedByTransform()).isEqualTo(4);
      assertThat(log.warnings()).as("the summary says how many did not reach Kafka")
          .contains("Source finished: 16 records, 0 dead letters, 4 of them dropped by a transform (not written), "
              + "0 skipped rows, 0 fetches, 0 retries");
    }
    task.stop();
  }
}
