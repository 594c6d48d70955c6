package io.tradepulse.streams;

import java.util.List;
import org.apache.kafka.common.KafkaException;

/**
 * The items (roll-up cells, series) a punctuation could not compute and moved past, thrown once at the end of the
 * punctuation so that Kafka Streams hands them to {@link DeadLetterProcessingHandler}, which writes one dead letter
 * per item in the task's transaction (KIP-1034), as it does for an input record.
 *
 * <p>Why a punctuation catches per item: an exception thrown out of it is dead-lettered without any origin (a
 * punctuation has no input record) and the item stays where it was, so the walk meets it again at its next walk or
 * step, for ever. Why the dead letters are not forwarded by the processor: that would need a dead-letter sink in
 * each sub-topology (and a second output type for the roll-up processor), while the handler already builds dead
 * letters, has them written in the transaction, and answers FAIL (the transaction aborts, the skipped items with
 * it) when one cannot be serialized. Why thrown at the end and not at the failing item: the rest of the
 * punctuation's work is done first, and every item skipped gets its own dead letter.
 *
 * <p>What an item may fail with: see {@link #isItemFault}.
 */
final class PunctuationFailures extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * One item skipped.
     *
     * @param origin names the item: {@code rollup-cell:<parent series>/<yyyy-mm>} or {@code series:<series>} (the
     *               series as {@link Rollups#seriesId}); the dead letter's key and position
     * @param reason what was skipped, before the exception's class and message
     * @param key    the item's key as its store encodes it (the dead letter's raw key): where to look in the changelog
     * @param error  what computing the item threw
     */
    record Item(String origin, String reason, byte[] key, RuntimeException error) {
    }

    private final transient List<Item> items;

    PunctuationFailures(List<Item> items) {
        // No stack trace of its own: each item's error has the one that matters.
        super(items.size() + " item(s) skipped, first " + items.get(0).origin() + ": " + items.get(0).error(),
                null, false, false);
        this.items = List.copyOf(items);
    }

    List<Item> items() {
        return items;
    }

    /** Throws the failures collected by a punctuation, if any: its last statement. */
    static void throwIfAny(List<Item> items) {
        if (!items.isEmpty()) {
            throw new PunctuationFailures(items);
        }
    }

    /**
     * Whether what computing one item threw is that item's own fault (an overflowing sum, a value the code did not
     * foresee, a bug met by its data), so the item can be dead-lettered and skipped. Not when a {@link KafkaException}
     * is anywhere in the chain: a store that cannot be read ({@code InvalidStateStoreException},
     * {@code ProcessorStateException}: the task is migrating or the disk failed), a state entry that cannot be decoded
     * (a serialization error: a state format this release does not read, as the record path treats it), a send that
     * failed, a fenced producer, an interrupt. Those are the task's, not the item's: skipping the item would commit
     * the transaction without it, and the next item would fail the same way. They propagate, and
     * {@link DeadLetterProcessingHandler} answers FAIL.
     */
    static boolean isItemFault(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KafkaException) {
                return false;
            }
        }
        return true;
    }
}
