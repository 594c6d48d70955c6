package io.tradepulse.connect.file;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.tradepulse.testsupport.MutableClock;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.connect.common.SourceCompletion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A re-check (every poll.interval.ms) does not read a completed location that has not changed: a local file whose
 * size, modification time and identity are those it had when its digest was taken is not read at all, and an
 * http(s) location is asked conditionally and answers 304 without a body. Reads are counted by the task's
 * {@code payload-bytes-read-total} counter, which every read of a location's payload (digest or parse) goes
 * through; unlike chmod 000 this also proves it when the tests run as root.
 */
class LocationRecheckTest {
  static final int ROWS = 300;

  @TempDir Path dir;
  final TaskHarness harness = new TaskHarness();
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-15T00:00:00Z"));
  WireMockServer wm;
  FileSourceTask task;
  String name; // the connector's, for SourceCompletion

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

  /**
   * ROWS rows whose notes are {@code <tag>-<row>}, each of its own month (rows of one month would give one figure many
   * times): tags of one length give files of one size.
   */
  static String csv(String tag) {
    StringBuilder b = new StringBuilder("period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n");
    for (int i = 0; i < ROWS; i++) {
      String month = java.time.YearMonth.of(1990, 1).plusMonths(i).toString();
      b.append(month).append(',').append(month).append(',').append(i % 400).append(".5,,src,").append(tag).append('-').append(i).append('\n');
    }
    return b.toString();
  }

  /** Written an hour ago, as a file is long before a re-check: its stamp is settled (a fresh one is not). */
  Path oldFile(String name, String content) throws IOException {
    Path f = Files.writeString(dir.resolve(name), content);
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
    return f;
  }

  FileSourceTask start(String location) {
    Map<String, String> p = FileSourceTaskTest.gaccSeedProps(location);
    p.put("poll.interval.ms", "10"); // checks are due when the test advances the clock: it is frozen otherwise
    p.put("batch.max.records", "100");
    name = p.get("name");
    task = new FileSourceTask();
    task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(task, p);
  }

  /** The next check of every location (poll.interval.ms later), drained. */
  List<SourceRecord> recheck() throws InterruptedException {
    clock.advance(Duration.ofSeconds(1));
    return harness.drain(task);
  }

  long bytesRead() {
    return task.metrics().payloadBytesRead();
  }

