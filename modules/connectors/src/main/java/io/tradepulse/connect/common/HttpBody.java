package io.tradepulse.connect.common;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.connect.errors.RetriableException;

/**
 * The body of one HTTP response in a temporary file under {@code java.io.tmpdir}, so a response of any size costs
 * no heap: it is read as a stream ({@link Payload}), once for its digest and again to parse it lazily. The file is
 * deleted by {@link #close()}, which the owner calls once the body is read, not needed, or the task stops.
 */
public final class HttpBody implements Payload, Closeable {

  private final Path file;
  private final int status;
  private final long size;
  private final HttpValidators validators;

  private HttpBody(Path file, int status, long size, HttpValidators validators) {
    this.file = file;
    this.status = status;
    this.size = size;
    this.validators = validators;
  }

  /**
   * One request, retried like {@link RetryingFetcher#fetchToFile}, its body written to a new temporary file named
   * {@code tradepulse-<source>-*.download}.
   *
   * @param logUri the URI without secrets, for logs and exceptions
   * @throws RetriableException when the temporary file cannot be written or read back
   */
  public static HttpBody fetch(RetryingFetcher fetcher, URI uri, Map<String, String> headers, String logUri,
      String source) throws InterruptedException {
    return fetch(fetcher, uri, headers, logUri, source, RetryingFetcher.BodyCheck.NONE);
  }

  /**
   * As {@link #fetch(RetryingFetcher, URI, Map, String, String)}, each 200 checked by {@code complete}: a body it finds
   * cut short is fetched again ({@link RetryingFetcher#fetchToFile(URI, Map, String, Path,
   * RetryingFetcher.BodyCheck)}), never handed to the caller.
   */
  public static HttpBody fetch(RetryingFetcher fetcher, URI uri, Map<String, String> headers, String logUri,
      String source, RetryingFetcher.BodyCheck complete) throws InterruptedException {
    Path tmp;
    try {
      tmp = Files.createTempFile("tradepulse-" + source + "-", ".download");
    } catch (IOException e) {
      throw new RetriableException("Cannot create a temporary file for " + logUri, e);
    }
    boolean ok = false;
    try {
      HttpPage page = fetcher.fetchToFile(uri, headers, logUri, tmp, complete);
      HttpBody body = new HttpBody(tmp, page.status(), Files.size(tmp), page.validators());
      ok = true;
      return body;
    } catch (IOException e) {
      throw new RetriableException("Cannot read the download of " + logUri, e);
    } finally {
      if (!ok) { // failed, given up or interrupted: nobody else would delete it
        TempFiles.deleteQuietly(tmp);
      }
    }
  }

  public int status() {
    return status;
  }

  /** The response's ETag / Last-Modified, for a conditional request later ({@link HttpValidators}). */
  public HttpValidators validators() {
    return validators;
  }

  /** HTTP 204, or 200 with an empty body: the source has nothing (yet), as {@link HttpPage#isNoData()}. */
  public boolean isNoData() {
    return status == 204 || (status == 200 && size == 0);
  }

  /** The first {@code maxBytes} bytes as text (decoded as UTF-8), for an error message quoting the body. */
  public String head(int maxBytes) throws IOException {
    try (InputStream in = open()) {
      return new String(in.readNBytes(maxBytes), StandardCharsets.UTF_8);
    }
  }

  /** {@link Digests#of(InputStream)} of the body: the same as {@link Digests#of(byte[])} of its bytes. */
  public String digest() throws IOException {
    try (InputStream in = open()) {
      return Digests.of(in);
    }
  }

  @Override
  public InputStream open() throws IOException {
    return Files.newInputStream(file);
  }

  /** Deletes the file; idempotent. */
  @Override
  public void close() {
    TempFiles.deleteQuietly(file);
  }

}
