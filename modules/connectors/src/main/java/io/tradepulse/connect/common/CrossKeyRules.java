package io.tradepulse.connect.common;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
   *     error then says what to fix, and the rule would judge a value that is not the one meant)
   * @param check its problem given the parsed values (key to value, as ConfigDef parses them), empty when none
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
   * For a connector's validate: each problem of {@code rules} becomes an error of its key's value in {@code config}
   * (Connect's check of the single keys), a rule being run only when the keys it reads have no error. The values come
   * back in the order {@code def} defines the keys: ConfigDef.validate returns them in a HashMap's order, and tradepulse
   * ingest lists the errors in the order they come, so the first of several would otherwise be any of them.
   */
  public static Config validate(Config config, ConfigDef def, List<Rule> rules) {
    List<ConfigValue> values = new ArrayList<>(config.configValues());
    Map<String, ConfigValue> byKey = new HashMap<>();
    Map<String, Object> parsed = new HashMap<>();
    for (ConfigValue v : values) {
      byKey.put(v.name(), v);
      parsed.put(v.name(), v.value());
    }
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
