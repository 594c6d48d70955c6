package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.AvroSerdes;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.SchemaMetadata;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import io.tradepulse.serving.Results.SeriesFilter;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The view's consumer loop, on a MockConsumer: what it applies, and what it does with a record it cannot read. */
class ResultsViewTest {
    @TempDir
    Path tmp;
    private final TopicCatalog topics = TopicCatalog.defaults(new AvroSerdes(
            Map.of("schema.registry.url", "http://unused.invalid:8081"), new InMemorySchemaRegistryClient()));
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final TopicPartition changes0 = new TopicPartition(topics.changes().name(), 0);
    private final TopicPartition signals0 = new TopicPartition(topics.signals().name(), 0);
    private ResultsView view;

    @BeforeEach
    void topics() {
        topics(consumer);
    }

    private void topics(MockConsumer<byte[], byte[]> c) {
        Node node = new Node(0, "localhost", 9092);
        for (TopicPartition tp : List.of(changes0, signals0)) {
            c.updatePartitions(tp.topic(), List.of(new PartitionInfo(tp.topic(), 0, node, new Node[] {node}, new Node[] {node})));
        }
        c.updateBeginningOffsets(Map.of(changes0, 0L, signals0, 0L));
    }

    /**
     * What KafkaConsumer does with a fetch the broker refuses: it keeps an error per partition, throws one per
     * poll, and drops those it still holds when unassigned (seeking keeps them).
     */
    static final class HoldingConsumer extends MockConsumer<byte[], byte[]> {
        private final Deque<RuntimeException> held = new ArrayDeque<>();
        final AtomicInteger thrown = new AtomicInteger();

        HoldingConsumer() {
            super("earliest");
        }

        synchronized void hold(RuntimeException e) {
            held.add(e);
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            RuntimeException e = held.poll();
            if (e != null) {
                thrown.incrementAndGet();
                throw e;
            }
            return super.poll(timeout);
        }

        @Override
        public synchronized void unsubscribe() {
            held.clear();
            super.unsubscribe();
        }
    }

    @AfterEach
    void close() {
        if (view != null) {
            view.close();
        }
    }

