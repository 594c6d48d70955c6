package io.tradepulse.connect.common;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits that end early when the task is stopped, so a long 429 backoff never holds up a worker
 * shutdown or rebalance.
 */
public interface Sleeper {
  void sleep(Duration d) throws InterruptedException;

  /** Whether the waits end early because the task is stopping: then a retry loop gives up instead of going on. */
  default boolean stopped() {
    return false;
  }

  /** A sleeper woken by {@link StopSignal#stop()}. */
  final class StopSignal implements Sleeper {
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public void sleep(Duration d) throws InterruptedException {
      stopped.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void stop() {
      stopped.countDown();
    }

    public boolean isStopped() {
      return stopped.getCount() == 0;
    }

    @Override
    public boolean stopped() {
      return isStopped();
    }
  }
}
