package io.tradepulse.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tradepulse.registry.TestSchemas.PRICE_V1;
import static io.tradepulse.registry.TestSchemas.PRICE_V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

class CachedSchemaRegistryClientTest {

    @RegisterExtension
    static final WireMockExtension REGISTRY = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static final WireMockExtension SECOND = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String JSON = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Map<String, Object> config(String urls) {
        Map<String, Object> config = new HashMap<>();
        config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, urls);
        config.put(SchemaRegistryClientConfig.RETRIES_WAIT_MS_CONFIG, 10);
        config.put(SchemaRegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG, 50);
        return config;
    }

    private static CachedSchemaRegistryClient client() {
        return new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()));
    }

    /** Starts at the first URL (not a random one), so that the fail-over tests know which URL is asked first. */
    private static CachedSchemaRegistryClient client(Map<String, Object> config) {
        return new CachedSchemaRegistryClient(new SchemaRegistryClientConfig(config), size -> 0);
    }

    private static String schemaJson(org.apache.avro.Schema schema) throws Exception {
        return MAPPER.writeValueAsString(Map.of("schema", schema.toString()));
    }

    private static String metadataJson(String subject, int version, int id, org.apache.avro.Schema schema) throws Exception {
        return MAPPER.writeValueAsString(Map.of("subject", subject, "version", version, "id", id, "schema", schema.toString()));
    }

    @Test
    void shouldRegisterWithConfluentRequestShape() throws Exception {
        REGISTRY.stubFor(post("/subjects/prices-value/versions").willReturn(okJson("{\"id\":7}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.register("prices-value", PRICE_V1)).isEqualTo(7);
        }
        REGISTRY.verify(postRequestedFor(urlEqualTo("/subjects/prices-value/versions"))
                .withHeader("Content-Type", equalTo(JSON))
                .withHeader("Accept", equalTo(RestTransport.ACCEPT))
                // Exactly {"schema": <schema.toString()>}: no schemaType for AVRO, nothing else.
                .withRequestBody(equalToJson(schemaJson(PRICE_V1), false, false)));
    }

    @Test
    void shouldReturnCachedIdWithoutHttpCall() {
        REGISTRY.stubFor(post("/subjects/prices-value/versions").willReturn(okJson("{\"id\":7}")));
        try (CachedSchemaRegistryClient client = client()) {
            client.register("prices-value", PRICE_V1);
            // An equal schema parsed separately hits the cache too.
            int again = client.register("prices-value", new org.apache.avro.Schema.Parser().parse(PRICE_V1.toString()));
            assertThat(again).isEqualTo(7);
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    /**
     * Avro's Schema.equals ignores docs and aliases, but the registry stores and compares the text: a schema that
     * differs only there is another registration with its own id, and Confluent's client (AvroSchema.equals compares
     * docs and aliases too) asks the registry for it instead of answering the first schema's id from its cache.
     */
    @Test
    void shouldAskTheRegistryForASchemaThatDiffersOnlyInDocOrAliases() throws Exception {
        org.apache.avro.Schema documented = withFieldExtras(PRICE_V1, "\"doc\":\"price in cents\"");
        org.apache.avro.Schema aliased = withFieldExtras(PRICE_V1, "\"aliases\":[\"amount\"]");
        assertThat(documented).as("Avro's equality ignores docs").isEqualTo(PRICE_V1);
        assertThat(aliased).as("and aliases").isEqualTo(PRICE_V1);
        REGISTRY.stubFor(post("/subjects/prices-value/versions").withRequestBody(equalToJson(schemaJson(PRICE_V1)))
                .willReturn(okJson("{\"id\":7}")));
        REGISTRY.stubFor(post("/subjects/prices-value/versions").withRequestBody(equalToJson(schemaJson(documented)))
                .willReturn(okJson("{\"id\":8}")));
        REGISTRY.stubFor(post("/subjects/prices-value").withRequestBody(equalToJson(schemaJson(aliased)))
                .willReturn(okJson("{\"subject\":\"prices-value\",\"id\":9,\"version\":3,\"schema\":"
                        + MAPPER.writeValueAsString(aliased.toString()) + "}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.register("prices-value", PRICE_V1)).isEqualTo(7);
            assertThat(client.register("prices-value", documented)).isEqualTo(8);
            assertThat(client.getId("prices-value", aliased)).isEqualTo(9);
            assertThat(client.register("prices-value", new org.apache.avro.Schema.Parser().parse(documented.toString())))
                    .as("the same text is still answered from the cache").isEqualTo(8);
        }
        REGISTRY.verify(2, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    /** {@code schema} with {@code extras} (JSON members) added to its "cents" field. */
    private static org.apache.avro.Schema withFieldExtras(org.apache.avro.Schema schema, String extras) {
        return new org.apache.avro.Schema.Parser().parse(schema.toString()
                .replace("{\"name\":\"cents\",\"type\":\"long\"}", "{\"name\":\"cents\",\"type\":\"long\"," + extras + "}"));
    }

    @Test
    void shouldResolveRegisteredIdToSchemaWithoutHttpCall() {
        REGISTRY.stubFor(post("/subjects/prices-value/versions").willReturn(okJson("{\"id\":7}")));
        try (CachedSchemaRegistryClient client = client()) {
            client.register("prices-value", PRICE_V1);
            assertThat(client.getById(7)).isEqualTo(PRICE_V1);
        }
        REGISTRY.verify(0, getRequestedFor(urlEqualTo("/schemas/ids/7")));
    }

    @Test
    void shouldFetchSchemaByIdOnceAndCacheIt() throws Exception {
        REGISTRY.stubFor(get("/schemas/ids/3").willReturn(okJson(schemaJson(PRICE_V2))));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.getById(3)).isEqualTo(PRICE_V2);
            assertThat(client.getById(3)).isSameAs(client.getById(3));
        }
        REGISTRY.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/3")));
    }

    @Test
    void shouldLookUpIdAndVersionOfRegisteredSchemaWithOneRequest() throws Exception {
        REGISTRY.stubFor(post("/subjects/prices-value").willReturn(okJson(metadataJson("prices-value", 2, 9, PRICE_V2))));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.getId("prices-value", PRICE_V2)).isEqualTo(9);
            assertThat(client.getVersion("prices-value", PRICE_V2)).isEqualTo(2);
            assertThat(client.getId("prices-value", PRICE_V2)).isEqualTo(9);
        }
        REGISTRY.verify(1, postRequestedFor(urlEqualTo("/subjects/prices-value"))
                .withRequestBody(equalToJson(schemaJson(PRICE_V2), false, false)));
        REGISTRY.verify(0, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    @Test
    void shouldReturnLatestAndSpecificVersionMetadata() throws Exception {
        REGISTRY.stubFor(get("/subjects/prices-value/versions/latest").willReturn(okJson(metadataJson("prices-value", 2, 9, PRICE_V2))));
        REGISTRY.stubFor(get("/subjects/prices-value/versions/1").willReturn(okJson(metadataJson("prices-value", 1, 4, PRICE_V1))));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.getLatestSchemaMetadata("prices-value")).isEqualTo(new SchemaMetadata(9, 2, "prices-value", PRICE_V2));
            assertThat(client.getSchemaMetadata("prices-value", 1)).isEqualTo(new SchemaMetadata(4, 1, "prices-value", PRICE_V1));
            // The metadata calls taught the id cache.
            assertThat(client.getById(4)).isEqualTo(PRICE_V1);
        }
        REGISTRY.verify(0, getRequestedFor(urlEqualTo("/schemas/ids/4")));
    }

    @Test
    void shouldReportCompatibilityAgainstLatest() throws Exception {
        REGISTRY.stubFor(post("/compatibility/subjects/prices-value/versions/latest")
                .withRequestBody(equalToJson(schemaJson(PRICE_V2), false, false))
                .willReturn(okJson("{\"is_compatible\":true}")));
        REGISTRY.stubFor(post("/compatibility/subjects/prices-value/versions/latest")
                .withRequestBody(equalToJson(schemaJson(TestSchemas.PRICE_V3_INCOMPATIBLE), false, false))
                .willReturn(okJson("{\"is_compatible\":false}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.testCompatibility("prices-value", PRICE_V2)).isTrue();
            assertThat(client.testCompatibility("prices-value", TestSchemas.PRICE_V3_INCOMPATIBLE)).isFalse();
        }
    }

    @Test
    void shouldTreatSubjectWithoutVersionsAsCompatible() {
        REGISTRY.stubFor(post("/compatibility/subjects/new-value/versions/latest").willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", JSON).withBody("{\"error_code\":40401,\"message\":\"Subject 'new-value' not found.\"}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.testCompatibility("new-value", PRICE_V1)).isTrue();
        }
    }

    @Test
    void shouldReadGlobalAndSubjectCompatibility() {
        REGISTRY.stubFor(get("/config").willReturn(okJson("{\"compatibilityLevel\":\"BACKWARD\"}")));
        REGISTRY.stubFor(get("/config/prices-value?defaultToGlobal=true").willReturn(okJson("{\"compatibilityLevel\":\"FULL\"}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.getCompatibility(null)).isEqualTo("BACKWARD");
            assertThat(client.getCompatibility("prices-value")).isEqualTo("FULL");
        }
    }

    @Test
    void shouldFallBackToGlobalCompatibilityWhenSubjectHasNone() {
        REGISTRY.stubFor(get("/config").willReturn(okJson("{\"compatibilityLevel\":\"FORWARD\"}")));
        REGISTRY.stubFor(get(urlPathEqualTo("/config/prices-value")).willReturn(aResponse().withStatus(404).withHeader("Content-Type", JSON)
                .withBody("{\"error_code\":40408,\"message\":\"Subject 'prices-value' does not have subject-level compatibility configured\"}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.getCompatibility("prices-value")).isEqualTo("FORWARD");
        }
    }

    @Test
    void shouldUpdateGlobalAndSubjectCompatibility() {
        REGISTRY.stubFor(put("/config").willReturn(okJson("{\"compatibility\":\"NONE\"}")));
        REGISTRY.stubFor(put("/config/prices-value").willReturn(okJson("{\"compatibility\":\"FULL_TRANSITIVE\"}")));
        try (CachedSchemaRegistryClient client = client()) {
            client.updateCompatibility(null, "NONE");
            client.updateCompatibility("prices-value", "full_transitive");
        }
        REGISTRY.verify(putRequestedFor(urlEqualTo("/config")).withRequestBody(equalToJson("{\"compatibility\":\"NONE\"}")));
        REGISTRY.verify(putRequestedFor(urlEqualTo("/config/prices-value"))
                .withHeader("Content-Type", equalTo(JSON))
                .withRequestBody(equalToJson("{\"compatibility\":\"FULL_TRANSITIVE\"}")));
    }

    @Test
    void shouldRejectUnknownCompatibilityLevelBeforeSending() {
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.updateCompatibility(null, "SIDEWAYS"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("SIDEWAYS").hasMessageContaining("BACKWARD_TRANSITIVE");
        }
        assertThat(REGISTRY.getAllServeEvents()).isEmpty();
    }

    @Test
    void shouldListSubjectsAndVersionsAndDeleteSubject() throws Exception {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[\"a-value\",\"prices-value\"]")));
        REGISTRY.stubFor(get("/subjects/prices-value/versions").willReturn(okJson("[1,2,3]")));
        REGISTRY.stubFor(delete("/subjects/prices-value").willReturn(okJson("[1,2,3]")));
        REGISTRY.stubFor(post("/subjects/prices-value/versions").willReturn(okJson("{\"id\":7}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.getAllSubjects()).containsExactly("a-value", "prices-value");
            assertThat(client.getAllVersions("prices-value")).containsExactly(1, 2, 3);
            client.register("prices-value", PRICE_V1);
            assertThat(client.deleteSubject("prices-value")).containsExactly(1, 2, 3);
            // The subject's mappings were dropped with it: registering again asks the registry.
            client.register("prices-value", PRICE_V1);
        }
        REGISTRY.verify(deleteRequestedFor(urlEqualTo("/subjects/prices-value")));
        REGISTRY.verify(2, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    @Test
    void shouldPercentEncodeSubjectInPath() {
        REGISTRY.stubFor(get(urlEqualTo("/subjects/odd%20subject%2Fwith%3Fchars/versions")).willReturn(okJson("[1]")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.getAllVersions("odd subject/with?chars")).containsExactly(1);
        }
    }

    @Test
    void shouldCarryRegistryErrorCodeStatusAndMessage() {
        REGISTRY.stubFor(get("/subjects/x/versions/latest").willReturn(aResponse().withStatus(404).withHeader("Content-Type", JSON)
                .withBody("{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.getLatestSchemaMetadata("x"))
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .satisfies(e -> {
                        SchemaRegistryException error = (SchemaRegistryException) e;
                        assertThat(error.errorCode()).isEqualTo(40401);
                        assertThat(error.httpStatus()).isEqualTo(404);
                        assertThat(error.registryMessage()).isEqualTo("Subject 'x' not found.");
                        assertThat(error.getMessage()).contains("Subject 'x' not found.", "error code: 40401",
                                "GET /subjects/x/versions/latest");
                    });
        }
        // A definite answer from the registry is not retried.
        REGISTRY.verify(1, getRequestedFor(urlEqualTo("/subjects/x/versions/latest")));
    }

    @Test
    void shouldCarryIncompatibleSchemaError409() {
        REGISTRY.stubFor(post("/subjects/prices-value/versions").willReturn(aResponse().withStatus(409).withHeader("Content-Type", JSON)
                .withBody("{\"error_code\":409,\"message\":\"Schema being registered is incompatible with an earlier schema\"}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.register("prices-value", TestSchemas.PRICE_V3_INCOMPATIBLE))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                        assertThat(e.httpStatus()).isEqualTo(409);
                    });
        }
    }

    @Test
    void shouldUseHttpStatusAsErrorCodeForNonJsonErrorBody() {
        REGISTRY.stubFor(put("/config").willReturn(aResponse().withStatus(400).withBody("Not able to deserialize data provided.")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.updateCompatibility(null, "FULL"))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(400);
                        assertThat(e.getMessage()).contains("Not able to deserialize data provided.");
                    });
        }
    }

    @Test
    void shouldRejectNonAvroSchema() throws Exception {
        REGISTRY.stubFor(get("/schemas/ids/5").willReturn(okJson(
                MAPPER.writeValueAsString(Map.of("schema", "syntax = \"proto3\";", "schemaType", "PROTOBUF")))));
        try (CachedSchemaRegistryClient client = client()) {
            assertThatThrownBy(() -> client.getById(5)).isInstanceOf(SchemaRegistryException.class).hasMessageContaining("PROTOBUF");
        }
    }

    @Test
    void shouldRetryOn503ThenSucceed() {
        REGISTRY.stubFor(post("/subjects/prices-value/versions").inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", JSON)
                        .withBody("{\"error_code\":50003,\"message\":\"Error while forwarding the request to the leader\"}"))
                .willSetStateTo("recovered"));
        REGISTRY.stubFor(post("/subjects/prices-value/versions").inScenario("flaky").whenScenarioStateIs("recovered")
                .willReturn(okJson("{\"id\":12}")));
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.register("prices-value", PRICE_V1)).isEqualTo(12);
        }
        REGISTRY.verify(2, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    @Test
    void shouldRetryOn429() {
        REGISTRY.stubFor(get("/subjects").inScenario("limited").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "60")).willSetStateTo("ok"));
        REGISTRY.stubFor(get("/subjects").inScenario("limited").whenScenarioStateIs("ok").willReturn(okJson("[]")));
        long start = System.nanoTime();
        try (CachedSchemaRegistryClient client = client()) {
            assertThat(client.getAllSubjects()).isEmpty();
        }
        // Retry-After: 60 is honoured only up to retries.max.wait.ms (50 ms here). A minute asked for, so that the
        // bound can be seconds (room for a loaded machine) and still far below what an uncapped wait would take.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        REGISTRY.verify(2, getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void shouldGiveUpAfterMaxRetriesAsUnavailable() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(503).withHeader("Content-Type", JSON)
                .withBody("{\"error_code\":50003,\"message\":\"leader not available\"}")));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 2);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThatThrownBy(client::getAllSubjects)
                    .isInstanceOfSatisfying(SchemaRegistryUnavailableException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(503);
                        assertThat(e.errorCode()).isEqualTo(50003);
                        assertThat(e.getMessage()).contains("3 attempt(s)", "leader not available");
                    });
        }
        REGISTRY.verify(3, getRequestedFor(urlEqualTo("/subjects")));
    }

    /**
     * max.retries=2147483647 ("retry for ever", as Kafka's own retries) with a backoff cap of a few seconds makes a
     * call budget beyond Long.MAX_VALUE nanoseconds; the deadline computed from it overflowed into the past, and the
     * client gave up after the first attempt instead of retrying.
     */
    @Test
    void shouldRetryWhenMaxRetriesIsIntegerMaxValueWithASecondsLongBackoffCap() {
        REGISTRY.stubFor(get("/subjects").inScenario("down").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("still down"));
        REGISTRY.stubFor(get("/subjects").inScenario("down").whenScenarioStateIs("still down")
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        REGISTRY.stubFor(get("/subjects").inScenario("down").whenScenarioStateIs("up").willReturn(okJson("[\"prices-value\"]")));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, Integer.MAX_VALUE);
        config.put(SchemaRegistryClientConfig.RETRIES_WAIT_MS_CONFIG, 1);
        config.put(SchemaRegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG, 5000);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
        REGISTRY.verify(3, getRequestedFor(urlEqualTo("/subjects")));
    }

    @ParameterizedTest
    @ValueSource(ints = {501, 505, 507})
    void shouldThrowOtherServerErrorsAtOnceWithTheRegistrysCodeAndMessage(int status) {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(status).withHeader("Content-Type", JSON)
                .withBody("{\"error_code\":" + status + "01,\"message\":\"not here\"}")));
        SECOND.stubFor(get("/subjects").willReturn(okJson("[]")));
        try (CachedSchemaRegistryClient client = client(config(REGISTRY.baseUrl() + "," + SECOND.baseUrl()))) {
            assertThatThrownBy(client::getAllSubjects)
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(status);
                        assertThat(e.errorCode()).isEqualTo(status * 100 + 1);
                        assertThat(e.registryMessage()).isEqualTo("not here");
                    });
        }
        // Not transient: neither retried nor failed over.
        REGISTRY.verify(1, getRequestedFor(urlEqualTo("/subjects")));
        SECOND.verify(0, getRequestedFor(urlEqualTo("/subjects")));
    }

    /**
     * Confluent's client retries 500 (RestService.isRestClientExceptionRetriable: 408, 429, 500, 502, 503, 504), and
     * so do we; but a registry that keeps answering 500 has answered: its error is reported as such, with its code
     * and message, not as "unavailable".
     */
    @Test
    void shouldRetryA500AsConfluentDoesThenReportTheRegistrysError() {
        REGISTRY.stubFor(post("/subjects/prices-value/versions").willReturn(aResponse().withStatus(500).withHeader("Content-Type", JSON)
                .withBody("{\"error_code\":500,\"message\":\"Unrecognized field: schemaTyp\"}")));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 2);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThatThrownBy(() -> client.register("prices-value", PRICE_V1))
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(500);
                        assertThat(e.errorCode()).isEqualTo(500);
                        assertThat(e.registryMessage()).isEqualTo("Unrecognized field: schemaTyp");
                        assertThat(e.getMessage()).contains("3 attempt(s)").doesNotContain("unavailable");
                    });
        }
        REGISTRY.verify(3, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 502, 503, 504})
    void shouldRetryTransientStatusesAndReportThemAsUnavailable(int status) {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(status)));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 1);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThatThrownBy(client::getAllSubjects)
                    .isInstanceOfSatisfying(SchemaRegistryUnavailableException.class, e -> assertThat(e.httpStatus()).isEqualTo(status));
        }
        REGISTRY.verify(2, getRequestedFor(urlEqualTo("/subjects")));
    }

    /**
     * Timeouts no longer multiply by the rounds: the call's deadline is one read timeout per URL plus max.retries
     * backoff caps (here 400 + 50 x 20 ms), so a registry that never answers in time costs about that (1.4 s), not
     * 51 x 400 ms (20 s). Many retries, so that the bound leaves room for a loaded machine and is still far below that.
     */
    @Test
    void shouldGiveUpAtTheCallDeadlineInsteadOfTimingOutOnceMoreEveryRound() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]").withFixedDelay(1500)));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG, 400);
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 50);
        config.put(SchemaRegistryClientConfig.RETRIES_WAIT_MS_CONFIG, 10);
        config.put(SchemaRegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG, 20);
        long start = System.nanoTime();
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThatThrownBy(client::getAllSubjects)
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasCauseInstanceOf(HttpTimeoutException.class);
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(elapsedMs).isBetween(400L, 10_000L);
        // Each attempt but the last, cut at the deadline, waits out its 400 ms: 3 in 1.4 s, and the one cut.
        assertThat(REGISTRY.getAllServeEvents()).hasSizeLessThanOrEqualTo(4);
    }

    /**
     * The JDK's request timeout stops at the response headers; a registry or proxy that then dribbles the body would
     * hold the caller for as long as it likes. Here a raw socket sends the headers at once and one body byte every
     * 100 ms (4 s in all).
     */
    @Test
    void shouldCutAResponseWhoseBodyDribblesPastTheReadTimeout() throws Exception {
        String body = "[\"" + "a".repeat(36) + "\"]";
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread dribbler = new Thread(() -> {
                try (Socket socket = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        // request headers (GET: no body)
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: " + JSON + "\r\nContent-Length: " + body.length() + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    for (byte b : body.getBytes(StandardCharsets.US_ASCII)) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the client gave up and closed the connection
                }
            }, "dribbling-registry");
            dribbler.setDaemon(true);
            dribbler.start();
            Map<String, Object> config = config("http://127.0.0.1:" + server.getLocalPort());
            config.put(SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG, 300);
            config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
            long start = System.nanoTime();
            try (CachedSchemaRegistryClient client = client(config)) {
                assertThatThrownBy(client::getAllSubjects)
                        .isInstanceOf(SchemaRegistryUnavailableException.class)
                        .hasCauseInstanceOf(HttpTimeoutException.class);
            }
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2000);
        }
    }

    /**
     * Confluent's UrlList starts at a random URL, so a fleet of clients with the same URL list spreads over the registry
     * nodes; starting each at the first URL sent all of their traffic to one node.
     */
    @Test
    void shouldSpreadNewClientsOverTheUrlsWhenSeveralAreConfigured() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]")));
        SECOND.stubFor(get("/subjects").willReturn(okJson("[]")));
        Map<String, Object> config = config(REGISTRY.baseUrl() + "," + SECOND.baseUrl());
        int clients = 40;
        for (int i = 0; i < clients; i++) {
            try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config)) {
                client.getAllSubjects();
            }
        }
        int first = REGISTRY.findAll(getRequestedFor(urlEqualTo("/subjects"))).size();
        int second = SECOND.findAll(getRequestedFor(urlEqualTo("/subjects"))).size();
        // Each client asks once, at its random start; all 40 on one URL has a chance of 2 in 2^40.
        assertThat(first + second).isEqualTo(clients);
        assertThat(first).isPositive();
        assertThat(second).isPositive();
    }

    @Test
    void shouldStartAtTheChosenUrlAndStickToItWhenItAnswers() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]")));
        SECOND.stubFor(get("/subjects").willReturn(okJson("[\"prices-value\"]")));
        Map<String, Object> config = config(REGISTRY.baseUrl() + "," + SECOND.baseUrl());
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(new SchemaRegistryClientConfig(config), size -> 1)) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
        REGISTRY.verify(0, getRequestedFor(urlEqualTo("/subjects")));
        SECOND.verify(2, getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void shouldFailOverToNextUrlOnConnectionRefused() {
        SECOND.stubFor(get("/subjects").willReturn(okJson("[\"prices-value\"]")));
        Map<String, Object> config = config("http://127.0.0.1:" + TestSchemas.deadPort() + "," + SECOND.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
    }

    @Test
    void shouldFailOverOn500AndStickToTheUrlThatAnswered() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(500)
                .withBody("{\"error_code\":50001,\"message\":\"Error in the backend data store\"}")));
        SECOND.stubFor(get("/subjects").willReturn(okJson("[\"prices-value\"]")));
        Map<String, Object> config = config(REGISTRY.baseUrl() + "," + SECOND.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
        REGISTRY.verify(1, getRequestedFor(urlEqualTo("/subjects")));
        SECOND.verify(2, getRequestedFor(urlEqualTo("/subjects")));
    }

    /**
     * A 4xx is an answer from a live registry: as Confluent's UrlList (which moves only on an I/O failure), the next
     * call starts at the URL that gave it, not at the one that failed before it.
     */
    @Test
    void shouldStartTheNextCallAtTheUrlThatAnsweredWhenItsAnswerWasA4xx() {
        REGISTRY.stubFor(get(urlPathMatching("/subjects.*")).willReturn(aResponse().withStatus(503)));
        SECOND.stubFor(get("/subjects/missing/versions").willReturn(aResponse().withStatus(404)
                .withBody("{\"error_code\":40401,\"message\":\"Subject 'missing' not found.\"}")));
        SECOND.stubFor(get("/subjects").willReturn(okJson("[\"prices-value\"]")));
        Map<String, Object> config = config(REGISTRY.baseUrl() + "," + SECOND.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThatThrownBy(() -> client.getAllVersions("missing"))
                    .isInstanceOfSatisfying(SchemaRegistryException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
        REGISTRY.verify(1, getRequestedFor(urlPathMatching("/subjects.*")));
    }

    /**
     * A proxy or load balancer in front of one URL that answers 200 with its own HTML page is no registry: Confluent's
     * client fails over on the parse error (an IOException there). Thrown at once, every call failed on that URL
     * although the next one answered.
     */
    @Test
    void shouldFailOverToNextUrlWhenAUrlAnswers200WithABodyThatIsNotJson() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/html")
                .withBody("<html><body>Please log in</body></html>")));
        SECOND.stubFor(get("/subjects").willReturn(okJson("[\"prices-value\"]")));
        Map<String, Object> config = config(REGISTRY.baseUrl() + "," + SECOND.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
        REGISTRY.verify(1, getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void shouldReportTheBodyWhenEveryUrlAnswers200WithABodyThatIsNotJson() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(200).withBody("<html><body>Please log in</body></html>")));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 1);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThatThrownBy(client::getAllSubjects)
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(200);
                        assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.NOT_FROM_REGISTRY);
                        assertThat(e.getMessage()).contains("not JSON", "Please log in", REGISTRY.baseUrl(), "2 attempt(s)");
                    });
        }
        REGISTRY.verify(2, getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void shouldSendBasicAuthFromUserInfo() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]")));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO");
        config.put(SchemaRegistryClientConfig.USER_INFO_CONFIG, "alice:s3cret");
        try (CachedSchemaRegistryClient client = client(config)) {
            client.getAllSubjects();
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", equalTo(basic("alice:s3cret"))));
    }

    @Test
    void shouldSendBasicAuthFromUrlCredentials() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]")));
        String url = REGISTRY.baseUrl().replace("http://", "http://bob:pa55word@");
        try (CachedSchemaRegistryClient client = client(config(url))) {
            client.getAllSubjects();
            assertThat(client.toString()).doesNotContain("pa55word").doesNotContain("bob");
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", equalTo(basic("bob:pa55word"))));
    }

    @Test
    void shouldSendDecodedPasswordFromPercentEncodedUrlCredentials() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]")));
        String url = REGISTRY.baseUrl().replace("http://", "http://bob:p%40ss%2Fw%23rd@");
        try (CachedSchemaRegistryClient client = client(config(url))) {
            client.getAllSubjects();
            assertThat(client.toString()).doesNotContain("bob", "p%40ss");
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", equalTo(basic("bob:p@ss/w#rd"))));
    }

    /** RFC 3986, not form decoding: a '+' in a URL's password is a '+' (Confluent's later URLDecoder makes it a space). */
    @Test
    void shouldKeepAPlusInUrlCredentialsWhenDecodingThem() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]")));
        String url = REGISTRY.baseUrl().replace("http://", "http://bob:a+b%2Bc@");
        try (CachedSchemaRegistryClient client = client(config(url))) {
            client.getAllSubjects();
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", equalTo(basic("bob:a+b+c"))));
    }

    @Test
    void shouldSendNoAuthorizationByDefault() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]")));
        try (CachedSchemaRegistryClient client = client()) {
            client.getAllSubjects();
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", absent()));
    }

    @Test
    void shouldSendBearerTokenAndConfluentCloudHeaders() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]")));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_CREDENTIALS_SOURCE_CONFIG, "STATIC_TOKEN");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_TOKEN_CONFIG, "tok-123");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_LOGICAL_CLUSTER_CONFIG, "lsrc-1");
        try (CachedSchemaRegistryClient client = client(config)) {
            client.getAllSubjects();
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/subjects"))
                .withHeader("Authorization", equalTo("Bearer tok-123"))
                .withHeader("target-sr-cluster", equalTo("lsrc-1")));
    }

    @Test
    void shouldTimeOutSlowRegistry() {
        REGISTRY.stubFor(get("/subjects").willReturn(okJson("[]").withFixedDelay(3000)));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG, 200);
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        long start = System.nanoTime();
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThatThrownBy(client::getAllSubjects)
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasCauseInstanceOf(HttpTimeoutException.class);
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2500);
    }

    @Test
    void shouldKeepCredentialsOutOfExceptionMessages() {
        String url = "http://carol:t0psecret@127.0.0.1:" + TestSchemas.deadPort();
        Map<String, Object> config = config(url);
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        try (CachedSchemaRegistryClient client = client(config)) {
            assertThatThrownBy(client::getAllSubjects)
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .satisfies(e -> assertThat(e.getMessage()).contains("127.0.0.1").doesNotContain("t0psecret").doesNotContain("carol"));
            assertThat(client.toString()).doesNotContain("t0psecret");
        }
    }

    @Test
    void shouldKeepSecretsOutOfConfigToString() {
        Map<String, Object> config = config("http://dave:urlsecret@localhost:8081");
        config.put(SchemaRegistryClientConfig.BEARER_AUTH_TOKEN_CONFIG, "tokensecret");
        config.put(SchemaRegistryClientConfig.USER_INFO_CONFIG, "erin:infosecret");
        // Basic-from-URL plus a bearer token is refused; the refusal must not echo secrets either.
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(config))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("urlsecret", "tokensecret", "infosecret"));
        config.remove(SchemaRegistryClientConfig.BEARER_AUTH_TOKEN_CONFIG);
        String text = new SchemaRegistryClientConfig(config).toString();
        assertThat(text).contains("localhost:8081").doesNotContain("urlsecret", "infosecret", "dave");
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldEvictBeyondMaxSchemasPerSubject() {
        REGISTRY.stubFor(post("/subjects/prices-value/versions").willReturn(okJson("{\"id\":7}")));
        Map<String, Object> config = config(REGISTRY.baseUrl());
        config.put(SchemaRegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT_CONFIG, 1);
        try (CachedSchemaRegistryClient client = client(config)) {
            client.register("prices-value", PRICE_V1);
            client.register("prices-value", PRICE_V2);
            client.register("prices-value", PRICE_V1);
        }
        // Capacity 1: V2 evicted V1, so V1 had to be asked for again.
        REGISTRY.verify(3, postRequestedFor(urlEqualTo("/subjects/prices-value/versions")));
    }
}