  static List<String> notes(List<SourceRecord> rs) {
    return rs.stream().map(r -> ((Struct) r.value()).getString("note")).toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> lastOffset(List<SourceRecord> rs) {
    return (Map<String, Object>) rs.get(rs.size() - 1).sourceOffset();
  }

  // --- local files ---

  @Test
  void shouldNotReadAnUnchangedCompletedFileAgainAtTheNextCheck() throws Exception {
    Path f = oldFile("t.csv", csv("aa"));
    start(f.toString());
    assertThat(harness.drain(task)).hasSize(ROWS);
    long afterFirst = bytesRead();
    // Its keys are read ahead of the rows (rows giving one figure twice are found before the first goes out).
    assertThat(afterFirst).as("read for its digest, for its keys, then parsed").isEqualTo(3 * Files.size(f));

    for (int i = 0; i < 3; i++) {
      assertThat(recheck()).isEmpty();
    }
    assertThat(bytesRead()).as("three checks of the unchanged file read nothing").isEqualTo(afterFirst);
  }

  @Test
  void shouldReadATouchedFileAgainButNotReEmitItsUnchangedContent() throws Exception {
    Path f = oldFile("t.csv", csv("aa"));
    start(f.toString());
    assertThat(harness.drain(task)).hasSize(ROWS);
    long before = bytesRead();

    Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(30, ChronoUnit.MINUTES))); // touch -d
    assertThat(recheck()).as("same digest: nothing to emit").isEmpty();
    assertThat(bytesRead()).as("read once for its digest").isEqualTo(before + Files.size(f));
    assertThat(recheck()).isEmpty();
    assertThat(bytesRead()).as("the new stamp is remembered").isEqualTo(before + Files.size(f));
  }

  @Test
  void shouldReadAFileAgainWhenItsSizeOrModificationTimeChanged() throws Exception {
    Path f = oldFile("t.csv", csv("aa"));
    FileTime written = Files.getLastModifiedTime(f);
    start(f.toString());
    assertThat(harness.drain(task)).hasSize(ROWS);

    // Same size, new content, another (settled) modification time.
    Files.writeString(f, csv("bb"));
    Files.setLastModifiedTime(f, FileTime.from(written.toInstant().plusSeconds(1)));
    List<SourceRecord> second = recheck();
    assertThat(notes(second)).hasSize(ROWS).first().isEqualTo("bb-0");
    assertThat(lastOffset(second)).containsEntry("complete", true).containsEntry("rows_done", (long) ROWS);

    // New content of another size, its modification time set back to the one the stamp has.
    FileTime t = Files.getLastModifiedTime(f);
    Files.writeString(f, csv("cccc"));
    Files.setLastModifiedTime(f, t);
    assertThat(notes(recheck())).hasSize(ROWS).first().isEqualTo("cccc-0");
  }

  @Test
  void shouldReadAFileReplacedByRenameWithTheSameSizeAndTime() throws Exception {
    Path f = oldFile("t.csv", csv("aa"));
    BasicFileAttributes was = Files.readAttributes(f, BasicFileAttributes.class);
    assumeThat(was.fileKey()).as("the platform gives files a key (inode)").isNotNull();
    start(f.toString());
    assertThat(harness.drain(task)).hasSize(ROWS);

    Path fresh = Files.writeString(dir.resolve("t.csv.tmp"), csv("bb"));
    Files.setLastModifiedTime(fresh, was.lastModifiedTime());
    Files.move(fresh, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    BasicFileAttributes now = Files.readAttributes(f, BasicFileAttributes.class);
    assertThat(now.size()).isEqualTo(was.size());
    assertThat(now.lastModifiedTime()).isEqualTo(was.lastModifiedTime());

    assertThat(notes(recheck())).hasSize(ROWS).first().isEqualTo("bb-0");
  }

  @Test
  void shouldReadAFileRewrittenInPlaceWithItsSizeAndTimeRestored() throws Exception {
    Path f = oldFile("t.csv", csv("aa"));
    assumeThat(f.getFileSystem().supportedFileAttributeViews()).as("the platform has ctime").contains("unix");
    FileTime mtime = Files.getLastModifiedTime(f);
    Object ctime = Files.getAttribute(f, "unix:ctime");
    Object key = Files.getAttribute(f, "unix:fileKey");
    start(f.toString());
    assertThat(harness.drain(task)).hasSize(ROWS);

    Thread.sleep(50); // past the kernel's timestamp tick, so the rewrite gets another ctime
    Files.writeString(f, csv("bb")); // same inode: truncated and written
    Files.setLastModifiedTime(f, mtime); // what cp -p, rsync -t or touch -r do
    assertThat(Files.getAttribute(f, "unix:fileKey")).isEqualTo(key);
    assertThat(Files.getLastModifiedTime(f)).isEqualTo(mtime);
    assumeThat(Files.getAttribute(f, "unix:ctime")).as("ctime moved").isNotEqualTo(ctime);

    assertThat(notes(recheck())).hasSize(ROWS).first().isEqualTo("bb-0");
  }

  @Test
  void shouldReadARecentlyModifiedFileAgainAtTheNextCheck() throws Exception {
    // Modified within the last minute: a rewrite in the same timestamp tick as the check could keep its stamp
    // (git's "racily clean" files), so the stamp is not trusted and the next check reads the file once more.
    Path f = Files.writeString(dir.resolve("t.csv"), csv("aa"));
    start(f.toString());
    assertThat(harness.drain(task)).hasSize(ROWS);
    long before = bytesRead();

    assertThat(recheck()).isEmpty();
    assertThat(bytesRead()).isEqualTo(before + Files.size(f));
  }

  @Test
  void shouldReadAFileAgainFromTheStartWhenItWasReplacedWhileBeingRead() throws Exception {
    Path f = oldFile("t.csv", csv("aa"));
    BasicFileAttributes was = Files.readAttributes(f, BasicFileAttributes.class);
    start(f.toString());
    List<SourceRecord> first = TaskHarness.poll(task); // the first batch: the file is open
    assertThat(notes(first)).hasSize(100).first().isEqualTo("aa-0");
    for (SourceRecord r : first) { // delivered, as TaskHarness#drain does
      harness.offsets.put(Map.copyOf(r.sourcePartition()), Map.copyOf(r.sourceOffset()));
      task.commitRecord(r, TaskHarness.written(r));
    }

    // Replaced by rename, same size and modification time: only the file key (or ctime) tells.
    Path fresh = Files.writeString(dir.resolve("t.csv.tmp"), csv("bb"));
    Files.setLastModifiedTime(fresh, was.lastModifiedTime());
    Files.move(fresh, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    List<SourceRecord> rest = harness.drain(task);
    assertThat(notes(rest)).as("the open stream reads the version it opened to its end").hasSize(ROWS - 100)
        .last().isEqualTo("aa-" + (ROWS - 1));
    assertThat(SourceCompletion.isDone(name)).as("left incomplete: what was read may mix two versions").isFalse();

    List<SourceRecord> again = recheck();
    assertThat(notes(again)).as("the new version from its first row").hasSize(ROWS).first().isEqualTo("bb-0");
    assertThat(lastOffset(again)).containsEntry("complete", true);
    assertThat(SourceCompletion.isDone(name)).isTrue();
  }

  // --- http(s) locations ---

  @Test
  void shouldSendIfNoneMatchAndSkipTheDownloadOn304() throws Exception {
    String body = csv("aa");
    wm.stubFor(get(urlPathEqualTo("/t.csv")).withHeader("If-None-Match", absent())
        .willReturn(aResponse().withStatus(200).withHeader("ETag", "\"v1\"").withBody(body)));
    wm.stubFor(get(urlPathEqualTo("/t.csv")).withHeader("If-None-Match", equalTo("\"v1\""))
        .willReturn(aResponse().withStatus(304).withHeader("ETag", "\"v1\"")));
    long temps = downloads();
    start(wm.baseUrl() + "/t.csv");
    assertThat(harness.drain(task)).hasSize(ROWS);
    long before = bytesRead();

    assertThat(recheck()).isEmpty();
    assertThat(recheck()).isEmpty();
    List<LoggedRequest> asked = wm.findAll(getRequestedFor(urlPathEqualTo("/t.csv")));
    assertThat(asked).hasSize(3);
    assertThat(asked.get(0).containsHeader("If-None-Match")).isFalse();
    assertThat(asked.subList(1, 3)).allSatisfy(r -> assertThat(r.getHeader("If-None-Match")).isEqualTo("\"v1\""));
    assertThat(wm.getAllServeEvents()).filteredOn(e -> e.getResponse().getStatus() == 304).hasSize(2);
    assertThat(bytesRead()).as("no body to read").isEqualTo(before);
    assertThat(task.metrics().retries()).as("304 is an answer, not a failure").isZero();
    assertThat(downloads()).isEqualTo(temps);
  }

  @Test
  void shouldSendIfModifiedSinceWhenTheServerSendsOnlyASettledLastModified() throws Exception {
    String lastModified = httpDate(Instant.now().minus(2, ChronoUnit.DAYS));
    wm.stubFor(get(urlPathEqualTo("/t.csv")).withHeader("If-Modified-Since", absent())
        .willReturn(aResponse().withStatus(200).withHeader("Last-Modified", lastModified)
            .withHeader("Date", httpDate(Instant.now())).withBody(csv("aa"))));
    wm.stubFor(get(urlPathEqualTo("/t.csv")).withHeader("If-Modified-Since", equalTo(lastModified))
        .willReturn(aResponse().withStatus(304)));
    start(wm.baseUrl() + "/t.csv");
    assertThat(harness.drain(task)).hasSize(ROWS);
    long before = bytesRead();

    assertThat(recheck()).isEmpty();
    assertThat(wm.findAll(getRequestedFor(urlPathEqualTo("/t.csv"))).get(1).getHeader("If-Modified-Since"))
        .isEqualTo(lastModified);
    assertThat(bytesRead()).isEqualTo(before);
  }

  @Test
  void shouldDownloadAgainWhenTheServerSendsNoValidators() throws Exception {
    String body = csv("aa");
    wm.stubFor(get(urlPathEqualTo("/t.csv")).willReturn(aResponse().withStatus(200).withBody(body)));
    // A Last-Modified of the second the response was made (no Date or a Date as recent) cannot tell a change
    // within that second: it is not used either.
    String now = httpDate(Instant.now());
    wm.stubFor(get(urlPathEqualTo("/fresh.csv")).willReturn(aResponse().withStatus(200)
        .withHeader("Last-Modified", now).withHeader("Date", now).withBody(body)));
    for (String path : List.of("/t.csv", "/fresh.csv")) {
      start(wm.baseUrl() + path);
      assertThat(harness.drain(task)).hasSize(ROWS);
      long before = bytesRead();

      assertThat(recheck()).as("the same body: nothing to emit").isEmpty();
      assertThat(bytesRead()).as("downloaded and read for its digest").isEqualTo(before + body.length());
      List<LoggedRequest> asked = wm.findAll(getRequestedFor(urlPathEqualTo(path)));
      assertThat(asked).hasSize(2).allSatisfy(r -> {
        assertThat(r.containsHeader("If-None-Match")).isFalse();
        assertThat(r.containsHeader("If-Modified-Since")).isFalse();
      });
      task.stop();
    }
  }

  @Test
  void shouldReEmitWhenTheServerAnswers200WithANewBody() throws Exception {
    wm.stubFor(get(urlPathEqualTo("/t.csv")).withHeader("If-None-Match", absent())
        .willReturn(aResponse().withStatus(200).withHeader("ETag", "W/\"v1\"").withBody(csv("aa"))));
    wm.stubFor(get(urlPathEqualTo("/t.csv")).withHeader("If-None-Match", equalTo("W/\"v1\""))
        .willReturn(aResponse().withStatus(200).withHeader("ETag", "W/\"v2\"").withBody(csv("bb"))));
    wm.stubFor(get(urlPathEqualTo("/t.csv")).withHeader("If-None-Match", equalTo("W/\"v2\""))
        .willReturn(aResponse().withStatus(304)));
    start(wm.baseUrl() + "/t.csv");
    assertThat(notes(harness.drain(task))).hasSize(ROWS).first().isEqualTo("aa-0");

    List<SourceRecord> revised = recheck();
    assertThat(notes(revised)).hasSize(ROWS).first().isEqualTo("bb-0");
    assertThat(lastOffset(revised)).containsEntry("complete", true);
    assertThat(recheck()).as("asked with the new ETag: 304").isEmpty();
    assertThat(wm.getAllServeEvents()).hasSize(3);
  }

  @Test
  void shouldStillFailOnA304ItDidNotAskFor() {
    wm.stubFor(get(urlPathEqualTo("/t.csv")).willReturn(aResponse().withStatus(304)));
    start(wm.baseUrl() + "/t.csv");
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(ConnectException.class).hasMessageContaining("HTTP 304");
  }

  /**
   * IMF-fixdate, as servers send it (RFC 9110 5.6.7), with a two-digit day. Not RFC_1123_DATE_TIME, which writes a day
   * below 10 with one digit: the task sends such a date back in IMF-fixdate, so a stub matching the exact header
   * failed on the first nine days of each month (CI of 2026-12-03).
   */
  static String httpDate(Instant t) {
    return IMF_FIXDATE.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
  }

  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

  static long downloads() throws IOException {
    return TaskHarness.tempFiles("tradepulse-file-");
  }

  /** A task whose locations are checked again only every hour once read, and after 2 s after a failed check. */
  FileSourceTask startHourly(String location) {
    Map<String, String> p = FileSourceTaskTest.gaccSeedProps(location);
    p.put("poll.interval.ms", "3600000");
    p.put("http.max.retries", "0");
    p.put("http.backoff.initial.ms", "2000");
    name = p.get("name");
    task = new FileSourceTask();
    task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(task, p);
  }

  @Test
  void shouldCheckADownloadThatFailedAgainAfterTheRetryBackoffNotAfterThePollInterval() throws Exception {
    wm.stubFor(get(urlPathEqualTo("/seed.csv")).willReturn(aResponse().withStatus(503)));
    startHourly(wm.baseUrl() + "/seed.csv");
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(org.apache.kafka.connect.errors.RetriableException.class);
    wm.stubFor(get(urlPathEqualTo("/seed.csv")).willReturn(aResponse().withStatus(200).withBody(csv("a"))));

    assertThat(harness.drain(task)).as("within the backoff: not asked again yet").isEmpty();
    clock.advance(Duration.ofSeconds(3));
    assertThat(notes(harness.drain(task))).hasSize(ROWS);
    wm.verify(2, getRequestedFor(urlPathEqualTo("/seed.csv")));
  }

  @Test
  void shouldCheckALocalFileThatCouldNotBeReadAgainAfterTheRetryBackoff() throws Exception {
    Path seed = Files.createDirectory(dir.resolve("seed.csv")); // not a file yet: reading it fails
    startHourly(seed.toString());
    assertThatThrownBy(() -> TaskHarness.poll(task))
        .isInstanceOf(org.apache.kafka.connect.errors.RetriableException.class)
        .hasMessageContaining("seed.csv");
    Files.delete(seed);
    oldFile("seed.csv", csv("a"));

    clock.advance(Duration.ofSeconds(3));
    assertThat(notes(harness.drain(task))).hasSize(ROWS);
  }
}
