package io.tradepulse.testsupport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 * Captures every log event of this JVM (message, then the whole throwable chain with stack traces) while open, at
 * the levels given per logger, whatever the log4j2 configuration says; restores the previous levels on close. For
 * proving what is and is not logged (secrets never are), and for failures that a library only logs (Kafka Connect's
 * herder). The appender sits on the root logger, so it sees what every logger passes on: no tradepulse or test
 * configuration turns additivity off.
 */
public final class LogCapture extends AbstractAppender implements AutoCloseable {
    private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private final LoggerContext context;
    private final Map<String, Level> previousLevels = new HashMap<>();

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

    /** Captures at the given levels per logger name ("" is the root logger); other loggers keep theirs. */
    public static LogCapture start(Map<String, Level> levels) {
        return new LogCapture(levels);
    }

    /** Captures what the configuration already lets through (WARN and above under the shipped configurations). */
    public static LogCapture warnings() {
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

    public List<String> events() {
        return new ArrayList<>(events);
    }

    public String text() {
        return String.join("\n", events);
    }

    public boolean any(Predicate<String> condition) {
        return events.stream().anyMatch(condition);
    }

    /** The first event (with its stack trace) that satisfies {@code condition} within {@code timeout}. */
    public Optional<String> await(Predicate<String> condition, Duration timeout) throws InterruptedException {
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
