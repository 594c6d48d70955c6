package io.tradepulse.connect.runner;

import io.tradepulse.connect.common.SourceCompletion;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.common.utils.internals.KafkaThread;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.TaskStatus;
import org.apache.kafka.connect.runtime.Worker;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.runtime.rest.RestClient;
import org.apache.kafka.connect.runtime.rest.RestServer;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.apache.kafka.connect.storage.MemoryConfigBackingStore;
import org.apache.kafka.connect.storage.MemoryStatusBackingStore;
import org.apache.kafka.connect.storage.StatusBackingStore;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.SafeObjectInputStream;
import org.apache.kafka.connect.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real Kafka Connect runtime (standalone mode) inside this JVM: {@code ConnectStandalone.startConnect}
 * plus the herder, not a re-implementation. Connector configs live in memory (standalone), source offsets
 * in {@code offset.storage.file.filename}, so a restart with the same file resumes without duplicates.
 *
 * <pre>{@code
 * try (EmbeddedConnect connect = EmbeddedConnect.start(
 *     EmbeddedConnect.workerProps(bootstrap, registryUrl, workDir.resolve("connect.offsets")))) {
 *   connect.startConnector("gacc-seed", Map.of("connector.class", FileSourceConnector.class.getName(), ...));
 *   connect.awaitCompletion("gacc-seed", Duration.ofMinutes(1)); // finite sources: all rows acknowledged
 * }
 * }</pre>
 */
