package io.tradepulse.connect.common;

import java.time.Duration;
import java.util.Optional;

/**
 * One HTTP response: status, body bytes, the server's Retry-After hint when it sent one, and its validators (ETag,
 * Last-Modified) for a later conditional request.
 */
public record HttpPage(int status, byte[] body, Optional<Duration> retryAfter, HttpValidators validators) {
  public HttpPage {
    body = body == null ? new byte[0] : body;
    retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
    validators = validators == null ? HttpValidators.NONE : validators;
  }

  /** A response without validators (most API answers; test fetchers). */
  public HttpPage(int status, byte[] body, Optional<Duration> retryAfter) {
    this(status, body, retryAfter, HttpValidators.NONE);
  }

  public boolean isNoData() {
    return status == 204 || (status == 200 && body.length == 0);
  }

  /**
   * 408, 425, 429 and 5xx. 408 Request Timeout (a server or proxy closing a slow or idle request) and 425 Too Early
   * say nothing about the query: the same request succeeds later, so failing the task on them, as on other 4xx (a
   * wrong query, a refused key), stopped it until restarted by hand. 304 Not Modified is not retryable: it is the
   * answer to a conditional request, not a failure.
   */
  public boolean isRetryable() {
    return status == 408 || status == 425 || status == 429 || status >= 500;
  }
}
