package io.tradepulse.connect.comext;

import io.tradepulse.testsupport.MutableClock;
import io.tradepulse.connect.HeapPeak;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Measurement, not a test (Surefire does not pick this name up): generates a synthetic Comext bulk monthly
 * CSV of N rows in a temporary directory, runs {@link ComextBulkSourceTask} over it with reporters DE,FR and
 * partners CN,US, and prints input rows/s and the peak heap in use. Meant to run under a small heap
 * ({@code -Xmx256m}) to show that a file much larger than the heap is read; the file is deleted at the end.
 *
 * <p>Usage: {@code java -Xmx256m -cp <test classpath> io.tradepulse.connect.comext.LocationStreamingScale [rows]}
 *
 * <p>{@code ... LocationStreamingScale recheck [files] [rows] [checks] [cold]} measures the re-checks instead: {@code files}
 * bulk files of {@code rows} rows (one generated, the others copies), their modification time set an hour back (bulk
 * files sit on disk long before a re-check), read to the end by one task; then {@code checks} times the clock moves
 * on by poll.interval.ms and one poll re-checks every file. It prints each re-check's time and the bytes the process
 * read meanwhile ({@code rchar} of /proc/self/io: every read call, page cache hits included; {@code read_bytes}: what
 * came from the disk). With {@code cold}, the files' pages are dropped from the page cache before each re-check (GNU
 * {@code sync FILE} and {@code dd iflag=nocache count=0}: these files only, nothing else on the box), as for bulk
 * files too many to stay cached. It uses nothing but the task's public API, so it also runs against an older
 * LocationSourceTask put first on the classpath.
 *
 * <p>{@code ... LocationStreamingScale revise [rows] [every]} measures a revised file whose dead letters are unchanged
 * (see {@link #revise}).
 */
public final class LocationStreamingScale {
  static final String HEADER = "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,PRODUCT_CPA21,PRODUCT_CPA22,"
      + "PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,SUPPL_UNIT,PERIOD,VALUE_EUR,VALUE_NAC,"
      + "QUANTITY_KG,QUANTITY_SUPPL_UNIT\n";
  static final String[] REPORTERS = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR",
      "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"};
  static final String[] PARTNERS = {"CN", "US", "JP", "KR", "IN", "BR", "CA", "MX", "CH", "NO", "GB", "TR", "RU",
      "UA", "ZA", "AU", "NZ", "SG", "TW", "HK", "VN", "TH", "MY", "ID", "PH", "SA", "AE", "IL", "EG", "MA"};

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("revise")) {
      revise(args.length > 1 ? Long.parseLong(args[1]) : 6_000_000L, args.length > 2 ? Long.parseLong(args[2]) : 10_000L);
      return;
    }
    if (args.length > 0 && args[0].equals("recheck")) {
      recheck(args.length > 1 ? Integer.parseInt(args[1]) : 4, args.length > 2 ? Long.parseLong(args[2]) : 6_000_000L,
          args.length > 3 ? Integer.parseInt(args[3]) : 3, args.length > 4 && args[4].equals("cold"));
      return;
    }
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 6_000_000L; // ~525 MB
    Path dir = Files.createTempDirectory("comext-scale-");
    Path csv = dir.resolve("full_v2_202505.csv");
    boolean ok;
    try {
      long t0 = System.nanoTime();
      generate(csv, rows);
      System.out.printf("generated %,d rows, %,d bytes in %.1f s%n", rows, Files.size(csv),
          (System.nanoTime() - t0) / 1e9);
      ok = run(csv, rows);
    } finally {
      Files.deleteIfExists(csv);
      Files.deleteIfExists(dir);
    }
    System.exit(ok ? 0 : 1);
  }

  static void recheck(int files, long rows, int checks, boolean cold) throws Exception {
    Path dir = Files.createTempDirectory("comext-recheck-");
    List<Path> csvs = new ArrayList<>();
    try {
      for (int i = 0; i < files; i++) {
        Path csv = dir.resolve("full_v2_2025" + String.format("%02d", i + 1) + ".csv");
        if (i == 0) {
          generate(csv, rows);
        } else {
          Files.copy(csvs.get(0), csv);
        }
        Files.setLastModifiedTime(csv, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        csvs.add(csv);
      }
      long total = 0;
      for (Path c : csvs) {
        total += Files.size(c);
      }
      System.out.printf("%d files of %,d rows, %,d bytes in all%n", files, rows, total);

      // checks are due when the clock below is moved on; an idle poll waits 10 ms (poll.interval.ms)
      Map<String, String> p = bulkProps("comext-recheck", String.join(",", csvs.stream().map(Path::toString).toList()));
      MutableClock clock = new MutableClock(Instant.parse("2026-01-15T00:00:00Z"));
      ComextBulkSourceTask task = new ComextBulkSourceTask();
      task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(30)));
      TaskHarness harness = new TaskHarness();
      long[] io0 = procIo();
      long t0 = System.nanoTime();
      harness.start(task, p);
      int records = harness.drain(task).size();
      long[] io1 = procIo();
      System.out.printf("first read: %,d records in %.1f s; rchar %,d, read_bytes %,d%n", records,
          (System.nanoTime() - t0) / 1e9, io1[0] - io0[0], io1[1] - io0[1]);
      long i0 = System.nanoTime();
      task.poll(); // no check due: the idle wait alone, to tell from a re-check's time
      System.out.printf("idle poll, no check due: %.4f s%n", (System.nanoTime() - i0) / 1e9);
      for (int i = 1; i <= checks; i++) {
        clock.advance(Duration.ofHours(1));
        if (cold) {
          evict(csvs);
        }
        long[] a = procIo();
        long s0 = System.nanoTime();
        // one re-check of every file; null: nothing new (after a 10 ms wait)
        List<SourceRecord> out = TaskHarness.poll(task);
        double s = (System.nanoTime() - s0) / 1e9;
        long[] b = procIo();
        System.out.printf("re-check %d%s: %s in %.4f s (with the idle wait); rchar %,d, read_bytes %,d%n", i,
            cold ? " (cold)" : "",
            out == null ? "nothing new" : out.size() + " records", s, b[0] - a[0], b[1] - a[1]);
      }
      task.stop();
    } finally {
      for (Path c : csvs) {
        Files.deleteIfExists(c);
      }
      Files.deleteIfExists(dir);
    }
  }

  /**
   * {@code revise [rows] [every]}: the cost of a revised bulk file whose dead letters are those of the version before.
   * One file of {@code rows} rows, every {@code every}-th of them a DE/CN row with an unreadable VALUE_EUR (a dead
   * letter), read to its end by one task; then the file is replaced by a revision with another figure in its first good
   * row and the same bad rows at the same lines, and re-checked: the revision is parsed once for its dead letters
   * (they are the same: left out) and once for its records. Then a second revision whose bad rows differ (one more):
   * parsed twice too, its dead letters sent. Prints each read's time, records and dead letters.
   */
  static void revise(long rows, long every) throws Exception {
    Path dir = Files.createTempDirectory("comext-revise-");
    Path csv = dir.resolve("full_v2_202505.csv");
    try {
      generate(csv, rows, every, "1", false);
      Files.setLastModifiedTime(csv, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
      System.out.printf("%,d rows, a dead letter every %,d, %,d bytes%n", rows, every, Files.size(csv));
      Map<String, String> p = bulkProps("comext-revise", csv.toString());
      MutableClock clock = new MutableClock(Instant.parse("2026-01-15T00:00:00Z"));
      ComextBulkSourceTask task = new ComextBulkSourceTask();
      task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(30)));
      TaskHarness harness = new TaskHarness();
      long t0 = System.nanoTime();
      harness.start(task, p);
      report("first read", harness.drain(task), t0);
      generate(csv, rows, every, "2", false);
      Files.setLastModifiedTime(csv, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
      clock.advance(Duration.ofHours(1));
      t0 = System.nanoTime();
      report("revision, the same dead letters (left out)", harness.drain(task), t0);
      generate(csv, rows, every, "3", true);
      Files.setLastModifiedTime(csv, FileTime.from(Instant.now().minus(Duration.ofMinutes(30))));
      clock.advance(Duration.ofHours(1));
      t0 = System.nanoTime();
      report("revision, one dead letter more (all sent)", harness.drain(task), t0);
      task.stop();
    } finally {
      Files.deleteIfExists(csv);
      Files.deleteIfExists(dir);
    }
  }

  /** A bulk connector over {@code files}: reporters DE,FR, partners CN,US, every product, polled every 10 ms. */
  static Map<String, String> bulkProps(String name, String files) {
    Map<String, String> p = new HashMap<>();
    p.put("name", name);
    p.put(ComextConfig.MODE_CONFIG, "BULK");
    p.put(ComextConfig.FILES_CONFIG, files);
    p.put(ComextConfig.REPORTERS_CONFIG, "DE,FR");
    p.put(ComextConfig.PARTNERS_CONFIG, "CN,US");
    p.put(ComextConfig.PRODUCTS_CONFIG, ""); // every product: the default keeps TOTAL rows only
    p.put("poll.interval.ms", "10");
    return p;
  }

  static void report(String what, List<SourceRecord> rs, long t0) {
    long dlq = rs.stream().filter(r -> r.topic().endsWith("dlq")).count();
    System.out.printf("%s: %,d records, %,d dead letters in %.1f s%n", what, rs.size() - dlq, dlq,
        (System.nanoTime() - t0) / 1e9);
  }

  /** Drops these files' pages from the page cache (written back first: dirty pages would stay). */
  static void evict(List<Path> csvs) throws Exception {
    for (Path c : csvs) {
      for (List<String> cmd : List.of(List.of("sync", c.toString()),
          List.of("dd", "if=" + c, "iflag=nocache", "count=0", "status=none"))) {
        Process pr = new ProcessBuilder(cmd).inheritIO().start();
        if (pr.waitFor() != 0) {
          throw new IllegalStateException(cmd + " failed");
        }
      }
    }
  }

  /** rchar and read_bytes of /proc/self/io, or -1s where there is none. */
  static long[] procIo() {
    long[] r = {-1, -1};
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("rchar:")) {
          r[0] = Long.parseLong(line.substring(6).trim());
        } else if (line.startsWith("read_bytes:")) {
          r[1] = Long.parseLong(line.substring(11).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the times alone
    }
    return r;
  }

  static void generate(Path csv, long rows) throws Exception {
    generate(csv, rows, 0, null, false);
  }

  /**
   * @param every every that many rows a DE/CN row with VALUE_EUR {@code n/a} (a dead letter); 0: none
   * @param firstValue the VALUE_EUR of the first row (a revision changes it), or null for the random one
   * @param extraBadRow whether one more bad row comes at the end
   */
  static void generate(Path csv, long rows, long every, String firstValue, boolean extraBadRow) throws Exception {
    SplittableRandom rnd = new SplittableRandom(42);
    try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
      w.write(HEADER);
      StringBuilder b = new StringBuilder(256);
      for (long i = 0; i < rows; i++) {
        if (every > 0 && i % every == every - 1) {
          // A product of its own per bad row: each is its own series, so its own dead letter.
          w.append("DE,CN,E,").append(String.format("%08d", 72_000_000 + i / every)).append(
              ",282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,n/a,,1,0\n");
          continue;
        }
        if (i == 0 && firstValue != null) {
          w.append("DE,CN,E,85011010,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,").append(firstValue)
              .append(",1,1,0\n");
          continue;
        }
        // 5,000 products of chapters 01-97; three statistical procedures, so keys repeat and are summed.
        int product = 1_000_000 + rnd.nextInt(5_000) * 19_391 % 96_000_000;
        b.setLength(0);
        b.append(REPORTERS[rnd.nextInt(REPORTERS.length)]).append(',').append(PARTNERS[rnd.nextInt(PARTNERS.length)])
            .append(",E,").append(String.format("%08d", product)).append(",282.21,241010,241010,22,21,XV,")
            .append(1 + rnd.nextInt(2)).append(',').append(1 + rnd.nextInt(3)).append(",NO_SU,202505,")
            .append(rnd.nextInt(10_000_000)).append(',').append(rnd.nextInt(10_000_000)).append(',')
            .append(rnd.nextInt(100_000)).append(",0\n");
        w.append(b);
      }
      if (extraBadRow) {
        w.append("FR,US,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,n/a,,1,0\n");
      }
    }
  }

  /** @return false when the task ran out of heap */
  static boolean run(Path csv, long rows) throws Exception {
    HeapPeak peak = HeapPeak.start();

    Map<String, String> p = bulkProps("comext-scale", csv.toString());
    TaskHarness harness = new TaskHarness();
    ComextBulkSourceTask task = new ComextBulkSourceTask();
    task.initialize(harness.context(p));
    long t0 = System.nanoTime();
    long records = 0;
    long dlq = 0;
    int maxBatch = 0;
    try {
      task.start(p);
      for (List<SourceRecord> batch = TaskHarness.poll(task); batch != null && !batch.isEmpty();
              batch = TaskHarness.poll(task)) {
        maxBatch = Math.max(maxBatch, batch.size());
        for (SourceRecord r : batch) {
          records++;
          if (r.topic().endsWith("dlq")) {
            dlq++;
          }
          task.commitRecord(r, TaskHarness.written(r));
        }
      }
    } catch (OutOfMemoryError e) {
      peak.close();
      System.out.printf("OutOfMemoryError after %.1f s (max heap %,d MB, peak used %,d MB): %s%n",
          (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().maxMemory() >> 20, peak.megabytes(), e.getMessage());
      return false;
    }
    task.stop();
    double s = (System.nanoTime() - t0) / 1e9;
    peak.close();
    System.out.printf("read %,d input rows -> %,d records (%,d dead letters), largest poll %,d, in %.1f s: "
        + "%,.0f input rows/s; max heap %,d MB, peak heap used %,d MB%n", rows, records, dlq, maxBatch, s, rows / s,
        Runtime.getRuntime().maxMemory() >> 20, peak.megabytes());
    return true;
  }
}
