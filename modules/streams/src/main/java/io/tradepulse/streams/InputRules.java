package io.tradepulse.streams;

/**
 * What the processor accepts from trade.records and which figure a period keeps: part of the topology seam ({@link
 * TradeTopology#build}), read from {@link ProcessorConfig}, so tests build the real topology with explicit rules.
 *
 * @param sources which source's figure a period keeps when several publish it ({@code tradepulse.source.precedence})
 * @param limits  the largest monthly value per currency ({@code tradepulse.validation.max.monthly.value*})
 */
public record InputRules(SourcePrecedence sources, ValueLimits limits) {
    public static final InputRules DEFAULTS = new InputRules(SourcePrecedence.DEFAULT, ValueLimits.DEFAULT);

    /** These rules with another source precedence. */
    public InputRules with(SourcePrecedence other) {
        return new InputRules(other, limits);
    }

    /** These rules with other value limits. */
    public InputRules with(ValueLimits other) {
        return new InputRules(sources, other);
    }
}
