package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.testsupport.EmbeddedPlatform;
import io.tradepulse.testsupport.WithEmbeddedPlatform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(specs).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        }
    }
}
