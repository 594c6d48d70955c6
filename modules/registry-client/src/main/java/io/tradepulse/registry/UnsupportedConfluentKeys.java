package io.tradepulse.registry;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Confluent configuration keys this client and its serdes do not implement, refused at configure time unless unset or
 * at a value that means what this code does anyway (Confluent's default, as a rule). Users copy whole Confluent
 * configurations, so a key at its default must pass; but a key set to anything else asks for behaviour we do not
 * have (other ids, other bytes, other classes, other TLS material), and ignoring it, as unknown keys are, would let
 * the application run doing something else than its configuration says. Public only because the serde package
 * needs it too.
 */
public final class UnsupportedConfluentKeys {

    /** Shown instead of the value of a key that may hold key material or a credential. */
    private static final String HIDDEN = Password.HIDDEN;

    /**
     * One unsupported key.
     *
     * @param name     the key
     * @param accepted values (compared trimmed and case-insensitively; lists with their elements trimmed) that are
     *                 accepted besides leaving the key unset or empty
     * @param secret   whether the value may be a credential or key material, so it is never echoed
     * @param meaning  what this client does instead, for the error message and the documentation
     */
    public record Key(String name, List<String> accepted, boolean secret, String meaning) {
        public Key {
            accepted = List.copyOf(accepted);
        }

        /** A key accepted only unset or at these values. */
        public static Key atMost(String name, String meaning, String... accepted) {
            return new Key(name, List.of(accepted), false, meaning);
        }

        /** A key that may hold a credential or key material, accepted only unset. */
        public static Key secret(String name, String meaning) {
            return new Key(name, List.of(), true, meaning);
        }
    }

    private UnsupportedConfluentKeys() {
    }

    /**
     * @throws ConfigException naming the first key of {@code keys} that {@code originals} sets to a value other than
     *                         an accepted one: the value (unless secret), what is accepted and what this client does
     */
    public static void check(Map<?, ?> originals, List<Key> keys) {
        for (Key key : keys) {
            if (!originals.containsKey(key.name())) {
                continue;
            }
            Object value = originals.get(key.name());
            String normalized = normalize(value);
            if (normalized.isEmpty() || key.accepted().stream().anyMatch(a -> normalize(a).equals(normalized))) {
                continue;
            }
            throw new ConfigException(key.name(), key.secret() || value instanceof Password ? HIDDEN : value,
                    "not supported by the tradepulse registry client; " + acceptedValues(key) + ". " + key.meaning());
        }
    }

    /**
     * @throws ConfigException naming the first key of {@code originals} that starts with {@code prefix}; its value is
     *                         never echoed (a request header may carry a credential)
     */
    public static void checkPrefix(Map<?, ?> originals, String prefix, String meaning) {
        for (Object name : originals.keySet()) {
            if (String.valueOf(name).startsWith(prefix)) {
                throw new ConfigException(String.valueOf(name), HIDDEN, "not supported by the tradepulse registry client ("
                        + prefix + "* keys); remove it. " + meaning);
            }
        }
    }

    /** "accepted: unset, false" and the like, for messages and the documentation. */
    public static String acceptedValues(Key key) {
        return "accepted: unset" + (key.accepted().isEmpty() ? "" : ", or " + String.join(" or ", key.accepted()));
    }

    private static String normalize(Object value) {
        if (value == null) {
            return "";
        }
        String text;
        if (value instanceof Class<?> type) {
            text = type.getName();
        } else if (value instanceof List<?> list) {
            text = list.stream().map(String::valueOf).collect(Collectors.joining(","));
        } else if (value instanceof Password password) {
            text = password.value() == null ? "" : password.value();
        } else {
            text = String.valueOf(value);
        }
        return text.trim().replaceAll("\\s*,\\s*", ",").toLowerCase(Locale.ROOT);
    }
}
