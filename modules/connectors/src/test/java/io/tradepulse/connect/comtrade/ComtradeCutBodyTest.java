package io.tradepulse.connect.comtrade;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A page whose body an HTTP/1.1 server delimits by closing the connection (no Content-Length, not chunked): the client
 * reads a transfer cut short as a normal end. A body that ends inside its JSON document is fetched again, not read as
 * a malformed page (one dead letter, its periods moved past, their records after the cut lost).
 */
class ComtradeCutBodyTest {
  static final String PAGE = "{\"elapsedTime\":\"0.2 secs\",\"count\":2,\"data\":[\n"
      + ComtradeSourceTaskTest.rec("202401", "156", "842", "X", "TOTAL", "100") + ",\n"
      + ComtradeSourceTaskTest.rec("202402", "156", "842", "M", "TOTAL", "200") + "\n],\"error\":\"\"}";
  /** Cut inside the second record, as a connection closed mid-transfer leaves it. */
  static final String PAGE_CUT = PAGE.substring(0, PAGE.indexOf("\"period\":\"202402\""));

  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));
  final AtomicInteger calls = new AtomicInteger();
  final AtomicBoolean cutAll = new AtomicBoolean(); // true: every call for 2024 answered cut, not only the first
  SocketServer server;

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /** Reporter 156: the call for 2024 answered cut the first time (or while {@link #cutAll}), then whole. */
  ComtradeSourceTask start() throws Exception {
    server = SocketServer.closeDelimited(request -> {
      if (!request.contains("period=202401,")) {
        return "";
      }
      return calls.incrementAndGet() == 1 || cutAll.get() ? PAGE_CUT : PAGE;
    });
    Map<String, String> p = new HashMap<>();
    p.put("name", "comtrade-cut");
    p.put(ComtradeConfig.BASE_URL_CONFIG, server.uri("/data/v1/get").toString());
    p.put(ComtradeConfig.KEY_CONFIG, "k3y");
    p.put(ComtradeConfig.REPORTERS_CONFIG, "156");
    p.put(ComtradeConfig.PARTNERS_CONFIG, "842,0");
    p.put(ComtradeConfig.FLOWS_CONFIG, "X,M,RX,RM");
    p.put(ComtradeConfig.START_CONFIG, "202401");
    p.put(ComtradeConfig.LOOKBACK_CONFIG, "0"); // nothing would ever read the page again
    TaskHarness.quickRetries(p);
    ComtradeSourceTask t = new ComtradeSourceTask();
    t.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(t, p);
  }

  @Test
  void shouldFetchAgainAPageWhoseBodyEndsInsideItsDocumentInsteadOfDeadLetteringIt() throws Exception {
    ComtradeSourceTask task = start();
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.records", "trade.records");
    assertThat(calls).hasValue(2);
  }

  @Test
  void shouldEmitNothingAndKeepTheCursorWhileThePageKeepsComingCut() throws Exception {
    cutAll.set(true);
    ComtradeSourceTask task = start();
    assertThatThrownBy(() -> TaskHarness.poll(task)).isInstanceOf(RetriableException.class)
        .hasMessageContaining("reporterCode=156").hasMessageContaining("after 3 attempts")
        .hasMessageContaining("ends inside its JSON document");

    cutAll.set(false); // the connection holds up again: the worker's next poll reads the page whole
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.records", "trade.records");
    assertThat(calls).hasValue(4);
  }
}
