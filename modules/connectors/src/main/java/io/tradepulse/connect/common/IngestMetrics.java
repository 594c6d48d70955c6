package io.tradepulse.connect.common;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-task counters: records, dead letters, those of them a transform dropped, skipped rows (country groups etc.),
 * HTTP fetches and retries, the bytes the location sources read from their files and downloads, and the waits for a
 * source's call quota.
 * Registered through Connect's {@link PluginMetrics} (KIP-877, available to tasks since Kafka 4.1), so
 * they appear under the worker's JMX domain with the connector and task tags added by Connect.
 */
public final class IngestMetrics {
  private static final Logger log = LoggerFactory.getLogger(IngestMetrics.class);

  private final AtomicLong records = new AtomicLong();
  private final AtomicLong deadLetters = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  /**
   * Records and dead letters built (so counted in {@link #records} or {@link #deadLetters}) that a transform dropped:
   * the worker acknowledged them with no metadata, they never reached Kafka.
   */
  private final AtomicLong droppedByTransform = new AtomicLong();
  private final AtomicLong fetches = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong payloadBytesRead = new AtomicLong();
  private final AtomicLong quotaWaits = new AtomicLong();
  /**
   * Epoch millis until which the task waits for a source's call quota, or for the time a server's Retry-After asked
   * for beyond http.backoff.max.ms; 0 while it does not.
   */
  private final AtomicLong quotaWaitUntil = new AtomicLong();

  public IngestMetrics() {}

  /** Registers gauges; a null or failing PluginMetrics (older worker, unit tests) only disables them. */
  public void register(PluginMetrics pm) {
    if (pm == null) {
      return;
    }
    try {
      gauge(pm, "records-total", "Trade records emitted.", records);
      gauge(pm, "dead-letters-total", "Bad rows emitted to the dead-letter topic.", deadLetters);
      gauge(pm, "skipped-rows-total", "Rows intentionally not emitted (country groups, quantity rows).", skipped);
      // Counted apart: records-total and dead-letters-total count what the task built, and a record a transform
      // (Filter, ...) dropped was acknowledged like a written one, so the counts added up to more than Kafka got.
      gauge(pm, "dropped-by-transform-total", "Records and dead letters (counted in records-total or "
          + "dead-letters-total) that a transform of the connector (an SMT such as Filter) dropped: acknowledged by "
          + "the worker without being written to Kafka.", droppedByTransform);
      gauge(pm, "fetches-total", "HTTP requests made.", fetches);
      gauge(pm, "retries-total", "HTTP requests retried after 408/425/429/5xx/IO errors.", retries);
      gauge(pm, "payload-bytes-read-total", "Bytes of files and downloaded bodies read by the file, GACC and Comext "
          + "bulk sources, to fingerprint and to parse them; a check of an unchanged location reads none.",
          payloadBytesRead);
      // A task waiting for its quota (Comtrade, hours at a time) delivers nothing and logs one WARN: without these an
      // operator sees a silent task, RUNNING, and cannot tell it from a stuck one.
      gauge(pm, "quota-waits-total", "Waits for the source's call quota to be replenished (Comtrade: HTTP 403 \"Out "
          + "of call volume quota\"), one per refused call.", quotaWaits);
      // One gauge for both long waits: an operator asks "is this silent task waiting, and until when?", whatever
      // the server gave as the reason (a 403 out of quota, a 429/503 with a Retry-After of hours).
      gauge(pm, "quota-wait-until", "While the task waits for the source's call quota, or for the time a server's "
          + "Retry-After asked for beyond http.backoff.max.ms: when it calls again (epoch milliseconds; a file, GACC "
          + "or Comext bulk task, which reads its other locations meanwhile: the earliest time a location put off is "
          + "checked again); 0 when it is not waiting.", quotaWaitUntil);
    } catch (RuntimeException e) {
      log.warn("Plugin metrics unavailable, counters are only logged: {}", e.toString());
    }
  }

  private static void gauge(PluginMetrics pm, String name, String doc, AtomicLong value) {
    MetricName mn = pm.metricName(name, doc, new LinkedHashMap<>());
    pm.addMetric(mn, (Gauge<Long>) (config, now) -> value.get());
  }

  public void record() { records.incrementAndGet(); }
  public void deadLetter() { deadLetters.incrementAndGet(); }
  public void skipped(int n) { skipped.addAndGet(n); }
  /** The worker acknowledged a record without writing it: a transform dropped it. */
  public void recordDroppedByTransform() { droppedByTransform.incrementAndGet(); }
  public void fetch() { fetches.incrementAndGet(); }
  public void retry() { retries.incrementAndGet(); }
  public void payloadBytesRead(long n) { payloadBytesRead.addAndGet(n); }
  /** A wait for the source's call quota begins; it asks again at {@code until}. */
  public void quotaWait(Instant until) {
    quotaWaits.incrementAndGet();
    quotaWaitUntil.set(until.toEpochMilli());
  }
  /**
   * A wait for the time a server's Retry-After asked for, beyond the backoff's maximum, begins; the task calls that
   * server again at {@code until} (a location task: the earliest time one of its locations put off for it is checked
   * again). Not counted as a quota wait: {@code retries-total} counts the retry.
   */
  public void retryAfterWait(Instant until) {
    quotaWaitUntil.set(until.toEpochMilli());
  }
  /** The wait for the quota or a long Retry-After is over (the call is made again, or the task stops). */
  public void quotaWaitOver() { quotaWaitUntil.set(0); }

  public long records() { return records.get(); }
  public long deadLetters() { return deadLetters.get(); }
  public long skipped() { return skipped.get(); }
  public long droppedByTransform() { return droppedByTransform.get(); }
  public long fetches() { return fetches.get(); }
  public long retries() { return retries.get(); }
  public long payloadBytesRead() { return payloadBytesRead.get(); }
  public long quotaWaits() { return quotaWaits.get(); }
  /** Epoch millis; 0 while the task does not wait for its quota or a long Retry-After. */
  public long quotaWaitUntil() { return quotaWaitUntil.get(); }

  public void logSummary(String what) {
    log.info("{}: {} records, {} dead letters, {} of them dropped by a transform (not written), {} skipped rows, {} "
        + "fetches, {} retries", what, records(), deadLetters(), droppedByTransform(), skipped(), fetches(), retries());
  }
}
