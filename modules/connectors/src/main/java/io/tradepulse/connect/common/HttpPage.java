package io.tradepulse.connect.common;

import java.time.Duration;
import java.util.Optional;

/** One HTTP response: status, body bytes, and the server's Retry-After hint when it sent one. */
public record HttpPage(int status, byte[] body, Optional<Duration> retryAfter) {
  public HttpPage {
    body = body == null ? new byte[0] : body;
    retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
  }

  public boolean isNoData() {
    return status == 204 || (status == 200 && body.length == 0);
  }

  public boolean isRetryable() {
    return status == 429 || status >= 500;
  }
}
