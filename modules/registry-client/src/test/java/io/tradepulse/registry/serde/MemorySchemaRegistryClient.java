package io.tradepulse.registry.serde;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;

import io.tradepulse.registry.SchemaMetadata;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryException;

/**
 * Minimal in-memory registry for the serde tests and the throughput harness of this module (the full
 * {@code InMemorySchemaRegistryClient} lives in tradepulse-test-support, which depends on this module).
 * Schemas handed out by {@link #getById} are parsed from their text, as a real registry's are, so they
 * are equal to but never the same instance as a generated class's schema. No compatibility checks.
 */
final class MemorySchemaRegistryClient implements SchemaRegistryClient {

    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final List<String> texts = new ArrayList<>();
    private final Map<String, List<Integer>> subjects = new LinkedHashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        String text = schema.toString();
        Integer id = ids.get(text);
        if (id == null) {
            texts.add(text);
            id = texts.size();
            ids.put(text, id);
        }
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    @Override
    public synchronized int getId(String subject, Schema schema) {
        Integer id = ids.get(schema.toString());
        if (id == null || !subjects.getOrDefault(subject, List.of()).contains(id)) {
            throw new SchemaRegistryException("Schema not found", SchemaRegistryException.SCHEMA_NOT_FOUND, 404);
        }
        return id;
    }

    @Override
    public synchronized int getVersion(String subject, Schema schema) {
        return subjects.get(subject).indexOf(getId(subject, schema)) + 1;
    }

    @Override
    public synchronized Schema getById(int id) {
        if (id < 1 || id > texts.size()) {
            throw new SchemaRegistryException("Schema " + id + " not found", SchemaRegistryException.SCHEMA_NOT_FOUND, 404);
        }
        return new Schema.Parser().parse(texts.get(id - 1));
    }

    @Override
    public synchronized SchemaMetadata getLatestSchemaMetadata(String subject) {
        List<Integer> versions = subjects.get(subject);
        return getSchemaMetadata(subject, versions.size());
    }

    @Override
    public synchronized SchemaMetadata getSchemaMetadata(String subject, int version) {
        int id = subjects.get(subject).get(version - 1);
        return new SchemaMetadata(id, version, subject, getById(id));
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        return true;
    }

    @Override
    public String getCompatibility(String subjectOrNull) {
        return "NONE";
    }

    @Override
    public void updateCompatibility(String subjectOrNull, String level) {
    }

    @Override
    public synchronized List<String> getAllSubjects() {
        return List.copyOf(subjects.keySet());
    }

    @Override
    public synchronized List<Integer> getAllVersions(String subject) {
        List<Integer> result = new ArrayList<>();
        for (int i = 1; i <= subjects.getOrDefault(subject, List.of()).size(); i++) {
            result.add(i);
        }
        return result;
    }

    @Override
    public synchronized List<Integer> deleteSubject(String subject) {
        List<Integer> versions = getAllVersions(subject);
        subjects.remove(subject);
        return versions;
    }

    @Override
    public void close() {
    }
}
