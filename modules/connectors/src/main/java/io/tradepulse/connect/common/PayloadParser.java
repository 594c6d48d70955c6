package io.tradepulse.connect.common;

/**
 * Turns one fetched payload (an HTTP body, a file) into rows. Implementations are pure functions of
 * (payload, context): the same bytes always yield the same rows, which makes re-delivery deterministic.
 *
 * @param <C> per-payload context (what was asked for, release metadata)
 */
@FunctionalInterface
public interface PayloadParser<C> {
  Parsed parse(byte[] payload, C context);
}
