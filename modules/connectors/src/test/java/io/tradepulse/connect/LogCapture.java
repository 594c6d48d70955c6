package io.tradepulse.connect;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects the WARN and ERROR messages logged while it is open, or those of a lower level too (the tests' logging is
 * log4j2, whose configuration logs io.tradepulse from INFO).
 */
public final class LogCapture implements AutoCloseable {
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final AbstractAppender appender = new AbstractAppender("capture-" + System.nanoTime(), null, null, true,
      Property.EMPTY_ARRAY) {
    @Override
    public void append(LogEvent event) {
      warnings.add(event.getMessage().getFormattedMessage());
    }
  };

  public LogCapture() {
    this(Level.WARN);
  }

  /** Collects the messages of {@code least} and above (that the logging configuration passes on). */
  public LogCapture(Level least) {
    appender.start();
    LoggerConfig root = context.getConfiguration().getRootLogger();
    root.addAppender(appender, least, null);
    context.updateLoggers();
  }

  /** The formatted messages so far: WARN and ERROR, or down to the level given. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  @Override
  public void close() {
    context.getConfiguration().getRootLogger().removeAppender(appender.getName());
    context.updateLoggers();
    appender.stop();
  }
}
