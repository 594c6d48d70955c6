package io.tradepulse.connect.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings every tradepulse source connector shares. Parsing through {@link AbstractConfig} makes a bad
 * value fail at start with a ConfigException naming the key and the allowed values.
 */
public abstract class TradeSourceConfig extends AbstractConfig {
  public static final String GROUP_COMMON = "Common";

  public static final String TOPIC_CONFIG = "topic";
  public static final String TOPIC_DOC = "Topic the TradeRecords (key SeriesKey) are written to.";
  public static final String TOPIC_DEFAULT = "trade.records";

  public static final String DLQ_TOPIC_CONFIG = "dlq.topic";
  public static final String DLQ_TOPIC_DOC = "Topic for DeadLetter records (stage INGEST) of rows that could not be read: "
      + "malformed payloads, wrong headers, non-numeric or suppressed values, unknown codes. Connect's own "
      + "dead-letter queue only exists for sink connectors, so the task writes these itself.";
  public static final String DLQ_TOPIC_DEFAULT = "trade.dlq";

  public static final String BATCH_MAX_CONFIG = "batch.max.records";
  public static final String BATCH_MAX_DOC = "Maximum records returned by one poll().";
  public static final int BATCH_MAX_DEFAULT = 2000;

  public static final String POLL_INTERVAL_CONFIG = "poll.interval.ms";
  public static final String POLL_INTERVAL_DOC = "How long the task waits before asking the source again once it has "
      + "nothing new (an unpublished month, a finished file).";
  public static final long POLL_INTERVAL_DEFAULT = 3_600_000L;

  public static final String HTTP_TIMEOUT_CONFIG = "http.timeout.ms";
  public static final String HTTP_TIMEOUT_DOC = "Connect and request timeout of one HTTP call (until the response "
      + "headers), and the longest its body may then send nothing: a stalled body is aborted and retried like an I/O "
      + "error. A download that keeps coming (http.body.min.bytes.per.second) may take longer.";
  public static final long HTTP_TIMEOUT_DEFAULT = 60_000L;

  public static final String HTTP_BODY_MIN_RATE_CONFIG = "http.body.min.bytes.per.second";
  public static final String HTTP_BODY_MIN_RATE_DOC = "Least average rate, in bytes per second, of a response body "
      + "over every http.timeout.ms of it after the first: a body that comes slower (a server dribbling a few bytes at "
      + "a time, never silent for http.timeout.ms) is aborted and retried like an I/O error. There is no bound on a "
      + "whole download: one that keeps above this rate is not cut however long it takes (so a body of N bytes may "
      + "take up to about N / this seconds; poll() returns meanwhile). 0 bounds only the silence.";
  public static final long HTTP_BODY_MIN_RATE_DEFAULT = 1_024L;

  public static final String HTTP_MAX_RETRIES_CONFIG = "http.max.retries";
  public static final String HTTP_MAX_RETRIES_DOC = "Retries of a call answered 408/425/429/5xx or failing with an I/O "
      + "error before poll() gives up with a RetriableException (the worker polls again later; no offset moves).";
  public static final int HTTP_MAX_RETRIES_DEFAULT = 5;

  public static final String HTTP_BACKOFF_INITIAL_CONFIG = "http.backoff.initial.ms";
  public static final String HTTP_BACKOFF_INITIAL_DOC = "First retry delay; doubles per retry. A Retry-After header "
      + "(seconds or an HTTP-date) wins, up to http.retry.after.max.ms.";
  public static final long HTTP_BACKOFF_INITIAL_DEFAULT = 1_000L;

  public static final String HTTP_BACKOFF_MAX_CONFIG = "http.backoff.max.ms";
  public static final String HTTP_BACKOFF_MAX_DOC = "Upper bound of one retry delay of the exponential backoff. A "
      + "Retry-After longer than this is honoured all the same (see http.retry.after.max.ms).";
  public static final long HTTP_BACKOFF_MAX_DEFAULT = 60_000L;

