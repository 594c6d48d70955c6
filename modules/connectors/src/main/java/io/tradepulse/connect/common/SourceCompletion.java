package io.tradepulse.connect.common;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

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
 *
 * <p>Kept per task (connector name + task id): with tasks.max &gt; 1 each task reads its own share of the
 * files, and the connector is done only once every task is ({@link #isDone(String, Collection)}); a waiter
 * that stopped at the first task once reported a two-file ingest finished after the small file's 16 rows.
 * Connect does not hand a task its id, so {@link #taskId} reads it from the name of the worker thread the
 * task starts on ({@code task-thread-<connector>-<id>}, Kafka's WorkerTask); off a worker thread (unit
 * tests driving one task) it is 0.
 */
public final class SourceCompletion {
  /** Prefix of the thread Kafka's WorkerTask runs a task on, followed by {@code <connector>-<task>}. */
  static final String TASK_THREAD_PREFIX = "task-thread-";

  // connector name -> task id -> done (false = caught up)
  private static final Map<String, Map<Integer, Boolean>> STATE = new ConcurrentHashMap<>();

  private SourceCompletion() {}

  /**
   * The id of the task starting on a thread named {@code threadName}: Connect's worker names it
   * {@code task-thread-<connector>-<id>}. 0 on any other thread (a test calling start() itself).
   */
  static int taskId(String connectorName, String threadName) {
    String prefix = TASK_THREAD_PREFIX + connectorName + "-";
    if (connectorName == null || threadName == null || !threadName.startsWith(prefix)) {
      return 0;
    }
    try {
      return Integer.parseInt(threadName.substring(prefix.length()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static void markDone(String connectorName, int task) {
    mark(connectorName, task, true);
  }

  static void markCaughtUp(String connectorName, int task) {
    if (connectorName != null && !isDone(connectorName, task)) {
      mark(connectorName, task, false);
    }
  }

  private static void mark(String connectorName, int task, boolean done) {
    if (connectorName != null) {
      STATE.computeIfAbsent(connectorName, n -> new ConcurrentHashMap<>()).put(task, done);
      synchronized (STATE) {
        STATE.notifyAll();
      }
    }
  }

  /** Forgets one task's signal: it is starting (again) and has delivered nothing yet. */
  static void reset(String connectorName, int task) {
    if (connectorName != null) {
      Map<Integer, Boolean> tasks = STATE.get(connectorName);
      if (tasks != null) {
        tasks.remove(task);
      }
    }
  }

  /**
   * Forgets every task's signal: call before (re)creating a connector of that name, so what an earlier
   * connector of the same name signalled in this JVM is not taken for the new one's progress.
   */
  public static void reset(String connectorName) {
    if (connectorName != null) {
      STATE.remove(connectorName);
    }
  }

  static boolean isDone(String connectorName, int task) {
    Map<Integer, Boolean> tasks = STATE.get(connectorName);
    return tasks != null && Boolean.TRUE.equals(tasks.get(task));
  }

  /** Whether every one of {@code taskIds} (at least one) finished: a finite source fully delivered. */
  public static boolean isDone(String connectorName, Collection<Integer> taskIds) {
    Map<Integer, Boolean> tasks = STATE.get(connectorName);
    return tasks != null && !taskIds.isEmpty() && taskIds.stream().allMatch(t -> Boolean.TRUE.equals(tasks.get(t)));
  }

  /** Whether every one of {@code taskIds} (at least one) caught up or finished. */
  public static boolean isCaughtUp(String connectorName, Collection<Integer> taskIds) {
    Map<Integer, Boolean> tasks = STATE.get(connectorName);
    return tasks != null && !taskIds.isEmpty() && tasks.keySet().containsAll(taskIds);
  }

  /** For a connector with one task: whether every task that signalled (at least one) finished. */
  public static boolean isDone(String connectorName) {
    Map<Integer, Boolean> tasks = STATE.get(connectorName);
    return tasks != null && !tasks.isEmpty() && !tasks.containsValue(false);
  }

  /** For a connector with one task: whether a task signalled. */
  public static boolean isCaughtUp(String connectorName) {
    Map<Integer, Boolean> tasks = STATE.get(connectorName);
    return tasks != null && !tasks.isEmpty();
  }

  /**
   * For a connector with one task ({@link #await(String, Collection, Duration)} otherwise). In each wait a timeout too
   * long to count in nanoseconds waits without limit, and a zero or negative one checks once ({@link #nanosOf}).
   *
   * @return true when the connector finished (finite source fully delivered) within the timeout
   */
  public static boolean await(String connectorName, Duration timeout) throws InterruptedException {
    return awaitState(timeout, () -> isDone(connectorName));
  }

  /** @return true when every one of {@code taskIds} finished (finite source fully delivered) within the timeout */
  public static boolean await(String connectorName, Collection<Integer> taskIds, Duration timeout)
      throws InterruptedException {
    return awaitState(timeout, () -> isDone(connectorName, taskIds));
  }

  /** For a connector with one task: @return true when it caught up (or finished) within the timeout */
  public static boolean awaitCaughtUp(String connectorName, Duration timeout) throws InterruptedException {
    return awaitState(timeout, () -> isCaughtUp(connectorName));
  }

  /** @return true when every one of {@code taskIds} caught up (or finished) within the timeout */
  public static boolean awaitCaughtUp(String connectorName, Collection<Integer> taskIds, Duration timeout)
      throws InterruptedException {
    return awaitState(timeout, () -> isCaughtUp(connectorName, taskIds));
  }

  private static boolean awaitState(Duration timeout, BooleanSupplier reached)
      throws InterruptedException {
    // Saturated and wrap-safe (nanosOf): toNanos() threw for a timeout "without limit" (Duration.ofSeconds(Long.MAX)).
    long nanos = nanosOf(timeout);
    long start = System.nanoTime();
    synchronized (STATE) {
      while (!reached.getAsBoolean()) {
        long left = nanos - (System.nanoTime() - start);
        if (left <= 0) {
          return false;
        }
        STATE.wait(Math.max(1, left / 1_000_000));
      }
    }
    return true;
  }

  /**
   * {@code timeout} in nanoseconds for a wait: one too long to count in them (over some 292 years, such as
   * {@code Duration.ofSeconds(Long.MAX_VALUE)} for "no limit") is Long.MAX_VALUE, i.e. forever, and a negative one is
   * 0 (checked once). Duration.toNanos() throws ArithmeticException for the former, which a wait "without limit" threw
   * instead of waiting; and a deadline {@code System.nanoTime() + nanos} can overflow, so a wait compares the time
   * elapsed since its start with this, {@code System.nanoTime() - start < nanos}, which holds across the wrap.
   */
  public static long nanosOf(Duration timeout) {
    if (timeout.isNegative()) {
      return 0;
    }
    try {
      return timeout.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }
}
