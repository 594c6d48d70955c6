package io.tradepulse.streams;

import io.tradepulse.avro.state.Observation;
import io.tradepulse.core.SourceNames;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which source's figure a period keeps when several sources publish the same series ({@code
 * tradepulse.source.precedence}): a figure of a source listed earlier beats one of a source listed later or not
 * listed at all, whatever their publication times; between figures of equally ranked sources (the same source, or two
 * unlisted ones) {@link SeriesHistories#REVISION_ORDER} decides, i.e. the newest publication, then the highest revision.
 *
 * <p>Why not the newest publication across sources: the series key has no source, and the sources that overlap
 * publish at different times. UN Comtrade republishes what the national offices reported, months later, so by
 * publication time it would replace the Census, GACC or Comext figure of a month, until the office's own annual
 * revision takes the month back: the month would flip between definitions (valuation, confidential lines, and for EU
 * reporters the currency: Comext in EUR, Comtrade in USD, where a YoY against a base in the other currency has no
 * value), and a YoY would compare one source's month with another's base month. A fixed rank keeps each month on the
 * preferred source that has it. It is still a total order on the figures of a period, so the history stays a function
 * of the set of inputs, whatever their arrival order.
 */
public final class SourcePrecedence {
    /** No source preferred: the newest publication wins across sources (the behaviour before the option existed). */
    public static final SourcePrecedence NONE = new SourcePrecedence(List.of());
    /** The default of {@link ProcessorConfig#SOURCE_PRECEDENCE_CONFIG}. */
    public static final SourcePrecedence DEFAULT = of(List.of(ProcessorConfig.SOURCE_PRECEDENCE_DEFAULT.split(",")));

    /** TradeRecord.source of tradepulse's own connectors and ingest (FILE: the file connector's default name). */
    static final Set<String> BUILT_IN_SOURCES = SourceNames.BUILT_IN;

    private final List<String> sources;
    private final Map<String, Integer> rank;
    private final Comparator<Observation> order;

    private SourcePrecedence(List<String> sources) {
        this.sources = List.copyOf(sources);
        this.rank = new HashMap<>();
        for (int i = 0; i < this.sources.size(); i++) {
            rank.put(this.sources.get(i), i);
        }
        this.order = this.sources.isEmpty()
                ? SeriesHistories.REVISION_ORDER
                : Comparator.<Observation>comparingInt(o -> -rank(o.getSource())).thenComparing(SeriesHistories.REVISION_ORDER);
    }

    /**
     * @param sources source names as they appear in {@code TradeRecord.source} (e.g. CENSUS), most preferred first;
     *                neither blank nor repeated
     */
    public static SourcePrecedence of(List<String> sources) {
        for (int i = 0; i < sources.size(); i++) {
            String s = sources.get(i);
            if (s == null || s.isBlank() || !s.equals(s.strip())) {
                throw new IllegalArgumentException("a source name must not be blank or padded: '" + s + "'");
            }
            if (sources.subList(0, i).contains(s)) {
                throw new IllegalArgumentException("source " + s + " listed twice");
            }
            String builtIn = SourceNames.builtInSpellingOfVariant(s);
            if (builtIn != null) {
                // Names are compared as written: 'census' matched no figure, so the list silently ranked nothing.
                throw new IllegalArgumentException("source '" + s + "' is written " + builtIn
                        + " in TradeRecord.source (names are case-sensitive)");
            }
        }
        return new SourcePrecedence(sources);
    }

    /**
     * The listed names no tradepulse connector writes (a file source's {@code file.source.name} may): legal, since any
     * name in TradeRecord.source can be ranked, but a typo ({@code GAAC}) silently ranks nothing, so the processor warns
     * about them at start.
     */
    public List<String> namesNoBuiltInSourceWrites() {
        return sources.stream().filter(s -> !BUILT_IN_SOURCES.contains(s)).toList();
    }

    /** 0 for the first listed source, then 1, ...; every unlisted source ranks after all listed ones, equally. */
    int rank(String source) {
        Integer r = rank.get(source);
        return r == null ? sources.size() : r;
    }

    /** Total order on the published figures of one period: the greater figure wins the period. */
    public Comparator<Observation> order() {
        return order;
    }

    public List<String> sources() {
        return sources;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourcePrecedence p && p.sources.equals(sources);
    }

    @Override
    public int hashCode() {
        return sources.hashCode();
    }

    @Override
    public String toString() {
        return "SourcePrecedence" + sources;
    }
}
