package io.tradepulse.connect.common;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Fetches one page (one HTTP request). Kept tiny so tests and retries can wrap it. */
@FunctionalInterface
public interface PageFetcher {
  HttpPage fetch(URI uri, Map<String, String> headers) throws IOException, InterruptedException;

  /**
   * One request whose body is written to {@code target} (replacing its content) instead of memory: for whole
   * documents such as bulk files, which can be larger than a heap. The returned page has an empty body; its
   * status, Retry-After and validators are the response's. This default goes through {@link #fetch} (test
   * fetchers).
   */
  default HttpPage fetchToFile(URI uri, Map<String, String> headers, Path target)
      throws IOException, InterruptedException {
    HttpPage page = fetch(uri, headers);
    Files.write(target, page.body());
    return new HttpPage(page.status(), null, page.retryAfter(), page.validators());
  }

  /**
   * Ends the fetches in progress, and fails every later one, with an {@link java.io.InterruptedIOException}: the
   * task that owns this fetcher is stopping ({@link TradeSourceTask#stop()}). Called from another thread than the
   * fetches. Default: nothing, for fetchers whose calls end by themselves (test fetchers).
   */
  default void stop() {
  }
}
