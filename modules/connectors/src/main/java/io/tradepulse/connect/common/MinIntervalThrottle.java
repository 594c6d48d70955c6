package io.tradepulse.connect.common;

import java.time.Duration;

/** Allows at most one call per interval. Single-threaded use (one per task), so no locking. */
public final class MinIntervalThrottle implements Throttle {
  private final long intervalNanos;
  private final Sleeper sleeper;
  private long nextAllowed = Long.MIN_VALUE;

  public MinIntervalThrottle(Duration interval, Sleeper sleeper) {
    this.intervalNanos = interval.toNanos();
    this.sleeper = sleeper;
  }

  @Override
  public void acquire() throws InterruptedException {
    long now = System.nanoTime();
    if (nextAllowed != Long.MIN_VALUE && now < nextAllowed) {
      sleeper.sleep(Duration.ofNanos(nextAllowed - now));
      now = System.nanoTime();
    }
    nextAllowed = now + intervalNanos;
  }
}
