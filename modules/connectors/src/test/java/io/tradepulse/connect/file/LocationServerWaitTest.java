package io.tradepulse.connect.file;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.tradepulse.connect.file.LocationRecheckTest.csv;
import static io.tradepulse.connect.file.LocationRecheckTest.lastOffset;
import static io.tradepulse.connect.file.LocationRecheckTest.notes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.testsupport.MutableClock;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.tradepulse.connect.LogCapture;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.connect.common.LongRetryAfterException;
import io.tradepulse.connect.common.SourceCompletion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A location task reads its locations one at a time on one thread: a server that asks, with a Retry-After of an hour
 * (beyond http.backoff.max.ms), not to be called holds up only its own location, which is checked again at that time;
 * the task's other locations, on another server (the same WireMock reached as localhost and as 127.0.0.1, two origins)
 * or local, are read meanwhile.
 */
class LocationServerWaitTest {
  static final Instant T0 = Instant.parse("2026-11-30T07:00:00Z");

  @TempDir Path dir;
  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(T0);
  /** The waits the task's units of work asked for: as a real sleep, each moves the clock on. */
  final List<Duration> waits = new CopyOnWriteArrayList<>();
  WireMockServer wm;
  FileSourceTask task;
  String name;

  @BeforeEach
  void startServer() {
    wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    wm.start();
  }

  @AfterEach
  void stop() {
    if (task != null) {
      task.stop();
    }
    wm.stop();
  }

