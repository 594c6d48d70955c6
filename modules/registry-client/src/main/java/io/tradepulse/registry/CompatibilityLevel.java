package io.tradepulse.registry;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The compatibility levels of the Confluent REST protocol. The client API takes and returns plain
 * strings (the protocol's values), this enum exists to validate them before a request is sent and to
 * give the in-memory registry one definition.
 */
public enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** The protocol values, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }

    /**
     * Parses a level, case-insensitively (registries answer in upper case, people type lower case).
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    public static CompatibilityLevel parse(String level) {
        if (level != null) {
            String upper = level.trim().toUpperCase(Locale.ROOT);
            for (CompatibilityLevel candidate : values()) {
                if (candidate.name().equals(upper)) {
                    return candidate;
                }
            }
        }
        throw new IllegalArgumentException("Invalid compatibility level '" + level + "'; allowed values: " + names());
    }

    /** Whether new schemas are checked against every earlier version rather than the latest only. */
    public boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    /** Whether a new schema must be able to read data written with the earlier ones. */
    public boolean checksBackward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /** Whether the earlier schemas must be able to read data written with a new one. */
    public boolean checksForward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }
}
