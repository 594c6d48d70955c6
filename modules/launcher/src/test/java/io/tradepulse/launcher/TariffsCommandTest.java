package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.ingest.BundledData;
import io.tradepulse.ingest.TariffEventsCsv;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tradepulse tariffs} without a broker: option parsing, the dry run, and refusals of invalid input
 * before any connection is made. The unreachable addresses below make any connection attempt fail or hang, so
 * a test that passes quickly with them also shows that nothing was connected to.
 */
class TariffsCommandTest {
    private static final String UNREACHABLE_BROKER = "127.0.0.1:1";
    private static final String UNREACHABLE_REGISTRY = "http://127.0.0.1:1";

    /** A --config file for the unreachable cluster and registry, with {@code more} (properties lines) after them. */
    private Path unreachableConfig(String name, String more) throws IOException {
        return Files.writeString(dir.resolve(name), "bootstrap.servers=" + UNREACHABLE_BROKER + "\nschema.registry.url="
                + UNREACHABLE_REGISTRY + "\n" + more);
    }

    @TempDir
    Path dir;

    record Result(int exitCode, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new TariffsCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static Path bundledCsv(Path dir) throws IOException {
        Path csv = dir.resolve("tariff-events.csv");
        try (InputStream in = BundledData.class.getClassLoader().getResourceAsStream(BundledData.TARIFF_EVENTS)) {
            assertThat(in).as("bundled tariff events on the classpath").isNotNull();
            Files.copy(in, csv);
        }
        return csv;
    }

    private Path csv(String... rows) throws IOException {
        Path csv = dir.resolve("events-" + System.nanoTime() + ".csv");
        Files.write(csv, List.of(rows), StandardCharsets.UTF_8);
        return csv;
    }

    private static final String GOOD_1 = "us-cn-a,USA,CHN,ALL,2025-02-01,2025-02-04,0,10,INCREASE,first,AP";
    private static final String GOOD_2 = "cn-us-b,CHN,USA,HS27 coal,2025-02-04,2025-02-10,0,15,INCREASE,,Reuters";

    @Test
    void shouldParseFileConnectionOptionsRepeatedDeletesAndNegatedTopicCreation() {
        TariffsCommand cmd = new TariffsCommand();
        new CommandLine(cmd).parseArgs("--file", "events.csv", "--bootstrap-servers", "b:9092",
                "--schema-registry-url", "http://r:8081", "--topic-prefix", "staging.", "--delete", "x-1",
                "--delete", "x-2", "--no-create-topics", "--dry-run");

        assertThat(cmd.file).isEqualTo(Path.of("events.csv"));
        assertThat(cmd.connection.bootstrapServers).isEqualTo("b:9092");
        assertThat(cmd.connection.registryUrl).isEqualTo("http://r:8081");
        assertThat(cmd.connection.topicPrefix).isEqualTo("staging.");
        assertThat(cmd.deletes).containsExactly("x-1", "x-2");
        assertThat(cmd.createTopics).isFalse();
        assertThat(cmd.dryRun).isTrue();
        assertThat(cmd.connection.config).isNull();
    }

    @Test
    void shouldCreateTopicsByDefaultAndWithThePositiveFlag() {
        TariffsCommand byDefault = new TariffsCommand();
        new CommandLine(byDefault).parseArgs("--config", "app.properties", "--delete", "x");
        TariffsCommand explicit = new TariffsCommand();
        new CommandLine(explicit).parseArgs("--config", "app.properties", "--delete", "x", "--create-topics");

        assertThat(byDefault.createTopics).isTrue();
        assertThat(explicit.createTopics).isTrue();
        assertThat(byDefault.dryRun).isFalse();
        assertThat(byDefault.connection.config).isEqualTo(Path.of("app.properties"));
    }

    @Test
    void shouldLetTheCommandLineOverrideTheConfigFile() throws IOException {
        Path config = dir.resolve("client.properties");
        Files.writeString(config, "bootstrap.servers=file:9092\nschema.registry.url=http://file:8081\n"
                + "tradepulse.topic.prefix=file.\nsecurity.protocol=SASL_SSL\n");
        TariffsCommand cmd = new TariffsCommand();
        new CommandLine(cmd).parseArgs("--config", config.toString(), "--bootstrap-servers", "cli:9092", "--topic-prefix", "cli.");

        assertThat(cmd.settings()).containsEntry("bootstrap.servers", "cli:9092")
                .containsEntry("schema.registry.url", "http://file:8081")
                .containsEntry("tradepulse.topic.prefix", "cli.")
                .containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void shouldBeRegisteredAsASubcommandOfTradepulse() {
        CommandLine main = new CommandLine(new Main());

        assertThat(main.getSubcommands()).containsKey("tariffs");
        String help = main.getSubcommands().get("tariffs").getUsageMessage();
        assertThat(help).contains("--file", "--delete", "--config", "--bootstrap-servers", "--schema-registry-url",
                "--topic-prefix", "--dry-run", "Examples:", "tariff.events");
    }

    @Test
    void shouldRequireAFileOrAnIdToDelete() {
        Result r = run("--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Give --file and/or --delete");
    }

    @Test
    void shouldRequireConnectionOptionsUnlessDryRun() throws IOException {
        Result r = run("--file", bundledCsv(dir).toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--bootstrap-servers with --schema-registry-url", "--dry-run");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void shouldRequireARegistryWithTheBootstrapServers() throws IOException {
        Result r = run("--file", bundledCsv(dir).toString(), "--bootstrap-servers", UNREACHABLE_BROKER);

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--schema-registry-url");
    }

    @Test
    void shouldPrintEveryEventAndTombstoneOfTheBundledCalendarInADryRunWithoutConnecting() throws IOException {
        Result r = run("--file", bundledCsv(dir).toString(), "--delete", "us-cn-2024-old", "--topic-prefix", "staging.",
                "--dry-run");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("  upsert "))).hasSize(12);
        assertThat(r.out()).contains("12 events from ")
                .containsPattern("upsert us-cn-2025-08-truce-expiry +USA->CHN SCHEDULED_EXPIRY +announced 2025-05-12 "
                        + "effective 2025-08-12 +30 -> 54 %")
                .containsPattern("upsert cn-us-2025-02-energy .* HS 27")
                .contains("  delete us-cn-2024-old")
                .contains("Dry run: 12 events would be published and 1 tombstone written to staging.tariff.events; "
                        + "nothing was sent.");
        assertThat(r.err()).isEmpty();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldCheckTheConfigurationButNotConnectInADryRun() throws IOException {
        Path config = unreachableConfig("app.properties", "tradepulse.topic.prefix=prod.\n");

        Path csv = bundledCsv(dir);
        Result ok = run("--file", csv.toString(), "--config", config.toString(), "--dry-run");

        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("to prod.tariff.events; nothing was sent.");

        Files.writeString(config, "bootstrap.servers=" + UNREACHABLE_BROKER + "\nschema.registry.ur=" + UNREACHABLE_REGISTRY + "\n");
        Result typo = run("--file", csv.toString(), "--config", config.toString(),
                "--schema-registry-url", UNREACHABLE_REGISTRY, "--dry-run");

        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err()).contains("Invalid configuration", "schema.registry.ur", "Did you mean 'schema.registry.url'?");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldRefuseTheWholeFileNamingTheLineAndReasonOfAnInvalidRowBeforeConnecting() throws IOException {
        Path csv = csv(TariffEventsCsv.HEADER, GOOD_1,
                "us-cn-bad,USA,CHN,ALL,2025-03-01,2025-03-04,10,20,RAISE,typo in kind,AP", GOOD_2);

        Result r = run("--file", csv.toString(), "--bootstrap-servers", UNREACHABLE_BROKER,
                "--schema-registry-url", UNREACHABLE_REGISTRY);

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Refused: 1 problem in " + csv + "; nothing was sent.")
                .contains("line 3: unknown kind 'RAISE'; allowed: [INCREASE, DECREASE, SCHEDULED_EXPIRY, OTHER]")
                .contains("us-cn-bad,USA,CHN,ALL,2025-03-01")
                .doesNotContain("Failed");
        assertThat(r.out()).doesNotContain("Topics", "Done");
    }

    /** SASL without a JAAS entry: no client can be built, nothing is contacted; it exited 1 as for a cluster down. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRefuseWithExitCode2WhenNoKafkaClientCanBeBuiltFromTheConfig() throws IOException {
        Path config = unreachableConfig("sasl.properties", "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n");

        Result r = run("--file", bundledCsv(dir).toString(), "--config", config.toString());

        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("Invalid configuration: Failed to create new KafkaAdminClient").contains("JAAS",
                "nothing was sent.");
    }

    /**
     * Kafka's producer takes a transaction.timeout.ms of 0 or less, then waited max.block.ms (60 s) for a transaction
     * id its request could not ask for, and the run exited 1 as if the cluster were down. Refused before connecting
     * (short admin timeouts: without the check the run fails on the unreachable cluster, exit 1, within seconds).
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRefuseANonPositiveTransactionTimeoutNamingTheKeyBeforeConnecting() throws IOException {
        Path config = unreachableConfig("txn.properties",
                "default.api.timeout.ms=2000\nrequest.timeout.ms=1000\ntransaction.timeout.ms=-5\n");

        Result r = run("--file", bundledCsv(dir).toString(), "--config", config.toString());

        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("Invalid configuration: Invalid value -5 for configuration transaction.timeout.ms")
                .contains("at least 1");
        assertThat(r.out()).doesNotContain("Topics", "Done");
    }

    /**
     * The admin client that creates the topics takes the admin.-prefixed keys of --config over the plain ones, as run's
     * does with the same file. Here the plain keys name SASL without a JAAS entry (no client can be built from them,
     * exit 2) and the admin.-prefixed ones plaintext: the admin client is built and tries the unreachable cluster.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldCreateTheTopicsWithTheAdminPrefixedKeysOfTheConfigWhenItHasThem() throws IOException {
        Path config = unreachableConfig("admin.properties", "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                + "admin.security.protocol=PLAINTEXT\nadmin.default.api.timeout.ms=2000\nadmin.request.timeout.ms=1000\n");

        Result r = run("--file", bundledCsv(dir).toString(), "--config", config.toString());

        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("tradepulse tariffs failed: could not list the cluster's topics")
                .doesNotContain("KafkaAdminClient", "JAAS");
    }

    /**
     * The run's producer takes the producer.-prefixed keys of --config over the plain ones, as run's producers do with
     * the same file: a producer-only JAAS entry (the principal allowed the transactional id) was ignored.
     */
    @Test
    void shouldGiveTheProducerTheProducerPrefixedKeysOfTheConfigWhenTheFileHasThem() {
        Map<String, Object> producer = TariffsCommand.producerSettings(Map.of("bootstrap.servers", "b:9092",
                "sasl.jaas.config", "plain", "producer.sasl.jaas.config", "producer-only", "producer.linger.ms", "5",
                "consumer.sasl.jaas.config", "consumer-only"), "tariff.events");

        assertThat(producer).containsEntry("bootstrap.servers", "b:9092").containsEntry("sasl.jaas.config", "producer-only")
                .containsEntry("linger.ms", "5")
                .containsEntry("transactional.id", TariffsCommand.defaultTransactionalId("tariff.events"))
                .doesNotContainKeys("producer.sasl.jaas.config", "producer.linger.ms");
    }

    /**
     * --bootstrap-servers names the cluster of every client: a client-prefixed bootstrap.servers of --config, which that
     * client now takes over the plain key, must not send it to the file's cluster instead.
     */
    @Test
    void shouldSendEveryClientToTheBootstrapServersOptionWhenTheConfigHasPrefixedOnes() throws IOException {
        Path config = dir.resolve("prefixed.properties");
        Files.writeString(config, "bootstrap.servers=file:9092\nproducer.bootstrap.servers=file-p:9092"
                + "\nconsumer.bootstrap.servers=file-c:9092\nadmin.bootstrap.servers=file-a:9092\n");
        TariffsCommand command = new TariffsCommand();
        CommandLine cmd = new CommandLine(command);
        cmd.parseArgs("--delete", "x", "--config", config.toString(), "--bootstrap-servers", "option:9092");

        Map<String, Object> settings = command.connection.settings(cmd);

        assertThat(TariffsCommand.producerSettings(settings, "tariff.events")).containsEntry("bootstrap.servers", "option:9092");
        assertThat(ClientSettings.consumer(settings)).containsEntry("bootstrap.servers", "option:9092");
        assertThat(RunCommand.adminSettings(settings)).containsEntry("bootstrap.servers", "option:9092");
    }

    /** producer.transaction.timeout.ms reaches the producer too, so it is refused below 1 ms as the plain key is. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRefuseANonPositiveProducerPrefixedTransactionTimeoutWhenTheConfigHasOne() throws IOException {
        Path config = unreachableConfig("timeout.properties", "producer.transaction.timeout.ms=0\n");

        Result r = run("--file", bundledCsv(dir).toString(), "--config", config.toString());

        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("Invalid configuration:").contains("producer.transaction.timeout.ms");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldFailNamingTheListingInTheDocumentedFormWhenTheClusterIsUnreachable() throws IOException {
        Path config = unreachableConfig("unreachable.properties", "default.api.timeout.ms=2000\nrequest.timeout.ms=1000\n");

        Result r = run("--file", bundledCsv(dir).toString(), "--config", config.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        String[] lines = r.err().split("\\R");
        assertThat(lines[0]).startsWith("tradepulse tariffs failed: could not list the cluster's topics (to check "
                + "tariff.events and create the missing ones): ").contains("listTopics").doesNotContain("create topics");
        assertThat(lines[1]).isEqualTo("Nothing was sent.");
        assertThat(lines[2]).as("then the stack trace").startsWith(IllegalStateException.class.getName());
        assertThat(r.out()).doesNotContain("Done");
    }

    @Test
    void shouldListEveryInvalidRowInADryRun() throws IOException {
        Path csv = csv(TariffEventsCsv.HEADER, GOOD_1,
                "us-cn-date,USA,CHN,ALL,2025-13-01,2025-03-04,10,20,INCREASE,,AP",
                "us-cn-rate,USA,CHN,ALL,2025-03-01,2025-03-04,ten,20,INCREASE,,AP",
                "us-cn-short,USA,CHN,ALL",
                "us-cn-iso,US,CN,ALL,2025-03-01,2025-03-04,10,20,INCREASE,,AP");

        Result r = run("--file", csv.toString(), "--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Refused: 4 problems in " + csv)
                .contains("line 3: date is not yyyy-MM-dd: 2025-13-01")
                .contains("line 4: rate is not a number")
                .contains("line 5: expected 11 fields, found 4")
                .contains("line 6: imposer and target must be ISO 3166-1 alpha-3 codes");
        assertThat(r.out()).doesNotContain("upsert", "Dry run");
    }

    @Test
    void shouldRefuseDuplicateAndEmptyIdsNamingTheirLines() throws IOException {
        Path csv = csv(TariffEventsCsv.HEADER, GOOD_1, GOOD_2,
                "us-cn-a,USA,CHN,ALL,2025-03-01,2025-03-04,10,20,INCREASE,same id again,AP",
                ",USA,CHN,ALL,2025-03-01,2025-03-04,10,20,INCREASE,no id,AP");

        Result r = run("--file", csv.toString(), "--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("line 4: duplicate id 'us-cn-a' (also on line 2)")
                .contains("line 5: id is empty");
    }

    @Test
    void shouldRefuseAFileWithAnotherHeader() throws IOException {
        Path csv = csv("id,imposer,target,scope,announced,effective,rate_before,rate_after,kind,note,source", GOOD_1);

        Result r = run("--file", csv.toString(), "--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(csv + " is not a tariff events file", "line 1: unexpected header");
    }

    /**
     * Blank lines before a wrong header: the header, on line 3, was taken for an invalid row and the file was refused
     * as "2 problems" of rows (line 3 and every row after it) instead of as no tariff events file.
     */
    @Test
    void shouldSayTheFileIsNoTariffEventsFileWhenBlankLinesPrecedeAnotherHeader() throws IOException {
        Path csv = csv("", "  ", "id,imposer,target,scope,announced,effective,rate_before,rate_after,kind,note,source",
                GOOD_1);

        Result r = run("--file", csv.toString(), "--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(csv + " is not a tariff events file", "line 3: unexpected header")
                .doesNotContain("problem", "line 4");
    }

    @Test
    void shouldRefuseAnEmptyFile() throws IOException {
        Result r = run("--file", csv(TariffEventsCsv.HEADER).toString(), "--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("contains no tariff events");
    }

    @Test
    void shouldRefuseAMissingFile() {
        Result r = run("--file", dir.resolve("nope.csv").toString(), "--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Refused: cannot read", "nope.csv", "NoSuchFileException");
    }

    @Test
    void shouldRefuseToPublishAndDeleteTheSameIdInOneRun() throws IOException {
        Result r = run("--file", csv(TariffEventsCsv.HEADER, GOOD_1, GOOD_2).toString(), "--delete", "cn-us-b", "--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--delete cn-us-b: the id is also published by line 3");
    }

    /** As for run and ingest: an option's file that cannot be read is a usage error (exit 2). It exited 1. */
    @Test
    void shouldRefuseAMissingOrUnreadableConfigFileAsABadOptionNamingIt() throws IOException {
        Path csv = bundledCsv(dir);
        Path missing = dir.resolve("app.properties");

        Result r = run("--file", csv.toString(), "--config", missing.toString());

        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst()).hasValue("--config " + missing + ": no such file");
        assertThat(r.out()).isEmpty();

        Result dirAsConfig = run("--file", csv.toString(), "--config", dir.toString(), "--dry-run");

        assertThat(dirAsConfig.exitCode()).as(dirAsConfig.err()).isEqualTo(2);
        assertThat(dirAsConfig.err().lines().findFirst().orElseThrow()).startsWith("--config " + dir + ": cannot be read");
    }

    @Test
    void shouldPrintOnlyTombstonesInADryRunWithoutAFile() {
        Result r = run("--delete", "us-cn-a", "--delete", "us-cn-a", "--delete", "cn-us-b", "--dry-run");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("upsert")
                .contains("  delete us-cn-a\n  delete cn-us-b\n")
                .contains("Dry run: 0 events would be published and 2 tombstones written to tariff.events");
    }

    /**
     * A calendar saved by a spreadsheet in Windows-1252 (curly quotes typed in a note): refused with only "cannot read
     * ...: java.nio.charset.MalformedInputException: Input length = 1", naming neither the line nor the encoding.
     */
    @Test
    void shouldRefuseAFileThatIsNotUtf8NamingTheLineAndTheByte() throws IOException {
        Path csv = dir.resolve("cp1252.csv");
        Files.write(csv, (TariffEventsCsv.HEADER + "\n" + GOOD_1 + "\n"
                + "us-cn-c,USA,CHN,ALL,2025-03-01,2025-03-04,10,20,INCREASE,\u201cfentanyl\u201d,AP\n")
                .getBytes(java.nio.charset.Charset.forName("windows-1252")));

        Result r = run("--file", csv.toString(), "--dry-run");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(csv + " is not UTF-8 text", "line 3: byte 0x93 at column 58",
                "save the file as UTF-8").doesNotContain("MalformedInputException");
    }
}
