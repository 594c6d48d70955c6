package io.tradepulse.connect.census;

import io.tradepulse.testsupport.MutableClock;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tradepulse.connect.HeapPeak;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.connect.common.SourcePartitions;
import io.tradepulse.connect.common.TradeSourceTask;
import io.tradepulse.connect.comext.ComextApiSourceTask;
import io.tradepulse.connect.comext.ComextConfig;
import io.tradepulse.connect.comtrade.ComtradeConfig;
import io.tradepulse.connect.comtrade.ComtradeSourceTask;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Measurement, not a test (Surefire does not pick this name up): writes one synthetic API response to a temporary
 * file, serves it from that file over local HTTP (a JDK HttpServer copying the file, so the server adds no heap),
 * runs the source task over it and prints records/s and the peak heap in use. Meant for a small heap, to show how
 * large a response a Connect worker's heap must be able to hold.
 *
 * <ul>
 *   <li>{@code census [rows]}: a Census HS10 all-countries export month, rows over every Schedule C code
 *       (country groups included, skipped by the task), read by {@link CensusSourceTask};</li>
 *   <li>{@code comtrade [rows]}: one Comtrade v1 page of full-shape records (all 47 fields), read by
 *       {@link ComtradeSourceTask};</li>
 *   <li>{@code comext [rows]}: one Comext SDMX-CSV response of twelve months (2024-06 to 2025-05), 40 partners, CN8
 *       products, both flows, every 997th value confidential (a dead letter), read by {@link ComextApiSourceTask} as a
 *       new-month call (records in response order);</li>
 *   <li>{@code comext-revision [rows]}: the same response as the answer to the look-back call of a reporter whose
 *       offset has no month fingerprints yet (as an older release wrote it), so every month is re-emitted in
 *       fingerprint order: the rows are sorted on disk.</li>
 * </ul>
 *
 * <p>Usage: {@code java -Xmx128m -cp <test classpath> io.tradepulse.connect.census.ApiStreamingScale census 500000}
 */
public final class ApiStreamingScale {
  private ApiStreamingScale() {}

  public static void main(String[] args) throws Exception {
    String source = args.length > 0 ? args[0] : "census";
    long rows = args.length > 1 ? Long.parseLong(args[1]) : source.equals("census") ? 500_000 : 250_000;
    Path dir = Files.createTempDirectory("api-scale-");
    Path body = dir.resolve(source + (source.startsWith("comext") ? ".csv" : ".json"));
    boolean ok;
    try {
      long t0 = System.nanoTime();
      if (source.equals("census")) {
        census(body, rows);
      } else if (source.startsWith("comext")) {
        comext(body, rows);
      } else {
        comtrade(body, rows);
      }
      System.out.printf("%s: generated %,d rows, %,d bytes in %.1f s%n", source, rows, Files.size(body),
          (System.nanoTime() - t0) / 1e9);
      System.gc(); // what generating left behind is not the task's
      ok = run(source, body, rows);
    } finally {
      Files.deleteIfExists(body);
      Files.deleteIfExists(dir);
    }
    System.exit(ok ? 0 : 1);
  }