    private ConsumerRecord<byte[], byte[]> record(long offset, TradeChange c) {
        ChangeKey key = ResultsStoreTest.key(c);
        return new ConsumerRecord<>(changes0.topic(), 0, offset,
                topics.changes().keySerde().serializer().serialize(changes0.topic(), key),
                c == null ? null : topics.changes().valueSerde().serializer().serialize(changes0.topic(), c));
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private List<Long> values() {
        return view.changes(SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, 100).rows().stream()
                .map(TradeChange::getValue).toList();
    }

    @Test
    void shouldBeCaughtUpOnceItHasReadWhatWasCommittedAtStart() {
        TradeChange may = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288);
        consumer.updateEndOffsets(Map.of(changes0, 2L, signals0, 0L));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2024, 5, 440)));
            consumer.addRecord(record(1, may));
        });
        view = new ResultsView(consumer, topics, tmp.resolve("view")).start();
        await(view::caughtUp);
        assertThat(values()).containsExactly(440L, 288L);
        assertThat(view.failure()).isEmpty();
    }

    @Test
    void shouldReportAFailureWhenItsThreadDiesOfAnErrorInsteadOfStayingReadyWithAFrozenView() {
        consumer.updateEndOffsets(Map.of(changes0, 1L, signals0, 0L));
        consumer.schedulePollTask(() -> consumer.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));
        consumer.schedulePollTask(() -> {
            throw new OutOfMemoryError("Java heap space");
        });
        view = new ResultsView(consumer, topics, tmp.resolve("view")).start();
        await(() -> view.failure().isPresent());
        assertThat(view.failure().get()).contains("stopped").contains("OutOfMemoryError");
        assertThat(view.stopped()).as("for good: liveness fails, so the process is restarted").isTrue();
        assertThat(view.caughtUp()).isTrue();
        view.close();
        assertThat(consumer.closed()).as("the consumer is closed though the loop died").isTrue();
        view = null;
    }

    @Test
    void shouldReadARecordAgainAfterAFailureInsteadOfSkippingIt() {
        consumer.updateEndOffsets(Map.of(changes0, 2L, signals0, 0L));
        TradeChange may = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288);
        // offset 0 cannot be read (here: bytes no registry knows), offset 1 can
        consumer.schedulePollTask(() -> {
            consumer.addRecord(new ConsumerRecord<>(changes0.topic(), 0, 0L, new byte[] {0, 0, 0, 0, 99, 1}, new byte[] {1}));
            consumer.addRecord(record(1, may));
        });
        view = new ResultsView(consumer, topics, tmp.resolve("view")).start();
        await(() -> view.failure().isPresent());
        assertThat(view.failure().get()).contains(changes0.topic() + "-0@0");
        assertThat(view.caughtUp()).isFalse();
        assertThat(values()).as("nothing after the unreadable record was applied").isEmpty();

        // The view sought back to offset 0; once the record there is readable (the registry is back), it goes on.
        TradeChange april = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 4, 300);
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(0, april));
            consumer.addRecord(record(1, may));
        });
        await(view::caughtUp);
        assertThat(view.failure()).isEmpty();
        assertThat(values()).containsExactly(300L, 288L);
    }

    @Test
    void shouldRecoverFromAFailedPoll() {
        consumer.updateEndOffsets(Map.of(changes0, 1L, signals0, 0L));
        consumer.setPollException(new KafkaException("broker went away"));
        consumer.schedulePollTask(() -> consumer.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));
        view = new ResultsView(consumer, topics, tmp.resolve("view")).start();
        await(view::caughtUp);
        assertThat(view.failure()).isEmpty();
        assertThat(values()).containsExactly(288L);
    }

    @Test
    void shouldDropTheErrorsTheConsumerStillHoldsWhenAPollFails() {
        // Read was refused on both partitions; by the time it is granted, the consumer still holds both errors.
        HoldingConsumer refused = new HoldingConsumer();
        topics(refused);
        refused.updateEndOffsets(Map.of(changes0, 1L, signals0, 0L));
        refused.hold(new TopicAuthorizationException(Set.of(changes0.topic())));
        refused.hold(new TopicAuthorizationException(Set.of(signals0.topic())));
        refused.schedulePollTask(() -> refused.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));

        view = new ResultsView(refused, topics, tmp.resolve("view")).start();

        await(() -> view.caughtUp() && view.failure().isEmpty());
        // One failure, one back-off: the error held for the other partition is as stale as the first, and waiting
        // through it would cost a back-off (one per partition, growing to 30 s).
        assertThat(refused.thrown).hasValue(1);
        assertThat(values()).containsExactly(288L);
    }

    @Test
    void shouldStayNotReadyAfterARefusedFetchUntilItReadsAgain() {
        HoldingConsumer refused = new HoldingConsumer();
        topics(refused);
        refused.updateEndOffsets(Map.of(changes0, 1L, signals0, 0L));
        refused.hold(new TopicAuthorizationException(Set.of(changes0.topic())));
        AtomicInteger emptyPolls = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            refused.schedulePollTask(emptyPolls::incrementAndGet); // fetches not answered yet: nothing, no error
        }

        view = new ResultsView(refused, topics, tmp.resolve("view")).start();

        await(() -> emptyPolls.get() == 3);
        assertThat(view.failure()).as("a poll returning nothing is no proof the view reads again")
                .hasValueSatisfying(f -> assertThat(f).contains("TopicAuthorizationException"));
        refused.schedulePollTask(() -> refused.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));
        await(() -> view.caughtUp() && view.failure().isEmpty());
        assertThat(values()).containsExactly(288L);
    }

    @Test
    void shouldReadOnFromWhereItWasWhenAPollFails() {
        consumer.updateEndOffsets(Map.of(changes0, 2L, signals0, 0L));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 4, 300)));
            consumer.addRecord(record(1, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288)));
        });
        view = new ResultsView(consumer, topics, tmp.resolve("view")).start();
        await(view::caughtUp);

        consumer.setPollException(new KafkaException("broker went away"));
        // Offered again from offset 0: a view that went back to the beginning after reassigning would take the
        // rewritten April; one that reads on from offset 2 takes June only.
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 4, 1)));
            consumer.addRecord(record(1, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288)));
            consumer.addRecord(record(2, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 6, 310)));
        });
        await(() -> values().size() == 3);
        assertThat(values()).containsExactly(300L, 288L, 310L);
        // The failure is cleared after the whole batch is applied, so the values can be seen a moment before.
        await(() -> view.failure().isEmpty());
    }

    @Test
    void shouldWaitAtMostTheCapAfterAFailureThatIsNoRecordsButTheFullBackOffForARecord() {
        Duration cap = ResultsView.MAX_POLL_ERROR_BACKOFF;
        assertThat(ResultsView.retryDelay(Duration.ofMillis(500), false)).isEqualTo(Duration.ofMillis(500));
        assertThat(ResultsView.retryDelay(cap, false)).isEqualTo(cap);
        assertThat(ResultsView.retryDelay(Duration.ofSeconds(30), false)).isEqualTo(cap);
        assertThat(ResultsView.retryDelay(Duration.ofSeconds(30), true)).isEqualTo(Duration.ofSeconds(30));
        assertThat(cap).as("prompt once the cause is fixed").isLessThanOrEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldReturnToReadyWhenAFailureHappensAfterTheBatchWasApplied() {
        // The record is applied; then asking for the position (to see whether the view caught up) times out once.
        AtomicInteger positionCalls = new AtomicInteger();
        MockConsumer<byte[], byte[]> flaky = new MockConsumer<>("earliest") {
            @Override
            public synchronized long position(TopicPartition partition) {
                if (positionCalls.incrementAndGet() == 1) {
                    throw new TimeoutException("Timeout of 60000ms expired before the position for partition "
                            + partition + " could be determined");
                }
                return super.position(partition);
            }
        };
        Node node = new Node(0, "localhost", 9092);
        for (TopicPartition tp : List.of(changes0, signals0)) {
            flaky.updatePartitions(tp.topic(), List.of(new PartitionInfo(tp.topic(), 0, node, new Node[] {node}, new Node[] {node})));
        }
        flaky.updateBeginningOffsets(Map.of(changes0, 0L, signals0, 0L));
        flaky.updateEndOffsets(Map.of(changes0, 1L, signals0, 0L));
        flaky.schedulePollTask(() -> flaky.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));

        view = new ResultsView(flaky, topics, tmp.resolve("view")).start();

        await(() -> positionCalls.get() > 1);
        await(() -> view.caughtUp() && view.failure().isEmpty());
        assertThat(values()).containsExactly(288L);
    }

    @Test
    void shouldClearAFailureOnceTheViewHasReadPastItsOffsetThoughTheRecordIsGone() {
        consumer.updateEndOffsets(Map.of(changes0, 2L, signals0, 0L));
        consumer.schedulePollTask(() -> consumer.addRecord(
                new ConsumerRecord<>(changes0.topic(), 0, 0L, new byte[] {0, 0, 0, 0, 99, 1}, new byte[] {1})));
        view = new ResultsView(consumer, topics, tmp.resolve("view")).start();
        await(() -> view.failure().isPresent());

        // Meanwhile offset 0 was compacted away: the next read starts at offset 1.
        consumer.schedulePollTask(() -> consumer.addRecord(record(1, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));
        await(() -> view.caughtUp() && view.failure().isEmpty());
        assertThat(values()).containsExactly(288L);
    }

    @Test
    void shouldForgetAChangeOnItsTombstone() {
        TradeChange may = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288);
        consumer.updateEndOffsets(Map.of(changes0, 2L, signals0, 0L));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(0, may));
            consumer.addRecord(new ConsumerRecord<>(changes0.topic(), 0, 1L,
                    topics.changes().keySerde().serializer().serialize(changes0.topic(), ResultsStoreTest.key(may)), null));
        });
        view = new ResultsView(consumer, topics, tmp.resolve("view")).start();
        await(view::caughtUp);
        assertThat(values()).isEmpty();
        assertThat(view.series(SeriesFilter.ALL, 10).rows()).isEmpty();
    }

    private final TopicPartition changes1 = new TopicPartition(topics.changes().name(), 1);

    /** Adds partition 1 of the changes topic, as Admin.createPartitions does, with the given end offset. */
    private void addChangesPartition1(long endOffset) {
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(changes0.topic(), List.of(
                new PartitionInfo(changes0.topic(), 0, node, new Node[] {node}, new Node[] {node}),
                new PartitionInfo(changes0.topic(), 1, node, new Node[] {node}, new Node[] {node})));
        consumer.updateBeginningOffsets(Map.of(changes1, 0L));
        consumer.updateEndOffsets(Map.of(changes1, endOffset));
    }

    private ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset, TradeChange c) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset,
                topics.changes().keySerde().serializer().serialize(tp.topic(), ResultsStoreTest.key(c)),
                topics.changes().valueSerde().serializer().serialize(tp.topic(), c));
    }

    @Test
    void shouldCountWhatAPartitionAddedWhileCatchingUpHeldAsPartOfWhatItMustRead() {
        consumer.updateEndOffsets(Map.of(changes0, 1L, signals0, 0L));
        consumer.schedulePollTask(() -> addChangesPartition1(1)); // found at the next check, before the next poll
        consumer.schedulePollTask(() -> consumer.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 4, 300))));
        view = new ResultsView(consumer, topics, tmp.resolve("view"), Duration.ZERO).start();

        await(() -> values().size() == 1);
        assertThat(view.caughtUp()).as("partition 1 still holds an unread record").isFalse();
        consumer.schedulePollTask(() -> consumer.addRecord(record(changes1, 0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));
        await(view::caughtUp);
        assertThat(values()).containsExactly(300L, 288L);
        assertThat(view.failure()).isEmpty();
    }

    @Test
    void shouldReadAnAddedPartitionOnFromWhereItWasWhenAPollFails() {
        consumer.updateEndOffsets(Map.of(changes0, 0L, signals0, 0L));
        view = new ResultsView(consumer, topics, tmp.resolve("view"), Duration.ZERO).start();
        await(view::caughtUp);
        addChangesPartition1(0);
        // Only once the view has assigned partition 1 can the consumer hold records of it.
        await(() -> consumer.assignment().contains(changes1));
        consumer.schedulePollTask(() -> consumer.addRecord(record(changes1, 0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 4, 300))));
        await(() -> values().size() == 1);

        consumer.setPollException(new KafkaException("broker went away"));
        // Offered again from offset 0: reassigned from the beginning it would take the rewritten April.
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(changes1, 0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 4, 1)));
            consumer.addRecord(record(changes1, 1, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288)));
        });
        await(() -> values().size() == 2);
        assertThat(values()).containsExactly(300L, 288L);
        // The failure is cleared after the whole batch is applied, so the values can be seen a moment before.
        await(() -> view.failure().isEmpty());
    }

    /** The view's consumer with only the topics given in its metadata (another one not created yet, or not seen). */
    private static MockConsumer<byte[], byte[]> consumerSeeing(MockConsumer<byte[], byte[]> c, TopicPartition... parts) {
        Node node = new Node(0, "localhost", 9092);
        for (TopicPartition tp : parts) {
            c.updatePartitions(tp.topic(), List.of(new PartitionInfo(tp.topic(), 0, node, new Node[] {node}, new Node[] {node})));
            c.updateBeginningOffsets(Map.of(tp, 0L));
        }
        return c;
    }

    /** What KafkaConsumer does when polled with nothing assigned. */
    static final class AssignmentCheckingConsumer extends MockConsumer<byte[], byte[]> {
        AssignmentCheckingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            if (assignment().isEmpty()) {
                throw new IllegalStateException("Consumer is not subscribed to any topics or assigned any partitions");
            }
            return super.poll(timeout);
        }
    }

    private ConsumerRecord<byte[], byte[]> signalRecord(long offset, TradeSignal s) {
        return new ConsumerRecord<>(signals0.topic(), 0, offset,
                topics.signals().keySerde().serializer().serialize(signals0.topic(),
                        ResultsStoreTest.signalKey(s.getYear(), s.getMonth(), s.getType())),
                topics.signals().valueSerde().serializer().serialize(signals0.topic(), s));
    }

    private List<TradeSignal> signals() {
        return view.signals(SeriesFilter.ALL, s -> true, 100).rows();
    }

    @Test
    void shouldNotBeCaughtUpUntilItHasFoundAndReadATopicThatWasNotInTheMetadataAtStart() throws Exception {
        // Started right after the topics were created: the broker it asks does not list trade.signals yet.
        MockConsumer<byte[], byte[]> early = consumerSeeing(new AssignmentCheckingConsumer(), changes0);
        early.updateEndOffsets(Map.of(changes0, 1L));
        early.schedulePollTask(() -> early.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));
        view = new ResultsView(early, topics, tmp.resolve("view")).start(); // partitions looked for every 30 s

        await(() -> values().size() == 1);
        Thread.sleep(300); // polls on: with trade.changes read, it called itself caught up, trade.signals unread
        assertThat(view.caughtUp()).as("trade.signals not found yet").isFalse();
        assertThat(view.failure()).isEmpty();

        consumerSeeing(early, signals0).updateEndOffsets(Map.of(signals0, 1L));
        // Found within seconds, not at the next 30-second check; only then can the consumer hold its records.
        await(() -> early.assignment().contains(signals0));
        assertThat(view.caughtUp()).as("trade.signals found, its record unread").isFalse();
        TradeSignal signal = ResultsStoreTest.signal(2025, 5, "YOY_MOVE", io.tradepulse.avro.SignalStatus.ACTIVE);
        early.schedulePollTask(() -> early.addRecord(signalRecord(0, signal)));
        await(view::caughtUp);
        assertThat(signals()).containsExactly(signal);
        assertThat(view.failure()).isEmpty();
    }

    @Test
    void shouldWaitForTheTopicsWithoutAFailureWhenNeitherIsInTheMetadataAtStart() {
        // The real consumer refuses to poll with nothing assigned: that was reported as the view's failure.
        MockConsumer<byte[], byte[]> early = new AssignmentCheckingConsumer();
        view = new ResultsView(early, topics, tmp.resolve("view")).start();

        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(view.failure()).isEmpty();
            assertThat(view.caughtUp()).isFalse();
        }

        consumerSeeing(early, changes0, signals0).updateEndOffsets(Map.of(changes0, 1L, signals0, 0L));
        await(() -> early.assignment().contains(changes0));
        early.schedulePollTask(() -> early.addRecord(record(0, ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288))));
        await(view::caughtUp);
        assertThat(values()).containsExactly(288L);
        assertThat(view.failure()).isEmpty();
    }

    @Test
    void shouldRefreshItsMetadataEvery30SecondsUnlessTheClientSettingsSayOtherwise() {
        Map<String, Object> defaults = ResultsView.consumerConfig(Map.of("bootstrap.servers", "localhost:9092"));
        assertThat(defaults).containsEntry("metadata.max.age.ms", 30_000L).containsEntry("auto.offset.reset", "earliest");
        assertThat(ResultsView.metadataMaxAge(defaults)).isEqualTo(Duration.ofSeconds(30));
        Map<String, Object> set = ResultsView.consumerConfig(Map.of("bootstrap.servers", "localhost:9092",
                "metadata.max.age.ms", "120000", "auto.offset.reset", "latest"));
        assertThat(set).containsEntry("metadata.max.age.ms", "120000").containsEntry("auto.offset.reset", "earliest");
        assertThat(ResultsView.metadataMaxAge(set)).isEqualTo(Duration.ofMinutes(2));
        assertThat(ResultsView.metadataMaxAge(Map.of())).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldNeverLetItsConsumerCreateTheTopicsItReadsWhenTheyAreMissing() {
        assertThat(ResultsView.consumerConfig(Map.of("bootstrap.servers", "localhost:9092")))
                .containsEntry(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        assertThat(ResultsView.consumerConfig(Map.of("bootstrap.servers", "localhost:9092",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "true")))
                .as("not even when the client settings say so")
                .containsEntry(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    }

    /**
     * A consumer whose close takes a while (as KafkaConsumer's does: it tells the brokers its fetch sessions are
     * over), and whose wakeup returns only once the view's thread is inside that close: the order in which a
     * Ctrl-C lost the race, close() interrupting after the loop had cleared the interrupt flag.
     */
    static final class SlowClosingConsumer extends MockConsumer<byte[], byte[]> {
        final CountDownLatch inClose = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean wakeupReturned = new AtomicBoolean();
        final AtomicBoolean interruptedInClose = new AtomicBoolean();

        SlowClosingConsumer() {
            super("earliest");
        }

        @Override
        public void wakeup() { // not synchronized: close() below holds no lock while it waits
            super.wakeup();
            try {
                inClose.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            wakeupReturned.set(true);
        }

        @Override
        public void close(Duration timeout) {
            inClose.countDown();
            try {
                // KafkaConsumer logs "Failed to close fetcher" and throws InterruptException out of close here.
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interruptedInClose.set(true);
            }
            super.close(timeout);
        }
    }

    @Test
    void shouldNeverInterruptTheConsumersCloseWhenStoppedWhileTheThreadIsClosingIt() throws Exception {
        SlowClosingConsumer slow = new SlowClosingConsumer();
        topics(slow);
        slow.updateEndOffsets(Map.of(changes0, 0L, signals0, 0L));
        view = new ResultsView(slow, topics, tmp.resolve("view")).start();
        await(view::caughtUp);

        Thread closer = new Thread(view::close, "closer");
        closer.start();
        assertThat(slow.inClose.await(10, TimeUnit.SECONDS)).as("the view's thread closes its consumer").isTrue();
        // close() is past its wakeup and waits for the thread (join), or is done: an interrupt it meant to send is sent.
        await(() -> slow.wakeupReturned.get() && (closer.getState() == Thread.State.TIMED_WAITING || !closer.isAlive()));
        slow.release.countDown();
        closer.join(10_000);

        assertThat(closer.isAlive()).isFalse();
        assertThat(slow.interruptedInClose).as("close() interrupted the consumer's close").isFalse();
        assertThat(slow.closed()).isTrue();
        view = null;
    }

    /**
     * A registry that does not answer a schema lookup: the request waits until it is interrupted, then fails as
     * RestTransport's does (interrupt flag restored).
     */
    static final class SilentRegistry implements SchemaRegistryClient {
        private final SchemaRegistryClient known = new InMemorySchemaRegistryClient();
        final CountDownLatch asked = new CountDownLatch(1);

        @Override
        public Schema getById(int id) {
            asked.countDown();
            try {
                new CountDownLatch(1).await();
                throw new AssertionError("unreachable");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryUnavailableException("interrupted while waiting for the schema registry",
                        SchemaRegistryException.NOT_FROM_REGISTRY, SchemaRegistryException.NOT_FROM_REGISTRY, null, null);
            }
        }

        @Override
        public int register(String subject, Schema schema) {
            return known.register(subject, schema);
        }

        @Override
        public int getId(String subject, Schema schema) {
            return known.getId(subject, schema);
        }

        @Override
        public int getVersion(String subject, Schema schema) {
            return known.getVersion(subject, schema);
        }

        @Override
        public SchemaMetadata getLatestSchemaMetadata(String subject) {
            return known.getLatestSchemaMetadata(subject);
        }

        @Override
        public SchemaMetadata getSchemaMetadata(String subject, int version) {
            return known.getSchemaMetadata(subject, version);
        }

        @Override
        public boolean testCompatibility(String subject, Schema schema) {
            return known.testCompatibility(subject, schema);
        }

        @Override
        public String getCompatibility(String subjectOrNull) {
            return known.getCompatibility(subjectOrNull);
        }

        @Override
        public void updateCompatibility(String subjectOrNull, String level) {
            known.updateCompatibility(subjectOrNull, level);
        }

        @Override
        public List<String> getAllSubjects() {
            return known.getAllSubjects();
        }

        @Override
        public List<Integer> getAllVersions(String subject) {
            return known.getAllVersions(subject);
        }

        @Override
        public List<Integer> deleteSubject(String subject) {
            return known.deleteSubject(subject);
        }

        @Override
        public void close() {
            known.close();
        }
    }

    @Test
    void shouldStopWithoutReportingAFailureWhenClosedWhileARecordWaitsForTheRegistry() {
        SilentRegistry registry = new SilentRegistry();
        TopicCatalog silent = TopicCatalog.defaults(
                new AvroSerdes(Map.of("schema.registry.url", "http://unused.invalid:8081"), registry));
        TradeChange may = ResultsStoreTest.change("CHN", "USA", "TOTAL", 2025, 5, 288);
        consumer.updateEndOffsets(Map.of(changes0, 1L, signals0, 0L));
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(changes0.topic(), 0, 0L,
                silent.changes().keySerde().serializer().serialize(changes0.topic(), ResultsStoreTest.key(may)),
                silent.changes().valueSerde().serializer().serialize(changes0.topic(), may))));
        view = new ResultsView(consumer, silent, tmp.resolve("view")).start();
        await(() -> registry.asked.getCount() == 0);

        view.close(); // Ctrl-C: the request is cut short

        // The same branch logs "Results view cannot advance" with the exception's stack trace.
        assertThat(view.failure()).as("a stop is no failure of the view").isEmpty();
        assertThat(consumer.closed()).isTrue();
        view = null;
    }

    @Test
    void shouldRefuseASecondViewOnTheSameDirectory() {
        consumer.updateEndOffsets(Map.of(changes0, 0L, signals0, 0L));
        view = new ResultsView(consumer, topics, tmp.resolve("view")).start();
        MockConsumer<byte[], byte[]> other = new MockConsumer<>("earliest");
        assertThatThrownBy(() -> new ResultsView(other, topics, tmp.resolve("view")))
                .isInstanceOf(ResultsView.DirectoryInUseException.class)
                .hasMessageContaining("uses the directory " + tmp.resolve("view"))
                .hasMessageContaining("give each instance its own state.dir");
        assertThat(other.closed()).isTrue();
    }

    @Test
    void shouldReleaseTheLockWhenDeletingItsDirectoryFailsOnClose() throws Exception {
        consumer.updateEndOffsets(Map.of(changes0, 0L, signals0, 0L));
        Path dir = tmp.resolve("view");
        view = new ResultsView(consumer, topics, dir).start();
        // A tree the close cannot delete, as root too: nested deeper than PATH_MAX (4096), built one level at a time
        // through short paths. It stands for any file that cannot be deleted (an I/O error, a busy file on NFS).
        String name = "d".repeat(250);
        Path chain = Files.createDirectory(tmp.resolve("chain"));
        for (int i = 0; i < 20; i++) {
            Path next = Files.createDirectory(tmp.resolve("next"));
            Files.move(chain, next.resolve(name));
            Files.move(next, chain);
        }
        Files.move(chain, dir.resolve("chain"));
        ResultsView failing = view;
        view = null;
        assertThatThrownBy(failing::close).isInstanceOf(java.io.UncheckedIOException.class);

        // Undone level by level, so the temporary directory can be deleted.
        Files.move(dir.resolve("chain"), chain);
        while (Files.exists(chain.resolve(name))) {
            Path next = tmp.resolve("next");
            Files.move(chain.resolve(name), next);
            Files.delete(chain);
            Files.move(next, chain);
        }
        // The lock was released: a view on the same state.dir starts (it was refused as another view's).
        MockConsumer<byte[], byte[]> again = new MockConsumer<>("earliest");
        topics(again);
        again.updateEndOffsets(Map.of(changes0, 0L, signals0, 0L));
        view = new ResultsView(again, topics, dir).start();
        await(view::caughtUp);
    }
}