public final class EmbeddedConnect implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedConnect.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  /**
   * How long every write of the offsets file may fail before the waits throw {@link OffsetsNotSavedException}: long
   * enough for a moment of full disk to pass (Connect retries at each flush, every second here, and one write that
   * succeeds saves everything), short enough that a restart does not send hours of rows again. With an
   * {@code offset.flush.interval.ms} above 100 s the limit is three flush intervals instead (see
   * {@link OffsetsFileStore#requireSavedWithin}).
   */
  public static final Duration OFFSETS_WRITE_FAILURE_LIMIT = Duration.ofMinutes(5);

  private final Connect<StandaloneHerder> connect;
  private final Map<String, String> workerProps;
  private final OffsetsFileStore offsets;
  /** Null when the herder could not be built with it (a later Kafka): then no stop is known to have been cut. */
  private final TaskStates taskStates;
  /** {@link #OFFSETS_WRITE_FAILURE_LIMIT}, shorter in tests. */
  private volatile Duration offsetsWriteFailureLimit = OFFSETS_WRITE_FAILURE_LIMIT;
  /**
   * How long {@link #close()} waits for a stop someone else began (Connect's shutdown hook) beyond the tasks' graceful
   * timeout: the connectors' stop and the producers' close. {@link #REQUEST_TIMEOUT}, shorter in tests.
   */
  private volatile Duration stopWaitBeyondGrace = REQUEST_TIMEOUT;
  /** Set by {@link #close()}: the tasks whose final offset commit the worker skipped. */
  private volatile RuntimeException tasksNotStopped;
  /** The JVM shutdown hook Connect.start() registered for this worker; empty when it could not be captured. */
  private final List<Thread> shutdownHooks;

  private EmbeddedConnect(Connect<StandaloneHerder> connect, Map<String, String> workerProps, OffsetsFileStore offsets,
      TaskStates taskStates, List<Thread> shutdownHooks) {
    this.connect = connect;
    this.workerProps = Map.copyOf(workerProps);
    this.offsets = offsets;
    this.taskStates = taskStates;
    this.shutdownHooks = List.copyOf(shutdownHooks);
  }

  /**
   * Worker settings for the launcher and tests: AvroConverter for keys and values through the registry at
   * {@code registryUrl} (null = Connect's JsonConverter with schemas), ServiceLoader plugin discovery
   * (the default classpath scan costs seconds), an ephemeral REST port, and a file offset store.
   */
  public static Map<String, String> workerProps(String bootstrapServers, String registryUrl, Path offsetsFile) {
    Map<String, String> p = new HashMap<>();
    p.put("bootstrap.servers", bootstrapServers);
    p.put("offset.storage.file.filename", offsetsFile.toAbsolutePath().toString());
    p.put("offset.flush.interval.ms", "1000");
    p.put("plugin.discovery", "service_load");
    p.put("listeners", "http://127.0.0.1:0");
    if (registryUrl != null) {
      p.put("key.converter", "io.tradepulse.connect.avro.AvroConverter");
      p.put("value.converter", "io.tradepulse.connect.avro.AvroConverter");
      p.put("key.converter.schema.registry.url", registryUrl);
      p.put("value.converter.schema.registry.url", registryUrl);
    } else {
      p.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
      p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    }
    return p;
  }

  /**
   * Starts a standalone worker. Start-up failures surface as a {@link ConnectException} rather than the
   * {@code Exit.exit(3)} ConnectStandalone would call, and the caller's context class loader is restored
   * (startConnect swaps it for the plugin loader). An offsets file that cannot be read fails here, naming the file
   * and with its cause, before anything is started.
   */
  public static EmbeddedConnect start(Map<String, String> workerProps) {
    return start(workerProps, new Standalone());
  }

  /** {@link #start(Map)} with a worker command line of the caller's (tests: one that needs no broker). */
  static EmbeddedConnect start(Map<String, String> workerProps, Standalone cli) {
    ClassLoader caller = Thread.currentThread().getContextClassLoader();
    requireReadableOffsets(workerProps);
    List<Thread> hooks = new ArrayList<>();
    HOOKS_OF_THIS_START.set(hooks);
    enterExitSection();
    try {
      Connect<StandaloneHerder> connect;
      try {
        connect = cli.startConnect(workerProps);
      } catch (RuntimeException e) {
        cli.stopRestServerNotHandedOver(e);
        // startConnect stopped the Connect whose start failed (then called Exit.exit, which threw): its hook would
        // only keep it reachable.
        removeShutdownHooks(hooks);
        throw e;
      } catch (Error e) {
        // Not caught by startConnect, so a Connect that started is still running: its hook stays to stop it at exit.
        cli.stopRestServerNotHandedOver(e);
        throw e;
      }
      log.info("Embedded Kafka Connect worker started (REST {})", connect.rest() == null ? "-" : connect.rest().serverUrl());
      return new EmbeddedConnect(connect, workerProps, cli.offsets, cli.taskStates, hooks);
    } finally {
      HOOKS_OF_THIS_START.remove();
      leaveExitSection();
      Thread.currentThread().setContextClassLoader(caller);
    }
  }

  /** Turns startConnect's {@code Exit.exit(3)} into an exception in the thread that failed to start. */
  static final Exit.Procedure START_FAILED = (code, message) -> {
    // startConnect logs why ("Failed to start Connect") and exits with no message: say where to look. Its status is
    // named as Connect's: "(exit 3)" read as the launcher's exit code 3 (ingest: too many dead letters), which it is not.
    throw new ConnectException("Kafka Connect failed to start (Connect's exit status " + code + ", caught): "
        + (message != null ? message : "see the worker's log, \"Failed to start Connect\""));
  };
  private static final Object EXIT_LOCK = new Object();
  /** Starts between {@link #enterExitSection} and {@link #leaveExitSection}; guarded by EXIT_LOCK. */
  private static int startsInExitSection;
  /** The procedure in place before the first of them; null when it could not be read. Guarded by EXIT_LOCK. */
  private static Exit.Procedure exitProcedureBefore;
  /** The hook adder the first of them put in place; null when none was (Kafka's could not be read). EXIT_LOCK. */
  private static HookCapture hookCapture;
  /**
   * The hooks the start on this thread registered: Connect.start() runs on the thread that calls startConnect, so with
   * several starts at once each captures its own worker's hook, and a hook added by any other thread meanwhile (a
   * broker or client in the same JVM) goes to the adder that was in place.
   */
  private static final ThreadLocal<List<Thread>> HOOKS_OF_THIS_START = new ThreadLocal<>();

  /**
   * Kafka's exit procedure is one for the whole JVM. Each start used to set ours and then reset Kafka's default: a
   * start ending while another was still inside startConnect left that one with the default, whose failure then
   * ended the whole JVM (System.exit) instead of throwing; and a procedure someone else had set (a test recording
   * exits, an embedding application) was replaced by the default for good. So the starts in progress are counted:
   * the first sets ours, the last one out puts back what was there before.
   */
  private static void enterExitSection() {
    synchronized (EXIT_LOCK) {
      if (startsInExitSection++ == 0) {
        exitProcedureBefore = currentExitProcedure();
        Exit.setExitProcedure(START_FAILED);
        hookCapture = HookCapture.install();
      }
    }
  }

  private static void leaveExitSection() {
    synchronized (EXIT_LOCK) {
      if (--startsInExitSection == 0) {
        if (exitProcedureBefore != null) {
          Exit.setExitProcedure(exitProcedureBefore);
        } else {
          Exit.resetExitProcedure();
        }
        exitProcedureBefore = null;
        if (hookCapture != null) {
          hookCapture.uninstall();
          hookCapture = null;
        }
      }
    }
  }

  /**
   * Kafka's shutdown hook adder, replaced while starts are in progress to keep the hook Connect.start() registers
   * ({@code Exit.addShutdownHook("connect-shutdown-hook", ...)}): Connect.stop() never removes it, so every worker
   * started in this JVM stayed reachable from it (worker, herder, plugins, producers' buffers) until the JVM exited.
   * Only Kafka's default adder is stood in for, registering the same thread it would: an adder someone else set (a
   * test that records hooks, an embedding application) is left to do what it does, and the hook then stays.
   */
  private static final class HookCapture implements Exit.ShutdownHookAdder {
    /** The name Connect.start() registers its hook under (Kafka 4.4). */
    static final String CONNECT_HOOK = "connect-shutdown-hook";
    private final Exit.ShutdownHookAdder before;

    private HookCapture(Exit.ShutdownHookAdder before) {
      this.before = before;
    }

    /** Puts a capture in place of Kafka's default adder; null (nothing changed) when that is not the one in place. */
    static HookCapture install() {
      try {
        Exit.ShutdownHookAdder current = (Exit.ShutdownHookAdder) exitField("shutdownHookAdder");
        if (current == null || current != exitField("DEFAULT_SHUTDOWN_HOOK_ADDER")) {
          return null;
        }
        HookCapture capture = new HookCapture(current);
        Exit.setShutdownHookAdder(capture);
        return capture;
      } catch (ReflectiveOperationException | RuntimeException e) {
        log.debug("Cannot read Kafka's shutdown hook adder ({}); each worker's hook stays until the JVM exits",
            e.toString());
        return null;
      }
    }

    /** Puts the default back, unless someone replaced this capture meanwhile: theirs stays. */
    void uninstall() {
      try {
        if (exitField("shutdownHookAdder") == this) {
          Exit.setShutdownHookAdder(before);
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        Exit.setShutdownHookAdder(before);
      }
    }

    @Override
    public void addShutdownHook(String name, Runnable runnable) {
      List<Thread> hooks = HOOKS_OF_THIS_START.get();
      if (hooks == null || !CONNECT_HOOK.equals(name)) {
        before.addShutdownHook(name, runnable);
        return;
      }
      // What Kafka's default adder registers (Kafka 4.4), kept so close() can remove it.
      Thread hook = KafkaThread.nonDaemon(name, runnable);
      Runtime.getRuntime().addShutdownHook(hook);
      hooks.add(hook);
    }
  }

  private static Object exitField(String name) throws ReflectiveOperationException {
    Field field = Exit.class.getDeclaredField(name);
    field.setAccessible(true);
    return field.get(null);
  }

  /**
   * Removes hooks that would only keep a stopped worker reachable. Once the JVM is shutting down they are running (or
   * ran) and cannot be removed, nor need to be: the JVM is going away.
   */
  private static void removeShutdownHooks(List<Thread> hooks) {
    for (Thread hook : hooks) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        log.debug("Connect's shutdown hook not removed: the JVM is shutting down");
      }
    }
  }

  /** The shutdown hook Connect registered for this worker, as captured at its start (tests). */
  List<Thread> shutdownHooks() {
    return shutdownHooks;
  }

  /**
   * Kafka 4.4's Exit has setters but no getter, so the current procedure is read from its field; should a later
   * Kafka rename it, this gives null and the default is put back, as before.
   */
  static Exit.Procedure currentExitProcedure() {
    try {
      Field field = Exit.class.getDeclaredField("exitProcedure");
      field.setAccessible(true);
      return (Exit.Procedure) field.get(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("Cannot read Kafka's current exit procedure ({}); the default is put back after a start", e.toString());
      return null;
    }
  }

  /**
   * ConnectStandalone with a file offset store that remembers whether its last write failed; the herder is otherwise
   * built as {@code ConnectStandalone.createHerder} builds it (Kafka 4.4).
   */
  static class Standalone extends ConnectStandalone {
    private OffsetsFileStore offsets;
    private TaskStates taskStates;
    /**
     * The REST server startConnect started (bound its port, started Jetty's threads) and has not yet handed to
     * {@code Connect}, whose stop stops it: startConnect stops Connect when Connect's start fails, but what throws
     * while the herder is built escapes startConnect with the server still running, until the JVM exits.
     */
    private RestServer restServerNotHandedOver;

    @Override
    protected final StandaloneHerder createHerder(StandaloneConfig config, String workerId, Plugins plugins,
        ConnectorClientConfigOverridePolicy policy, RestServer restServer, RestClient restClient) {
      restServerNotHandedOver = restServer;
      StandaloneHerder herder = buildHerder(config, workerId, plugins, policy);
      restServerNotHandedOver = null; // Connect is built with it next, and stopped by startConnect if its start fails
      return herder;
    }

    /** After a start that failed: stops the REST server no Connect will stop. */
    void stopRestServerNotHandedOver(Throwable startFailure) {
      RestServer rest = restServerNotHandedOver;
      restServerNotHandedOver = null;
      if (rest != null) {
        try {
          rest.stop();
        } catch (RuntimeException e) {
          startFailure.addSuppressed(e);
        }
      }
    }

    StandaloneHerder buildHerder(StandaloneConfig config, String workerId, Plugins plugins,
        ConnectorClientConfigOverridePolicy policy) {
      offsets = new OffsetsFileStore(plugins.newInternalConverter(true, JsonConverter.class.getName(),
          Map.of("schemas.enable", "false")));
      offsets.configure(config);
      Worker worker = new Worker(workerId, Time.SYSTEM, plugins, config, offsets, policy);
      try {
        // What the public constructor builds, with a status store that sees each task's stop (package-private).
        Constructor<StandaloneHerder> withStores = herderWithStores();
        withStores.setAccessible(true);
        TaskStates states = new TaskStates();
        StandaloneHerder herder = withStores.newInstance(worker, worker.workerId(), config.kafkaClusterId(), states,
            new MemoryConfigBackingStore(worker.configTransformer()), policy, Time.SYSTEM);
        taskStates = states;
        return herder;
      } catch (ReflectiveOperationException | RuntimeException e) {
        // WARN: the worker runs as usual, but close() can no longer tell a task whose final offset commit was skipped
        // (offsetsNotSaved() stays empty for it), and only a Kafka upgrade gets here: the operator should know why.
        Throwable why = e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
        log.warn("Cannot build Kafka's standalone herder with its status store ({}); the worker runs with the plain one,"
            + " and a task whose stop was cut short (its final offset commit skipped) will not be reported",
            why.toString());
        return new StandaloneHerder(worker, config.kafkaClusterId(), policy);
      }
    }

    /** Kafka 4.4's package-private constructor taking the stores; a seam for tests of a Kafka without it. */
    Constructor<StandaloneHerder> herderWithStores() throws NoSuchMethodException {
      return StandaloneHerder.class.getDeclaredConstructor(Worker.class, String.class, String.class,
          StatusBackingStore.class, MemoryConfigBackingStore.class, ConnectorClientConfigOverridePolicy.class,
          Time.class);
    }
  }

  /**
   * The standalone herder's status store, noting which tasks are running. The worker stops each task with a deadline
   * ({@code task.shutdown.graceful.timeout.ms}); a task past it is cancelled, and a cancelled task skips its final
   * offset commit: the rows it delivered since the last periodic flush are not in the offsets file, and the next run
   * sends them again. Connect only logs it ("Graceful stop of task ... failed"), and the status of such a task never
   * leaves RUNNING (a cancelled task does not report its shutdown) until the herder marks it DESTROYED: a task whose
   * last instance did not end UNASSIGNED (stopped, final commit made) or FAILED (its commit made before) is one whose
   * commit was skipped.
   */
  static final class TaskStates extends MemoryStatusBackingStore {
    private final Set<ConnectorTaskId> live = ConcurrentHashMap.newKeySet();

    @Override
    public synchronized void put(TaskStatus status) {
      switch (status.state()) {
        case RUNNING, PAUSED, RESTARTING -> live.add(status.id());
        case UNASSIGNED, FAILED -> live.remove(status.id());
        default -> {
          // DESTROYED follows a stop, whichever way it ended; the connector-only states do not occur for a task.
        }
      }
      super.put(status);
    }

    /** The tasks started and not (yet) stopped with their final commit; once the worker stopped, those it cut short. */
    List<ConnectorTaskId> notStopped() {
      return live.stream().sorted().toList();
    }
  }

  /**
   * Connect's file offset store, remembering whether its last write of the file failed. The worker only logs such a
   * failure ("Failed to flush offsets to storage"), the task goes on and a graceful stop ends as usual: a caller that
   * reported the resume point saved was wrong, and the next run re-read what had been delivered since the last
   * write that succeeded. The offsets stay in memory after a failed write, so the next write that succeeds (a later
   * flush, the final commit) saves them all: only the last write tells whether the file is current.
   */
  static class OffsetsFileStore extends FileOffsetBackingStore {
    /**
     * Flush intervals a failing streak must last before the waits give up: the failed write and the two flushes after
     * it all failed, the way the 5 minutes of the default 1 s interval are some 300 attempts, not one.
     */
    static final int FLUSHES_BEFORE_GIVING_UP = 3;
    // Written on the store's single writer thread, read by whoever asks after (or while) the worker stops.
    private volatile RuntimeException lastWriteFailure;
    /** When the writes that keep failing began to fail; null while the last write succeeded. Same threads. */
    private volatile Instant failingSince;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Clock clock;
    private Path file;
    /** {@code offset.flush.interval.ms}: how often the worker writes (and so retries) the file. */
    private Duration flushInterval = Duration.ZERO;

    OffsetsFileStore(Converter keyConverter) {
      this(keyConverter, Clock.systemUTC());
    }

    OffsetsFileStore(Converter keyConverter, Clock clock) {
      super(keyConverter);
      this.clock = clock;
    }

    @Override
    public void configure(WorkerConfig config) {
      super.configure(config);
      file = Path.of(config.getString(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG));
      flushInterval = Duration.ofMillis(config.getLong(WorkerConfig.OFFSET_COMMIT_INTERVAL_MS_CONFIG));
    }

    /**
     * Connect's write truncates the file and writes it in place, so a write cut short (disk full) left it empty or
     * cut: the next run either read the whole source again (API quota, hours) or refused to start on an unreadable
     * file. So the file is copied aside first ({@link #previousOf}) and put back when the write fails; a first write
     * that fails leaves no file. A worker killed between the copy and its removal leaves both, which
     * {@link #requireReadableOffsets} sorts out at the next start. Offsets files are small (one entry per source
     * location or API cursor): the copy costs nothing next to the flush interval.
     */
    @Override
    protected void save() {
      // Where Connect's write lands: through a symbolic link, the file it names (see writtenFile).
      Path target = writtenFile(file);
      Path previous = previousOf(target);
      boolean existed = Files.exists(target);
      try {
        if (Files.isRegularFile(target)) {
          Files.copy(target, previous, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        // The file is untouched: the resume point it holds is the last complete one.
        deleteQuietly(previous);
        failed(new ConnectException("Could not keep a copy of " + file + " before writing it: " + e, e));
        throw lastWriteFailure;
      }
      try {
        writeFile();
        lastWriteFailure = null;
        failingSince = null;
      } catch (RuntimeException e) {
        failed(e);
        try {
          if (Files.isRegularFile(previous)) {
            Files.move(previous, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          } else if (!existed) {
            Files.deleteIfExists(target);
          }
        } catch (IOException restore) {
          e.addSuppressed(restore);
        }
        throw e;
      }
      deleteQuietly(previous);
    }

    private void failed(RuntimeException e) {
      lastWriteFailure = e;
      if (failingSince == null) {
        failingSince = clock.instant();
      }
    }

    /**
     * Throws when every write of the file has failed for {@code limit} or longer. Connect retries a failed write at
     * each flush (the offsets stay in memory) and only logs the failure, so a worker whose disk filled up went on
     * delivering rows for as long as it ran, each one more for a restart to send again, and nothing told the
     * operator. One failure is no reason to stop: the next flush may succeed and save everything.
     *
     * <p>The limit is at least {@link #FLUSHES_BEFORE_GIVING_UP} flush intervals: a worker flushing every 10 minutes
     * otherwise stopped after one failed write, its first retry not even due. Counted in time, not in failed writes:
     * each task flushes its own offsets, writing the whole file, so a count would mean less time the higher tasks.max.
     */
    void requireSavedWithin(Duration limit) {
      Instant since = failingSince;
      RuntimeException failure = lastWriteFailure;
      if (since == null || failure == null) {
        return;
      }
      Duration failing = Duration.between(since, clock.instant());
      Duration retries = flushInterval.multipliedBy(FLUSHES_BEFORE_GIVING_UP);
      if (failing.compareTo(limit) >= 0 && failing.compareTo(retries) >= 0) {
        throw new OffsetsNotSavedException(file, "The source offsets file " + file + " ("
            + StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG + ") could not be written for "
            + failing.toSeconds() + " s: every write since " + since + " failed (" + rootMessage(failure) + "). The rows"
            + " delivered since were published, but their resume point is not saved and a restart sends them again;"
            + " stopping rather than piling up more. Fix the cause (disk full? permissions?) and run again", failure);
      }
    }

    /** Connect's own write of the whole file; a seam for tests of a write cut short. */
    void writeFile() {
      super.save();
    }

    /** The worker stops its offset store last, once its tasks stopped; this returns when its writes are done. */
    @Override
    public synchronized void stop() {
      try {
        super.stop();
      } finally {
        stopped.countDown();
      }
    }

    /** Whether the worker stopped this store, the last step of its stop: its tasks stopped (or were abandoned). */
    boolean isStopped() {
      return stopped.getCount() == 0;
    }

    boolean awaitStopped(Duration timeout) throws InterruptedException {
      // Saturated, not toMillis(): the wait is task.shutdown.graceful.timeout.ms (up to Long.MAX_VALUE, the worker's
      // setting) plus a margin, which overflowed toMillis() and made close() throw ArithmeticException.
      return stopped.await(SourceCompletion.nanosOf(timeout), TimeUnit.NANOSECONDS);
    }

    Optional<RuntimeException> lastWriteFailure() {
      return Optional.ofNullable(lastWriteFailure);
    }
  }

  /**
   * Why the offsets file does not hold every source offset the worker committed: its last write failed (disk full, a
   * directory that became unwritable), which Connect only logs. Empty when the last write succeeded, or none was
   * needed. Asked after {@link #close()}, it covers the final commit of the graceful stop: empty means a new worker on
   * the same file resumes after the last delivered row. That includes a task that did not stop within
   * {@code task.shutdown.graceful.timeout.ms}: the worker cancelled it and skipped its final commit, which it also
   * only logs.
   */
  public Optional<RuntimeException> offsetsNotSaved() {
    Optional<RuntimeException> writeFailed = offsets.lastWriteFailure();
    return writeFailed.isPresent() ? writeFailed : Optional.ofNullable(tasksNotStopped);
  }

  /**
   * Loads the offsets file as the worker will. When the worker's own load fails, inside {@code Connect.start()},
   * startConnect logs the exception and calls {@code Exit.exit(3)} without it: the caller got "failed to start (exit
   * 3): null", no cause and no file name, and only after the cluster-id look-up. A copy kept aside by a write that
   * did not complete (the worker was killed) is put back first when the file does not read.
   */
  public static void requireReadableOffsets(Map<String, String> workerProps) {
    String file = workerProps.get(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG);
    if (file == null) {
      return; // the worker's config check names the missing key
    }
    Path target = writtenFile(Path.of(file));
    Path previous = previousOf(target);
    if (Files.isRegularFile(previous)) {
      // A worker stopped (killed) between keeping the previous file and removing it: the file itself is whole if its
      // write completed, and cut if not. The newer one wins when it reads; otherwise the previous is put back.
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        // No write removes the file (Connect's truncates it in place, a failed one puts the copy back): someone moved
        // it away, to read the source from its start as the launcher's message for an unreadable file advises. Putting
        // the stale copy back skipped every row up to its resume point instead.
        deleteQuietly(previous);
        log.warn("The source offsets file {} is gone; the copy a stopped worker had kept aside, {}, is removed rather "
            + "than put back: the source is read from its start", file, previous);
      } else if (whole(file)) {
        deleteQuietly(previous);
      } else {
        try {
          Files.move(previous, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          log.warn("The source offsets file {} was cut by a write that did not complete; the previous one, kept aside, "
              + "was put back: rows delivered after it are sent again (same keys and values)", file);
        } catch (IOException e) {
          log.warn("The source offsets file {} was cut by a write that did not complete, and the previous one, {}, "
              + "could not be put back: {}", file, previous, e.toString());
        }
      }
    }
    requireReadable(file);
  }

  private static void requireReadable(String file) {
    JsonConverter keys = new JsonConverter();
    keys.configure(Map.of("schemas.enable", "false"), true); // the worker's internal key converter
    FileOffsetBackingStore store = new FileOffsetBackingStore(keys);
    try {
      // Only the file: the worker's own converters may live in plugin.path, not loadable before startConnect.
      // (bootstrap.servers only because the config requires it: nothing is contacted here.)
      store.configure(new StandaloneConfig(Map.of(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG, file,
          "bootstrap.servers", "localhost:9092",
          "key.converter", JsonConverter.class.getName(), "value.converter", JsonConverter.class.getName())));
      store.start();
    } catch (ConnectException e) {
      throw new ConnectException("Cannot read the source offsets in " + file + " (offset.storage.file.filename): "
          + e.getMessage(), e);
    } finally {
      store.stop();
    }
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  /** Where the offsets file is kept while it is written: the same directory, so putting it back is one rename. */
  static Path previousOf(Path file) {
    return file.resolveSibling(file.getFileName() + ".previous");
  }

  /**
   * The file a write of {@code file} lands in: the one a symbolic link names (a link to a link followed too), or
   * {@code file} itself. Connect writes through a link, so the copy kept aside and put back must be that file's: put
   * back over the link, it replaced the link with a plain file and left the file the link names cut (on the volume
   * the link pointed to, the one a new machine's link would name again).
   */
  static Path writtenFile(Path file) {
    Path p = file;
    // Bounded: a loop of links is no file (the write fails, as Connect's would).
    for (int hops = 0; hops < 40 && Files.isSymbolicLink(p); hops++) {
      try {
        p = p.resolveSibling(Files.readSymbolicLink(p));
      } catch (IOException | RuntimeException e) {
        return p;
      }
    }
    return p;
  }

  /**
   * Whether the file holds a whole offsets map. Not Connect's load: it takes a file cut short (EOFException) for an
   * empty one, as if no row had been delivered, which is exactly what a cut write leaves.
   */
  private static boolean whole(String file) {
    try (SafeObjectInputStream in = new SafeObjectInputStream(Files.newInputStream(Path.of(file)))) {
      return in.readObject() instanceof Map;
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      return false;
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.debug("Could not remove {}: {}", path, e.toString());
    }
  }

  /** Creates or updates a connector and waits until the herder accepted it. {@code name} is added to the config. */
  public ConnectorInfo startConnector(String name, Map<String, String> config) {
    Map<String, String> c = new HashMap<>(config);
    c.put("name", name);
    // What an earlier connector of this name signalled in this JVM is not this one's progress.
    SourceCompletion.reset(name);
    FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
    herder().putConnectorConfig(name, c, true, cb);
    return await(cb, "starting connector " + name).result();
  }

  /** Deletes a connector (its offsets stay in the offsets file). */
  public void stopConnector(String name) {
    FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
    herder().deleteConnectorConfig(name, cb);
    await(cb, "deleting connector " + name);
  }

  public ConnectorStateInfo status(String name) {
    return herder().connectorStatus(name);
  }

  /**
   * Waits until a finite source connector (file, GACC tables, Comext bulk files) has delivered every row it
   * read: each task signals completion once the producer acknowledged all its records, and this waits for
   * every task the connector has (tasks.max &gt; 1 splits the files between tasks). Live API connectors
   * never complete (use {@link #awaitCaughtUp}). Throws {@link ConnectorFailedException} if the connector or a task
   * FAILED meanwhile, {@link OffsetsNotSavedException} once every write of the offsets file has failed for
   * {@link #OFFSETS_WRITE_FAILURE_LIMIT}, and a {@link ConnectException} naming the connector when the worker stopped
   * ({@link #close()} on another thread, a JVM shutdown) before the connector completed.
   *
   * <p>Delivered is not yet committed: the source offsets reach the offset store on the next periodic
   * flush or, at the latest, in the final commit of a graceful stop ({@link #stopConnector}, {@link #close}).
   *
   * @param timeout how long to wait: one too long to count in nanoseconds ({@code Duration.ofSeconds(Long.MAX_VALUE)})
   *     waits without limit, a zero or negative one checks once
   * @return true when complete within the timeout
   */
  public boolean awaitCompletion(String name, Duration timeout) throws InterruptedException {
    return awaitSignal(name, timeout, true);
  }

  /**
   * Waits until a connector has caught up: each of its tasks found nothing more to read right now and every
   * record it handed out was acknowledged (a live API connector that reached the newest published month), or
   * completed. Throws {@link ConnectorFailedException} if the connector or a task FAILED meanwhile (a task's final
   * offset commit, of every record it delivered, comes before the worker records it FAILED),
   * {@link OffsetsNotSavedException} once every write of the offsets file has failed for
   * {@link #OFFSETS_WRITE_FAILURE_LIMIT} (with a zero timeout too: a followed run's periodic check), and a
   * {@link ConnectException} naming the connector when the worker stopped before it caught up. The timeout is read as
   * {@link #awaitCompletion}'s.
   */
  public boolean awaitCaughtUp(String name, Duration timeout) throws InterruptedException {
    return awaitSignal(name, timeout, false);
  }

  private boolean awaitSignal(String name, Duration timeout, boolean needDone) throws InterruptedException {
    // Elapsed time against the timeout, not System.nanoTime() against a deadline: a deadline of a very long timeout
    // overflowed past Long.MAX_VALUE to a negative one, and the wait returned false at once; and toNanos() threw
    // ArithmeticException for one too long to count in nanoseconds (nanosOf waits forever then).
    long nanos = SourceCompletion.nanosOf(timeout);
    long start = System.nanoTime();
    Duration slice = Duration.ofMillis(200);
    // The herder forgets a connector's tasks when the worker stops: what they signalled is read for these then.
    List<Integer> known = List.of();
    while (System.nanoTime() - start < nanos) {
      if (offsets.isStopped()) {
        return afterStop(name, known, needDone);
      }
      // Asked again each time: the tasks exist only once the connector generated their configs.
      List<Integer> tasks = taskIds(name);
      if (!tasks.isEmpty()) {
        known = tasks;
      }
      if (tasks.isEmpty()) {
        Thread.sleep(slice.toMillis());
      } else if (needDone ? SourceCompletion.await(name, tasks, slice) : SourceCompletion.awaitCaughtUp(name, tasks, slice)) {
        failIfFailed(name);
        return true;
      }
      failIfFailed(name);
    }
    // Once more after the loop: a task that failed after the last check (in the last slice, or before a zero
    // timeout) was reported as not done, i.e. as a timeout, instead of its failure.
    failIfFailed(name);
    if (offsets.isStopped()) {
      return afterStop(name, known, needDone);
    }
    List<Integer> tasks = taskIds(name);
    return needDone ? SourceCompletion.isDone(name, tasks) : SourceCompletion.isCaughtUp(name, tasks);
  }

  /**
   * The end of a wait on a worker that stopped ({@link #close()} on another thread, such as the launcher's Ctrl-C hook,
   * or Connect's own shutdown hook): its tasks will never signal again, and the wait went on to its timeout, hours or
   * without limit, with the worker long gone. True if the tasks had signalled by the stop; otherwise it says so.
   */
  private boolean afterStop(String name, List<Integer> tasks, boolean needDone) {
    failIfFailed(name);
    if (needDone ? SourceCompletion.isDone(name, tasks) : SourceCompletion.isCaughtUp(name, tasks)) {
      return true;
    }
    // No tasks known: the wait began once the worker had stopped and the herder forgotten them; "before" is unknown.
    throw new ConnectException("Stopped waiting for connector " + name + " to "
        + (needDone ? "deliver every row" : "catch up") + ": the Connect worker was stopped (closed, or by the JVM's"
        + " shutdown: Ctrl-C, SIGTERM)" + (tasks.isEmpty() ? "" : " before its tasks " + tasks + " did"));
  }

  /** The ids of the connector's tasks; empty while it has none yet (or is not registered yet). */
  List<Integer> taskIds(String name) {
    try {
      return herder().connectorInfo(name).tasks().stream().map(ConnectorTaskId::task).toList();
    } catch (RuntimeException notYet) {
      return List.of();
    }
  }

  private void failIfFailed(String name) {
    failIfConnectorFailed(name);
    // The launcher's followed ingest asks this every second and ends on what it throws: without it a worker whose
    // offsets file could not be written any more ran on for days, only logging it.
    offsets.requireSavedWithin(offsetsWriteFailureLimit);
  }

  /** For tests, which cannot wait {@link #OFFSETS_WRITE_FAILURE_LIMIT}. */
  void offsetsWriteFailureLimit(Duration limit) {
    offsetsWriteFailureLimit = limit;
  }

  private void failIfConnectorFailed(String name) {
    ConnectorStateInfo s;
    try {
      s = status(name);
    } catch (RuntimeException e) {
      return; // not registered yet
    }
    if ("FAILED".equals(s.connector().state())) {
      throw new ConnectorFailedException(name, null, s.connector().trace());
    }
    for (ConnectorStateInfo.TaskState t : s.tasks()) {
      if ("FAILED".equals(t.state())) {
        throw new ConnectorFailedException(name, t.id(), t.trace());
      }
    }
  }

  public StandaloneHerder herder() {
    return connect.herder();
  }

  private static <T> T await(FutureCallback<T> cb, String what) {
    try {
      return cb.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted while " + what, e);
    } catch (ExecutionException e) {
      throw new ConnectException("Failed " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new ConnectException("Timed out " + what, e);
    }
  }

  /**
   * Stops the connectors and the worker. Each task is stopped gracefully, which ends with the task's final
   * offset commit to the offsets file: a new worker on the same file resumes after the last delivered row.
   * (That needs poll() to return within task.shutdown.graceful.timeout.ms; our tasks' poll() waits at most
   * about twice {@code TradeSourceTask.MAX_IDLE_BLOCK}, idle or downloading: the download runs on the task's own
   * worker thread, which stop() ends.)
   */
  @Override
  public void close() {
    try {
      stopWorker();
    } finally {
      // After the stop, which Connect's hook would only repeat (its stop() returns at once once one began): while the
      // worker runs the hook stays, to stop it should the JVM exit first.
      removeShutdownHooks(shutdownHooks);
    }
  }

  private void stopWorker() {
    connect.stop();
    connect.awaitStop();
    // Once Connect's own shutdown hook (SIGTERM, Ctrl-C) has begun the stop, stop() returns at once and awaitStop() with
    // it (Connect counts its latch down either way): close() returned while the tasks were still stopping, and a caller
    // then closed the broker under their final commit, or asked whether it was saved before it was written.
    // The tasks alone may take task.shutdown.graceful.timeout.ms, which the launcher advises raising when a task's
    // stop is cut short: a fixed 60 s gave up on a worker still stopping, reported its tasks' final commits skipped,
    // and the caller closed the broker under them.
    Duration wait = stopWaitBeyondGrace.plusMillis(gracefulTimeoutMs());
    try {
      if (!offsets.awaitStopped(wait)) {
        log.warn("The Connect worker had not stopped {} after it was asked to; going on", wait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (taskStates != null && !taskStates.notStopped().isEmpty()) {
      List<ConnectorTaskId> cut = taskStates.notStopped();
      String grace = workerProps.getOrDefault(WorkerConfig.TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG, "5000");
      tasksNotStopped = new TaskStopCutShortException(
          (cut.size() == 1 ? "task " + cut.get(0) + " did" : "tasks " + cut + " did")
          + " not stop within " + WorkerConfig.TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG + " (" + grace + " ms), so the"
          + " worker skipped " + (cut.size() == 1 ? "its" : "their") + " final offset commit: the rows delivered after"
          + " the last periodic flush (" + WorkerConfig.OFFSET_COMMIT_INTERVAL_MS_CONFIG + ") may be sent again");
      log.warn("The resume point in {} may not cover every delivered row: {}", offsetsFileName(), tasksNotStopped
          .getMessage());
    }
  }

  /** task.shutdown.graceful.timeout.ms as the worker reads it (it started, so it is valid), or Connect's default. */
  private long gracefulTimeoutMs() {
    String grace = workerProps.get(WorkerConfig.TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG);
    try {
      return grace == null ? 5000 : Math.max(0, Long.parseLong(grace.trim()));
    } catch (NumberFormatException e) {
      return 5000;
    }
  }

  /** For tests, which cannot wait {@link #REQUEST_TIMEOUT} beyond the graceful timeout. */
  void stopWaitBeyondGrace(Duration wait) {
    stopWaitBeyondGrace = wait;
  }

  private String offsetsFileName() {
    return workerProps.get(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG);
  }
}
