package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.streams.ProcessorApp;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * A {@code tradepulse.signals.*} parameter changed between two runs of the processor, on the real broker under
 * exactly_once_v2 (docs/signals.md, "Changing a {@code tradepulse.signals.*} parameter ..."): the processor ran with
 * the defaults over the bundled China -> US data and tariff calendar, and is started again (same application.id)
 * with FRONT_LOADING's threshold raised to 20 % and YOY_MOVE's lowered to 20 %. No new figure arrives, so only the
 * parameter pass run at the first refresh can correct the compacted trade.signals: the 2024-12 FRONT_LOADING (+16.0 %)
 * must be re-published RETRACTED, the 2025-06 one (+28.2 %) stay ACTIVE, and the periods whose |YoY| is between 20
 * and 30 % gain a YOY_MOVE. What it must end at is what a processor started from scratch with the new parameters
 * publishes over the same data (the reference). The pass' progress is in the applied-tariff-calendar store, so the
 * same holds when the state is restored from the changelog (a fresh state directory), and a further start with the
 * same parameters runs no pass.
 */
@WithEmbeddedPlatform
class SignalParameterChangeIT {

    /** Short, so the pass (run at a task's first refresh) and several refreshes happen within seconds. */
    private static final long REFRESH_MS = 200;
    private static final double RAISED_FRONT_LOADING_PCT = 20.0;
    private static final double LOWERED_YOY_MOVE_PCT = 20.0;
    private static final Duration PASS_TIMEOUT = Duration.ofSeconds(40);
    private static final String RETRACTED_BY_PARAMETERS =
            "RETRACTED (the signal parameters changed and the condition no longer holds): ";

    /** The reference: the compacted trade.signals of a processor that ran with the new parameters from the start. */
    private static Map<SignalKey, TradeSignal> reference;

    @Test
    void shouldRetractAndPublishSignalsForTheNewParametersWhenRestartedWithTheSameStateDir(EmbeddedPlatform platform)
            throws Exception {
        IsolatedProcessor it = IsolatedProcessor.create("sigparams", platform.bootstrapServers(), platform.registryUrl());
        TopicCatalog topics = runOverBundledData(it);
        Map<SignalKey, TradeSignal> before = signals(it.client(), topics);
        assertDefaultRun(before);

        ProcessorConfig changed = new ProcessorConfig(withNewParameters(it.config()));
        Map<SignalKey, TradeSignal> after = runUntil(it, changed, SignalParameterChangeIT::passDone);
        assertBroughtToNewParameters(platform, it.client(), topics, before, after);

        assertNoPassWhenRestartedWith(it, changed);
        BundledPipeline.deleteRecursively(stateDir(it));
    }

    @Test
    void shouldRetractAndPublishSignalsForTheNewParametersWhenStateIsRestoredFromTheChangelog(EmbeddedPlatform platform)
            throws Exception {
        IsolatedProcessor it = IsolatedProcessor.create("sigparamsrestore", platform.bootstrapServers(),
                platform.registryUrl());
        TopicCatalog topics = runOverBundledData(it);
        Map<SignalKey, TradeSignal> before = signals(it.client(), topics);
        assertDefaultRun(before);

        // A new state directory: the stores, the recorded parameters among them, come back from the changelogs.
        Path fresh = Files.createTempDirectory("tp-sigparams-fresh");
        Path fresher = Files.createTempDirectory("tp-sigparams-fresher");
        try {
            Map<String, Object> cfg = withNewParameters(it.config());
            cfg.put(ProcessorConfig.STATE_DIR_CONFIG, fresh.toString());
            Map<SignalKey, TradeSignal> after = runUntil(it, new ProcessorConfig(cfg),
                    SignalParameterChangeIT::passDone);
            assertBroughtToNewParameters(platform, it.client(), topics, before, after);

            // Restored once more, now with the parameters the pass ended at recorded: nothing to do.
            cfg.put(ProcessorConfig.STATE_DIR_CONFIG, fresher.toString());
            assertNoPassWhenRestartedWith(it, new ProcessorConfig(cfg));
        } finally {
            BundledPipeline.deleteRecursively(fresh);
            BundledPipeline.deleteRecursively(fresher);
            BundledPipeline.deleteRecursively(stateDir(it));
        }
    }

