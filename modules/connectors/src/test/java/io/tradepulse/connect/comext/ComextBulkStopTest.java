package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.testsupport.MutableClock;
import io.tradepulse.connect.LogCapture;
import io.tradepulse.connect.SocketServer;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A task stopped from another thread while its poll() waits for a bulk file's download (a runner other than Kafka
 * 3.7+, which calls stop() once poll() returned: BoundedPollTest): the download can go on for minutes (it keeps coming
 * above the rate floor) and the JDK's body read ignores interrupts, so stop(), which waits for the unit of work in
 * flight, must end it, or it outlasts task.shutdown.graceful.timeout.ms and the thread keeps downloading.
 *
 * <p>The server sends a minute's worth of body; the bounds are seconds, far from both. The timeout runs each test in
 * a thread of its own, so a regression fails instead of hanging on the uninterruptible read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ComextBulkStopTest {
  /** How long stop() and the poll it ends may take: a fraction of the body's minute, generous on a busy machine. */
  private static final Duration BOUND = Duration.ofSeconds(10);

  private SocketServer server;
  private final CountDownLatch requested = new CountDownLatch(1);
  private final CountDownLatch bodyStarted = new CountDownLatch(1);
  /** Threads of their own for poll() and stop(): the common pool may have a single one. */
  private final ExecutorService threads = Executors.newCachedThreadPool();

  /**
   * A server that answers with a 200 for a 100 MB bulk file and sends 4 KB of it every 50 ms (80 KB/s, far over the
   * rate floor) for a minute; or, with {@code answer} false, reads the request and never answers.
   */
  private URI serve(boolean answer) throws IOException {
    server = SocketServer.start(s -> respond(s, answer));
    return server.uri("/full_v2_202505.csv");
  }

  private void respond(Socket s, boolean answer) {
    try (s) {
      SocketServer.readRequest(s);
      requested.countDown();
      if (!answer) {
        Thread.sleep(60_000);
        return;
      }
      OutputStream o = s.getOutputStream();
      o.write(("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\nContent-Type: text/csv\r\n\r\n"
          + ComextBulkStreamingTest.BULK_HEADER).getBytes(StandardCharsets.US_ASCII));
      o.flush();
      byte[] rows = ("DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\r\n".repeat(52))
          .getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 1_200; i++) { // 60 s
        o.write(rows);
        o.flush();
        bodyStarted.countDown();
        Thread.sleep(50);
      }
    } catch (IOException | InterruptedException e) {
      // the client went away
    }
  }

  @AfterEach
  void stopServer() throws IOException {
    threads.shutdownNow();
    if (server != null) {
      server.close(); // and its connections: ends a body read that was not ended, should a test fail
    }
  }

  private ComextBulkSourceTask startTask(URI uri) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comext-stop-" + System.nanoTime());
    p.put(ComextConfig.MODE_CONFIG, "BULK");
    p.put(ComextConfig.FILES_CONFIG, uri.toString());
    p.put(ComextConfig.REPORTERS_CONFIG, "");
    p.put(ComextConfig.PRODUCTS_CONFIG, "");
    p.put("poll.interval.ms", "10");
    ComextBulkSourceTask task = new ComextBulkSourceTask();
    // The header timeout is the default's minute, as in production: a stop must not wait it out either.
    task.useForTesting(new MutableClock(Instant.parse("2025-07-20T00:00:00Z")),
        new JdkPageFetcher(Duration.ofSeconds(60)));
    return new TaskHarness().start(task, p);
  }

  private CompletableFuture<List<SourceRecord>> poll(ComextBulkSourceTask task) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return task.poll();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, threads);
  }

  /** Stops {@code task} from this thread while {@code poll} runs in another; both must end within the bound. */
  private void assertStopEndsPoll(ComextBulkSourceTask task, CompletableFuture<List<SourceRecord>> poll)
      throws Exception {
    long start = System.nanoTime();
    CompletableFuture<Void> stop = CompletableFuture.runAsync(task::stop, threads);
    stop.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(poll.get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).as("nothing emitted of the unfinished file").isNull();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
  }

  @Test
  void shouldEndADownloadInProgressPromptlyWhenTheTaskIsStoppedAndDeleteItsTemporaryFile() throws Exception {
    URI uri = serve(true);
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-comext-");
    ComextBulkSourceTask task = startTask(uri);
    try (LogCapture log = new LogCapture()) {
      CompletableFuture<List<SourceRecord>> poll = poll(task);
      assertThat(bodyStarted.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      Thread.sleep(300); // some of the body on disk
      assertThat(TaskHarness.tempFilesMadeSince("tradepulse-comext-", before)).as("downloading").hasSize(1);

      assertStopEndsPoll(task, poll);
      assertThat(log.warnings()).as("a stop is not a failure: no retry warned about, no error").isEmpty();
    }
    assertThat(TaskHarness.tempFilesMadeSince("tradepulse-comext-", before)).isEmpty();
  }

  @Test
  void shouldEndAWaitForResponseHeadersPromptlyWhenTheTaskIsStopped() throws Exception {
    URI uri = serve(false);
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-comext-");
    ComextBulkSourceTask task = startTask(uri);
    CompletableFuture<List<SourceRecord>> poll = poll(task);
    assertThat(requested.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

    assertStopEndsPoll(task, poll);
    assertThat(TaskHarness.tempFilesMadeSince("tradepulse-comext-", before)).isEmpty();
  }
}