  /** Codes of a shipped reference table (kind COUNTRY, GROUP or TOTAL), in file order. */
  static List<String[]> codes(String resource) throws Exception {
    List<String[]> out = new ArrayList<>();
    try (InputStream in = CodeTable.class.getResourceAsStream(resource);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] f = line.split(",", 4);
        if (!line.startsWith("#") && f.length == 4 && !f[0].equals("code")) {
          out.add(f);
        }
      }
    }
    return out;
  }

  static void census(Path file, long rows) throws Exception {
    List<String[]> countries = codes("/io/tradepulse/connect/ref/census-schedule-c.csv");
    SplittableRandom rnd = new SplittableRandom(42);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("[[\"CTY_CODE\",\"CTY_NAME\",\"E_COMMODITY\",\"ALL_VAL_MO\",\"SUMMARY_LVL\",\"time\",\"COMM_LVL\"]");
      for (long i = 0; i < rows; i++) {
        String[] c = countries.get((int) (i % countries.size()));
        long hs10 = 1_000_000_000L + (i / countries.size()) * 4_567L % 8_900_000_000L; // 10 digits
        w.write(",\n[\"" + c[0] + "\",\"" + c[3].replace("\"", "") + "\",\"" + hs10 + "\",\""
            + (1 + rnd.nextLong(5_000_000_000L)) + "\",\"" + (c[2].equals("COUNTRY") ? "DET" : "CGP")
            + "\",\"2025-05\",\"HS10\"]");
      }
      w.write("]");
    }
  }

  static void comtrade(Path file, long rows) throws Exception {
    List<String[]> partners = codes("/io/tradepulse/connect/ref/m49.csv");
    SplittableRandom rnd = new SplittableRandom(42);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("{\"elapsedTime\":\"41.2 secs\",\"count\":" + rows + ",\"data\":[");
      for (long i = 0; i < rows; i++) {
        String partner = partners.get((int) (i % partners.size()))[0];
        String flow = i % 2 == 0 ? "X" : "M";
        long cmd = 10_000 + (i / (2L * partners.size())) * 7 % 960_000;
        long value = 1 + rnd.nextLong(50_000_000_000L);
        w.write((i == 0 ? "" : ",") + "{\"typeCode\":\"C\",\"freqCode\":\"M\",\"refPeriodId\":20240501,"
            + "\"refYear\":2024,\"refMonth\":5,\"period\":\"202405\",\"reporterCode\":156,\"reporterISO\":\"CHN\","
            + "\"reporterDesc\":\"China\",\"flowCode\":\"" + flow + "\",\"flowDesc\":\"" + (flow.equals("X") ? "Export"
            : "Import") + "\",\"partnerCode\":" + partner + ",\"partnerISO\":\"XXX\",\"partnerDesc\":\"Partner\","
            + "\"partner2Code\":0,\"partner2ISO\":\"W00\",\"partner2Desc\":\"World\",\"classificationCode\":\"H6\","
            + "\"classificationSearchCode\":\"HS\",\"isOriginalClassification\":true,\"cmdCode\":\"" + String.format("%06d", cmd)
            + "\",\"cmdDesc\":\"Goods\",\"aggrLevel\":6,\"isLeaf\":true,\"customsCode\":\"C00\",\"customsDesc\":\"TOTAL"
            + " CPC\",\"mosCode\":\"0\",\"motCode\":0,\"motDesc\":\"TOTAL MOT\",\"qtyUnitCode\":8,\"qtyUnitAbbr\":\"kg\","
            + "\"qty\":" + rnd.nextInt(1_000_000) + ",\"isQtyEstimated\":false,\"altQtyUnitCode\":8,\"altQtyUnitAbbr\":"
            + "\"kg\",\"altQty\":" + rnd.nextInt(1_000_000) + ",\"isAltQtyEstimated\":false,\"netWgt\":"
            + rnd.nextInt(1_000_000) + ",\"isNetWgtEstimated\":false,\"grossWgt\":0,\"isGrossWgtEstimated\":false,"
            + "\"cifvalue\":null,\"fobvalue\":" + value + ",\"primaryValue\":" + value + ".25,\"legacyEstimationFlag\":0,"
            + "\"isReported\":true,\"isAggregate\":false}");
      }
      w.write("],\"error\":\"\"}");
    }
  }

  static final String[] COMEXT_MONTHS = {"2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12",
      "2025-01", "2025-02", "2025-03", "2025-04", "2025-05"};

  static void comext(Path file, long rows) throws Exception {
    String[] partners = {"CN", "US", "GB", "CH", "TR", "JP", "KR", "IN", "NO", "BR", "VN", "TW", "SG", "CA", "MX", "AU",
        "ZA", "MA", "EG", "SA", "AE", "IL", "TH", "MY", "ID", "PH", "CL", "AR", "NG", "DZ", "UA", "RS", "BA", "IS", "NZ",
        "PK", "BD", "LK", "KZ", "GE"};
    SplittableRandom rnd = new SplittableRandom(42);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n");
      for (long i = 0; i < rows; i++) {
        String partner = partners[(int) (i % partners.length)];
        long series = i / partners.length;
        String month = COMEXT_MONTHS[(int) (series % COMEXT_MONTHS.length)];
        long cn8 = 1_000_000 + (series / COMEXT_MONTHS.length / 2) * 37 % 98_000_000;
        String value = i % 997 == 0 ? "" : Long.toString(1 + rnd.nextLong(2_000_000_000L));
        w.write("ESTAT:DS-045409(1.0),15/07/25,M,EU27_2020," + partner + "," + String.format("%08d", cn8) + ","
            + (series / COMEXT_MONTHS.length % 2 + 1) + ",VALUE_IN_EUROS," + month + "," + value + "\n");
      }
    }
  }

  /** Serves {@code body} for the one request that asks for its month, 204 (no data yet) for any other. */
  static HttpServer serve(Path body, String wantedQuery) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", (HttpExchange ex) -> {
      try (ex) {
        String q = ex.getRequestURI().getRawQuery();
        if (q != null && q.contains(wantedQuery)) {
          ex.sendResponseHeaders(200, Files.size(body));
          try (OutputStream out = ex.getResponseBody()) {
            Files.copy(body, out);
          }
        } else {
          ex.sendResponseHeaders(204, -1);
        }
      }
    });
    server.start();
    return server;
  }

  /** @return false when the task ran out of heap */
  static boolean run(String source, Path body, long rows) throws Exception {
    boolean census = source.equals("census");
    HttpServer server = serve(body, census ? "time=2025-05" : source.equals("comext") ? "startPeriod=2024-06"
        : source.equals("comext-revision") ? "endPeriod=2025-05" : "period=202405&");
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    Map<String, String> p = new HashMap<>();
    p.put("name", source + "-scale");
    p.put("poll.interval.ms", "10");
    p.put("http.timeout.ms", "600000");
    TradeSourceTask<?> task;
    MutableClock clock;
    TaskHarness harness = new TaskHarness();
    if (source.startsWith("comext")) {
      p.put(ComextConfig.BASE_URL_CONFIG, base + "/sdmx/2.1/data");
      p.put(ComextConfig.PARTNERS_CONFIG, "");
      p.put(ComextConfig.PRODUCTS_CONFIG, "TOTAL");
      p.put(ComextConfig.START_CONFIG, "2024-06");
      p.put(ComextConfig.REVISION_INTERVAL_CONFIG, "1000");
      if (source.equals("comext-revision")) {
        // What a release without month fingerprints stored once 2025-05 was read: the look-back call re-emits all.
        harness.offsets.put(new HashMap<>(SourcePartitions.of("source", "comext", "dataset", "DS-045409", "reporter", "EU27_2020",
            "partners", "", "products", "TOTAL", "flows", "IMPORT,EXPORT")), Map.of("next", "2025-06", "rows_done", 0L,
            "digest", ""));
      }
      task = new ComextApiSourceTask();
      clock = new MutableClock(Instant.parse("2025-07-16T00:00:00Z"));
    } else if (census) {
      p.put(CensusConfig.BASE_URL_CONFIG, base + "/data/timeseries/intltrade");
      p.put(CensusConfig.FLOWS_CONFIG, "EXPORT");
      p.put(CensusConfig.COMM_LVL_CONFIG, "HS10");
      p.put(CensusConfig.START_MONTH_CONFIG, "2025-05");
      p.put(CensusSourceTask.PARTITIONS_CONFIG, "EXPORT|HS10|*");
      task = new CensusSourceTask();
      clock = new MutableClock(Instant.parse("2025-06-20T12:00:00Z"));
    } else {
      p.put(ComtradeConfig.BASE_URL_CONFIG, base + "/data/v1/get");
      p.put(ComtradeConfig.REPORTERS_CONFIG, "156");
      p.put(ComtradeConfig.PARTNERS_CONFIG, "0");
      p.put(ComtradeConfig.START_CONFIG, "202405");
      p.put(ComtradeConfig.PERIODS_CONFIG, "1"); // one period per call: the page is the response of one month
      task = new ComtradeSourceTask();
      clock = new MutableClock(Instant.parse("2025-06-15T00:00:00Z"));
    }
    task.useForTesting(clock, new JdkPageFetcher(Duration.ofMinutes(10)));

    HeapPeak peak = HeapPeak.start();

    long t0 = System.nanoTime();
    long records = 0;
    long dlq = 0;
    int maxBatch = 0;
    try {
      harness.start(task, p);
      if (source.equals("comext-revision")) {
        clock.advance(Duration.ofSeconds(2)); // past comext.revision.check.interval.ms: the look-back call is due
      }
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
      task.stop();
    } catch (OutOfMemoryError e) {
      peak.close();
      System.out.printf("OutOfMemoryError after %.1f s (max heap %,d MB, peak used %,d MB): %s%n",
          (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().maxMemory() >> 20, peak.megabytes(), e.getMessage());
      return false;
    } finally {
      server.stop(0);
    }
    double s = (System.nanoTime() - t0) / 1e9;
    peak.close();
    System.out.printf("%s: %,d rows -> %,d records (%,d dead letters), largest poll %,d, most records built at once "
        + "%,d, in %.1f s: %,.0f rows/s; max heap %,d MB, peak heap used %,d MB%n", source, rows, records, dlq,
        maxBatch, task.peakPendingRecords(), s, rows / s, Runtime.getRuntime().maxMemory() >> 20, peak.megabytes());
    return true;
  }
}
