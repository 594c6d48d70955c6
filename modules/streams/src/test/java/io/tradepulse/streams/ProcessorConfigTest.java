package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.junit.jupiter.api.Test;

class ProcessorConfigTest {

    private static Map<String, Object> valid() {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "localhost:9092");
        m.put("schema.registry.url", "http://localhost:8081");
        return m;
    }

    @Test
    void shouldAcceptStreamsClientSerdeAndPrefixedKeys() {
        Map<String, Object> m = valid();
        m.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        m.put("security.protocol", "SASL_SSL");
        m.put("basic.auth.credentials.source", "USER_INFO");
        m.put("basic.auth.user.info", "processor:secret"); // USER_INFO without it is refused (the serdes' check)
        m.put("producer.linger.ms", "5");
        m.put("tradepulse.topic.prefix", "staging.");
        assertThatCode(() -> new ProcessorConfig(m)).doesNotThrowAnyException();
    }

    @Test
    void shouldAcceptAConfluentKeyTheSerdesDoNotImplementAtItsDefaultAndRefuseItOtherwise() {
        Map<String, Object> m = valid();
        m.put("normalize.schemas", "false"); // copied from a Confluent configuration, at Confluent's default
        assertThatCode(() -> new ProcessorConfig(m)).doesNotThrowAnyException();
        m.put("normalize.schemas", "true");
        assertThatThrownBy(() -> new ProcessorConfig(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("normalize.schemas");
    }

    /**
     * The serde and registry client keys were parsed only when the serdes were built: run had printed its topic check
     * and contacted the cluster before it refused them. Now reading the configuration refuses each, naming the key.
     */
    @Test
    void shouldRefuseAnInvalidSerdeOrRegistryValueWhenTheConfigurationIsRead() {
        for (Map.Entry<String, String> bad : Map.of(
                "schema.registry.url", "ftp://registry:8081",
                "auto.register.schemas", "maybe",
                "use.latest.version", "sometimes",
                "value.subject.name.strategy", "com.example.NoSuchStrategy",
                "basic.auth.credentials.source", "SASL_INHERIT_TYPO",
                "bearer.auth.credentials.source", "OAUTHBEARER_TYPO").entrySet()) {
            Map<String, Object> m = valid();
            m.put(bad.getKey(), bad.getValue());
            assertThatThrownBy(() -> new ProcessorConfig(m)).as(bad.getKey())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(bad.getKey())
                    .hasMessageContaining(bad.getValue());
        }
    }

    @Test
    void shouldRefuseAKeyStrategyUnderWhichTheStringKeysHaveNoSubjectWhenTheConfigurationIsRead() {
        Map<String, Object> m = valid();
        m.put("key.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy");
        assertThatThrownBy(() -> new ProcessorConfig(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("key.subject.name.strategy").hasMessageContaining("TopicNameStrategy");
        m.put("key.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicNameStrategy");
        m.put("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy");
        assertThatCode(() -> new ProcessorConfig(m)).doesNotThrowAnyException(); // values are records
    }

    @Test
    void shouldStillSayAUrlIsRequiredWhenTheRegistryUrlIsBlank() {
        Map<String, Object> m = valid();
        m.put("schema.registry.url", " ");
        assertThatThrownBy(() -> new ProcessorConfig(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("a schema registry URL is required");
    }

    @Test
    void shouldRefuseAnErrorHandlingKeyItWouldOtherwiseOverrideSilently() {
        Map<String, Object> own = valid();
        own.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class.getName());
        own.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        assertThatCode(() -> new ProcessorConfig(own)).doesNotThrowAnyException(); // what it sets anyway
        for (Map.Entry<String, Object> key : Map.<String, Object>of(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class,
                StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName(),
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, "org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler",
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, "com.example.MyHandler",
                StreamsConfig.DEFAULT_PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, "com.example.MyHandler",
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "false",
                StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, false).entrySet()) {
            Map<String, Object> m = valid();
            m.put(key.getKey(), key.getValue());
            assertThatThrownBy(() -> new ProcessorConfig(m)).as(key.getKey())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key.getKey())
                    .hasMessageContaining("set by tradepulse");
        }
    }

    @Test
    void shouldFailAtStartUpNamingAnUnknownKeyAndTheLikelyIntendedOne() {
        Map<String, Object> m = valid();
        m.put("tradepulse.topic.prefx", "staging.");
        assertThatThrownBy(() -> new ProcessorConfig(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'tradepulse.topic.prefx'")
                .hasMessageContaining("Did you mean 'tradepulse.topic.prefix'?");
    }

    @Test
    void shouldFailNamingTheKeyAndTheAllowedValuesForAnInvalidValue() {
        assertRefusedNamingKeyAndAllowedValues(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once",
                "exactly_once_v2", "at_least_once");
    }

    @Test
    void shouldRefuseAReplicationFactorNoTopicCanHaveAtStartUp() {
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.TOPIC_REPLICATION_CONFIG, "0", "-1", "at least 1");
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.TOPIC_REPLICATION_CONFIG, "-5", "-1", "at least 1");
        for (String ok : new String[] {"-1", "1", "3"}) {
            Map<String, Object> m = valid();
            m.put(ProcessorConfig.TOPIC_REPLICATION_CONFIG, ok);
            assertThat(new ProcessorConfig(m).getShort(ProcessorConfig.TOPIC_REPLICATION_CONFIG)).isEqualTo(Short.parseShort(ok));
        }
    }

    private static void assertRefusedNamingKeyAndAllowedValues(String key, String invalid, String... allowed) {
        Map<String, Object> m = valid();
        m.put(key, invalid);
        assertThatThrownBy(() -> new ProcessorConfig(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key)
                .satisfies(e -> assertThat(e.getMessage()).contains(allowed));
    }

    /**
     * A roll-up cell waits at most sixty emit intervals (RollupProcessor.MAX_LAGGARD_WAIT_INTERVALS); an interval above
     * Long.MAX_VALUE / 60 (~1.54e17 ms) overflowed that wait to a negative number, so every cell waiting for a
     * laggard was emitted at once. Refused at start, naming the key and the range.
     */
    @Test
    void shouldRefuseARollupEmitIntervalWhenSixtyIntervalsOverflowALong() {
        long overflowing = Long.MAX_VALUE / RollupProcessor.MAX_LAGGARD_WAIT_INTERVALS + 1;
        assertThat(overflowing * RollupProcessor.MAX_LAGGARD_WAIT_INTERVALS).as("the overflow").isNegative();
        for (long invalid : new long[] {overflowing, 150_000_000_000_000_000L, Long.MAX_VALUE}) {
            assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_CONFIG, Long.toString(invalid),
                    "no more than 100000000000000000");
        }
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_CONFIG, "100000000000000000");
        long max = new ProcessorConfig(m).rollupConfig().emitInterval().toMillis();
        assertThat(max).isEqualTo(100_000_000_000_000_000L);
        assertThat(max * RollupProcessor.MAX_LAGGARD_WAIT_INTERVALS).isPositive();
    }

    @Test
    void shouldRefuseANotANumberSignalThresholdNamingTheKeyAndTheRange() {
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.SIGNALS_FRONT_LOADING_PCT_CONFIG, "NaN", "[0.0,...,1000.0]");
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.SIGNALS_PAYBACK_PCT_CONFIG, "NaN", "[0.0,...,100.0]");
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.SIGNALS_YOY_MOVE_PCT_CONFIG, "NaN", "[0.0,...,1000.0]");
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.SIGNALS_PAYBACK_PCT_CONFIG, "100.5", "no more than 100.0");
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.SIGNALS_YOY_MOVE_PCT_CONFIG, "0");
        assertThat(new ProcessorConfig(m).signalConfig().yoyMovePct()).isZero();
    }

    @Test
    void shouldRefuseAnInvalidKafkaValueNamingTheKeyAsWrittenAndTheAllowedValuesWhenTheConfigIsRead() {
        // Kafka checks these only when the processor's clients are built: after the launcher's topic check.
        assertRefusedNamingKeyAndAllowedValues("producer.acks", "maybe", "producer.acks", "all, -1, 0, 1");
        assertRefusedNamingKeyAndAllowedValues("main.consumer.isolation.level", "dirty", "main.consumer.isolation.level",
                "read_committed, read_uncommitted");
        assertRefusedNamingKeyAndAllowedValues(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "two", "num.stream.threads",
                "INT");
        assertRefusedNamingKeyAndAllowedValues(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "-5", "commit.interval.ms",
                "at least 0");
        assertRefusedNamingKeyAndAllowedValues("acks", "maybe", "acks", "all, -1, 0, 1");
        Map<String, Object> m = valid();
        m.put("producer.acks", "all");
        m.put("main.consumer.isolation.level", "read_committed");
        m.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
        m.put("consumer.max.poll.records", "500");
        assertThat(new ProcessorConfig(m).streamsConfig()).containsEntry("producer.acks", "all");
    }

    /**
     * Kafka takes these below 1 and the processor then never processes (its producers fail in their I/O thread; no
     * stream thread reads anything while the state says RUNNING). Only the launcher's run refused them: a library
     * user of ProcessorConfig/ProcessorApp got a processor that hung.
     */
    @Test
    void shouldRefuseATransactionTimeoutOrStreamThreadsBelowOneNamingTheKeyWhenTheConfigIsRead() {
        for (String key : new String[] {"transaction.timeout.ms", "producer.transaction.timeout.ms",
                StreamsConfig.NUM_STREAM_THREADS_CONFIG}) {
            assertRefusedNamingKeyAndAllowedValues(key, "0", "Invalid value 0 for configuration " + key,
                    "at least 1");
            assertRefusedNamingKeyAndAllowedValues(key, "-5", "Invalid value -5 for configuration " + key,
                    "at least 1");
        }
        Map<String, Object> m = valid();
        m.put("transaction.timeout.ms", 1);
        m.put("producer.transaction.timeout.ms", "20000");
        m.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        assertThat(new ProcessorConfig(m).streamsConfig()).containsEntry("producer.transaction.timeout.ms", "20000");
    }

    /**
     * Kafka Streams' replication.factor (of its internal topics) has no bound in Kafka: 0 or -2 passed start-up and the
     * broker refused every changelog and repartition topic when the group's leader created them, so the processor
     * never processed. Refused when the config is read, as tradepulse.topic.replication.factor is.
     */
    @Test
    void shouldRefuseAStreamsReplicationFactorOfZeroOrBelowMinusOneNamingTheKeyWhenTheConfigIsRead() {
        for (String invalid : new String[] {"0", "-2"}) {
            assertRefusedNamingKeyAndAllowedValues(StreamsConfig.REPLICATION_FACTOR_CONFIG, invalid,
                    "Invalid value " + invalid + " for configuration replication.factor", "-1 (the broker default)",
                    "at least 1");
        }
        for (String valid : new String[] {"-1", "1", "3"}) {
            Map<String, Object> m = valid();
            m.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, valid);
            assertThat(new ProcessorConfig(m).streamsConfig()).containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, valid);
        }
    }

    /**
     * Under exactly_once_v2 Kafka Streams refuses a commit interval above its producers' transaction timeout (10 s by
     * default), but only in the KafkaStreams constructor, with an IllegalArgumentException: after the launcher's topic
     * check, exit 1 with a stack trace. Refused as a configuration error when the config is read.
     */
    @Test
    void shouldRefuseACommitIntervalAboveTheTransactionTimeoutUnderExactlyOnceWhenTheConfigIsRead() {
        Map<String, Object> m = valid();
        m.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "30000");
        assertThatThrownBy(() -> new ProcessorConfig(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("commit.interval.ms").hasMessageContaining("transaction.timeout.ms")
                .hasMessageContaining("30000");
        m.put("producer.transaction.timeout.ms", "60000");
        assertThatCode(() -> new ProcessorConfig(m)).doesNotThrowAnyException();
        m.remove("producer.transaction.timeout.ms");
        m.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE); // no transactions
        assertThatCode(() -> new ProcessorConfig(m)).doesNotThrowAnyException();
    }

    /**
     * Kafka Streams compares only producer.transaction.timeout.ms with the commit interval, while its producers take
     * a plain transaction.timeout.ms when no prefixed one is given: with 50 ms under a 100 ms commit interval the
     * broker aborted every transaction. Checked for the processor only: the configuration itself still reads (dlq).
     */
    @Test
    void shouldRefuseAPlainTransactionTimeoutBelowTheCommitIntervalWhenTheProcessorIsChecked() {
        Map<String, Object> m = valid();
        m.put("transaction.timeout.ms", "50");
        ProcessorConfig config = new ProcessorConfig(m);
        assertThatThrownBy(config::checkProcessorTransactionTimeout).isInstanceOf(ConfigException.class)
                .hasMessageContaining("transaction.timeout.ms").hasMessageContaining("50")
                .hasMessageContaining("commit.interval.ms (100 ms)");
        m.put("commit.interval.ms", "40");
        assertThatCode(new ProcessorConfig(m)::checkProcessorTransactionTimeout).doesNotThrowAnyException();
        m.remove("commit.interval.ms");
        m.put("producer.transaction.timeout.ms", "1000"); // the prefixed key wins for the producers
        assertThatCode(new ProcessorConfig(m)::checkProcessorTransactionTimeout).doesNotThrowAnyException();
        m.remove("producer.transaction.timeout.ms");
        m.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE); // no transactions
        assertThatCode(new ProcessorConfig(m)::checkProcessorTransactionTimeout).doesNotThrowAnyException();
    }

    @Test
    void shouldRequireARegistryUrl() {
        Map<String, Object> m = valid();
        m.remove("schema.registry.url");
        assertThatThrownBy(() -> new ProcessorConfig(m)).hasMessageContaining("schema.registry.url");
    }

    @Test
    void shouldRunExactlyOnceV2ByDefault() {
        assertThat(new ProcessorConfig(valid()).streamsConfig())
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    }

    @Test
    void shouldReadTheTariffCalendarReadCommittedWhateverTheGuarantee() {
        // Streams itself sets read_committed only under exactly_once_v2; an aborted `tradepulse tariffs` run
        // must not reach the tariff global store under at_least_once either.
        for (String guarantee : new String[] {StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE}) {
            Map<String, Object> m = valid();
            m.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
            m.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
            StreamsConfig streams = new StreamsConfig(new ProcessorConfig(m).streamsConfig());
            assertThat(streams.getGlobalConsumerConfigs("client"))
                    .as(guarantee)
                    .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
    }

    @Test
    void shouldFetchSmallChunksPerPartitionOnlyForTheMainConsumerUnlessTheUserSetsIt() {
        StreamsConfig streams = new StreamsConfig(new ProcessorConfig(valid()).streamsConfig());
        assertThat(streams.getMainConsumerConfigs("group", "client", 0))
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
        assertThat(streams.getRestoreConsumerConfigs("client"))
                .doesNotContainKey(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG);

        Map<String, Object> m = valid();
        m.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 1_048_576);
        assertThat(new StreamsConfig(new ProcessorConfig(m).streamsConfig()).getMainConsumerConfigs("group", "client", 0))
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1_048_576);
    }

    @Test
    void shouldKeepTheUsersValueWhenSetUnprefixedOrUnderTheConsumerPrefixOrTheDeprecatedCacheKey() {
        // Kafka Streams lets producer.*/main.consumer.*/global.consumer.* beat the plain and consumer.* forms, and
        // statestore.cache.max.bytes beat cache.max.bytes.buffering: tradepulse's defaults under those forms must
        // not silently replace what the user set in another one.
        Map<String, Object> m = valid();
        m.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        m.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        m.put("linger.ms", "0");
        m.put("compression.type", "zstd");
        m.put("batch.size", "16384");
        m.put("consumer.max.partition.fetch.bytes", "2097152");
        m.put("isolation.level", "read_uncommitted");
        m.put("cache.max.bytes.buffering", "1048576");
        StreamsConfig streams = new StreamsConfig(new ProcessorConfig(m).streamsConfig());
        assertThat(streams.getProducerConfigs("client"))
                .containsEntry("linger.ms", "0")
                .containsEntry("compression.type", "zstd")
                .containsEntry("batch.size", "16384");
        assertThat(streams.getMainConsumerConfigs("group", "client", 0))
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "2097152");
        assertThat(streams.getGlobalConsumerConfigs("client"))
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        assertThat(new ProcessorConfig(m).streamsConfig()).doesNotContainKey(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG);

        Map<String, Object> plain = valid();
        plain.put("max.partition.fetch.bytes", "2097152");
        assertThat(new StreamsConfig(new ProcessorConfig(plain).streamsConfig()).getMainConsumerConfigs("group", "client", 0))
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "2097152");
    }

    @Test
    void shouldKeepStateInRocksDbByDefaultAndAcceptInMemoryInAnyCase() {
        assertThat(new ProcessorConfig(valid()).stateStoreType()).isEqualTo(StateStoreType.ROCKSDB);
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.STATE_STORE_TYPE_CONFIG, "IN_MEMORY");
        assertThat(new ProcessorConfig(m).stateStoreType()).isEqualTo(StateStoreType.IN_MEMORY);
    }

    @Test
    void shouldFailNamingTheStoreTypeKeyAndItsAllowedValues() {
        // CaseInsensitiveValidString lists the values upper-cased; "rocksdb" and "in_memory" are accepted as written
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.STATE_STORE_TYPE_CONFIG, "memory", "ROCKSDB", "IN_MEMORY");
    }

    @Test
    void shouldRefuseATopicPrefixThatMakesAnInvalidTopicNameNamingTheKeyAndTheName() {
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.TOPIC_PREFIX_CONFIG, "team a/",
                "team a/trade.records", "'.', '_' and '-'");
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.TOPIC_PREFIX_CONFIG, "x".repeat(230),
                "trade.records.derived", "249");
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, "staging.");
        assertThat(new ProcessorConfig(m).topicCatalog().records().name()).isEqualTo("staging.trade.records");
    }

    @Test
    void shouldFailNamingTheApplicationIdWhenItMakesAnInvalidInternalTopicName() {
        assertRefusedNamingKeyAndAllowedValues(StreamsConfig.APPLICATION_ID_CONFIG, "trade processor",
                "trade processor-series-history-changelog", "'.', '_' and '-'");
        // The longest internal topic is <id>-applied-tariff-calendar-changelog: 34 characters after the id.
        assertRefusedNamingKeyAndAllowedValues(StreamsConfig.APPLICATION_ID_CONFIG, "x".repeat(216),
                "-applied-tariff-calendar-changelog", "at most 215 characters");
        Map<String, Object> m = valid();
        m.put(StreamsConfig.APPLICATION_ID_CONFIG, "x".repeat(215));
        assertThatCode(() -> new ProcessorConfig(m)).doesNotThrowAnyException();
    }

    @Test
    void shouldPreferTheNationalOfficesByDefaultAndAcceptAnyOrderOrNone() {
        assertThat(new ProcessorConfig(valid()).sourcePrecedence()).isEqualTo(SourcePrecedence.DEFAULT);
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.SOURCE_PRECEDENCE_CONFIG, "COMEXT, COMTRADE");
        assertThat(new ProcessorConfig(m).sourcePrecedence().sources()).containsExactly("COMEXT", "COMTRADE");
        m.put(ProcessorConfig.SOURCE_PRECEDENCE_CONFIG, "");
        assertThat(new ProcessorConfig(m).sourcePrecedence()).isEqualTo(SourcePrecedence.NONE);
    }

    @Test
    void shouldFailNamingTheSourcePrecedenceKeyForARepeatedSource() {
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.SOURCE_PRECEDENCE_CONFIG, "CENSUS,GACC,CENSUS",
                "CENSUS listed twice", "each at most once");
    }

    @Test
    void shouldFailNamingTheSourcePrecedenceKeyWhenABuiltInSourceIsWrittenInAnotherCase() {
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.SOURCE_PRECEDENCE_CONFIG, "census,GACC",
                "'census' is written CENSUS", "source names");
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.SOURCE_PRECEDENCE_CONFIG, "CENSUS,MyFiles");
        assertThat(new ProcessorConfig(m).sourcePrecedence().sources()).containsExactly("CENSUS", "MyFiles");
    }

    @Test
    void shouldLimitMonthlyValuesPerCurrencyAndRefuseAMalformedEntryNamingTheKey() {
        assertThat(new ProcessorConfig(valid()).valueLimits()).isEqualTo(ValueLimits.DEFAULT);
        Map<String, Object> m = valid();
        m.put(ProcessorConfig.MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG, "KRW=10_000_000_000_000_000, JPY=1000000000000000");
        ValueLimits limits = new ProcessorConfig(m).valueLimits();
        assertThat(limits.limit("KRW")).isEqualTo(10_000_000_000_000_000L);
        assertThat(limits.limit("JPY")).isEqualTo(1_000_000_000_000_000L);
        assertThat(limits.limit("USD")).isEqualTo(ProcessorConfig.MAX_MONTHLY_VALUE_DEFAULT);
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG, "WON=1",
                "'WON=1' is not CUR=limit", "ISO 4217");
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG, "KRW=0",
                "KRW must be at least 1");
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.MAX_MONTHLY_VALUE_BY_CURRENCY_CONFIG, "KRW=1,KRW=2",
                "KRW listed twice");
        assertRefusedNamingKeyAndAllowedValues(ProcessorConfig.MAX_MONTHLY_VALUE_CONFIG, "0", "at least 1");
    }
}
