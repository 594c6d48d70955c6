package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tradepulse.embedded.EmbeddedKafka;
import io.tradepulse.testsupport.ChildJvm;
import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tradepulse ingest} against the shared embedded broker and registry (as {@code --bootstrap-servers}, a
 * cluster of one's own), run as {@code main} runs it.
 */
@WithEmbeddedPlatform
class IngestCommandIT {

    @TempDir
    Path dir;

    /**
     * tasks.max=2 over a small and a big file: one task each. ingest once exited 0 as soon as the first task (the
     * small file's) finished, the big file cut short: completion was one flag per connector.
     */
    @Test
    void shouldReturnOnlyOnceEveryTaskDeliveredItsFiles(EmbeddedPlatform platform) throws Exception {
        String prefix = "ingest-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        int smallRows = 16;
        int bigRows = 30_000;
        Path small = gaccCsv("small.csv", smallRows);
        Path big = gaccCsv("big.csv", bigRows);

        int code = Main.commandLine().execute("ingest", "--source", "file",
                "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                "--config", exampleConfig().toString(), "--files", small + "," + big, "--set", "tasks.max=2",
                "--offsets", dir.resolve("ingest.offsets").toString(), "--topic-prefix", prefix);

        assertThat(code).isZero();
        assertThat(endOffsets(platform, prefix + "trade.records") + endOffsets(platform, prefix + "trade.dlq"))
                .as("every row of both files delivered before ingest returned").isEqualTo(smallRows + bigRows);
    }

    /**
     * ingest exited 0 whatever the number of dead letters (only the summary line had it), so a cron job or CI could
     * not tell. With --max-dead-letters it exits 3 once a run dead-lettered more rows than that, and 0 up to it;
     * without it, 0 as before (real sources routinely dead-letter a few rows).
     */
    @Test
    void shouldExitWithTheDeadLetterCodeOnlyWhenMoreRowsThanAllowedWereDeadLettered(EmbeddedPlatform platform)
            throws Exception {
        int good = 16;
        int bad = 3;
        Path csv = gaccCsv("some-bad.csv", good);
        Files.writeString(csv, "2025-13,2025-13,10.0,,generated,no such month\n"
                + "2025-01,2025-01,ten,,generated,not a number\n"
                + "2025-02,2025-02,10.0\n", java.nio.file.StandardOpenOption.APPEND); // 3 of 6 columns

        for (String limit : new String[] {"2", "3", null}) {
            String prefix = "dead-" + UUID.randomUUID().toString().substring(0, 8) + ".";
            List<String> args = new java.util.ArrayList<>(List.of("ingest", "--source", "file",
                    "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                    "--config", exampleConfig().toString(), "--files", csv.toString(),
                    "--offsets", dir.resolve(prefix + "offsets").toString(), "--topic-prefix", prefix));
            if (limit != null) {
                args.addAll(List.of("--max-dead-letters", limit));
            }
            StringWriter err = new StringWriter();

            int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute(args.toArray(String[]::new));

            assertThat(endOffsets(platform, prefix + "trade.records")).as("limit " + limit).isEqualTo(good);
            assertThat(endOffsets(platform, prefix + "trade.dlq")).as("limit " + limit).isEqualTo(bad);
            if ("2".equals(limit)) {
                assertThat(code).as(err.toString()).isEqualTo(IngestCommand.DEAD_LETTERS_EXIT_CODE);
                assertThat(err.toString()).contains("3 rows dead-lettered, more than --max-dead-letters 2",
                        prefix + "trade.dlq");
            } else {
                assertThat(code).as("limit " + limit + ": " + err).isZero();
            }
        }
    }

    /**
     * The summary and --max-dead-letters counted the growth of trade.records and trade.dlq over the run, so whatever
     * another client wrote meanwhile (a running processor's dead letters and transaction markers on the shared
     * trade.dlq) was this run's: a run of 3 dead letters under --max-dead-letters 3 exited 3. They now count what
     * the run's own producers had acknowledged.
     */
    @Test
    void shouldCountOnlyItsOwnDeadLettersWhenAnotherClientWritesToTheDeadLetterTopicMeanwhile(
            EmbeddedPlatform platform) throws Exception {
        int good = 16;
        int bad = 3;
        Path csv = gaccCsv("others.csv", good);
        Files.writeString(csv, "2025-13,2025-13,10.0,,generated,no such month\n"
                + "2025-01,2025-01,ten,,generated,not a number\n"
                + "2025-02,2025-02,10.0\n", java.nio.file.StandardOpenOption.APPEND); // 3 of 6 columns
        String prefix = "others-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String dlq = prefix + "trade.dlq";
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        // Another client (as the processor) writing to trade.dlq from as soon as ingest created it until it returned.
        Thread other = new Thread(() -> {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()));
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                         platform.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                while (!done.get() && !admin.listTopics().names().get().contains(dlq)) {
                    Thread.sleep(20);
                }
                while (!done.get()) {
                    producer.send(new ProducerRecord<>(dlq, new byte[] {1})).get();
                    written.incrementAndGet();
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "other-dlq-writer");
        other.start();
        Printed run;
        try {
            run = Printed.of("ingest", "--source", "file",
                    "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                    "--config", exampleConfig().toString(), "--files", csv.toString(), "--max-dead-letters", "3",
                    "--offsets", dir.resolve(prefix + "offsets").toString(), "--topic-prefix", prefix);
        } finally {
            done.set(true);
            other.join(30_000);
        }

        assertThat(written.get()).as("the other client wrote meanwhile").isPositive();
        assertThat(endOffsets(platform, dlq)).isEqualTo(bad + written.get());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out())
                .contains(good + " records to " + prefix + "trade.records, " + bad + " dead letters to " + dlq);
    }

    /**
     * The summary counts what reached the topics, and a transform of the connector (here a Filter on the dead-letter
     * topic) drops rows into neither: the run said "16 records to trade.records, 0 dead letters to trade.dlq" of a
     * file of 19 rows, and nothing in a one-shot run's output told where the other 3 went.
     */
    @Test
    void shouldSayHowManyRowsATransformDroppedWhenTheConnectorsTransformDropsSome(EmbeddedPlatform platform)
            throws Exception {
        int good = 16;
        Path csv = gaccCsv("filtered.csv", good);
        Files.writeString(csv, "2025-13,2025-13,10.0,,generated,no such month\n"
                + "2025-01,2025-01,ten,,generated,not a number\n"
                + "2025-02,2025-02,10.0\n", java.nio.file.StandardOpenOption.APPEND);
        String prefix = "filtered-" + UUID.randomUUID().toString().substring(0, 8) + ".";

        Printed run = Printed.of("ingest", "--source", "file", "--bootstrap-servers", platform.bootstrapServers(),
                "--schema-registry-url", platform.registryUrl(), "--config", exampleConfig().toString(),
                "--files", csv.toString(), "--offsets", dir.resolve(prefix + "offsets").toString(),
                "--topic-prefix", prefix, "--timeout", "PT2M",
                "--set", "transforms=noDeadLetters",
                "--set", "transforms.noDeadLetters.type=org.apache.kafka.connect.transforms.Filter",
                "--set", "transforms.noDeadLetters.predicate=isDeadLetter",
                "--set", "predicates=isDeadLetter",
                "--set", "predicates.isDeadLetter.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                "--set", "predicates.isDeadLetter.pattern=.*trade\\.dlq");

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(endOffsets(platform, prefix + "trade.records")).isEqualTo(good);
        assertThat(endOffsets(platform, prefix + "trade.dlq")).as("the Filter's").isZero();
        assertThat(run.out()).contains(good + " records to " + prefix + "trade.records, 0 dead letters to " + prefix
                + "trade.dlq; 3 more rows dropped by a transform of the connector (not written)");
    }

    /**
     * A one-shot Comtrade ingest out of its call quota waited for it (hours) and then ended at --timeout, "not done
     * after PT30M", saying nothing of the quota. It now ends at once, exit 1, saying when to run again; what it
     * delivered is kept, and the next run resumes with the refused call.
     */
    @Test
    void shouldEndAOneShotComtradeRunAtOnceSayingWhenToRunAgainWhenTheQuotaIsUsedUp(EmbeddedPlatform platform)
            throws Exception {
        AtomicBoolean quotaBack = new AtomicBoolean();
        List<String> asked = new CopyOnWriteArrayList<>();
        HttpServer comtrade = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        comtrade.createContext("/data/v1/get/C/M/HS", exchange -> {
            String period = exchange.getRequestURI().getQuery().replaceAll(".*[?&]?period=([0-9,]+).*", "$1");
            asked.add(period);
            int status;
            String body;
            if (period.startsWith("202401,")) {
                status = 200;
                body = "{\"elapsedTime\":\"0.1 secs\",\"count\":1,\"data\":[" + comtradeRecord("202401") + "]}";
            } else if (!quotaBack.get()) {
                status = 403;
                body = "{\"statusCode\": 403, \"message\": \"Out of call volume quota. Quota will be replenished in "
                        + "05:41:10.\"}";
            } else {
                status = 204;
                body = null;
            }
            if (body == null) {
                exchange.sendResponseHeaders(status, -1);
            } else {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        comtrade.start();
        String prefix = "quota-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String[] args = oneShotComtrade(platform, "http://127.0.0.1:" + comtrade.getAddress().getPort(), prefix);
        try {
            assertThat(firstLineOfAnEarlyExit1(args))
                    .startsWith("tradepulse ingest failed: comtrade stopped: Comtrade: the subscription is out of its "
                            + "call quota")
                    .contains("Quota will be replenished in 05:41:10", "run again", "resume point saved in "
                            + dir.resolve(prefix + "offsets"));
            assertThat(endOffsets(platform, prefix + "trade.records")).as("delivered before the quota ran out")
                    .isEqualTo(1);
            String refused = asked.get(asked.size() - 1);
            assertThat(refused).startsWith("202402,");

            quotaBack.set(true);
            asked.clear();
            assertThat(Main.commandLine().execute(args)).isZero();

            assertThat(asked.get(0)).as("resumed with the refused call").isEqualTo(refused);
            assertThat(asked).noneMatch(p -> p.startsWith("202401,"));
            assertThat(endOffsets(platform, prefix + "trade.records")).as("nothing twice").isEqualTo(1);
        } finally {
            comtrade.stop(0);
        }
    }

    /**
     * --follow waits for the call quota (README: "--follow waits for the quota instead"), but a followed Comtrade run
     * whose quota ran out before it first caught up (a backfill, where quotas run out) ended at --timeout with exit 1,
     * "not done after ...", and a supervisor's restart only asked the refused call again. It follows on, saying which
     * task waits until when; Ctrl-C (SIGTERM here) ends it as any followed run. In a JVM of its own, as a user runs it.
     */
    @Test
    void shouldFollowOnWhenTheQuotaRunsOutBeforeAFollowedRunFirstCaughtUp(EmbeddedPlatform platform) throws Exception {
        HttpServer comtrade = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        comtrade.createContext("/data/v1/get/C/M/HS", exchange -> {
            String period = exchange.getRequestURI().getQuery().replaceAll(".*[?&]?period=([0-9,]+).*", "$1");
            byte[] bytes = (period.startsWith("202401,")
                    ? "{\"elapsedTime\":\"0.1 secs\",\"count\":1,\"data\":[" + comtradeRecord("202401") + "]}"
                    : "{\"statusCode\": 403, \"message\": \"Out of call volume quota. Quota will be replenished in "
                            + "05:41:10.\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(period.startsWith("202401,") ? 200 : 403, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        comtrade.start();
        String prefix = "quota-follow-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String[] oneShot = oneShotComtrade(platform, "http://127.0.0.1:" + comtrade.getAddress().getPort(), prefix);
        List<String> args = new java.util.ArrayList<>(List.of(oneShot).subList(1, oneShot.length));
        args.set(args.indexOf("PT2M"), "PT15S");
        args.add(0, "--follow");
        args.add(0, "ingest");
        Path log = dir.resolve("quota-follow.log");
        Process ingest = new ProcessBuilder(ChildJvm.command("512m", Main.class, args.toArray(String[]::new)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitFollowing(ingest, log);
            assertThat(Files.readString(log)).contains("not caught up after PT15S: task 0 waits until",
                    "(the source's call quota, or a server's Retry-After); following on meanwhile; 1 record to "
                            + prefix + "trade.records");
            assertThat(endOffsets(platform, prefix + "trade.records")).as("delivered before the quota ran out")
                    .isEqualTo(1);
            Thread.sleep(3_000);
            assertThat(ingest.isAlive()).as("still following; log:%n%s", Files.readString(log)).isTrue();
            assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(ingest.pid())).start()
                    .waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            assertThat(ingest.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("stopped").isTrue();
            assertThat(ingest.exitValue()).as(Files.readString(log)).isEqualTo(143);
        } finally {
            ingest.destroyForcibly();
            comtrade.stop(0);
        }
    }

    /**
     * A one-shot ingest whose server asked, with Retry-After, not to be called for an hour (a 503 maintenance window)
     * waited for it, silent, and then ended at --timeout, "not done". It now ends at once, exit 1, naming the server
     * and when to run again, without calling it again; what it delivered is kept, and the next run resumes with the
     * refused call.
     */
    @Test
    void shouldEndAOneShotRunAtOnceSayingWhenToRunAgainWhenTheServerAsksForAnHour(EmbeddedPlatform platform)
            throws Exception {
        AtomicBoolean back = new AtomicBoolean();
        List<String> asked = new CopyOnWriteArrayList<>();
        HttpServer comtrade = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        comtrade.createContext("/data/v1/get/C/M/HS", exchange -> {
            String period = exchange.getRequestURI().getQuery().replaceAll(".*[?&]?period=([0-9,]+).*", "$1");
            asked.add(period);
            if (period.startsWith("202401,")) {
                byte[] bytes = ("{\"elapsedTime\":\"0.1 secs\",\"count\":1,\"data\":[" + comtradeRecord("202401")
                        + "]}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            } else if (!back.get()) {
                byte[] bytes = "{\"statusCode\": 503, \"message\": \"Service Unavailable\"}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Retry-After", "3600");
                exchange.sendResponseHeaders(503, bytes.length);
                exchange.getResponseBody().write(bytes);
            } else {
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        comtrade.start();
        String server = "http://127.0.0.1:" + comtrade.getAddress().getPort();
        String prefix = "later-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String[] args = oneShotComtrade(platform, server, prefix);
        try {
            assertThat(firstLineOfAnEarlyExit1(args))
                    .startsWith("tradepulse ingest failed: comtrade stopped: HTTP 503 from " + server)
                    .contains(server + " asked not to be called again for 3600 s (Retry-After)", "run again",
                            "resume point saved in " + dir.resolve(prefix + "offsets"),
                            "--set http.retry.after.long=WAIT");
            assertThat(endOffsets(platform, prefix + "trade.records")).as("delivered before the server asked")
                    .isEqualTo(1);
            String refused = asked.get(asked.size() - 1);
            assertThat(refused).startsWith("202402,");
            assertThat(asked).as("the refused call made once").containsOnlyOnce(refused);

            back.set(true);
            asked.clear();
            assertThat(Main.commandLine().execute(args)).isZero();

            assertThat(asked.get(0)).as("resumed with the refused call").isEqualTo(refused);
            assertThat(asked).noneMatch(p -> p.startsWith("202401,"));
            assertThat(endOffsets(platform, prefix + "trade.records")).as("nothing twice").isEqualTo(1);
        } finally {
            comtrade.stop(0);
        }
    }

    /** A Comtrade v1 record of reporter 156 (China), partner 842 (USA), exports, in {@code period} (yyyyMM). */
    private static String comtradeRecord(String period) {
        return """
                {"typeCode":"C","freqCode":"M","refPeriodId":%1$s01,"refYear":%2$s,"refMonth":%3$d,"period":"%1$s",
                "reporterCode":156,"reporterISO":"CHN","reporterDesc":"China","flowCode":"X","partnerCode":842,
                "partnerISO":"USA","partner2Code":0,"classificationCode":"H6","cmdCode":"TOTAL","aggrLevel":0,
                "isLeaf":false,"customsCode":"C00","mosCode":"0","motCode":0,"qtyUnitCode":-1,"qty":null,"altQty":null,
                "netWgt":null,"grossWgt":null,"isQtyEstimated":false,"cifvalue":null,"fobvalue":1000,
                "primaryValue":1000,"isReported":true,"isAggregate":true}""".formatted(period, period.substring(0, 4),
                Integer.parseInt(period.substring(4)));
    }

    /**
     * The worker's writes of the offsets file failed (a full disk in production; here a directory put in the file's
     * place once the worker had started, which stops root too). Connect only logged them: ingest said "resume point
     * saved in <file>" and exited 0, and the next run sent every row again. It now exits 1, on one line saying the
     * resume point was not saved, which file, and what the next run sends again.
     */
    @Test
    void shouldExitWith1SayingTheResumePointWasNotSavedWhenTheOffsetsFileCannotBeWritten(EmbeddedPlatform platform)
            throws Exception {
        Path offsets = dir.resolve("unsaved").resolve("ingest.offsets");
        byte[] rows = Files.readAllBytes(gaccCsv("served.csv", 16));
        HttpServer files = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        files.createContext("/served.csv", exchange -> {
            // Asked by the task: the worker has started and read the offsets file (none yet), nothing was written.
            Files.createDirectories(offsets);
            exchange.sendResponseHeaders(200, rows.length);
            exchange.getResponseBody().write(rows);
            exchange.close();
        });
        files.start();
        String prefix = "unsaved-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Printed run;
        try {
            run = Printed.of("ingest", "--source", "file",
                    "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                    "--config", exampleConfig().toString(), "--timeout", "PT2M",
                    "--files", "http://127.0.0.1:" + files.getAddress().getPort() + "/served.csv",
                    "--offsets", offsets.toString(), "--topic-prefix", prefix);
        } finally {
            files.stop(0);
        }

        assertThat(endOffsets(platform, prefix + "trade.records")).as("every row published").isEqualTo(16);
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.err().lines().findFirst().orElseThrow())
                .startsWith("tradepulse ingest failed: the resume point was NOT saved: writing " + offsets + " failed")
                .contains("the next run reads the source from its start");
        assertThat(run.err()).as("nothing to debug").doesNotContain("\tat ");
        assertThat(run.out()).doesNotContain("resume point saved");
    }

    /**
     * A followed ingest ends with Ctrl-C (SIGTERM here, the same shutdown hook), where its final commit is written:
     * when that write failed, nothing but Connect's log said so, and the exit code is the signal's. It now prints a
     * warning naming the file and what the next run sends again. In a JVM of its own, as a user runs it.
     */
    @Test
    void shouldWarnThatTheResumePointWasNotSavedWhenAFollowedIngestIsStoppedAndTheOffsetsFileCannotBeWritten(
            EmbeddedPlatform platform) throws Exception {
        Path offsets = dir.resolve("unsaved-follow").resolve("ingest.offsets");
        byte[] rows = Files.readAllBytes(gaccCsv("followed.csv", 16));
        HttpServer files = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        files.createContext("/followed.csv", exchange -> {
            Files.createDirectories(offsets); // as above: from now on every write of the offsets file fails
            exchange.sendResponseHeaders(200, rows.length);
            exchange.getResponseBody().write(rows);
            exchange.close();
        });
        files.start();
        String prefix = "unsaved-follow-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Path log = dir.resolve("followed.log");
        Process ingest = new ProcessBuilder(ChildJvm.command("512m", Main.class,
                "ingest", "--source", "file", "--follow",
                "--bootstrap-servers", platform.bootstrapServers(), "--schema-registry-url", platform.registryUrl(),
                "--config", exampleConfig().toString(), "--timeout", "PT2M",
                "--files", "http://127.0.0.1:" + files.getAddress().getPort() + "/followed.csv",
                "--offsets", offsets.toString(), "--topic-prefix", prefix))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitFollowing(ingest, log);
            assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(ingest.pid())).start()
                    .waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            assertThat(ingest.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("stopped").isTrue();
            assertThat(ingest.exitValue()).isEqualTo(143);
            assertThat(Files.readString(log)).contains("WARNING: the resume point was NOT saved: writing " + offsets
                    + " failed");
        } finally {
            ingest.destroyForcibly();
            files.stop(0);
        }
    }

    /** Waits until the ingest child says it follows (caught up), failing with its log if it exits or takes 2 min. */
    private static void awaitFollowing(Process ingest, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.readString(log).contains("Press Ctrl-C to stop.")) {
            assertThat(ingest.isAlive()).as("still running; log:%n%s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("following within 2 min; log:%n%s", Files.readString(log))
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** The documented example mapping (README, docs/connectors.md): modules/connectors/examples/gacc-seed.properties. */
    static Path exampleConfig() {
        Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (d != null && !Files.isRegularFile(d.resolve("modules/connectors/examples/gacc-seed.properties"))) {
            d = d.getParent();
        }
        assertThat(d).as("the repository root above " + System.getProperty("user.dir")).isNotNull();
        return d.resolve("modules/connectors/examples/gacc-seed.properties");
    }

    /** {@code rows} valid rows in the shape of the bundled GACC file, one month each, cycling over 1988..2025. */
    Path gaccCsv(String name, int rows) throws IOException {
        StringBuilder b = new StringBuilder("period_start,period_end,value_usd_bn,reported_yoy_pct,source,flag\n");
        for (int i = 0; i < rows; i++) {
            String month = String.format(Locale.ROOT, "%d-%02d", 1988 + (i / 12) % 38, 1 + i % 12);
            b.append(month).append(',').append(month).append(",10.0,,generated,row ").append(i).append('\n');
        }
        return Files.writeString(dir.resolve(name), b);
    }

    static long endOffsets(EmbeddedPlatform platform, String topic) throws Exception {
        return endOffsets(platform.bootstrapServers(), topic);
    }

    static long endOffsets(String bootstrapServers, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(specs).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        }
    }

    /**
     * The default offsets file (no --offsets) once was one per source, shared by every cluster and topic prefix: a
     * second cluster (or prefix) skipped every row the first had received, and ingest exited 0 having sent nothing.
     */
    @Test
    void shouldDeliverEverythingToAnotherClusterOrTopicPrefixDespiteTheDefaultOffsetsFile(EmbeddedPlatform platform)
            throws Exception {
        Path home = Files.createDirectory(dir.resolve("home"));
        Path csv = gaccCsv("rows.csv", 16);
        String prefix = "offsets-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        try (EmbeddedKafka other = EmbeddedKafka.start()) {
            assertThat(ingest(home, platform.bootstrapServers(), platform.registryUrl(), csv, prefix)).isZero();
            assertThat(endOffsets(platform.bootstrapServers(), prefix + "trade.records")).isEqualTo(16);

            // Rerun, same cluster and topic: resumes after the last row, nothing twice.
            assertThat(ingest(home, platform.bootstrapServers(), platform.registryUrl(), csv, prefix)).isZero();
            assertThat(endOffsets(platform.bootstrapServers(), prefix + "trade.records")).isEqualTo(16);

            assertThat(ingest(home, other.bootstrapServers(), platform.registryUrl(), csv, prefix)).isZero();
            assertThat(endOffsets(other.bootstrapServers(), prefix + "trade.records")).as("another cluster").isEqualTo(16);

            assertThat(ingest(home, platform.bootstrapServers(), platform.registryUrl(), csv, "again-" + prefix)).isZero();
            assertThat(endOffsets(platform.bootstrapServers(), "again-" + prefix + "trade.records"))
                    .as("another topic prefix").isEqualTo(16);
        }
        try (var files = Files.list(home.resolve(".tradepulse"))) {
            assertThat(files).hasSize(3);
        }
    }

    /**
     * A connector topic set apart from the catalog's (--set topic=...) was never created: the embedded broker (no
     * auto-creation) refused it, and a broker with auto-creation made it with its default retention, deleting trade
     * records after a week. It now gets trade.records' settings, and the dead-letter topic trade.dlq's.
     */
    @Test
    void shouldCreateTheConnectorsOwnTopicsWithTheSettingsOfTheRolesTheyTake(EmbeddedPlatform platform) throws Exception {
        Path home = Files.createDirectory(dir.resolve("own-topics-home"));
        Path csv = gaccCsv("own.csv", 5);
        String prefix = "own-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        String[] args = ingestArgs(platform.bootstrapServers(), platform.registryUrl(), csv, prefix);
        List<String> withOwnTopics = new java.util.ArrayList<>(List.of(args));
        withOwnTopics.addAll(List.of("--set", "topic=" + prefix + "my.records", "--set", "dlq.topic=" + prefix + "my.dlq"));
        IngestCommand command = new IngestCommand();
        command.home = home;
        int exit = new CommandLine(command).setExecutionExceptionHandler(Main::failed)
                .execute(withOwnTopics.toArray(String[]::new));

        assertThat(exit).isZero();
        assertThat(endOffsets(platform.bootstrapServers(), prefix + "my.records")).isEqualTo(5);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            var records = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, prefix + "my.records");
            var dlq = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, prefix + "my.dlq");
            var configs = admin.describeConfigs(List.of(records, dlq)).all().get();
            assertThat(configs.get(records).get("retention.ms").value()).as("trade records are kept").isEqualTo("-1");
            assertThat(configs.get(dlq).get("retention.ms").value()).as("dead letters expire")
                    .isNotEqualTo("-1");
        }
    }

    @Test
    void shouldRefuseAnOffsetsFileOfTheOldSharedNameSayingWhatToDo(EmbeddedPlatform platform) throws Exception {
        Path home = Files.createDirectory(dir.resolve("old-home"));
        Path legacy = Files.createDirectories(home.resolve(".tradepulse")).resolve("ingest-file.offsets");
        Files.write(legacy, new byte[0]);
        String prefix = "legacy-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        StringWriter err = new StringWriter();
        IngestCommand command = new IngestCommand();
        command.home = home;

        // Main's handler, as main runs it: the refusal is a SettingsRefusedException (its line, no usage), no longer a
        // ParameterException that picocli printed (with the usage) without it.
        int code = new CommandLine(command).setExecutionExceptionHandler(Main::failed).setErr(new PrintWriter(err, true))
                .execute(ingestArgs(platform.bootstrapServers(), platform.registryUrl(), gaccCsv("rows.csv", 16), prefix));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--offsets " + legacy);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get()).as("refused before anything was created")
                    .noneMatch(t -> t.startsWith(prefix));
        }
    }

    /**
     * A connector not of ours (here one on the class path that no service file lists) is left to the worker, which
     * refused its settings once the topics were created and the worker started: that was exit 1 and a stack trace. A
     * refused setting: exit 2, one line naming the key. (Another of our connectors is checked before anything
     * starts: IngestConnectorClassTest.)
     */
    @Test
    void shouldRefuseWithExitCode2OnOneLineWhenTheWorkerRefusesTheSettingsOfAnotherConnectorClass(
            EmbeddedPlatform platform) {
        Printed run = runStartRefusingConnector(platform, "XML");

        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.err().lines().toList()).as(run.err()).hasSize(1);
        assertThat(run.err()).startsWith("Refused: the Kafka Connect worker refused the settings of connector"
                + " tradepulse-file (--config, --set, --files, --start, --api-key; docs/connectors.md): Invalid value XML"
                + " for configuration " + StartRefusingConnector.FAIL_WITH)
                .contains("(connector.class is " + StartRefusingConnector.class.getName() + ", not"
                        + " io.tradepulse.connect.file.FileSourceConnector, the connector of --source file")
                .doesNotContain("You can also find", "\tat ");
        assertThat(run.out()).contains("Starting connector tradepulse-file ...", "FAILED after");
    }

    /**
     * A connector whose validate passes but whose start() throws Kafka's ConfigException refused its settings: exit 2,
     * one line naming the key, and now the connector and that the worker had started it (it was "Invalid
     * configuration: <the connector's message>", as for a setting refused before anything started).
     */
    @Test
    void shouldRefuseWithExitCode2OnOneLineWhenTheConnectorsStartThrowsAConfigException(EmbeddedPlatform platform) {
        Printed run = runStartRefusingConnector(platform, "config");

        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.err().lines().toList()).as(run.err()).hasSize(1);
        assertThat(run.err()).startsWith("Refused: connector tradepulse-file refused its settings when the worker"
                + " started it"
                + " (--config, --set, --files, --start, --api-key; docs/connectors.md): Invalid value config for"
                + " configuration start.fails.with: refused when the connector started").doesNotContain("\tat ");
    }

    /** Any other failure of the connector's start stays a failure: exit 1, with the trace to report. */
    @Test
    void shouldLeaveAnyOtherFailureOfTheConnectorsStartAFailureWithExitCode1(EmbeddedPlatform platform) {
        Printed run = runStartRefusingConnector(platform, "other");

        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).startsWith("tradepulse ingest failed: ")
                .contains("IllegalStateException", "failed when the connector started", "\tat ");
    }

    /** ingest --source file with {@link StartRefusingConnector}, whose start() fails with {@code failWith}. */
    private Printed runStartRefusingConnector(EmbeddedPlatform platform, String failWith) {
        String prefix = "start-" + failWith + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        return Printed.of("ingest", "--source", "file", "--bootstrap-servers", platform.bootstrapServers(),
                "--schema-registry-url", platform.registryUrl(), "--offsets", dir.resolve(prefix + "offsets").toString(),
                "--topic-prefix", prefix, "--timeout", "PT1M", "--connector-class", StartRefusingConnector.class.getName(),
                "--set", StartRefusingConnector.FAIL_WITH + "=" + failWith);
    }

    /**
     * A one-shot ingest that timed out said "not done after PT30M (raise --timeout, or check the log)", and the log of
     * a one-shot run held nothing of it. It says, on one line without a stack trace, which task was pending and what it
     * had read and asked so far, what the cluster acknowledged, and which levels show more. Here the file's server
     * never answers.
     */
    @Test
    void shouldSayWhatWasPendingAndHowToSeeMoreWhenAOneShotIngestTimesOut(EmbeddedPlatform platform) throws Exception {
        String prefix = "pending-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        HttpServer files = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        files.createContext("/never.csv", exchange -> {
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        files.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        files.start();
        try {
            Printed run = Printed.of("ingest", "--source", "file", "--bootstrap-servers", platform.bootstrapServers(),
                    "--schema-registry-url", platform.registryUrl(), "--config", exampleConfig().toString(),
                    "--files", "http://127.0.0.1:" + files.getAddress().getPort() + "/never.csv",
                    "--offsets", dir.resolve(prefix + "offsets").toString(), "--topic-prefix", prefix,
                    "--timeout", "PT8S");

            assertThat(run.code()).as(run.err()).isEqualTo(1);
            assertThat(run.err().lines().toList()).as("one line, no stack trace: " + run.err()).hasSize(1);
            assertThat(run.err()).startsWith("tradepulse ingest failed: not done after PT8S: connector tradepulse-file:"
                    + " task 0 (RUNNING) had not delivered all its rows: it read 0 records and 0 dead letters, made 1"
                    + " HTTP request (0 retried). Acknowledged by the cluster in this run: 0 records to " + prefix
                    + "trade.records, 0 dead letters to " + prefix + "trade.dlq.")
                    .contains("TRADEPULSE_LOG_LEVEL=INFO", "TRADEPULSE_KAFKA_LOG_LEVEL=WARN", "--timeout")
                    .doesNotContain("check the log");
        } finally {
            answer.countDown();
            files.stop(0);
        }
    }

    private int ingest(Path home, String bootstrapServers, String registryUrl, Path csv, String prefix) {
        IngestCommand command = new IngestCommand();
        command.home = home;
        return new CommandLine(command).setExecutionExceptionHandler(Main::failed)
                .execute(ingestArgs(bootstrapServers, registryUrl, csv, prefix));
    }

    private static String[] ingestArgs(String bootstrapServers, String registryUrl, Path csv, String prefix) {
        return new String[] {"--source", "file", "--bootstrap-servers", bootstrapServers, "--schema-registry-url",
            registryUrl, "--config", exampleConfig().toString(), "--files", csv.toString(), "--topic-prefix", prefix};
    }

    /**
     * A one-shot comtrade ingest of China's exports to the US from 2024-01 against the fake API at {@code server}, with
     * its own topics and offsets file under {@code prefix}.
     */
    private String[] oneShotComtrade(EmbeddedPlatform platform, String server, String prefix) {
        return new String[] {"ingest", "--source", "comtrade", "--bootstrap-servers", platform.bootstrapServers(),
            "--schema-registry-url", platform.registryUrl(), "--start", "2024-01", "--timeout", "PT2M",
            "--set", "comtrade.base.url=" + server + "/data/v1/get",
            "--set", "comtrade.reporters=156", "--set", "comtrade.partners=842", "--set", "comtrade.flows=X",
            "--set", "comtrade.lookback.months=0", "--offsets", dir.resolve(prefix + "offsets").toString(),
            "--topic-prefix", prefix};
    }

    /**
     * Runs {@code args}, checks that the run exited 1 at once (well before its --timeout of 2 minutes: a one-shot run
     * told to run again later) with nothing to debug (no stack trace), and returns the first line of its stderr.
     */
    private static String firstLineOfAnEarlyExit1(String[] args) {
        StringWriter err = new StringWriter();
        long start = System.nanoTime();

        int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute(args);

        assertThat(code).as(err.toString()).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ended at once, not at --timeout")
                .isLessThan(Duration.ofSeconds(90));
        assertThat(err.toString()).as("nothing to debug").doesNotContain("\tat ");
        return err.toString().lines().findFirst().orElseThrow();
    }

    /** One in-process run of the command line with what it printed on stdout and stderr. */
    private record Printed(int code, String out, String err) {
        static Printed of(String... args) {
            StringWriter err = new StringWriter();
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            PrintStream originalOut = System.out;
            try {
                System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
                int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute(args);
                return new Printed(code, stdout.toString(StandardCharsets.UTF_8), err.toString());
            } finally {
                System.setOut(originalOut);
            }
        }
    }
}
