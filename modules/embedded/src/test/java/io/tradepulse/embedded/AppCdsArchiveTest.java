package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

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

    /**
     * A SIGKILLed parent never publishes its child's first-run dump; the next start stops the orphaned child with SIGTERM,
     * and the child writes its whole dump (~60 MB) at exit next to the distribution, where nothing removed it.
     */
    @Test
    void shouldRemoveAPendingDumpNobodyWillPublishWhenPlanningAnotherStart() throws IOException {
        final Path orphaned = Files.write(home.resolve("tradepulse-appcds-17.jsa.0b7c.tmp"), new byte[] {1});
        Files.setLastModifiedTime(orphaned, FileTime.from(Instant.now().minus(AppCdsArchive.STALE_DUMP_AGE)
                .minus(Duration.ofMinutes(1))));
        final Path beingPublished = Files.write(home.resolve("tradepulse-appcds-17.jsa.9f1d.tmp"), new byte[] {1});
        final Path archive = Files.write(home.resolve("tradepulse-appcds-17.jsa"), new byte[] {1});

        AppCdsArchive.plan(home, null, "17");

        assertThat(orphaned).doesNotExist();
        assertThat(beingPublished).as("a dump just written, about to be published by its parent").exists();
        assertThat(archive).exists();
    }

    @Test
    void discardDeletesTheArchive() throws IOException {
        Files.write(home.resolve("tradepulse-appcds-17.jsa"), new byte[] {1});
        final AppCdsArchive plan = AppCdsArchive.plan(home, null, "17");

        plan.discard();

        assertThat(plan.archive()).doesNotExist();
    }
}
