package io.tradepulse.embedded;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@link EmbeddedKafka#startSecured(SecuritySettings)} sets up on the CLIENT listener: SASL_SSL with
 * SCRAM-SHA-512, and these users. Credentials are written into the cluster metadata when the storage is
 * formatted (like {@code kafka-storage format --add-scram}), so they exist before the first client
 * connects and survive {@link EmbeddedKafka#restart()}.
 *
 * @param users user name to password; at least one
 */
public record SecuritySettings(Map<String, String> users) {

    /** The one mechanism offered: the strongest SCRAM variant, what we recommend in production. */
    public static final String MECHANISM = "SCRAM-SHA-512";

    /**
     * StorageTool parses {@code SCRAM-SHA-512=[name=...,password=...]} by splitting on these characters and
     * has no quoting, so a password containing them would be silently cut; refusing it is the honest option.
     */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._~!@#$%^&*()+\\-:/?]+");

    public SecuritySettings {
        Objects.requireNonNull(users, "users");
        if (users.isEmpty()) {
            throw new IllegalArgumentException("at least one SCRAM user is required");
        }
        users.forEach((name, password) -> {
            if (name == null || !SAFE.matcher(name).matches()) {
                throw new IllegalArgumentException("SCRAM user name must match " + SAFE + ": " + name);
            }
            // The value is never echoed: it is a password.
            if (password == null || !SAFE.matcher(password).matches()) {
                throw new IllegalArgumentException("password of SCRAM user " + name + " must be non-empty and match " + SAFE);
            }
        });
        users = Map.copyOf(users);
    }

    /** One user. */
    public static SecuritySettings scramUser(final String name, final String password) {
        return new SecuritySettings(Map.of(name, password));
    }

    /** The password of {@code user}; throws if the user is unknown. */
    public String passwordOf(final String user) {
        final String password = users.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no SCRAM user " + user + " (known: " + users.keySet() + ")");
        }
        return password;
    }

    /** The JAAS line a client uses to log in as {@code user} with {@code password} (not validated here). */
    public static String jaasConfig(final String user, final String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** Never prints the passwords (a record's generated toString would). */
    @Override
    public String toString() {
        return "SecuritySettings[mechanism=" + MECHANISM + ", users=" + users.keySet() + "]";
    }
}
