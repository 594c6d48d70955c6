package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.serde.SpecificAvroSerde;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class ProcessingAndProductionHandlersTest {
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private static final byte[] RAW_KEY = "k".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RAW_VALUE = "v".getBytes(StandardCharsets.UTF_8);

    /** What Kafka Streams tells a handler about the input record being processed. */
    record Context(String topic, int partition, long offset) implements ErrorHandlerContext {
        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "series-state";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, partition);
        }

        @Override
        public long timestamp() {
            return 1_750_000_000_000L;
        }

        @Override
        public byte[] sourceRawKey() {
            return RAW_KEY;
        }

        @Override
        public byte[] sourceRawValue() {
            return RAW_VALUE;
        }
    }

    private Map<String, Object> config() {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        cfg.put(ProcessorConfig.REGISTRY_CLIENT_INSTANCE, registry);
        return cfg;
    }

    private DeadLetter decode(ProducerRecord<byte[], byte[]> r) {
        SpecificAvroSerde<DeadLetter> serde = new SpecificAvroSerde<>(registry);
        serde.configure(Map.of(), false);
        return serde.deserializer().deserialize(r.topic(), r.value());
    }

    /** An exception without a message gave the reason "null": its cause's message, or what it is, instead. */
    @Test
    void shouldGiveADeadLetterAReasonWhenTheExceptionHasNoMessage() {
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        handler.configure(config());
        for (Map.Entry<Exception, String> failure : Map.<Exception, String>of(
                new IllegalStateException(), "java.lang.IllegalStateException without a message",
                new IllegalStateException(new java.io.IOException("disk gone")),
                "java.io.IOException: disk gone",
                new IllegalStateException((String) null, new java.io.IOException("disk gone")),
                "disk gone (cause of java.lang.IllegalStateException)").entrySet()) {
            ProcessingExceptionHandler.Response response = handler.handleError(new Context(TopicCatalog.RECORDS, 2, 9L),
                    new Record<>("key", "value", 0L), failure.getKey());
            assertThat(decode(response.deadLetterQueueRecords().get(0)).getReason()).isEqualTo(failure.getValue());
        }
    }

    @Test
    void shouldDeadLetterTheInputOfAFailedProcessorAndContinue() {
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        handler.configure(config());
        ProcessingExceptionHandler.Response response = handler.handleError(new Context(TopicCatalog.RECORDS, 2, 9L),
                new Record<>("key", "value", 0L), new IllegalStateException("unexpected"));
        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        DeadLetter dl = decode(response.deadLetterQueueRecords().get(0));
        assertThat(dl.getStage()).isEqualTo(DeadLetterStage.PROCESSING);
        assertThat(dl.getReason()).isEqualTo("unexpected");
        assertThat(dl.getOriginOffset()).isEqualTo(9L);
        assertThat(dl.getRawValue().remaining()).isEqualTo(RAW_VALUE.length);
    }

    /** A refusal is data, not an error: stage VALIDATION, the validator's reason, the record's source, no error class. */
    @Test
    void shouldDeadLetterARefusedRecordWithTheInputsRawBytesAsStageValidation() {
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        handler.configure(config());
        ProcessingExceptionHandler.Response response = handler.handleError(new Context(TopicCatalog.DERIVED_RECORDS, 3, 7L),
                new Record<>("key", "value", 0L), new RecordRefusal("month must be 1-12: 13", "GACC"));
        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).hasSize(1);
        var keys = new ProcessorConfig(config()).topicCatalog().deadLetters().keySerde().deserializer();
        ProducerRecord<byte[], byte[]> out = response.deadLetterQueueRecords().get(0);
        assertThat(keys.deserialize(out.topic(), out.key())).isEqualTo(TopicCatalog.DERIVED_RECORDS + "/3/7");
        DeadLetter dl = decode(out);
        assertThat(dl.getStage()).isEqualTo(DeadLetterStage.VALIDATION);
        assertThat(dl.getReason()).isEqualTo("month must be 1-12: 13");
        assertThat(dl.getSource()).isEqualTo("GACC");
        assertThat(dl.getErrorClass()).isNull();
        assertThat(dl.getOriginTopic()).isEqualTo(TopicCatalog.DERIVED_RECORDS);
        assertThat(dl.getOriginPartition()).isEqualTo(3);
        assertThat(dl.getOriginOffset()).isEqualTo(7L);
        assertThat(dl.getRawKey()).isEqualTo(java.nio.ByteBuffer.wrap(RAW_KEY));
        assertThat(dl.getRawValue()).isEqualTo(java.nio.ByteBuffer.wrap(RAW_VALUE));
        assertThat(dl.getOccurredAt().toEpochMilli()).isEqualTo(new Context(TopicCatalog.RECORDS, 0, 0L).timestamp());
    }

    @Test
    void shouldFailInsteadOfDeadLetteringAnOutputSerializationErrorRaisedThroughTheSinkNode() {
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        handler.configure(config());
        ProcessingExceptionHandler.Response response = handler.handleError(new Context(TopicCatalog.RECORDS, 0, 5L),
                new Record<>("key", "value", 0L),
                new StreamsException("Unable to serialize record", new SerializationException("incompatible schema")));
        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    /**
     * Kafka Streams hands the processing handler every exception of a processor or punctuation but a migrated or
     * corrupted task and a timeout: also the task's own failures, which are not the input's. Dead-lettering the input
     * and resuming swallowed them (a failed send rethrown at the next send, an interrupt, a store that cannot be read).
     */
    @Test
    void shouldFailInsteadOfDeadLetteringTheInputOnAKafkaErrorThatIsNotTheInputs() {
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        handler.configure(config());
        List<RuntimeException> notTheInputs = List.of(
                new StreamsException("Error encountered sending record to topic trade.changes", new TimeoutException("expired")),
                new StreamsException("Error encountered trying to send record", new InterruptException("interrupted")),
                new ProducerFencedException("fenced"),
                new ProcessorStateException("Error while getting value from store series-history"));
        for (RuntimeException e : notTheInputs) {
            ProcessingExceptionHandler.Response response = handler.handleError(new Context(TopicCatalog.RECORDS, 0, 5L),
                    new Record<>("key", "value", 0L), e);
            assertThat(response.result()).as(e.toString()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
            assertThat(response.deadLetterQueueRecords()).as(e.toString()).isEmpty();
        }
    }

    /** A punctuation has no input record: each item it skipped gets its own dead letter, named by the item. */
    @Test
    void shouldDeadLetterEachItemAPunctuationSkippedUnderItsOwnOriginAndResume() {
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        handler.configure(config());
        List<PunctuationFailures.Item> items = List.of(
                new PunctuationFailures.Item("series:CHN|USA|EXPORT|02", "series not re-evaluated", new byte[] {1, 2},
                        new ArithmeticException("long overflow")),
                new PunctuationFailures.Item("series:CHN|USA|EXPORT|03", "series not re-evaluated", new byte[] {3},
                        new IllegalStateException("unexpected")));

        ProcessingExceptionHandler.Response response = handler.handleError(new Context(null, -1, -1L), null,
                new PunctuationFailures(items));

        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).hasSize(2);
        var keys = new ProcessorConfig(config()).topicCatalog().deadLetters().keySerde().deserializer();
        assertThat(response.deadLetterQueueRecords()).extracting(r -> keys.deserialize(r.topic(), r.key()))
                .containsExactly("series:CHN|USA|EXPORT|02", "series:CHN|USA|EXPORT|03");
        DeadLetter dl = decode(response.deadLetterQueueRecords().get(0));
        assertThat(dl.getStage()).isEqualTo(DeadLetterStage.PROCESSING);
        assertThat(dl.getPosition()).isEqualTo("series:CHN|USA|EXPORT|02");
        assertThat(dl.getSource()).isEqualTo("series-state");
        assertThat(dl.getReason()).isEqualTo("series not re-evaluated: java.lang.ArithmeticException: long overflow");
        assertThat(dl.getErrorClass()).isEqualTo(ArithmeticException.class.getName());
        assertThat(dl.getRawKey().remaining()).isEqualTo(2);
        assertThat(dl.getRawValue()).isNull();
        assertThat(dl.getOriginTopic()).isNull();
        assertThat(dl.getOriginOffset()).isNull();
    }

    /** What a punctuation may skip an item for, and what it must leave to the handler's FAIL. */
    @Test
    void shouldSkipAnItemOnlyForItsOwnFaultNeverForTheTasks() {
        assertThat(PunctuationFailures.isItemFault(new ArithmeticException("long overflow"))).isTrue();
        assertThat(PunctuationFailures.isItemFault(new IllegalStateException("a bug met by the item's data"))).isTrue();
        assertThat(PunctuationFailures.isItemFault(new SerializationException("Unknown state format version 9"))).isFalse();
        assertThat(PunctuationFailures.isItemFault(new InvalidStateStoreException("store closed"))).isFalse();
        assertThat(PunctuationFailures.isItemFault(new StreamsException("send failed", new InterruptException("i"))))
                .isFalse();
        assertThat(PunctuationFailures.isItemFault(new IllegalStateException(new ProducerFencedException("fenced"))))
                .isFalse();
    }

    @Test
    void shouldFailOnAnOutputTooLargeForTheTopicBecauseTheStateIsAlreadySaved() {
        DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
        handler.configure(config());
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(TopicCatalog.CHANGES, new byte[] {1}, new byte[] {2});
        ProductionExceptionHandler.Response response = handler.handleError(new Context(TopicCatalog.RECORDS, 0, 3L), out,
                new RecordTooLargeException("too large"));
        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void shouldFailOnTransientSendErrorsSoTheTransactionAbortsAndNothingIsDropped() {
        DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
        handler.configure(config());
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(TopicCatalog.CHANGES, new byte[] {1}, new byte[] {2});
        assertThat(handler.handleError(new Context(TopicCatalog.RECORDS, 0, 3L), out, new TimeoutException("slow"))
                .result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
    }

    @Test
    void shouldFailOnAnOutputTheSerializerRefusesSoTheInputIsProcessedAgainOnceTheRegistryIsFixed() {
        DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
        handler.configure(config());
        ProducerRecord<Object, Object> out = new ProducerRecord<>(TopicCatalog.CHANGES, "k", "v");
        ProductionExceptionHandler.Response response = handler.handleSerializationError(new Context(TopicCatalog.RECORDS, 1, 4L),
                out, new SerializationException("incompatible schema"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void shouldFailWhenTheDeadLetterItselfCannotBeSerialized() {
        DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
        handler.configure(config());
        ProducerRecord<Object, Object> out = new ProducerRecord<>(TopicCatalog.DLQ, "k", "v");
        assertThat(handler.handleSerializationError(new Context(TopicCatalog.RECORDS, 1, 4L), out,
                new SerializationException("registry down"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE)
                .result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
    }

    /**
     * The audited case end to end: the registry refuses trade.changes-value (an incompatible schema is registered).
     * The failure must leave the task (under exactly_once_v2 the transaction aborts, the series state with it),
     * not turn into a dead letter committed next to the saved state, which lost the change rows for good.
     */
    @Test
    void shouldStopTheTaskInsteadOfDeadLetteringWhenTheRegistryRefusesTheChangesSchema() {
        try (TopologyFixture f = new TopologyFixture()) {
            Schema incompatible = SchemaBuilder.record("TradeChange").namespace("io.tradepulse.avro")
                    .fields().requiredInt("legacy").endRecord();
            f.registry.register(f.topics.changes().name() + "-value", incompatible);
            TradeRecord r = TopologyFixture.figure(2025, 5, 30L, "2025-06-09");

            assertThatThrownBy(() -> f.pipe(r)).isInstanceOf(StreamsException.class);
            assertThat(f.deadLetters.isEmpty()).isTrue();
            assertThat(f.changes.isEmpty()).isTrue();
        }
    }

    /**
     * What the abort buys: once the registry is fixed, the input processed again from the last commit (here a
     * fresh task, as after a restore from a changelog without the aborted write) produces its change rows.
     */
    @Test
    void shouldProduceTheChangeRowsOfTheSameInputOnceTheRegistryIsFixed() {
        TradeRecord r = TopologyFixture.figure(2025, 5, 30L, "2025-06-09");
        try (TopologyFixture f = new TopologyFixture()) {
            f.registry.register(f.topics.changes().name() + "-value", SchemaBuilder.record("TradeChange")
                    .namespace("io.tradepulse.avro").fields().requiredInt("legacy").endRecord());
            assertThatThrownBy(() -> f.pipe(r)).isInstanceOf(StreamsException.class);
        }
        try (TopologyFixture f = new TopologyFixture()) {
            f.pipe(r);
            assertThat(f.table()).containsKey(TopologyFixture.cell(TopologyFixture.CHN_USA, 2025, 5));
        }
    }
}
