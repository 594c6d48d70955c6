package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The roll-up emission walk through the real topology and the real processing handler: a cell that cannot be derived
 * becomes one dead letter naming it, and the walk goes on. (The calendar pass: {@link CalendarPassTest}.)
 */
class PunctuationDeadLettersTest {
    private static final SeriesKey CHN_DEU_01 = new SeriesKey("CHN", "DEU", Flow.EXPORT, "01");
    private static final SeriesKey CHN_DEU_02 = new SeriesKey("CHN", "DEU", Flow.EXPORT, "02");
    private static final SeriesKey CHN_USA_01 = new SeriesKey("CHN", "USA", Flow.EXPORT, "01");

    /**
     * A derived figure (a roll-up fed back as input) is not held to the monthly cap of a published one, so two of
     * them can sum past a long in their parent cell: the real way into an overflowing cell.
     */
    private static TradeRecord derivedHs2(SeriesKey s, long value) {
        return TradeRecord.newBuilder(TopologyFixture.figure(s, 2025, 5, 1, value, "2025-06-20", 0))
                .setCommodityLevel(CommodityLevel.HS2).setDerivedFrom(1).build();
    }

    @Test
    void shouldDeadLetterARollupCellThatCannotBeDerivedOnceNamingItAndStillEmitTheOtherCells() {
        try (TopologyFixture f = new TopologyFixture(new RollupConfig(true, false))) {
            long half = Long.MAX_VALUE / 2 + 1;
            f.pipe(derivedHs2(CHN_DEU_01, half));
            f.pipe(derivedHs2(CHN_DEU_02, half)); // CHN->DEU TOTAL, May 2025: the sum overflows
            f.pipe(derivedHs2(CHN_USA_01, 100L)); // CHN->USA TOTAL: after it in cell order
            f.settle();

            List<TestRecord<String, DeadLetter>> letters = f.deadLetters.readRecordsToList();
            assertThat(letters).extracting(TestRecord::key).containsExactly("rollup-cell:CHN|DEU|EXPORT|TOTAL/2025-05");
            DeadLetter dl = letters.get(0).value();
            assertThat(dl.getStage()).isEqualTo(DeadLetterStage.PROCESSING);
            assertThat(dl.getSource()).isEqualTo("rollup-aggregate");
            assertThat(dl.getPosition()).isEqualTo("rollup-cell:CHN|DEU|EXPORT|TOTAL/2025-05");
            assertThat(dl.getErrorClass()).isEqualTo(ArithmeticException.class.getName());
            assertThat(dl.getReason()).contains("roll-up cell not derived").contains("java.lang.ArithmeticException");
            assertThat(dl.getOriginTopic()).isNull();
            assertThat(dl.getRawKey()).isNotNull();
            assertThat(f.table()).containsKey(TopologyFixture.cell(
                    new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL"), 2025, 5));

            for (int i = 0; i < 50; i++) {
                f.driver.advanceWallClockTime(Duration.ofMillis(RollupProcessor.STEP_MS));
            }
            assertThat(f.deadLetters.readRecordsToList()).as("the cell is not tried again").isEmpty();
        }
    }
}
