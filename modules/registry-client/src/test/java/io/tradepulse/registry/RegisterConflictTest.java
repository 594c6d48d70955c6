package io.tradepulse.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tradepulse.registry.TestSchemas.PRICE_V1;
import static io.tradepulse.registry.TestSchemas.PRICE_V3_INCOMPATIBLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

/**
 * Registration that collides with a concurrent one (Apicurio's 409 "already exists") versus a registration the
 * registry rejects (409 incompatible). The Apicurio bodies are those Apicurio Registry 2.6.13's ccompat API answered
 * when eight requests registered one schema under one new subject at once ({@link ConcurrentRegistrationIT} runs that
 * against the real registry).
 */
class RegisterConflictTest {

    @RegisterExtension
    static final WireMockExtension REGISTRY = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SUBJECT = "prices-value";
    private static final String REGISTER = "/subjects/" + SUBJECT + "/versions";
    private static final String LOOKUP = "/subjects/" + SUBJECT;

    /** Apicurio 2.6.13: another request created the subject (artifact) first. */
    static final String APICURIO_ARTIFACT_EXISTS =
            "{\"error_code\":409,\"message\":\"An artifact with ID 'prices-value' in group 'null' already exists.\"}";
    /** Apicurio 2.6.13: another request created a version at the same moment; the exception has no ccompat code, hence 0. */
    static final String APICURIO_VERSION_EXISTS =
            "{\"error_code\":0,\"message\":\"An artifact version 'null' for artifact ID 'prices-value' in group 'null' already exists.\"}";
    /** Apicurio 2.6.13 rejecting an incompatible schema under global BACKWARD. */
    static final String APICURIO_INCOMPATIBLE = "{\"error_code\":409,\"message\":\"io.apicurio.registry.rules.RuleViolationException: "
            + "Incompatible artifact: prices-value [AVRO], num of incompatible diffs: {1}, list of diff types: [venue at /fields/2] "
            + "Causes: venue at /fields/2\"}";
    /** Confluent's shape: error code 409 means incompatible. */
    static final String CONFLUENT_INCOMPATIBLE = "{\"error_code\":409,\"message\":\"Schema being registered is incompatible with an "
            + "earlier schema for subject \\\"prices-value\\\", details: [{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', "
            + "description:'The field 'venue' at path '/fields/2' in the new schema has no default value and is missing in the old "
            + "schema', additionalInfo:'venue'}, {compatibility: 'BACKWARD'}]\"}";
    /** Apicurio 2.6.13's lookup answers for a subject, or a schema under it, that it does not have. */
    static final String APICURIO_SUBJECT_NOT_FOUND =
            "{\"error_code\":40401,\"message\":\"No artifact with ID 'prices-value' in group 'null' was found.\"}";
    static final String APICURIO_SCHEMA_NOT_FOUND =
            "{\"error_code\":40403,\"message\":\"The given schema does not match any schema under the subject prices-value\"}";

    private static CachedSchemaRegistryClient client() {
        return new CachedSchemaRegistryClient(Map.of(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, REGISTRY.baseUrl(),
                SchemaRegistryClientConfig.RETRIES_WAIT_MS_CONFIG, 10, SchemaRegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG, 50));
    }

