package io.tradepulse.serving;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.TradeChange;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Not a test (no Surefire pattern matches it): the measurement behind docs/benchmarks.md, "REST responses at the
 * largest limit". Fills the view's store with {@code changes} changes of the backfill's shape, serves them, and asks
 * {@code concurrent} clients at once for {@code /api/changes?limit=100000}; prints the statuses, the time, the bytes
 * allocated per response (server and client: one JVM), the JVM's peak heap, and one response's size. Run with a small -Xmx to see whether
 * concurrent large responses fit next to a processor.
 *
 * <pre>
 * ./mvnw -B -o -q -pl modules/serving test-compile
 * java -Xmx256m -XX:+UseParallelGC -cp modules/serving/target/test-classes:modules/serving/target/classes:$(./mvnw -q -o \
 *   -pl modules/serving dependency:build-classpath -Dmdep.outputFile=/dev/stdout) io.tradepulse.serving.RestResponseScale 200000 4 /tmp/rest-scale
 * </pre>
 */
public final class RestResponseScale {
    private RestResponseScale() {
    }

    public static void main(String[] args) throws Exception {
        int changes = Integer.parseInt(args[0]);
        int concurrent = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        Random rnd = new Random(1);
        // the store-backed Results of DashboardServerTest (its three fixture rows do not matter at this size)
        DashboardServerTest.StoreResults results = new DashboardServerTest.StoreResults(dir);
        try (ResultsStore store = results.store) {
            for (int n = 0; n < changes; n++) {
                TradeChange c = ResultsViewScale.change(rnd, "USA", String.format(Locale.ROOT, "P%03d", n / 36 / 400), String.valueOf(100000 + n / 36 % 400),
                        n % 36, n);
                store.putChange(new ChangeKey("USA", c.getPartner(), Flow.IMPORT, c.getCommodity(), c.getYear(), c.getMonth()), c);
            }
            try (DashboardServer server = new DashboardServer("127.0.0.1", 0, results,
                    () -> new DashboardServer.Health(true, true, "RUNNING")).start()) {
                HttpClient http = HttpClient.newHttpClient();
                URI uri = URI.create(server.url() + "api/changes?limit=100000");
                for (int round = 0; round < 3; round++) {
                    System.gc();
                    ManagementFactory.getMemoryPoolMXBeans().forEach(java.lang.management.MemoryPoolMXBean::resetPeakUsage);
                    long allocatedBefore = allocated();
                    long t = System.nanoTime();
                    ExecutorService clients = Executors.newFixedThreadPool(concurrent);
                    List<Future<HttpResponse<Void>>> futures = new ArrayList<>();
                    for (int i = 0; i < concurrent; i++) {
                        futures.add(clients.submit(() -> http.send(HttpRequest.newBuilder(uri).build(),
                                HttpResponse.BodyHandlers.discarding())));
                    }
                    List<Integer> statuses = new ArrayList<>();
                    for (Future<HttpResponse<Void>> f : futures) {
                        statuses.add(f.get().statusCode());
                    }
                    clients.shutdown();
                    double seconds = (System.nanoTime() - t) / 1e9;
                    long allocated = allocated() - allocatedBefore;
                    long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                            .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                            .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                    System.out.printf("round %d: %d x limit=100000 at once: statuses %s, %.2f s, %.0f MB allocated per response "
                            + "(whole JVM), peak heap (sum of pools) %.0f MB%n", round + 1, concurrent, statuses, seconds,
                            allocated / 1e6 / concurrent, peak / 1e6);
                }
                HttpResponse<java.io.InputStream> one = http.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                long size;
                try (java.io.InputStream in = one.body()) {
                    size = in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                System.out.printf("one response: %d, %.1f MB of JSON%n", one.statusCode(), size / 1e6);
            }
        }
    }

    /** Bytes allocated so far by every live thread (HotSpot's per-thread counters). */
    private static long allocated() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = threads.getAllThreadIds();
        long sum = 0;
        for (long a : threads.getThreadAllocatedBytes(ids)) {
            sum += Math.max(0, a);
        }
        return sum;
    }
}
