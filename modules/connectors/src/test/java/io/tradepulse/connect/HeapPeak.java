package io.tradepulse.connect;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The most heap in use (all heap pools) seen while it runs, sampled every 5 ms on a daemon thread: what the scale
 * harnesses report next to their -Xmx. Garbage not yet collected counts, so with a large -Xmx it overstates what
 * the code needs; run with a small one to see what fits.
 */
public final class HeapPeak implements AutoCloseable {
  private final AtomicLong peak = new AtomicLong();
  private final Thread sampler;

  private HeapPeak() {
    List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).toList();
    sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum(), Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
  }

  public static HeapPeak start() {
    HeapPeak h = new HeapPeak();
    h.sampler.start();
    return h;
  }

  /** The peak so far, in MB. */
  public long megabytes() {
    return peak.get() >> 20;
  }

  /** Stops sampling. */
  @Override
  public void close() {
    sampler.interrupt();
  }
}
