package io.tradepulse.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What `tradepulse run` prints about existing topics whose settings differ from tradepulse's, with or without
 * --no-create-topics: said, never altered.
 */
@WithEmbeddedPlatform
class TopicSettingWarningsIT {

    @Test
    void shouldWarnWithTheFixingCommandWhenTheRecordsTopicInheritsASizeLimit(EmbeddedPlatform platform) throws Exception {
        String prefix = "drift-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Properties props = new Properties();
        props.setProperty(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        props.setProperty(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl());
        props.setProperty(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
        TopicCatalog topics = new ProcessorConfig(props).topicCatalog();
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        String records = topics.records().name();
        try (Admin admin = Admin.create(client)) {
            // as an earlier release created it: retention.ms=-1 only, and a broker (here the topic) with a size limit
            admin.createTopics(List.of(new NewTopic(records, 6, (short) 1)
                    .configs(Map.of("retention.ms", "-1", "retention.bytes", "1073741824")))).all().get();
        }
        Pipeline.createTopics(client, topics);

        List<String> warnings = awaitWarnings(client, topics);

        assertThat(warnings).singleElement().asString()
                .startsWith("Warning: topic " + records + ": retention.bytes=1073741824, tradepulse creates it with -1")
                .contains("--entity-name " + records + " --add-config retention.bytes=-1");
    }

    /**
     * With --no-create-topics `run` did not check the settings at all (its principal was assumed not to have
     * DescribeConfigs), though topics created by someone else are the likeliest to differ from tradepulse's.
     */
    @Test
    void shouldWarnAboutADriftedTopicWithNoCreateTopicsToo(EmbeddedPlatform platform) throws Exception {
        String prefix = "drift-nocreate-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Properties props = new Properties();
        props.setProperty(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        props.setProperty(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl());
        props.setProperty(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
        ProcessorConfig config = new ProcessorConfig(props);
        TopicCatalog topics = config.topicCatalog();
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        String changes = topics.changes().name();
        try (Admin admin = Admin.create(client)) {
            // made by hand, without the compaction that makes it a table
            admin.createTopics(List.of(new NewTopic(changes, 6, (short) 1))).all().get();
        }
        Pipeline.createTopics(client, topics); // the others, as tradepulse creates them
        awaitWarnings(client, topics); // every topic listed and described
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--config", "unused.properties", "--no-create-topics");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        run.prepareTopics(props, config, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));

        assertThat(out.toString(UTF_8)).contains("Topics: all exist").doesNotContain("not checked");
        assertThat(err.toString(UTF_8).lines()).singleElement().asString()
                .startsWith("Warning: topic " + changes + ": cleanup.policy=delete, tradepulse creates it with compact")
                .contains("--entity-name " + changes + " --add-config cleanup.policy=compact");
    }

    /** The topics just created may not be listed by every broker yet (creation is answered by the controller). */
    private static List<String> awaitWarnings(Map<String, Object> client, TopicCatalog topics) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        List<String> warnings = warnings(client, topics);
        while (warnings.isEmpty() || warnings.get(0).contains("could not check")) {
            assertThat(System.nanoTime()).as("warnings %s", warnings).isLessThan(deadline);
            Thread.sleep(100);
            warnings = warnings(client, topics);
        }
        return warnings;
    }

    private static List<String> warnings(Map<String, Object> client, TopicCatalog topics) throws Exception {
        List<String> warnings = new ArrayList<>();
        List<String> info = new ArrayList<>();
        Pipeline.checkTopicSettings(client, topics, warnings::add, info::add);
        assertThat(info).as("DescribeConfigs is allowed here").isEmpty();
        return warnings;
    }
}