    /**
     * Creates the topics, ingests the bundled data and runs the processor (with the parameters of {@code it}'s
     * configuration: the defaults but for the reference) until caught up.
     */
    private static TopicCatalog runOverBundledData(IsolatedProcessor it) throws Exception {
        Map<String, Object> cfg = it.config();
        cfg.put(ProcessorConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        cfg.put(ProcessorConfig.SIGNALS_TARIFF_REFRESH_MS_CONFIG, REFRESH_MS);
        ProcessorConfig config = new ProcessorConfig(cfg);
        TopicCatalog topics = config.topicCatalog();
        Pipeline.createTopics(it.client(), topics);
        Pipeline.ingestBundledData(it.client(), topics);
        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            Pipeline.awaitCaughtUp(it.client(), it.applicationId(), topics.records().name(), Duration.ofSeconds(90),
                    topics.changes().name(), topics.signals().name());
        }
        return topics;
    }

    private static Map<String, Object> withNewParameters(Map<String, Object> defaults) {
        Map<String, Object> cfg = new HashMap<>(defaults);
        cfg.put(ProcessorConfig.SIGNALS_FRONT_LOADING_PCT_CONFIG, RAISED_FRONT_LOADING_PCT);
        cfg.put(ProcessorConfig.SIGNALS_YOY_MOVE_PCT_CONFIG, LOWERED_YOY_MOVE_PCT);
        return cfg;
    }

    /** What the default run must have published for the change to be a test: see the class comment. */
    private static void assertDefaultRun(Map<SignalKey, TradeSignal> before) {
        assertThat(before.values()).as("the demo's signals").hasSize(7)
                .allSatisfy(s -> assertThat(s.getStatus()).isEqualTo(SignalStatus.ACTIVE));
        assertThat(before.get(key(2024, 12, "FRONT_LOADING")).getExcessPct()).isCloseTo(16.0, within(0.05));
        assertThat(before.get(key(2025, 6, "FRONT_LOADING")).getExcessPct()).isCloseTo(28.2, within(0.05));
        assertThat(before.values()).filteredOn(s -> s.getType().equals("YOY_MOVE"))
                .allSatisfy(s -> assertThat(Math.abs(s.getYoyPct())).isGreaterThanOrEqualTo(30.0));
    }

    /** The pass' signal differences are visible: the 2024-12 FRONT_LOADING retracted and a YOY_MOVE under 30 % out. */
    private static boolean passDone(Map<SignalKey, TradeSignal> table) {
        TradeSignal december = table.get(key(2024, 12, "FRONT_LOADING"));
        return december != null && december.getStatus() == SignalStatus.RETRACTED
                && table.values().stream().anyMatch(s -> s.getType().equals("YOY_MOVE")
                && s.getStatus() == SignalStatus.ACTIVE && Math.abs(s.getYoyPct()) < 30.0);
    }

    private static void assertBroughtToNewParameters(EmbeddedPlatform platform, Map<String, Object> client,
            TopicCatalog topics, Map<SignalKey, TradeSignal> before, Map<SignalKey, TradeSignal> after)
            throws Exception {
        TradeSignal december = after.get(key(2024, 12, "FRONT_LOADING"));
        assertThat(december.getStatus()).as("2024-12 FRONT_LOADING, +16.0 % < 20 %").isEqualTo(SignalStatus.RETRACTED);
        assertThat(december.getSummary()).isEqualTo(RETRACTED_BY_PARAMETERS
                + before.get(key(2024, 12, "FRONT_LOADING")).getSummary());
        TradeSignal june = after.get(key(2025, 6, "FRONT_LOADING"));
        assertThat(june.getStatus()).as("2025-06 FRONT_LOADING, +28.2 % >= 20 %").isEqualTo(SignalStatus.ACTIVE);
        assertThat(june.getMethod()).as("the method names the threshold applied")
                .startsWith("FRONT_LOADING excess >= 20.0%");

        // The ACTIVE signals are exactly those of a processor that ran with the new parameters from the start; every
        // signal ACTIVE before and not among them is retracted for the parameter change.
        Map<SignalKey, TradeSignal> expected = reference(platform);
        assertThat(active(after)).isEqualTo(active(expected));
        assertThat(active(after).keySet()).as("new YOY_MOVE signals")
                .anyMatch(k -> k.getType().equals("YOY_MOVE") && !before.containsKey(k));
        Map<SignalKey, TradeSignal> retracted = after.entrySet().stream()
                .filter(e -> e.getValue().getStatus() == SignalStatus.RETRACTED)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(retracted.keySet()).as("retracted").isEqualTo(before.keySet().stream()
                .filter(k -> !expected.containsKey(k) || expected.get(k).getStatus() != SignalStatus.ACTIVE)
                .collect(Collectors.toSet()));
        assertThat(retracted.values()).allSatisfy(s -> assertThat(s.getSummary()).startsWith(RETRACTED_BY_PARAMETERS));

        // An unchanged signal is not re-sent: PAYBACK's threshold and windows did not change.
        Map<SignalKey, Integer> sent = recordsPerKey(client, topics);
        before.keySet().stream().filter(k -> k.getType().equals("PAYBACK"))
                .forEach(k -> assertThat(sent.get(k)).as("records of %s", k).isEqualTo(1));
    }

