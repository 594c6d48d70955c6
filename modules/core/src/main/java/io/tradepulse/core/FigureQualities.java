package io.tradepulse.core;

import io.tradepulse.avro.FigureQuality;
import java.util.List;
import java.util.Locale;

/**
 * The rules of {@link FigureQuality} shared by the readers of sources and the processor: which qualities a source may
 * give, how a free-text flag maps to one, and which of two is the weaker (the order of the enum: PUBLISHED, ESTIMATED,
 * SECONDARY, UNKNOWN, so a larger ordinal is a weaker claim).
 */
public final class FigureQualities {
    /** What a source may give a figure; UNKNOWN is only what a reader makes of a symbol its schema does not know. */
    public static final List<FigureQuality> SETTABLE =
            List.of(FigureQuality.PUBLISHED, FigureQuality.ESTIMATED, FigureQuality.SECONDARY);

    private static final FigureQuality[] BY_ORDINAL = FigureQuality.values();

    private FigureQualities() {
    }

    /**
     * The quality a flag (a file's cell or constant) gives: the one it names, trimmed and in any case, else PUBLISHED.
     * Flags are often free text, as in the GACC series file ("published (GACC reports Jan+Feb combined)", "yoy only",
     * "secondary"): only a flag that is exactly a quality's name lowers the figure's, never one that mentions it
     * ("published; one secondary source says +9.1%" is China customs' level, only a YoY elsewhere is disputed). The
     * file connector and the bundled-file reader both map flags here, so a file gives the same records either way.
     *
     * @param flag the flag; null (no column, no constant) is PUBLISHED
     */
    public static FigureQuality fromFlag(String flag) {
        if (flag == null) {
            return FigureQuality.PUBLISHED;
        }
        // strip() keeps a no-break or zero-width space, which cells copied from a web page or a PDF often end in: such a
        // "secondary" cell looked like the flag and made a PUBLISHED figure, silently.
        String name = InvisibleCharacters.strip(flag).toUpperCase(Locale.ROOT);
        for (FigureQuality q : SETTABLE) {
            if (q.name().equals(name)) {
                return q;
            }
        }
        return FigureQuality.PUBLISHED;
    }

    /** The weaker of two qualities (a sum, a YoY or a window is no more solid than its least solid figure). */
    public static FigureQuality weaker(FigureQuality a, FigureQuality b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /**
     * The quality of an ordinal: hot paths keep the weakest of many figures as an int ({@code Math.max} of ordinals)
     * and turn it back once; state codecs store ordinals.
     *
     * @throws IllegalArgumentException for an ordinal this release does not know
     */
    public static FigureQuality ofOrdinal(int ordinal) {
        if (ordinal < 0 || ordinal >= BY_ORDINAL.length) {
            throw new IllegalArgumentException("quality index " + ordinal + " out of range 0.."
                    + (BY_ORDINAL.length - 1));
        }
        return BY_ORDINAL[ordinal];
    }

    /** How many qualities this release knows (ordinals 0 to count - 1). */
    public static int count() {
        return BY_ORDINAL.length;
    }
}
