package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InvisibleCharactersTest {

    @Test
    void shouldTellSpacesControlsAndFormatCharactersInvisible() {
        for (int c : new int[] {' ', '\t', 0x00A0, 0x200B, 0x200D, 0x202E, 0xFEFF, 0x2028, 0xE000, 0xD800}) {
            assertThat(InvisibleCharacters.invisible(c)).as("U+%04X", c).isTrue();
        }
    }

    /**
     * Letters and marks that render as nothing or as a blank (Unicode's Default_Ignorable_Code_Point outside the
     * control, format and unassigned categories, and the blank braille pattern) passed as visible: an event id ending
     * in a Hangul filler or a variation selector looked exactly like the id without it.
     */
    @Test
    void shouldTellLettersAndMarksThatRenderAsNothingOrABlankInvisible() {
        for (int c : new int[] {0x3164, 0x115F, 0x1160, 0xFFA0, 0xFE00, 0xFE0F, 0x034F, 0x17B4, 0x17B5, 0x180B,
                0x2800, 0xE0100, 0xE01EF}) {
            assertThat(InvisibleCharacters.invisible(c)).as("U+%04X", c).isTrue();
        }
    }

    @Test
    void shouldTellPrintingLettersMarksAndSymbolsVisible() {
        // A Hangul syllable and jamo, a combining acute accent, a braille dot, an emoji and the id's own characters.
        for (int c : new int[] {'a', '-', '0', 0xAC00, 0x1100, 0x0301, 0x2801, 0x1F600, 0x00E9}) {
            assertThat(InvisibleCharacters.invisible(c)).as("U+%04X", c).isFalse();
        }
    }

    /** Every invisible character at either end goes, the ones inside stay (strip() kept a no-break space). */
    @Test
    void shouldStripInvisibleCharactersAtBothEndsOnly() {
        assertThat(InvisibleCharacters.strip("\u00A0\u200Bsecondary\uFEFF \u3164")).isEqualTo("secondary");
        assertThat(InvisibleCharacters.strip("a\u00A0b")).isEqualTo("a\u00A0b");
        assertThat(InvisibleCharacters.strip("\u00A0 \u200B")).isEmpty();
    }
}
