package io.tradepulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourcesTest {

    private final List<String> closed = new ArrayList<>();

    private AutoCloseable named(final String name) {
        return () -> {
            synchronized (closed) {
                closed.add(name);
            }
        };
    }

    @Test
    void closesNewestFirstOnceAndDespiteAFailure() throws Exception {
        final Resources resources = new Resources();
        resources.deleteLast(java.nio.file.Path.of("/nonexistent-tradepulse-test-dir"));
        resources.keep(named("broker"));
        resources.keep(() -> {
            throw new IllegalStateException("cannot close the registry");
        });
        resources.start(() -> named("processor"));

        resources.close();
        resources.close();

        assertThat(closed).containsExactly("processor", "broker");
    }

    /**
     * Ctrl-C while the broker starts (seconds: format, start the KRaft node): the shutdown hook's close() must wait for
     * that start and close what it returns, or its temp dir stays behind.
     */
    @Test
    void closeWaitsForAStartInProgressAndClosesWhatItReturns() throws Exception {
        final Resources resources = new Resources(Duration.ofSeconds(30));
        resources.keep(named("state dir"));
        final CountDownLatch starting = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<Object> start = CompletableFuture.supplyAsync(() -> {
            try {
                return resources.start(() -> {
                    starting.countDown();
                    release.await();
                    return named("broker");
                });
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(starting.await(10, TimeUnit.SECONDS)).isTrue();

        final CompletableFuture<Void> close = CompletableFuture.runAsync(resources::close);
        Thread.sleep(200);
        assertThat(close).as("close() waits for the start").isNotDone();
        release.countDown();
        close.get(10, TimeUnit.SECONDS);

        assertThat(closed).containsExactly("broker", "state dir");
        assertThat(start.get(10, TimeUnit.SECONDS)).isNotNull(); // it had started before close() went on
    }

    @Test
    void nothingStartsOnceClosingAndWhatIsKeptAfterwardsIsClosedAtOnce() {
        final Resources resources = new Resources();
        resources.close();
        final AtomicBoolean started = new AtomicBoolean();

        assertThatThrownBy(() -> resources.start(() -> {
            started.set(true);
            return named("broker");
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("Stopped");
        assertThatThrownBy(() -> resources.keep(named("processor"))).isInstanceOf(IllegalStateException.class);

        assertThat(started).isFalse();
        assertThat(closed).containsExactly("processor");
    }

    @Test
    void shouldDeleteADirGivenAfterCloseAtOnceAndStopTheCaller(@TempDir final Path parent) throws Exception {
        final Resources resources = new Resources();
        resources.close(); // Ctrl-C: the shutdown hook closed everything while the command still ran
        final Path dir = Files.createDirectory(parent.resolve("tradepulse-ingest-offsets"));
        Files.writeString(dir.resolve("connect.offsets"), "{}");

        assertThatThrownBy(() -> resources.deleteLast(dir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Stopped");

        assertThat(dir).as("nobody closes this Resources again").doesNotExist();
    }

    @Test
    void aStartThatOutlivesTheGraceIsClosedByItsStarter() throws Exception {
        final Resources resources = new Resources(Duration.ofMillis(100));
        final CountDownLatch starting = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<Object> start = CompletableFuture.supplyAsync(() -> {
            try {
                return resources.start(() -> {
                    starting.countDown();
                    release.await();
                    return named("broker");
                });
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(starting.await(10, TimeUnit.SECONDS)).isTrue();

        resources.close(); // gives up after 100 ms
        release.countDown();

        assertThatThrownBy(() -> start.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IllegalStateException.class);
        assertThat(closed).containsExactly("broker");
    }

    @Test
    void aFailedStartDoesNotKeepCloseWaiting() {
        final Resources resources = new Resources(Duration.ofMinutes(5));

        assertThatThrownBy(() -> resources.start(() -> {
            throw new java.io.IOException("no disk");
        })).hasMessage("no disk");

        final long t0 = System.nanoTime();
        resources.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
}
