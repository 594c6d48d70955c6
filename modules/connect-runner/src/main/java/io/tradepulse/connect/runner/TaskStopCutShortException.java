package io.tradepulse.connect.runner;

import org.apache.kafka.connect.errors.ConnectException;

/**
 * A task did not stop within {@code task.shutdown.graceful.timeout.ms}: the worker cancelled it and skipped its final
 * offset commit, which Connect only logs. Not a failed write of the offsets file (that is the file's own exception): the
 * file holds the resume point of the last periodic flush, and the rows delivered since may be sent again. Reported by
 * {@link EmbeddedConnect#offsetsNotSaved()} after {@link EmbeddedConnect#close()}, so a caller can say which it was.
 */
public final class TaskStopCutShortException extends ConnectException {
  private static final long serialVersionUID = 1L;

  public TaskStopCutShortException(String message) {
    super(message);
  }
}
