package io.tradepulse.connect.common;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-JVM progress signal for source connectors, so an in-process runner can wait for "everything
 * delivered" without guessing a record count:
 * <ul>
 *   <li><b>caught up</b>: the task asked the source, found nothing more to read right now, and the
 *       producer acknowledged every record it handed out (a live API connector that reached the newest
 *       published month);</li>
 *   <li><b>done</b>: caught up AND the source is finite and fully read (files, bulk tables).</li>
 * </ul>
 * Meaningless across JVMs (a distributed worker has no waiter), which is fine: it is only advisory.
 * Keyed by connector name; with tasks.max &gt; 1 the first task to get there sets it.
 */
public final class SourceCompletion {
  private static final Map<String, Boolean> STATE = new ConcurrentHashMap<>(); // name -> done (false = caught up)

  private SourceCompletion() {}

  static void markDone(String connectorName) {
    mark(connectorName, true);
  }

  static void markCaughtUp(String connectorName) {
    if (connectorName != null && !Boolean.TRUE.equals(STATE.get(connectorName))) {
      mark(connectorName, false);
    }
  }

  private static void mark(String connectorName, boolean done) {
    if (connectorName != null) {
      STATE.put(connectorName, done);
      synchronized (STATE) {
        STATE.notifyAll();
      }
    }
  }

  static void reset(String connectorName) {
    if (connectorName != null) {
      STATE.remove(connectorName);
    }
  }

  public static boolean isDone(String connectorName) {
    return Boolean.TRUE.equals(STATE.get(connectorName));
  }

  public static boolean isCaughtUp(String connectorName) {
    return STATE.containsKey(connectorName);
  }

  /** @return true when the connector finished (finite source fully delivered) within the timeout */
  public static boolean await(String connectorName, Duration timeout) throws InterruptedException {
    return awaitState(connectorName, timeout, true);
  }

  /** @return true when the connector caught up (or finished) within the timeout */
  public static boolean awaitCaughtUp(String connectorName, Duration timeout) throws InterruptedException {
    return awaitState(connectorName, timeout, false);
  }

  private static boolean awaitState(String connectorName, Duration timeout, boolean needDone)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (STATE) {
      while (needDone ? !isDone(connectorName) : !isCaughtUp(connectorName)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        STATE.wait(Math.max(1, left / 1_000_000));
      }
    }
    return true;
  }
}
