package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.TaskHarness;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The request timeout of java.net.http only covers the headers: a body that stops coming must still end the fetch,
 * or the task's poll(), and the stop() that waits for it, would hang for ever.
 */
class JdkPageFetcherTest {
  @TempDir Path dir;
  private ServerSocket server;

  /**
   * A server answering every request with a 200 of {@code length} bytes of which it sends {@code chunks} pieces,
   * {@code pause} apart, and then nothing (the connection stays open).
   */
  private URI serve(int length, int chunks, Duration pause) throws IOException {
    server = new ServerSocket(0);
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread c = new Thread(() -> answer(s, length, chunks, pause));
          c.setDaemon(true);
          c.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return URI.create("http://localhost:" + server.getLocalPort() + "/full_v2_202505.csv?key=s3cret");
  }

  private static void answer(Socket s, int length, int chunks, Duration pause) {
    try (s) {
      BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      for (String l = r.readLine(); l != null && !l.isEmpty(); l = r.readLine()) {
        // request headers
      }
      OutputStream o = s.getOutputStream();
      o.write(("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\nContent-Type: text/csv\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      o.flush();
      for (int i = 0; i < chunks; i++) {
        o.write('x');
        o.flush();
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

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void shouldAbortADownloadWhoseBodyStallsAfterTheHeaders() throws Exception {
    URI uri = serve(1_000, 3, Duration.ofMillis(10));
    JdkPageFetcher fetcher = new JdkPageFetcher(Duration.ofMillis(500));
    long start = System.nanoTime();
    assertThatThrownBy(() -> fetcher.fetchToFile(uri, Map.of(), dir.resolve("body")))
        .isInstanceOf(HttpTimeoutException.class).hasMessageContaining("sent nothing for 500 ms")
        .hasMessageNotContaining("s3cret");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThatThrownBy(() -> fetcher.fetch(uri, Map.of())).isInstanceOf(HttpTimeoutException.class);
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void shouldKeepReadingABodyThatIsSlowButKeepsComing() throws Exception {
    // 12 bytes 150 ms apart: 1.8 s in all, well over the timeout, never silent for as long.
    URI uri = serve(12, 12, Duration.ofMillis(150));
    HttpPage page = new JdkPageFetcher(Duration.ofMillis(500)).fetchToFile(uri, Map.of(), dir.resolve("body"));
    assertThat(page.status()).isEqualTo(200);
    assertThat(Files.readString(dir.resolve("body"))).isEqualTo("x".repeat(12));
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void shouldGiveUpRetriablyAndDeleteTheTemporaryFileWhenTheBodyKeepsStalling() throws Exception {
    URI uri = serve(1_000, 1, Duration.ofMillis(1));
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-stall-");
    IngestMetrics metrics = new IngestMetrics();
    RetryingFetcher retrying = new RetryingFetcher(new JdkPageFetcher(Duration.ofMillis(300)), Throttle.NONE,
        new Backoff(Duration.ofMillis(1), Duration.ofMillis(5), 1), d -> { }, metrics);
    assertThatThrownBy(() -> HttpBody.fetch(retrying, uri, Map.of(), "the stalling server", "stall"))
        .isInstanceOf(RetriableException.class).hasMessageContaining("HttpTimeoutException");
    assertThat(metrics.retries()).isEqualTo(1);
    assertThat(TaskHarness.tempFilesNamed("tradepulse-stall-")).containsExactlyInAnyOrderElementsOf(before);
  }
}
