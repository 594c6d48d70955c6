package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.SocketServer;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.file.FileConfig;
import io.tradepulse.connect.file.FileSourceTask;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

/**
 * poll() waits for a download at most {@link TradeSourceTask#MAX_IDLE_BLOCK}: since Kafka 3.7 the worker calls stop()
 * only once poll() has returned, so a poll() held by a download of minutes would hold a graceful stop or rebalance past
 * task.shutdown.graceful.timeout.ms (5 s). The download goes on on the task's worker thread across polls, and stop(),
 * called after poll() returned, ends it. Driven through a file source reading an http location, with a local server
 * that sends its answer slowly.
 *
 * <p>Every poll() and the stop() run on one thread of the test's own, as on a Connect task thread, each awaited within
 * a bound: a poll() that blocks for the whole download fails the test instead of hanging it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BoundedPollTest {
  /**
   * How long one poll() may take: its wait for the unit of work (twice MAX_IDLE_BLOCK at most, a unit that ends just in
   * time and finds nothing), with 1.5 s of room for a loaded 2-core CI box.
   */
  private static final Duration POLL_BOUND = TradeSourceTask.MAX_IDLE_BLOCK.multipliedBy(2).plusMillis(1_500);
  /**
   * How long the slow answers take to come: more than twice the poll bound, and the server's sleeps make it a floor,
   * so a poll() that waits for them cannot pass however fast the machine.
   */
  private static final Duration SLOW = Duration.ofMillis(6_000);
  private static final int ROWS = 30;
  private static final String TEMP = "tradepulse-file-";

  private SocketServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch bodyStarted = new CountDownLatch(1);
  /** Counted down as the last of a complete answer goes out. */
  private final CountDownLatch answered = new CountDownLatch(1);
  private final CountDownLatch clientGone = new CountDownLatch(1);
  /** The task thread: poll() and stop() are called on it, as Connect's worker does. */
  private final ExecutorService taskThread = Executors.newSingleThreadExecutor();

  private enum Answer {
    /** A CSV of {@link #ROWS} rows, one row every SLOW / ROWS. */
    SLOW_CSV,
    /** A body announced as 100 MB, 4 KB every 50 ms for a minute (far over the rate floor). */
    ENDLESS,
    /** A 404, after SLOW. */
    SLOW_404,
    /** Half the rows, over SLOW, then the connection is closed: an I/O error. */
    CUT_CSV
  }

  @AfterEach
  void stopServer() throws IOException {
    taskThread.shutdownNow();
    if (server != null) {
      server.close();
    }
  }

  private String serve(Answer answer) throws IOException {
    server = SocketServer.start(s -> respond(s, answer));
    return server.uri("/table.csv").toString();
  }

  /** Row {@code i}, of a month of its own (rows of one month would give one figure many times). */
  private static String row(int i) {
    String month = java.time.YearMonth.of(2020, 1).plusMonths(i).toString();
    return month + "," + month + "," + i + ".5,,src,row" + i + "\n";
  }

  private void respond(Socket s, Answer answer) {
    try (s) {
      SocketServer.readRequest(s);
      requests.incrementAndGet();
      OutputStream o = s.getOutputStream();
      long pause = SLOW.toMillis() / ROWS;
      switch (answer) {
        case SLOW_404 -> {
          Thread.sleep(SLOW.toMillis());
          answered.countDown();
          o.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          o.flush();
        }
        case ENDLESS -> {
          o.write(head(100_000_000L));
          byte[] chunk = row(0).repeat(4096 / row(0).length()).getBytes(StandardCharsets.US_ASCII);
          for (int i = 0; i < 1_200; i++) {
            o.write(chunk);
            o.flush();
            bodyStarted.countDown();
            Thread.sleep(50);
          }
        }
        case SLOW_CSV, CUT_CSV -> {
          StringBuilder body = new StringBuilder(HEADER);
          for (int i = 0; i < ROWS; i++) {
            body.append(row(i));
          }
          o.write(head(body.length()));
          o.write(HEADER.getBytes(StandardCharsets.US_ASCII));
          int rows = answer == Answer.SLOW_CSV ? ROWS : ROWS / 2;
          long each = answer == Answer.SLOW_CSV ? pause : 2 * pause;
          for (int i = 0; i < rows; i++) {
            Thread.sleep(each);
            if (i == ROWS - 1) {
              answered.countDown(); // before the last row goes out: the client cannot have read it yet
            }
            o.write(row(i).getBytes(StandardCharsets.US_ASCII));
            o.flush();
            bodyStarted.countDown();
          }
        }
      }
    } catch (IOException | InterruptedException e) {
      clientGone.countDown(); // a write failed: the client closed the connection
    }
  }

  private static final String HEADER = "period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n";

  private static byte[] head(long length) {
    return ("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\nContent-Type: text/csv\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static Map<String, String> props(String location) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "bounded-poll-" + System.nanoTime());
    p.put(FileConfig.PATHS_CONFIG, location);
    p.put(FileConfig.SOURCE_CONFIG, "GACC");
    p.put(FileConfig.MULTIPLIER_CONFIG, "1000000000");
    p.put("default.reporter", "CHN");
    p.put("default.partner", "USA");
    p.put("default.flow", "EXPORT");
    p.put("default.commodity", "TOTAL");
    p.put("default.valuation", "FOB");
    p.put("field.period", "period_start");
    p.put("field.period.end", "period_end");
    p.put("field.value", "value_usd_bn");
    p.put("field.note", "flag");
    p.put("default.vintage", "seed-2026-01");
    p.put("default.publishedAt", "2026-01-14");
    // A location checked once: every request the server sees is one a poll() started.
    p.put("poll.interval.ms", "60000");
    p.put("http.max.retries", "0");
    return p;
  }

  private final TaskHarness harness = new TaskHarness();

  private FileSourceTask start(Map<String, String> props) throws Exception {
    return taskThread.submit(() -> harness.start(new FileSourceTask(), props)).get(10, TimeUnit.SECONDS);
  }

  /** One poll() on the task thread, which must return within {@link #POLL_BOUND}. */
  private List<SourceRecord> poll(FileSourceTask task) throws Exception {
    long t0 = System.nanoTime();
    Future<List<SourceRecord>> poll = taskThread.submit(task::poll);
    try {
      return poll.get(POLL_BOUND.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } finally {
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("one poll()").isLessThan(POLL_BOUND);
    }
  }

  private boolean inFlight(FileSourceTask task) throws Exception {
    return taskThread.submit(task::unitInFlight).get(10, TimeUnit.SECONDS);
  }

  /** The task's worker threads that are alive (named after the connector, see TradeSourceTask#start). */
  private static List<Thread> workerThreads(Map<String, String> props) {
    String name = TradeSourceTask.WORKER_THREAD_PREFIX + props.get("name") + "-";
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(name) && t.isAlive()).toList();
  }

  @Test
  void shouldReturnFromPollWhileADownloadGoesOnAndHandOutItsRecordsOnALaterPoll() throws Exception {
    Map<String, String> props = props(serve(Answer.SLOW_CSV));
    FileSourceTask task = start(props);

    assertThat(poll(task)).as("the download has only begun").isNull();
    assertThat(inFlight(task)).isTrue();
    assertThat(answered.getCount()).as("still downloading").isEqualTo(1);

    List<SourceRecord> got = new ArrayList<>();
    int nulls = 1;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (got.isEmpty() && System.nanoTime() < deadline) {
      List<SourceRecord> batch = poll(task);
      if (batch == null) {
        nulls++;
      } else {
        assertThat(answered.getCount()).as("records only once the whole body is in").isZero();
        got.addAll(batch);
        batch.forEach(r -> task.commitRecord(r, TaskHarness.written(r)));
      }
    }
    assertThat(nulls).as("polls that returned while the body came").isGreaterThanOrEqualTo(2);
    got.addAll(taskThread.submit(() -> harness.drain(task)).get(30, TimeUnit.SECONDS));

    assertThat(got).extracting(r -> ((Struct) r.value()).getString("note"))
        .containsExactlyElementsOf(IntStream.range(0, ROWS).mapToObj(i -> "row" + i).toList());
    assertThat(requests.get()).as("every poll waited for the same download; none started another").isEqualTo(1);
    assertThat(task.metrics().records()).isEqualTo(ROWS);
    assertThat(task.metrics().fetches()).isEqualTo(1);
    assertThat(SourceCompletion.isDone(props.get("name"))).as("the finite source signals it is done").isTrue();
    taskThread.submit(task::stop).get(10, TimeUnit.SECONDS);
    assertThat(workerThreads(props)).isEmpty();
  }

  @Test
  void shouldEndTheDownloadAndTheWorkerThreadWhenStoppedAfterPollReturned() throws Exception {
    Map<String, String> props = props(serve(Answer.ENDLESS));
    List<Path> before = TaskHarness.tempFilesNamed(TEMP);
    FileSourceTask task = start(props);

    assertThat(poll(task)).isNull();
    assertThat(bodyStarted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(poll(task)).isNull();
    assertThat(TaskHarness.tempFilesMadeSince(TEMP, before)).as("downloading").hasSize(1);
    assertThat(workerThreads(props)).as("the download runs on the task's worker thread").hasSize(1);

    // Kafka 3.7+: stop() on the task thread, after poll() returned.
    long t0 = System.nanoTime();
    taskThread.submit(task::stop).get(10, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("stop()").isLessThan(Duration.ofSeconds(2));

    assertThat(clientGone.await(5, TimeUnit.SECONDS)).as("the download is ended, not left running").isTrue();
    assertThat(TaskHarness.tempFilesMadeSince(TEMP, before)).as("and its temporary file deleted").isEmpty();
    for (Thread t : workerThreads(props)) {
      t.join(1_000); // it ends right after the executor says it terminated
    }
    assertThat(workerThreads(props)).as("the worker thread is gone").isEmpty();
    assertThat(poll(task)).as("a poll after stop() reads nothing").isNull();
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void shouldThrowTheConnectExceptionOfTheUnitOfWorkFromALaterPoll() throws Exception {
    FileSourceTask task = start(props(serve(Answer.SLOW_404)));

    assertThat(poll(task)).as("the answer is not in yet").isNull();
    assertThat(inFlight(task)).isTrue();
    assertThatThrownBy(() -> pollUntilThrown(task)).isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class).hasMessageContaining("HTTP 404");
    assertThat(inFlight(task)).isFalse();
    taskThread.submit(task::stop).get(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldThrowTheRetriableExceptionOfTheUnitOfWorkFromALaterPollAndThenGoOn() throws Exception {
    Map<String, String> props = props(serve(Answer.CUT_CSV));
    props.put("http.backoff.initial.ms", "30000"); // the failed location is not checked again during the test
    FileSourceTask task = start(props);

    assertThat(poll(task)).as("the body is still coming").isNull();
    assertThatThrownBy(() -> pollUntilThrown(task)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("table.csv");
    assertThat(inFlight(task)).isFalse();
    // Thrown once: the next poll runs a new unit of work (the location is not due again yet: nothing to do).
    assertThat(poll(task)).isNull();
    assertThat(inFlight(task)).isFalse();
    assertThat(requests.get()).isEqualTo(1);
    taskThread.submit(task::stop).get(10, TimeUnit.SECONDS);
  }

  /** A source with nothing to read, whose unit of work notes the thread it ran on and the logging context it had. */
  static final class ProbeTask extends TradeSourceTask<ProbeTask.Config> {
    static final class Config extends TradeSourceConfig {
      Config(Map<String, String> props) {
        super(commonDef(new ConfigDef()), props);
      }
    }

    final List<String> seen = new CopyOnWriteArrayList<>();

    @Override
    protected Config parseConfig(Map<String, String> props) {
      return new Config(props);
    }

    @Override
    protected void startTask(Map<String, String> props) {
    }

    @Override
    protected List<SourceRecord> nextRecords() {
      seen.add(Thread.currentThread().getName() + " " + MDC.get("connector.context"));
      return List.of();
    }
  }

  @Test
  void shouldRunTheUnitOfWorkOnTheTasksWorkerThreadWithTheLoggingContextOfThePoll() throws Exception {
    Map<String, String> props = Map.of("name", "probe-" + System.nanoTime());
    ProbeTask task = new ProbeTask();
    // Connect's worker puts the task's context (connector and task) in the MDC of the task thread; log lines of the
    // unit of work carry it as they did when it ran on that thread.
    List<SourceRecord> got = taskThread.submit(() -> {
      MDC.put("connector.context", "[probe|task-0] ");
      harness.start(task, props);
      return task.poll();
    }).get(10, TimeUnit.SECONDS);
    taskThread.submit(task::stop).get(10, TimeUnit.SECONDS);

    assertThat(got).isNull();
    assertThat(task.seen).containsExactly(
        TradeSourceTask.WORKER_THREAD_PREFIX + props.get("name") + "-0 [probe|task-0] ");
  }

  /** Polls (each within the bound) until a poll throws; fails if one hands out records or none throws in time. */
  private void pollUntilThrown(FileSourceTask task) throws Throwable {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      List<SourceRecord> batch;
      try {
        batch = poll(task);
      } catch (ExecutionException e) {
        throw e.getCause();
      }
      assertThat(batch).isNull();
    }
    throw new AssertionError("no poll threw");
  }
}
