package io.tradepulse.embedded;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application class-data-sharing archive for the Apicurio child JVM, kept next to the
 * distribution. Apicurio loads ~20k classes at start; mapping them from an archive cuts its start-up
 * by roughly 40% on a 2-core box, and CI starts one registry per module that runs {@code *IT}s.
 *
 * <p>The first start runs with {@code -XX:ArchiveClassesAtExit} into a private temp file that is
 * renamed into place only after the child exited cleanly, so concurrent test JVMs never read a
 * half-written archive. The JVM itself validates the archive (JDK build, class path) and silently
 * runs without it on any mismatch, so a stale archive costs speed, never correctness. The file name
 * carries the JVM version so a JDK upgrade starts a fresh archive. Set system property
 * {@value #ENABLED_PROPERTY}{@code =false} to turn this off.
 */
record AppCdsArchive(List<String> jvmOptions, Path pendingDump, Path archive) {

    static final String ENABLED_PROPERTY = "tradepulse.apicurio.cds";

    private static final Logger LOG = LoggerFactory.getLogger(AppCdsArchive.class);
    /** How old a pending dump must be before {@link #removeStaleDumps} takes it for one nobody will publish. */
    static final Duration STALE_DUMP_AGE = Duration.ofHours(1);

    static AppCdsArchive plan(final Path apicurioHome) {
        return plan(apicurioHome, System.getProperty(ENABLED_PROPERTY), System.getProperty("java.vm.version"));
    }

    static AppCdsArchive plan(final Path apicurioHome, final String enabled, final String vmVersion) {
        if ("false".equalsIgnoreCase(enabled)) {
            return none();
        }
        removeStaleDumps(apicurioHome);
        final Path archive = apicurioHome.resolve(
                "tradepulse-appcds-" + String.valueOf(vmVersion).replaceAll("[^A-Za-z0-9._-]", "_") + ".jsa");
        if (Files.isRegularFile(archive) && Files.isReadable(archive)) {
            return new AppCdsArchive(List.of("-XX:SharedArchiveFile=" + archive), null, archive);
        }
        if (Files.isWritable(apicurioHome)) {
            final Path pending = apicurioHome.resolve(archive.getFileName() + "." + UUID.randomUUID() + ".tmp");
            return new AppCdsArchive(List.of("-XX:ArchiveClassesAtExit=" + pending), pending, archive);
        }
        return none(); // read-only distribution (e.g. shared via the env var): run without
    }

    /**
     * Removes the pending dumps that no start will publish or delete any more. A parent JVM killed with SIGKILL while its
     * child ran from a first-run plan never publishes the child's dump; the next start stops that orphaned child
     * ({@link OwnedTempDirs}) with SIGTERM, and the child then writes its whole dump (~60 MB) at exit, into this
     * directory: one more file for every such kill, for good. A child writes its dump in the seconds it takes to exit,
     * and its parent publishes it (or deletes it) right after, so a dump unchanged for {@link #STALE_DUMP_AGE} is
     * nobody's.
     */
    static void removeStaleDumps(final Path apicurioHome) {
        final Instant staleBefore = Instant.now().minus(STALE_DUMP_AGE);
        try (DirectoryStream<Path> dumps = Files.newDirectoryStream(apicurioHome, "tradepulse-appcds-*.jsa.*.tmp")) {
            for (Path dump : dumps) {
                try {
                    if (Files.isRegularFile(dump, LinkOption.NOFOLLOW_LINKS)
                            && Files.getLastModifiedTime(dump).toInstant().isBefore(staleBefore)) {
                        Files.deleteIfExists(dump);
                        LOG.info("Removed {}, a class-data-sharing dump left by a stopped Apicurio child", dump);
                    }
                } catch (IOException e) {
                    LOG.debug("Could not remove stale CDS dump {}: {}", dump, e.toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            // a read-only or missing distribution dir: nothing of ours to remove
            LOG.debug("Cannot look for stale CDS dumps in {}: {}", apicurioHome, e.toString());
        }
    }

    private static AppCdsArchive none() {
        return new AppCdsArchive(List.of(), null, null);
    }

    /** Whether the child maps an existing archive (rather than running without or dumping a new one). */
    boolean readsArchive() {
        return archive != null && pendingDump == null;
    }

    /** Deletes the shared archive, e.g. after a child crashed while mapping it. */
    void discard() {
        if (archive == null) {
            return;
        }
        try {
            Files.deleteIfExists(archive);
        } catch (IOException e) {
            LOG.warn("Could not delete suspect CDS archive {}: {}", archive, e.toString());
        }
    }

    /** Call after the child exited: moves a complete dump into place, always removes the temp file. */
    void publish(final boolean exitedCleanly) {
        if (pendingDump == null) {
            return;
        }
        try {
            // A child killed forcibly may have died mid-dump; only a clean exit guarantees a whole file.
            if (exitedCleanly && Files.isRegularFile(pendingDump) && Files.size(pendingDump) > 0) {
                Files.move(pendingDump, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                LOG.debug("Apicurio class-data-sharing archive written to {}", archive);
            }
        } catch (IOException e) {
            LOG.debug("Could not publish Apicurio CDS archive {}: {}", archive, e.toString());
        } finally {
            try {
                Files.deleteIfExists(pendingDump);
            } catch (IOException ignored) {
                // a stray .tmp in target/ is harmless and goes with the next mvn clean
            }
        }
    }
}
