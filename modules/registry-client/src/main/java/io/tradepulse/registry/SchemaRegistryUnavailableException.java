package io.tradepulse.registry;

/**
 * No registry URL gave an answer: I/O errors (connection refused, timeouts) or HTTP 408, 429, 502, 503
 * or 504 on every URL through every retry, or until the call's deadline. A registry that keeps
 * answering HTTP 500 is retried the same way (as Confluent's client does) but then reported as a plain
 * {@link SchemaRegistryException} with its error code and message: it did answer. A subclass of {@link SchemaRegistryException} so callers that only
 * care about "the registry call failed" catch one type, while callers that want to retry later (the
 * registry may come back) can tell this case apart.
 *
 * <p>{@link #httpStatus()} and {@link #errorCode()} describe the last failed attempt: {@value
 * SchemaRegistryException#NOT_FROM_REGISTRY} when it was an I/O failure (then {@link #getCause()} is
 * the {@link java.io.IOException}).
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {

    private static final long serialVersionUID = 1L;

    public SchemaRegistryUnavailableException(String message, int errorCode, int httpStatus, String context, Throwable cause) {
        super(message, errorCode, httpStatus, context, cause);
    }
}
