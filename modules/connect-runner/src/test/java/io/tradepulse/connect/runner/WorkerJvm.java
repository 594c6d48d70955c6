package io.tradepulse.connect.runner;

import io.tradepulse.testsupport.ChildJvm;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Kafka Connect worker in a child JVM, started from one of Kafka's own mains ({@code ConnectStandalone},
 * {@code ConnectDistributed}) the way a Kafka distribution starts it: the plugin comes from its packaged directory
 * (unpacked by the build into target/connect-plugins, failsafe's {@code tradepulse.connect.plugin.path}) and the class
 * path holds Kafka Connect and its dependencies only. The child's output goes to a log file.
 */
final class WorkerJvm {
  private WorkerJvm() {
  }

  /** The {@code plugin.path} of a child worker: the directory that holds the unpacked plugin. */
  static Path pluginPath() {
    return Path.of(System.getProperty("tradepulse.connect.plugin.path", "target/connect-plugins")).toAbsolutePath();
  }

  /**
   * Starts {@code mainClass} with {@code args} in a child JVM on {@link #workerClassPath()}; stdout and stderr go to
   * {@code log}, Kafka Connect's and our loggers at INFO, the others at WARN.
   */
  static Process start(Path log, String mainClass, String... args) throws Exception {
    Path logConfig = Files.writeString(log.resolveSibling(log.getFileName() + ".log4j2.properties"), String.join("\n",
        "rootLogger.level = WARN",
        "rootLogger.appenderRef.out.ref = out",
        "appender.out.type = Console",
        "appender.out.name = out",
        "appender.out.layout.type = PatternLayout",
        "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n",
        "logger.connect.name = org.apache.kafka.connect",
        "logger.connect.level = INFO",
        "logger.tradepulse.name = io.tradepulse",
        "logger.tradepulse.level = INFO") + "\n");
    List<String> command = new ArrayList<>(List.of(ChildJvm.java(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dlog4j2.configurationFile=" + logConfig,
        "-cp", workerClassPath(), mainClass));
    command.addAll(Arrays.asList(args));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /**
   * This JVM's class path minus everything of ours and everything the plugin ships (except Jackson, which
   * connect-json needs) and test-only libraries: what a Kafka distribution's libs/ would give a worker.
   */
  static String workerClassPath() throws IOException {
    Path lib = pluginPath().resolve("tradepulse-connectors/lib");
    Set<String> shipped;
    try (Stream<Path> s = Files.list(lib)) {
      shipped = s.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith("jackson-")).collect(Collectors.toSet());
    }
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.contains("tradepulse") && !e.endsWith("classes"))
        .filter(e -> !shipped.contains(Path.of(e).getFileName().toString()))
        .filter(e -> !e.matches(".*(junit|assertj|wiremock|opentest4j|apiguardian|surefire|failsafe).*"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** The last 40 lines of a child's log, for assertion messages. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}
