package io.tradepulse.connect.runner;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * A connector or one of its tasks FAILED while {@link EmbeddedConnect} waited for it. The worker keeps only the
 * stack trace of what was thrown (a string: the exception itself is gone), so what a caller needs to tell one failure
 * from another, the class and message of that exception, is read from the trace's first lines ({@link #thrown()},
 * {@link #reason()}). The message is the worker's whole trace, as before, for a bug report.
 */
public final class ConnectorFailedException extends ConnectException {
  private static final long serialVersionUID = 1L;
  /** {@code fully.qualified.Name: message} or {@code fully.qualified.Name}, as Throwable.toString() writes it. */
  private static final Pattern HEAD = Pattern.compile("([\\w$]+(?:\\.[\\w$]+)+)(?::\\s?(.*))?", Pattern.DOTALL);

  private final String connector;
  private final String thrown;
  private final String reason;

  /**
   * @param connector the connector's name
   * @param task the task's id, or null when the connector itself failed
   * @param trace the trace the worker recorded (may be null)
   */
  ConnectorFailedException(String connector, Integer task, String trace) {
    super((task == null ? "Connector " + connector : "Task " + task + " of " + connector) + " failed: " + trace);
    this.connector = connector;
    String head = head(trace);
    Matcher m = HEAD.matcher(head);
    if (m.matches()) {
      this.thrown = m.group(1);
      this.reason = m.group(2) == null ? "" : m.group(2).strip();
    } else {
      this.thrown = "";
      this.reason = head;
    }
  }

  /** What precedes the first stack frame: the exception's toString(), its message on several lines included. */
  private static String head(String trace) {
    if (trace == null) {
      return "";
    }
    int frame = trace.indexOf("\n\tat ");
    return (frame < 0 ? trace : trace.substring(0, frame)).strip();
  }

  public String connector() {
    return connector;
  }

  /** The class name of the exception the connector or task threw; empty when the trace does not say. */
  public String thrown() {
    return thrown;
  }

  /** Whether what the connector or task threw was a {@code type} (by its exact class). */
  public boolean threw(Class<? extends Throwable> type) {
    return type.getName().equals(thrown);
  }

  /** The message of the exception the connector or task threw, without its stack. */
  public String reason() {
    return reason;
  }
}
