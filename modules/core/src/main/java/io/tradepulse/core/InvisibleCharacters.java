package io.tradepulse.core;

/**
 * Characters that show as nothing, or as a plain space, where text is read back: controls, format characters
 * (zero-width spaces and joiners, bidi marks, the byte order mark), every Unicode space and line or paragraph separator,
 * lone surrogates, and code points that are unassigned or for private use. One definition for the places that must tell
 * them apart from what they look like: the REST API quoting a parameter it refuses, the tariff calendar refusing an
 * event id that would look like another, a flag cell read without the ones at its ends.
 */
public final class InvisibleCharacters {
    private InvisibleCharacters() {
    }

    /** Whether {@code codePoint} is one of them; the plain space U+0020 is one too (callers that allow it say so). */
    public static boolean invisible(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR, Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> true;
            default -> blankLetterOrMark(codePoint);
        };
    }

    /**
     * Code points of other categories that render as nothing or as a blank: Unicode's Default_Ignorable_Code_Point
     * letters and marks (the Hangul fillers, variation selectors, the combining grapheme joiner, Khmer inherent vowels,
     * Mongolian free variation selectors, the tag and variation-selector supplement block) and the blank braille
     * pattern. By category alone they passed as visible, so an event id ending in U+3164 or U+FE0F looked exactly like
     * the id without it and kept a second copy of the event.
     */
    private static boolean blankLetterOrMark(int c) {
        return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5
                || (c >= 0x180B && c <= 0x180F) || c == 0x2800 || c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F)
                || c == 0xFFA0 || (c >= 0xE0000 && c <= 0xE0FFF);
    }

    /**
     * {@code text} without the characters at its ends that {@link #invisible} names: what {@link String#strip()} does,
     * but for every one of them (strip() keeps a no-break space, a zero-width space, a byte order mark).
     */
    public static String strip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && invisible(text.codePointAt(start))) {
            start += Character.charCount(text.codePointAt(start));
        }
        while (end > start && invisible(text.codePointBefore(end))) {
            end -= Character.charCount(text.codePointBefore(end));
        }
        return text.substring(start, end);
    }
}
