package io.tradepulse.launcher;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Captures every log event (message, and the whole throwable chain with stack traces) of this JVM while
 * open, at the levels given, whatever the launcher's log4j2.xml says; restores the previous levels on close.
 * Used to prove what is and is not logged, e.g. that secrets never are.
 */
final class LogCapture extends AbstractAppender implements AutoCloseable {

    private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private final LoggerContext context;
    private final Map<String, Level> previousLevels = new java.util.HashMap<>();

    private LogCapture(Map<String, Level> levels) {
        super("test-capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        this.context = (LoggerContext) LogManager.getContext(false);
        start();
        Configuration config = context.getConfiguration();
        levels.forEach((name, level) -> {
            LoggerConfig logger = config.getLoggerConfig(name);
            if (!logger.getName().equals(name)) {
                // No logger of that exact name: add one so the level applies to it alone.
                logger = new LoggerConfig(name, level, true);
                config.addLogger(name, logger);
                previousLevels.put(name, null);
            } else {
                previousLevels.put(name, logger.getLevel());
            }
            logger.setLevel(level);
        });
        config.getRootLogger().addAppender(this, Level.ALL, null);
        context.updateLoggers();
    }

    /** Captures at the given levels per logger name ("" is the root logger). */
    static LogCapture start(Map<String, Level> levels) {
        return new LogCapture(levels);
    }

    /** Captures WARN and above (the launcher's default view). */
    static LogCapture warnings() {
        return new LogCapture(Map.of());
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder text = new StringBuilder()
                .append(event.getLevel()).append(' ').append(event.getLoggerName()).append(" - ")
                .append(event.getMessage().getFormattedMessage());
        if (event.getThrown() != null) {
            StringWriter stack = new StringWriter();
            event.getThrown().printStackTrace(new PrintWriter(stack));
            text.append('\n').append(stack);
        }
        events.add(text.toString());
    }

    List<String> events() {
        return new ArrayList<>(events);
    }

    String text() {
        return String.join("\n", events);
    }

    boolean any(Predicate<String> condition) {
        return events.stream().anyMatch(condition);
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        config.getRootLogger().removeAppender(getName());
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
