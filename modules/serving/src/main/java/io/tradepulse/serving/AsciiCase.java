package io.tradepulse.serving;

/**
 * Case folding of the API's codes and enum values, ASCII letters only. The docs promise that these "match in any
 * case", and every code and enum name is ASCII: Java's Unicode folding went further and read a dotless {@code ı}
 * (U+0131) as {@code I}, a long {@code ſ} as {@code S}, the Kelvin sign as {@code K} and {@code ß} as {@code SS}, so
 * {@code status=actıve} or {@code reporter=ruſ} answered ACTIVE's or RUS's rows where a misspelt value gets a 400.
 */
final class AsciiCase {
    private AsciiCase() {
    }

    /** {@code text} with a-z as A-Z and every other character as it is (also non-ASCII letters). */
    static String upper(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'a' && chars[i] <= 'z') {
                chars[i] = (char) (chars[i] - ('a' - 'A'));
            }
        }
        return new String(chars);
    }

    /** Whether the two are equal once ASCII letters are folded: what equalsIgnoreCase is for ASCII-only text. */
    static boolean equalsIgnoreCase(String a, String b) {
        return upper(a).equals(upper(b));
    }
}
