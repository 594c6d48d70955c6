package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

@WithEmbeddedPlatform
class TopicAdminIT {

    /**
     * Waits until the broker lists the topics: the controller answers a creation before the broker has applied it to
     * its metadata, so a list or describe right after can miss a topic just created.
     */
    private static void awaitKnown(Admin admin, String... names) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!admin.listTopics().names().get().containsAll(List.of(names))) {
            assertThat(System.nanoTime()).as("topics %s not listed within 30 s", List.of(names)).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static TopicCatalog catalog(String prefix) {
        return new TopicCatalog(prefix, 4, (short) 1, new AvroSerdes(Map.of(), new InMemorySchemaRegistryClient()));
    }

    /**
     * trade.records and trade.records.derived are read by one source and must be co-partitioned (the same series in the
     * same partition number of both). Kafka Streams does not check that for a plain multi-topic source: with other
     * counts, a series' published and derived figures meet different per-series state, silently.
     */
    @Test
    void shouldRefuseExistingDerivedRecordsThatAreNotCoPartitionedWithTheRecords(EmbeddedPlatform platform) throws Exception {
        String prefix = "admin-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalog topics = catalog(prefix);
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.records().name(), 4, (short) 1),
                    new NewTopic(topics.derivedRecords().name(), 2, (short) 1))).all().get();
            awaitKnown(admin, topics.records().name(), topics.derivedRecords().name());
            assertThatThrownBy(() -> TopicAdmin.ensureTopics(admin, topics))
                    .isInstanceOf(TopicAdmin.NotCopartitionedException.class)
                    .hasMessageContaining(topics.derivedRecords().name()).hasMessageContaining("2 partitions")
                    .hasMessageContaining(topics.records().name()).hasMessageContaining("4");
            // the same check for a caller that does not create topics (--no-create-topics)
            assertThatThrownBy(() -> TopicAdmin.checkCopartitioned(topics, TopicAdmin.partitionCounts(admin,
                    List.of(topics.records().name(), topics.derivedRecords().name()))))
                    .isInstanceOf(TopicAdmin.NotCopartitionedException.class).hasMessageContaining("2 partitions");
        }
    }

    @Test
    void shouldCreateTheDerivedRecordsWithTheRecordsPartitionCount(EmbeddedPlatform platform) throws Exception {
        String prefix = "admin-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalog topics = catalog(prefix);
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.records().name(), 3, (short) 1))).all().get();
            awaitKnown(admin, topics.records().name());
            assertThat(TopicAdmin.ensureTopics(admin, topics)).contains(topics.derivedRecords().name());
            awaitKnown(admin, topics.derivedRecords().name());
            assertThat(admin.describeTopics(List.of(topics.derivedRecords().name())).allTopicNames().get()
                    .get(topics.derivedRecords().name()).partitions()).hasSize(3);
            assertThat(TopicAdmin.ensureTopics(admin, topics)).as("all exist, co-partitioned").isEmpty();
        }
    }

    /**
     * Existing topics are never altered, but a setting that loses data silently (trade.records inheriting a size
     * limit, trade.changes no longer compacted) is reported, with the command that fixes it.
     */
    @Test
    void shouldReportTheSettingsOfExistingTopicsThatDifferFromTheCatalogs(EmbeddedPlatform platform) throws Exception {
        String prefix = "admin-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicCatalog topics = catalog(prefix);
        String records = topics.records().name();
        String changes = topics.changes().name();
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            admin.createTopics(List.of(
                    new NewTopic(records, 4, (short) 1).configs(Map.of("retention.ms", "-1", "retention.bytes", "1073741824")),
                    new NewTopic(changes, 4, (short) 1).configs(Map.of("cleanup.policy", "delete")))).all().get();
            awaitKnown(admin, records, changes);
            TopicAdmin.ensureTopics(admin, topics);
            awaitKnown(admin, topics.all().stream().map(Topic::name).toArray(String[]::new));

            List<TopicAdmin.SettingDrift> drift = TopicAdmin.settingsDrift(admin, topics);

            assertThat(drift).containsExactlyInAnyOrder(
                    new TopicAdmin.SettingDrift(records, "retention.bytes", "1073741824", "-1"),
                    new TopicAdmin.SettingDrift(changes, "cleanup.policy", "delete", "compact"));
            assertThat(drift.get(0).fixCommand()).contains("--entity-name " + drift.get(0).topic(),
                    "--add-config " + drift.get(0).key() + "=" + drift.get(0).expected());
        }
    }

    @Test
    void shouldReportNoDriftForTopicsItCreatedAndNoneForMissingTopics(EmbeddedPlatform platform) throws Exception {
        TopicCatalog topics = catalog("admin-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            assertThat(TopicAdmin.settingsDrift(admin, topics)).as("nothing exists yet").isEmpty();
            TopicAdmin.ensureTopics(admin, topics);
            awaitKnown(admin, topics.all().stream().map(Topic::name).toArray(String[]::new));
            assertThat(TopicAdmin.settingsDrift(admin, topics)).isEmpty();
        }
    }
}