package io.tradepulse.connect.common;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Shared poll loop: a subclass turns "the next unit of work" (one HTTP response, one file) into records
 * that already carry their per-row source offsets; this class hands them out in batches, waits
 * (interruptibly) when there is nothing new, counts acknowledgements, and signals completion of finite
 * sources via {@link SourceCompletion}.
 *
 * <p>Threads. A unit of work can block on I/O for minutes: a Comtrade page is some 90 MB, a Comext bulk file a
 * gigabyte, and retries wait out their backoff. Since Kafka 3.7 (KAFKA-15090) the worker calls {@link #stop()} only
 * after poll() returns, so a poll() blocked in a download would hold a graceful stop or rebalance past
 * task.shutdown.graceful.timeout.ms (5 s): the worker then abandons the task, its final offset commit is lost (a
 * restart re-delivers) and the thread goes on downloading. So the unit of work ({@link #emitOpenPayload()}, else
 * {@link #nextRecords()}) runs on one worker thread of the task's own, and poll() waits for it at most
 * {@link #MAX_IDLE_BLOCK}: when it is not done by then, poll() returns null and the next poll() waits for the same
 * unit (there is never more than one). Every subclass hook ({@link #nextRecords()}, {@link #emitOpenPayload()},
 * {@link #exhausted()}, {@link #closeOpenPayload()} once started) runs on that thread, one at a time, so subclass state
 * needs no locking; the hand-off to and from it (the executor's queue, the unit's {@link Future}) orders what each
 * side wrote before. An exception of a unit is thrown by the poll() that collects it, as it was when the unit ran on
 * the poll() thread. {@link #commitRecord} (the producer's thread) touches only counters and flags.
 */
public abstract class TradeSourceTask<C extends TradeSourceConfig> extends SourceTask {
  protected final Logger log = LoggerFactory.getLogger(getClass());

  /**
   * Longest time one poll() waits for the unit of work it started (or found in flight), and then again when the
   * source has nothing new. Since Kafka 3.7 (KAFKA-15090) the worker calls {@link #stop()} on the task thread only
   * AFTER poll() returns; a poll() that sleeps for poll.interval.ms (an hour), or downloads a bulk file, outlives
   * task.shutdown.graceful.timeout.ms (5 s), the worker then cancels the task and its final offset commit is lost,
   * so a restart re-delivers everything since the last periodic flush. Returning null at least this often (twice
   * this at most: a unit that ends just in time and finds nothing) keeps a graceful stop graceful.
   */
  public static final Duration MAX_IDLE_BLOCK = Duration.ofMillis(500);

  /**
   * Longest time {@link #stop()} waits for the worker thread to finish the unit in flight and close the open payload.
   * A download or backoff ends at once ({@link PageFetcher#stop()}, the stop signal); what cannot be cut (reading a
   * local file of a gigabyte for its digest) is not waited for beyond this, within the worker's 5 s
   * (task.shutdown.graceful.timeout.ms), so the final offset commit still happens: the thread is then interrupted,
   * and closes the payload once the unit returns.
   */
  static final Duration STOP_WAIT = Duration.ofSeconds(2);

  /** Prefix of the name of a task's worker thread, followed by {@code <connector>-<task>}. */
  static final String WORKER_THREAD_PREFIX = "tradepulse-source-";

  protected C config;
  protected final IngestMetrics metrics = new IngestMetrics();
  protected RecordFactory records;
  protected final Sleeper.StopSignal stopSignal = new Sleeper.StopSignal();
  /**
   * What a unit of work waits with (retry backoff, throttle, a source's quota): the stop signal, so that stop() ends
   * the wait; a test swaps in one that does not really wait ({@link #useForTesting(Clock, PageFetcher, Sleeper)}).
   */
  protected Sleeper sleeper = stopSignal;
  protected Clock clock = Clock.systemUTC();
  protected PageFetcher pageFetcher;
  /** Live API sources: when each partition last read its look-back window (see {@link RevisionChecks}). */
  protected final RevisionChecks revisionChecks = new RevisionChecks();

  private final ArrayDeque<SourceRecord> pending = new ArrayDeque<>();
  private final AtomicLong handedOut = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private volatile boolean drained;
  /** {@link #exhausted()} as the unit that found nothing new left it: read by commitRecord() on another thread. */
  private volatile boolean finished;
  private int peakPending;
  /** Runs the units of work; created by start(), shut down by stop(). */
  private volatile ExecutorService worker;
  /** The unit of work poll() waits for, if any; touched by the poll() thread alone. */
  private Future<Unit> inFlight;
  private String connectorName;
  private int taskId;

  protected abstract C parseConfig(Map<String, String> props);

  /** Called once the config is parsed; restore offsets here. */
  protected abstract void startTask(Map<String, String> props);

  /**
   * What one unit of work gave: its records, and, when there were none, whether the source is fully read, whether
   * work is due all the same ({@link #workDue()}), and whether part of it waits for a server ({@link #waiting()}).
   */
  private record Unit(List<SourceRecord> records, boolean exhausted, boolean workDue, boolean waiting) {}

  /**
   * The next records once no payload is left open with records to emit ({@link #emitOpenPayload()}): fetch or open
   * the next payload. Called on the task's worker thread (see the class comment); may block on I/O.
   *
   * @return the next records, or an empty list when the source has nothing new right now
   * @throws org.apache.kafka.connect.errors.RetriableException on transient I/O failures
   */
  protected abstract List<SourceRecord> nextRecords() throws InterruptedException;

  /**
   * The next records of the payload an earlier call left open (read lazily across polls, at most batch.max.records
   * at a time), or an empty list when none is open or it has no more. Sources that stream a payload across polls
   * override it, together with {@link #closeOpenPayload()}. Called on the task's worker thread. Default: nothing is
   * open.
   */
  protected List<SourceRecord> emitOpenPayload() throws InterruptedException {
    return List.of();
  }

  /**
   * One unit of work, on the worker thread. The MDC is the poll() thread's (Connect's {@code connector.context}), so
   * the unit's log lines name the connector and task as they did on the task thread.
   */
  private Unit runUnit(Map<String, String> mdc) throws InterruptedException {
    if (mdc != null) {
      MDC.setContextMap(mdc);
    }
    try {
      if (stopSignal.isStopped()) {
        return new Unit(List.of(), false, false, false); // stop() came before this unit started: open nothing
      }
      List<SourceRecord> open = emitOpenPayload();
      List<SourceRecord> out = open.isEmpty() ? nextRecords() : open;
      boolean due = out.isEmpty() && workDue();
      boolean waiting = out.isEmpty() && !due && waiting();
      return new Unit(out, out.isEmpty() && !due && !waiting && exhausted(), due, waiting);
    } finally {
      if (stopSignal.isStopped()) {
        // What this unit opened after stop() is closed here, should stop() have dropped its queued close (shutdownNow)
        closeOpenPayload();
      }
      MDC.clear();
    }
  }

  /**
   * True for a finite source that has read everything (files); live APIs never finish. Called on the task's worker
   * thread after a unit of work that found nothing new.
   */
  protected boolean exhausted() {
    return false;
  }

  /**
   * Whether work is due now although the last unit of work found nothing new: a look-back check due or under way (its
   * unchanged windows build no records). The task does not report itself caught up or finished meanwhile, and the next
   * unit starts without the idle wait, so a one-shot ingest, which stops once caught up, reads revisions too. Called on
   * the task's worker thread after a unit of work that found nothing new. Default: nothing.
   */
  protected boolean workDue() {
    return false;
  }

  /**
   * Whether part of the source is put off until a time a server asked for (a location whose server's Retry-After was
   * beyond http.backoff.max.ms, {@link RetryingFetcher.LongWaits#PUT_OFF}), or until a local file is no longer being
   * written ({@link LocationSourceTask#settleTime()}): the task has nothing to do before then, but
   * is neither caught up nor finished, as it was not while it slept through such a wait, so a one-shot ingest does not
   * end without what the server holds back. Called on the task's worker thread after a unit of work that found nothing
   * new. Default: nothing waits.
   */
  protected boolean waiting() {
    return false;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }

  @Override
  public void start(Map<String, String> props) {
    config = parseConfig(props);
    connectorName = props.get("name");
    // start() runs on the worker's task thread, which names the task: completion is signalled per task.
    taskId = SourceCompletion.taskId(connectorName, Thread.currentThread().getName());
    SourceCompletion.reset(connectorName, taskId);
    records = new RecordFactory(config.topic(), config.dlqTopic(), metrics, revisionChecks);
    metrics.register(pluginMetrics());
    if (pageFetcher == null) {
      pageFetcher = new JdkPageFetcher(config.httpTimeout(), config.httpBodyMinRate(), clock);
    }
    startTask(props);
    // The thread starts with the first unit of work, from poll(): a task stopped before it polls has none. A daemon,
    // so that a unit that never ends cannot keep a worker JVM alive either.
    String threadName = WORKER_THREAD_PREFIX + connectorName + "-" + taskId;
    worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }

  private PluginMetrics pluginMetrics() {
    try {
      return context == null ? null : context.pluginMetrics();
    } catch (RuntimeException | AbstractMethodError e) {
      return null;
    }
  }

  /** The task's fetcher; it sleeps through a server's long Retry-After, as an API task (one server) should. */
  protected RetryingFetcher retryingFetcher() {
    return retryingFetcher(RetryingFetcher.LongWaits.SLEEP);
  }

  /** @param longWaits what a call does while its server waits beyond http.backoff.max.ms: sleep, or be put off */
  protected RetryingFetcher retryingFetcher(RetryingFetcher.LongWaits longWaits) {
    Throttle throttle = config.httpMinInterval().isZero() ? Throttle.NONE
        : new MinIntervalThrottle(config.httpMinInterval(), sleeper);
    return new RetryingFetcher(pageFetcher, throttle, config.backoff(), sleeper, clock, metrics, longWaits);
  }

  protected Map<String, Object> storedOffset(Map<String, ?> partition) {
    if (context == null || context.offsetStorageReader() == null) {
      return null;
    }
    return SourcePartitions.storedOffset(context.offsetStorageReader(), partition);
  }

  /**
   * Hands out what the last unit of work built; once that is all out, starts the next unit on the worker thread (or
   * goes on waiting for the one in flight) and waits for it at most {@link #MAX_IDLE_BLOCK}.
   *
   * @return up to batch.max.records records, or null when there is nothing new or the unit is not done yet
   */
  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    if (pending.isEmpty() && !stopSignal.isStopped()) {
      Unit unit;
      try {
        unit = awaitUnit();
      } catch (RetriableException e) {
        if (!stopSignal.isStopped()) {
          throw e;
        }
        // stop() ended the download this poll waited for (PageFetcher#stop): the task is going away, so this is no
        // failure for the worker to log and retry. Nothing of it was handed out, so no offset moved past it.
        log.info("Poll ended by stop(): {}", e.getMessage());
        return null;
      }
      if (unit == null) {
        return null; // still downloading or reading: Connect polls again, and that poll waits for the same unit
      }
      List<SourceRecord> next = unit.records();
      if (next.isEmpty() && unit.workDue()) {
        return null; // not caught up: the next poll() starts the next unit at once
      }
      if (next.isEmpty() && unit.waiting()) {
        // Not caught up (nor done) while a server holds part of the source back; nothing to do before its time.
        idle();
        return null;
      }
      if (next.isEmpty()) {
        finished = unit.exhausted();
        drained = true;
        maybeSignalCompletion();
        idle();
        return null;
      }
      pending.addAll(next);
      peakPending = Math.max(peakPending, pending.size());
    }
    if (pending.isEmpty()) {
      return null;
    }
    drained = false;
    int n = Math.min(pending.size(), config.batchMax());
    List<SourceRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(pending.poll());
    }
    handedOut.addAndGet(n);
    return out;
  }

  /**
   * Short wait, then return control to the worker (see MAX_IDLE_BLOCK). Subclasses gate their own re-checks by
   * poll.interval.ms (or the time a server asked for), so calling nextRecords() again soon costs no request.
   */
  private void idle() throws InterruptedException {
    stopSignal.sleep(config.pollInterval().compareTo(MAX_IDLE_BLOCK) < 0 ? config.pollInterval() : MAX_IDLE_BLOCK);
  }

  /**
   * The unit of work in flight, or a new one: its result once done within {@link #MAX_IDLE_BLOCK}, else null (it goes
   * on, and the next call waits for it again). What the unit threw is thrown here, the same exception.
   */
  private Unit awaitUnit() throws InterruptedException {
    if (inFlight == null) {
      Map<String, String> mdc = MDC.getCopyOfContextMap();
      try {
        inFlight = worker.submit(() -> runUnit(mdc));
      } catch (RejectedExecutionException e) {
        return null; // stop() shut the worker down since poll() looked at the stop signal
      }
    }
    Unit unit;
    try {
      unit = inFlight.get(MAX_IDLE_BLOCK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      inFlight = null;
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re; // RetriableException, ConnectException, ...: as when the unit ran on this thread
      }
      if (cause instanceof Error err) {
        throw err;
      }
      if (cause instanceof InterruptedException ie) {
        throw ie;
      }
      throw new ConnectException("Unit of work failed", cause); // no other checked exception: nextRecords' signature
    }
    inFlight = null;
    return unit;
  }

  /**
   * The worker is done with a record. Without {@code metadata} it did not write it: a transform (an SMT such as Filter)
   * dropped it, counted apart ({@link IngestMetrics#droppedByTransform()}) so that the counts still say what reached
   * Kafka. The worker gives no metadata either for a record it failed to convert or write under errors.tolerance=all,
   * which every connector refuses at start ({@link TradeSourceConfig#COMMON_RULES}). Either way the worker is done with
   * the record, so it counts towards completion: a source whose last records a transform drops still finishes.
   */
  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    if (metadata == null) {
      metrics.recordDroppedByTransform();
    }
    acked.incrementAndGet();
    maybeSignalCompletion();
  }

  private void maybeSignalCompletion() {
    if (!drained || acked.get() < handedOut.get()) {
      return;
    }
    if (finished) {
      if (!SourceCompletion.isDone(connectorName, taskId)) {
        metrics.logSummary("Source finished");
      }
      SourceCompletion.markDone(connectorName, taskId);
    } else {
      SourceCompletion.markCaughtUp(connectorName, taskId);
    }
  }

  /**
   * Closes what the task keeps open between polls: the payload being emitted (its parse, its temporary file). Sources
   * that stream a payload across polls override it; {@link #stop()} calls it. Default: nothing is kept open.
   */
  protected void closeOpenPayload() {
  }

  /**
   * After reading the open payload failed (the caller has already set where the next read resumes): closes it, and
   * gives what to throw, an I/O failure as retriable (Connect polls again and the payload is read again), anything
   * else as it is.
   */
  protected RuntimeException openPayloadFailed(Exception e, String what) {
    closeOpenPayload();
    return e instanceof IOException io ? new RetriableException("Cannot read " + what, io) : (RuntimeException) e;
  }

  /**
   * Stops the task: ends the unit of work in flight, closes the open payload and ends the worker thread. Kafka Connect
   * 3.7 and later call it on the task thread once poll() has returned, which no longer means the unit is done: the
   * worker thread may be downloading. Other callers (tests, an older worker) may call it during a poll().
   *
   * <p>The stop signal goes first, so a unit that has not started opens nothing and a retry backoff ends. A download
   * is not waited for (its body may keep coming for minutes, and the JDK's body read ignores interrupts): the fetcher
   * is stopped, so the download fails at once, its temporary file is deleted, and the unit returns. The open payload is
   * then closed on the worker thread, after the unit in flight: a batch being read is finished, not cut off, and
   * subclass state stays with one thread. stop() waits for that at most {@link #STOP_WAIT}.
   */
  @Override
  public void stop() {
    stopSignal.stop();
    if (pageFetcher != null) {
      pageFetcher.stop();
    }
    ExecutorService w = worker;
    if (w == null) {
      closeOpenPayload(); // never started: nothing runs
    } else {
      shutDown(w);
    }
    metrics.logSummary("Task stopping");
  }

  private void shutDown(ExecutorService w) {
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    try {
      w.execute(() -> {
        if (mdc != null) {
          MDC.setContextMap(mdc);
        }
        try {
          closeOpenPayload();
        } finally {
          MDC.clear();
        }
      });
    } catch (RejectedExecutionException e) {
      // stopped before: closed then
    }
    w.shutdown();
    try {
      if (!w.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("The task's unit of work did not end within {} ms of stop(): interrupting its thread, which closes "
            + "the open payload once the unit returns", STOP_WAIT.toMillis());
        w.shutdownNow();
      }
    } catch (InterruptedException e) {
      // Not waited for any longer; shut down all the same, the thread ends once its queue (the close) has run.
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Visible for tests: the most records this task has held built but not yet handed to the worker; with
   * bounded sources (files read as streams) never more than batch.max.records.
   */
  public int peakPendingRecords() {
    return peakPending;
  }

  /** Visible for tests and the benchmark. */
  public IngestMetrics metrics() {
    return metrics;
  }

  /**
   * Visible for tests: whether the last poll() returned null because its unit of work was not done within
   * {@link #MAX_IDLE_BLOCK} (rather than because the source had nothing new). Call on the polling thread.
   */
  public boolean unitInFlight() {
    return inFlight != null;
  }

  /** Visible for tests: a fake clock and fetcher instead of the system ones. Call before start(). */
  public void useForTesting(Clock clock, PageFetcher fetcher) {
    this.clock = clock;
    this.pageFetcher = fetcher;
  }

  /**
   * Visible for tests: as {@link #useForTesting(Clock, PageFetcher)}, and the waits of the units of work (backoff,
   * throttle, quota) go to {@code sleeper}, which may advance the fake clock instead of waiting. Call before start().
   */
  public void useForTesting(Clock clock, PageFetcher fetcher, Sleeper sleeper) {
    useForTesting(clock, fetcher);
    this.sleeper = sleeper;
  }
}
