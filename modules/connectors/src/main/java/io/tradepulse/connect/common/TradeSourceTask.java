package io.tradepulse.connect.common;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shared poll loop: a subclass turns "the next unit of work" (one HTTP response, one file) into records
 * that already carry their per-row source offsets; this class hands them out in batches, waits
 * (interruptibly) when there is nothing new, counts acknowledgements, and signals completion of finite
 * sources via {@link SourceCompletion}.
 */
public abstract class TradeSourceTask<C extends TradeSourceConfig> extends SourceTask {
  protected final Logger log = LoggerFactory.getLogger(getClass());

  /**
   * Longest time one poll() blocks when the source has nothing new. Since Kafka 3.7 (KAFKA-15090) the
   * worker calls {@link #stop()} on the task thread only AFTER poll() returns; a poll() that sleeps for
   * poll.interval.ms (an hour) outlives task.shutdown.graceful.timeout.ms (5 s), the worker then cancels
   * the task and its final offset commit is lost, so a restart re-delivers everything since the last
   * periodic flush. Returning null at least this often keeps a graceful stop graceful.
   */
  public static final Duration MAX_IDLE_BLOCK = Duration.ofMillis(500);

  protected C config;
  protected final IngestMetrics metrics = new IngestMetrics();
  protected RecordFactory records;
  protected final Sleeper.StopSignal stopSignal = new Sleeper.StopSignal();
  protected Clock clock = Clock.systemUTC();
  protected PageFetcher pageFetcher;

  private final ArrayDeque<SourceRecord> pending = new ArrayDeque<>();
  private final AtomicLong handedOut = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private volatile boolean drained;
  private int peakPending;
  private String connectorName;
  private int taskId;

  protected abstract C parseConfig(Map<String, String> props);

  /** Called once the config is parsed; restore offsets here. */
  protected abstract void startTask(Map<String, String> props);

  /**
   * The next records once no payload is left open with records to emit ({@link #emitOpenPayload()}): fetch or open
   * the next payload. Called under the task's lock (see {@link #stop()}).
   *
   * @return the next records, or an empty list when the source has nothing new right now
   * @throws org.apache.kafka.connect.errors.RetriableException on transient I/O failures
   */
  protected abstract List<SourceRecord> nextRecords() throws InterruptedException;

  /**
   * The next records of the payload an earlier call left open (read lazily across polls, at most batch.max.records
   * at a time), or an empty list when none is open or it has no more. Sources that stream a payload across polls
   * override it, together with {@link #closeOpenPayload()}. Called under the task's lock. Default: nothing is open.
   */
  protected List<SourceRecord> emitOpenPayload() throws InterruptedException {
    return List.of();
  }

  /**
   * Synchronized with {@link #stop()}: the SourceTask contract lets stop() be called from another thread while this
   * reads the open payload (Kafka 3.7+ workers call it only after poll() returns); closing the payload under the
   * reader would fail that read, so stop() ends the fetcher's download first and then waits for the batch.
   */
  private synchronized List<SourceRecord> nextBatch() throws InterruptedException {
    if (stopSignal.isStopped()) {
      return List.of(); // stop() ran while this call waited for the lock: open nothing it would not close
    }
    List<SourceRecord> open = emitOpenPayload();
    return open.isEmpty() ? nextRecords() : open;
  }

  /** True for a finite source that has read everything (files); live APIs never finish. */
  protected boolean exhausted() {
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
    records = new RecordFactory(config.topic(), config.dlqTopic(), metrics);
    metrics.register(pluginMetrics());
    if (pageFetcher == null) {
      pageFetcher = new JdkPageFetcher(config.httpTimeout(), config.httpBodyMinRate());
    }
    startTask(props);
  }

  private PluginMetrics pluginMetrics() {
    try {
      return context == null ? null : context.pluginMetrics();
    } catch (RuntimeException | AbstractMethodError e) {
      return null;
    }
  }

  protected RetryingFetcher retryingFetcher() {
    Throttle throttle = config.httpMinInterval().isZero() ? Throttle.NONE
        : new MinIntervalThrottle(config.httpMinInterval(), stopSignal);
    return new RetryingFetcher(pageFetcher, throttle, config.backoff(), stopSignal, metrics);
  }

  protected Map<String, Object> storedOffset(Map<String, ?> partition) {
    if (context == null || context.offsetStorageReader() == null) {
      return null;
    }
    return SourcePartitions.storedOffset(context.offsetStorageReader(), partition);
  }

  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    if (pending.isEmpty() && !stopSignal.isStopped()) {
      List<SourceRecord> next;
      try {
        next = nextBatch();
      } catch (RetriableException e) {
        if (!stopSignal.isStopped()) {
          throw e;
        }
        // stop() ended the download this poll waited for (PageFetcher#stop): the task is going away, so this is no
        // failure for the worker to log and retry. Nothing of it was handed out, so no offset moved past it.
        log.info("Poll ended by stop(): {}", e.getMessage());
        return null;
      }
      if (next.isEmpty()) {
        drained = true;
        maybeSignalCompletion();
        // Short wait, then return control to the worker (see MAX_IDLE_BLOCK). Subclasses gate their own
        // re-checks by poll.interval.ms, so calling nextRecords() again soon costs no request.
        stopSignal.sleep(config.pollInterval().compareTo(MAX_IDLE_BLOCK) < 0 ? config.pollInterval() : MAX_IDLE_BLOCK);
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

  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    acked.incrementAndGet();
    maybeSignalCompletion();
  }

  private void maybeSignalCompletion() {
    if (!drained || acked.get() < handedOut.get()) {
      return;
    }
    if (exhausted()) {
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
   * Stops the task. The stop signal goes first, outside the lock, so a poll() that has not reached its records yet
   * opens nothing; the open payload is then closed under the task's lock, which a poll holds while it reads
   * ({@link #emitOpenPayload()}, {@link #nextRecords()}): a batch being read is finished, not cut off.
   *
   * <p>A download is not waited for: the lock would be held for as long as its body keeps coming (a Comext bulk file
   * can take minutes), and the JDK's body read ignores interrupts, so a stop() called during a poll() would outlast
   * task.shutdown.graceful.timeout.ms and leave the thread downloading. The fetcher is stopped first, outside the
   * lock: the poll's download fails at once, its temporary file is deleted, and poll() returns. (Kafka Connect 3.7 and
   * later call stop() on the task thread once poll() has returned; other callers, such as tests or an older worker,
   * may call it during one.)
   */
  @Override
  public void stop() {
    stopSignal.stop();
    if (pageFetcher != null) {
      pageFetcher.stop();
    }
    synchronized (this) {
      closeOpenPayload();
    }
    metrics.logSummary("Task stopping");
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

  /** Visible for tests: a fake clock and fetcher instead of the system ones. Call before start(). */
  public void useForTesting(Clock clock, PageFetcher fetcher) {
    this.clock = clock;
    this.pageFetcher = fetcher;
  }
}