    /**
     * Starts the processor again with {@code config} (the parameters the last pass ended at), lets it refresh many
     * times, and checks that it published nothing on trade.signals.
     */
    private static void assertNoPassWhenRestartedWith(IsolatedProcessor it, ProcessorConfig config) throws Exception {
        TopicCatalog topics = config.topicCatalog();
        Map<SignalKey, Integer> sentBefore = recordsPerKey(it.client(), topics);
        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            awaitRunning(app, Duration.ofSeconds(60));
            // A pass starts at a task's first refresh; twenty refresh intervals of wall-clock punctuations later,
            // one would have published. Punctuations counted, so a slow start cannot make the wait vacuous.
            double punctuatedAtStart = punctuations(app.streams());
            Thread.sleep(20 * REFRESH_MS);
            assertThat(punctuations(app.streams()) - punctuatedAtStart).as("punctuations while waiting")
                    .isGreaterThanOrEqualTo(10.0);
        }
        Pipeline.awaitStable(it.client(), List.of(topics.signals().name()), Duration.ofSeconds(30));
        assertThat(recordsPerKey(it.client(), topics)).as("records per key on trade.signals").isEqualTo(sentBefore);
    }

    /**
     * Runs the processor with {@code config} until the compacted trade.signals (read_committed) satisfies {@code done}
     * or {@link #PASS_TIMEOUT} passes, then closes it; returns the table read after it closed.
     */
    private static Map<SignalKey, TradeSignal> runUntil(IsolatedProcessor it, ProcessorConfig config,
            Predicate<Map<SignalKey, TradeSignal>> done) throws Exception {
        TopicCatalog topics = config.topicCatalog();
        try (ProcessorApp app = new ProcessorApp(config)) {
            app.start();
            long deadline = System.nanoTime() + PASS_TIMEOUT.toNanos();
            while (!done.test(signals(it.client(), topics)) && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
        }
        Pipeline.awaitStable(it.client(), List.of(topics.signals().name()), Duration.ofSeconds(30));
        return signals(it.client(), topics);
    }

    private static synchronized Map<SignalKey, TradeSignal> reference(EmbeddedPlatform platform) throws Exception {
        if (reference == null) {
            IsolatedProcessor ref = IsolatedProcessor.create("sigparamsref", platform.bootstrapServers(),
                    platform.registryUrl());
            ref.config().putAll(withNewParameters(ref.config()));
            reference = signals(ref.client(), runOverBundledData(ref));
            BundledPipeline.deleteRecursively(stateDir(ref));
        }
        return reference;
    }

    private static void awaitRunning(ProcessorApp app, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (app.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    /** Punctuations run by the instance's stream threads so far (Kafka Streams' thread metric punctuate-total). */
    private static double punctuations(KafkaStreams streams) {
        return streams.metrics().entrySet().stream()
                .filter(e -> isPunctuateTotal(e.getKey()))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    private static boolean isPunctuateTotal(MetricName name) {
        return name.group().equals("stream-thread-metrics") && name.name().equals("punctuate-total");
    }

    private static Map<SignalKey, TradeSignal> signals(Map<String, Object> client, TopicCatalog topics) {
        return Pipeline.readTable(client, topics.signals(), Duration.ofSeconds(30));
    }

    private static Map<SignalKey, TradeSignal> active(Map<SignalKey, TradeSignal> table) {
        return table.entrySet().stream().filter(e -> e.getValue().getStatus() == SignalStatus.ACTIVE)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** How many committed records trade.signals holds per key, from its beginning (compaction aside). */
    private static Map<SignalKey, Integer> recordsPerKey(Map<String, Object> client, TopicCatalog topics) {
        Map<SignalKey, Integer> counts = new HashMap<>();
        Pipeline.readToEnd(client, topics.signals().name(), Duration.ofSeconds(30), r -> counts.merge(
                topics.signals().keySerde().deserializer().deserialize(r.topic(), r.key()), 1, Integer::sum));
        return counts;
    }

    private static Path stateDir(IsolatedProcessor it) {
        return Path.of((String) it.config().get(ProcessorConfig.STATE_DIR_CONFIG));
    }

    private static SignalKey key(int year, int month, String type) {
        return new SignalKey("CHN", "USA", Flow.EXPORT, "TOTAL", year, month, type);
    }
}
