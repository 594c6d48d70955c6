package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EconomiesTest {

    @Test
    void shouldKnowIsoCodesTheAggregatesAndKosovoButNoLookAlikeOrLowerCaseCode() {
        assertThat(Economies.ALL).contains("CHN", "USA", "DEU", "WLD", "EUU", "XKX");
        assertThat(Economies.isEconomy("CHA")).as("a typo of CHN").isFalse();
        assertThat(Economies.isEconomy("chn")).as("codes are upper case").isFalse();
        assertThat(Economies.isEconomy("EU27_2020")).as("Comext's own code maps to EUU before it reaches a series").isFalse();
        assertThat(Economies.AGGREGATES).containsExactlyInAnyOrder("WLD", "EUU");
    }
}
