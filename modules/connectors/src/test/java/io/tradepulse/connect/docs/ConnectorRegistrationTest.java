package io.tradepulse.connect.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.Test;

/**
 * A source connector Connect cannot find is neither documented nor deployable: a new class missing from
 * META-INF/services passed every test (the docs and the validation tests listed the connectors by hand, the
 * launcher's DeployConfigsTest through ServiceLoader, which misses it too). Here the connectors' compiled classes are
 * scanned, so a concrete SourceConnector must be in the services file, and thereby in docs/connectors.md
 * ({@link ConnectorDocGenerator#connectors()}), in ConnectorConfigValidationTest and in DeployConfigsTest.
 */
class ConnectorRegistrationTest {
  @Test
  void shouldRefuseAConcreteSourceConnectorWhenTheServicesFileDoesNotListIt() throws Exception {
    List<String> registered = ConnectorDocGenerator.connectors().stream().map(c -> c.getClass().getName()).toList();

    assertThat(registered)
        .as("every concrete SourceConnector of %s must be listed in src/main/resources/META-INF/services/"
            + "org.apache.kafka.connect.source.SourceConnector (Connect loads only those; the docs and tests list "
            + "the same), a new one last", ConnectorDocGenerator.OWN_PACKAGE)
        .containsExactlyInAnyOrderElementsOf(concreteSourceConnectors());
  }

  @Test
  void shouldRefuseTheDocsWhenARegisteredConnectorHasNoSectionOrTheSectionsAreOutOfTheServicesFilesOrder() {
    List<String> sections = ConnectorDocGenerator.generate().lines().filter(l -> l.startsWith("### "))
        .map(l -> l.substring(4)).toList();

    assertThat(sections).containsExactlyElementsOf(ConnectorDocGenerator.connectors().stream()
        .map(c -> c.getClass().getSimpleName()).toList());
  }

  /** The concrete SourceConnector classes among the connectors' main classes (the classes dir, or the jar). */
  static TreeSet<String> concreteSourceConnectors() throws Exception {
    Path root = Path.of(ConnectorDocGenerator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    TreeSet<String> found = new TreeSet<>();
    if (Files.isDirectory(root)) {
      scan(root, found);
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(URI.create("jar:" + root.toUri()), Map.of())) {
        scan(jar.getPath("/"), found);
      }
    }
    assertThat(found).as("no connector found under %s: the scan is broken", root).isNotEmpty();
    return found;
  }

  private static void scan(Path root, TreeSet<String> found) throws Exception {
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(f -> f.toString().endsWith(".class")).forEach(f -> {
        String relative = root.relativize(f).toString().replace(f.getFileSystem().getSeparator(), ".");
        names.add(relative.substring(0, relative.length() - ".class".length()));
      });
    }
    ClassLoader loader = ConnectorDocGenerator.class.getClassLoader();
    for (String name : names) {
      if (!name.startsWith(ConnectorDocGenerator.OWN_PACKAGE) || name.endsWith("module-info")) {
        continue;
      }
      Class<?> c = Class.forName(name, false, loader);
      if (SourceConnector.class.isAssignableFrom(c) && !c.isInterface() && !c.isAnonymousClass()
          && !Modifier.isAbstract(c.getModifiers())) {
        found.add(name);
      }
    }
  }
}
