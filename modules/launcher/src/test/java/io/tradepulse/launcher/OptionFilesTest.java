package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A properties file named by an option that cannot be read is a bad option: exit 2 with a message naming the option
 * and the file, before anything is started. `run --config missing.properties` printed "tradepulse run failed:
 * missing.properties" and a NoSuchFileException stack trace; `ingest --embedded --worker-config missing` started the
 * broker and the registry first.
 */
class OptionFilesTest {

    @TempDir
    Path tmp;

    @Test
    void runWithAMissingConfigFileNamesTheOptionAndTheFileWithoutAStackTrace() {
        Path missing = tmp.resolve("app.properties");

        CliRun r = CliRun.execute("run", "--config", missing.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst()).hasValue("--config " + missing + ": no such file");
        assertThat(r.err()).doesNotContain("\tat ", "Exception");
    }

    @Test
    void runWithADirectoryAsConfigSaysItCannotBeRead() {
        CliRun r = CliRun.execute("run", "--config", tmp.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("--config " + tmp + ": cannot be read");
    }

    @Test
    void ingestWithAMissingWorkerConfigFailsBeforeStartingTheBroker() {
        Path missing = tmp.resolve("worker.properties");

        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--worker-config", missing.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst()).hasValue("--worker-config " + missing + ": no such file");
    }

    @Test
    void ingestRefusesAWorkerConfigKeyItWouldReplaceNamingTheOptionToUse() throws Exception {
        String[][] cases = {
            {"bootstrap.servers=kafka-1:9092", "bootstrap.servers, which ingest would replace: use --bootstrap-servers"},
            {"value.converter.schema.registry.url=http://registry:8081", "use --schema-registry-url"},
            {"offset.storage.file.filename=/var/lib/ingest.offsets", "use --offsets"},
            {"listeners=http://0.0.0.0:8083", "listeners, which ingest would replace: ingest sets it itself"},
        };
        for (String[] c : cases) {
            Path worker = java.nio.file.Files.writeString(tmp.resolve("worker.properties"),
                    "security.protocol=SASL_SSL\n" + c[0] + "\n");

            CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--worker-config", worker.toString());

            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err().lines().findFirst().orElseThrow()).as(c[0])
                    .startsWith("--worker-config " + worker + " sets ").endsWith(c[1]);
        }
    }

    @Test
    void ingestWithAMissingConnectorConfigNamesTheOption() {
        Path missing = tmp.resolve("connector.properties");

        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--config", missing.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst()).hasValue("--config " + missing + ": no such file");
    }

    /**
     * Windows editors save UTF-8 with a byte order mark, which Properties took for part of the first key: a file
     * starting with bootstrap.servers was refused with "Missing required configuration bootstrap.servers".
     */
    @Test
    void shouldReadTheFirstKeyWhenTheConfigFileStartsWithAByteOrderMark() throws Exception {
        Path config = java.nio.file.Files.writeString(tmp.resolve("app.properties"),
                "\uFEFFbootstrap.servers=localhost:1\r\nschema.registry.url=http://localhost:2\r\n",
                java.nio.charset.StandardCharsets.UTF_8);

        java.util.Properties read = ClientSettings.read(config);
        CliRun r = CliRun.execute("tariffs", "--config", config.toString(), "--delete", "some-id", "--dry-run");

        assertThat(read).containsOnlyKeys("bootstrap.servers", "schema.registry.url");
        assertThat(read.getProperty("schema.registry.url")).as("Windows line endings").isEqualTo("http://localhost:2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
    }

    /** "=value" (a key lost in editing) was ignored by the clients and by Connect: the setting meant was not made. */
    @Test
    void shouldRefuseAConfigFileWhenALineHasAValueButNoKey() throws Exception {
        Path config = java.nio.file.Files.writeString(tmp.resolve("app.properties"),
                "bootstrap.servers=localhost:1\nschema.registry.url=http://localhost:2\n=s3cret\n");

        CliRun r = CliRun.execute("tariffs", "--config", config.toString(), "--delete", "some-id", "--dry-run");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst()).hasValue("--config " + config
                + ": a line has a value but no key before its '=' or ':' (expected key=value)");
        assertThat(r.err()).doesNotContain("s3cret");
    }
}
