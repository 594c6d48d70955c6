package io.tradepulse.core;

import java.util.Locale;
import java.util.Set;

/**
 * The names tradepulse's own connectors and ingest write in TradeRecord.source (FILE: the file connector's default
 * name). The one list of them: the processor's {@code tradepulse.source.precedence} ranks a source by its name as
 * written and refuses a case variant of one of them, and the file connector refuses such a variant as its
 * {@code file.source.name}, which no precedence could then rank.
 */
public final class SourceNames {
    public static final Set<String> BUILT_IN = Set.of("CENSUS", "COMEXT", "COMTRADE", "GACC", "FILE");

    private SourceNames() {
    }

    /**
     * @return the built-in spelling of {@code name} when it is a case variant of a built-in name other than itself
     *     ({@code gacc}: GACC), else null
     */
    public static String builtInSpellingOfVariant(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return !name.equals(upper) && BUILT_IN.contains(upper) ? upper : null;
    }
}
