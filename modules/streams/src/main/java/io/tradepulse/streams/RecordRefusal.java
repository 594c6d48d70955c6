package io.tradepulse.streams;

/**
 * A record {@link TradeRecordValidator} refuses, thrown by {@link ValidateProcessor} so that Kafka Streams hands it to
 * {@link DeadLetterProcessingHandler}, which writes its dead letter (stage VALIDATION) in the task's transaction
 * (KIP-1034) with the input's exact raw key and value from the {@code ErrorHandlerContext}: the bytes as they are on
 * trade.records or trade.records.derived, so that every stage's dead letter is replayed the same way. Why the
 * validator's own processor cannot write that dead letter: see {@link ValidateProcessor}.
 *
 * <p>No stack trace (not filled in, never logged) and no cause: a refusal is data, not a bug, and the valid records'
 * path must not pay for the refused ones. The reason is the message.
 */
final class RecordRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The refused record's {@code source}, for the dead letter (null for a tombstone). */
    private final String source;

    RecordRefusal(String reason, String source) {
        super(reason, null, false, false);
        this.source = source;
    }

    /** Why the validator refused the record: the dead letter's reason, as {@link TradeRecordValidator#check} gives it. */
    String reason() {
        return getMessage();
    }

    String source() {
        return source;
    }
}
