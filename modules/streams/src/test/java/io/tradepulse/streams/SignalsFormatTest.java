package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The summaries' number formatting ({@link Signals#fixed}) must print exactly what java.util.Formatter prints:
 * the summaries were written with String.format, and consumers (and the signal tests) see the same text.
 */
class SignalsFormatTest {

    @Property(tries = 20_000)
    void shouldPrintWhatFormatterPrintsForOneDecimalWithSign(@ForAll("doubles") double x) {
        assertThat(Signals.fixed(x, 1, true)).isEqualTo(String.format(Locale.ROOT, "%+.1f", x));
        assertThat(Signals.signed(x)).isEqualTo(String.format(Locale.ROOT, "%+.1f %%", x));
    }

    @Property(tries = 20_000)
    void shouldPrintWhatFormatterPrintsForThreeDecimals(@ForAll("doubles") double x) {
        assertThat(Signals.fixed(x, 3, false)).isEqualTo(String.format(Locale.ROOT, "%.3f", x));
    }

    @Property(tries = 10_000)
    void shouldPrintMoneyAsFormatterDoesInTheLargestUnitTheRoundedValueReaches(@ForAll("levels") long v) {
        // Formatter's digits, in bn once the millions would round to 1000.000 or more (never "1000.000 mn").
        String millions = String.format(Locale.ROOT, "%.3f", v / 1e6);
        String expected = v >= 1_000_000_000L || v >= 1_000_000L && Double.parseDouble(millions) >= 1000.0
                ? String.format(Locale.ROOT, "%.3f bn", v / 1e9)
                : v >= 1_000_000L ? millions + " mn" : Long.toString(v);
        assertThat(Signals.money(v)).isEqualTo(expected);
    }

    @Test
    void shouldRollOverToTheNextUnitWhenRoundingReachesItAtEveryUnitBoundary() {
        // Below a million the value is printed whole, so nothing rounds up to "1.000 mn" too early or too late.
        assertThat(Signals.money(999_999L)).isEqualTo("999999");
        assertThat(Signals.money(1_000_000L)).isEqualTo("1.000 mn");
        // Millions are rounded to the thousand: from 999,999,500 on that is a billion.
        assertThat(Signals.money(999_999_499L)).isEqualTo("999.999 mn");
        for (long v : new long[] {999_999_500L, 999_999_501L, 999_999_999L, 1_000_000_000L}) {
            assertThat(Signals.money(v)).as("%d", v).isEqualTo("1.000 bn");
        }
        // Billions are the largest unit: they only grow ("1000.000 bn" is a trillion, printed so on purpose).
        assertThat(Signals.money(999_999_500_000L)).isEqualTo("1000.000 bn");
    }

    @Test
    void shouldRoundHalfwayCasesAndSignsLikeFormatter() {
        double[] cases = {0.05, 0.15, 0.25, 0.35, 1.25, 2.675, 1.0005, 2.0015, -0.05, -0.04, -0.0, 0.0, 99.95,
                -99.95, 0.949999, 1e-3, 9.9999e-4, 1e-300, 9_999_999.95, 1e7, 1e22, -34.5, 16.049999999999997,
                Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (double x : cases) {
            assertThat(Signals.fixed(x, 1, true)).as("%%+.1f of %s", x).isEqualTo(String.format(Locale.ROOT, "%+.1f", x));
            assertThat(Signals.fixed(x, 3, false)).as("%%.3f of %s", x).isEqualTo(String.format(Locale.ROOT, "%.3f", x));
        }
    }

    @Provide
    Arbitrary<Double> doubles() {
        // Mostly the YoY / excess range (with many values on a 0.05 grid, where half-up rounding shows), plus
        // the full range of magnitudes.
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.doubles().between(-100.0, 5000.0)),
                Tuple.of(3, Arbitraries.integers().between(-40_000, 40_000).map(i -> i * 0.05 / 2)),
                Tuple.of(2, Arbitraries.integers().between(-2_000_000, 2_000_000).map(i -> i / 1000.0 + 0.0005)),
                Tuple.of(1, Arbitraries.doubles()));
    }

    @Provide
    Arbitrary<Long> levels() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, 10_000_000_000_000L),
                Arbitraries.longs().between(999_000, 1_001_000), Arbitraries.longs().between(999_999_000L, 1_000_001_000L),
                Arbitraries.integers().between(0, 2_000_000).map(i -> i * 500L));
    }
}
