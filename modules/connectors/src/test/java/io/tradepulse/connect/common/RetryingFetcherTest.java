package io.tradepulse.connect.common;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 304 Not Modified is an answer: handed back at once, neither retried nor followed like a redirect. */
class RetryingFetcherTest {
  @TempDir Path dir;
  WireMockServer wm;

  @BeforeEach
  void startServer() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
  }

  @AfterEach
  void stopServer() {
    wm.stop();
  }

  static RetryingFetcher retrying(PageFetcher f, IngestMetrics metrics) {
    return new RetryingFetcher(f, Throttle.NONE, new Backoff(Duration.ofMillis(1), Duration.ofMillis(5), 3),
        d -> { }, metrics);
  }

  @Test
  void shouldStopRetryingOnceTheTaskIsStopping() {
    AtomicInteger calls = new AtomicInteger();
    Sleeper.StopSignal stop = new Sleeper.StopSignal();
    PageFetcher unavailable = (uri, headers) -> {
      calls.incrementAndGet();
      stop.stop(); // the task is stopped while the first attempt runs
      return new HttpPage(503, null, Optional.empty(), HttpValidators.NONE);
    };
    RetryingFetcher fetcher = new RetryingFetcher(unavailable, Throttle.NONE,
        new Backoff(Duration.ofMinutes(1), Duration.ofMinutes(5), 10), stop, new IngestMetrics());
    assertThatThrownBy(() -> fetcher.fetch(URI.create("http://x/t"), Map.of(), "x"))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("stopping");
    assertThat(calls.get()).as("no attempt after the stop").isEqualTo(1);
  }

  @Test
  void shouldReturnA304AtOnceWithoutRetryingIt() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    IngestMetrics metrics = new IngestMetrics();
    PageFetcher notModified = (uri, headers) -> {
      calls.incrementAndGet();
      return new HttpPage(304, null, Optional.empty(), new HttpValidators("\"v1\"", null));
    };
    Path target = dir.resolve("body");
    HttpPage page = retrying(notModified, metrics).fetchToFile(URI.create("http://x/t.csv"), Map.of(), "x", target);
    assertThat(page.status()).isEqualTo(304);
    assertThat(page.validators()).as("carried through the default fetchToFile").isEqualTo(
        new HttpValidators("\"v1\"", null));
    assertThat(calls.get()).isEqualTo(1);
    assertThat(metrics.retries()).isZero();
    assertThat(Files.size(target)).isZero();
  }

  @Test
  void shouldHandBackTheServersValidatorsAndItsNotModifiedAnswerOverHttp() throws Exception {
    wm.stubFor(get(urlPathEqualTo("/t.csv")).withHeader("If-None-Match", equalTo("\"v1\""))
        .willReturn(aResponse().withStatus(304).withHeader("ETag", "\"v1\"")));
    wm.stubFor(get(urlPathEqualTo("/t.csv")).atPriority(10)
        .willReturn(aResponse().withStatus(200).withHeader("ETag", "\"v1\"").withBody("a,b\n1,2\n")));
    IngestMetrics metrics = new IngestMetrics();
    RetryingFetcher f = retrying(new JdkPageFetcher(Duration.ofSeconds(5)), metrics);
    URI uri = URI.create(wm.baseUrl() + "/t.csv");

    HttpPage full = f.fetch(uri, Map.of(), "t.csv");
    assertThat(full.status()).isEqualTo(200);
    assertThat(full.validators().etag()).isEqualTo("\"v1\"");

    Path target = Files.writeString(dir.resolve("body"), "an earlier, longer body");
    HttpPage again = f.fetchToFile(uri, full.validators().conditionalHeaders(), "t.csv", target);
    assertThat(again.status()).isEqualTo(304);
    assertThat(again.validators().etag()).isEqualTo("\"v1\"");
    assertThat(Files.size(target)).as("no body").isZero();
    assertThat(metrics.fetches()).isEqualTo(2);
    assertThat(metrics.retries()).isZero();
    assertThat(wm.getAllServeEvents()).hasSize(2);
  }

  /** A 429 as Azure API Management's rate-limit policy sends it, without Retry-After, then the answer. */
  void stubRateLimitedOnce(String message) {
    wm.stubFor(get(urlPathEqualTo("/data")).inScenario("rl").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(429).withHeader("Content-Type", "application/json")
            .withBody("{ \"statusCode\": 429, \"message\": \"" + message + "\" }"))
        .willSetStateTo("ok"));
    wm.stubFor(get(urlPathEqualTo("/data")).inScenario("rl").whenScenarioStateIs("ok")
        .willReturn(aResponse().withStatus(200).withBody("{\"count\":0,\"data\":[]}")));
  }

  @Test
  void shouldWaitAsLongAsA429WithoutRetryAfterSaysInItsBody() throws Exception {
    stubRateLimitedOnce("Rate limit is exceeded. Try again in 2 seconds.");
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = new RetryingFetcher(new JdkPageFetcher(Duration.ofSeconds(5)), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofSeconds(60), 3), waits::add, new IngestMetrics());

    // To a file, as the tasks fetch: the hint is in the file the 429's body went to.
    HttpPage page = f.fetchToFile(URI.create(wm.baseUrl() + "/data"), Map.of(), "data", dir.resolve("body"));

    assertThat(page.status()).isEqualTo(200);
    assertThat(waits).containsExactly(Duration.ofSeconds(2));
  }

  @Test
  void shouldWaitAtMostTheBackoffMaximumWhateverA429sBodySays() throws Exception {
    stubRateLimitedOnce("Rate limit is exceeded. Try again in 3600 seconds.");
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = new RetryingFetcher(new JdkPageFetcher(Duration.ofSeconds(5)), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofSeconds(60), 3), waits::add, new IngestMetrics());

    HttpPage page = f.fetch(URI.create(wm.baseUrl() + "/data"), Map.of(), "data");

    assertThat(page.status()).isEqualTo(200);
    assertThat(waits).containsExactly(Duration.ofSeconds(60));
  }
}
