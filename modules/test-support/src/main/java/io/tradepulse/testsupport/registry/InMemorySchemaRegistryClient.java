package io.tradepulse.testsupport.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

import io.tradepulse.registry.CompatibilityLevel;
import io.tradepulse.registry.SchemaMetadata;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryException;

/**
 * A {@link SchemaRegistryClient} that keeps everything in memory, for TopologyTestDriver and other
 * tests without a registry. It behaves like Confluent's registry where tests can observe it:
 * <ul>
 *   <li>ids are global and stable per schema text ({@code schema.toString()}): the same schema under two
 *       subjects gets one id; ids start at 1;</li>
 *   <li>versions are per subject, starting at 1; registering a schema the subject already has returns
 *       its id without a new version; deleting a subject keeps its ids resolvable, and version numbers
 *       are not reused;</li>
 *   <li>compatibility: global default BACKWARD, settable globally and per subject; checks use Avro's
 *       {@link SchemaCompatibility} (BACKWARD: the new schema reads data of the earlier one; FORWARD:
 *       the other way; FULL: both; *_TRANSITIVE: against every version rather than the latest);</li>
 *   <li>errors carry Confluent's error codes and HTTP statuses (40401, 40402, 40403, 409).</li>
 * </ul>
 * Thread-safe: every method holds the instance lock (tests, not throughput).
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private record Version(int version, int id) {
    }

    private static final class Subject {
        final List<Version> versions = new ArrayList<>();
        int nextVersion = 1;
        CompatibilityLevel compatibility;
    }

    private final Map<String, Integer> idByText = new HashMap<>();
    private final Map<Integer, Schema> schemaById = new HashMap<>();
    private final Map<String, Subject> subjects = new TreeMap<>();
    /** Keeps level and version counter of deleted subjects, as the real registry does. */
    private final Map<String, Subject> deleted = new HashMap<>();
    private CompatibilityLevel globalCompatibility = CompatibilityLevel.BACKWARD;
    private int nextId = 1;

    @Override
    public synchronized int register(String subject, Schema schema) {
        requireSubjectName(subject);
        Objects.requireNonNull(schema, "schema");
        String text = schema.toString();
        Subject entry = subjects.get(subject);
        Integer existingId = idByText.get(text);
        if (entry != null && existingId != null) {
            for (Version version : entry.versions) {
                if (version.id() == existingId) {
                    return existingId;
                }
            }
        }
        if (entry != null && !entry.versions.isEmpty()) {
            List<String> problems = incompatibilities(entry, schema);
            if (!problems.isEmpty()) {
                throw new SchemaRegistryException("Schema being registered is incompatible with an earlier schema for subject \""
                        + subject + "\", details: " + problems, SchemaRegistryException.INCOMPATIBLE_SCHEMA, 409);
            }
        }
        if (entry == null) {
            entry = deleted.containsKey(subject) ? deleted.remove(subject) : new Subject();
            subjects.put(subject, entry);
        }
        int id = existingId != null ? existingId : nextId++;
        if (existingId == null) {
            idByText.put(text, id);
            schemaById.put(id, schema);
        }
        entry.versions.add(new Version(entry.nextVersion++, id));
        return id;
    }

    @Override
    public synchronized int getId(String subject, Schema schema) {
        return find(subject, schema).id();
    }

    @Override
    public synchronized int getVersion(String subject, Schema schema) {
        return find(subject, schema).version();
    }

    private Version find(String subject, Schema schema) {
        Subject entry = existing(subject);
        Integer id = idByText.get(schema.toString());
        if (id != null) {
            for (Version version : entry.versions) {
                if (version.id() == id) {
                    return version;
                }
            }
        }
        throw new SchemaRegistryException("Schema not found", SchemaRegistryException.SCHEMA_NOT_FOUND, 404);
    }

    @Override
    public synchronized Schema getById(int id) {
        Schema schema = schemaById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema " + id + " not found", SchemaRegistryException.SCHEMA_NOT_FOUND, 404);
        }
        return schema;
    }

    @Override
    public synchronized SchemaMetadata getLatestSchemaMetadata(String subject) {
        Subject entry = existing(subject);
        return metadata(subject, entry.versions.get(entry.versions.size() - 1));
    }

    @Override
    public synchronized SchemaMetadata getSchemaMetadata(String subject, int version) {
        Subject entry = existing(subject);
        for (Version candidate : entry.versions) {
            if (candidate.version() == version) {
                return metadata(subject, candidate);
            }
        }
        throw new SchemaRegistryException("Version " + version + " not found.", SchemaRegistryException.VERSION_NOT_FOUND, 404);
    }

    private SchemaMetadata metadata(String subject, Version version) {
        return new SchemaMetadata(version.id(), version.version(), subject, schemaById.get(version.id()));
    }

    @Override
    public synchronized boolean testCompatibility(String subject, Schema schema) {
        Subject entry = subjects.get(subject);
        return entry == null || entry.versions.isEmpty() || incompatibilities(entry, schema).isEmpty();
    }

    private List<String> incompatibilities(Subject entry, Schema candidate) {
        CompatibilityLevel level = entry.compatibility != null ? entry.compatibility : globalCompatibility;
        List<String> problems = new ArrayList<>();
        if (level == CompatibilityLevel.NONE) {
            return problems;
        }
        List<Version> against = level.transitive() ? entry.versions : entry.versions.subList(entry.versions.size() - 1,
                entry.versions.size());
        for (Version version : against) {
            Schema earlier = schemaById.get(version.id());
            if (level.checksBackward()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, earlier), "BACKWARD", version, problems);
            }
            if (level.checksForward()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(earlier, candidate), "FORWARD", version, problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility result, String direction, Version version,
            List<String> problems) {
        if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            result.getResult().getIncompatibilities().forEach(incompatibility -> problems.add(direction + " with version "
                    + version.version() + ": " + incompatibility.getType() + " at " + incompatibility.getLocation() + " ("
                    + incompatibility.getMessage() + ")"));
        }
    }

    @Override
    public synchronized String getCompatibility(String subjectOrNull) {
        if (subjectOrNull != null) {
            Subject entry = subjects.containsKey(subjectOrNull) ? subjects.get(subjectOrNull) : deleted.get(subjectOrNull);
            if (entry != null && entry.compatibility != null) {
                return entry.compatibility.name();
            }
        }
        return globalCompatibility.name();
    }

    @Override
    public synchronized void updateCompatibility(String subjectOrNull, String level) {
        CompatibilityLevel parsed = CompatibilityLevel.parse(level);
        if (subjectOrNull == null) {
            globalCompatibility = parsed;
            return;
        }
        Subject entry = subjects.get(subjectOrNull);
        if (entry == null) {
            // The real registry accepts a level for a subject before its first schema.
            entry = deleted.computeIfAbsent(subjectOrNull, s -> new Subject());
        }
        entry.compatibility = parsed;
    }

    @Override
    public synchronized List<String> getAllSubjects() {
        return List.copyOf(subjects.keySet());
    }

    @Override
    public synchronized List<Integer> getAllVersions(String subject) {
        return existing(subject).versions.stream().map(Version::version).toList();
    }

    @Override
    public synchronized List<Integer> deleteSubject(String subject) {
        Subject entry = existing(subject);
        List<Integer> versions = entry.versions.stream().map(Version::version).toList();
        entry.versions.clear();
        subjects.remove(subject);
        deleted.put(subject, entry);
        return versions;
    }

    @Override
    public void close() {
        // Nothing to release; state stays readable, like a registry outliving its clients.
    }

    private Subject existing(String subject) {
        Subject entry = subjects.get(subject);
        if (entry == null) {
            throw new SchemaRegistryException("Subject '" + subject + "' not found.", SchemaRegistryException.SUBJECT_NOT_FOUND, 404);
        }
        return entry;
    }

    private static void requireSubjectName(String subject) {
        if (subject == null || subject.isEmpty()) {
            throw new IllegalArgumentException("subject must not be null or empty");
        }
    }

    @Override
    public synchronized String toString() {
        return "InMemorySchemaRegistryClient{subjects=" + subjects.keySet() + ", ids=" + schemaById.size() + "}";
    }
}
