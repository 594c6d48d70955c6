package io.tradepulse.connect.common;

import java.time.Duration;

/**
 * Exponential backoff without jitter (one task per source partition set, so no herd to spread), and how long a
 * server's own Retry-After is honoured.
 *
 * @param max the longest wait of the exponential backoff; a Retry-After longer than this is not waited like a backoff
 *     but remembered as the time before which the server is not called ({@link RetryingFetcher})
 * @param retryAfterMax the longest Retry-After honoured: one further away is taken as this
 * @param longRetryAfter whether a Retry-After longer than {@code max} is waited for or fails the task
 */
public record Backoff(Duration initial, Duration max, int maxRetries, Duration retryAfterMax,
    TradeSourceConfig.LongRetryAfter longRetryAfter) {
  public Duration delay(int attempt) {
    long ms = initial.toMillis() << Math.min(attempt, 20);
    return Duration.ofMillis(Math.min(ms, max.toMillis()));
  }
}
