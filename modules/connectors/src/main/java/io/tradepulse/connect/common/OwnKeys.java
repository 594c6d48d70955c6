package io.tradepulse.connect.common;

import io.tradepulse.core.ConfigKeys;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * Keys under a connector's own prefixes ({@code comext.}, {@code http.}, ...) that none of its settings has. Kafka
 * Connect hands a connector every key of its configuration, its own and the worker's ({@code name},
 * {@code transforms.*}, {@code errors.*}, converters...), and ignores the ones nobody reads, so a typo such as
 * {@code comext.partner=CN} for {@code comext.partners} ran the connector with the default (every partner), silently.
 * Only the connector's own prefixes are checked: anything else may be Connect's.
 */
public final class OwnKeys {
  private OwnKeys() {}

  /**
   * The first unknown key under {@code prefixes}, in sorted order, and why, naming the closest known key.
   *
   * @param taskKeys keys the connector adds to its tasks' configurations (a task's own share of the work), which a
   *     task's configuration, handed back to the connector by a test or a tool, may hold
   */
  static Optional<ConfigException> problem(Map<String, String> props, ConfigDef def, List<String> prefixes,
      Set<String> taskKeys) {
    Set<String> known = def.names();
    return props.keySet().stream().sorted()
        .filter(k -> !known.contains(k) && !taskKeys.contains(k))
        .map(k -> prefixes.stream().anyMatch(k::startsWith) ? unknown(k, known, prefixes)
            : nearPrefix(k, prefixes).map(p -> misspeltPrefix(k, p, known, prefixes)).orElse(null))
        .filter(java.util.Objects::nonNull)
        .findFirst();
  }

  // Without the value: a misspelt key may hold a secret (census.api.kye), which the message must not carry.
  private static ConfigException unknown(String k, Set<String> known, List<String> prefixes) {
    return new ConfigException("Unknown configuration " + k + ": no setting of this connector has this key (its "
        + "own keys start with " + String.join(", ", prefixes) + ")"
        + ConfigKeys.closest(k, known).map(c -> "; did you mean '" + c + "'?").orElse(""));
  }

  private static ConfigException misspeltPrefix(String k, String prefix, Set<String> known, List<String> prefixes) {
    String fixed = prefix + k.substring(k.indexOf('.') + 1);
    Optional<String> meant = known.contains(fixed) ? Optional.of(fixed) : ConfigKeys.closest(fixed, known);
    return new ConfigException("Unknown configuration " + k + ": its prefix is not one of this connector's ("
        + String.join(", ", prefixes) + ") but close to " + prefix + meant.map(c -> "; did you mean '" + c + "'?")
        .orElse(""));
  }

  /**
   * The first segments of Kafka Connect's and the worker's own keys (connector.class, tasks.max, transforms.*,
   * errors.*, key/value/header.converter*, predicates.*, topic.creation.*, exactly.once.*, offsets.storage.topic,
   * config.action.reload, producer/consumer/admin.override.*, ...): never taken for a misspelt prefix of ours.
   */
  private static final Set<String> CONNECT_PREFIXES = Set.of("connector.", "tasks.", "transforms.", "errors.", "key.",
      "value.", "header.", "predicates.", "topic.", "exactly.", "offsets.", "config.", "producer.", "consumer.",
      "admin.", "transaction.", "client.", "name.", "group.", "plugin.", "metrics.", "reporters.");

  /**
   * The own prefix {@code k}'s first segment is a typo of, if any: one or two letters off (an edit distance of 1 or 2,
   * a transposition counting 2), as {@code defualt.valuation} of {@code default.}. Such a key was ignored silently,
   * its setting left at the default, as one under an own prefix was before it was refused; a key of Connect's own
   * ({@link #CONNECT_PREFIXES}) or of an unrelated family is left alone.
   */
  static Optional<String> nearPrefix(String k, List<String> prefixes) {
    int dot = k.indexOf('.');
    if (dot < 2) {
      return Optional.empty();
    }
    String first = k.substring(0, dot + 1);
    if (CONNECT_PREFIXES.contains(first)) {
      return Optional.empty();
    }
    return prefixes.stream().filter(p -> ConfigKeys.distance(first, p) <= 2)
        .min(java.util.Comparator.comparingInt(p -> ConfigKeys.distance(first, p)));
  }

  /** For {@code start}: fails on the first unknown key under {@code prefixes}. */
  public static void check(Map<String, String> props, ConfigDef def, List<String> prefixes, Set<String> taskKeys) {
    Optional<ConfigException> problem = problem(props, def, prefixes, taskKeys);
    if (problem.isPresent()) {
      throw problem.get();
    }
  }

  /** For {@code validate}: each unknown key under {@code prefixes} becomes a value of {@code config} with its error. */
  public static Config validate(Config config, Map<String, String> props, ConfigDef def, List<String> prefixes,
      Set<String> taskKeys) {
    List<ConfigValue> values = new ArrayList<>(config.configValues());
    for (String k : new TreeSet<>(props.keySet())) {
      problem(Collections.singletonMap(k, props.get(k)), def, prefixes, taskKeys).ifPresent(e -> {
        ConfigValue v = new ConfigValue(k, null, List.of(), new ArrayList<>()); // no value: it may be a secret
        v.addErrorMessage(e.getMessage());
        values.add(v);
      });
    }
    return new Config(values);
  }
}
