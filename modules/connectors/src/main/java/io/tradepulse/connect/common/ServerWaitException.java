package io.tradepulse.connect.common;

import java.time.Instant;
import org.apache.kafka.connect.errors.RetriableException;

/**
 * A call not made (or not made again) because its server asked, with a Retry-After beyond http.backoff.max.ms, not to
 * be called before {@link #callAgainAt()}: thrown instead of waiting by a {@link RetryingFetcher} that puts such waits
 * off ({@link RetryingFetcher.LongWaits#PUT_OFF}, the location tasks'). The caller sets that part of its work aside
 * until then and goes on with the rest: a location task reads several locations, on other servers or local, one at a
 * time on one thread, and a wait of hours for one server would hold up all of them.
 *
 * <p>Retriable: nothing was delivered for the call and no offset moved, so a caller that does not catch it fails the
 * poll as when retries run out, and the worker polls again (the next call is put off again until the time).
 */
public final class ServerWaitException extends RetriableException {
  private static final long serialVersionUID = 1L;

  private final String server;
  private final Instant callAgainAt;

  /**
   * @param server the server (scheme, host and port) that asked
   * @param callAgainAt when it may be called again, as it asked (at most http.retry.after.max.ms away)
   */
  public ServerWaitException(String message, String server, Instant callAgainAt) {
    super(message);
    this.server = server;
    this.callAgainAt = callAgainAt;
  }

  public String server() {
    return server;
  }

  public Instant callAgainAt() {
    return callAgainAt;
  }
}