    /** Apicurio answers errors as plain application/json. */
    private static ResponseDefinitionBuilder error(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static String schemaJson(Schema schema) throws Exception {
        return MAPPER.writeValueAsString(Map.of("schema", schema.toString()));
    }

    private static String metadataJson(int version, int id, Schema schema) throws Exception {
        return MAPPER.writeValueAsString(Map.of("subject", SUBJECT, "version", version, "id", id, "schema", schema.toString()));
    }

    @Test
    void shouldReturnTheIdOfTheSchemaAConcurrentRegistrationCreated() throws Exception {
        REGISTRY.stubFor(post(REGISTER).willReturn(error(409, APICURIO_ARTIFACT_EXISTS)));
        REGISTRY.stubFor(post(LOOKUP).willReturn(okJson(metadataJson(1, 3, PRICE_V1))));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.register(SUBJECT, PRICE_V1)).isEqualTo(3);
            // The lookup filled the caches like any lookup: no further requests for this schema.
            assertThat(client.register(SUBJECT, PRICE_V1)).isEqualTo(3);
            assertThat(client.getId(SUBJECT, PRICE_V1)).isEqualTo(3);
            assertThat(client.getVersion(SUBJECT, PRICE_V1)).isEqualTo(1);
            assertThat(client.getById(3)).isEqualTo(PRICE_V1);
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo(REGISTER)));
        REGISTRY.verify(1, postRequestedFor(urlEqualTo(LOOKUP)).withRequestBody(equalToJson(schemaJson(PRICE_V1), false, false)));
        REGISTRY.verify(0, getRequestedFor(urlPathMatching("/schemas/.*")));
    }

    @Test
    void shouldRecoverFromApicuriosVersionConflictWithErrorCode0() throws Exception {
        REGISTRY.stubFor(post(REGISTER).willReturn(error(409, APICURIO_VERSION_EXISTS)));
        REGISTRY.stubFor(post(LOOKUP).willReturn(okJson(metadataJson(1, 3, PRICE_V1))));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.register(SUBJECT, PRICE_V1)).isEqualTo(3);
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo(REGISTER)));
        REGISTRY.verify(1, postRequestedFor(urlEqualTo(LOOKUP)));
    }

    /** The conflict's winner is not visible to the lookup yet: wait, register again, which finds it. */
    @Test
    void shouldRegisterAgainWhenTheLookupDoesNotFindTheSchemaYet() throws Exception {
        REGISTRY.stubFor(post(REGISTER).inScenario("race").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(error(409, APICURIO_ARTIFACT_EXISTS)).willSetStateTo("committed"));
        REGISTRY.stubFor(post(REGISTER).inScenario("race").whenScenarioStateIs("committed").willReturn(okJson("{\"id\":3}")));
        REGISTRY.stubFor(post(LOOKUP).willReturn(error(404, APICURIO_SUBJECT_NOT_FOUND)));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.register(SUBJECT, PRICE_V1)).isEqualTo(3);
            assertThat(client.register(SUBJECT, PRICE_V1)).isEqualTo(3);
        }
        REGISTRY.verify(2, postRequestedFor(urlEqualTo(REGISTER)));
        REGISTRY.verify(1, postRequestedFor(urlEqualTo(LOOKUP)));
    }

    /**
     * The concurrent registration was of another schema (e.g. two application versions starting together): ours is not
     * under the subject, so it is registered again, now as a new version, with the usual compatibility check.
     */
    @Test
    void shouldRegisterAgainWhenTheConflictingRegistrationWasAnotherSchema() throws Exception {
        REGISTRY.stubFor(post(REGISTER).inScenario("other").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(error(409, APICURIO_ARTIFACT_EXISTS)).willSetStateTo("v1 exists"));
        REGISTRY.stubFor(post(REGISTER).inScenario("other").whenScenarioStateIs("v1 exists").willReturn(okJson("{\"id\":30}")));
        REGISTRY.stubFor(post(LOOKUP).willReturn(error(404, APICURIO_SCHEMA_NOT_FOUND)));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.register(SUBJECT, TestSchemas.PRICE_V2)).isEqualTo(30);
        }
        REGISTRY.verify(2, postRequestedFor(urlEqualTo(REGISTER)));
    }

    @Test
    void shouldFindTheSchemaOnASecondLookupWhenTheFirstRacedTheCommit() throws Exception {
        REGISTRY.stubFor(post(REGISTER).willReturn(error(409, APICURIO_ARTIFACT_EXISTS)));
        REGISTRY.stubFor(post(LOOKUP).inScenario("lookup").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(error(404, APICURIO_SCHEMA_NOT_FOUND)).willSetStateTo("visible"));
        REGISTRY.stubFor(post(LOOKUP).inScenario("lookup").whenScenarioStateIs("visible").willReturn(okJson(metadataJson(1, 3, PRICE_V1))));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.register(SUBJECT, PRICE_V1)).isEqualTo(3);
        }
        REGISTRY.verify(2, postRequestedFor(urlEqualTo(REGISTER)));
        REGISTRY.verify(2, postRequestedFor(urlEqualTo(LOOKUP)));
    }

    @Test
    void shouldGiveUpAfterBoundedAttemptsWhenTheSchemaNeverAppears() {
        REGISTRY.stubFor(post(REGISTER).willReturn(error(409, APICURIO_ARTIFACT_EXISTS)));
        REGISTRY.stubFor(post(LOOKUP).willReturn(error(404, APICURIO_SCHEMA_NOT_FOUND)));
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.register(SUBJECT, PRICE_V1))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e).isNotInstanceOf(SchemaRegistryUnavailableException.class);
                        assertThat(e.errorCode()).isEqualTo(409);
                        assertThat(e.httpStatus()).isEqualTo(409);
                        assertThat(e.registryMessage()).isEqualTo("An artifact with ID 'prices-value' in group 'null' already exists.");
                        assertThat(e.getMessage()).contains("subject 'prices-value'", "already exists",
                                CachedSchemaRegistryClient.CONFLICT_ATTEMPTS + " times", "POST /subjects/prices-value/versions at "
                                        + REGISTRY.baseUrl());
                    });
        }
        REGISTRY.verify(CachedSchemaRegistryClient.CONFLICT_ATTEMPTS, postRequestedFor(urlEqualTo(REGISTER)));
        REGISTRY.verify(CachedSchemaRegistryClient.CONFLICT_ATTEMPTS, postRequestedFor(urlEqualTo(LOOKUP)));
    }

    @Test
    void shouldStillFailOnConfluentIncompatible409WithoutLookingUp() {
        REGISTRY.stubFor(post(REGISTER).willReturn(error(409, CONFLUENT_INCOMPATIBLE)));
        try (CachedSchemaRegistryClient client = client()) {
            for (int call = 0; call < 2; call++) {
                assertThatThrownBy(() -> client.register(SUBJECT, PRICE_V3_INCOMPATIBLE))
                        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                            assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                            assertThat(e.httpStatus()).isEqualTo(409);
                            assertThat(e.registryMessage()).startsWith("Schema being registered is incompatible with an earlier schema");
                            assertThat(e.getMessage())
                                    .startsWith("Schema test.registry.Price rejected as incompatible under subject 'prices-value': "
                                            + "Schema being registered is incompatible")
                                    .contains("READER_FIELD_MISSING_DEFAULT_VALUE", "error code: 409", "HTTP 409",
                                            "POST /subjects/prices-value/versions at " + REGISTRY.baseUrl());
                        });
            }
        }
        // Nothing cached, nothing looked up: each call is one request, answered with the same rejection.
        REGISTRY.verify(2, postRequestedFor(urlEqualTo(REGISTER)));
        REGISTRY.verify(0, postRequestedFor(urlEqualTo(LOOKUP)));
    }

    /**
     * Confluent's rejection as its registry words it since 7.x: the details quote the earlier version's schema, docs
     * included. One that says "already exists" is still a rejection, not a collision with a concurrent registration.
     */
    @Test
    void shouldFailOnAnIncompatible409WhoseQuotedOldSchemaSaysAlreadyExistsWithoutLookingUp() {
        String oldSchema = "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Price\\\",\\\"namespace\\\":"
                + "\\\"test.registry\\\",\\\"fields\\\":[{\\\"name\\\":\\\"amend\\\",\\\"type\\\":"
                + "\\\"boolean\\\",\\\"doc\\\":\\\"true when the price already exists upstream\\\"}]}";
        String rejection = "{\"error_code\":409,\"message\":\"Schema being registered is incompatible with an earlier "
                + "schema for subject \\\"prices-value\\\", details: [{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', "
                + "description:'The field 'venue' at path '/fields/2' in the new schema has no default value and is "
                + "missing in the old schema', additionalInfo:'venue'}, {oldSchemaVersion: 1}, "
                + "{oldSchema: '" + oldSchema + "'}, {validateFields: 'false', compatibility: 'BACKWARD'}]\"}";
        REGISTRY.stubFor(post(REGISTER).willReturn(error(409, rejection)));
        REGISTRY.stubFor(post(LOOKUP).willReturn(error(404, APICURIO_SCHEMA_NOT_FOUND)));
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.register(SUBJECT, PRICE_V3_INCOMPATIBLE))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                        assertThat(e.getMessage()).startsWith("Schema test.registry.Price rejected as incompatible "
                                + "under subject 'prices-value': Schema being registered is incompatible");
                    });
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo(REGISTER)));
        REGISTRY.verify(0, postRequestedFor(urlEqualTo(LOOKUP)));
    }

    @Test
    void shouldStillFailOnApicurioIncompatible409WithoutLookingUp() {
        REGISTRY.stubFor(post(REGISTER).willReturn(error(409, APICURIO_INCOMPATIBLE)));
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.register(SUBJECT, PRICE_V3_INCOMPATIBLE))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                        assertThat(e.getMessage()).startsWith("Schema test.registry.Price rejected as incompatible under subject "
                                + "'prices-value': io.apicurio.registry.rules.RuleViolationException: Incompatible artifact")
                                .contains("venue at /fields/2");
                    });
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo(REGISTER)));
        REGISTRY.verify(0, postRequestedFor(urlEqualTo(LOOKUP)));
    }

    @Test
    void shouldPassOnALookupFailureThatIsNotNotFound() {
        REGISTRY.stubFor(post(REGISTER).willReturn(error(409, APICURIO_ARTIFACT_EXISTS)));
        REGISTRY.stubFor(post(LOOKUP).willReturn(error(403, "{\"error_code\":40301,\"message\":\"User is denied operation Read\"}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.register(SUBJECT, PRICE_V1))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40301));
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo(REGISTER)));
    }

    @Test
    void shouldTellCollisionsFromRejectionsByTheMessageNotTheCode() {
        assertThat(CachedSchemaRegistryClient.isConcurrentCreationConflict(answer(409, APICURIO_ARTIFACT_EXISTS))).isTrue();
        assertThat(CachedSchemaRegistryClient.isConcurrentCreationConflict(answer(409, APICURIO_VERSION_EXISTS))).isTrue();
        assertThat(CachedSchemaRegistryClient.isConcurrentCreationConflict(answer(409, APICURIO_INCOMPATIBLE))).isFalse();
        assertThat(CachedSchemaRegistryClient.isConcurrentCreationConflict(answer(409, CONFLUENT_INCOMPATIBLE))).isFalse();
        // Karapace's incompatibility message (Redpanda's is Confluent's text).
        assertThat(CachedSchemaRegistryClient.isConcurrentCreationConflict(
                new SchemaRegistryException("Incompatible schema, compatibility_mode=BACKWARD", 409, 409))).isFalse();
        // "already exists" on another status is not this case.
        assertThat(CachedSchemaRegistryClient.isConcurrentCreationConflict(
                new SchemaRegistryException("Subject already exists", 42201, 422))).isFalse();
    }

    private static SchemaRegistryException answer(int status, String body) {
        try {
            var json = MAPPER.readTree(body);
            return new SchemaRegistryException(json.path("message").asText(), json.path("error_code").asInt(), status);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
