package io.tradepulse.connect.common;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link PageFetcher} over java.net.http; no extra HTTP library in the plugin.
 *
 * <p>{@link HttpRequest.Builder#timeout} only bounds the wait for the response headers: a server that sends its
 * headers and then stalls the body would hold a {@code BodyHandlers.ofFile}/{@code ofByteArray} read, and with it the
 * task's poll() and the task lock that stop() waits for, for ever. The body is therefore read as a stream here, and a
 * watchdog closes it once no byte has arrived for the same timeout; the read then fails with an
 * {@link HttpTimeoutException}, an I/O failure that {@link RetryingFetcher} retries and finally turns into a
 * RetriableException (and {@link HttpBody} deletes its temporary file). The bound is on silence, not on the whole
 * download: a bulk file of gigabytes may take minutes, as long as it keeps coming.
 */
public final class JdkPageFetcher implements PageFetcher {
  /** Checks every stalled-body deadline of the process; daemon, so it never keeps a worker JVM alive. */
  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "tradepulse-http-body-watchdog");
    t.setDaemon(true);
    return t;
  });

  private final HttpClient client;
  private final Duration timeout;

  public JdkPageFetcher(Duration timeout) {
    this.timeout = timeout;
    this.client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  @Override
  public HttpPage fetch(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
    HttpResponse<InputStream> resp = client.send(request(uri, headers), HttpResponse.BodyHandlers.ofInputStream());
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    copyBody(resp, body, uri);
    return new HttpPage(resp.statusCode(), body.toByteArray(), retryAfter(resp), validators(resp));
  }

  @Override
  public HttpPage fetchToFile(URI uri, Map<String, String> headers, Path target)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> resp = client.send(request(uri, headers), HttpResponse.BodyHandlers.ofInputStream());
    // TRUNCATE_EXISTING: a retry must not leave the tail of a longer earlier (error) body behind.
    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      copyBody(resp, out, uri);
    }
    return new HttpPage(resp.statusCode(), null, retryAfter(resp), validators(resp));
  }

  private HttpRequest request(URI uri, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    headers.forEach(b::header);
    return b.build();
  }

  /**
   * Copies the body to {@code out}, failing with {@link HttpTimeoutException} once it has sent nothing for the
   * timeout. Always closes the body stream (an abandoned one keeps its connection busy).
   */
  private void copyBody(HttpResponse<InputStream> resp, OutputStream out, URI uri) throws IOException {
    InputStream in = resp.body();
    IdleWatch watch = new IdleWatch(in, timeout);
    try (in) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        watch.progress();
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      if (watch.expired()) {
        throw stalled(uri, e);
      }
      throw e;
    } finally {
      watch.cancel();
    }
    // The JDK's body stream may end as if complete when it is closed under a read: only the watch knows.
    if (watch.expired()) {
      throw stalled(uri, null);
    }
  }

  private HttpTimeoutException stalled(URI uri, IOException cause) {
    HttpTimeoutException e = new HttpTimeoutException("Response body of " + uri.getScheme() + "://" + uri.getAuthority()
        + uri.getPath() + " sent nothing for " + timeout.toMillis() + " ms (http.timeout.ms): aborted");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /** Closes a body stream under its reader once it has been silent for longer than the timeout. */
  private static final class IdleWatch {
    private final InputStream in;
    private final long idleNanos;
    private volatile ScheduledFuture<?> check; // set right after scheduling, long before its first run
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean expired;

    IdleWatch(InputStream in, Duration idle) {
      this.in = in;
      this.idleNanos = idle.toNanos();
      // A few checks per timeout: the stall is noticed at most a quarter of the timeout late.
      long period = Math.max(5, Math.min(1_000, idle.toMillis() / 4));
      this.check = WATCHDOG.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    void progress() {
      lastProgress = System.nanoTime();
    }

    boolean expired() {
      return expired;
    }

    private void check() {
      if (expired || System.nanoTime() - lastProgress <= idleNanos) {
        return;
      }
      expired = true;
      cancel();
      try {
        in.close(); // unblocks the reader: its read fails (or ends), and expired() tells it why
      } catch (IOException | RuntimeException e) {
        // closing is all that is left to do; the reader reports the timeout either way
      }
    }

    void cancel() {
      ScheduledFuture<?> c = check;
      if (c != null) {
        c.cancel(false);
      }
    }
  }

  private static HttpValidators validators(HttpResponse<?> resp) {
    HttpHeaders h = resp.headers();
    return HttpValidators.of(h.firstValue("ETag").orElse(null), h.firstValue("Last-Modified").orElse(null),
        h.firstValue("Date").orElse(null));
  }

  private static Optional<Duration> retryAfter(HttpResponse<?> resp) {
    // Only the delta-seconds form: the HTTP-date form is rare for these APIs and needs a clock.
    return resp.headers().firstValue("Retry-After").flatMap(v -> {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(v.trim())));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    });
  }
}
