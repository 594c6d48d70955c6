package io.tradepulse.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/** The verbs' properties files, and the part of them each Kafka client takes. */
final class ClientSettings {
    private ClientSettings() {
    }

    /** The properties of {@code file}; none for {@code null}. */
    static Properties read(Path file) throws IOException {
        Properties p = new Properties();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        }
        return p;
    }

    /**
     * The entries a client defines ({@code AdminClientConfig.configNames()}, {@code ConsumerConfig.configNames()}
     * ...): the other keys of a shared file (serde, Streams, tradepulse keys) would only be logged as unknown.
     */
    static Map<String, Object> only(Map<?, ?> settings, Set<String> names) {
        Map<String, Object> m = new HashMap<>();
        settings.forEach((k, v) -> {
            if (names.contains(k.toString())) {
                m.put(k.toString(), v);
            }
        });
        return m;
    }
}
