package io.tradepulse.launcher;

import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.Redaction;
import io.tradepulse.registry.SchemaRegistryClientConfig;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The start-up check of {@code schema.registry.url}: one GET /config, which every Confluent-compatible registry answers
 * (Confluent, Apicurio's ccompat API, Karapace, Redpanda). A URL that answers it with a plain HTTP 404 (no registry
 * error code: Apicurio's root without /apis/ccompat/v7, that path added to a Confluent URL, a typo in the path) is no
 * registry API, and nothing the processor does with it can work: it started, and stopped at every input it could not
 * read (a registry outage, as far as it could tell). Refused here, naming the key. Anything else passes: a registry
 * that is down or slow may come back (the processor waits for it), and one that refuses the credentials says so in
 * the call that needs them.
 */
final class RegistryApiCheck {
    /** The probe's own bounds: one attempt per URL, a few seconds each, so a registry that is down delays no start. */
    static final int PROBE_TIMEOUT_MS = 5_000;

    private RegistryApiCheck() {
    }

    /**
     * @param serdeConfig the registry client's settings as the serdes get them
     * @param given how the user gave the URL, for the message: the key or the option
     * @throws SettingsRefusedException when the registry URL answers as no registry API
     */
    static void refuseNoRegistryApi(Map<String, ?> serdeConfig, String given) {
        Object urls = serdeConfig.get(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG);
        if (urls == null || String.valueOf(urls).isBlank()) {
            return;
        }
        Map<String, Object> probe = new HashMap<>(serdeConfig);
        probe.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, "0");
        probe.put(SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG, String.valueOf(PROBE_TIMEOUT_MS));
        probe.put(SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG, String.valueOf(PROBE_TIMEOUT_MS));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(probe)) {
            client.getCompatibility(null);
        } catch (SchemaRegistryUnavailableException e) {
            // Down, unreachable or slow: not a setting to refuse; the processor waits for the registry.
        } catch (SchemaRegistryException e) {
            if (e.isNoRegistryApi()) {
                String shown = Arrays.stream(String.valueOf(urls).split(",")).map(Redaction::url)
                        .collect(Collectors.joining(","));
                throw new SettingsRefusedException("Invalid configuration: " + given + " " + shown
                        + " answers GET /config"
                        + " with HTTP 404 and no registry error code: no Confluent-compatible registry API at that path;"
                        + " give the registry's API root (Confluent, Karapace, Redpanda: http://host:8081; Apicurio:"
                        + " http://host:8080/apis/ccompat/v7)");
            }
        } catch (RuntimeException e) {
            // Any other failure of the probe (an answer that is no JSON, ...) is left to the calls that need it.
        }
    }
}
