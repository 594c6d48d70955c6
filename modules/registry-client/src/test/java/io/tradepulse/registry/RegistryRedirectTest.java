package io.tradepulse.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tradepulse.registry.TestSchemas.PRICE_V1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

/**
 * Redirects, as Confluent's RestService (HttpURLConnection, followRedirects on) treats them: the reference in test
 * scope (Confluent 7.5.3, run on JDK 17 against an HttpServer) follows 300-303 and 307 to the same scheme, keeps the
 * method (but turns a POST into a bodiless GET on anything but 307), drops the Authorization header once a hop leads
 * to another host or port, and gives up after 20 requests.
 */
class RegistryRedirectTest {

    @RegisterExtension
    static final WireMockExtension REGISTRY = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    /** Another port: another destination, as HttpURLConnection's sameDestination sees it. */
    @RegisterExtension
    static final WireMockExtension OTHER = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGISTER = "/subjects/prices-value/versions";

    private static Map<String, Object> config(String urls) {
        Map<String, Object> config = new HashMap<>();
        config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, urls);
        config.put(SchemaRegistryClientConfig.RETRIES_WAIT_MS_CONFIG, 10);
        config.put(SchemaRegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG, 50);
        config.put(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG, 0);
        config.put(SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO");
        config.put(SchemaRegistryClientConfig.USER_INFO_CONFIG, "alice:s3cret");
        return config;
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void shouldFollowARedirectOfAGetWithItsCredentialsWhenItStaysOnTheSameHost(int status) {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(status).withHeader("Location", "/registry/subjects")));
        REGISTRY.stubFor(get("/registry/subjects").willReturn(okJson("[\"prices-value\"]")));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/registry/subjects")).withHeader("Authorization", equalTo(basic("alice:s3cret"))));
    }

    @Test
    void shouldKeepTheLocationsEscapesWhenItsFragmentIsDropped() {
        // A fragment is never sent; the rest of the Location must go out as the registry wrote it: "%2F" is a slash
        // inside a subject name, not a path separator (re-escaped, it became "%252F", a subject that does not exist).
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(302)
                .withHeader("Location", "/registry/a%2Fb/subjects#top")));
        REGISTRY.stubFor(get(urlEqualTo("/registry/a%2Fb/subjects")).willReturn(okJson("[\"prices-value\"]")));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
    }

    @Test
    void shouldFollowARedirectToAnotherHostWithoutTheCredentialsWhenAGetIsRedirected() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(302).withHeader("Location", OTHER.baseUrl() + "/subjects")));
        OTHER.stubFor(get("/subjects").willReturn(okJson("[\"prices-value\"]")));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", equalTo(basic("alice:s3cret"))));
        OTHER.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", absent()));
    }

    @Test
    void shouldNotSendTheCredentialsBackOnceARedirectLeftTheHostWhenItRedirectsBack() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(302).withHeader("Location", OTHER.baseUrl() + "/hop")));
        OTHER.stubFor(get("/hop").willReturn(aResponse().withStatus(302).withHeader("Location", REGISTRY.baseUrl() + "/back")));
        REGISTRY.stubFor(get("/back").willReturn(okJson("[]")));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThat(client.getAllSubjects()).isEmpty();
        }
        REGISTRY.verify(getRequestedFor(urlEqualTo("/back")).withHeader("Authorization", absent()));
    }

    @ParameterizedTest
    @ValueSource(ints = {307, 308})
    void shouldResendAPostWithItsBodyAndHeadersWhenRedirectedWith307Or308(int status) throws Exception {
        REGISTRY.stubFor(post(REGISTER).willReturn(aResponse().withStatus(status).withHeader("Location", "/registry" + REGISTER)));
        REGISTRY.stubFor(post("/registry" + REGISTER).willReturn(okJson("{\"id\":7}")));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThat(client.register("prices-value", PRICE_V1)).isEqualTo(7);
        }
        REGISTRY.verify(postRequestedFor(urlEqualTo("/registry" + REGISTER))
                .withHeader("Authorization", equalTo(basic("alice:s3cret")))
                .withHeader("Content-Type", equalTo(RestTransport.CONTENT_TYPE))
                .withRequestBody(equalToJson(MAPPER.writeValueAsString(Map.of("schema", PRICE_V1.toString())))));
    }

    /**
     * The reference turns the POST into a GET without body or headers; for this protocol that is never the intended
     * operation (a register becomes a read of the subject's versions), so it is refused with the redirect's status.
     */
    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303})
    void shouldRefuseToTurnARedirectedPostIntoAGetWhenRedirectedWith301To303(int status) {
        REGISTRY.stubFor(post(REGISTER).willReturn(aResponse().withStatus(status).withHeader("Location", "/registry" + REGISTER)));
        REGISTRY.stubFor(get("/registry" + REGISTER).willReturn(okJson("[1]")));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThatThrownBy(() -> client.register("prices-value", PRICE_V1))
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(status);
                        assertThat(e.getMessage()).contains("/registry" + REGISTER, "not followed");
                    });
        }
        REGISTRY.verify(0, getRequestedFor(urlEqualTo("/registry" + REGISTER)));
    }

    @Test
    void shouldNotFollowARedirectWhenItChangesTheScheme() {
        String https = REGISTRY.baseUrl().replace("http://", "https://") + "/subjects";
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(301).withHeader("Location", https)));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThatThrownBy(client::getAllSubjects)
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(301));
        }
        REGISTRY.verify(1, anyRequestedFor(anyUrl()));
    }

    /**
     * A registry moved to https behind a proxy answers 301 to https: not followed (as HttpURLConnection does not), and
     * the error said only "HTTP 301", not where to. Any credentials in the Location are cut, as from every URL shown.
     */
    @Test
    void shouldNameTheStatusAndTheLocationWithoutItsCredentialsWhenARedirectToAnotherSchemeIsNotFollowed() {
        String https = REGISTRY.baseUrl().replace("http://", "https://bob:hunter2@") + "/subjects";
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(301).withHeader("Location", https)));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThatThrownBy(client::getAllSubjects)
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("HTTP 301 redirect to " + REGISTRY.baseUrl().replace("http://", "https://")
                            + "/subjects not followed: it changes the scheme (http to https)")
                    .hasMessageContaining(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG)
                    .hasMessageNotContaining("bob")
                    .hasMessageNotContaining("hunter2");
        }
    }

    @Test
    void shouldSayTheRedirectHasNoLocationWhenA3xxComesWithout() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(302)));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThatThrownBy(client::getAllSubjects)
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("HTTP 302 without a Location");
        }
    }

    /** A Location the HTTP client cannot send to is no redirect to follow: the 3xx is the answer, as a registry error. */
    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:99999/subjects", "http://exa mple/subjects", "http:///subjects", "http://:80/x"})
    void shouldReportTheRedirectAsTheAnswerWhenItsLocationIsUnusable(String location) {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(302).withHeader("Location", location)));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThatThrownBy(client::getAllSubjects)
                    .isExactlyInstanceOf(SchemaRegistryException.class)
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(302))
                    .hasMessageContaining("HTTP 302 redirect to " + location.trim() + " not followed");
        }
    }

    @Test
    void shouldGiveUpAsUnavailableAfterTwentyRequestsWhenRedirectsLoop() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(302).withHeader("Location", "/subjects")));
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(config(REGISTRY.baseUrl()))) {
            assertThatThrownBy(client::getAllSubjects)
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageContaining("redirected too many times")
                    .hasMessageContaining("last with HTTP 302 to " + REGISTRY.baseUrl() + "/subjects");
        }
        REGISTRY.verify(20, getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void shouldFailOverToTheNextUrlWhenRedirectsLoop() {
        REGISTRY.stubFor(get("/subjects").willReturn(aResponse().withStatus(302).withHeader("Location", "/subjects")));
        OTHER.stubFor(get("/subjects").willReturn(okJson("[\"prices-value\"]")));
        // Pinned to start at the looping URL: a random start at OTHER would not test the fail-over.
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(
                new SchemaRegistryClientConfig(config(REGISTRY.baseUrl() + "," + OTHER.baseUrl())), size -> 0)) {
            assertThat(client.getAllSubjects()).containsExactly("prices-value");
        }
    }
}
