package io.tradepulse.connect.common;

import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * A task that stops, instead of waiting, because a server asked (its Retry-After, or a 429 body's "Try again in N
 * seconds") not to be called again for longer than http.backoff.max.ms, with http.retry.after.long=FAIL. Not
 * retriable: Connect fails the task, after its final offset commit of every record delivered, so a restart after
 * {@link #callAgainAt()} resumes with the call the server refused. An in-process runner tells it from other failures
 * by its class name, first on the failed task's trace (see EmbeddedConnect), to say when to run again.
 *
 * <p>Not an {@link OutOfQuotaException}: a Retry-After is as often a 503 maintenance window as a rate limit, and it
 * comes from any source and server, so a message, an alert or a runner that takes that class for "the subscription's
 * call quota is used up" (and answers it with comtrade.quota.exhausted) would be wrong about it.
 */
public final class LongRetryAfterException extends ConnectException {
  private static final long serialVersionUID = 1L;

  private final String server;
  private final Duration asked;
  private final Instant callAgainAt;

  /**
   * @param server the server (scheme, host and port) that asked
   * @param asked the wait it asked for
   * @param callAgainAt when it may be called again: the time it asked for, at most http.retry.after.max.ms away
   */
  public LongRetryAfterException(String message, String server, Duration asked, Instant callAgainAt) {
    super(message);
    this.server = server;
    this.asked = asked;
    this.callAgainAt = callAgainAt;
  }

  public String server() {
    return server;
  }

  public Duration asked() {
    return asked;
  }

  public Instant callAgainAt() {
    return callAgainAt;
  }
}
