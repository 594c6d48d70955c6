package io.tradepulse.connect.common;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Redirects: the JDK client's own policy (Redirect.NORMAL) sends every header of the request to wherever a redirect
 * points, Comtrade's subscription key included, also to another host. The same server reached as 127.0.0.1 and as
 * localhost is two origins here.
 */
class JdkPageFetcherRedirectTest {
  private static final String KEY = "Ocp-Apim-Subscription-Key";
  private WireMockServer wm;
  private final JdkPageFetcher fetcher = new JdkPageFetcher(Duration.ofSeconds(5));

  @BeforeEach
  void startServer() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    wm.stubFor(get(urlPathEqualTo("/target")).willReturn(aResponse().withStatus(200).withBody("{\"data\":[]}")));
  }

  @AfterEach
  void stopServer() {
    wm.stop();
  }

  private URI at(String host, String path) {
    return URI.create("http://" + host + ":" + wm.port() + path);
  }

  private void redirect(String from, int status, String location) {
    wm.stubFor(get(urlPathEqualTo(from)).willReturn(aResponse().withStatus(status).withHeader("Location", location)));
  }

  @Test
  void shouldNotSendTheCallersHeadersButAcceptToAnotherOriginARedirectPointsAt() throws Exception {
    redirect("/start", 302, at("localhost", "/target").toString());

    HttpPage page = fetcher.fetch(at("127.0.0.1", "/start"), Map.of(KEY, "s3cret", "Accept", "application/json"));

    assertThat(page.status()).isEqualTo(200);
    assertThat(new String(page.body(), StandardCharsets.UTF_8)).isEqualTo("{\"data\":[]}");
    wm.verify(getRequestedFor(urlPathEqualTo("/target")).withHeader(KEY, absent())
        .withHeader("Accept", equalTo("application/json")).withHeader("Host", equalTo("localhost:" + wm.port())));
  }

  @Test
  void shouldKeepTheCallersHeadersOnARedirectWithinTheSameOrigin() throws Exception {
    redirect("/start", 307, "/target");

    HttpPage page = fetcher.fetch(at("127.0.0.1", "/start"), Map.of(KEY, "s3cret"));

    assertThat(page.status()).isEqualTo(200);
    wm.verify(getRequestedFor(urlPathEqualTo("/target")).withHeader(KEY, equalTo("s3cret")));
  }

  /** Once the key has been dropped it stays dropped, also when a later redirect points back. */
  @Test
  void shouldNotSendTheKeyAgainWhenALaterRedirectPointsBackToTheFirstOrigin() throws Exception {
    redirect("/start", 301, at("localhost", "/middle").toString());
    redirect("/middle", 302, at("127.0.0.1", "/target").toString());

    assertThat(fetcher.fetch(at("127.0.0.1", "/start"), Map.of(KEY, "s3cret")).status()).isEqualTo(200);

    wm.verify(getRequestedFor(urlPathEqualTo("/middle")).withHeader(KEY, absent()));
    wm.verify(getRequestedFor(urlPathEqualTo("/target")).withHeader(KEY, absent()));
  }

  /** As the JDK's policy: a bounded number of redirects, then the last redirect is the answer. */
  @Test
  void shouldAnswerTheRedirectItselfAfterTooManyRedirects() throws Exception {
    redirect("/loop", 302, "/loop");

    assertThat(fetcher.fetch(at("127.0.0.1", "/loop"), Map.of()).status()).isEqualTo(302);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://bad host/x y", "http:///nohost"})
  void shouldFailWithAnIoErrorWhenTheLocationIsNoUriToFetch(String location) {
    redirect("/start", 302, location);

    assertThatThrownBy(() -> fetcher.fetch(at("127.0.0.1", "/start"), Map.of())).isInstanceOf(IOException.class)
        .hasMessageContaining("redirects to");
  }

  /** As Redirect.NORMAL: not from HTTPS to HTTP, nor to another scheme; the redirect itself is the answer. */
  @Test
  void shouldAnswerTheRedirectItselfWhenItPointsToAnotherScheme() throws Exception {
    redirect("/start", 302, "ftp://127.0.0.1/x");

    assertThat(fetcher.fetch(at("127.0.0.1", "/start"), Map.of()).status()).isEqualTo(302);
  }
}
