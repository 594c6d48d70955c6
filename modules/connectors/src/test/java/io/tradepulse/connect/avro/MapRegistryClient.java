package io.tradepulse.connect.avro;

import io.tradepulse.registry.SchemaMetadata;
import io.tradepulse.registry.SchemaRegistryClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/** Minimal in-memory registry for the converter's unit tests (ids global, versions per subject). */
final class MapRegistryClient implements SchemaRegistryClient {
  final Map<Integer, Schema> byId = new LinkedHashMap<>();
  final Map<String, List<Integer>> subjects = new LinkedHashMap<>();

  @Override
  public synchronized int register(String subject, Schema schema) {
    Integer existing = idOf(schema);
    int id = existing != null ? existing : byId.size() + 1;
    byId.put(id, schema);
    List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
    if (!versions.contains(id)) {
      versions.add(id);
    }
    return id;
  }

  private Integer idOf(Schema schema) {
    return byId.entrySet().stream().filter(e -> e.getValue().equals(schema)).map(Map.Entry::getKey).findFirst().orElse(null);
  }

  @Override
  public int getId(String subject, Schema schema) {
    return idOf(schema);
  }

  @Override
  public int getVersion(String subject, Schema schema) {
    return subjects.get(subject).indexOf(idOf(schema)) + 1;
  }

  @Override
  public Schema getById(int id) {
    return byId.get(id);
  }

  @Override
  public SchemaMetadata getLatestSchemaMetadata(String subject) {
    List<Integer> v = subjects.get(subject);
    int id = v.get(v.size() - 1);
    return new SchemaMetadata(id, v.size(), subject, byId.get(id));
  }

  @Override
  public SchemaMetadata getSchemaMetadata(String subject, int version) {
    int id = subjects.get(subject).get(version - 1);
    return new SchemaMetadata(id, version, subject, byId.get(id));
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    return true;
  }

  @Override
  public String getCompatibility(String subject) {
    return "BACKWARD";
  }

  @Override
  public void updateCompatibility(String subject, String level) {}

  @Override
  public List<String> getAllSubjects() {
    return new ArrayList<>(subjects.keySet());
  }

  @Override
  public List<Integer> getAllVersions(String subject) {
    List<Integer> out = new ArrayList<>();
    for (int i = 1; i <= subjects.get(subject).size(); i++) {
      out.add(i);
    }
    return out;
  }

  @Override
  public List<Integer> deleteSubject(String subject) {
    return subjects.remove(subject);
  }

  @Override
  public void close() {}
}
