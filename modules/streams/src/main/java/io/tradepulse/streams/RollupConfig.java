package io.tradepulse.streams;

/**
 * Which roll-ups the processor derives (see {@link Rollups}), from {@link ProcessorConfig}'s
 * {@code tradepulse.rollup.*} keys. Part of the topology seam: {@link TradeTopology#build} takes it.
 *
 * @param commodity derive each series' parent HS level (HS10/HS8 -> HS6 -> HS4 -> HS2 -> TOTAL) from its sub-codes
 * @param world     derive the WLD partner total of each (reporter, flow, commodity) from its partners
 */
public record RollupConfig(boolean commodity, boolean world) {
    public static final RollupConfig DEFAULTS = new RollupConfig(ProcessorConfig.ROLLUP_COMMODITY_DEFAULT,
            ProcessorConfig.ROLLUP_WORLD_DEFAULT);
    public static final RollupConfig NONE = new RollupConfig(false, false);

    boolean any() {
        return commodity || world;
    }
}
