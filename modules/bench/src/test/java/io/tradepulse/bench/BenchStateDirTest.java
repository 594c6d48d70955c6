package io.tradepulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.embedded.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The benchmark's Streams state is cleaned up after a SIGKILL like the broker's and the registry's dirs. */
class BenchStateDirTest {

    @Test
    void shouldNoteTheStateDirAsThisJvmsSoTheNextStartRemovesItAfterAKill() throws Exception {
        Path dir = BackfillBenchmark.newStateDir();
        try {
            // the note OwnedTempDirs' sweep reads (OwnedTempDirsTest covers the sweep itself)
            assertThat(dir.resolve(".tradepulse-owner")).isRegularFile();
            assertThat(dir.getFileName().toString()).startsWith("tradepulse-bench-state");
        } finally {
            Resources.deleteRecursively(dir);
        }
    }
}
