package io.tradepulse.connect.common;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** {@link PageFetcher} over java.net.http; no extra HTTP library in the plugin. */
public final class JdkPageFetcher implements PageFetcher {
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
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    headers.forEach(b::header);
    HttpResponse<byte[]> resp = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    return new HttpPage(resp.statusCode(), resp.body(), retryAfter(resp), validators(resp));
  }

  @Override
  public HttpPage fetchToFile(URI uri, Map<String, String> headers, Path target)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    headers.forEach(b::header);
    // TRUNCATE_EXISTING: a retry must not leave the tail of a longer earlier (error) body behind.
    HttpResponse<Path> resp = client.send(b.build(), HttpResponse.BodyHandlers.ofFile(target,
        StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
    return new HttpPage(resp.statusCode(), null, retryAfter(resp), validators(resp));
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
