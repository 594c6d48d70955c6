package io.tradepulse.connect.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throttles every call, retries 429/5xx and I/O failures with backoff (honouring Retry-After, in seconds or as a
 * date, up to the configured maximum; a 429 without a readable one that says how long to wait in its body, as Azure
 * API Management's "Try again in N seconds" does, waits that long, up to the same maximum), and, when retries are
 * exhausted, throws {@link RetriableException}: the Connect worker then calls poll() again later and, because offsets
 * only moved for delivered rows, nothing is lost.
 * Other statuses (200, 204, 304 Not Modified, 4xx) are returned to the caller to interpret.
 */
public final class RetryingFetcher {
  private static final Logger log = LoggerFactory.getLogger(RetryingFetcher.class);

  private final PageFetcher fetcher;
  private final Throttle throttle;
  private final Backoff backoff;
  private final Sleeper sleeper;
  private final IngestMetrics metrics;

  public RetryingFetcher(PageFetcher fetcher, Throttle throttle, Backoff backoff, Sleeper sleeper,
      IngestMetrics metrics) {
    this.fetcher = fetcher;
    this.throttle = throttle;
    this.backoff = backoff;
    this.sleeper = sleeper;
    this.metrics = metrics;
  }

  /** @param logUri the URI without secrets, for logs and exceptions */
  public HttpPage fetch(URI uri, Map<String, String> headers, String logUri) throws InterruptedException {
    return withRetries(() -> fetcher.fetch(uri, headers), page -> head(page.body()), logUri);
  }

  /**
   * Like {@link #fetch} with the body streamed to {@code target} ({@link PageFetcher#fetchToFile}); each retry
   * rewrites the file. The returned page has an empty body: the caller reads {@code target}.
   */
  public HttpPage fetchToFile(URI uri, Map<String, String> headers, String logUri, Path target)
      throws InterruptedException {
    return withRetries(() -> fetcher.fetchToFile(uri, headers, target), page -> head(target), logUri);
  }

  private interface Attempt {
    HttpPage run() throws IOException, InterruptedException;
  }

  /** The start of the body of the page an attempt just fetched, as text, wherever the body went. */
  private interface BodyHead {
    String of(HttpPage page) throws IOException;
  }

  private static String head(byte[] body) {
    return new String(body, 0, Math.min(body.length, ApimMessages.HEAD_BYTES), StandardCharsets.UTF_8);
  }

  private static String head(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return head(in.readNBytes(ApimMessages.HEAD_BYTES));
    }
  }

  /** The wait a 429's body asks for; none when it cannot be read (the backoff then decides, as without a hint). */
  private static Optional<Duration> tryAgainIn(BodyHead head, HttpPage page) {
    try {
      return ApimMessages.tryAgainIn(head.of(page));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private HttpPage withRetries(Attempt request, BodyHead head, String logUri) throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      throttle.acquire();
      String problem;
      Duration wait = backoff.delay(attempt);
      try {
        metrics.fetch();
        HttpPage page = request.run();
        if (!page.isRetryable()) {
          return page;
        }
        problem = "HTTP " + page.status();
        Optional<Duration> asked = page.retryAfter();
        if (asked.isEmpty() && page.status() == 429) {
          // Azure API Management (Comtrade's gateway) answers its per-second rate limit with a 429 that may lack
          // Retry-After but says the wait in its body: the exponential backoff would guess, too short (a wasted call,
          // of a daily quota) or far too long.
          asked = tryAgainIn(head, page);
        }
        if (asked.isPresent()) {
          Duration ra = asked.get();
          wait = ra.compareTo(backoff.max()) > 0 ? backoff.max() : ra;
        }
      } catch (IOException e) {
        problem = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      if (sleeper.stopped()) {
        // The task stopped during the attempt, and may have ended it (PageFetcher#stop): not a failure to warn about
        // or to count as a retry, and a retry would not get far.
        throw new RetriableException("Task stopping: not retrying " + logUri + " (" + problem + ")");
      }
      if (attempt >= backoff.maxRetries()) {
        throw new RetriableException("Giving up for now on " + logUri + " after " + (attempt + 1)
            + " attempts: " + problem);
      }
      metrics.retry();
      log.warn("{} from {}; retry {} of {} in {} ms", problem, logUri, attempt + 1, backoff.maxRetries(),
          wait.toMillis());
      sleeper.sleep(wait);
      if (sleeper.stopped()) {
        // The wait ended early because the task is stopping: another attempt would only delay the worker's
        // shutdown or rebalance, and the next wait would end at once again. An attempt is not bounded by
        // http.timeout.ms: that is the wait for the headers (and the longest silence of a body); a body is then read
        // for as long as it keeps coming faster than http.body.min.bytes.per.second, minutes for a bulk file.
        throw new RetriableException("Task stopping: not retrying " + logUri + " (" + problem + ")");
      }
    }
  }
}
