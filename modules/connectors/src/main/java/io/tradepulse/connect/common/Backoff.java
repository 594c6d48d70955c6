package io.tradepulse.connect.common;

import java.time.Duration;

/** Exponential backoff without jitter: one task per source partition set, so no herd to spread. */
public record Backoff(Duration initial, Duration max, int maxRetries) {
  public Duration delay(int attempt) {
    long ms = initial.toMillis() << Math.min(attempt, 20);
    return Duration.ofMillis(Math.min(ms, max.toMillis()));
  }
}
