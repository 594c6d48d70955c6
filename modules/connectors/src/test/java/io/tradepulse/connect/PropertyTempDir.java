package io.tradepulse.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A flat temporary directory for a jqwik property class, which cannot take JUnit's {@code @TempDir}: made before the
 * container's tries, removed with the files the tries wrote after them.
 */
public final class PropertyTempDir {
  private PropertyTempDir() {}

  public static Path create(String prefix) throws IOException {
    return Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), prefix);
  }

  public static void delete(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }
}
