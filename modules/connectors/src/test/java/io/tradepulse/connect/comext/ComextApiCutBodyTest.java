package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tradepulse.connect.SocketServer;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.testsupport.MutableClock;
import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An SDMX-CSV response whose body an HTTP/1.1 server delimits by closing the connection (no Content-Length, not
 * chunked): the client reads a transfer cut short as a normal end. A body whose last record is cut short (no line
 * break, fewer fields than the header) is fetched again, not read with the cut row a dead letter and the rows after it
 * lost.
 */
class ComextApiCutBodyTest {
  static final String BODY = ComextSourceTaskTest.HEADER
      + "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-04,45678901234\n"
      + "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-04,30123456789\n"
      + "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,CN,TOTAL,1,VALUE_IN_EUROS,2025-05,47000000000\n"
      + "ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020,US,TOTAL,1,VALUE_IN_EUROS,2025-05,31000000000\n";
  /** Cut inside the second record, as a connection closed mid-transfer leaves it. */
  static final String CUT = BODY.substring(0, BODY.indexOf("US,TOTAL,1,VALUE_IN_EUROS,2025-04") + 5);
  /** What a call from 2025-05 on answers. */
  static final String MAY = ComextSourceTaskTest.HEADER + BODY.lines().filter(l -> l.contains(",2025-05,"))
      .map(l -> l + "\n").reduce("", String::concat);

  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));
  final AtomicInteger calls = new AtomicInteger();
  SocketServer server;

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /**
   * The call from 2025-04 on answered by {@code answer} (given the number of the call, from 1), one from 2025-05 on
   * with {@link #MAY}; later: no data.
   */
  ComextApiSourceTask start(IntFunction<String> answer) throws Exception {
    server = SocketServer.closeDelimited(request -> request.contains("startPeriod=2025-04")
        ? answer.apply(calls.incrementAndGet()) : request.contains("startPeriod=2025-05") ? MAY : "");
    Map<String, String> p = new HashMap<>();
    p.put("name", "comext-cut");
    p.put(ComextConfig.BASE_URL_CONFIG, server.uri("/sdmx/2.1/data").toString());
    p.put(ComextConfig.PARTNERS_CONFIG, "CN,US");
    p.put(ComextConfig.FLOWS_CONFIG, "IMPORT");
    p.put(ComextConfig.START_CONFIG, "2025-04");
    p.put(ComextConfig.LOOKBACK_CONFIG, "0"); // nothing would ever read the months again
    TaskHarness.quickRetries(p);
    ComextApiSourceTask t = new ComextApiSourceTask();
    t.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(t, p);
  }

  static List<String> shown(List<SourceRecord> rs) {
    return rs.stream().map(r -> r.topic().equals("trade.records")
        ? ((Struct) r.value()).getString("partner") + " " + ((Struct) r.value()).getInt32("month") : r.topic())
        .toList();
  }

  @Test
  void shouldFetchAgainAResponseWhoseLastRecordIsCutShortInsteadOfLosingTheRowsAfterIt() throws Exception {
    ComextApiSourceTask task = start(call -> call == 1 ? CUT : BODY);
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(shown(rs)).containsExactly("CHN 4", "USA 4", "CHN 5", "USA 5");
    assertThat(calls).hasValue(2);
  }

  @Test
  void shouldReadAsBeforeAWholeResponseWithoutALineBreakAfterItsLastRecord() throws Exception {
    ComextApiSourceTask task = start(call -> BODY.stripTrailing());
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(shown(rs)).containsExactly("CHN 4", "USA 4", "CHN 5", "USA 5");
    assertThat(calls).as("a whole record is no cut, however it ends").hasValue(1);
  }

  @TempDir Path dir;

  Throwable check(String body) throws Exception {
    Path f = dir.resolve("body");
    Files.writeString(f, body);
    return catchThrowable(() -> ComextParser.requireWholeLastRecord(f));
  }

  @Test
  void shouldTellOnlyALastRecordThatIsShortAndWithoutItsLineBreakAsACut() throws Exception {
    assertThat(check(CUT)).isInstanceOf(EOFException.class).hasMessageContaining("6 of 10 fields");
    assertThat(check(CUT.replace("\n", "\r\n"))).isInstanceOf(EOFException.class);
    assertThat(check(BODY.substring(0, BODY.length() - 4))).as("inside the last field: cannot tell").isNull();
    assertThat(check(BODY.substring(0, BODY.indexOf("ESTAT", 200)))).as("at a line break: cannot tell").isNull();
    assertThat(check(BODY)).isNull();
    assertThat(check(BODY.stripTrailing())).isNull();
    assertThat(check(CUT + "\n")).as("a short record with its line break: the row's dead letter").isNull();
    assertThat(check(CUT.substring(0, CUT.lastIndexOf('\n') + 1) + "\"ESTAT:DS,15/07/25")).as("a quote").isNull();
    assertThat(check(ComextSourceTaskTest.HEADER.strip())).as("the header alone").isNull();
    assertThat(check("<?xml version=\"1.0\"?>\n<message:Error>a, b, c</message:Error>\n<x")).as("no SDMX-CSV")
        .isNull();
    assertThat(check("")).isNull();
  }
}
