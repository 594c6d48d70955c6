package io.tradepulse.connect.census;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.SocketServer;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A month whose body an HTTP/1.1 server delimits by closing the connection (no Content-Length, not chunked): the client
 * reads a transfer cut short as a normal end. A body that ends inside its JSON document is fetched again, not read as
 * a malformed month (one dead letter, the month completed, its rows after the cut lost).
 */
class CensusCutBodyTest {
  static final String MAY = CensusSourceTaskTest.MAY_2025;
  /** May cut inside the row of Canada, as a connection closed mid-transfer leaves it. */
  static final String MAY_CUT = MAY.substring(0, MAY.indexOf("CANADA") + 3);

  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-20T12:00:00Z"));
  final AtomicInteger calls = new AtomicInteger();
  SocketServer server;

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /** May only, answered by {@code answer} (given the number of the call, from 1); later months: no data yet. */
  CensusSourceTask start(Function<Integer, String> answer, int batch) throws Exception {
    if (server == null) {
      server = SocketServer.closeDelimited(request -> request.contains("time=2025-05")
          ? answer.apply(calls.incrementAndGet()) : "");
    }
    Map<String, String> p = new HashMap<>();
    p.put("name", "census-cut");
    p.put(CensusConfig.BASE_URL_CONFIG, server.uri("/data/timeseries/intltrade").toString());
    p.put(CensusConfig.FLOWS_CONFIG, "EXPORT");
    p.put(CensusConfig.COMM_LVL_CONFIG, "HS2");
    p.put(CensusConfig.START_MONTH_CONFIG, "2025-05");
    p.put(CensusConfig.LOOKBACK_CONFIG, "0"); // nothing would ever read the month again
    TaskHarness.quickRetries(p);
    p.put("batch.max.records", Integer.toString(batch));
    p.put(CensusSourceTask.PARTITIONS_CONFIG, "EXPORT|HS2|*");
    CensusSourceTask task = new CensusSourceTask();
    task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(task, p);
  }

  static List<String> partners(List<SourceRecord> rs) {
    return rs.stream().map(r -> r.topic().equals("trade.records") ? r.topic() + ":" + ((Struct) r.key())
        .getString("partner") : r.topic()).toList();
  }

  static List<String> topics(List<SourceRecord> rs) {
    return rs.stream().map(SourceRecord::topic).toList();
  }

  @Test
  void shouldFetchAgainAMonthWhoseBodyEndsInsideItsDocumentInsteadOfDeadLetteringIt() throws Exception {
    CensusSourceTask task = start(call -> call == 1 ? MAY_CUT : MAY, 1000);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(topics(rs)).containsOnly("trade.records");
    assertThat(partners(rs)).containsExactly("trade.records:WLD", "trade.records:CHN", "trade.records:CAN",
        "trade.records:MEX");
    assertThat(calls).hasValue(2);
  }

  @Test
  void shouldEmitNothingAndLeaveTheMonthOpenWhileItsBodyKeepsComingCut() throws Exception {
    AtomicInteger whole = new AtomicInteger(); // 0: every answer cut
    CensusSourceTask task = start(call -> whole.get() > 0 ? MAY : MAY_CUT, 1000);
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("time=2025-05").hasMessageContaining("after 3 attempts")
        .hasMessageContaining("ends inside its JSON document");
    assertThat(task.offsetOf(CensusPartition.decode("EXPORT|HS2|*")).latest()).as("May not completed").isNull();

    whole.set(1); // the connection holds up again: the worker's next poll reads May whole
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    assertThat(partners(rs)).containsExactly("trade.records:WLD", "trade.records:CHN", "trade.records:CAN",
        "trade.records:MEX");
  }

  @Test
  void shouldResumeAfterTheDeliveredRowsWhenTheBodyFetchedAgainAfterARestartComesCutFirst() throws Exception {
    // Call 1: the first run reads May whole; call 2: after the restart, cut; call 3: whole again.
    CensusSourceTask first = start(call -> call == 2 ? MAY_CUT : MAY, 1);
    List<SourceRecord> before = harness.take(first, 2);
    first.stop();
    CensusSourceTask second = start(call -> call == 2 ? MAY_CUT : MAY, 1);
    List<SourceRecord> after = harness.drain(second);
    second.stop();

    assertThat(partners(before)).containsExactly("trade.records:WLD", "trade.records:CHN");
    assertThat(partners(after)).as("neither lost nor sent twice").containsExactly("trade.records:CAN",
        "trade.records:MEX");
    assertThat(calls).hasValue(3);
  }

  @Test
  void shouldStillDeadLetterAMonthWhoseBodyIsCompleteButMalformed() throws Exception {
    String broken = MAY.replace("[\"5700\",\"CHINA\"", "[\"5700\" \"CHINA\""); // a comma missing, the end intact
    CensusSourceTask task = start(call -> broken, 1000);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).singleElement().satisfies(r -> {
      assertThat(r.topic()).isEqualTo("trade.dlq");
      assertThat(((Struct) r.value()).getString("reason")).startsWith("Malformed or truncated Census response");
      assertThat(TaskHarness.offset(r)).containsEntry("latest", "2025-05");
    });
    assertThat(calls).as("fetched once: a fault of the content is no cut").hasValue(1);
  }
}
