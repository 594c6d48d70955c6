package io.tradepulse.core;

import java.time.Duration;

/**
 * The bounds a trade record must keep to be processed: the processor's validator refuses records beyond them, and
 * readers that can name a file's line and cell (the bundled GACC-format series) refuse them first, so that their dead
 * letter says where the row is. One place, so the two never drift apart.
 */
public final class RecordBounds {
    private RecordBounds() {}

    /** Modern trade statistics (HS) start in 1988; anything earlier is a unit or parsing error. */
    public static final int MIN_YEAR = 1988;

    /**
     * How far ahead of the clock a publication time may be: sources stamp a release with its local date, up to 14
     * hours east of UTC.
     */
    public static final Duration PUBLICATION_SLACK = Duration.ofDays(1);

    /**
     * The default limit of one series' monthly value, in its currency's units: above it a figure is taken for a unit
     * error. It suits currencies near the US dollar (world merchandise trade is about US$ 2 trillion a month).
     */
    public static final long MAX_MONTHLY_VALUE_DEFAULT = 5_000_000_000_000L;
}
