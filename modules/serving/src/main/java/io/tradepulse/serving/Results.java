package io.tradepulse.serving;

import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The latest result per key of the output topics, as served by the API and the dashboard. Every query is bounded
 * by a limit: the topics can hold millions of cells, and a response is built in memory.
 */
public interface Results {

    /** Series fields to match exactly (ASCII letters in any case); null or empty matches anything. */
    record SeriesFilter(String reporter, String partner, String flow, String commodity) {
        public static final SeriesFilter ALL = new SeriesFilter(null, null, null, null);
    }

    /**
     * Up to the limit's rows; {@code truncated} when more rows matched (or may have: a query that read as many entries
     * as it may stops there). {@code next}, when not null, continues the query: the same query with it as {@code
     * after} answers the rows strictly after this page's, in the same order. A truncated page without one cannot be
     * continued (see each query).
     */
    record Page<T>(List<T> rows, boolean truncated, Cursor next) {
        public Page {
            if (next != null && !truncated) {
                throw new IllegalArgumentException("a page with a next cursor is truncated");
            }
        }

        /** A page that cannot be continued. */
        public Page(List<T> rows, boolean truncated) {
            this(rows, truncated, null);
        }
    }

    /**
     * Where a page of one query ended, opaque to callers: a position in the view's key order (for signals, in their
     * time order), not an offset, so rows written before it while a client pages do not shift the later pages. It
     * holds no state in the view and means the same to any instance of the same release.
     */
    record Cursor(byte[] position) {
        public Cursor {
            position = position.clone();
        }

        @Override
        public byte[] position() {
            return position.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cursor c && Arrays.equals(position, c.position);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(position);
        }

        @Override
        public String toString() {
            return "Cursor" + Arrays.toString(position);
        }
    }

    /** Thrown by a query given a cursor that is no position of that query (another query's, or made up). */
    final class InvalidCursorException extends IllegalArgumentException {
        public InvalidCursorException(String message) {
            super(message);
        }
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

    /**
     * The series strictly after {@code after} (null: from the first), as {@link #series(SeriesFilter, int)}. This
     * default cannot page: its pages have no next cursor, and it refuses a cursor.
     *
     * @throws InvalidCursorException when {@code after} is not a cursor of this query
     */
    default Page<SeriesSummary> series(SeriesFilter filter, Cursor after, int limit) {
        refuseCursor(after);
        return series(filter, limit);
    }

    /** A period as the queries take it: months since year 0, so that ranges compare as ints. */
    static int period(int year, int month) {
        return year * 12 + month - 1;
    }

    /** Changes in order of series, then period (see {@link #period}), both ends included. */
    Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, int limit);

    /**
     * The changes strictly after {@code after} (null: from the first), as {@link #changes(SeriesFilter, int, int,
     * int)}; this default cannot page.
     *
     * @throws InvalidCursorException when {@code after} is not a cursor of this query
     */
    default Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
        refuseCursor(after);
        return changes(filter, fromPeriod, toPeriod, limit);
    }

    /**
     * Signals of the matching series that pass {@code where}, in order of period, then type (then reporter, partner,
     * commodity, flow). With more matches than {@code limit}, the page holds the first {@code limit} in that order,
     * the earliest, and is truncated.
     */
    Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, int limit);

    /**
     * The signals strictly after {@code after} in the order of {@link #signals(SeriesFilter, Predicate, int)} (null:
     * from the earliest), the first {@code limit} of them; this default cannot page.
     *
     * @throws InvalidCursorException when {@code after} is not a cursor of this query
     */
    default Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, Cursor after, int limit) {
        refuseCursor(after);
        return signals(filter, where, limit);
    }

    /**
     * As {@link #signals(SeriesFilter, Predicate, Cursor, int)}, only signals of {@code type} (null or empty: any): the
     * type is part of a signal's key, as the series fields are, so a view can find a type's signals by key (see
     * ResultsStore). This default tests it on each row.
     *
     * @throws InvalidCursorException when {@code after} is not a cursor of this query
     */
    default Page<TradeSignal> signals(SeriesFilter filter, String type, Predicate<TradeSignal> where, Cursor after,
            int limit) {
        Predicate<TradeSignal> ofType = type == null || type.isEmpty() ? where
                : where.and(s -> type.equals(s.getType()));
        return signals(filter, ofType, after, limit);
    }

    private static void refuseCursor(Cursor after) {
        if (after != null) {
            throw new InvalidCursorException("this view cannot continue a query");
        }
    }

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
