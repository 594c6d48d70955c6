package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A finite ingest of a local file that does not exist. The connectors take a missing file for one not published yet
 * and look again every poll interval (an hour), so `ingest --source gacc --embedded --files typo.csv` started the
 * broker, the registry and the worker, then waited its whole --timeout (30 minutes) and failed with "not done after
 * PT30M", naming no file.
 */
class IngestMissingFilesTest {

    @TempDir
    Path tmp;

    @Test
    void aMissingFileOfAFiniteIngestIsNamedBeforeAnythingStarts() throws Exception {
        Path present = Files.writeString(tmp.resolve("2025-04.csv"), "x\n");
        Path missing = tmp.resolve("2025-05.csv");

        CliRun r = CliRun.execute("ingest", "--source", "gacc", "--embedded", "--files", present + "," + missing);

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow())
                .startsWith("--files " + missing + ": no such file");
    }

    @Test
    void aMissingFileNamedInTheConnectorConfigIsNamedWithItsKey() throws Exception {
        Path missing = tmp.resolve("data.csv");
        Path config = Files.writeString(tmp.resolve("c.properties"), "file.paths=" + missing + "\n");

        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--config", config.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("file.paths " + missing + ": no such file");
    }

    @Test
    void aDirectoryIsNotAFile() {
        CliRun r = CliRun.execute("ingest", "--source", "file", "--embedded", "--files", tmp.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("--files " + tmp + ": not a file");
    }

    /** --embedded starts its own registry: a --schema-registry-url given with it was silently not used. */
    @Test
    void aRegistryUrlWithEmbeddedIsRefusedNotIgnored() throws Exception {
        Path present = Files.writeString(tmp.resolve("data.csv"), "x\n");

        CliRun r = CliRun.execute("ingest", "--source", "gacc", "--embedded", "--schema-registry-url", "http://registry:8081",
                "--files", present.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow())
                .startsWith("--schema-registry-url is not used with --embedded");
    }

    /** A properties file keeps trailing blanks, which Connect trims: "comext.mode=BULK " is BULK, and its files checked. */
    @Test
    void shouldCheckTheFilesOfABulkIngestWhenTheModeInTheConfigFileHasATrailingBlank() throws Exception {
        Path config = Files.writeString(tmp.resolve("comext.properties"), "comext.mode=BULK \n");
        Path missing = tmp.resolve("full_v2_202505.csv");

        CliRun r = CliRun.execute("ingest", "--source", "comext", "--embedded", "--config", config.toString(),
                "--files", missing.toString());

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("--files " + missing + ": no such file");
    }
}
