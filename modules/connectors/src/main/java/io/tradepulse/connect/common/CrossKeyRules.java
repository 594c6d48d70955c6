package io.tradepulse.connect.common;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * Rules that span several keys of a connector's configuration (comext.files when comext.mode=BULK, a file mapping
 * giving every field a row needs). No validator of one key sees them, so they lived only in the configuration class's
 * constructor, which the connector builds at start: Connect's validate (PUT /connector-plugins/.../config/validate,
 * and tradepulse ingest's check before anything starts) said "no errors", and then the connector failed at start.
 * Each rule is written once: the constructor throws all it finds, in one exception ({@link #check}), validate puts
 * the same messages on the keys to fix ({@link #validate}).
 */
public final class CrossKeyRules {
  private CrossKeyRules() {}

  /** What a rule found: the key to fix, and the message start fails with. */
  public record Problem(String key, String message) {
    /** Worded as {@code new ConfigException(key, value, reason)}: "Invalid value V for configuration K: reason". */
    public static Problem of(String key, Object value, String reason) {
      return new Problem(key, new ConfigException(key, value, reason).getMessage());
    }
  }

  /**
   * A rule across keys.
   *
   * @param reads the keys it reads: validate runs it only when each of them parsed without an error (that key's own
   *     error then says what to fix, and the rule would judge a value that is not the one meant); a key the connector
   *     does not define (Connect's own, such as errors.tolerance) is not listed here, the worker checks it itself
   * @param check its problem given the parsed values (key to value, as ConfigDef parses them; a key the connector does
   *     not define as it was given, see {@link #withUndefined}), empty when none
   */
  public record Rule(List<String> reads, Function<Map<String, ?>, Optional<Problem>> check) {}

  /** What {@code rules} find in {@code values} (a configuration's parsed values), in the rules' order. */
  public static List<Problem> problems(List<Rule> rules, Map<String, ?> values) {
    List<Problem> out = new ArrayList<>();
    for (Rule r : rules) {
      r.check().apply(values).ifPresent(out::add);
    }
    return out;
  }

  /**
   * For a configuration's constructor: fails naming every problem of {@code rules}, in the rules' order, their messages
   * joined by {@value #SEPARATOR} (the first one's message first and as it is). It failed with the first problem only:
   * a user fixed it, started again, and only then learnt of the next one, which validate had reported all along.
   */
  public static void check(List<Rule> rules, Map<String, ?> values) {
    List<Problem> problems = problems(rules, values);
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join(SEPARATOR, problems.stream().map(Problem::message).toList()));
    }
  }

  /**
   * Between the messages of the problems {@link #check} fails with: one line, as tradepulse ingest joins the errors of
   * a connector's validate.
   */
  public static final String SEPARATOR = "; ";

  /**
   * What the rules read: the {@code parsed} values of the keys the connector defines ({@code defined}), and every other
   * key of {@code given} (the settings as the worker handed them over, Connect's own keys among them) as it was given.
   * A rule on a Connect key (errors.tolerance) sees it so both at start and in validate.
   */
  public static Map<String, Object> withUndefined(Map<String, ?> parsed, Map<String, ?> given, Set<String> defined) {
    Map<String, Object> out = new HashMap<>();
    given.forEach((k, v) -> {
      if (!defined.contains(k)) {
        out.put(k, v);
      }
    });
    out.putAll(parsed);
    return out;
  }

  /**
   * For a connector's validate: each problem of {@code rules} becomes an error of its key's value in {@code config}
   * (Connect's check of the single keys), a rule being run only when the keys it reads have no error. The values come
   * back in the order {@code def} defines the keys: ConfigDef.validate returns them in a HashMap's order, and tradepulse
   * ingest lists the errors in the order they come, so the first of several would otherwise be any of them.
   *
   * @param given the settings validated, of which the rules read the keys {@code def} does not define as given
   *     ({@link #withUndefined}); a problem on such a key is a value of its own, after the connector's keys
   */
  public static Config validate(Config config, ConfigDef def, List<Rule> rules, Map<String, String> given) {
    List<ConfigValue> values = new ArrayList<>(config.configValues());
    Map<String, ConfigValue> byKey = new HashMap<>();
    Map<String, Object> ownParsed = new HashMap<>();
    for (ConfigValue v : values) {
      byKey.put(v.name(), v);
      ownParsed.put(v.name(), v.value());
    }
    Map<String, Object> parsed = withUndefined(ownParsed, given, def.names());
    for (Rule r : rules) {
      boolean readable = r.reads().stream()
          .allMatch(k -> byKey.containsKey(k) && byKey.get(k).errorMessages().isEmpty());
      if (readable) {
        r.check().apply(parsed).ifPresent(p -> byKey.computeIfAbsent(p.key(), k -> {
          ConfigValue added = new ConfigValue(k);
          values.add(added);
          return added;
        }).addErrorMessage(p.message()));
      }
    }
    Map<String, Integer> order = new HashMap<>();
    for (String k : def.configKeys().keySet()) {
      order.put(k, order.size());
    }
    values.sort(Comparator.comparingInt(v -> order.getOrDefault(v.name(), order.size())));
    return new Config(values);
  }
}
