package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.streams.ProcessorConfig;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/** What `tradepulse run` prints about existing topics whose settings differ from tradepulse's: said, never altered. */
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

    /** The topics just created may not be listed by every broker yet (creation is answered by the controller). */
    private static List<String> awaitWarnings(Map<String, Object> client, TopicCatalog topics) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        List<String> warnings = Pipeline.topicSettingWarnings(client, topics);
        while (warnings.isEmpty() || warnings.get(0).contains("could not check")) {
            assertThat(System.nanoTime()).as("warnings %s", warnings).isLessThan(deadline);
            Thread.sleep(100);
            warnings = Pipeline.topicSettingWarnings(client, topics);
        }
        return warnings;
    }
}
