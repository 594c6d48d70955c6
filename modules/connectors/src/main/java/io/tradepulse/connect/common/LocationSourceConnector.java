package io.tradepulse.connect.common;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * A connector over a {@link LocationSourceTask}: its tasks share a list of locations (files or URLs), each one source
 * partition ({@link LocationConnectors}). The GACC and file connectors were copies of one another differing only in
 * what the constructor takes now, so a fix to one (a check at start, in validate) could miss the other.
 *
 * @param <C> the connector's configuration
 */
public abstract class LocationSourceConnector<C extends TradeSourceConfig> extends SourceConnector {
  /** The keys it adds to its tasks' configurations: none, a task gets its share of the locations key itself. */
  static final Set<String> TASK_KEYS = Set.of();

  private final ConfigDef configDef;
  private final Function<Map<String, String>, C> configOf;
  private final List<String> ownPrefixes;
  private final String locationsKey;
  private final Class<? extends LocationSourceTask<C>> taskClass;
  private final List<CrossKeyRules.Rule> rules;
  private Map<String, String> props;
  private C config;

  /**
   * @param configDef the connector's keys
   * @param configOf reads them (and checks what start refuses)
   * @param ownPrefixes the prefixes of its own keys: an unknown key under them is a typo ({@link OwnKeys})
   * @param locationsKey the list-valued key of the locations, spread over the tasks
   * @param taskClass its task
   * @param rules its own rules across keys, checked by validate as start does, besides
   *     {@link TradeSourceConfig#COMMON_RULES}
   */
  protected LocationSourceConnector(ConfigDef configDef, Function<Map<String, String>, C> configOf,
      List<String> ownPrefixes, String locationsKey, Class<? extends LocationSourceTask<C>> taskClass,
      List<CrossKeyRules.Rule> rules) {
    this.configDef = configDef;
    this.configOf = configOf;
    this.ownPrefixes = List.copyOf(ownPrefixes);
    this.locationsKey = locationsKey;
    this.taskClass = taskClass;
    this.rules = TradeSourceConfig.withCommonRules(rules);
  }

  @Override
  public void start(Map<String, String> props) {
    OwnKeys.check(props, configDef, ownPrefixes, TASK_KEYS);
    this.config = configOf.apply(props);
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return taskClass;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return LocationConnectors.taskConfigs(props, locationsKey, config.getList(locationsKey), maxTasks);
  }

  @Override
  public void stop() {}

  /**
   * Connect's check of the settings, plus the connector's rules across keys (each problem on the key to fix), and an
   * error for each unknown key under its own prefixes.
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config checked = CrossKeyRules.validate(super.validate(connectorConfigs), config(), rules,
        connectorConfigs);
    return OwnKeys.validate(checked, connectorConfigs, config(), ownPrefixes, TASK_KEYS);
  }

  @Override
  public ConfigDef config() {
    return configDef;
  }

  @Override
  public String version() {
    return Versions.VERSION;
  }
}
