package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.state.Observation;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourcePrecedenceTest {

    private static Observation fig(String source, long publishedAt, int revision, long value) {
        return Observation.newBuilder().setYear(2025).setMonth(5).setMonths(1).setValue(value).setCurrency("USD")
                .setReportedYoyPct(null).setDerivedFrom(null).setSource(source).setVintage("v" + publishedAt).setPublishedAt(publishedAt).setRevision(revision)
                .build();
    }

    @Test
    void shouldRankAListedSourceAboveALaterListedOrUnlistedOneWhateverThePublicationTime() {
        SourcePrecedence p = SourcePrecedence.of(List.of("CENSUS", "GACC"));
        Observation census = fig("CENSUS", 1, 0, 10);
        Observation gacc = fig("GACC", 2, 0, 11);
        Observation comtrade = fig("COMTRADE", 3, 0, 12);

        assertThat(p.order().compare(census, gacc)).isPositive();
        assertThat(p.order().compare(gacc, comtrade)).isPositive();
        assertThat(p.order().compare(comtrade, census)).isNegative();
    }

    @Test
    void shouldFallBackToTheRevisionOrderBetweenEquallyRankedSources() {
        SourcePrecedence p = SourcePrecedence.of(List.of("CENSUS"));
        // one listed source: the newest publication, then the highest revision
        assertThat(p.order().compare(fig("CENSUS", 2, 0, 10), fig("CENSUS", 1, 5, 11))).isPositive();
        assertThat(p.order().compare(fig("CENSUS", 1, 1, 10), fig("CENSUS", 1, 0, 11))).isPositive();
        // two unlisted sources rank equally: the newest publication wins as without a precedence
        assertThat(p.order().compare(fig("FILE", 2, 0, 10), fig("COMTRADE", 1, 0, 11))).isPositive();
        assertThat(SourcePrecedence.NONE.order().compare(fig("COMTRADE", 2, 0, 10), fig("CENSUS", 1, 0, 11))).isPositive();
    }

    @Test
    void shouldBeATotalOrderConsistentWithEquals() {
        SourcePrecedence p = SourcePrecedence.DEFAULT;
        List<Observation> figures = List.of(fig("CENSUS", 1, 0, 10), fig("CENSUS", 1, 0, 11), fig("GACC", 1, 0, 10),
                fig("COMTRADE", 1, 0, 10), fig("FILE", 1, 0, 10), fig("FILE", 2, 0, 10));
        for (Observation a : figures) {
            for (Observation b : figures) {
                int ab = Integer.signum(p.order().compare(a, b));
                assertThat(ab).isEqualTo(-Integer.signum(p.order().compare(b, a)));
                assertThat(ab == 0).isEqualTo(a.equals(b));
            }
        }
    }

    @Test
    void shouldPreferTheNationalOfficesToComtradeByDefault() {
        assertThat(SourcePrecedence.DEFAULT.sources()).containsExactly("CENSUS", "GACC", "COMEXT");
        assertThat(SourcePrecedence.DEFAULT.order().compare(fig("COMEXT", 1, 0, 10), fig("COMTRADE", 9, 0, 10)))
                .isPositive();
    }

    /** A typo in tradepulse.source.precedence (GAAC) ranked nothing, silently: the processor warns with these names. */
    @Test
    void shouldNameTheListedSourcesNoBuiltInConnectorWritesWhenAskedForTheStartWarning() {
        assertThat(SourcePrecedence.of(List.of("CENSUS", "GAAC", "COMEXT", "MYFEED")).namesNoBuiltInSourceWrites())
                .containsExactly("GAAC", "MYFEED");
        assertThat(SourcePrecedence.DEFAULT.namesNoBuiltInSourceWrites()).isEmpty();
    }

    @Test
    void shouldRefuseABlankOrRepeatedSource() {
        assertThatThrownBy(() -> SourcePrecedence.of(List.of("CENSUS", "CENSUS"))).hasMessageContaining("CENSUS listed twice");
        assertThatThrownBy(() -> SourcePrecedence.of(List.of("CENSUS", " "))).hasMessageContaining("blank");
    }
}
