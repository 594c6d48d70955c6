package io.tradepulse.registry;

import java.io.Closeable;
import java.util.List;

import org.apache.avro.Schema;

/**
 * A client for the Confluent Schema Registry REST protocol, limited to Avro schemas. Implementations:
 * {@link CachedSchemaRegistryClient} (HTTP; works with Confluent, Apicurio's {@code /apis/ccompat/v7},
 * Karapace and Redpanda) and, for tests, {@code io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient}.
 *
 * <p>Errors are unchecked: every method may throw {@link SchemaRegistryException} carrying the
 * registry's {@code error_code} (for example {@value SchemaRegistryException#SUBJECT_NOT_FOUND} for an
 * unknown subject) and HTTP status, and {@link SchemaRegistryUnavailableException} (a subclass) when no
 * registry URL answered after the configured retries (I/O errors, timeouts, 408, 429, 502, 503, 504). Implementations
 * are thread-safe.
 */
public interface SchemaRegistryClient extends Closeable {

    /**
     * Registers {@code schema} under {@code subject} (POST /subjects/{subject}/versions) and returns
     * its id. Registering a schema the subject already has returns the existing id without creating a
     * version. Fails with {@value SchemaRegistryException#INCOMPATIBLE_SCHEMA} when the subject's
     * compatibility level rejects it. Registering concurrently with other clients is safe: callers
     * registering the same schema get the same id, even where the registry answers all but one of
     * them with a conflict (Apicurio's 409 "already exists").
     */
    int register(String subject, Schema schema);

    /**
     * Looks up the id of a schema already registered under {@code subject} (POST /subjects/{subject})
     * without registering it. Fails with {@value SchemaRegistryException#SUBJECT_NOT_FOUND} or
     * {@value SchemaRegistryException#SCHEMA_NOT_FOUND}.
     */
    int getId(String subject, Schema schema);

    /** Like {@link #getId} but returns the version of the schema within {@code subject}. */
    int getVersion(String subject, Schema schema);

    /** The schema with the registry-wide id {@code id} (GET /schemas/ids/{id}); ids never change meaning. */
    Schema getById(int id);

    /** The latest version of {@code subject} (GET /subjects/{subject}/versions/latest). */
    SchemaMetadata getLatestSchemaMetadata(String subject);

    /** Version {@code version} of {@code subject} (GET /subjects/{subject}/versions/{version}). */
    SchemaMetadata getSchemaMetadata(String subject, int version);

    /**
     * Whether {@code schema} could be registered under {@code subject} as far as compatibility with
     * the latest version goes (POST /compatibility/subjects/{subject}/versions/latest). A subject
     * without versions accepts any schema, so this returns true for it.
     */
    boolean testCompatibility(String subject, Schema schema);

    /**
     * The compatibility level in effect: the subject's own level, or the global one when the subject
     * has none or {@code subjectOrNull} is null (GET /config[/{subject}]?defaultToGlobal=true).
     * Apicurio 2.6 ignores {@code defaultToGlobal} and answers NONE for a subject without its own
     * level (while enforcing the global one); that answer is passed through.
     */
    String getCompatibility(String subjectOrNull);

    /**
     * Sets the compatibility level of {@code subjectOrNull}, or the global level when null
     * (PUT /config[/{subject}]).
     *
     * @param level one of {@link CompatibilityLevel#names()}, case-insensitive
     * @throws IllegalArgumentException for an unknown level, before anything is sent
     */
    void updateCompatibility(String subjectOrNull, String level);

    /** All subjects (GET /subjects). */
    List<String> getAllSubjects();

    /** The versions of {@code subject}, ascending (GET /subjects/{subject}/versions). */
    List<Integer> getAllVersions(String subject);

    /**
     * Deletes {@code subject} (soft delete where the registry distinguishes; DELETE /subjects/{subject})
     * and returns the versions it had. Schema ids stay resolvable, as in Confluent.
     */
    List<Integer> deleteSubject(String subject);

    /** Releases HTTP resources; narrows {@link Closeable#close()} to not throw. */
    @Override
    void close();
}
