package io.tradepulse.core;

/**
 * The types of {@code trade.signals} records ({@code TradeSignal.type}, {@code SignalKey.type}).
 *
 * <p>Why an enum here and a string in the schemas: in Avro, adding an enum symbol is a change old readers cannot
 * follow, so a new signal type would break every consumer's deserializer; a string lets consumers skip types they
 * do not know. Inside tradepulse the set is closed: the processor writes only these and the REST API accepts only
 * these as a filter, so both take them from this one place.
 */
public enum SignalType {
    /** A month inside the lead window before a scheduled tariff increase or truce expiry, above its baseline. */
    FRONT_LOADING,
    /** A month inside the window after such an event, below its baseline. */
    PAYBACK,
    /** |YoY| at or beyond the configured threshold. */
    YOY_MOVE
}
