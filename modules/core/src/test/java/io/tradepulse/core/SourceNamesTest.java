package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SourceNamesTest {

    @Test
    void shouldNameTheBuiltInSpellingWhenANameIsACaseVariantOfABuiltInSourceName() {
        assertThat(SourceNames.builtInSpellingOfVariant("gacc")).isEqualTo("GACC");
        assertThat(SourceNames.builtInSpellingOfVariant("Census")).isEqualTo("CENSUS");
        assertThat(SourceNames.builtInSpellingOfVariant("GACC")).as("the built-in spelling itself").isNull();
        assertThat(SourceNames.builtInSpellingOfVariant("nbs")).as("no built-in name").isNull();
    }
}
