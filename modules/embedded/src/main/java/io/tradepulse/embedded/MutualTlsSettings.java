package io.tradepulse.embedded;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link EmbeddedKafka#startMutualTls(MutualTlsSettings)} sets up on the CLIENT listener: SSL with
 * {@code ssl.client.auth=required}, and one self-signed client certificate per name, subject {@code CN=<name>},
 * that the broker's trust store accepts. There are no passwords here: every store gets a random one.
 *
 * <p>The broker takes the principal from the certificate's subject. With Kafka's default
 * {@code ssl.principal.mapping.rules} ({@code DEFAULT}) that is {@link #defaultPrincipal(String) User:CN=<name>};
 * a rule such as {@code RULE:^CN=([^,]+)$/$1/,DEFAULT} (set as a broker override) makes it {@code User:<name>}.
 *
 * @param clients the common names of the client certificates; at least one
 */
public record MutualTlsSettings(Set<String> clients) {

    public MutualTlsSettings {
        Objects.requireNonNull(clients, "clients");
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("at least one client certificate is required");
        }
        clients = Set.copyOf(clients);
    }

    /** Certificates for these common names. */
    public static MutualTlsSettings of(final String... names) {
        return new MutualTlsSettings(Set.copyOf(List.of(names)));
    }

    /** The principal the broker gives {@code client} under Kafka's default mapping: the certificate's subject. */
    public static String defaultPrincipal(final String client) {
        return "User:CN=" + client;
    }
}
