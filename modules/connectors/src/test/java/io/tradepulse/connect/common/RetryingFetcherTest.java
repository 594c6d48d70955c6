package io.tradepulse.connect.common;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.tradepulse.connect.common.TradeSourceConfig.LongRetryAfter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.MutableClock;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.tradepulse.connect.LogCapture;
import io.tradepulse.connect.TaskHarness;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /** The client's clock where the test does not care: fixed, so a wait counted from it is exactly what was asked. */
  static final Clock NOW = Clock.fixed(Instant.parse("2026-11-30T07:00:00Z"), ZoneOffset.UTC);

  static RetryingFetcher retrying(PageFetcher f, IngestMetrics metrics) {
    return new RetryingFetcher(f, Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofMillis(5), 3, Duration.ofDays(1), WAIT), d -> { }, NOW, metrics);
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
        new Backoff(Duration.ofMinutes(1), Duration.ofMinutes(5), 10, Duration.ofDays(1), WAIT), stop, NOW,
        new IngestMetrics());
    assertThatThrownBy(() -> fetcher.fetch(URI.create("http://x/t"), Map.of(), "x"))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("stopping");
    assertThat(calls.get()).as("no attempt after the stop").isEqualTo(1);
  }

  /**
   * A stop during the throttle's wait (http.min.interval.ms) ends the wait at once, and then no call is made: the
   * call went out all the same (a call of Comtrade's daily quota, its answer thrown away) whenever the fetcher itself
   * was not stopped yet, as TradeSourceTask#stop stops it only after the stop signal.
   */
  @Test
  void shouldNotCallOnceTheTaskStopsDuringTheThrottlesWait() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Sleeper.StopSignal stop = new Sleeper.StopSignal();
    PageFetcher ok = (uri, headers) -> {
      calls.incrementAndGet();
      return new HttpPage(200, new byte[] {'{', '}'}, Optional.empty(), HttpValidators.NONE);
    };
    RetryingFetcher fetcher = new RetryingFetcher(ok, new MinIntervalThrottle(Duration.ofHours(1), stop),
        new Backoff(Duration.ofMinutes(1), Duration.ofMinutes(5), 10, Duration.ofDays(1), WAIT), stop, NOW,
        new IngestMetrics());
    URI uri = URI.create("http://x/t");
    assertThat(fetcher.fetch(uri, Map.of(), "x").status()).isEqualTo(200);
    Thread stopper = new Thread(() -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      stop.stop();
    });
    stopper.start();
    long start = System.nanoTime();

    assertThatThrownBy(() -> fetcher.fetch(uri, Map.of(), "x")).isInstanceOf(RetriableException.class)
        .hasMessageContaining("stopping");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the hour not waited")
        .isLessThan(Duration.ofSeconds(30));
    assertThat(calls.get()).as("no call after the stop").isEqualTo(1);
    stopper.join();
  }

  /**
   * The JDK's HttpClient fails a host name that does not resolve, and a refused connection, with a ConnectException
   * whose message and causes' messages are null: each retry's WARN said "ConnectException: null". It now says what
   * happened, over the real HTTP client ({@code .invalid} never resolves, RFC 6761; nothing listens on port 1).
   */
  @Test
  void shouldSayTheHostDoesNotResolveOrRefusedInsteadOfNullWhenTheConnectionFails() {
    RetryingFetcher f = retrying(new JdkPageFetcher(Duration.ofSeconds(5)), new IngestMetrics());
    try (LogCapture log = new LogCapture()) {
      assertThatThrownBy(() -> f.fetch(URI.create("http://no-such-host.invalid/data"), Map.of(), "data"))
          .isInstanceOf(RetriableException.class)
          .hasMessageContaining("ConnectException: the host name does not resolve");
      assertThatThrownBy(() -> f.fetch(URI.create("http://127.0.0.1:1/data"), Map.of(), "data"))
          .isInstanceOf(RetriableException.class)
          .hasMessageContaining("ConnectException (ClosedChannelException: the connection was refused or closed)");
      assertThat(log.warnings()).isNotEmpty().noneMatch(w -> w.contains("null"));
    }
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
        new Backoff(Duration.ofMillis(1), Duration.ofSeconds(60), 3, Duration.ofDays(1), WAIT), waits::add, NOW,
        new IngestMetrics());

    // To a file, as the tasks fetch: the hint is in the file the 429's body went to.
    HttpPage page = f.fetchToFile(URI.create(wm.baseUrl() + "/data"), Map.of(), "data", dir.resolve("body"));

    assertThat(page.status()).isEqualTo(200);
    assertThat(waits).containsExactly(Duration.ofSeconds(2));
  }

  /** Longer than http.backoff.max.ms, and waited all the same: a call sooner is one the gateway refuses again. */
  @Test
  void shouldWaitAsLongAsA429sBodySaysEvenBeyondTheBackoffMaximum() throws Exception {
    stubRateLimitedOnce("Rate limit is exceeded. Try again in 3600 seconds.");
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = new RetryingFetcher(new JdkPageFetcher(Duration.ofSeconds(5)), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofSeconds(60), 3, Duration.ofDays(1), WAIT), waits::add, NOW,
        new IngestMetrics());

    HttpPage page = f.fetch(URI.create(wm.baseUrl() + "/data"), Map.of(), "data");

    assertThat(page.status()).isEqualTo(200);
    assertThat(waits).containsExactly(Duration.ofHours(1));
  }

  // Retry-After as an HTTP-date (RFC 9110 10.2.3), as gateways and CDNs in front of an API send it. The client's clock
  // is set years away from the server's Date in these tests: a wait counted from the client's clock, not the Date,
  // would come out as 0 (or the cap), and a date not read at all as the 1 ms backoff.

  /** The server's clock in these tests, and its Date header. */
  static final String SERVER_DATE = "Wed, 21 Oct 2015 07:26:00 GMT";
  /** A client clock far from the server's. */
  static final Clock SKEWED_CLIENT = Clock.fixed(Instant.parse("2026-11-30T07:00:00Z"), ZoneOffset.UTC);

  /** A 429 or 5xx built by {@code failure}, then the answer. */
  void stubFailingOnce(ResponseDefinitionBuilder failure) {
    wm.stubFor(get(urlPathEqualTo("/data")).inScenario("ra").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(failure).willSetStateTo("ok"));
    wm.stubFor(get(urlPathEqualTo("/data")).inScenario("ra").whenScenarioStateIs("ok")
        .willReturn(aResponse().withStatus(200).withBody("{\"count\":0,\"data\":[]}")));
  }

  /** The waits before each retry of one fetch of /data, with a 1 ms initial backoff and a 10 min maximum. */
  List<Duration> waitsOfOneFetch(Clock clientClock) throws Exception {
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = new RetryingFetcher(new JdkPageFetcher(Duration.ofSeconds(5), 0, clientClock), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofMinutes(10), 3, Duration.ofDays(1), WAIT), waits::add,
        clientClock, new IngestMetrics());
    HttpPage page = f.fetchToFile(URI.create(wm.baseUrl() + "/data"), Map.of(), "data", dir.resolve("body"));
    assertThat(page.status()).isEqualTo(200);
    return waits;
  }

  @Test
  void shouldWaitUntilTheRetryAfterDateCountedFromTheResponsesDateWhenA503GivesADate() throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Date", SERVER_DATE)
        .withHeader("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"));

    assertThat(waitsOfOneFetch(SKEWED_CLIENT)).containsExactly(Duration.ofMinutes(2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Wednesday, 21-Oct-15 07:28:00 GMT", "Wed Oct 21 07:28:00 2015"})
  void shouldReadTheObsoleteRfc850AndAsctimeDatesWhenA429GivesOne(String retryAfter) throws Exception {
    stubFailingOnce(aResponse().withStatus(429).withHeader("Date", SERVER_DATE).withHeader("Retry-After", retryAfter));

    assertThat(waitsOfOneFetch(SKEWED_CLIENT)).containsExactly(Duration.ofMinutes(2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "yesterday"})
  void shouldCountTheRetryAfterDateFromTheClockWhenTheResponseHasNoReadableDate(String date) throws Exception {
    Instant now = Instant.parse("2026-11-30T07:00:00Z");
    ResponseDefinitionBuilder unavailable = aResponse().withStatus(503)
        .withHeader("Retry-After", "Mon, 30 Nov 2026 07:00:45 GMT");
    stubFailingOnce(date.isEmpty() ? unavailable : unavailable.withHeader("Date", date));

    assertThat(waitsOfOneFetch(Clock.fixed(now, ZoneOffset.UTC))).containsExactly(Duration.ofSeconds(45));
  }

  @Test
  void shouldRetryAtOnceWhenTheRetryAfterDateIsAlreadyPast() throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Date", SERVER_DATE)
        .withHeader("Retry-After", "Wed, 21 Oct 2015 07:25:00 GMT"));

    assertThat(waitsOfOneFetch(SKEWED_CLIENT)).containsExactly(Duration.ZERO);
  }

  @Test
  void shouldWaitUntilTheRetryAfterDateEvenWhenItIsBeyondTheBackoffMaximum() throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Date", SERVER_DATE)
        .withHeader("Retry-After", "Wed, 21 Oct 2015 09:26:00 GMT"));

    assertThat(waitsOfOneFetch(SKEWED_CLIENT)).containsExactly(Duration.ofHours(2));
  }

  /** A fetcher giving up after its first attempt (http.max.retries=0), waiting through {@code waits}. */
  RetryingFetcher noRetries(List<Duration> waits, Duration retryAfterMax) {
    return new RetryingFetcher(new JdkPageFetcher(Duration.ofSeconds(5), 0, NOW), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofMinutes(1), 0, retryAfterMax, WAIT), waits::add, NOW,
        new IngestMetrics());
  }

  /**
   * The worker polls again at once after the RetriableException: the next call to the server that asked for an hour,
   * in a later fetch, still waits for it; another server (here the same WireMock under another host name, which is
   * another origin) is not held up by it.
   */
  @Test
  void shouldWaitForAServersRetryAfterInALaterFetchOnceRetriesRanOutButNotForAnotherServer() throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Retry-After", "3600"));
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = noRetries(waits, Duration.ofDays(1));
    URI data = URI.create("http://localhost:" + wm.port() + "/data");

    try (LogCapture log = new LogCapture()) {
      assertThatThrownBy(() -> f.fetch(data, Map.of(), "data")).isInstanceOf(RetriableException.class)
          .hasMessageContaining("HTTP 503").hasMessageContaining("3600 s")
          .hasMessageContaining("not calling http://localhost:" + wm.port() + " again before 2026-11-30T08:00:00Z");
      assertThat(log.warnings()).filteredOn(w -> w.contains("3600 s")).singleElement().asString()
          .contains("2026-11-30T08:00:00Z").contains("http.backoff.max.ms");
    }
    assertThat(waits).isEmpty();

    HttpPage other = f.fetch(URI.create("http://127.0.0.1:" + wm.port() + "/other"), Map.of(), "other");
    assertThat(other.status()).as("WireMock's 404: called, not held up").isEqualTo(404);
    assertThat(waits).isEmpty();

    assertThat(f.fetch(data, Map.of(), "data").status()).isEqualTo(200);
    assertThat(waits).as("the hour the server asked, before calling it again").containsExactly(Duration.ofHours(1));
  }

  /**
   * A location task's fetcher ({@code PUT_OFF}) does not sleep through a wait beyond http.backoff.max.ms: the call that
   * heard it, whatever retries are left, and every later call to that server before the time, throw at once with the
   * time, without calling it; another server is called; once the time has come, the server is called again.
   */
  @Test
  void shouldThrowTheTimeInsteadOfWaitingForAServersLongRetryAfterWhenLongWaitsArePutOff() throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Retry-After", "3600"));
    List<Duration> waits = new CopyOnWriteArrayList<>();
    MutableClock clock = new MutableClock(Instant.parse("2026-11-30T07:00:00Z"));
    IngestMetrics metrics = new IngestMetrics();
    RetryingFetcher f = new RetryingFetcher(new JdkPageFetcher(Duration.ofSeconds(5), 0, clock), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofMinutes(1), 3, Duration.ofDays(1), WAIT), waits::add, clock,
        metrics, RetryingFetcher.LongWaits.PUT_OFF);
    String server = "http://localhost:" + wm.port();
    URI data = URI.create(server + "/data");
    Instant eight = Instant.parse("2026-11-30T08:00:00Z");

    try (LogCapture log = new LogCapture()) {
      assertThatThrownBy(() -> f.fetch(data, Map.of(), "data")).isInstanceOf(ServerWaitException.class)
          .isInstanceOf(RetriableException.class).hasMessageContaining("HTTP 503 from data")
          .hasMessageContaining("3600 s").hasMessageContaining("not calling " + server + " again before " + eight)
          .satisfies(e -> {
            assertThat(((ServerWaitException) e).callAgainAt()).isEqualTo(eight);
            assertThat(((ServerWaitException) e).server()).isEqualTo(server);
          });
      assertThat(log.warnings()).filteredOn(w -> w.contains("3600 s")).singleElement().asString()
          .contains(eight.toString()).contains("put off");
    }
    assertThat(wm.getAllServeEvents()).as("not retried: each retry would come after the hour").hasSize(1);

    clock.advance(Duration.ofMinutes(59));
    assertThatThrownBy(() -> f.fetch(URI.create(server + "/other"), Map.of(), "other"))
        .isInstanceOf(ServerWaitException.class).hasMessageContaining("before " + eight)
        .satisfies(e -> assertThat(((ServerWaitException) e).callAgainAt()).isEqualTo(eight));
    assertThat(wm.getAllServeEvents()).as("the same server: not called").hasSize(1);
    assertThat(f.fetch(URI.create("http://127.0.0.1:" + wm.port() + "/other"), Map.of(), "other").status())
        .as("another server: called").isEqualTo(404);

    clock.advance(Duration.ofMinutes(1));
    assertThat(f.fetch(data, Map.of(), "data").status()).isEqualTo(200);
    assertThat(waits).as("nothing slept").allMatch(Duration::isZero);
    assertThat(metrics.quotaWaitUntil()).as("the caller shows what it puts off").isZero();
  }

  @Test
  void shouldWaitAtMostTheRetryAfterMaximumWithAWarnNamingTheServersValue() throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Retry-After", "2592000"));
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = noRetries(waits, Duration.ofHours(2));
    URI data = URI.create(wm.baseUrl() + "/data");

    try (LogCapture log = new LogCapture()) {
      assertThatThrownBy(() -> f.fetch(data, Map.of(), "data")).isInstanceOf(RetriableException.class);
      assertThat(log.warnings()).filteredOn(w -> w.contains("2592000 s")).singleElement().asString()
          .contains("http.retry.after.max.ms").contains("7200000 ms").contains("2026-11-30T09:00:00Z");
    }
    assertThat(f.fetch(data, Map.of(), "data").status()).isEqualTo(200);
    assertThat(waits).containsExactly(Duration.ofHours(2));
  }

  /**
   * A delta-seconds that fits a long but not as milliseconds (from 9223372036854776 s: a "never" some servers send as
   * Long.MAX_VALUE) failed the fetch with an ArithmeticException (long overflow) while its WARN was written: no
   * RetriableException, so the worker failed the task, and again at every restart. It is taken as 2^31 s, as a value
   * too large for a long already was, and the cap applies to it as to any long wait.
   */
  @ParameterizedTest
  @ValueSource(strings = {"9223372036854775807", "9223372036854776"})
  void shouldWaitTheRetryAfterMaximumWhenA503AsksForMoreSecondsThanFitInMilliseconds(String retryAfter)
      throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Retry-After", retryAfter));
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = noRetries(waits, Duration.ofHours(2));
    URI data = URI.create(wm.baseUrl() + "/data");

    try (LogCapture log = new LogCapture()) {
      assertThatThrownBy(() -> f.fetch(data, Map.of(), "data")).isInstanceOf(RetriableException.class)
          .hasMessageContaining("HTTP 503").hasMessageContaining("2026-11-30T09:00:00Z");
      assertThat(log.warnings()).filteredOn(w -> w.contains("2147483648 s")).singleElement().asString()
          .contains("http.retry.after.max.ms");
    }
    assertThat(f.fetch(data, Map.of(), "data").status()).isEqualTo(200);
    assertThat(waits).containsExactly(Duration.ofHours(2));
  }

  /** A fetcher with {@code http.retry.after.long=FAIL}, three retries and a one-minute backoff maximum. */
  RetryingFetcher failingOnLongWaits(List<Duration> waits, Duration retryAfterMax) {
    return new RetryingFetcher(new JdkPageFetcher(Duration.ofSeconds(5), 0, NOW), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofMinutes(1), 3, retryAfterMax,
            TradeSourceConfig.LongRetryAfter.FAIL), waits::add, NOW, new IngestMetrics());
  }

  /**
   * A one-shot run (tradepulse ingest without --follow) waited the hour a 503 asked for, silent, until its own timeout
   * ended it "not done". With FAIL it fails at the first such answer, whatever retries are left, saying which server
   * asked, for how long, and when it may be called again; the server is not called again.
   */
  @Test
  void shouldFailAtOnceNamingTheServerItsRetryAfterAndWhenWhenA503AsksForLongerThanTheBackoffMaximumAndLongIsFail() {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Retry-After", "3600"));
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = failingOnLongWaits(waits, Duration.ofDays(1));
    String server = "http://localhost:" + wm.port();

    assertThatThrownBy(() -> f.fetch(URI.create(server + "/data"), Map.of(), "data"))
        .isInstanceOf(LongRetryAfterException.class).isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("HTTP 503 from data").hasMessageContaining(server + " asked not to be called again for "
            + "3600 s (Retry-After)").hasMessageContaining("called again at 2026-11-30T08:00:00Z")
        .hasMessageContaining("http.retry.after.long=FAIL").hasMessageContaining("offsets keep every record delivered")
        .satisfies(e -> {
          LongRetryAfterException l = (LongRetryAfterException) e;
          assertThat(l.server()).isEqualTo(server);
          assertThat(l.asked()).isEqualTo(Duration.ofHours(1));
          assertThat(l.callAgainAt()).isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
        });
    assertThat(wm.getAllServeEvents()).as("no second call").hasSize(1);
    assertThat(waits).as("failed, not waited").isEmpty();
  }

  /** A 429 body's "Try again in N seconds" is a Retry-After too; beyond http.retry.after.max.ms, that maximum counts. */
  @Test
  void shouldGiveTheRetryAfterMaximumAsTheTimeToCallAgainWhenA429AsksForLongerAndLongIsFail() {
    stubRateLimitedOnce("Rate limit is exceeded. Try again in 2592000 seconds.");
    List<Duration> waits = new CopyOnWriteArrayList<>();
    RetryingFetcher f = failingOnLongWaits(waits, Duration.ofHours(2));

    assertThatThrownBy(() -> f.fetch(URI.create(wm.baseUrl() + "/data"), Map.of(), "data"))
        .isInstanceOf(LongRetryAfterException.class).hasMessageContaining("HTTP 429")
        .hasMessageContaining("2592000 s (its body's \"Try again in\")")
        .hasMessageContaining("http.retry.after.max.ms").hasMessageContaining("called again at 2026-11-30T09:00:00Z")
        .satisfies(e -> assertThat(((LongRetryAfterException) e).callAgainAt())
            .isEqualTo(Instant.parse("2026-11-30T09:00:00Z")));
    assertThat(wm.getAllServeEvents()).hasSize(1);
    assertThat(waits).isEmpty();
  }

  /** FAIL is about long waits only: one within http.backoff.max.ms is retried as before. */
  @Test
  void shouldStillWaitAndRetryARetryAfterWithinTheBackoffMaximumWhenLongIsFail() throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Retry-After", "60"));
    List<Duration> waits = new CopyOnWriteArrayList<>();

    HttpPage page = failingOnLongWaits(waits, Duration.ofDays(1)).fetch(URI.create(wm.baseUrl() + "/data"), Map.of(),
        "data");

    assertThat(page.status()).isEqualTo(200);
    assertThat(waits).containsExactly(Duration.ofMinutes(1));
  }

  /** The header is the standard answer: it wins over the body's "Try again in N seconds", in either form. */
  @Test
  void shouldFollowARetryAfterDateRatherThanTheBodyOfA429() throws Exception {
    stubFailingOnce(aResponse().withStatus(429).withHeader("Date", SERVER_DATE)
        .withHeader("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT").withHeader("Content-Type", "application/json")
        .withBody("{ \"statusCode\": 429, \"message\": \"Rate limit is exceeded. Try again in 2 seconds.\" }"));

    assertThat(waitsOfOneFetch(SKEWED_CLIENT)).containsExactly(Duration.ofMinutes(2));
  }

  @Test
  void shouldWaitTheDeltaSecondsAsBeforeWhateverTheDateSays() throws Exception {
    stubFailingOnce(aResponse().withStatus(503).withHeader("Date", SERVER_DATE).withHeader("Retry-After", "7"));

    assertThat(waitsOfOneFetch(SKEWED_CLIENT)).containsExactly(Duration.ofSeconds(7));
  }

  /** Neither form (a negative delta, a day that does not exist): the exponential backoff, as without the header. */
  @ParameterizedTest
  @ValueSource(strings = {"soon", "-5", "Wed, 31 Feb 2015 07:28:00 GMT", "2015-10-21T07:28:00Z"})
  void shouldBackOffAsWithoutRetryAfterAndWarnOnceWhenItIsNeitherForm(String retryAfter) throws Exception {
    // Twice, as a server repeats it: the value is warned about once.
    wm.stubFor(get(urlPathEqualTo("/data")).inScenario("ra").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(503).withHeader("Retry-After", retryAfter)).willSetStateTo("again"));
    wm.stubFor(get(urlPathEqualTo("/data")).inScenario("ra").whenScenarioStateIs("again")
        .willReturn(aResponse().withStatus(503).withHeader("Retry-After", retryAfter)).willSetStateTo("ok"));
    wm.stubFor(get(urlPathEqualTo("/data")).inScenario("ra").whenScenarioStateIs("ok")
        .willReturn(aResponse().withStatus(200).withBody("{\"count\":0,\"data\":[]}")));

    try (LogCapture log = new LogCapture()) {
      assertThat(waitsOfOneFetch(SKEWED_CLIENT)).containsExactly(Duration.ofMillis(1), Duration.ofMillis(2));
      assertThat(log.warnings()).filteredOn(w -> w.contains("Retry-After")).singleElement().asString()
          .contains("'" + retryAfter + "'");
    }
  }
}
