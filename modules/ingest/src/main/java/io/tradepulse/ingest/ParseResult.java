package io.tradepulse.ingest;

/**
 * The outcome of parsing one input row: a value, or a rejection that carries everything a dead letter needs
 * (the raw row, where it was, why it was refused). Parsers never throw for bad rows and never drop them.
 */
public sealed interface ParseResult<T> {

    /** 1-based line number in the source. */
    long line();

    record Parsed<T>(long line, T value) implements ParseResult<T> {
    }

    record Rejected<T>(long line, String raw, String reason) implements ParseResult<T> {
    }
}
