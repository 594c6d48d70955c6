package io.tradepulse.connect.common;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PageFetcher} over java.net.http; no extra HTTP library in the plugin.
 *
 * <p>{@link HttpRequest.Builder#timeout} only bounds the wait for the response headers: a server that sends its
 * headers and then stalls the body would hold a {@code BodyHandlers.ofFile}/{@code ofByteArray} read, and with it the
 * task's unit of work (and the worker thread it runs on, see TradeSourceTask), for ever. The body is therefore read as
 * a stream here, and a
 * watchdog closes it once no byte has arrived for the same timeout; the read then fails with an
 * {@link HttpTimeoutException}, an I/O failure that {@link RetryingFetcher} retries and finally turns into a
 * RetriableException (and {@link HttpBody} deletes its temporary file).
 *
 * <p>Silence alone is not enough: a server that dribbles a byte every few seconds is never silent for the timeout and
 * would hold the task just the same. So the watchdog also closes a body whose average rate over the last timeout
 * fell under a floor ({@code http.body.min.bytes.per.second}), once it has been read for a whole timeout (TCP's
 * slow start and a server's first flush get that long). Neither bound is on the whole download: a bulk file of
 * gigabytes may take many minutes, as long as it keeps coming faster than the floor; a fixed deadline would have to be
 * tuned to the largest file and the slowest link, and a download it cuts would be cut again at every retry.
 */
public final class JdkPageFetcher implements PageFetcher {
  private static final Logger log = LoggerFactory.getLogger(JdkPageFetcher.class);

  /** Checks every stalled-body deadline of the process; daemon, so it never keeps a worker JVM alive. */
  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "tradepulse-http-body-watchdog");
    t.setDaemon(true);
    return t;
  });

  /**
   * The largest body {@link #fetch} holds in memory. The rate floor bounds how slowly a body comes, not how much of
   * it: without a cap, a huge or endless body (a wrong URL, a misbehaving server) fills the heap of the whole worker.
   * No task fetches into memory (they all download to a file, {@link HttpBody}), but the in-memory fetch stays public:
   * it is the {@link PageFetcher} method that test fetchers implement, and a small answer needs no file.
   */
  public static final int MAX_IN_MEMORY_BODY_BYTES = 16 << 20;

  private final HttpClient client;
  private final Duration timeout;
  private final long minBytesPerSecond;
  private final int maxInMemoryBody;
  /** Counts a Retry-After date from now when the response has no readable Date; a seam for tests. */
  private final Clock clock;
  /** The last Retry-After value that could not be read, warned about once (a server repeats it at every retry). */
  private final AtomicReference<String> unreadRetryAfter = new AtomicReference<>();
  /** What ends each stage in progress (a wait for headers, a body read), for {@link #stop()}; guarded by itself. */
  private final Set<Runnable> inProgress = new HashSet<>();
  private boolean stopped; // guarded by inProgress

  /** With the default floor of {@link TradeSourceConfig#HTTP_BODY_MIN_RATE_DEFAULT} bytes/s. */
  public JdkPageFetcher(Duration timeout) {
    this(timeout, TradeSourceConfig.HTTP_BODY_MIN_RATE_DEFAULT);
  }

  /**
   * @param timeout connect and header timeout, the longest a body may send nothing, and the window of its rate
   * @param minBytesPerSecond the least average rate of a body over each window after its first; 0: silence only
   */
  public JdkPageFetcher(Duration timeout, long minBytesPerSecond) {
    this(timeout, minBytesPerSecond, Clock.systemUTC());
  }

  /**
   * @param timeout connect and header timeout, the longest a body may send nothing, and the window of its rate
   * @param minBytesPerSecond the least average rate of a body over each window after its first; 0: silence only
   * @param clock "now" for a {@code Retry-After} date in a response without a readable {@code Date}
   */
  public JdkPageFetcher(Duration timeout, long minBytesPerSecond, Clock clock) {
    this(timeout, minBytesPerSecond, MAX_IN_MEMORY_BODY_BYTES, clock);
  }

  /** Visible for tests: a smaller cap than {@link #MAX_IN_MEMORY_BODY_BYTES} needs a smaller body to pass it. */
  JdkPageFetcher(Duration timeout, long minBytesPerSecond, int maxInMemoryBody) {
    this(timeout, minBytesPerSecond, maxInMemoryBody, Clock.systemUTC());
  }

  private JdkPageFetcher(Duration timeout, long minBytesPerSecond, int maxInMemoryBody, Clock clock) {
    if (minBytesPerSecond < 0) {
      throw new IllegalArgumentException("minBytesPerSecond < 0: " + minBytesPerSecond);
    }
    this.timeout = timeout;
    this.minBytesPerSecond = minBytesPerSecond;
    this.maxInMemoryBody = maxInMemoryBody;
    this.clock = clock;
    this.client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        // Redirects are followed here (send), not by the client: its policy sends every header of the request to
        // wherever a redirect points, another host included, and Comtrade's subscription key is one.
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Fails with an IOException naming the cap once the body is over {@link #MAX_IN_MEMORY_BODY_BYTES}; a body that
   * can be larger is fetched with {@link #fetchToFile}.
   */
  @Override
  public HttpPage fetch(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
    HttpResponse<InputStream> resp = send(uri, headers);
    InMemoryBody body = new InMemoryBody(maxInMemoryBody, uri);
    copyBody(resp, body, uri);
    return new HttpPage(resp.statusCode(), body.bytes.toByteArray(), retryAfter(resp, uri), validators(resp));
  }

  /** A body in memory, up to a cap: a write that would pass it fails, and with it the read (copyBody). */
  private static final class InMemoryBody extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int max;
    private final URI uri;

    InMemoryBody(int max, URI uri) {
      this.max = max;
      this.uri = uri;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if ((long) bytes.size() + len > max) {
        throw new IOException("Response body of " + redact(uri) + " is over " + max + " bytes, the most "
            + "JdkPageFetcher.fetch() holds in memory: aborted (fetchToFile() takes a body of any size)");
      }
      bytes.write(b, off, len);
    }
  }

  @Override
  public HttpPage fetchToFile(URI uri, Map<String, String> headers, Path target)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> resp = send(uri, headers);
    // TRUNCATE_EXISTING: a retry must not leave the tail of a longer earlier (error) body behind.
    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      copyBody(resp, out, uri);
    }
    return new HttpPage(resp.statusCode(), null, retryAfter(resp, uri), validators(resp));
  }

  /**
   * Ends every fetch in progress, and every later one at once, with an {@link InterruptedIOException}: a wait for the
   * headers is cancelled, a body stream closed under its reader. A later fetch fails too, so a fetch that starts
   * just as the task stops cannot escape it.
   */
  @Override
  public void stop() {
    List<Runnable> ends;
    synchronized (inProgress) {
      stopped = true;
      ends = List.copyOf(inProgress);
    }
    ends.forEach(Runnable::run);
  }

  /** Registers what ends a stage of a fetch for {@link #stop()}; runs it at once if the fetcher is stopped. */
  private void track(Runnable end) {
    synchronized (inProgress) {
      if (!stopped) {
        inProgress.add(end);
        return;
      }
    }
    end.run();
  }

  private void untrack(Runnable end) {
    synchronized (inProgress) {
      inProgress.remove(end);
    }
  }

  /**
   * The response, its body not read yet. As {@link HttpClient#send} (which is sendAsync and a wait too), but the wait
   * can be cancelled by {@link #stop()}: it lasts up to the timeout (a minute by default) when a server is slow to
   * answer.
   */
  private HttpResponse<InputStream> send(URI uri, Map<String, String> headers)
      throws IOException, InterruptedException {
    URI at = uri;
    Map<String, String> sent = headers;
    for (int redirects = 0; ; redirects++) {
      HttpResponse<InputStream> response = sendOnce(at, sent);
      Optional<String> location = response.headers().firstValue("Location");
      if (!REDIRECTS.contains(response.statusCode()) || location.isEmpty() || redirects == MAX_REDIRECTS) {
        return response;
      }
      URI next;
      try {
        next = at.resolve(new URI(location.get().strip()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        response.body().close();
        throw new IOException("HTTP " + response.statusCode() + " from " + redact(at) + " redirects to no URI ("
            + e.getMessage() + ")", e);
      }
      if (next.getHost() == null && next.getScheme() != null && next.getScheme().toLowerCase().startsWith("http")) {
        response.body().close();
        throw new IOException("HTTP " + response.statusCode() + " from " + redact(at) + " redirects to a URI "
            + "without a host");
      }
      if (next.getScheme() == null || !(next.getScheme().equalsIgnoreCase("http")
          || next.getScheme().equalsIgnoreCase("https"))
          || at.getScheme().equalsIgnoreCase("https") && next.getScheme().equalsIgnoreCase("http")) {
        return response; // as Redirect.NORMAL: never from HTTPS to HTTP (nor to another scheme); the 3xx is the answer
      }
      response.body().close(); // frees the connection; a redirect's body is not read
      if (!sameOrigin(uri, next)) {
        // Another origin gets none of the caller's headers but Accept (RFC 9110 section 15.4 leaves it to the client;
        // curl and Python requests drop credentials likewise): API keys and the first origin's validators stay home,
        // and once dropped they stay dropped, also if a later redirect points back.
        sent = headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase("Accept"))
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
      }
      at = next;
    }
  }

  /** The redirect statuses followed (with GET, the only method sent), as the JDK client's Redirect.NORMAL. */
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  /** The JDK client's own default limit (jdk.httpclient.redirects.retrylimit). */
  private static final int MAX_REDIRECTS = 5;

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  private HttpResponse<InputStream> sendOnce(URI uri, Map<String, String> headers)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<InputStream>> response =
        client.sendAsync(request(uri, headers), HttpResponse.BodyHandlers.ofInputStream());
    Runnable cancel = () -> response.cancel(true);
    track(cancel);
    try {
      return response.get();
    } catch (CancellationException e) {
      throw stopping(uri, "Response", "received");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CancellationException) { // how the JDK 17 client completes the future it cancelled
        throw stopping(uri, "Response", "received");
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) { // such as send()'s IllegalArgumentException
        throw re;
      }
      throw new IOException(cause.getMessage(), cause);
    } catch (InterruptedException e) {
      response.cancel(true); // as send() does: nobody waits for it any more
      throw e;
    } finally {
      untrack(cancel);
    }
  }

  private HttpRequest request(URI uri, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      // HTTP/1.1 on cleartext: the client's default HTTP/2 sends an h2c upgrade with every plain-http request, which a
      // server or proxy may take up half-way. Seen against a local Jetty: a body that never came (aborted after the
      // timeout), then "Frame type(101) ... exceeds MAX_FRAME_SIZE" (an HTTP/1.1 answer read as HTTP/2 frames). HTTPS
      // endpoints (the public APIs) still negotiate HTTP/2 by ALPN.
      b.version(HttpClient.Version.HTTP_1_1);
    }
    headers.forEach(b::header);
    return b.build();
  }

  /**
   * Copies the body to {@code out}, failing with {@link HttpTimeoutException} once it has sent nothing for the
   * timeout, or too little over the last timeout ({@link BodyWatch}). Always closes the body stream (an abandoned one
   * keeps its connection busy).
   */
  private void copyBody(HttpResponse<InputStream> resp, OutputStream out, URI uri) throws IOException {
    InputStream in = resp.body();
    BodyWatch watch = new BodyWatch(in, timeout, minBytesPerSecond);
    Runnable stop = watch::stop;
    track(stop);
    String cut;
    try (in) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        watch.progress(n);
        out.write(buf, 0, n);
      }
      // Ended before the stream is closed, so a check that comes now cannot fail a body that is complete. The JDK's
      // body stream may also end as if complete when it is closed under a read: only the watch knows which it was.
      cut = watch.end();
    } catch (IOException e) {
      cut = watch.end();
      if (cut == null) {
        throw e;
      }
      throw aborted(uri, cut, e);
    } finally {
      watch.end();
      untrack(stop);
    }
    if (cut != null) {
      throw aborted(uri, cut, null);
    }
  }

  /** A cut body: a timeout (retried), or ended by {@link #stop()} ({@link BodyWatch#STOPPED}). */
  private static IOException aborted(URI uri, String why, IOException cause) {
    IOException e = why == BodyWatch.STOPPED ? stopping(uri, "Response body", "read to its end")
        : new HttpTimeoutException("Response body of " + redact(uri) + " " + why + ": aborted");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  private static InterruptedIOException stopping(URI uri, String what, String not) {
    return new InterruptedIOException(what + " of " + redact(uri) + " not " + not + ": the task is stopping");
  }

  /** Without the query, where the API keys are. */
  private static String redact(URI uri) {
    return uri.getScheme() + "://" + uri.getAuthority() + uri.getPath();
  }

  /**
   * Closes a body stream under its reader once it has been silent for longer than the timeout, or once the bytes it
   * sent over the last timeout (a sliding window, from the first whole one on) average less than the floor.
   */
  private static final class BodyWatch {
    private static final String ENDED = "ended";
    /** The verdict of {@link #stop()}; compared by identity, as {@link #ENDED}. */
    static final String STOPPED = "stopped";
    private final InputStream in;
    private final long windowNanos;
    private final long minBytesPerSecond;
    private final long windowMillis;
    /** (time, bytes received) at each check, oldest first; after the constructor, only the watchdog touches it. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private volatile ScheduledFuture<?> check; // set right after scheduling, long before its first run
    private volatile long lastProgress = System.nanoTime();
    private volatile long received; // written by the reader alone
    /** Why the body was cut, or {@link #ENDED} once the reader is done with it; null until one of them. */
    private final AtomicReference<String> verdict = new AtomicReference<>();

    BodyWatch(InputStream in, Duration timeout, long minBytesPerSecond) {
      this.in = in;
      this.windowNanos = timeout.toNanos();
      this.windowMillis = timeout.toMillis();
      this.minBytesPerSecond = minBytesPerSecond;
      samples.add(new long[] {lastProgress, 0});
      // A few checks per timeout: a stall is noticed at most a quarter of the timeout late, and the rate's window is
      // at most that much longer than the timeout.
      long period = Math.max(5, Math.min(1_000, timeout.toMillis() / 4));
      this.check = WATCHDOG.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    void progress(int bytes) {
      lastProgress = System.nanoTime();
      received += bytes;
    }

    /**
     * Stops the watch: it cuts nothing from now on. Idempotent.
     *
     * @return why the watch cut the body before, or null if it did not
     */
    String end() {
      cancel();
      String v = verdict.compareAndExchange(null, ENDED);
      return v == null || v == ENDED ? null : v;
    }

    /** Cuts the body because the fetcher is stopping ({@link JdkPageFetcher#stop()}); nothing if it ended. */
    void stop() {
      cut(STOPPED);
    }

    private void check() {
      if (verdict.get() != null) {
        return;
      }
      long now = System.nanoTime();
      if (now - lastProgress > windowNanos) {
        cut("sent nothing for " + windowMillis + " ms (" + TradeSourceConfig.HTTP_TIMEOUT_CONFIG + ")");
      } else if (minBytesPerSecond > 0) {
        checkRate(now);
      }
    }

    private void checkRate(long now) {
      long total = received;
      samples.addLast(new long[] {now, total});
      // The head is the window's start: the newest sample at least a window old (or the first one, until there is).
      while (samples.size() > 1) {
        long[] oldest = samples.removeFirst();
        if (now - samples.peekFirst()[0] < windowNanos) {
          samples.addFirst(oldest);
          break;
        }
      }
      long[] start = samples.peekFirst();
      long elapsed = now - start[0];
      if (elapsed < windowNanos) {
        return; // not read for a whole window yet
      }
      long sent = total - start[1];
      if (sent < minBytesPerSecond * (elapsed / 1e9)) {
        cut("sent " + sent + " bytes in the last " + TimeUnit.NANOSECONDS.toMillis(elapsed) + " ms, under "
            + minBytesPerSecond + " bytes/s (" + TradeSourceConfig.HTTP_BODY_MIN_RATE_CONFIG + ")");
      }
    }

    private void cut(String why) {
      if (!verdict.compareAndSet(null, why)) {
        return; // the reader ended first
      }
      cancel();
      try {
        in.close(); // unblocks the reader: its read fails (or ends), and end() tells it why
      } catch (IOException | RuntimeException e) {
        // closing is all that is left to do; the reader reports the cut either way
      }
    }

    private void cancel() {
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

  /**
   * The wait the response's Retry-After asks for, in either form ({@link RetryAfter}); empty without one or when it
   * cannot be read, and the retry then backs off as configured.
   */
  private Optional<Duration> retryAfter(HttpResponse<?> resp, URI uri) {
    HttpHeaders h = resp.headers();
    return h.firstValue("Retry-After").flatMap(v -> {
      Optional<Duration> wait = RetryAfter.of(v, h.firstValue("Date").orElse(null), clock.instant());
      if (wait.isEmpty()) {
        ignored(v, resp.statusCode(), uri);
      }
      return wait;
    });
  }

  /**
   * Says once that a Retry-After was not understood: at WARN the first time a value is seen (what the server asked
   * for is lost, and the waits are the backoff's), at DEBUG when the same value comes again with the next retry.
   */
  private void ignored(String value, int status, URI uri) {
    String shown = value.length() > 100 ? value.substring(0, 100) + "..." : value;
    if (!value.equals(unreadRetryAfter.getAndSet(value))) {
      log.warn("Ignoring Retry-After '{}' of HTTP {} from {}: neither delta-seconds nor an HTTP-date; a retry waits "
          + "the configured backoff ({})", shown, status, redact(uri), TradeSourceConfig.HTTP_BACKOFF_INITIAL_CONFIG);
    } else {
      log.debug("Ignoring Retry-After '{}' of HTTP {} from {} again", shown, status, redact(uri));
    }
  }
}
