package io.tradepulse.streams;

import java.time.Duration;

/**
 * Which roll-ups the processor derives (see {@link Rollups}), from {@link ProcessorConfig}'s
 * {@code tradepulse.rollup.*} keys. Part of the topology seam: {@link TradeTopology#build} takes it.
 *
 * @param commodity derive each series' parent HS level (HS10/HS8 -> HS6 -> HS4 -> HS2 -> TOTAL) from its sub-codes
 * @param world     derive the WLD partner total of each (reporter, flow, commodity) from its partners
 * @param emitInterval how often (wall clock) the roll-up cells changed since the last time emit their derived
 *                     figure: each level up adds up to this much latency, and a parent's figure is re-derived
 *                     at most this often however many children change
 */
public record RollupConfig(boolean commodity, boolean world, Duration emitInterval) {
    public static final RollupConfig DEFAULTS = new RollupConfig(ProcessorConfig.ROLLUP_COMMODITY_DEFAULT,
            ProcessorConfig.ROLLUP_WORLD_DEFAULT, Duration.ofMillis(ProcessorConfig.ROLLUP_EMIT_INTERVAL_MS_DEFAULT));
    public static final RollupConfig NONE = new RollupConfig(false, false, DEFAULTS.emitInterval());

    public RollupConfig {
        if (emitInterval.isNegative() || emitInterval.isZero()) {
            throw new IllegalArgumentException("the roll-up emit interval must be positive");
        }
    }

    public RollupConfig(boolean commodity, boolean world) {
        this(commodity, world, DEFAULTS.emitInterval());
    }

    boolean any() {
        return commodity || world;
    }
}
