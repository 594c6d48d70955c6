package io.tradepulse.connect.common;

import static io.tradepulse.connect.common.TradeSourceConfig.LongRetryAfter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.SocketServer;
import io.tradepulse.connect.TaskHarness;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request timeout of java.net.http only covers the headers: a body that stops coming, or comes only a byte at a
 * time, must still end the fetch, or the task's poll(), and the stop() that waits for it, would hang for ever; a large
 * body that keeps coming must not be cut, however long it takes.
 *
 * <p>The timeout runs each test in a thread of its own: java.net.http's body stream (JDK 17) ignores an interrupt,
 * so a same-thread timeout would not end a read the fetcher failed to cut, and the build would hang instead of fail.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JdkPageFetcherTest {
  @TempDir Path dir;
  private SocketServer server;

  /** A Comext bulk file ({@code full_v2_yyyyMM.csv}) of about {@code length} bytes: what these downloads carry. */
  static byte[] bulkFile(int length) {
    StringBuilder b = new StringBuilder("REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,PRODUCT_CPA21,"
        + "PRODUCT_CPA22,PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,SUPPL_UNIT,PERIOD,VALUE_EUR,"
        + "VALUE_NAC,QUANTITY_KG,QUANTITY_SUPPL_UNIT\r\n");
    for (int i = 0; b.length() < length; i++) {
      b.append("DE,CN,E,7204").append(String.format("%04d", i % 10_000))
          .append(",282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,").append(1000 + i).append(',').append(1000 + i)
          .append(",20,0\r\n");
    }
    return b.substring(0, length).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A server answering every request with a 200 whose Content-Length is {@code body}'s length: it sends its first
   * {@code burst} bytes at once, then {@code chunks} pieces of {@code chunk} bytes, {@code pause} apart, and then
   * nothing (the connection stays open, the body unfinished unless all of it went).
   */
  private URI serve(byte[] body, int burst, int chunks, int chunk, Duration pause) throws IOException {
    server = SocketServer.start(s -> answer(s, body, burst, chunks, chunk, pause));
    return server.uri("/full_v2_202505.csv?key=s3cret");
  }

  /** {@link #serve(byte[], int, int, int, Duration)} of single bytes, with no burst. */
  private URI serve(int length, int chunks, Duration pause) throws IOException {
    return serve(bulkFile(length), 0, chunks, 1, pause);
  }

  private static void answer(Socket s, byte[] body, int burst, int chunks, int chunk, Duration pause) {
    try (s) {
      SocketServer.readRequest(s);
      OutputStream o = s.getOutputStream();
      o.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nContent-Type: text/csv\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      o.write(body, 0, burst);
      o.flush();
      int sent = burst;
      for (int i = 0; i < chunks && sent < body.length; i++) {
        int n = Math.min(chunk, body.length - sent);
        o.write(body, sent, n);
        o.flush();
        sent += n;
        Thread.sleep(pause.toMillis());
      }
      Thread.sleep(60_000); // stalls with the body unfinished
    } catch (IOException | InterruptedException e) {
      // the client gave up
    }
  }

  @AfterEach
  void stopServer() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  /**
   * A cleartext request must not offer an h2c upgrade: the JDK client's default HTTP/2 sends {@code Upgrade: h2c} with
   * every plain-http request, and a server that took it up half-way made a look-back call hang for the timeout and
   * then fail with "Frame type(101) ... exceeds MAX_FRAME_SIZE" (seen in CI against WireMock's Jetty).
   */
  @Test
  void shouldAskPlainHttpServersOverHttp11WithoutAnH2cUpgrade() throws Exception {
    List<String> requestHeaders = new java.util.concurrent.CopyOnWriteArrayList<>();
    byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
    server = SocketServer.start(s -> {
      try (s) {
        var r = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        for (String l = r.readLine(); l != null && !l.isEmpty(); l = r.readLine()) {
          requestHeaders.add(l);
        }
        OutputStream o = s.getOutputStream();
        o.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(body);
        o.flush();
      } catch (IOException e) {
        // the client gave up
      }
    });
    JdkPageFetcher fetcher = new JdkPageFetcher(Duration.ofSeconds(5));

    fetcher.fetch(server.uri("/data"), Map.of());

    assertThat(requestHeaders).isNotEmpty();
    assertThat(requestHeaders.get(0)).endsWith("HTTP/1.1");
    assertThat(requestHeaders).noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("upgrade:"))
        .noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("http2-settings:"));
  }

  @Test
  void shouldAbortADownloadWhoseBodyStallsAfterTheHeaders() throws Exception {
    URI uri = serve(1_000, 3, Duration.ofMillis(10));
    // No rate floor: the bound on silence alone cuts a body that stops.
    JdkPageFetcher fetcher = new JdkPageFetcher(Duration.ofMillis(500), 0);
    long start = System.nanoTime();
    assertThatThrownBy(() -> fetcher.fetchToFile(uri, Map.of(), dir.resolve("body")))
        .isInstanceOf(HttpTimeoutException.class).hasMessageContaining("sent nothing for 500 ms")
        .hasMessageNotContaining("s3cret");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThatThrownBy(() -> fetcher.fetch(uri, Map.of())).isInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void shouldKeepReadingABodyThatIsSlowButKeepsComingAboveTheFloor() throws Exception {
    // 24 bytes 150 ms apart: 3.6 s in all, well over the timeout (1.5 s), never silent for as long, and about 10 bytes
    // in every 1.5 s where the floor of 2 bytes/s asks for 3. A timeout of seconds, not 500 ms: a server or client
    // thread held up for a moment on a loaded machine must not make the body look silent or under the floor.
    URI uri = serve(24, 24, Duration.ofMillis(150));
    HttpPage page = new JdkPageFetcher(Duration.ofMillis(1_500), 2).fetchToFile(uri, Map.of(), dir.resolve("body"));
    assertThat(page.status()).isEqualTo(200);
    assertThat(Files.readAllBytes(dir.resolve("body"))).isEqualTo(bulkFile(24));
  }

  @Test
  void shouldAbortABodyThatDribblesUnderTheFloorThoughNeverSilentForTheTimeout() throws Exception {
    // A byte every 50 ms (about 20 bytes/s) would take 50 s for these 1,000 bytes: the idle bound never fires.
    URI uri = serve(1_000, 1_000, Duration.ofMillis(50));
    JdkPageFetcher fetcher = new JdkPageFetcher(Duration.ofMillis(500), 1_024);
    long start = System.nanoTime();
    assertThatThrownBy(() -> fetcher.fetchToFile(uri, Map.of(), dir.resolve("body")))
        .isInstanceOf(HttpTimeoutException.class)
        .hasMessageContaining("under 1024 bytes/s (http.body.min.bytes.per.second)")
        .hasMessageNotContaining("s3cret");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    // The in-memory path (API pages) is cut the same way.
    assertThatThrownBy(() -> fetcher.fetch(uri, Map.of())).isInstanceOf(HttpTimeoutException.class)
        .hasMessageContaining("http.body.min.bytes.per.second");
  }

  @Test
  void shouldAbortABodyThatSlowsToADribbleAfterAFastStart() throws Exception {
    // 2 MB at once, then a byte every 50 ms. Averaged since the start, the body would stay over 1 KiB/s for
    // half an hour; over the last timeout it is under the floor within one.
    byte[] body = bulkFile(2_100_000);
    URI uri = serve(body, 2_000_000, 100_000, 1, Duration.ofMillis(50));
    long start = System.nanoTime();
    assertThatThrownBy(() -> new JdkPageFetcher(Duration.ofMillis(500), 1_024)
        .fetchToFile(uri, Map.of(), dir.resolve("body")))
        .isInstanceOf(HttpTimeoutException.class).hasMessageContaining("http.body.min.bytes.per.second");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void shouldNotCutALargeDownloadThatTakesManyTimeoutsButKeepsComing() throws Exception {
    // 3 MB as 30 pieces of 100 KB, 150 ms apart: 4.5 s, three times the timeout (1.5 s, so that a piece held up for
    // a moment on a loaded machine is not taken for silence), far over the floor.
    byte[] body = bulkFile(3_000_000);
    URI uri = serve(body, 0, 30, 100_000, Duration.ofMillis(150));
    long start = System.nanoTime();
    HttpPage page = new JdkPageFetcher(Duration.ofMillis(1_500), 1_024).fetchToFile(uri, Map.of(), dir.resolve("body"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(3_000));
    assertThat(page.status()).isEqualTo(200);
    assertThat(Files.readAllBytes(dir.resolve("body"))).isEqualTo(body);
  }

  @Test
  void shouldRefuseToHoldInMemoryABodyOverTheCapButDownloadItToAFile() throws Exception {
    // 2 MB at once, fast enough for any floor: only the cap (1 MiB here, 16 MiB by default) stops it.
    byte[] body = bulkFile(2_000_000);
    URI uri = serve(body, body.length, 0, 0, Duration.ZERO);
    JdkPageFetcher fetcher = new JdkPageFetcher(Duration.ofSeconds(5), 1_024, 1 << 20);
    assertThatThrownBy(() -> fetcher.fetch(uri, Map.of())).isInstanceOf(IOException.class)
        .hasMessageContaining("over 1048576 bytes, the most JdkPageFetcher.fetch() holds in memory")
        .hasMessageNotContaining("s3cret");
    HttpPage page = fetcher.fetchToFile(uri, Map.of(), dir.resolve("body"));
    assertThat(page.status()).isEqualTo(200);
    assertThat(Files.readAllBytes(dir.resolve("body"))).isEqualTo(body);
  }

  @Test
  void shouldGiveUpRetriablyAndDeleteTheTemporaryFileWhenTheBodyKeepsStalling() throws Exception {
    URI uri = serve(1_000, 1, Duration.ofMillis(1));
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-stall-");
    IngestMetrics metrics = new IngestMetrics();
    RetryingFetcher retrying = new RetryingFetcher(new JdkPageFetcher(Duration.ofMillis(300)), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofMillis(5), 1, Duration.ofDays(1), WAIT), d -> { },
        Clock.systemUTC(), metrics);
    assertThatThrownBy(() -> HttpBody.fetch(retrying, uri, Map.of(), "the stalling server", "stall"))
        .isInstanceOf(RetriableException.class).hasMessageContaining("HttpTimeoutException");
    assertThat(metrics.retries()).isEqualTo(1);
    assertThat(TaskHarness.tempFilesNamed("tradepulse-stall-")).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void shouldGiveUpRetriablyAndDeleteTheTemporaryFileWhenTheBodyKeepsDribbling() throws Exception {
    URI uri = serve(1_000, 1_000, Duration.ofMillis(50));
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-dribble-");
    IngestMetrics metrics = new IngestMetrics();
    RetryingFetcher retrying = new RetryingFetcher(new JdkPageFetcher(Duration.ofMillis(300), 1_024), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofMillis(5), 1, Duration.ofDays(1), WAIT), d -> { },
        Clock.systemUTC(), metrics);
    assertThatThrownBy(() -> HttpBody.fetch(retrying, uri, Map.of(), "the dribbling server", "dribble"))
        .isInstanceOf(RetriableException.class).hasMessageContaining("HttpTimeoutException")
        .hasMessageContaining("http.body.min.bytes.per.second");
    assertThat(metrics.retries()).isEqualTo(1);
    assertThat(TaskHarness.tempFilesNamed("tradepulse-dribble-")).containsExactlyInAnyOrderElementsOf(before);
  }
}
