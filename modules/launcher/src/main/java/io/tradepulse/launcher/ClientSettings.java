package io.tradepulse.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;

/** The verbs' properties files, and the part of them each Kafka client takes. */
final class ClientSettings {
    private ClientSettings() {
    }

    /**
     * The properties of {@code file}; none for {@code null}. A UTF-8 byte order mark (Windows editors write one) is
     * skipped: {@link Properties#load(Reader)} took it for part of the first key, so a file starting with
     * bootstrap.servers was refused with "Missing required configuration bootstrap.servers".
     */
    static Properties read(Path file) throws IOException {
        Properties p = new Properties();
        if (file != null) {
            try (BufferedReader r = Files.newBufferedReader(file)) {
                r.mark(1);
                if (r.read() != BYTE_ORDER_MARK) {
                    r.reset();
                }
                p.load(r);
            }
        }
        return p;
    }

    private static final int BYTE_ORDER_MARK = '\uFEFF';

    /**
     * The properties of the file {@code option} names (none for {@code null}). A file that cannot be read is a bad
     * option, refused before anything starts: `run --config missing.properties` once printed "tradepulse run failed:
     * missing.properties" with a NoSuchFileException stack trace, and `ingest --embedded --worker-config missing`
     * started the broker and the registry before it failed.
     */
    static Properties read(CommandLine cmd, String option, Path file) {
        Properties p;
        try {
            p = read(file);
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(cmd, option + " " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new CommandLine.ParameterException(cmd, option + " " + file + ": cannot be read (permission denied)");
        } catch (CharacterCodingException e) {
            throw new CommandLine.ParameterException(cmd, option + " " + file + ": cannot be read (not UTF-8 text)");
        } catch (IOException | IllegalArgumentException e) { // IllegalArgumentException: a malformed unicode escape
            throw new CommandLine.ParameterException(cmd, option + " " + file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (p.containsKey("")) {
            // "=value" (a key lost in editing): the clients and Connect ignore a key nobody reads, so the setting meant
            // was silently not made. The value is not shown: it may be a secret.
            throw new CommandLine.ParameterException(cmd, option + " " + file + ": a line has a value but no key before "
                    + "its '=' or ':' (expected key=value)");
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

    /**
     * {@link #only(Map, Set)}, with the entries under {@code prefix} (Kafka Streams' per-client prefix, such as
     * {@code admin.}) on top, the prefix stripped: a key the file gives for one client only reaches it as it reaches
     * that client in Kafka Streams. run's own admin client (topic creation, the settings check) took only the plain
     * keys, so {@code admin.sasl.jaas.config} (the principal allowed to create topics) reached Streams' admin client
     * and not the one that creates them.
     */
    static Map<String, Object> only(Map<?, ?> settings, Set<String> names, String prefix) {
        Map<String, Object> m = only(settings, names);
        settings.forEach((k, v) -> {
            String key = k.toString();
            if (key.startsWith(prefix) && names.contains(key.substring(prefix.length()))) {
                m.put(key.substring(prefix.length()), v);
            }
        });
        return m;
    }

    /**
     * The settings of a producer of tariffs or dlq: the producer keys of {@code settings}, the {@code producer.}-prefixed
     * ones on top, as Kafka Streams gives them to run's producers. --config is run's file, and its producer-only keys
     * ({@code producer.sasl.jaas.config} for the principal allowed the transactional ids, {@code producer.acks} ...)
     * were ignored by these verbs.
     */
    static Map<String, Object> producer(Map<?, ?> settings) {
        return only(settings, ProducerConfig.configNames(), StreamsConfig.PRODUCER_PREFIX);
    }

    /**
     * The settings of a plain consumer of the launcher (dlq's reads, tariffs' look-up, run's results view): the
     * consumer keys of {@code settings}, the {@code consumer.}-prefixed ones on top, as Kafka Streams gives them to all
     * of its consumers. Not the {@code main.consumer.} ones: those are for Streams' main consumer alone, which none of
     * these is.
     */
    static Map<String, Object> consumer(Map<?, ?> settings) {
        return only(settings, ConsumerConfig.configNames(), StreamsConfig.CONSUMER_PREFIX);
    }

    /**
     * Refuses a directory setting that cannot hold a directory: the path, or the nearest part of it that exists, is a
     * file, or a directory this process cannot write. Kafka Streams found it only once the cluster had been contacted
     * and the topics checked, and failed with a stack trace (exit 1) for what is the user's setting to fix.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the key and the value (exit 2)
     */
    static void requireUsableDirectory(String key, String value) {
        Path dir;
        try {
            dir = Path.of(value).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new ConfigException(key, value, "not a path: " + e.getMessage());
        }
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return; // nothing of it exists, not even a root: left to the creation, which names the path
        }
        String which = existing.equals(dir) ? "it" : existing + " (where it would be created)";
        if (!Files.isDirectory(existing)) {
            throw new ConfigException(key, value,
                    which + " is a file, not a directory; give a directory this process can write");
        }
        if (!Files.isWritable(existing)) {
            throw new ConfigException(key, value,
                    which + " is a directory this process cannot write; give one it can");
        }
    }
}
