package io.tradepulse.launcher;

import io.tradepulse.core.TopicCatalog;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.streams.ProcessorConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;

/** What the launcher ITs build from an embedded platform, the same way in each. */
final class PlatformClients {
    private PlatformClients() {
    }

    /** Plain client settings: the platform's bootstrap servers. */
    static Map<String, Object> client(EmbeddedPlatform platform) {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
    }

    /** The topic catalog as the processor builds it, so its serdes decode what a command wrote. */
    static TopicCatalog catalog(EmbeddedPlatform platform, String prefix) {
        Map<String, Object> cfg = new HashMap<>(client(platform));
        cfg.put(ProcessorConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.registryUrl());
        cfg.put(ProcessorConfig.TOPIC_PREFIX_CONFIG, prefix);
        return new ProcessorConfig(cfg).topicCatalog();
    }
}
