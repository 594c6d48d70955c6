package io.tradepulse.launcher;

import static io.tradepulse.launcher.PlatformClients.catalog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code run} and {@code ingest} with {@code --no-create-topics} and topics missing, against the embedded broker:
 * refused with exit code 2 (as {@code tariffs} is: TariffsCommandIT), naming every missing topic with the command
 * that creates it, before anything is written or started. Both exited 1 with a stack trace: {@code run} once its
 * processor was starting ("There are no partitions available for topic ...tariff.events"), {@code ingest} once its
 * Connect worker had started ("This server does not host this topic-partition").
 */
@WithEmbeddedPlatform
class MissingTopicsIT {

    @TempDir
    Path dir;

    @Test
    void shouldRefuseToRunWithExit2NamingEachMissingTopicWithNoCreateTopics(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("run");
        Path config = config(platform, prefix, "");
        TopicCatalog topics = catalog(platform, prefix);
        create(platform, topics.records(), topics.deadLetters());

        // Preemptive: a processor that does start makes run wait for Ctrl-C.
        StringWriter err = new StringWriter();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.commandLine()
                .setErr(new PrintWriter(err, true))
                .execute("run", "--config", config.toString(), "--no-create-topics", "--http-port", "-1"));

        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().lines().findFirst().orElseThrow()).isEqualTo("Refused: topics " + prefix
                + "trade.records.derived, " + prefix + "tariff.events, " + prefix + "trade.changes, " + prefix
                + "trade.signals do not exist, and with --no-create-topics "
                + "tradepulse does not create them; nothing was started. Run without --no-create-topics to have them "
                + "created, or create them first:");
        assertThat(err.toString()).as("no stack trace for a usage error").doesNotContain("\tat ")
                .contains("  kafka-topics.sh --bootstrap-server <brokers> --create --topic " + prefix
                        + "tariff.events --partitions 1 --config cleanup.policy=compact")
                .contains("--topic " + prefix + "trade.changes --partitions 6 --config cleanup.policy=compact");
        assertThat(topicsWith(platform, prefix)).as("nothing created")
                .containsExactlyInAnyOrder(topics.records().name(), topics.deadLetters().name());
    }

    /** Without roll-ups the processor neither reads nor writes trade.records.derived: it need not exist. */
    @Test
    void shouldNotRequireTheDerivedRecordsTopicWithoutRollups(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("norollups");
        Properties props = new Properties();
        props.load(Files.newBufferedReader(config(platform, prefix, ProcessorConfig.ROLLUP_COMMODITY_CONFIG + "=false\n"
                + ProcessorConfig.ROLLUP_WORLD_CONFIG + "=false\n")));
        ProcessorConfig config = new ProcessorConfig(props);
        TopicCatalog topics = config.topicCatalog();
        create(platform, topics.all().stream().filter(t -> t != topics.derivedRecords()).toArray(Topic<?, ?>[]::new));
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--config", "unused.properties", "--no-create-topics");
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertThatCode(() -> run.prepareTopics(props, config, out, out)).doesNotThrowAnyException();

        props.setProperty(ProcessorConfig.ROLLUP_COMMODITY_CONFIG, "true");
        assertThatCode(() -> run.prepareTopics(props, new ProcessorConfig(props), out, out))
                .isInstanceOf(MissingTopicsException.class).hasMessageStartingWith("topic " + prefix
                        + "trade.records.derived does not exist");
    }

    /**
     * With --no-create-topics nothing compared the partition counts of trade.records and trade.records.derived (only
     * the creating path did): the processor started on topics that are not co-partitioned, where a series' derived
     * figures meet another task's state. And the command suggested for a missing derived topic used the configured
     * count, not that of the existing trade.records.
     */
    @Test
    void shouldRefuseDerivedRecordsNotCopartitionedWithTheRecordsWithNoCreateTopics(EmbeddedPlatform platform)
            throws Exception {
        String prefix = prefix("copart");
        Properties props = new Properties();
        props.load(Files.newBufferedReader(config(platform, prefix, "")));
        ProcessorConfig config = new ProcessorConfig(props);
        TopicCatalog topics = config.topicCatalog();
        create(platform, List.of(new NewTopic(topics.records().name(), 3, (short) 1)));
        create(platform, topics.all().stream()
                .filter(t -> t != topics.derivedRecords() && t != topics.records()).toArray(Topic<?, ?>[]::new));
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--config", "unused.properties", "--no-create-topics");
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertThatCode(() -> run.prepareTopics(props, config, out, out))
                .isInstanceOf(MissingTopicsException.class)
                .hasMessageContaining("--topic " + topics.derivedRecords().name() + " --partitions 3 ");

        create(platform, List.of(new NewTopic(topics.derivedRecords().name(), 2, (short) 1)));
        StringWriter err = new StringWriter();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.commandLine()
                .setErr(new PrintWriter(err, true))
                .execute("run", "--config", dir.resolve(prefix + "properties").toString(), "--no-create-topics",
                        "--http-port", "-1"));
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).startsWith("Refused: Topic " + topics.derivedRecords().name() + " has 2 partitions but "
                + topics.records().name() + " has 3").doesNotContain("\tat ");
    }

    @Test
    void shouldRefuseToIngestWithExit2BeforeTheWorkerStartsWithNoCreateTopics(EmbeddedPlatform platform) throws Exception {
        String prefix = prefix("ingest");
        Path csv = Files.writeString(dir.resolve("rows.csv"), "period_start,period_end,value_usd_bn,reported_yoy_pct,"
                + "source,flag\n2025-01,2025-01,10.0,,generated,row 0\n");
        Path offsets = dir.resolve("ingest.offsets");
        StringWriter err = new StringWriter();

        int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute("ingest", "--source", "file",
                "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                "--config", IngestCommandIT.exampleConfig().toString(), "--files", csv.toString(),
                "--offsets", offsets.toString(), "--topic-prefix", prefix, "--no-create-topics");

        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().lines().findFirst().orElseThrow()).startsWith("Refused: topics " + prefix
                + "trade.records, " + prefix + "trade.dlq do not exist").endsWith("nothing was started or sent. Run "
                + "without --no-create-topics to have them created, or create them first:");
        assertThat(err.toString()).doesNotContain("\tat ")
                .contains("--create --topic " + prefix + "trade.records --partitions 6 --config cleanup.policy=delete "
                        + "--config retention.bytes=-1 --config retention.ms=-1");
        assertThat(offsets).as("the worker never started").doesNotExist();
        assertThat(topicsWith(platform, prefix)).as("nothing created").isEmpty();
    }

    /**
     * run --no-create-topics read the partition counts of trade.records and trade.records.derived in a round of admin
     * calls of its own (list, describe), then listed the topics again to check them; now the check reads the counts:
     * one list and one describe, plus the list of the settings check (core's settingsDrift), on one client.
     */
    @Test
    void shouldListAndDescribeTheTopicsOnceWhenRunChecksThemWithNoCreateTopics(EmbeddedPlatform platform)
            throws Exception {
        String prefix = prefix("once");
        Properties props = new Properties();
        props.load(Files.newBufferedReader(config(platform, prefix, "")));
        ProcessorConfig config = new ProcessorConfig(props);
        create(platform, config.topicCatalog().all().toArray(Topic<?, ?>[]::new));
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--config", "unused.properties", "--no-create-topics");
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Map<String, Integer> calls = new ConcurrentHashMap<>();

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            run.prepareTopics(counting(admin, calls), config, out, out);
        }

        assertThat(calls).containsEntry("describeTopics", 1)
                .as("one list to check the topics, one to check their settings").containsEntry("listTopics", 2);
    }

    /** ingest's own topic and dlq.topic under the catalog's names were listed again after the catalog's were created. */
    @Test
    void shouldListTheTopicsOnceWhenIngestCreatesThemUnderTheCatalogsNames(EmbeddedPlatform platform) throws Exception {
        TopicCatalog topics = catalog(platform, prefix("ingestonce"));
        Map<String, Integer> calls = new ConcurrentHashMap<>();

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            List<String> created = Pipeline.createTopics(counting(admin, calls), topics, List.of(
                    Pipeline.Needed.inRoleOf(topics.records(), topics.records().name()),
                    Pipeline.Needed.inRoleOf(topics.deadLetters(), topics.deadLetters().name())));
            assertThat(created).containsExactlyInAnyOrderElementsOf(topics.all().stream().map(Topic::name).toList());
        }

        assertThat(calls).containsEntry("listTopics", 1);
    }

    /**
     * ingest --set topic=X (dlq.topic=Y) takes the role of trade.records (trade.dlq): the command suggested for a missing
     * X gave the configured --partitions (6), not the count of the existing trade.records; and X was created with it.
     */
    @Test
    void shouldSuggestAndCreateTheIngestsOwnTopicsWithThePartitionsOfTheTopicsWhoseRoleTheyTake(EmbeddedPlatform platform)
            throws Exception {
        String prefix = prefix("role");
        TopicCatalog topics = catalog(platform, prefix);
        create(platform, List.of(new NewTopic(topics.records().name(), 3, (short) 1),
                new NewTopic(topics.deadLetters().name(), 2, (short) 1)));
        Path csv = Files.writeString(dir.resolve("rows.csv"), "period_start,period_end,value_usd_bn,reported_yoy_pct,"
                + "source,flag\n2025-01,2025-01,10.0,,generated,row 0\n");
        StringWriter err = new StringWriter();

        int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute("ingest", "--source", "file",
                "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                "--config", IngestCommandIT.exampleConfig().toString(), "--files", csv.toString(),
                "--offsets", dir.resolve("role.offsets").toString(), "--topic-prefix", prefix, "--no-create-topics",
                "--set", "topic=" + prefix + "mine", "--set", "dlq.topic=" + prefix + "mine.dlq");

        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("--create --topic " + prefix + "mine --partitions 3 ",
                "--create --topic " + prefix + "mine.dlq --partitions 2 ");

        Pipeline.createTopics(Map.of("bootstrap.servers", platform.bootstrapServers()), topics, List.of(
                Pipeline.Needed.inRoleOf(topics.records(), prefix + "mine"),
                Pipeline.Needed.inRoleOf(topics.deadLetters(), prefix + "mine.dlq")));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            Map<String, Integer> counts = new HashMap<>();
            admin.describeTopics(List.of(prefix + "mine", prefix + "mine.dlq")).allTopicNames().get()
                    .forEach((t, d) -> counts.put(t, d.partitions().size()));
            assertThat(counts).containsEntry(prefix + "mine", 3).containsEntry(prefix + "mine.dlq", 2);
        }
    }

    /** {@code admin}, counting the calls by method name. */
    private static Admin counting(Admin admin, Map<String, Integer> calls) {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> {
                    calls.merge(method.getName(), 1, Integer::sum);
                    try {
                        return method.invoke(admin, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private Path config(EmbeddedPlatform platform, String prefix, String extra) throws Exception {
        return Files.writeString(dir.resolve(prefix + "properties"), "bootstrap.servers=" + platform.bootstrapServers()
                + "\nschema.registry.url=" + platform.registryUrl() + "\ntradepulse.topic.prefix=" + prefix
                + "\nstate.dir=" + dir.resolve("state").toString().replace("\\", "\\\\") + "\n" + extra);
    }


    /** Creates the topics as tradepulse would, and waits until the broker lists them. */
    private static void create(EmbeddedPlatform platform, Topic<?, ?>... topics) throws Exception {
        create(platform, Stream.of(topics).map(t -> t.settings().toNewTopic(t.name())).toList());
    }

    /**
     * Creates the topics and waits until the broker lists them: createTopics completes once the controller has them,
     * and the broker's metadata, which the command under test reads, follows a moment later (a run that listed the
     * topics in between saw one missing and failed the test once).
     */
    private static void create(EmbeddedPlatform platform, List<NewTopic> created) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            admin.createTopics(created).all().get();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!admin.listTopics().names().get().containsAll(created.stream().map(NewTopic::name).toList())) {
                assertThat(System.nanoTime()).as("topics listed").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    private static Set<String> topicsWith(EmbeddedPlatform platform, String prefix) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            return Set.copyOf(admin.listTopics().names().get().stream().filter(t -> t.startsWith(prefix)).toList());
        }
    }

    private static String prefix(String name) {
        return "missing-" + name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }
}
