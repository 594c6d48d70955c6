package io.tradepulse.connect.common;

import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * A task that stops, instead of waiting, because the source's call quota is used up (Comtrade with
 * comtrade.quota.exhausted=FAIL). Not retriable: Connect fails the task, after its final offset commit of every record
 * delivered, so a restart once the quota is back resumes with the refused call. An in-process runner tells it from
 * other failures by its class name, first on the failed task's trace (see EmbeddedConnect), to say when to run again.
 */
public final class OutOfQuotaException extends ConnectException {
  private static final long serialVersionUID = 1L;

  /** When the quota is back (and a margin), empty when the source's answer gives no time that can be read. */
  private final transient Optional<Instant> askAgainAt;

  public OutOfQuotaException(String message, Optional<Instant> askAgainAt) {
    super(message);
    this.askAgainAt = askAgainAt;
  }

  public Optional<Instant> askAgainAt() {
    return askAgainAt;
  }
}
