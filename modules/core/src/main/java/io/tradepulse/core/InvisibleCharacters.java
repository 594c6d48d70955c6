package io.tradepulse.core;

/**
 * Characters that show as nothing, or as a plain space, where text is read back: controls, format characters
 * (zero-width spaces and joiners, bidi marks, the byte order mark), every Unicode space and line or paragraph separator,
 * lone surrogates, and code points that are unassigned or for private use. One definition for the places that must tell
 * them apart from what they look like: the REST API quoting a parameter it refuses, the tariff calendar refusing an
 * event id that would look like another.
 */
public final class InvisibleCharacters {
    private InvisibleCharacters() {
    }

    /** Whether {@code codePoint} is one of them; the plain space U+0020 is one too (callers that allow it say so). */
    public static boolean invisible(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR, Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> true;
            default -> false;
        };
    }
}
