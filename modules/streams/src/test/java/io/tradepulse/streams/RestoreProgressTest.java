package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.testsupport.LogCapture;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("tradepulse-processor-series-history-changelog", 3);
    private static final TopicPartition OTHER = new TopicPartition("tradepulse-processor-rollup-children-changelog", 3);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RestoreProgress progress = new RestoreProgress(now::get);
    private final LogCapture logs = LogCapture.start(Map.of(RestoreProgress.class.getName(), Level.INFO));

    @AfterEach
    void closeLogs() {
        logs.close();
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void shouldWarnOnceWhenARestoringPartitionHasNotMovedForTheStallLimit() {
        progress.onRestoreStart(CHANGELOG, "series-history", 0, 5_000);
        progress.onBatchRestored(CHANGELOG, "series-history", 1_199, 1_200);

        advance(RestoreProgress.STALL_LIMIT.minusSeconds(1));
        assertThat(progress.check()).isEmpty();
        advance(Duration.ofSeconds(2));
        assertThat(progress.check()).containsExactly(CHANGELOG.toString());
        // Once per stall, however long it lasts.
        advance(Duration.ofMinutes(5));
        assertThat(progress.check()).isEmpty();

        assertThat(logs.events()).filteredOn(e -> e.startsWith("WARN")).singleElement().asString()
                .contains("series-history", CHANGELOG.toString(), "at offset 1200 of 5000", "has not moved for 61 s",
                        "describe-producers --topic " + CHANGELOG.topic() + " --partition 3");
    }

    @Test
    void shouldWarnAgainAfterAStalledPartitionMovedAndStoppedAgain() {
        progress.onRestoreStart(CHANGELOG, "series-history", 0, 5_000);
        advance(RestoreProgress.STALL_LIMIT.plusSeconds(1));
        assertThat(progress.check()).containsExactly(CHANGELOG.toString());

        progress.onBatchRestored(CHANGELOG, "series-history", 2_999, 3_000);
        assertThat(logs.text()).contains("moves again, at offset 3000");
        advance(RestoreProgress.STALL_LIMIT.minusSeconds(1));
        assertThat(progress.check()).isEmpty();
        advance(Duration.ofSeconds(2));
        assertThat(progress.check()).containsExactly(CHANGELOG.toString());
    }

    @Test
    void shouldNotWarnForAPartitionThatKeepsMovingOrHasEnded() {
        progress.onRestoreStart(CHANGELOG, "series-history", 0, 90_000);
        progress.onRestoreStart(OTHER, "rollup-children", 0, 10);
        progress.onRestoreEnd(OTHER, "rollup-children", 10);
        for (int i = 1; i <= 9; i++) {
            advance(Duration.ofSeconds(30));
            progress.onBatchRestored(CHANGELOG, "series-history", i * 10_000L - 1, 10_000);
            assertThat(progress.check()).isEmpty();
        }
        progress.onRestoreEnd(CHANGELOG, "series-history", 90_000);
        advance(Duration.ofHours(1));

        assertThat(progress.check()).isEmpty();
        assertThat(progress.restoringCount()).isZero();
        assertThat(logs.events()).noneMatch(e -> e.startsWith("WARN"));
        // At INFO only the long one: every store of every task restores at each start, mostly in milliseconds.
        assertThat(logs.text()).contains("Restored store series-history from " + CHANGELOG + ": 90000 records in 270000 ms")
                .doesNotContain("Restored store rollup-children");
    }

    @Test
    void shouldForgetAPartitionWhoseTaskMovedAway() {
        progress.onRestoreStart(CHANGELOG, "series-history", 0, 5_000);
        progress.onRestoreSuspended(CHANGELOG, "series-history", 100);
        advance(RestoreProgress.STALL_LIMIT.plusSeconds(1));

        assertThat(progress.check()).isEmpty();
        assertThat(progress.restoringCount()).isZero();
    }

    @Test
    void shouldSummariseWhatIsRestoringEveryThirtySeconds() {
        progress.onRestoreStart(CHANGELOG, "series-history", 0, 5_000);
        progress.onRestoreStart(OTHER, "rollup-children", 100, 300);
        progress.onBatchRestored(CHANGELOG, "series-history", 999, 1_000);
        progress.check();
        assertThat(logs.text()).doesNotContain("changelog partitions");

        advance(RestoreProgress.SUMMARY_EVERY);
        progress.check();

        assertThat(logs.text()).contains("Restoring 2 changelog partitions (0 not moving), about 4200 offsets left",
                OTHER + " 100/300", CHANGELOG + " 1000/5000");
    }
}