  public static final String HTTP_RETRY_AFTER_MAX_CONFIG = "http.retry.after.max.ms";
  public static final String HTTP_RETRY_AFTER_MAX_DOC = "Longest wait a server's Retry-After (or a 429's \"Try again in "
      + "N seconds\") is honoured for; one further away is taken as this, with a WARN naming the server's value. A "
      + "wait up to http.backoff.max.ms is waited like a backoff; a longer one (a maintenance window, a used-up quota) "
      + "is remembered for that server (scheme, host and port): the task calls it again only at that time, across "
      + "retries and polls, even after poll() gave up with a RetriableException, and does nothing else meanwhile "
      + "(poll() still returns within 0.5 s, stop() ends the wait). It is kept in memory only: a restarted task calls "
      + "once, and that answer says how long is left. The default, a day, covers the longest waits public APIs ask "
      + "for (daily quotas, maintenance windows); a wait further away is more likely a wrong date or clock than a "
      + "real request, and asking again after a day costs one call.";
  public static final long HTTP_RETRY_AFTER_MAX_DEFAULT = 86_400_000L;
  /** A week: a task that may stay silent longer than that is one to stop, not to configure. */
  static final long HTTP_RETRY_AFTER_MAX_LIMIT = 604_800_000L;

  public static final String HTTP_RETRY_AFTER_LONG_CONFIG = "http.retry.after.long";
  public static final String HTTP_RETRY_AFTER_LONG_DOC = "What the task does when a server asks (Retry-After, or a "
      + "429's \"Try again in N seconds\") not to be called again for longer than http.backoff.max.ms. WAIT: waits "
      + "until then (see http.retry.after.max.ms): for a connector that runs on. FAIL: the task fails at once (a "
      + "file, GACC or Comext bulk task once its other locations are read), naming "
      + "the server, its Retry-After and when it may be called again; nothing is skipped and the offsets keep every "
      + "record delivered, so a restart after then resumes with the refused call. A shorter wait is retried as usual "
      + "either way. tradepulse ingest sets FAIL for a one-shot run (not --follow) unless this key is given.";
  public static final String HTTP_RETRY_AFTER_LONG_DEFAULT = "WAIT";

  /** {@link #HTTP_RETRY_AFTER_LONG_CONFIG}. */
  public enum LongRetryAfter { WAIT, FAIL }

  public static final String HTTP_MIN_INTERVAL_CONFIG = "http.min.interval.ms";
  public static final String HTTP_MIN_INTERVAL_DOC = "Minimum time between two calls of one task (quota-friendly "
      + "throttle; Comtrade allows ~500 calls a day).";
  public static final long HTTP_MIN_INTERVAL_DEFAULT = 0L;

  /**
   * Kafka Connect's own key (ConnectorConfig.ERRORS_TOLERANCE_CONFIG; the runtime is no dependency of the plugin): what
   * the worker does with a record it cannot transform, convert or write. Not one of this connector's settings, but
   * {@link #COMMON_RULES} refuses {@value #ERRORS_TOLERANCE_ALL}.
   */
  public static final String ERRORS_TOLERANCE_CONFIG = "errors.tolerance";
  /** The {@link #ERRORS_TOLERANCE_CONFIG} value refused. */
  static final String ERRORS_TOLERANCE_ALL = "all";
  /** The {@link #ERRORS_TOLERANCE_CONFIG} value allowed, Connect's default. */
  static final String ERRORS_TOLERANCE_NONE = "none";
  static final String ERRORS_TOLERANCE_REASON = "must be " + ERRORS_TOLERANCE_NONE + " (the default) for a tradepulse "
      + "source connector: with " + ERRORS_TOLERANCE_ALL + " the worker drops a record it cannot convert or write (a "
      + "schema the registry refuses, a record the broker rejects) and commits its source offset, so the row is lost "
      + "with no dead letter and the source still counts as read; this connector dead-letters the rows it cannot read "
      + "itself (" + DLQ_TOPIC_CONFIG + ")";

  /**
   * Rules every connector shares. The records topic and the dead-letter topic must differ: dead letters on the records
   * topic are no TradeRecords, so the processor dead-letters each of them again, and the launcher created the one
   * topic with the records' settings and listed it twice. Connect's errors.tolerance must not be all: the worker then
   * drops a record it cannot convert or write (a schema the registry refuses) and commits its offset, then calls
   * commitRecord(record, null) as for a record a transform filtered, so tradepulse ingest reported the source complete
   * while the row was on neither topic. Read as Connect reads it: trimmed (ConfigDef's STRING), in any case
   * (ConnectorConfig.errorToleranceType); any other value is Connect's to refuse.
   */
  public static final List<CrossKeyRules.Rule> COMMON_RULES = List.of(new CrossKeyRules.Rule(
      List.of(TOPIC_CONFIG, DLQ_TOPIC_CONFIG), v -> String.valueOf(v.get(TOPIC_CONFIG)).equals(
          String.valueOf(v.get(DLQ_TOPIC_CONFIG)))
          ? Optional.of(CrossKeyRules.Problem.of(DLQ_TOPIC_CONFIG, v.get(DLQ_TOPIC_CONFIG),
              "is the records topic (" + TOPIC_CONFIG + "); dead letters need a topic of their own"))
          : Optional.empty()),
      new CrossKeyRules.Rule(List.of(), v -> v.get(ERRORS_TOLERANCE_CONFIG) != null
          && v.get(ERRORS_TOLERANCE_CONFIG).toString().trim().equalsIgnoreCase(ERRORS_TOLERANCE_ALL)
          ? Optional.of(CrossKeyRules.Problem.of(ERRORS_TOLERANCE_CONFIG, v.get(ERRORS_TOLERANCE_CONFIG),
              ERRORS_TOLERANCE_REASON))
          : Optional.empty()));

