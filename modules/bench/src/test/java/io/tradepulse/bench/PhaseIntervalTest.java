package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a Streams phase's measured interval starts. */
class PhaseIntervalTest {
    @TempDir
    Path stateDir;

    @Test
    void shouldMeasureFromTheFirstProcessedRecordsWhenTheThreadsProcessBeforeTheAppIsRunning() {
        // One thread got its tasks and processed from 300 on; the app was RUNNING (every thread) only at 500.
        assertThat(BackfillBenchmark.measuredFrom(100, 500, 300)).isEqualTo(300);
        // caught up before the app was ever RUNNING
        assertThat(BackfillBenchmark.measuredFrom(100, 0, 300)).isEqualTo(300);
    }

    @Test
    void shouldMeasureFromRunningWhenTheFirstRecordsComeAfterIt() {
        assertThat(BackfillBenchmark.measuredFrom(100, 500, 700)).isEqualTo(500);
        assertThat(BackfillBenchmark.measuredFrom(100, 500, 0)).isEqualTo(500);
        assertThat(BackfillBenchmark.measuredFrom(100, 0, 0)).as("neither seen: from the start").isEqualTo(100);
    }

    @Test
    void shouldFindEveryStreamThreadsProcessedRecordsMetricBeforeTheAppStarts() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", Consumed.with(Serdes.String(), Serdes.String())).to("out", Produced.with(Serdes.String(),
                Serdes.String()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "phase-interval-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1"); // never started: nothing is contacted
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
        try (KafkaStreams streams = new KafkaStreams(b.build(), props)) {
            List<Metric> metrics = BackfillBenchmark.processedRecordMetrics(streams);

            assertThat(metrics).as("process-total of each stream thread").hasSize(2);
            assertThat(BackfillBenchmark.processed(metrics)).isZero();
        }
    }

    @Test
    void shouldNoteWhenTheFirstRecordsWereProcessed() throws Exception {
        AtomicLong processed = new AtomicLong();
        try (BackfillBenchmark.FirstProcessed first = new BackfillBenchmark.FirstProcessed(processed::get, () -> false)) {
            Thread.sleep(20);
            assertThat(first.nanos()).as("nothing processed yet").isZero();

            long before = System.nanoTime();
            processed.set(5);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (first.nanos() == 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(1);
            }

            assertThat(first.nanos() - before).isNotNegative().isLessThan(1_000_000_000L);
        }
    }

    @Test
    void shouldStopWatchingOnceTheAppIsRunning() throws Exception {
        AtomicBoolean running = new AtomicBoolean();
        AtomicLong processed = new AtomicLong();
        try (BackfillBenchmark.FirstProcessed first = new BackfillBenchmark.FirstProcessed(processed::get, running::get)) {
            running.set(true);
            Thread.sleep(50);
            processed.set(5);
            Thread.sleep(50);

            assertThat(first.nanos()).as("from RUNNING on the interval starts there anyway").isZero();
        }
    }
}
