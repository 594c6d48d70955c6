package io.tradepulse.connect.runner;

import java.nio.file.Path;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * The source offsets file has not been written for too long: every write of it failed (disk full, a directory that
 * became unwritable), which Connect only logs while the worker goes on delivering rows. Thrown by
 * {@link EmbeddedConnect}'s waits, so that a run (a followed one above all, which never ends on its own) stops with
 * the file and the cause named instead of piling up rows a restart sends again.
 */
public final class OffsetsNotSavedException extends ConnectException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public OffsetsNotSavedException(Path file, String message, Throwable cause) {
    super(message, cause);
    this.file = file;
  }

  /** The offsets file ({@code offset.storage.file.filename}) that could not be written. */
  public Path file() {
    return file;
  }
}