  /** A configuration without rules across keys of its own: only {@link #COMMON_RULES} are checked. */
  protected TradeSourceConfig(ConfigDef def, Map<?, ?> props) {
    this(def, props, List.of());
  }

  /**
   * Parses {@code props} and checks {@link #COMMON_RULES}, then the connector's {@code own} rules across keys, failing
   * with one ConfigException naming every problem they find ({@link CrossKeyRules#check}). Checked together here: a
   * subclass checking its own after this constructor had checked the common ones reported only the common problem
   * of settings with both, and the other one at the next start. The rules see the keys {@code def} does not define
   * (Connect's) as given ({@link CrossKeyRules#withUndefined}), as in validate.
   */
  protected TradeSourceConfig(ConfigDef def, Map<?, ?> props, List<CrossKeyRules.Rule> own) {
    super(def, props);
    List<CrossKeyRules.Rule> rules = new ArrayList<>(COMMON_RULES);
    rules.addAll(own);
    CrossKeyRules.check(rules, CrossKeyRules.withUndefined(values(), originals(), def.names()));
  }

  /** A connector's own rules across keys, then those every connector shares ({@link #COMMON_RULES}). */
  public static List<CrossKeyRules.Rule> withCommonRules(List<CrossKeyRules.Rule> own) {
    List<CrossKeyRules.Rule> all = new ArrayList<>(own);
    all.addAll(COMMON_RULES);
    return List.copyOf(all);
  }

  /**
   * Rejects a list that names an entry twice. A reporter, file or filter listed twice would be two source partitions
   * with the same offsets, run by two tasks at once (every record twice), or the same filter asked twice.
   */
  public static void requireDistinct(String name, Object value) {
    Set<Object> seen = new HashSet<>();
    for (Object v : (List<?>) value) {
      if (!seen.add(v)) {
        throw new ConfigException(name, value, "lists '" + v + "' twice; each entry must appear once");
      }
    }
  }

  /**
   * The validator of a list whose entries are partitions or fixed values ({@code file.paths}, {@code *.flows}): not
   * empty, no empty entry, each entry one of {@code allowed} when given, and each once ({@link #requireDistinct},
   * naming the entry). Kafka's ValidList refused a duplicate in Connect's validate, which the worker, the standalone
   * herder and tradepulse ingest run before a start, with "values must not be duplicated", naming no entry; only a
   * start without it removed the duplicate, with a WARN. Its Valid Values in the docs stay as ValidList's.
   *
   * @param allowed the values an entry may be; none for any non-empty value
   */
  public static ConfigDef.Validator distinctList(String... allowed) {
    ConfigDef.ValidString in = allowed.length == 0 ? null : ConfigDef.ValidString.in(allowed);
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        if (!(value instanceof List<?> list) || list.isEmpty()) {
          throw new ConfigException(name, value, "must name at least one entry" + (in == null ? "" : " of " + in));
        }
        for (Object v : list) {
          if (in != null) {
            in.ensureValid(name, v);
          } else if (v == null || v.toString().isBlank()) {
            throw new ConfigException(name, value, "has an empty entry");
          }
        }
        requireDistinct(name, value);
      }

