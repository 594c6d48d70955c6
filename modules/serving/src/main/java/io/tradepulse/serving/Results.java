package io.tradepulse.serving;

import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The latest result per key of the output topics, as served by the API and the dashboard. Every query is bounded
 * by a limit: the topics can hold millions of cells, and a response is built in memory.
 */
public interface Results {

    /** Series fields to match exactly (case-insensitive); null or empty matches anything. */
    record SeriesFilter(String reporter, String partner, String flow, String commodity) {
        public static final SeriesFilter ALL = new SeriesFilter(null, null, null, null);
    }

    /** Up to the limit's rows; {@code truncated} when more rows matched. */
    record Page<T>(List<T> rows, boolean truncated) {
    }

    /**
     * One series: how many months its figures cover (a combined January+February counts two) and the last of them
     * (February for a combined January+February).
     */
    record SeriesSummary(String reporter, String partner, String flow, String commodity, int months, int latestYear,
            int latestMonth) {
    }

    /** Series in order of (reporter, partner, flow, commodity). */
    Page<SeriesSummary> series(SeriesFilter filter, int limit);

    /** A period as the queries take it: months since year 0, so that ranges compare as ints. */
    static int period(int year, int month) {
        return year * 12 + month - 1;
    }

    /** Changes in order of series, then period (see {@link #period}), both ends included. */
    Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, int limit);

    /**
     * Signals of the matching series that pass {@code where}, in order of period, then type (then reporter, partner,
     * commodity, flow). With more matches than {@code limit}, the page holds the first {@code limit} in that order,
     * the earliest, and is truncated.
     */
    Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, int limit);

    /** True once everything committed when serving started has been read. */
    boolean caughtUp();

    /** Why the view cannot advance right now (it keeps retrying), or empty. */
    Optional<String> failure();

    /**
     * True when the view has stopped for good (its thread died of an Error) and only a restart of the process brings
     * it back: liveness fails then, so an orchestrator restarts it instead of leaving a frozen view serving.
     */
    default boolean stopped() {
        return false;
    }
}
