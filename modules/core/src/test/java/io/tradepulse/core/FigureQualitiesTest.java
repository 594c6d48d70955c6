package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.FigureQuality;
import org.junit.jupiter.api.Test;

class FigureQualitiesTest {

    @Test
    void shouldTakeAFlagOnlyWhenItIsExactlyTheNameOfAQualityASourceMayGive() {
        assertThat(FigureQualities.fromFlag(" secondary ")).isEqualTo(FigureQuality.SECONDARY);
        assertThat(FigureQualities.fromFlag("Estimated")).isEqualTo(FigureQuality.ESTIMATED);
        assertThat(FigureQualities.fromFlag("PUBLISHED")).isEqualTo(FigureQuality.PUBLISHED);
        // free text that mentions a quality, a reader's fallback symbol, no flag at all: the source's own figure
        assertThat(FigureQualities.fromFlag("published; one secondary source says +9.1%"))
                .isEqualTo(FigureQuality.PUBLISHED);
        assertThat(FigureQualities.fromFlag("UNKNOWN")).isEqualTo(FigureQuality.PUBLISHED);
        assertThat(FigureQualities.fromFlag(null)).isEqualTo(FigureQuality.PUBLISHED);
    }

    /** strip() kept a no-break or zero-width space: a flag that reads "secondary" made a PUBLISHED figure. */
    @Test
    void shouldTakeAFlagWhenItEndsInANoBreakOrZeroWidthSpace() {
        assertThat(FigureQualities.fromFlag("secondary\u00A0")).isEqualTo(FigureQuality.SECONDARY);
        assertThat(FigureQualities.fromFlag("\u202Festimated\u200B")).isEqualTo(FigureQuality.ESTIMATED);
        assertThat(FigureQualities.fromFlag("\uFEFFsecondary\t")).isEqualTo(FigureQuality.SECONDARY);
        assertThat(FigureQualities.fromFlag("\u00A0")).isEqualTo(FigureQuality.PUBLISHED);
        assertThat(FigureQualities.fromFlag("second\u00A0ary")).as("only the ends are trimmed")
                .isEqualTo(FigureQuality.PUBLISHED);
    }

    @Test
    void shouldOrderQualitiesFromPublishedToUnknown() {
        assertThat(FigureQualities.weaker(FigureQuality.PUBLISHED, FigureQuality.SECONDARY))
                .isEqualTo(FigureQuality.SECONDARY);
        assertThat(FigureQualities.weaker(FigureQuality.SECONDARY, FigureQuality.ESTIMATED))
                .isEqualTo(FigureQuality.SECONDARY);
        assertThat(FigureQualities.weaker(FigureQuality.UNKNOWN, FigureQuality.SECONDARY)).isEqualTo(FigureQuality.UNKNOWN);
        for (FigureQuality q : FigureQuality.values()) {
            assertThat(FigureQualities.ofOrdinal(q.ordinal())).isEqualTo(q);
        }
        assertThatThrownBy(() -> FigureQualities.ofOrdinal(FigureQualities.count()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
    }
}