      @Override
      public String toString() {
        return in == null ? "" : in.toString();
      }
    };
  }

  public static ConfigDef commonDef(ConfigDef def) {
    int o = 0;
    return def
        .define(TOPIC_CONFIG, Type.STRING, TOPIC_DEFAULT, new ConfigDef.NonEmptyString(), Importance.HIGH, TOPIC_DOC,
            GROUP_COMMON, ++o, ConfigDef.Width.MEDIUM, TOPIC_CONFIG)
        .define(DLQ_TOPIC_CONFIG, Type.STRING, DLQ_TOPIC_DEFAULT, new ConfigDef.NonEmptyString(), Importance.HIGH,
            DLQ_TOPIC_DOC, GROUP_COMMON, ++o, ConfigDef.Width.MEDIUM, DLQ_TOPIC_CONFIG)
        .define(BATCH_MAX_CONFIG, Type.INT, BATCH_MAX_DEFAULT, Range.between(1, 1_000_000), Importance.LOW,
            BATCH_MAX_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, BATCH_MAX_CONFIG)
        .define(POLL_INTERVAL_CONFIG, Type.LONG, POLL_INTERVAL_DEFAULT, Range.atLeast(10), Importance.MEDIUM,
            POLL_INTERVAL_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, POLL_INTERVAL_CONFIG)
        .define(HTTP_TIMEOUT_CONFIG, Type.LONG, HTTP_TIMEOUT_DEFAULT, Range.atLeast(100), Importance.LOW,
            HTTP_TIMEOUT_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, HTTP_TIMEOUT_CONFIG)
        .define(HTTP_BODY_MIN_RATE_CONFIG, Type.LONG, HTTP_BODY_MIN_RATE_DEFAULT, Range.atLeast(0), Importance.LOW,
            HTTP_BODY_MIN_RATE_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, HTTP_BODY_MIN_RATE_CONFIG)
        .define(HTTP_MAX_RETRIES_CONFIG, Type.INT, HTTP_MAX_RETRIES_DEFAULT, Range.between(0, 100), Importance.LOW,
            HTTP_MAX_RETRIES_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, HTTP_MAX_RETRIES_CONFIG)
        .define(HTTP_BACKOFF_INITIAL_CONFIG, Type.LONG, HTTP_BACKOFF_INITIAL_DEFAULT, Range.atLeast(0), Importance.LOW,
            HTTP_BACKOFF_INITIAL_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, HTTP_BACKOFF_INITIAL_CONFIG)
        .define(HTTP_BACKOFF_MAX_CONFIG, Type.LONG, HTTP_BACKOFF_MAX_DEFAULT, Range.atLeast(0), Importance.LOW,
            HTTP_BACKOFF_MAX_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, HTTP_BACKOFF_MAX_CONFIG)
        // At least a second: Retry-After counts in whole seconds, and a lower cap would ignore what servers ask.
        .define(HTTP_RETRY_AFTER_MAX_CONFIG, Type.LONG, HTTP_RETRY_AFTER_MAX_DEFAULT,
            Range.between(1_000L, HTTP_RETRY_AFTER_MAX_LIMIT), Importance.LOW, HTTP_RETRY_AFTER_MAX_DOC, GROUP_COMMON,
            ++o, ConfigDef.Width.SHORT, HTTP_RETRY_AFTER_MAX_CONFIG)
        .define(HTTP_RETRY_AFTER_LONG_CONFIG, Type.STRING, HTTP_RETRY_AFTER_LONG_DEFAULT,
            ConfigDef.ValidString.in(LongRetryAfter.WAIT.name(), LongRetryAfter.FAIL.name()), Importance.LOW,
            HTTP_RETRY_AFTER_LONG_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, HTTP_RETRY_AFTER_LONG_CONFIG)
        .define(HTTP_MIN_INTERVAL_CONFIG, Type.LONG, HTTP_MIN_INTERVAL_DEFAULT, Range.atLeast(0), Importance.LOW,
            HTTP_MIN_INTERVAL_DOC, GROUP_COMMON, ++o, ConfigDef.Width.SHORT, HTTP_MIN_INTERVAL_CONFIG);
  }

  public String topic() { return getString(TOPIC_CONFIG); }
  public String dlqTopic() { return getString(DLQ_TOPIC_CONFIG); }
  public int batchMax() { return getInt(BATCH_MAX_CONFIG); }
  public Duration pollInterval() { return Duration.ofMillis(getLong(POLL_INTERVAL_CONFIG)); }
  public Duration httpTimeout() { return Duration.ofMillis(getLong(HTTP_TIMEOUT_CONFIG)); }
  public long httpBodyMinRate() { return getLong(HTTP_BODY_MIN_RATE_CONFIG); }
  public Duration httpMinInterval() { return Duration.ofMillis(getLong(HTTP_MIN_INTERVAL_CONFIG)); }

  public Backoff backoff() {
    return new Backoff(Duration.ofMillis(getLong(HTTP_BACKOFF_INITIAL_CONFIG)),
        Duration.ofMillis(getLong(HTTP_BACKOFF_MAX_CONFIG)), getInt(HTTP_MAX_RETRIES_CONFIG),
        Duration.ofMillis(getLong(HTTP_RETRY_AFTER_MAX_CONFIG)),
        LongRetryAfter.valueOf(getString(HTTP_RETRY_AFTER_LONG_CONFIG)));
  }
}
