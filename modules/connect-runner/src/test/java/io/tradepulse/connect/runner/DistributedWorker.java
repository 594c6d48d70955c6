package io.tradepulse.connect.runner;

import io.tradepulse.connect.common.SourceCompletion;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.runtime.distributed.NotLeaderException;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.FutureCallback;

/**
 * Kafka's distributed worker in this JVM ({@code ConnectDistributed.startConnect}, as {@link EmbeddedConnect} does
 * for standalone, and as Kafka's own {@code EmbeddedConnectCluster} test utility starts each of its workers): group
 * membership, config/offset/status topics, a REST server on an ephemeral port (the worker's id, and how a follower
 * forwards task configs to the leader). Start-up failures surface as a {@link ConnectException} instead of
 * {@code Exit.exit}, and the caller's context class loader is restored (startConnect swaps it for the plugin loader).
 * Test scope only.
 */
final class DistributedWorker implements AutoCloseable {
  private final Connect<DistributedHerder> connect;
  private final CompletableFuture<Integer> exit;
  private boolean closed;

  private DistributedWorker(Connect<DistributedHerder> connect, CompletableFuture<Integer> exit) {
    this.connect = connect;
    this.exit = exit;
  }

  static DistributedWorker start(Map<String, String> props) {
    ClassLoader caller = Thread.currentThread().getContextClassLoader();
    Exit.setExitProcedure((code, message) -> {
      throw new ConnectException("Kafka Connect failed to start (exit status " + code + ", caught): " + message);
    });
    try {
      return new DistributedWorker(new ConnectDistributed().startConnect(props), null);
    } finally {
      Exit.resetExitProcedure();
      Thread.currentThread().setContextClassLoader(caller);
    }
  }

  /**
   * Starts a worker whose herder may give up after it started: {@code DistributedHerder.run} ends with
   * {@code Exit.exit(1)} on an error it cannot handle (e.g. an internal topic that neither exists nor can be created).
   * Until {@link #close}, any {@code Exit.exit} in this JVM completes {@link #exit()} instead of ending the JVM. One
   * such worker at a time, and no other {@code Exit} user meanwhile (the procedure is global).
   */
  static DistributedWorker startRecordingExit(Map<String, String> props) {
    ClassLoader caller = Thread.currentThread().getContextClassLoader();
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Exit.setExitProcedure((code, message) -> exit.complete(code));
    try {
      return new DistributedWorker(new ConnectDistributed().startConnect(props), exit);
    } catch (RuntimeException | Error e) {
      Exit.resetExitProcedure();
      throw e;
    } finally {
      Thread.currentThread().setContextClassLoader(caller);
    }
  }

  /** The exit code the herder gave up with (only for {@link #startRecordingExit}). */
  CompletableFuture<Integer> exit() {
    if (exit == null) {
      throw new IllegalStateException("not started with startRecordingExit");
    }
    return exit;
  }

  /** The id this worker has in the group's assignments and in the status topic: its REST host and port. */
  String workerId() {
    URI url = connect.rest().advertisedUrl();
    return url.getHost() + ":" + url.getPort();
  }

  DistributedHerder herder() {
    return connect.herder();
  }

  /**
   * Creates or updates a connector through this worker's herder and waits until the leader wrote it to the config
   * topic (the herder answers once this worker joined the group and, as leader, wrote the config).
   *
   * @throws NotLeaderException (as the cause of an {@link ExecutionException}) when this worker is not the leader
   */
  void startConnector(String name, Map<String, String> config) throws Exception {
    Map<String, String> c = new HashMap<>(config);
    c.put("name", name);
    FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
    connect.herder().putConnectorConfig(name, c, true, cb);
    cb.get(60, TimeUnit.SECONDS);
  }

  /** The connector's status as this worker reads it from the status topic. */
  ConnectorStateInfo status(String name) {
    return connect.herder().connectorStatus(name);
  }

  /**
   * Waits until this worker runs the connector's task: after a restart the status topic still says the previous
   * worker's task is RUNNING until this one's task starts (and has reset its completion signal).
   */
  void awaitTaskRunningHere(String name, Duration timeout) throws InterruptedException {
    String workerId = workerId();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      failIfFailed(name);
      try {
        List<ConnectorStateInfo.TaskState> tasks = status(name).tasks();
        if (!tasks.isEmpty() && workerId.equals(tasks.get(0).workerId()) && "RUNNING".equals(tasks.get(0).state())) {
          return;
        }
      } catch (RuntimeException e) {
        // no status read back yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("Task of " + name + " not running on worker " + workerId + " within " + timeout);
  }

  /**
   * Waits until the (single) task delivered every row (acknowledged by the broker); throws if it FAILED meanwhile.
   * This is {@link SourceCompletion}'s single-task form; with several tasks count the records instead.
   */
  void awaitCompletion(String name, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      boolean done = SourceCompletion.await(name, Duration.ofMillis(200));
      failIfFailed(name);
      if (done) {
        return;
      }
    }
    throw new AssertionError("Connector " + name + " did not complete within " + timeout);
  }

  void failIfFailed(String name) {
    ConnectorStateInfo s;
    try {
      s = status(name);
    } catch (RuntimeException e) {
      return; // no status written yet
    }
    if ("FAILED".equals(s.connector().state())) {
      throw new ConnectException("Connector " + name + " failed: " + s.connector().trace());
    }
    for (ConnectorStateInfo.TaskState t : s.tasks()) {
      if ("FAILED".equals(t.state())) {
        throw new ConnectException("Task " + t.id() + " of " + name + " failed: " + t.trace());
      }
    }
  }

  /**
   * Stops the worker gracefully: its tasks stop (each with its final offset commit, or the commit of its open
   * transaction under exactly-once) and it leaves the group, which starts a rebalance among the others. Idempotent.
   */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        connect.stop();
        connect.awaitStop();
      } finally {
        if (exit != null) {
          Exit.resetExitProcedure();
        }
      }
    }
  }
}
