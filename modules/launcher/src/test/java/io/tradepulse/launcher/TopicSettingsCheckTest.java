package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.core.AvroSerdes;
import io.tradepulse.core.TopicCatalog;
import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.clients.admin.ListTopicsResult;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Pipeline#checkTopicSettings}, which `run` calls with or without --no-create-topics, against an Admin double:
 * a principal without DescribeConfigs (an optional ACL) gets one line saying the check was skipped and why, and the
 * check never throws, so start-up goes on.
 */
class TopicSettingsCheckTest {
    // The registry client is lazy: these serdes never contact it.
    private static final TopicCatalog TOPICS =
            TopicCatalog.defaults(new AvroSerdes(Map.of("schema.registry.url", "http://127.0.0.1:1"), null));

    private final List<String> warnings = new ArrayList<>();
    private final List<String> info = new ArrayList<>();

    static Stream<Throwable> refusals() {
        return Stream.of(
                new TopicAuthorizationException("Topic authorization failed."),
                new ClusterAuthorizationException("Cluster authorization failed."),
                new UnsupportedVersionException("The broker does not support DESCRIBE_CONFIGS"),
                // deeper in the cause chain, as a client wrapping it would report it
                new KafkaException("describe failed", new TopicAuthorizationException("Topic authorization failed.")));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void shouldSkipWithOneInfoLineAndGoOnWhenDescribeConfigsIsRefused(Throwable refusal) throws Exception {
        Admin admin = admin(names -> failed(refusal));

        Pipeline.checkTopicSettings(admin, TOPICS, warnings::add, info::add); // returns: start-up goes on

        Throwable reason = refusal instanceof KafkaException && refusal.getCause() != null ? refusal.getCause() : refusal;
        assertThat(warnings).isEmpty();
        assertThat(info).singleElement().asString().startsWith("Topic settings not checked: ")
                .contains(reason.getClass().getSimpleName() + ": " + reason.getMessage())
                .contains(reason instanceof UnsupportedVersionException ? "does not support DescribeConfigs"
                        : "may not DescribeConfigs");
    }

    @Test
    void shouldWarnOnceWhenTheCheckFailsForAnotherReason() throws Exception {
        Admin admin = admin(names -> failed(new TimeoutException("Timed out waiting for a node assignment.")));

        Pipeline.checkTopicSettings(admin, TOPICS, warnings::add, info::add);

        assertThat(info).isEmpty();
        assertThat(warnings).singleElement().asString()
                .isEqualTo("Warning: could not check the topics' settings: Could not read the topics' settings: "
                        + "Timed out waiting for a node assignment.");
    }

    @Test
    void shouldWarnAboutEachDriftedSettingWithTheCommandThatFixesIt() throws Exception {
        String records = TOPICS.records().name();
        Admin admin = admin(names -> {
            KafkaFutureImpl<Config> f = new KafkaFutureImpl<>();
            // trade.records as an earlier release created it, inheriting a size limit; the others as tradepulse does
            Map<String, String> configs = names.equals(records)
                    ? Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "1073741824")
                    : TOPICS.all().stream().filter(t -> t.name().equals(names)).findFirst().orElseThrow()
                            .settings().toNewTopic(names).configs();
            f.complete(new Config(configs.entrySet().stream().map(e -> new ConfigEntry(e.getKey(), e.getValue())).toList()));
            return f;
        });

        Pipeline.checkTopicSettings(admin, TOPICS, warnings::add, info::add);

        assertThat(info).isEmpty();
        assertThat(warnings).containsExactly("Warning: topic " + records + ": retention.bytes=1073741824, tradepulse "
                + "creates it with -1 (existing topics are not altered); to change it: kafka-configs.sh --bootstrap-server "
                + "<brokers> --alter --entity-type topics --entity-name " + records + " --add-config retention.bytes=-1");
    }

    private static KafkaFuture<Config> failed(Throwable t) {
        KafkaFutureImpl<Config> f = new KafkaFutureImpl<>();
        f.completeExceptionally(t);
        return f;
    }

    /**
     * An Admin that lists every catalog topic and answers DescribeConfigs of a topic with {@code config} (by name);
     * anything else it is asked is a mistake of the test.
     */
    private static Admin admin(Function<String, KafkaFuture<Config>> config) {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "listTopics":
                    return listed(TOPICS.all().stream().map(t -> t.name()).toList());
                case "describeConfigs":
                    @SuppressWarnings("unchecked")
                    Collection<ConfigResource> resources = (Collection<ConfigResource>) args[0];
                    Map<ConfigResource, KafkaFuture<Config>> futures = resources.stream()
                            .collect(Collectors.toMap(r -> r, r -> config.apply(r.name())));
                    return new DescribeConfigsResult(futures) { }; // its constructor is protected
                case "close":
                    return null;
                default:
                    throw new UnsupportedOperationException(method.getName());
            }
        });
    }

    /** ListTopicsResult's constructor is package-private (Kafka's own MockAdminClient lives in its package). */
    private static ListTopicsResult listed(List<String> names) throws ReflectiveOperationException {
        KafkaFutureImpl<Map<String, TopicListing>> f = new KafkaFutureImpl<>();
        f.complete(names.stream().collect(Collectors.toMap(n -> n, n -> new TopicListing(n, Uuid.randomUuid(), false))));
        Constructor<ListTopicsResult> c = ListTopicsResult.class.getDeclaredConstructor(KafkaFuture.class);
        c.setAccessible(true);
        return c.newInstance(f);
    }
}
