package io.tradepulse.connect.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The temporary files the streaming sources write (response bodies, sorted runs). */
public final class TempFiles {
  private static final Logger log = LoggerFactory.getLogger(TempFiles.class);

  private TempFiles() {
  }

  /**
   * Deletes {@code file} if it exists; a failure is logged, not thrown: it runs on close and failure paths, where
   * throwing would hide the original error, and a file left behind costs disk, not data.
   */
  public static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Cannot delete the temporary file {}", file, e);
    }
  }
}
