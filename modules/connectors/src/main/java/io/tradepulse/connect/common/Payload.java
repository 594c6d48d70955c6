package io.tradepulse.connect.common;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A whole document (a file, a downloaded body) that a parser reads as a stream and may open again: a
 * streaming parser normally reads it once, and re-opens it only for a dead letter about the whole payload
 * ({@link BadRow#wholePayload(String, String, String, String, Payload)}).
 */
@FunctionalInterface
public interface Payload {
  /** @return a new stream over the payload from its first byte; the caller closes it */
  InputStream open() throws IOException;

  static Payload of(byte[] bytes) {
    return () -> new ByteArrayInputStream(bytes);
  }

  static Payload of(Path file) {
    return () -> Files.newInputStream(file);
  }
}
