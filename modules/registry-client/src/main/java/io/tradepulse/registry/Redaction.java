package io.tradepulse.registry;

import java.net.URI;
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

    /** {@code url} without its user-info part ({@code http://u:p@h:8081/x} becomes {@code http://h:8081/x}). */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        String trimmed = url.trim();
        try {
            URI uri = URI.create(trimmed);
            if (uri.getRawUserInfo() == null) {
                return trimmed;
            }
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getRawPath() == null ? null : uri.getPath(),
                    uri.getQuery(), uri.getFragment()).toString();
        } catch (Exception e) {
            // Not a URI we can take apart: cut everything up to the last '@' of the authority rather
            // than risk echoing a password that happens to make the URI invalid.
            int at = trimmed.lastIndexOf('@');
            int scheme = trimmed.indexOf("://");
            return at >= 0 ? (scheme >= 0 ? trimmed.substring(0, scheme + 3) : "") + trimmed.substring(at + 1) : trimmed;
        }
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
