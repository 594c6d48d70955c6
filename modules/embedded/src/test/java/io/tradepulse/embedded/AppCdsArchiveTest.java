package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppCdsArchiveTest {

    @TempDir
    Path home;

    @Test
    void firstRunDumpsIntoAPrivateTempFileInsideHome() {
        final AppCdsArchive plan = AppCdsArchive.plan(home, null, "17.0.15+6-Debian");

        assertThat(plan.archive()).isEqualTo(home.resolve("tradepulse-appcds-17.0.15_6-Debian.jsa"));
        assertThat(plan.pendingDump().getParent()).isEqualTo(home);
        assertThat(plan.pendingDump().getFileName().toString()).startsWith("tradepulse-appcds-17.0.15_6-Debian.jsa.").endsWith(".tmp");
        assertThat(plan.jvmOptions()).containsExactly("-XX:ArchiveClassesAtExit=" + plan.pendingDump());
        assertThat(plan.readsArchive()).isFalse();
    }

    @Test
    void laterRunsMapTheExistingArchive() throws IOException {
        final Path archive = Files.write(home.resolve("tradepulse-appcds-17.jsa"), new byte[] {1});

        final AppCdsArchive plan = AppCdsArchive.plan(home, null, "17");

        assertThat(plan.jvmOptions()).containsExactly("-XX:SharedArchiveFile=" + archive);
        assertThat(plan.readsArchive()).isTrue();
    }

    @Test
    void canBeSwitchedOff() {
        final AppCdsArchive plan = AppCdsArchive.plan(home, "false", "17");

        assertThat(plan.jvmOptions()).isEmpty();
        assertThat(plan.readsArchive()).isFalse();
    }

    @Test
    void publishesACompleteDumpAtomicallyAndCleansUp() throws IOException {
        final AppCdsArchive plan = AppCdsArchive.plan(home, null, "17");
        Files.write(plan.pendingDump(), new byte[] {1, 2, 3});

        plan.publish(true);

        assertThat(plan.archive()).hasBinaryContent(new byte[] {1, 2, 3});
        assertThat(plan.pendingDump()).doesNotExist();
    }

    @Test
    void neverPublishesTheDumpOfAChildThatDidNotExitCleanly() throws IOException {
        final AppCdsArchive plan = AppCdsArchive.plan(home, null, "17");
        Files.write(plan.pendingDump(), new byte[] {1, 2, 3});

        plan.publish(false);

        assertThat(plan.archive()).doesNotExist();
        assertThat(plan.pendingDump()).doesNotExist();
    }

    @Test
    void publishWithoutAnyDumpIsANoOp() {
        final AppCdsArchive plan = AppCdsArchive.plan(home, null, "17");

        plan.publish(true);

        assertThat(plan.archive()).doesNotExist();
    }

    @Test
    void discardDeletesTheArchive() throws IOException {
        Files.write(home.resolve("tradepulse-appcds-17.jsa"), new byte[] {1});
        final AppCdsArchive plan = AppCdsArchive.plan(home, null, "17");

        plan.discard();

        assertThat(plan.archive()).doesNotExist();
    }
}
