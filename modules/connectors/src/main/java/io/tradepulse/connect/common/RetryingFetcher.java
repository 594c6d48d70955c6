package io.tradepulse.connect.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throttles every call, retries 408/425/429/5xx ({@link HttpPage#isRetryable}) and I/O failures with backoff
 * (honouring Retry-After, in seconds or as a date; a 429 without a readable one that says how long to wait in its
 * body, as Azure API Management's "Try again in N seconds" does, waits that long), and, when retries are exhausted,
 * throws {@link RetriableException}: the Connect worker then calls poll() again and, because offsets only moved for
 * delivered rows, nothing is lost. Other statuses (200, 204, 304 Not Modified, other 4xx) are returned to the caller
 * to interpret.
 *
 * <p>A server's wait is remembered, not only slept: the worker polls again at once after a RetriableException
 * (AbstractWorkerSourceTask logs it and polls), so a wait that ended with the retries (a Retry-After of an hour on a
 * 503 maintenance page, longer than http.backoff.max.ms) was ignored, and servers and gateways may block clients that
 * ignore it. So every Retry-After sets the time before which that server (scheme, host and port: Retry-After speaks for
 * the server, and a location task may read several) is not called again, up to http.retry.after.max.ms, and every call
 * to it first waits until then, in this fetch or a later one. Per task (each has its fetcher) and in memory: a restarted
 * task calls once more and hears how long is left. The wait is on the task's own thread, so poll() keeps returning, and
 * it ends at once when the task stops ({@link Sleeper}).
 *
 * <p>Unless the caller has other work to do meanwhile: a location task reads several locations, possibly on other
 * servers or local, one at a time on its one thread, and a wait of hours for one server held up all of them. Its fetcher
 * ({@link LongWaits#PUT_OFF}) does not sleep through a wait beyond http.backoff.max.ms but throws
 * {@link ServerWaitException} with the time, at once, for the call that heard it and for every later call to that server
 * before then; the task checks that location again at that time and reads the others meanwhile. Shorter waits (ordinary
 * retry delays) are slept either way.
 *
 * <p>With http.retry.after.long=FAIL, a wait longer than http.backoff.max.ms is not waited for: the fetch throws
 * {@link LongRetryAfterException} at once, naming the server and when it may be called again. A one-shot run (tradepulse
 * ingest without --follow) would otherwise sit silent until its own timeout and end "not done", saying nothing of the
 * server's request. A {@link LongWaits#PUT_OFF} fetcher also remembers the time, so later calls to that server throw
 * {@link ServerWaitException} without calling it: its task reads its other locations before it fails.
 */
public final class RetryingFetcher {
  private static final Logger log = LoggerFactory.getLogger(RetryingFetcher.class);

  /** What a call does while its server is inside a wait it asked for beyond http.backoff.max.ms. */
  public enum LongWaits {
    /** Waits until then on the task's thread: an API task (one server) has nothing else to do meanwhile. */
    SLEEP,
    /** Throws {@link ServerWaitException} at once: a location task reads its other locations meanwhile. */
    PUT_OFF
  }

  private final PageFetcher fetcher;
  private final Throttle throttle;
  private final Backoff backoff;
  private final Sleeper sleeper;
  private final Clock clock;
  private final IngestMetrics metrics;
  private final LongWaits longWaits;
  /**
   * Per server, when it may be called again. Touched by the task's worker thread alone (one unit of work at a time; see
   * TradeSourceTask), so a plain map.
   */
  private final Map<String, NotBefore> notBefore = new HashMap<>();

  /**
   * When a server may be called again, as its last Retry-After asked.
   *
   * @param beyondBackoff whether that wait is longer than the backoff's maximum: shown in {@code quota-wait-until}
   */
  private record NotBefore(Instant at, boolean beyondBackoff) {}

  /**
   * A fetcher that sleeps through a server's long wait ({@link LongWaits#SLEEP}).
   *
   * @param clock "now" for the time a Retry-After asks to wait until (the waits themselves go to {@code sleeper})
   */
  public RetryingFetcher(PageFetcher fetcher, Throttle throttle, Backoff backoff, Sleeper sleeper, Clock clock,
      IngestMetrics metrics) {
    this(fetcher, throttle, backoff, sleeper, clock, metrics, LongWaits.SLEEP);
  }

  /** @param longWaits whether a wait beyond http.backoff.max.ms is slept or put off ({@link ServerWaitException}) */
  public RetryingFetcher(PageFetcher fetcher, Throttle throttle, Backoff backoff, Sleeper sleeper, Clock clock,
      IngestMetrics metrics, LongWaits longWaits) {
    this.longWaits = longWaits;
    this.fetcher = fetcher;
    this.throttle = throttle;
    this.backoff = backoff;
    this.sleeper = sleeper;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** @param logUri the URI without secrets, for logs and exceptions */
  public HttpPage fetch(URI uri, Map<String, String> headers, String logUri) throws InterruptedException {
    return withRetries(uri, () -> fetcher.fetch(uri, headers), page -> head(page.body()), logUri);
  }

  /**
   * Like {@link #fetch} with the body streamed to {@code target} ({@link PageFetcher#fetchToFile}); each retry
   * rewrites the file. The returned page has an empty body: the caller reads {@code target}.
   */
  public HttpPage fetchToFile(URI uri, Map<String, String> headers, String logUri, Path target)
      throws InterruptedException {
    return fetchToFile(uri, headers, logUri, target, BodyCheck.NONE);
  }

  /**
   * As {@link #fetchToFile(URI, Map, String, Path)}, and a 200 whose body {@code complete} finds cut short is an I/O
   * failure of the attempt, retried (and finally given up) as a body cut off under its Content-Length is.
   */
  public HttpPage fetchToFile(URI uri, Map<String, String> headers, String logUri, Path target, BodyCheck complete)
      throws InterruptedException {
    return withRetries(uri, () -> {
      HttpPage page = fetcher.fetchToFile(uri, headers, target);
      if (page.status() == 200) {
        complete.check(target);
      }
      return page;
    }, page -> head(target), logUri);
  }

  /**
   * Tells whether a downloaded body is whole. The HTTP client notices a body cut short only when the response framed
   * it (Content-Length, chunked, HTTP/2): an HTTP/1.1 server or proxy may also end a body by closing the connection,
   * and a close in mid-transfer then reads as a normal end. Only the format can tell such a body from a complete one.
   */
  @FunctionalInterface
  public interface BodyCheck {
    /** Checks nothing: a body is whole when the transport says so. */
    BodyCheck NONE = body -> { };

    /** @throws IOException when the body ends before its document does (or cannot be read) */
    void check(Path body) throws IOException;
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

  /** The server a URI names, as Retry-After means it: scheme, host and port. */
  static String origin(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    return scheme + "://" + host + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  private HttpPage withRetries(URI uri, Attempt request, BodyHead head, String logUri) throws InterruptedException {
    String origin = origin(uri);
    for (int attempt = 0; ; attempt++) {
      awaitServer(origin, logUri);
      throttle.acquire();
      if (sleeper.stopped()) {
        // The throttle's wait ended early because the task is stopping: the call would go out all the same (one of a
        // daily quota) unless the fetcher was already stopped, which the task does only after the stop signal.
        throw new RetriableException("Task stopping: not calling " + logUri);
      }
      String problem;
      Duration wait = backoff.delay(attempt);
      Asked asked = null; // set when the server said how long to wait
      try {
        metrics.fetch();
        HttpPage page = request.run();
        if (!page.isRetryable()) {
          return page;
        }
        problem = "HTTP " + page.status();
        Optional<Duration> ra = page.retryAfter();
        String how = "Retry-After";
        if (ra.isEmpty() && page.status() == 429) {
          // Azure API Management (Comtrade's gateway) answers its per-second rate limit with a 429 that may lack
          // Retry-After but says the wait in its body: the exponential backoff would guess, too short (a wasted call,
          // of a daily quota) or far too long.
          ra = tryAgainIn(head, page);
          how = "its body's \"Try again in\"";
        }
        if (ra.isPresent()) {
          asked = serverAsked(origin, ra.get(), how, problem, logUri);
        }
      } catch (IOException e) {
        problem = describe(e);
      }
      if (sleeper.stopped()) {
        // The task stopped during the attempt, and may have ended it (PageFetcher#stop): not a failure to warn about
        // or to count as a retry, and a retry would not get far.
        throw new RetriableException("Task stopping: not retrying " + logUri + " (" + problem + ")");
      }
      if (asked != null && asked.refusal() != null) {
        // http.retry.after.long=FAIL: at once, whatever retries are left (each would have to wait as long).
        throw asked.refusal();
      }
      if (asked != null && asked.putOff()) {
        // Whatever retries are left: each would come after the wait, which the caller spends on its other work. The
        // call made then counts as this one's retry, as a slept wait does.
        metrics.retry();
        log.warn("{} from {}: {}", problem, logUri, asked.text());
        throw new ServerWaitException(problem + " from " + logUri + "; " + asked.text(), origin, asked.at());
      }
      if (attempt >= backoff.maxRetries()) {
        // The worker polls again at once: the next call to this server still waits for the time it asked. Said here
        // too, not only in the exception the worker logs: it is the one line that tells why the task goes quiet.
        if (asked != null && !asked.text().isEmpty()) {
          log.warn("{} from {}; giving up for now after {} attempts: {}", problem, logUri, attempt + 1, asked.text());
        }
        throw new RetriableException("Giving up for now on " + logUri + " after " + (attempt + 1)
            + " attempts: " + problem + (asked == null || asked.text().isEmpty() ? "" : "; " + asked.text()));
      }
      metrics.retry();
      if (asked != null) {
        // The next attempt waits for it in awaitServer, as any later call to this server would.
        if (asked.text().isEmpty()) {
          log.warn("{} from {}; retry {} of {} in {} ms", problem, logUri, attempt + 1, backoff.maxRetries(),
              asked.honoured().toMillis());
        } else {
          log.warn("{} from {}; retry {} of {}: {}", problem, logUri, attempt + 1, backoff.maxRetries(), asked.text());
        }
        continue;
      }
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

  /**
   * An I/O failure in words, for the WARN of each retry and the exception of the last. The JDK's HttpClient throws a
   * ConnectException without a message for a host name that does not resolve (no network, DNS down, a typo) and for
   * a refused connection, its causes without one either: each retry said "ConnectException: null". The first message
   * in the chain of causes is used, else what the innermost cause means.
   */
  static String describe(IOException e) {
    String name = e.getClass().getSimpleName();
    Throwable innermost = e;
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof java.nio.channels.UnresolvedAddressException) {
        return name + ": the host name does not resolve (no network or DNS, or a misspelt host)";
      }
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        return name + ": " + c.getMessage();
      }
      innermost = c;
    }
    return innermost == e ? name + " (no detail given)" : name + " (" + innermost.getClass().getSimpleName()
        + (innermost instanceof java.nio.channels.ClosedChannelException ? ": the connection was refused or closed" : "")
        + ")";
  }

  /**
   * What a server asked: the wait honoured, and, when it is not an ordinary retry delay (beyond http.backoff.max.ms,
   * or cut to http.retry.after.max.ms), what the task does about it, for its one WARN and the RetriableException.
   *
   * @param refusal what to throw instead of waiting (http.retry.after.long=FAIL and a wait beyond the backoff's
   *     maximum), else null
   * @param at when the server may be called again
   * @param putOff whether the wait is put off ({@link ServerWaitException}) rather than slept
   */
  private record Asked(Duration honoured, String text, LongRetryAfterException refusal, Instant at, boolean putOff) {}

  /**
   * Remembers the time before which {@code origin} is not called again, as it asked: {@code wait} from now, at most
   * http.retry.after.max.ms; or, with http.retry.after.long=FAIL and a wait beyond the backoff's maximum, gives the
   * refusal to throw.
   *
   * @param how where the server said it (the header, a 429's body)
   * @param problem the answer that said it ("HTTP 503"), and {@code logUri} the call, for the refusal's message
   */
  private Asked serverAsked(String origin, Duration wait, String how, String problem, String logUri) {
    boolean capped = wait.compareTo(backoff.retryAfterMax()) > 0;
    Duration honoured = capped ? backoff.retryAfterMax() : wait;
    Instant at = clock.instant().plus(honoured);
    boolean beyondBackoff = honoured.compareTo(backoff.max()) > 0;
    String why;
    if (capped) {
      why = ", more than " + TradeSourceConfig.HTTP_RETRY_AFTER_MAX_CONFIG + " allows ("
          + backoff.retryAfterMax().toMillis() + " ms): that maximum is waited instead";
    } else if (beyondBackoff) {
      why = ", beyond " + TradeSourceConfig.HTTP_BACKOFF_MAX_CONFIG + " (" + backoff.max().toMillis() + " ms)";
    } else {
      notBefore.put(origin, new NotBefore(at, false));
      return new Asked(honoured, "", null, at, false); // an ordinary retry delay, logged as one
    }
    if (beyondBackoff && backoff.longRetryAfter() == TradeSourceConfig.LongRetryAfter.FAIL) {
      if (longWaits == LongWaits.PUT_OFF) {
        // A location task fails only once its other locations are read (LocationSourceTask): meanwhile its other
        // locations on this server are put off without a call, as without FAIL.
        notBefore.put(origin, new NotBefore(at, true));
      }
      // Otherwise not remembered: the task fails, and should the fetcher be used again it is to call once more and
      // hear how long is left, not to wait after all.
      return new Asked(honoured, "", new LongRetryAfterException(problem + " from " + logUri + ": " + origin
          + " asked not to be called again for " + seconds(wait) + " (" + how + ")"
          + (capped ? ", more than " + TradeSourceConfig.HTTP_RETRY_AFTER_MAX_CONFIG + " allows ("
              + backoff.retryAfterMax().toMillis() + " ms), taken as that" : "")
          + ", longer than " + TradeSourceConfig.HTTP_BACKOFF_MAX_CONFIG + " (" + backoff.max().toMillis()
          + " ms); it may be called again at " + at + ": run again (restart the task) after then. Not waiting for it ("
          + TradeSourceConfig.HTTP_RETRY_AFTER_LONG_CONFIG + "=FAIL): nothing is skipped and the offsets keep every "
          + "record delivered so far, so the next run resumes with this call", origin, wait, at), at, false);
    }
    notBefore.put(origin, new NotBefore(at, beyondBackoff));
    boolean putOff = beyondBackoff && longWaits == LongWaits.PUT_OFF;
    return new Asked(honoured, "the server asked to wait " + seconds(wait) + " (" + how + ")" + why + "; not calling "
        + origin + " again before " + at + (putOff
            ? ": what needs it is put off until then and the task's other locations go on meanwhile; nothing is "
                + "skipped and the offsets stay where they are (a restarted task calls once more)"
            : ": the task waits until then, nothing is skipped and the offsets stay where they are (stopping the "
                + "task ends the wait, and a restarted task calls once more)"), null, at, putOff);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /**
   * Waits until {@code origin} may be called again, when a Retry-After of an earlier attempt (of this fetch or an
   * earlier one) asked for a time: the next attempt comes no sooner. A wait beyond the backoff's maximum shows in
   * {@code quota-wait-until} meanwhile; with {@link LongWaits#PUT_OFF} such a wait is not slept but thrown.
   *
   * @throws ServerWaitException with {@link LongWaits#PUT_OFF}, when the wait is beyond the backoff's maximum and not
   *     over (the server is not called)
   * @throws RetriableException when the task stops meanwhile (nothing moved: a restart calls again)
   */
  private void awaitServer(String origin, String logUri) throws InterruptedException {
    NotBefore nb = notBefore.get(origin);
    if (nb == null) {
      return;
    }
    Duration left = Duration.between(clock.instant(), nb.at());
    if (nb.beyondBackoff() && longWaits == LongWaits.PUT_OFF && left.compareTo(Duration.ZERO) > 0) {
      // Its WARN came with the answer that asked; the caller says what it puts off.
      throw new ServerWaitException("Not calling " + logUri + ": " + origin + " asked not to be called before "
          + nb.at(), origin, nb.at());
    }
    if (nb.beyondBackoff()) {
      metrics.retryAfterWait(nb.at());
    }
    try {
      sleeper.sleep(left.isNegative() ? Duration.ZERO : left);
    } finally {
      if (nb.beyondBackoff()) {
        metrics.quotaWaitOver();
      }
    }
    if (sleeper.stopped()) {
      // The wait ended early because the task is stopping, as a backoff does (see withRetries).
      throw new RetriableException("Task stopping: not calling " + logUri + " (" + origin
          + " asked not to be called before " + nb.at() + ")");
    }
    notBefore.remove(origin);
  }
}
