package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The waits of {@link SourceCompletion} with timeouts at the edges: Duration.toNanos() threw ArithmeticException for
 * one too long to count in nanoseconds (over some 292 years, Duration.ofSeconds(Long.MAX_VALUE) for "no limit"), so
 * such a wait threw instead of waiting.
 */
class SourceCompletionTest {
  private static final Duration NO_LIMIT = Duration.ofSeconds(Long.MAX_VALUE);

  private final String name = "completion-test-" + System.nanoTime();

  @AfterEach
  void forget() {
    SourceCompletion.reset(name);
  }

  @Test
  void shouldReturnTrueForAFinishedTaskWhenTheTimeoutIsTooLongToCountInNanoseconds() throws Exception {
    SourceCompletion.markDone(name, 0);

    assertThat(SourceCompletion.await(name, NO_LIMIT)).isTrue();
    assertThat(SourceCompletion.await(name, List.of(0), NO_LIMIT)).isTrue();
    assertThat(SourceCompletion.awaitCaughtUp(name, NO_LIMIT)).isTrue();
    assertThat(SourceCompletion.awaitCaughtUp(name, List.of(0), NO_LIMIT)).isTrue();
  }

  @Test
  @Timeout(30)
  void shouldWaitForTheSignalWhenTheTimeoutIsTooLongToCountInNanoseconds() throws Exception {
    CompletableFuture<Void> finishing = CompletableFuture.runAsync(() -> SourceCompletion.markDone(name, 0),
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));

    assertThat(SourceCompletion.await(name, List.of(0), NO_LIMIT)).isTrue();
    finishing.join();
  }

  @Test
  @Timeout(30)
  void shouldWaitForTheSignalWhenTheTimeoutIsTheLongestCountInNanoseconds() throws Exception {
    // System.nanoTime() + Long.MAX_VALUE overflows: a deadline would be in the past.
    CompletableFuture<Void> catchingUp = CompletableFuture.runAsync(() -> SourceCompletion.markCaughtUp(name, 0),
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));

    assertThat(SourceCompletion.awaitCaughtUp(name, Duration.ofNanos(Long.MAX_VALUE))).isTrue();
    catchingUp.join();
  }

  @Test
  void shouldCheckOnceWhenTheTimeoutIsNegative() throws Exception {
    long start = System.nanoTime();
    assertThat(SourceCompletion.await(name, Duration.ofSeconds(-5))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

    SourceCompletion.markDone(name, 0);
    assertThat(SourceCompletion.await(name, Duration.ofSeconds(-5))).isTrue();
  }

  @Test
  void shouldCountATimeoutTooLongForNanosecondsAsForeverAndANegativeOneAsZero() {
    assertThat(SourceCompletion.nanosOf(NO_LIMIT)).isEqualTo(Long.MAX_VALUE);
    assertThat(SourceCompletion.nanosOf(Duration.ofDays(365L * 300))).isEqualTo(Long.MAX_VALUE);
    assertThat(SourceCompletion.nanosOf(Duration.ofNanos(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
    assertThat(SourceCompletion.nanosOf(Duration.ofMillis(3))).isEqualTo(3_000_000L);
    assertThat(SourceCompletion.nanosOf(Duration.ZERO)).isZero();
    assertThat(SourceCompletion.nanosOf(Duration.ofNanos(-1))).isZero();
    assertThat(SourceCompletion.nanosOf(Duration.ofSeconds(Long.MIN_VALUE))).isZero();
  }
}
