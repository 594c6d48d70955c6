package io.tradepulse.registry;

/**
 * A schema registry request failed. Unchecked, because every registry call can fail the same few ways
 * and callers (serializers, CLI tools) almost always just propagate.
 *
 * <p>{@link #errorCode()} is the registry's {@code error_code} (Confluent semantics, also used by
 * Apicurio's ccompat API, Karapace and Redpanda), e.g. {@value #SUBJECT_NOT_FOUND}; when the registry
 * answered without a JSON error body it is the HTTP status, and {@value #NOT_FROM_REGISTRY} when the
 * failure was detected by the client (unsupported schema type, unparseable response).
 * {@link #httpStatus()} is the HTTP status, or {@value #NOT_FROM_REGISTRY} when no response was received.
 *
 * <p>Messages never contain credentials: URLs are reported without their user-info part.
 *
 * @see SchemaRegistryUnavailableException for I/O failures and HTTP 408, 429, 502, 503, 504 once retries and
 *      fail-over are used up
 */
public class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Error code / HTTP status used when the error did not come from a registry response. */
    public static final int NOT_FROM_REGISTRY = -1;

    /** Subject not found. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Version not found. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Schema (by id, or by content under a subject) not found. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Subject has no subject-level compatibility configured (Confluent). */
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    /** Schema is incompatible with an earlier version of the subject. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Schema is not valid. */
    public static final int INVALID_SCHEMA = 42201;
    /** Version is not valid. */
    public static final int INVALID_VERSION = 42202;
    /** Compatibility level is not valid. */
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;

    private final int errorCode;
    private final int httpStatus;
    private final String registryMessage;
    private final String context;

    public SchemaRegistryException(String registryMessage, int errorCode, int httpStatus) {
        this(registryMessage, errorCode, httpStatus, null, null);
    }

    /**
     * @param registryMessage the registry's {@code message} (or the client's own description)
     * @param context         where it happened (method and path), appended to {@link #getMessage()}; may be null
     */
    public SchemaRegistryException(String registryMessage, int errorCode, int httpStatus, String context, Throwable cause) {
        this(null, registryMessage, errorCode, httpStatus, context, cause);
    }

    /**
     * The client's reading of a registry answer: {@link #getMessage()} starts with {@code summary} (e.g. naming the
     * subject), followed by the registry's message, code, status and context as usual; {@link #registryMessage()}
     * stays the registry's own text.
     */
    SchemaRegistryException(String summary, String registryMessage, int errorCode, int httpStatus, String context, Throwable cause) {
        super(format(summary, registryMessage, errorCode, httpStatus, context), cause);
        this.registryMessage = registryMessage;
        this.errorCode = errorCode;
        this.httpStatus = httpStatus;
        this.context = context;
    }

    private static String format(String summary, String message, int errorCode, int httpStatus, String context) {
        // Same shape as Confluent's RestClientException ("...; error code: 40401") so log searches carry over.
        StringBuilder sb = new StringBuilder();
        if (summary != null) {
            sb.append(summary).append(": ");
        }
        sb.append(message == null ? "(no message)" : message);
        sb.append("; error code: ").append(errorCode);
        if (httpStatus != NOT_FROM_REGISTRY) {
            sb.append("; HTTP ").append(httpStatus);
        }
        if (context != null) {
            sb.append("; ").append(context);
        }
        return sb.toString();
    }

    /** The registry's {@code error_code}; see the class comment for the non-registry values. */
    public int errorCode() {
        return errorCode;
    }

    /** The HTTP status of the failed response, or {@value #NOT_FROM_REGISTRY}. */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * Whether the registry itself said "not found": HTTP 404 with one of its 404xx codes (subject 40401, version 40402,
     * schema 40403, ...). Every Confluent-compatible registry answers so for what it does not have.
     */
    public boolean isRegistryNotFound() {
        return httpStatus == 404 && errorCode / 100 == 404;
    }

    /**
     * Whether the answer was a 404 without a registry error code: no registry's answer about a subject or id, but a URL
     * that is no registry API (Apicurio's root without /apis/ccompat/v7, that path added to a Confluent URL).
     */
    public boolean isNoRegistryApi() {
        return httpStatus == 404 && !isRegistryNotFound();
    }

    /** The registry's {@code message} as sent, without the code and context that {@link #getMessage()} adds. */
    public String registryMessage() {
        return registryMessage;
    }

    /** Where it happened (method, path and registry URL), or null. */
    String context() {
        return context;
    }
}
