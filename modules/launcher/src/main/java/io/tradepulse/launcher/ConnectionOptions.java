package io.tradepulse.launcher;

import io.tradepulse.streams.ProcessorConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The connection options of the verbs that work on a real cluster and registry as a client ({@code tariffs},
 * {@code dlq}): a properties file, with the command line options on top. One mixin so the verbs take the same
 * options, read the file the same way and refuse a missing connection with the same message.
 */
final class ConnectionOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "PROPERTIES",
            description = "Kafka client + registry properties (bootstrap.servers, schema.registry.url, sasl.*, basic.auth.* ...).")
    Path config;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka brokers of your cluster (overrides bootstrap.servers of --config).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Confluent-compatible registry URL (overrides schema.registry.url of --config).")
    String registryUrl;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "Prefix of the tradepulse topics (overrides tradepulse.topic.prefix; default none).")
    String topicPrefix;

    private static final List<String> CLIENT_PREFIXES = List.of(StreamsConfig.PRODUCER_PREFIX,
            StreamsConfig.CONSUMER_PREFIX, StreamsConfig.ADMIN_CLIENT_PREFIX);

    /** Whether any connection option was given (a dry run without one connects to nothing). */
    boolean given() {
        return config != null || bootstrapServers != null || registryUrl != null;
    }

    /**
     * --config, then the command line options on top. An unreadable --config is a bad option (exit 2, naming it),
     * as for run and ingest.
     */
    Map<String, Object> settings(CommandLine cmd) {
        OptionRanges.topicPrefix(cmd, "--topic-prefix", topicPrefix);
        Map<String, Object> s = new HashMap<>();
        ClientSettings.read(cmd, "--config", config).forEach((k, v) -> s.put(k.toString(), v.toString().trim()));
        if (bootstrapServers != null) {
            s.put(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            // The option names the cluster for every client: a producer./consumer./admin.-prefixed bootstrap.servers
            // of the file, taken over the plain key by that client, would send it to the file's cluster instead.
            for (String prefix : CLIENT_PREFIXES) {
                s.remove(prefix + ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG);
            }
        }
        if (registryUrl != null) {
            s.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        }
        if (topicPrefix != null) {
            s.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, topicPrefix);
        }
        return s;
    }

    /** Refuses (exit 2) settings without a broker or a registry; {@code otherwise} hints at an alternative, or "". */
    static void requireConnection(CommandLine cmd, Map<String, Object> settings, String otherwise) {
        if (!settings.containsKey(ProcessorConfig.BOOTSTRAP_SERVERS_CONFIG) || !settings.containsKey(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG)) {
            throw new CommandLine.ParameterException(cmd, "Give --config (a properties file with "
                    + "bootstrap.servers and schema.registry.url) or --bootstrap-servers with --schema-registry-url"
                    + otherwise);
        }
    }
}
