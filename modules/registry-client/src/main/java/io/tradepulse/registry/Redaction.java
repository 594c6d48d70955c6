package io.tradepulse.registry;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

/**
 * Keeps secrets out of logs, exception messages and {@code toString()}: registry URLs may carry
 * {@code user:password@}, and passwords/tokens are {@link Password}s. Public only because the serde
 * package needs it too.
 */
public final class Redaction {

    private Redaction() {
    }

    /**
     * {@code url} without anything that may be a credential: everything between {@code ://} (or the start, without
     * a scheme) and the last {@code '@'} is cut, so {@code http://u:p@h:8081/x} becomes {@code http://h:8081/x}.
     *
     * <p>Deliberately textual, not {@link java.net.URI}-based: a password with an unencoded {@code @ # / ?} (e.g.
     * {@code http://alice:p@ssw0rd@registry:8081}) makes {@code URI} parse no user-info at all, or a wrong host, and
     * the password would be echoed whole. Cutting at the last {@code '@'} may also cut a path that contains one; for a
     * text that goes into logs and exception messages, losing that is the lesser evil.
     */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        String trimmed = url.trim();
        int scheme = trimmed.indexOf("://");
        int start = scheme >= 0 ? scheme + 3 : 0;
        int at = trimmed.lastIndexOf('@');
        if (at < start) {
            return trimmed;
        }
        return trimmed.substring(0, start) + trimmed.substring(at + 1);
    }

    /** {@link #url} applied to each element. */
    public static List<String> urls(List<String> urls) {
        return urls == null ? null : urls.stream().map(Redaction::url).toList();
    }

    /**
     * A one-line description of {@code config}'s values, sorted by key, with passwords hidden and URLs
     * without credentials; for {@code toString()} and logs.
     */
    public static String describe(AbstractConfig config, ConfigDef def) {
        StringJoiner joiner = new StringJoiner(", ", config.getClass().getSimpleName() + "{", "}");
        Map<String, ?> sorted = new TreeMap<>(config.values());
        sorted.forEach((key, value) -> joiner.add(key + "=" + describeValue(def, key, value)));
        return joiner.toString();
    }

    private static String describeValue(ConfigDef def, String key, Object value) {
        ConfigDef.ConfigKey configKey = def.configKeys().get(key);
        if (value instanceof Password) {
            return Password.HIDDEN;
        }
        if (configKey != null && configKey.type == ConfigDef.Type.PASSWORD && value != null) {
            return Password.HIDDEN;
        }
        if (key.endsWith("url") && value instanceof List<?> list) {
            return list.stream().map(v -> url(String.valueOf(v))).toList().toString();
        }
        return String.valueOf(value);
    }
}
