package io.tradepulse.connect.runner;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Captures the log events of the named loggers while open (message, then the whole throwable chain with stack
 * traces), at the level given per logger, whatever log4j2-test.xml says; restores the previous set-up on close. For
 * failures that Kafka Connect only logs. (The same idea as the launcher module's test LogCapture.)
 */
final class LogCapture extends AbstractAppender implements AutoCloseable {
  private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
  private final LoggerContext context;
  private final Map<String, Level> levels;
  private final Map<String, Level> previousLevels = new java.util.HashMap<>();

  private LogCapture(Map<String, Level> levels) {
    super("connect-test-capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
    this.context = (LoggerContext) LogManager.getContext(false);
    this.levels = Map.copyOf(levels);
    start();
    Configuration config = context.getConfiguration();
    levels.forEach((name, level) -> {
      LoggerConfig logger = config.getLoggerConfig(name);
      if (!logger.getName().equals(name)) {
        logger = new LoggerConfig(name, level, true);
        config.addLogger(name, logger);
        previousLevels.put(name, null);
      } else {
        previousLevels.put(name, logger.getLevel());
      }
      logger.setLevel(level);
      logger.addAppender(this, level, null);
    });
    context.updateLoggers();
  }

  /** Captures each named logger's events at or above its level. */
  static LogCapture of(Map<String, Level> levels) {
    return new LogCapture(levels);
  }

  @Override
  public void append(LogEvent event) {
    StringBuilder text = new StringBuilder().append(event.getLevel()).append(' ').append(event.getLoggerName())
        .append(" - ").append(event.getMessage().getFormattedMessage());
    if (event.getThrown() != null) {
      StringWriter stack = new StringWriter();
      event.getThrown().printStackTrace(new PrintWriter(stack));
      text.append('\n').append(stack);
    }
    events.add(text.toString());
  }

  /** The first event (with its stack trace) that satisfies {@code condition} within {@code timeout}. */
  Optional<String> await(Predicate<String> condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      Optional<String> hit = events.stream().filter(condition).findFirst();
      if (hit.isPresent()) {
        return hit;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    return Optional.empty();
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    levels.keySet().forEach(name -> config.getLoggerConfig(name).removeAppender(getName()));
    previousLevels.forEach((name, level) -> {
      if (level == null) {
        config.removeLogger(name);
      } else {
        config.getLoggerConfig(name).setLevel(level);
      }
    });
    context.updateLoggers();
    stop();
  }
}
