package io.tradepulse.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigException;

/**
 * Rejects configuration keys nobody reads. Kafka's own classes only log "unused config" warnings, so a typo
 * such as {@code schema.registry.ur} silently falls back to a default; we fail at start-up instead, naming the
 * key and the closest known key.
 */
public final class ConfigKeys {
    private ConfigKeys() {
    }

    /**
     * @param originals the user's configuration
     * @param known     every key some component reads
     * @param prefixes  prefixes under which any key is allowed (e.g. {@code producer.}); the remainder is not checked
     * @param where     what is being configured, for the message (e.g. "processor configuration")
     * @throws ConfigException naming the first unknown key (in sorted order) and the nearest known key
     */
    public static void rejectUnknown(Map<?, ?> originals, Collection<String> known, Collection<String> prefixes, String where) {
        List<String> unknown = new ArrayList<>();
        for (Object k : originals.keySet()) {
            String key = String.valueOf(k);
            if (!known.contains(key) && prefixes.stream().noneMatch(key::startsWith)) {
                unknown.add(key);
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        unknown.sort(Comparator.naturalOrder());
        String key = unknown.get(0);
        String hint = closest(key, known).map(c -> " Did you mean '" + c + "'?").orElse("");
        String others = unknown.size() > 1 ? " (also unknown: " + String.join(", ", unknown.subList(1, unknown.size())) + ")" : "";
        throw new ConfigException("Unknown key '" + key + "' in the " + where + "." + hint + others
                + " Allowed: the documented keys (docs/configuration.md) and keys under the prefixes "
                + new TreeSet<>(prefixes) + ".");
    }

    /** The known key with the smallest edit distance, if it is close enough to be a plausible typo. */
    public static Optional<String> closest(String key, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(key, candidate);
            if (d < bestDistance || (d == bestDistance && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4) ? Optional.of(best) : Optional.empty();
    }

    /** The Levenshtein distance of {@code a} and {@code b}: the edits that make one the other. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