  /** {@code path} answers 503 with Retry-After: 3600 once, then 200 with {@code body}. */
  void stubUnavailableForAnHourOnce(String path, String body) {
    wm.stubFor(get(urlPathEqualTo(path)).inScenario(path).whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "3600")).willSetStateTo("back"));
    wm.stubFor(get(urlPathEqualTo(path)).inScenario(path).whenScenarioStateIs("back")
        .willReturn(aResponse().withStatus(200).withBody(body)));
  }

  String localhost(String path) {
    return "http://localhost:" + wm.port() + path;
  }

  String loopback(String path) {
    return "http://127.0.0.1:" + wm.port() + path;
  }

  int calls(String path) {
    return wm.findAll(getRequestedFor(urlPathEqualTo(path))).size();
  }

  /**
   * Re-checked every minute, three retries after a 1 s backoff (at most the default minute), the day-long
   * http.retry.after.max.ms; {@code advancing} makes every wait of a unit of work move the clock on as a real one would.
   */
  FileSourceTask start(String paths, boolean advancing, Map<String, String> extra) {
    Map<String, String> p = FileSourceTaskTest.gaccSeedProps(paths);
    p.put("poll.interval.ms", "60000");
    p.put("http.max.retries", "3");
    p.put("http.backoff.initial.ms", "1000");
    p.putAll(extra);
    name = p.get("name");
    task = new FileSourceTask();
    if (advancing) {
      task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)), d -> {
        waits.add(d);
        clock.advance(d);
      });
    } else {
      task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    }
    return harness.start(task, p);
  }

  /** Written an hour ago, as a file is long before a re-check: its stamp is settled. */
  Path oldFile(String fileName, String content) throws IOException {
    Path f = Files.writeString(dir.resolve(fileName), content);
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
    return f;
  }

  @Test
  void shouldRetryAnHttpLocationAnswered408RequestTimeoutAndReadItInsteadOfFailingTheTask() throws Exception {
    wm.stubFor(get(urlPathEqualTo("/a.csv")).inScenario("a").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(408).withHeader("Connection", "close")).willSetStateTo("back"));
    wm.stubFor(get(urlPathEqualTo("/a.csv")).inScenario("a").whenScenarioStateIs("back")
        .willReturn(aResponse().withStatus(200).withBody(csv("aa"))));
    start(localhost("/a.csv"), true, Map.of());

    List<SourceRecord> rs = harness.drain(task);
    assertThat(notes(rs)).hasSize(LocationRecheckTest.ROWS).allMatch(n -> n.startsWith("aa-"));
    assertThat(calls("/a.csv")).as("retried once after the backoff").isEqualTo(2);
    assertThat(waits).contains(Duration.ofSeconds(1));
    assertThat(task.metrics().retries()).isEqualTo(1);
  }

  @Test
  void shouldReadTheOtherServersLocationWhileOneServerAsksForAnHourAndTheWaitingOneAtItsTime() throws Exception {
    stubUnavailableForAnHourOnce("/a.csv", csv("aa"));
    wm.stubFor(get(urlPathEqualTo("/b.csv")).willReturn(aResponse().withStatus(200).withBody(csv("bb"))));
    start(localhost("/a.csv") + "," + loopback("/b.csv"), true, Map.of());

    List<SourceRecord> first;
    try (LogCapture log = new LogCapture()) {
      first = harness.drain(task);
      assertThat(log.warnings()).filteredOn(w -> w.contains("3600 s")).singleElement().asString()
          .contains("2026-11-30T08:00:00Z").contains("other locations go on");
    }
    assertThat(notes(first)).as("the other server's location, at once").hasSize(LocationRecheckTest.ROWS)
        .allMatch(n -> n.startsWith("bb-"));
    assertThat(calls("/a.csv")).as("asked once, not retried").isEqualTo(1);
    assertThat(waits).as("nothing slept through the hour").allMatch(d -> d.compareTo(Duration.ofMinutes(1)) <= 0);
    assertThat(task.metrics().quotaWaitUntil()).isEqualTo(Instant.parse("2026-11-30T08:00:00Z").toEpochMilli());
    assertThat(SourceCompletion.isCaughtUp(name)).as("not caught up: a location is held back").isFalse();

    // Its next check (a minute later) reads the other server's new content; the waiting server is not called.
    wm.stubFor(get(urlPathEqualTo("/b.csv")).willReturn(aResponse().withStatus(200).withBody(csv("cc"))));
    clock.advance(Duration.ofMinutes(2));
    assertThat(notes(harness.drain(task))).hasSize(LocationRecheckTest.ROWS).allMatch(n -> n.startsWith("cc-"));
    clock.advance(Duration.ofMinutes(50));
    assertThat(harness.drain(task)).as("b unchanged, a still waiting").isEmpty();
    assertThat(calls("/a.csv")).as("not before the time it asked for").isEqualTo(1);
    assertThat(calls("/b.csv")).isEqualTo(3);

    clock.advance(Duration.ofMinutes(10)); // 08:02
    List<SourceRecord> later = harness.drain(task);
    assertThat(notes(later)).as("read from its first row once its time came").hasSize(LocationRecheckTest.ROWS)
        .allMatch(n -> n.startsWith("aa-")).first().isEqualTo("aa-0");
    assertThat(lastOffset(later)).containsEntry("complete", true)
        .containsEntry("rows_done", (long) LocationRecheckTest.ROWS);
    assertThat(calls("/a.csv")).isEqualTo(2);
    assertThat(task.metrics().quotaWaitUntil()).as("no location waits").isZero();
    assertThat(SourceCompletion.isDone(name)).isTrue();
    assertThat(waits).allMatch(d -> d.compareTo(Duration.ofMinutes(1)) <= 0);
  }

  @Test
  void shouldReadALocalFileWhileTheHttpLocationBeforeItWaitsForItsServer() throws Exception {
    stubUnavailableForAnHourOnce("/a.csv", csv("aa"));
    Path f = oldFile("local.csv", csv("ff"));
    start(localhost("/a.csv") + "," + f, false, Map.of());

    assertThat(notes(harness.drain(task))).hasSize(LocationRecheckTest.ROWS).allMatch(n -> n.startsWith("ff-"));
    assertThat(calls("/a.csv")).isEqualTo(1);

    Files.writeString(f, csv("gg"));
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(30, ChronoUnit.MINUTES)));
    clock.advance(Duration.ofMinutes(2));
    assertThat(notes(harness.drain(task))).as("the changed file, while the server still waits")
        .hasSize(LocationRecheckTest.ROWS).allMatch(n -> n.startsWith("gg-"));
    assertThat(calls("/a.csv")).isEqualTo(1);

    clock.advance(Duration.ofHours(1));
    assertThat(notes(harness.drain(task))).hasSize(LocationRecheckTest.ROWS).allMatch(n -> n.startsWith("aa-"));
    assertThat(calls("/a.csv")).isEqualTo(2);
    assertThat(SourceCompletion.isDone(name)).isTrue();
  }

  @Test
  void shouldPutOffEveryLocationOfTheWaitingServerButNoOther() throws Exception {
    stubUnavailableForAnHourOnce("/a.csv", csv("aa"));
    wm.stubFor(get(urlPathEqualTo("/a2.csv")).willReturn(aResponse().withStatus(200).withBody(csv("a2"))));
    wm.stubFor(get(urlPathEqualTo("/b.csv")).willReturn(aResponse().withStatus(200).withBody(csv("bb"))));
    start(localhost("/a.csv") + "," + localhost("/a2.csv") + "," + loopback("/b.csv"), true, Map.of());

    assertThat(notes(harness.drain(task))).as("only the other server's").hasSize(LocationRecheckTest.ROWS)
        .allMatch(n -> n.startsWith("bb-"));
    assertThat(calls("/a2.csv")).as("its server asked for the hour: not called").isZero();

    clock.advance(Duration.ofMinutes(61));
    assertThat(notes(harness.drain(task))).hasSize(2 * LocationRecheckTest.ROWS)
        .anyMatch(n -> n.startsWith("aa-")).anyMatch(n -> n.startsWith("a2-"));
    assertThat(waits).allMatch(d -> d.compareTo(Duration.ofMinutes(1)) <= 0);
  }

  @Test
  void shouldStopAtOnceWhileALocationWaitsForItsServer() throws Exception {
    stubUnavailableForAnHourOnce("/a.csv", csv("aa"));
    start(localhost("/a.csv"), false, Map.of());

    assertThat(harness.drain(task)).isEmpty();
    assertThat(task.unitInFlight()).as("no unit sleeping through the hour").isFalse();
    long t = System.nanoTime();
    task.stop();
    assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(1));
    assertThat(task.poll()).isNull();
    assertThat(calls("/a.csv")).isEqualTo(1);
  }

  /**
   * http.retry.after.long=FAIL still fails the task (a one-shot ingest then says when to run again), but only once the
   * other locations, local files and other servers, have been read: failing at once left them unread, and never read
   * while that server kept asking. The waiting server is called once, for its first location only.
   */
  @Test
  void shouldReadTheOtherLocationsBeforeFailingWhenLongRetryAfterIsFail() throws Exception {
    stubUnavailableForAnHourOnce("/a.csv", csv("aa"));
    wm.stubFor(get(urlPathEqualTo("/a2.csv")).willReturn(aResponse().withStatus(200).withBody(csv("a2"))));
    wm.stubFor(get(urlPathEqualTo("/b.csv")).willReturn(aResponse().withStatus(200).withBody(csv("bb"))));
    Path f = oldFile("local.csv", csv("ff"));
    start(localhost("/a.csv") + "," + localhost("/a2.csv") + "," + loopback("/b.csv") + "," + f, true,
        Map.of("http.retry.after.long", "FAIL"));

    List<SourceRecord> got = new ArrayList<>();
    assertThatThrownBy(() -> {
      for (int i = 0; i < 1_000; i++) {
        List<SourceRecord> batch = TaskHarness.poll(task);
        if (batch != null) {
          got.addAll(batch);
        }
      }
    }).isInstanceOf(LongRetryAfterException.class).hasMessageContaining("2026-11-30T08:00:00Z")
        .hasMessageContaining("localhost");
    assertThat(notes(got)).as("the other server's location and the local file, each whole")
        .hasSize(2 * LocationRecheckTest.ROWS).anyMatch(n -> n.startsWith("bb-")).anyMatch(n -> n.startsWith("ff-"))
        .noneMatch(n -> n.startsWith("aa-") || n.startsWith("a2-"));
    assertThat(calls("/a.csv")).isEqualTo(1);
    assertThat(calls("/a2.csv")).as("its server asked for the hour: not called").isZero();
    assertThat(waits).allMatch(d -> d.compareTo(Duration.ofMinutes(1)) <= 0);
  }
}
